// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ILendingAdapter} from "../interfaces/IAdapter.sol";
import {ConfigLib} from "./ConfigLib.sol";
import {OracleLib} from "./OracleLib.sol";
import {NavMath} from "./NavMath.sol";

/// @title PriceLib
/// @notice Reads every feed of the registry once, returns the base-unit conversion factors
///         (docs/plan-format.md §4) and the NAV (§5). External (linked) library run by
///         DELEGATECALL, to keep the vault under 24 KiB. The configuration comes from the NAV
///         snapshot ({ConfigLib.snapshot}): one EXTCODECOPY instead of a cold SLOAD per field.
library PriceLib {
    bytes4 private constant BALANCE_OF = 0x70a08231; // balanceOf(address)
    bytes4 private constant COLLATERAL_OF = ILendingAdapter.collateralOf.selector;
    bytes4 private constant DEBT_OF = ILendingAdapter.debtOf.selector;

    /// @notice NAV and conversion factors. `strict` reverts naming a failed feed; otherwise
    ///         ok = false (and nav = 0, pxs empty) when the sequencer or any feed fails.
    function nav(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 reserved,
        bool strict
    ) external view returns (bool ok, uint256 nav_, NavMath.Px[] memory pxs) {
        uint256[] memory w = load(cfg);
        pxs = _pxs(w, strict);
        if (pxs.length != assetCount(w)) return (false, 0, pxs);
        return (true, _navWith(w, base, reserved, pxs), pxs);
    }

    /// @notice NAV with given conversion factors.
    function navWith(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 reserved,
        NavMath.Px[] memory pxs
    ) external view returns (uint256) {
        return _navWith(load(cfg), base, reserved, pxs);
    }

    /// @dev Number of registered assets in the NAV snapshot `w` (layout in {ConfigLib.snapshot}).
    function assetCount(uint256[] memory w) internal pure returns (uint256) {
        return (w.length - 6) / 3;
    }

    /// @dev The first limits word of the snapshot: depositCap | maxSlippageBps << 128 |
    ///      maxLossPerRebalanceBps << 144 | lossBudgetBps << 160 | lossWindow << 176 |
    ///      rebalanceCooldown << 208 | circuitBreakerDropBps << 240.
    function limitsA(uint256[] memory w) internal pure returns (uint256) {
        return w[w.length - 2];
    }

    /// @dev The second limits word of the snapshot: maxTurnoverBps | maxLeverageBps << 32 |
    ///      minHealthFactor << 64 | circuitBreakerWindow << 128.
    function limitsB(uint256[] memory w) internal pure returns (uint256) {
        return w[w.length - 1];
    }

    /// @dev Conversion factors of every registered asset (§4), checked: reverts naming the first
    ///      feed (or the sequencer) that fails a check. The lean path of {nav}, inlined.
    function prices(uint256[] memory w) internal view returns (NavMath.Px[] memory) {
        return _pxs(w, true);
    }

    /// @dev `token.balanceOf(this)` (see {_balance}).
    function balanceOfThis(address token) internal view returns (uint256) {
        return _balance(token);
    }

    /// @dev The NAV snapshot's words (layout in {ConfigLib.snapshot}).
    function load(ConfigLib.Layout storage cfg) internal view returns (uint256[] memory w) {
        return loadFrom(cfg.hot.navData, cfg.hot.navWords);
    }

    /// @dev The `n` words of the NAV snapshot at `d`.
    function loadFrom(address d, uint256 n) internal view returns (uint256[] memory w) {
        w = new uint256[](n);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            extcodecopy(d, add(w, 32), 1, mul(n, 32))
        }
    }

    /// @dev The NAV of {nav} on its lean path, as an internal function so that it is inlined into
    ///      the vault (no DELEGATECALL, no ABI round trip): the same checks (docs/plan-format.md §4,
    ///      sequencer included) and the same formulas and rounding (§5), in one pass over the assets
    ///      and without ever reverting: ok = false as soon as anything leaves the happy path (a check
    ///      fails, a call fails or returns short data, an intermediate product overflows); the caller
    ///      then runs {nav}, which checks every feed before reading any balance and reverts naming
    ///      the failure (strict) or reports ok = false, so its verdict is the canonical one. Also
    ///      returns the idle base (balance − reserved).
    function quickNav(
        uint256[] memory w,
        address base,
        uint256 reserved
    ) internal view returns (bool, uint256, uint256) {
        if (w.length < 6) return (false, 0, 0); // no snapshot (never for a constructed vault)
        if (uint160(_at(w, 0)) == 0) return _quickNoLending(w, base, reserved);
        uint256 w3 = _at(w, 3);
        if (uint160(w3) != 0 && !_quickSequencer(w3)) return (false, 0, 0);
        uint256 pBase = _quick(_at(w, 1), _at(w, 2));
        if (pBase == 0) return (false, 0, 0);
        (bool ok, uint256 idle) = _tryRead(base, BALANCE_OF, address(this));
        if (!ok) return (false, 0, 0);
        unchecked {
            idle = idle > reserved ? idle - reserved : 0;
        }
        uint256 nav_;
        (ok, nav_) = _quickSum(w, base, pBase, idle);
        return (ok, nav_, idle);
    }

    /// @dev {quickNav} without a lending adapter, in one pass and without reverting: a failed check
    ///      or call, or any overflow, returns ok = false and leaves the verdict to {nav} (which checks
    ///      every feed before reading balances, so its error is the canonical one).
    function _quickNoLending(
        uint256[] memory w,
        address base,
        uint256 reserved
    ) private view returns (bool, uint256, uint256) {
        uint256 w3 = _at(w, 3);
        if (uint160(w3) != 0 && !_quickSequencer(w3)) return (false, 0, 0);
        uint256 pBase = _quick(_at(w, 1), _at(w, 2));
        if (pBase == 0) return (false, 0, 0);
        (bool ok, uint256 idle) = _tryRead(base, BALANCE_OF, address(this));
        if (!ok) return (false, 0, 0);
        unchecked {
            idle = idle > reserved ? idle - reserved : 0;
            uint256 numScale = _pow10(_at(w, 0) >> 160);
            uint256 pos = idle;
            uint256 end = w.length - 2; // the last two words are the limits
            for (uint256 j = 4; j < end; j += 3) {
                uint256 v;
                (ok, v) = _quickValueAt(w, j, pBase, numScale);
                uint256 sum = pos + v;
                if (!ok || sum < pos) return (false, 0, 0);
                pos = sum;
            }
            return (true, pos, idle);
        }
    }

    /// @dev Value in base units of the asset whose snapshot words start at `j`: floor(bal × num /
    ///      den), num = p × 10^(baseDec + baseFeedDec), den = pBase × 10^(dec + feedDec) (§4); ok =
    ///      false on a failed feed check or call, or an overflow. p, pBase > 0, so den > 0.
    function _quickValueAt(
        uint256[] memory w,
        uint256 j,
        uint256 pBase,
        uint256 numScale
    ) private view returns (bool ok, uint256 v) {
        uint256 a = _at(w, j + 1);
        uint256 p = _quick(a, _at(w, j + 2));
        if (p == 0) return (false, 0);
        uint256 bal;
        (ok, bal) = _tryRead(address(uint160(_at(w, j))), BALANCE_OF, address(this));
        if (!ok) return (false, 0);
        unchecked {
            uint256 scale = _pow10(a >> 192);
            uint256 num = p * numScale;
            uint256 den = pBase * scale;
            if (num / p != numScale || den / pBase != scale) return (false, 0);
            uint256 prod = bal * num;
            if (bal != 0 && prod / bal != num) return (false, 0);
            return (true, prod / den);
        }
    }

    /// @dev idle + lending collateral + Σ holdings values − Σ debt values (§5) on the lean path.
    function _quickSum(
        uint256[] memory w,
        address base,
        uint256 pBase,
        uint256 pos
    ) private view returns (bool, uint256) {
        uint256 w0 = _at(w, 0);
        address la = address(uint160(w0));
        if (la != address(0)) {
            (bool good, uint256 c) = _tryRead(la, COLLATERAL_OF, base);
            unchecked {
                if (!good || pos + c < pos) return (false, 0);
                pos += c;
            }
        }
        uint256 neg;
        uint256 numScale = _pow10(w0 >> 160);
        uint256 end = w.length - 2; // the last two words are the limits
        for (uint256 j = 4; j < end; j += 3) {
            (bool ok, uint256 v, uint256 d) = _quickAsset(w, j, pBase, numScale, la);
            unchecked {
                if (!ok || pos + v < pos || neg + d < neg) return (false, 0);
                pos += v;
                neg += d;
            }
        }
        return (true, pos > neg ? pos - neg : 0);
    }

    /// @dev Holdings value (down) and debt value (up, 0 without a lending adapter `la`) in base units
    ///      of the asset whose snapshot words start at `j`: amount × num / den, num = p ×
    ///      10^(baseDec + baseFeedDec), den = pBase × 10^(dec + feedDec) (§4, §5); ok = false on a
    ///      failed feed check or call, or an overflow. p, pBase > 0, so den > 0.
    function _quickAsset(
        uint256[] memory w,
        uint256 j,
        uint256 pBase,
        uint256 numScale,
        address la
    ) private view returns (bool ok, uint256 v, uint256 d) {
        uint256 num;
        uint256 den;
        (ok, num, den) = _quickFactors(_at(w, j + 1), _at(w, j + 2), pBase, numScale);
        if (!ok) return (false, 0, 0);
        address token = address(uint160(_at(w, j)));
        uint256 x;
        (ok, x) = _tryRead(token, BALANCE_OF, address(this));
        if (ok) (ok, v) = _mulDivQuick(x, num, den, false);
        if (!ok || la == address(0)) return (ok, v, 0);
        (ok, x) = _tryRead(la, DEBT_OF, token);
        if (ok) (ok, d) = _mulDivQuick(x, num, den, true);
    }

    /// @dev Conversion factors of the asset with snapshot words `a`, `b` (feed check of {_quick}).
    function _quickFactors(
        uint256 a,
        uint256 b,
        uint256 pBase,
        uint256 numScale
    ) private view returns (bool, uint256 num, uint256 den) {
        uint256 p = _quick(a, b);
        if (p == 0) return (false, 0, 0);
        uint256 scale = _pow10(a >> 192);
        unchecked {
            num = p * numScale;
            den = pBase * scale;
            return (num / p == numScale && den / pBase == scale, num, den);
        }
    }

    /// @dev x × y / d rounded down (or up), ok = false if x × y overflows (d > 0).
    function _mulDivQuick(uint256 x, uint256 y, uint256 d, bool up) private pure returns (bool, uint256 r) {
        unchecked {
            uint256 prod = x * y;
            if (x != 0 && prod / x != y) return (false, 0);
            r = prod / d;
            if (up && prod % d != 0) ++r;
            return (true, r);
        }
    }

    /// @dev `w[i]` without the bounds check (callers stay within `w.length`).
    function _at(uint256[] memory w, uint256 i) private pure returns (uint256 v) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            v := mload(add(w, shl(5, add(i, 1))))
        }
    }

    /// @dev The snapshot's fee word (entryFeeBps | exitFeeBps << 16 | managementFeeBps << 32 |
    ///      performanceFeeBps << 48; management and performance 0 while there is no recipient)
    ///      and the deposit cap (layout in {ConfigLib.snapshot}).
    function feesAndCap(uint256[] memory w) internal pure returns (uint256 fees, uint256 cap) {
        return (w[3] >> 192, uint128(w[w.length - 2]));
    }

    /// @dev `target.<selector>(arg)` returning one word; ok = false if the call fails or returns
    ///      less than 32 bytes (also when `target` has no code).
    function _tryRead(
        address target,
        bytes4 selector,
        address arg
    ) private view returns (bool ok, uint256 v) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 4), arg)
            ok := staticcall(gas(), target, m, 0x24, m, 0x20)
            ok := and(ok, iszero(lt(returndatasize(), 0x20)))
            v := mload(m)
        }
    }

    /// @dev Sequencer feed in snapshot word `w3` (feed | gracePeriod << 160) is up and out of its
    ///      grace period (the condition of {OracleLib.trySequencer}); false also on a failed call.
    function _quickSequencer(uint256 w3) private view returns (bool ok) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, shl(224, 0xfeaf968c)) // latestRoundData()
            ok := staticcall(gas(), and(w3, 0xffffffffffffffffffffffffffffffffffffffff), m, 4, m, 0xa0)
            ok := and(ok, iszero(lt(returndatasize(), 0xa0)))
            let grace := and(shr(160, w3), 0xffffffff)
            // answer == 0 && block.timestamp > startedAt + gracePeriod (no overflow: both < 2^64 in practice;
            // an overflowing startedAt fails the check)
            let deadline := add(mload(add(m, 0x40)), grace)
            ok := and(ok, iszero(mload(add(m, 0x20))))
            ok := and(ok, lt(mload(add(m, 0x40)), deadline))
            ok := and(ok, gt(timestamp(), deadline))
        }
    }

    function _navWith(
        uint256[] memory w,
        address base,
        uint256 reserved,
        NavMath.Px[] memory pxs
    ) private view returns (uint256) {
        address la = address(uint160(w[0]));
        uint256 bal = _balance(base);
        uint256 pos = bal > reserved ? bal - reserved : 0;
        uint256 neg;
        if (la != address(0)) pos += ILendingAdapter(la).collateralOf(base);
        uint256 n = pxs.length;
        for (uint256 i; i < n; ++i) {
            address token = address(uint160(w[4 + 3 * i]));
            pos += NavMath.value(_balance(token), pxs[i]);
            if (la != address(0)) neg += NavMath.debtValue(ILendingAdapter(la).debtOf(token), pxs[i]);
        }
        return pos > neg ? pos - neg : 0;
    }

    /// @dev Feed parameters from the snapshot words `a` (feed | heartbeat << 160 …) and `b` (band).
    function _feed(uint256 a, uint256 b) private pure returns (OracleLib.Feed memory) {
        return OracleLib.Feed(address(uint160(a)), uint32(a >> 160), uint128(b >> 128), uint128(b));
    }

    /// @dev Conversion factors: a lean happy path ({_quick} per feed); on the first feed that fails
    ///      any check, the checked path {_pxsChecked} re-reads and reverts naming it (strict) or
    ///      returns an empty array.
    function _pxs(uint256[] memory w, bool strict) private view returns (NavMath.Px[] memory) {
        if (uint160(w[3]) != 0) return _pxsChecked(w, strict); // sequencer configured
        uint256 pBase = _quick(w[1], w[2]);
        if (pBase == 0) return _pxsChecked(w, strict);
        uint256 numScale = _pow10(w[0] >> 160);
        uint256 n = assetCount(w);
        NavMath.Px[] memory res = new NavMath.Px[](n);
        for (uint256 i; i < n; ++i) {
            uint256 a = w[4 + 3 * i + 1];
            uint256 p = _quick(a, w[4 + 3 * i + 2]);
            if (p == 0) return _pxsChecked(w, strict);
            res[i] = NavMath.Px(p * numScale, pBase * _pow10(a >> 192));
        }
        return res;
    }

    /// @dev 10^(low 8 bits of `e`) with the EXP opcode; ConfigLib.snapshot only stores exponents
    ///      ≤ 77, so it cannot wrap.
    function _pow10(uint256 e) private pure returns (uint256 r) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            r := exp(10, and(e, 0xff))
        }
    }

    /// @dev `latestRoundData()` of the feed in snapshot word `a` (feed | heartbeat << 160) with the
    ///      band in `b`; the answer if every check of docs/plan-format.md §4 passes, else 0 (also
    ///      when the call fails or returns too little data). Assembly to skip the ABI decoder.
    function _quick(uint256 a, uint256 b) private view returns (uint256 p) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, shl(224, 0xfeaf968c)) // latestRoundData()
            let ok := staticcall(gas(), and(a, 0xffffffffffffffffffffffffffffffffffffffff), m, 4, m, 0xa0)
            ok := and(ok, iszero(lt(returndatasize(), 0xa0)))
            let answer := mload(add(m, 0x20))
            let updatedAt := mload(add(m, 0x60))
            let hb := and(shr(160, a), 0xffffffff)
            let minP := shr(128, b)
            let maxP := and(b, 0xffffffffffffffffffffffffffffffff)
            ok := and(ok, sgt(answer, 0))
            ok := and(ok, iszero(iszero(updatedAt)))
            ok := and(ok, iszero(gt(updatedAt, timestamp())))
            ok := and(ok, iszero(gt(sub(timestamp(), updatedAt), hb)))
            ok := and(ok, or(iszero(minP), iszero(lt(answer, minP))))
            ok := and(ok, or(iszero(maxP), iszero(gt(answer, maxP))))
            if ok {
                p := answer
            }
        }
    }

    /// @dev `token.balanceOf(this)` without the ABI decoder; falls back to the checked call (which
    ///      bubbles the token's revert) when the call fails or returns too little data.
    function _balance(address token) private view returns (uint256 bal) {
        bool ok;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, shl(224, 0x70a08231)) // balanceOf(address)
            mstore(add(m, 4), address())
            ok := staticcall(gas(), token, m, 0x24, m, 0x20)
            ok := and(ok, iszero(lt(returndatasize(), 0x20)))
            bal := mload(m)
        }
        if (!ok) bal = IERC20(token).balanceOf(address(this));
    }

    function _pxsChecked(uint256[] memory w, bool strict) private view returns (NavMath.Px[] memory out) {
        uint256 pBase;
        OracleLib.Sequencer memory seq = OracleLib.Sequencer(address(uint160(w[3])), uint32(w[3] >> 160));
        if (strict) {
            OracleLib.checkSequencer(seq);
            pBase = OracleLib.price(_feed(w[1], w[2]));
        } else {
            (bool seqOk, , ) = OracleLib.trySequencer(seq);
            if (!seqOk) return out;
            (uint8 st, int256 ans, ) = OracleLib.tryPrice(_feed(w[1], w[2]));
            if (st != OracleLib.OK) return out;
            // forge-lint: disable-next-line(unsafe-typecast)
            pBase = uint256(ans);
        }
        uint256 numScale = 10 ** uint8(w[0] >> 160);
        uint256 n = assetCount(w);
        NavMath.Px[] memory res = new NavMath.Px[](n);
        for (uint256 i; i < n; ++i) {
            uint256 j = 4 + 3 * i;
            uint256 p;
            if (strict) {
                p = OracleLib.price(_feed(w[j + 1], w[j + 2]));
            } else {
                (uint8 st, int256 ans, ) = OracleLib.tryPrice(_feed(w[j + 1], w[j + 2]));
                if (st != OracleLib.OK) return out;
                // forge-lint: disable-next-line(unsafe-typecast)
                p = uint256(ans);
            }
            // num = p * 10^(baseDec + baseFeedDec), den = pBase * 10^(dec + feedDec) (§4)
            res[i] = NavMath.Px(p * numScale, pBase * 10 ** uint8(w[j + 1] >> 192));
        }
        return res;
    }
}
