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
///         values, weights and net deltas of a Ballast vault, computed with the vault's own
///         oracle rules and rounding (docs/plan-format.md §4–§6). Kept out of the vault for size.
contract BallastLens {
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
}
