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
///         DELEGATECALL, to keep the vault under 24 KiB.
library PriceLib {
    /// @notice The vault's oracle configuration.
    struct Oracles {
        OracleLib.Feed baseFeed;
        OracleLib.Sequencer sequencer;
        uint8 baseDecimals;
        uint8 baseFeedDecimals;
    }

    /// @notice NAV and conversion factors. `strict` reverts naming a failed feed; otherwise
    ///         ok = false (and nav = 0, pxs empty) when the sequencer or any feed fails.
    function nav(
        ConfigLib.Layout storage cfg,
        Oracles storage o,
        address base,
        uint256 reserved,
        bool strict
    ) external view returns (bool ok, uint256 nav_, NavMath.Px[] memory pxs) {
        pxs = _pxs(cfg, o, strict);
        if (pxs.length != cfg.assets.length) return (false, 0, pxs);
        return (true, _navWith(cfg, base, reserved, pxs), pxs);
    }

    /// @notice NAV with given conversion factors.
    function navWith(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 reserved,
        NavMath.Px[] memory pxs
    ) external view returns (uint256) {
        return _navWith(cfg, base, reserved, pxs);
    }

    function _navWith(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 reserved,
        NavMath.Px[] memory pxs
    ) private view returns (uint256) {
        address la = cfg.lendingAdapter;
        uint256 bal = IERC20(base).balanceOf(address(this));
        uint256 pos = bal > reserved ? bal - reserved : 0;
        uint256 neg;
        if (la != address(0)) pos += ILendingAdapter(la).collateralOf(base);
        uint256 n = pxs.length;
        for (uint256 i; i < n; ++i) {
            address token = cfg.assets[i].token;
            pos += NavMath.value(IERC20(token).balanceOf(address(this)), pxs[i]);
            if (la != address(0)) neg += NavMath.debtValue(ILendingAdapter(la).debtOf(token), pxs[i]);
        }
        return pos > neg ? pos - neg : 0;
    }

    function _pxs(
        ConfigLib.Layout storage cfg,
        Oracles storage o,
        bool strict
    ) private view returns (NavMath.Px[] memory out) {
        uint256 pBase;
        if (strict) {
            OracleLib.checkSequencer(o.sequencer);
            pBase = OracleLib.price(o.baseFeed);
        } else {
            (bool seqOk, , ) = OracleLib.trySequencer(o.sequencer);
            if (!seqOk) return out;
            (uint8 st, int256 ans, ) = OracleLib.tryPrice(o.baseFeed);
            if (st != OracleLib.OK) return out;
            pBase = uint256(ans);
        }
        uint256 n = cfg.assets.length;
        NavMath.Px[] memory res = new NavMath.Px[](n);
        for (uint256 i; i < n; ++i) {
            OracleLib.Feed memory f = OracleLib.Feed(
                cfg.assets[i].feed,
                cfg.assets[i].heartbeat,
                cfg.assets[i].minPrice,
                cfg.assets[i].maxPrice
            );
            uint256 p;
            if (strict) {
                p = OracleLib.price(f);
            } else {
                (uint8 st, int256 ans, ) = OracleLib.tryPrice(f);
                if (st != OracleLib.OK) return out;
                p = uint256(ans);
            }
            res[i] = NavMath.px(
                p,
                cfg.tokenDecimals[i],
                cfg.feedDecimals[i],
                pBase,
                o.baseDecimals,
                o.baseFeedDecimals
            );
        }
        return res;
    }
}
