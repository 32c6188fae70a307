// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {ILendingAdapter} from "./interfaces/IAdapter.sol";
import {OracleLib} from "./libraries/OracleLib.sol";
import {NavMath} from "./libraries/NavMath.sol";
import {RiskChecks} from "./libraries/RiskChecks.sol";
import {ConfigLib} from "./libraries/ConfigLib.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice The vault's oracle configuration getter.
interface IBallastOracleConfig {
    /// @notice Base/USD feed and sequencer configuration.
    function oracleConfig() external view returns (OracleLib.Feed memory, OracleLib.Sequencer memory);

    /// @notice The active lending adapter (0 = none).
    function lendingAdapter() external view returns (address);
}

/// @notice Public getters of the vault the lens reads.
interface IBallastVaultReads {
    function reservedAssets() external view returns (uint256);
    function nextNonce() external view returns (uint256);
    function lastRebalanceAt() external view returns (uint256);
    function lossBudget() external view returns (uint256 usedWad, uint256 capWad);
    function pendingShares() external view returns (uint256);
    function currentEpoch() external view returns (uint256);
    function paused() external view returns (bool);
    function shutdown() external view returns (bool);
    function defensive() external view returns (bool);
}

/// @title BallastLens
/// @notice Stateless read helper for the keeper and the web page: per-asset balances, prices,
///         values, weights and net deltas of a Ballast vault (also without reverting while a feed
///         fails), its gross exposure and leverage, and the in-kind exit's payout, computed with
///         the vault's own oracle rules and rounding (docs/plan-format.md §4–§6, §11). Kept out of
///         the vault for size. Never reads a pool's spot price.
contract BallastLens {
    /// @notice Per-asset view of {tryAssetStates}: never reverts on a failed feed.
    /// @dev `status` is OracleLib's tryPrice code of the asset's own feed (0 OK, 1 answer not
    ///      positive, 2 stale, 3 out of band, 4 call failed), where 4 also covers a feed whose
    ///      `decimals()` call reverts or returns too little data while its `latestRoundData()`
    ///      answers (a failed call takes precedence over 1–3, as for the keeper's reader);
    ///      `answer` and `updatedAt` are what `latestRoundData()` returned (0 when that call
    ///      failed). `valueOk`: the sequencer, the base feed (both its calls) and this feed pass
    ///      every check, so `value` and `debtValue` are set; `weightOk`: additionally the vault's
    ///      NAV prices (`totalAssets()` does not revert), so `weightBps` and `netDeltaBps` are set.
    ///      Fields that are not ok are 0.
    // solhint-disable-next-line gas-struct-packing
    struct AssetStateTry {
        address token;
        address feed;
        uint256 balance;
        uint256 debt;
        bool priceOk;
        uint8 status;
        int256 answer;
        uint256 updatedAt;
        bool valueOk;
        uint256 value;
        uint256 debtValue;
        bool weightOk;
        uint256 weightBps;
        int256 netDeltaBps;
    }

    /// @notice A change queued on a vault behind the curator timelock ({IBallastVault-pendingChange}).
    /// @dev `what`: 1 limits, 2 fees, 3 asset, 4 adapter; `key`: asset index or adapter id (0 for
    ///      limits and fees); `validAt`: when anyone may accept it; `value`: the complete new value,
    ///      ABI-encoded as `Limits`, `FeeConfig`, `AssetConfig` or `AdapterConfig` by `what`.
    struct PendingChange {
        uint8 what;
        uint256 key;
        uint256 validAt;
        bytes value;
    }

    /// @dev Base-side pricing inputs shared by the per-asset loop (memory only).
    // solhint-disable-next-line gas-struct-packing
    struct BaseCtx {
        bool baseOk;
        uint256 pBase;
        uint8 baseDec;
        uint8 baseFeedDec;
        address la;
        bool navOk;
        uint256 nav;
    }

    /// @notice One-call snapshot of `vault` (navAvailable = false while a feed fails).
    /// @param vault The Ballast vault.
    /// @return s The snapshot.
    function vaultState(address vault) external view returns (IBallastVault.VaultState memory s) {
        IBallastVaultReads r = IBallastVaultReads(vault);
        try IERC4626(vault).totalAssets() returns (uint256 nav) {
            (s.navAvailable, s.nav) = (true, nav);
        } catch {
            s.navAvailable = false;
        }
        s.reservedAssets = r.reservedAssets();
        uint256 bal = IERC20(IERC4626(vault).asset()).balanceOf(vault);
        s.idle = bal > s.reservedAssets ? bal - s.reservedAssets : 0;
        address la = IBallastOracleConfig(vault).lendingAdapter();
        if (la != address(0)) s.lendingCollateral = ILendingAdapter(la).collateralOf(IERC4626(vault).asset());
        s.totalSupply = IERC20(vault).totalSupply();
        if (s.navAvailable) s.pricePerShareWad = NavMath.ppsWad(s.nav, s.totalSupply, 1e6);
        s.nextNonce = r.nextNonce();
        s.lastRebalanceAt = r.lastRebalanceAt();
        (s.lossBudgetUsedWad, s.lossBudgetCapWad) = r.lossBudget();
        s.pendingShares = r.pendingShares();
        s.currentEpoch = r.currentEpoch();
        s.paused = r.paused();
        s.shutdown = r.shutdown();
        s.defensive = r.defensive();
    }

    /// @notice Every change queued on `vault` behind the curator timelock, in this order: the
    ///         limits, the fees, each asset index (the registry's length last: an asset being
    ///         added), each adapter id 1–255. A depositor who disagrees with one can leave before
    ///         its `validAt`. Reads 258 + assets slots: meant for `eth_call`.
    /// @param vault The Ballast vault.
    /// @return out The queued changes (empty when nothing is queued).
    function pendingChanges(address vault) external view returns (PendingChange[] memory out) {
        IBallastVault v = IBallastVault(vault);
        uint256 n = v.assetConfigs().length;
        PendingChange[] memory all = new PendingChange[](n + 258);
        uint256 k = _pending(v, all, 0, 1, 0);
        k = _pending(v, all, k, 2, 0);
        for (uint256 i; i <= n; ++i) k = _pending(v, all, k, 3, i);
        for (uint256 id = 1; id < 256; ++id) k = _pending(v, all, k, 4, id);
        out = new PendingChange[](k);
        for (uint256 i; i < k; ++i) out[i] = all[i];
    }

    /// @dev Appends the change `what`/`key` to `all` at `k` when one is queued; returns the new count.
    function _pending(
        IBallastVault v,
        PendingChange[] memory all,
        uint256 k,
        uint8 what,
        uint256 key
    ) private view returns (uint256) {
        (uint256 validAt, bytes memory value) = v.pendingChange(what, key);
        if (validAt == 0) return k;
        all[k] = PendingChange(what, key, validAt, value);
        return k + 1;
    }

    /// @notice Per-asset state of `vault` in registry order; reverts naming a failed feed.
    /// @param vault The Ballast vault.
    /// @return out One entry per registered asset.
    function assetStates(address vault) external view returns (IBallastVault.AssetState[] memory out) {
        IBallastVault v = IBallastVault(vault);
        IBallastVault.AssetConfig[] memory cfg = v.assetConfigs();
        (OracleLib.Feed memory baseFeed, OracleLib.Sequencer memory seq) = IBallastOracleConfig(vault)
            .oracleConfig();
        OracleLib.checkSequencer(seq);
        uint256 pBase = OracleLib.price(baseFeed);
        uint8 baseDec = IERC20Metadata(IERC4626(vault).asset()).decimals();
        uint8 baseFeedDec = AggregatorV3Interface(baseFeed.feed).decimals();
        uint256 nav = IERC4626(vault).totalAssets();
        address la = IBallastOracleConfig(vault).lendingAdapter();
        out = new IBallastVault.AssetState[](cfg.length);
        for (uint256 i; i < cfg.length; ++i) {
            IBallastVault.AssetState memory a = out[i];
            a.token = cfg[i].token;
            a.balance = IERC20(a.token).balanceOf(vault);
            a.debt = la == address(0) ? 0 : ILendingAdapter(la).debtOf(a.token);
            a.price = OracleLib.price(
                OracleLib.Feed(cfg[i].feed, cfg[i].heartbeat, cfg[i].minPrice, cfg[i].maxPrice)
            );
            NavMath.Px memory px = NavMath.px(
                a.price,
                IERC20Metadata(a.token).decimals(),
                AggregatorV3Interface(cfg[i].feed).decimals(),
                pBase,
                baseDec,
                baseFeedDec
            );
            a.value = NavMath.value(a.balance, px);
            a.debtValue = NavMath.debtValue(a.debt, px);
            a.weightBps = NavMath.bpsDown(a.value, nav);
            a.netDeltaBps = RiskChecks.netDeltaBps(a.value, a.debtValue, nav);
        }
    }

    /// @notice Per-asset state of `vault` in registry order without reverting on a failed feed or
    ///         sequencer — a feed whose `latestRoundData()` or `decimals()` call reverts or returns
    ///         too little data included: balances and debts always; each asset's feed status
    ///         (OracleLib codes, 4 for either failed call); values only when the sequencer, the base
    ///         feed and the asset's feed are good; weights and net deltas only when the NAV prices
    ///         (same formulas and rounding as {assetStates}). Never reads a pool price.
    /// @param vault The Ballast vault.
    /// @return out One entry per registered asset (see {AssetStateTry}).
    function tryAssetStates(address vault) external view returns (AssetStateTry[] memory out) {
        (out, ) = _tryStates(vault);
    }

    /// @notice Gross exposure and leverage of `vault` now, as the rebalance bound of
    ///         docs/plan-format.md §6 step 8 computes them: gross = Σ (value + debtValue) over the
    ///         registry (holdings rounded down, debts up), leverageBps = floor(gross × 10000 / nav)
    ///         (type(uint256).max when nav == 0 < gross), on the current NAV (`totalAssets()`).
    ///         Does not revert on a failed feed: `ok` is false and gross, nav, leverage are 0.
    /// @param vault The Ballast vault.
    /// @return ok Whether every feed (and the sequencer) is good, so that the figures are set.
    /// @return gross Gross exposure in base units.
    /// @return nav The NAV the leverage is measured against (base units).
    /// @return leverageBps floor(gross × 10000 / nav).
    /// @return maxLeverageBps The vault's `limits().maxLeverageBps` (always set).
    function exposure(
        address vault
    )
        external
        view
        returns (bool ok, uint256 gross, uint256 nav, uint256 leverageBps, uint256 maxLeverageBps)
    {
        maxLeverageBps = IBallastVault(vault).limits().maxLeverageBps;
        (AssetStateTry[] memory st, BaseCtx memory c) = _tryStates(vault);
        if (!c.navOk) return (false, 0, 0, 0, maxLeverageBps);
        for (uint256 i; i < st.length; ++i) {
            if (!st[i].valueOk) return (false, 0, 0, 0, maxLeverageBps);
            gross += st[i].value + st[i].debtValue;
        }
        return (true, gross, c.nav, RiskChecks.leverageBps(gross, c.nav), maxLeverageBps);
    }

    /// @notice What `exitInKind(shares, …)` would pay now (RebalanceLib.payInKind, same rounding):
    ///         floor(idle × shares / supply) + floor(lending collateral × shares / supply) of the
    ///         base token — the exit withdraws that share of a debt-free position's collateral —
    ///         then floor(balance × shares / supply) of every registered asset. Reads no oracle.
    ///         Ignores the shutdown flag and the owner's balance and allowance. Reverts `LendingPositionOpen(collateral, debt)`, as the
    ///         exit does, while the lending adapter owes a debt. All zero when the supply is 0.
    /// @param vault The Ballast vault.
    /// @param shares Shares to exit with.
    /// @return tokens The base token, then the registered assets in registry order.
    /// @return amounts The amount of each token paid.
    function previewExitInKind(
        address vault,
        uint256 shares
    ) external view returns (address[] memory tokens, uint256[] memory amounts) {
        IBallastVault.AssetConfig[] memory cfg = IBallastVault(vault).assetConfigs();
        tokens = new address[](cfg.length + 1);
        amounts = new uint256[](cfg.length + 1);
        address base = IERC4626(vault).asset();
        tokens[0] = base;
        for (uint256 i; i < cfg.length; ++i) tokens[i + 1] = cfg[i].token;
        uint256 bal = IERC20(base).balanceOf(vault);
        uint256 reserved = IBallastVaultReads(vault).reservedAssets();
        uint256 idle = bal > reserved ? bal - reserved : 0;
        address la = IBallastOracleConfig(vault).lendingAdapter();
        uint256 coll;
        if (la != address(0)) {
            uint256 debt;
            for (uint256 i; i < cfg.length; ++i) debt += ILendingAdapter(la).debtOf(cfg[i].token);
            coll = ILendingAdapter(la).collateralOf(base);
            if (debt != 0) revert ConfigLib.LendingPositionOpen(coll, debt);
        }
        uint256 supply = IERC20(vault).totalSupply();
        if (supply == 0) return (tokens, amounts);
        amounts[0] = Math.mulDiv(idle, shares, supply) + Math.mulDiv(coll, shares, supply);
        for (uint256 i; i < cfg.length; ++i) {
            amounts[i + 1] = Math.mulDiv(IERC20(cfg[i].token).balanceOf(vault), shares, supply);
        }
    }

    /// @dev {tryAssetStates} and the base-side context it priced with.
    function _tryStates(address vault) private view returns (AssetStateTry[] memory out, BaseCtx memory c) {
        IBallastVault.AssetConfig[] memory cfg = IBallastVault(vault).assetConfigs();
        c = _baseCtx(vault);
        out = new AssetStateTry[](cfg.length);
        for (uint256 i; i < cfg.length; ++i) {
            AssetStateTry memory a = out[i];
            IBallastVault.AssetConfig memory ac = cfg[i];
            a.token = ac.token;
            a.feed = ac.feed;
            a.balance = IERC20(a.token).balanceOf(vault);
            a.debt = c.la == address(0) ? 0 : ILendingAdapter(c.la).debtOf(a.token);
            (a.status, a.answer, a.updatedAt) = OracleLib.tryPrice(
                OracleLib.Feed(ac.feed, ac.heartbeat, ac.minPrice, ac.maxPrice)
            );
            uint8 feedDec;
            if (a.status != OracleLib.CALL_FAILED) {
                bool decOk;
                (decOk, feedDec) = _feedDecimals(ac.feed);
                if (!decOk) a.status = OracleLib.CALL_FAILED;
            }
            a.priceOk = a.status == OracleLib.OK;
            if (!a.priceOk || !c.baseOk) continue;
            NavMath.Px memory px = NavMath.px(
                // forge-lint: disable-next-line(unsafe-typecast)
                uint256(a.answer),
                IERC20Metadata(a.token).decimals(),
                feedDec,
                c.pBase,
                c.baseDec,
                c.baseFeedDec
            );
            a.valueOk = true;
            a.value = NavMath.value(a.balance, px);
            a.debtValue = NavMath.debtValue(a.debt, px);
            if (!c.navOk) continue;
            a.weightOk = true;
            a.weightBps = NavMath.bpsDown(a.value, c.nav);
            a.netDeltaBps = RiskChecks.netDeltaBps(a.value, a.debtValue, c.nav);
        }
    }

    /// @dev Sequencer and base feed status, the base price and decimals, the lending adapter and
    ///      the NAV (navOk = false while `totalAssets()` reverts). baseOk = false also when the
    ///      base feed's `decimals()` call fails.
    function _baseCtx(address vault) private view returns (BaseCtx memory c) {
        (OracleLib.Feed memory baseFeed, OracleLib.Sequencer memory seq) = IBallastOracleConfig(vault)
            .oracleConfig();
        (bool seqOk, , ) = OracleLib.trySequencer(seq);
        (uint8 st, int256 pBase, ) = OracleLib.tryPrice(baseFeed);
        c.baseOk = seqOk && st == OracleLib.OK;
        if (c.baseOk) (c.baseOk, c.baseFeedDec) = _feedDecimals(baseFeed.feed);
        if (c.baseOk) {
            // forge-lint: disable-next-line(unsafe-typecast)
            c.pBase = uint256(pBase);
            c.baseDec = IERC20Metadata(IERC4626(vault).asset()).decimals();
        }
        c.la = IBallastOracleConfig(vault).lendingAdapter();
        try IERC4626(vault).totalAssets() returns (uint256 nav) {
            (c.navOk, c.nav) = (true, nav);
        } catch {
            c.navOk = false;
        }
    }

    /// @dev `feed.decimals()` without reverting, by OracleLib's rule for `latestRoundData()`: `ok`
    ///      is false when the call reverts, returns less than one word, or a word above 255 (the
    ///      vault reads the feed's decimals once, at registration; the lens reads them live).
    function _feedDecimals(address feed) private view returns (bool ok, uint8 dec) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory ret) = feed.staticcall(
            abi.encodeCall(AggregatorV3Interface.decimals, ())
        );
        if (!success || ret.length < 32) return (false, 0);
        uint256 d = abi.decode(ret, (uint256));
        if (d > type(uint8).max) return (false, 0);
        // forge-lint: disable-next-line(unsafe-typecast)
        return (true, uint8(d));
    }
}
