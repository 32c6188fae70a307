// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title LossBudget
/// @notice Cumulative rebalance loss over a window W that refills linearly:
///         used(t) = max(0, used(t0) - cap * (t - t0) / W). A plan's loss is added; exceeding the
///         cap reverts. Losses are WAD fractions of the NAV before the plan (1e18 = 100 %).
library LossBudget {
    /// @notice The plan's loss would take the used budget over its cap.
    error LossBudgetExceeded(uint256 usedWad, uint256 capWad);

    /// @dev Used budget now: `usedWad` as of `updatedAt`, after the linear refill.
    function used(
        uint256 usedWad,
        uint256 updatedAt,
        uint256 capWad,
        uint256 window
    ) internal view returns (uint256) {
        if (window == 0) return 0;
        uint256 decay = Math.mulDiv(capWad, block.timestamp - updatedAt, window);
        return usedWad > decay ? usedWad - decay : 0;
    }

    /// @dev The used budget after adding `lossWad` now, or LossBudgetExceeded. The result is at
    ///      most `capWad` (≤ 1e18 for a cap ≤ 100 %), so it fits the 64 bits it is stored in.
    function consume(
        uint256 usedWad,
        uint256 updatedAt,
        uint256 lossWad,
        uint256 capWad,
        uint256 window
    ) internal view returns (uint256 u) {
        u = used(usedWad, updatedAt, capWad, window) + lossWad;
        if (u > capWad) revert LossBudgetExceeded(u, capWad);
    }
}
