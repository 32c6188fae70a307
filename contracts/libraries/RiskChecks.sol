// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {NavMath} from "./NavMath.sol";

/// @title RiskChecks
/// @notice The rebalance bounds of docs/plan-format.md §6, each reverting with its values.
library RiskChecks {
    uint256 internal constant BPS = 10_000;

    /// @notice Swap `index` returned less oracle value than allowed.
    error SlippageExceeded(uint256 index, uint256 inValue, uint256 outValue, uint256 slippageBps);
    /// @notice The plan lost more NAV than one rebalance may.
    error LossPerRebalanceExceeded(uint256 navBefore, uint256 navAfter, uint256 maxLossBps);
    /// @notice Σ traded value / NAV exceeds the maximum.
    error TurnoverExceeded(uint256 turnoverBps, uint256 maxTurnoverBps);
    /// @notice Post weight of asset `index` above its maximum.
    error WeightAboveMax(uint256 index, uint256 weightBps, uint256 maxWeightBps);
    /// @notice Post weight of asset `index` too far from the plan's expectation.
    error WeightOffTarget(uint256 index, uint256 weightBps, uint256 expectedBps, uint256 toleranceBps);
    /// @notice Net delta of asset `index` outside its band.
    error NetDeltaOutOfBand(uint256 index, int256 netDeltaBps, int256 minBps, int256 maxBps);
    /// @notice Gross exposure / NAV above the maximum.
    error LeverageExceeded(uint256 leverageBps, uint256 maxLeverageBps);
    /// @notice Aave health factor below the minimum.
    error HealthFactorTooLow(uint256 healthFactor, uint256 minHealthFactor);
    /// @notice In defensive mode or shutdown a plan must not raise gross exposure or leverage.
    error ExposureNotReduced(uint256 grossBefore, uint256 grossAfter, uint256 levBefore, uint256 levAfter);

    /// @dev outValue * BPS >= inValue * (BPS - slip).
    function slippage(uint256 index, uint256 inValue, uint256 outValue, uint256 slip) internal pure {
        if (outValue * BPS < inValue * (BPS - slip)) revert SlippageExceeded(index, inValue, outValue, slip);
    }

    /// @dev navAfter * BPS >= navBefore * (BPS - maxLossBps).
    function lossPerRebalance(uint256 navBefore, uint256 navAfter, uint256 maxLossBps) internal pure {
        if (navAfter * BPS < navBefore * (BPS - maxLossBps)) {
            revert LossPerRebalanceExceeded(navBefore, navAfter, maxLossBps);
        }
    }

    /// @dev turnoverBps <= max.
    function turnover(uint256 turnoverBps, uint256 maxBps) internal pure {
        if (turnoverBps > maxBps) revert TurnoverExceeded(turnoverBps, maxBps);
    }

    /// @dev Weight vs its maximum and the plan's expectation; returns the weight.
    function weight(
        uint256 index,
        uint256 v,
        uint256 nav,
        uint256 maxBps,
        uint256 expectedBps,
        uint256 tol
    ) internal pure returns (uint256 w) {
        if (nav == 0) {
            if (v != 0) revert WeightAboveMax(index, type(uint256).max, maxBps);
            w = 0;
        } else {
            w = NavMath.bpsDown(v, nav);
        }
        if (w > maxBps) revert WeightAboveMax(index, w, maxBps);
        uint256 diff = w > expectedBps ? w - expectedBps : expectedBps - w;
        if (diff > tol) revert WeightOffTarget(index, w, expectedBps, tol);
    }

    /// @dev Signed net delta in bps (toward zero), checked against [minBps, maxBps].
    function netDelta(
        uint256 index,
        uint256 v,
        uint256 b,
        uint256 nav,
        int256 minBps,
        int256 maxBps
    ) internal pure returns (int256 nd) {
        nd = netDeltaBps(v, b, nav);
        if (nd < minBps || nd > maxBps) revert NetDeltaOutOfBand(index, nd, minBps, maxBps);
    }

    /// @dev sign(v - b) * floor(|v - b| * BPS / nav); 0 when nav == 0.
    function netDeltaBps(uint256 v, uint256 b, uint256 nav) internal pure returns (int256) {
        if (v >= b) return int256(NavMath.bpsDown(v - b, nav));
        return -int256(NavMath.bpsDown(b - v, nav));
    }

    /// @dev floor(gross * BPS / nav) <= max; returns the leverage (type(uint256).max if nav == 0 < gross).
    function leverage(uint256 gross, uint256 nav, uint256 maxBps) internal pure returns (uint256 lev) {
        lev = leverageBps(gross, nav);
        if (lev > maxBps) revert LeverageExceeded(lev, maxBps);
    }

    /// @dev floor(gross * BPS / nav), type(uint256).max when nav == 0 < gross.
    function leverageBps(uint256 gross, uint256 nav) internal pure returns (uint256) {
        if (nav == 0) return gross == 0 ? 0 : type(uint256).max;
        return NavMath.bpsDown(gross, nav);
    }

    /// @dev hf >= min.
    function healthFactor(uint256 hf, uint256 minHf) internal pure {
        if (hf < minHf) revert HealthFactorTooLow(hf, minHf);
    }

    /// @dev Defensive mode / shutdown: gross and leverage must not rise.
    function reducesExposure(
        uint256 grossBefore,
        uint256 grossAfter,
        uint256 levBefore,
        uint256 levAfter
    ) internal pure {
        if (grossAfter > grossBefore || levAfter > levBefore) {
            revert ExposureNotReduced(grossBefore, grossAfter, levBefore, levAfter);
        }
    }
}
