// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IBallastVault} from "../interfaces/IBallastVault.sol";

/// @title Tightening
/// @notice Decides whether a configuration change only tightens risk (instant) or loosens any
///         field (waits the curator timelock; the guardian may revoke it).
library Tightening {
    /// @dev True iff every field of `n` is at least as strict as in `o`.
    function limits(
        IBallastVault.Limits memory o,
        IBallastVault.Limits memory n
    ) internal pure returns (bool) {
        return
            n.depositCap <= o.depositCap &&
            n.maxSlippageBps <= o.maxSlippageBps &&
            n.maxLossPerRebalanceBps <= o.maxLossPerRebalanceBps &&
            n.lossBudgetBps <= o.lossBudgetBps &&
            n.lossWindow >= o.lossWindow &&
            n.maxTurnoverBps <= o.maxTurnoverBps &&
            n.maxLeverageBps <= o.maxLeverageBps &&
            n.minHealthFactor >= o.minHealthFactor &&
            n.rebalanceCooldown >= o.rebalanceCooldown &&
            n.circuitBreakerDropBps <= o.circuitBreakerDropBps &&
            n.circuitBreakerWindow >= o.circuitBreakerWindow;
    }

    /// @dev True iff `n` is the same asset and feed and every bound is at least as strict.
    function asset(
        IBallastVault.AssetConfig memory o,
        IBallastVault.AssetConfig memory n
    ) internal pure returns (bool) {
        return
            n.token == o.token &&
            n.feed == o.feed &&
            n.heartbeat <= o.heartbeat &&
            !(n.enabled && !o.enabled) &&
            n.maxWeightBps <= o.maxWeightBps &&
            n.minNetDeltaBps >= o.minNetDeltaBps &&
            n.maxNetDeltaBps <= o.maxNetDeltaBps &&
            n.minPrice >= o.minPrice &&
            (o.maxPrice == 0 || (n.maxPrice != 0 && n.maxPrice <= o.maxPrice));
    }
}
