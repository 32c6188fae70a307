// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title NavMath
/// @notice Oracle value conversion and fee arithmetic, with the rounding documented in
///         docs/plan-format.md §4 and §8.
library NavMath {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;

    /// @notice Conversion factors of one asset into base units: value = amount * num / den.
    struct Px {
        uint256 num;
        uint256 den;
    }

    /// @dev num = p * 10^(baseDec + baseFeedDec), den = pBase * 10^(dec + feedDec).
    function px(
        uint256 p,
        uint8 dec,
        uint8 feedDec,
        uint256 pBase,
        uint8 baseDec,
        uint8 baseFeedDec
    ) internal pure returns (Px memory) {
        return Px(p * 10 ** (uint256(baseDec) + baseFeedDec), pBase * 10 ** (uint256(dec) + feedDec));
    }

    /// @dev Value of holdings, rounded down.
    function value(uint256 amount, Px memory x) internal pure returns (uint256) {
        return Math.mulDiv(amount, x.num, x.den);
    }

    /// @dev Value of a debt, rounded up.
    function debtValue(uint256 amount, Px memory x) internal pure returns (uint256) {
        return Math.mulDiv(amount, x.num, x.den, Math.Rounding.Ceil);
    }

    /// @dev Price per share, WAD-scaled base units per share unit, rounded down.
    function ppsWad(uint256 nav, uint256 supply, uint256 virtualShares) internal pure returns (uint256) {
        return Math.mulDiv(nav + 1, WAD, supply + virtualShares);
    }

    /// @dev Packs a price per share into the 40-bit mark (stored with the share supply): exponent (8 bits) ‖ mantissa
    ///      (32 bits), value = mantissa << exponent. Rounded down: {fromMark}(toMark(x)) ≤ x, within
    ///      a relative 2^-31 (≈ 5e-10) of it; 0 stays 0.
    function toMark(uint256 x) internal pure returns (uint40) {
        uint256 e = x < 2 ** 32 ? 0 : Math.log2(x) - 31; // x >> e < 2^32; e ≤ 224
        return uint40((e << 32) | (x >> e));
    }

    /// @dev The price per share a mark stands for (see {toMark}).
    function fromMark(uint256 mark) internal pure returns (uint256) {
        return uint256(uint32(mark)) << uint8(mark >> 32);
    }

    /// @dev Fee to add to an amount that does not include it, rounded up.
    function feeOnRaw(uint256 amount, uint256 feeBps) internal pure returns (uint256) {
        if (feeBps == 0) return 0; // gas; the formula gives 0 too
        return Math.mulDiv(amount, feeBps, BPS, Math.Rounding.Ceil);
    }

    /// @dev Fee part of an amount that already includes it, rounded up.
    function feeOnTotal(uint256 amount, uint256 feeBps) internal pure returns (uint256) {
        if (feeBps == 0) return 0; // gas; the formula gives 0 too
        return Math.mulDiv(amount, feeBps, feeBps + BPS, Math.Rounding.Ceil);
    }

    /// @dev ceil(part * BPS / whole), 0 when whole == 0.
    function bpsUp(uint256 part, uint256 whole) internal pure returns (uint256) {
        return whole == 0 ? 0 : Math.mulDiv(part, BPS, whole, Math.Rounding.Ceil);
    }

    /// @dev floor(part * BPS / whole), 0 when whole == 0.
    function bpsDown(uint256 part, uint256 whole) internal pure returns (uint256) {
        return whole == 0 ? 0 : Math.mulDiv(part, BPS, whole);
    }
}
