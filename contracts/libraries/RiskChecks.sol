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
    /// @notice Post weight of asset `index` above its maximum (and the weight before the plan was not).
    error WeightAboveMax(uint256 index, uint256 weightBps, uint256 maxWeightBps);
    /// @notice Asset `index` was already above its maximum weight before the plan (a market move or
    ///         a donation put it there) and the plan raised its weight further.
    error WeightAboveMaxRose(uint256 index, uint256 weightBps, uint256 weightBeforeBps, uint256 maxWeightBps);
    /// @notice Post weight of asset `index` too far from the plan's expectation.
    error WeightOffTarget(uint256 index, uint256 weightBps, uint256 expectedBps, uint256 toleranceBps);
    /// @notice Net delta of asset `index` outside its band (and the net delta before the plan was
    ///         not outside it on the same side).
    error NetDeltaOutOfBand(uint256 index, int256 netDeltaBps, int256 minBps, int256 maxBps);
    /// @notice Asset `index`'s net delta was already outside its band before the plan, and the plan
    ///         moved it further out on that side.
    error NetDeltaOutOfBandGrew(
        uint256 index,
        int256 netDeltaBps,
        int256 netDeltaBeforeBps,
        int256 minBps,
        int256 maxBps
    );
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

    /// @dev floor(v * BPS / nav); with nav == 0 a holding reverts WeightAboveMax(index, max uint, maxBps).
    function weightBps(
        uint256 index,
        uint256 v,
        uint256 nav,
        uint256 maxBps
    ) internal pure returns (uint256) {
        if (nav == 0) {
            if (v != 0) revert WeightAboveMax(index, type(uint256).max, maxBps);
            return 0;
        }
        return NavMath.bpsDown(v, nav);
    }

    /// @dev Called when the weight `w` after the plan is above `maxBps`. A market move (or a
    ///      donation) can leave an asset above its maximum before any plan; the plan must then not
    ///      raise it further (`w <= w0`, `w0` = its weight before the actions, from the value `v0`
    ///      and NAV `nav0` of §6 step 2), so that a partial sell the pool can absorb is accepted
    ///      instead of every plan being blocked (docs/plan-format.md §6 step 8). A plan can
    ///      therefore never take an asset above max(maxBps, w0). Reverts otherwise.
    function aboveMaxWeight(
        uint256 index,
        uint256 w,
        uint256 maxBps,
        uint256 v0,
        uint256 nav0
    ) internal pure {
        uint256 w0 = NavMath.bpsDown(v0, nav0); // 0 when nav0 == 0: the plain bound applies
        if (w0 <= maxBps) revert WeightAboveMax(index, w, maxBps);
        if (w > w0) revert WeightAboveMaxRose(index, w, w0, maxBps);
    }

    /// @dev |w - expectedBps| <= tol.
    function weightOnTarget(uint256 index, uint256 w, uint256 expectedBps, uint256 tol) internal pure {
        uint256 diff = w > expectedBps ? w - expectedBps : expectedBps - w;
        if (diff > tol) revert WeightOffTarget(index, w, expectedBps, tol);
    }

    /// @dev Called when the net delta `nd` after the plan is outside [minBps, maxBps]. As for the
    ///      weight, a net delta the market left outside its band before the plan (`nd0`, on the
    ///      NAV before the actions) may stay outside on that side but not move further out: the
    ///      accepted range is [min(minBps, nd0), max(maxBps, nd0)]. Reverts otherwise.
    function outsideNetDeltaBand(
        uint256 index,
        int256 nd,
        int256 minBps,
        int256 maxBps,
        int256 nd0
    ) internal pure {
        if (nd > maxBps) {
            if (nd0 <= maxBps) revert NetDeltaOutOfBand(index, nd, minBps, maxBps);
            if (nd > nd0) revert NetDeltaOutOfBandGrew(index, nd, nd0, minBps, maxBps);
        } else {
            if (nd0 >= minBps) revert NetDeltaOutOfBand(index, nd, minBps, maxBps);
            if (nd < nd0) revert NetDeltaOutOfBandGrew(index, nd, nd0, minBps, maxBps);
        }
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
