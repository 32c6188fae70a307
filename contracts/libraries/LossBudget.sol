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
    /// @notice Budget state.
    struct State {
        uint192 usedWad;
        uint64 updatedAt;
    }

    /// @notice The plan's loss would take the used budget over its cap.
    error LossBudgetExceeded(uint256 usedWad, uint256 capWad);

    /// @dev Used budget now, after the linear refill.
    function used(State memory s, uint256 capWad, uint256 window) internal view returns (uint256) {
        if (window == 0) return 0;
        uint256 decay = Math.mulDiv(capWad, block.timestamp - s.updatedAt, window);
        return s.usedWad > decay ? s.usedWad - decay : 0;
    }

    /// @dev Adds `lossWad` to the budget or reverts with LossBudgetExceeded.
    function consume(State storage s, uint256 lossWad, uint256 capWad, uint256 window) internal {
        uint256 u = used(s, capWad, window) + lossWad;
        if (u > capWad) revert LossBudgetExceeded(u, capWad);
        s.usedWad = uint192(u);
        s.updatedAt = uint64(block.timestamp);
    }
}
