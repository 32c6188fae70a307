// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ConfigLib} from "./ConfigLib.sol";
import {IAdapter, ILendingAdapter} from "../interfaces/IAdapter.sol";

/// @title RebalanceLib
/// @notice The action errors of a rebalance (raised by {VaultRebalancer}, docs/plan-format.md §3)
///         and the in-kind exit. External (linked) library run by DELEGATECALL on the vault's
///         storage, so that the vault's module stays small.
library RebalanceLib {
    using SafeERC20 for IERC20;

    /// @notice No adapter is whitelisted under `id`.
    error UnknownAdapter(uint8 id);
    /// @notice Action `index` is malformed or names a token the vault may not trade.
    error InvalidAction(uint256 index, address token);
    /// @notice Swap `index` took more than its amountIn.
    error SwapSpentTooMuch(uint256 index, uint256 spent, uint256 amountIn);

    /// @notice In-kind exit: pays `receiver` floor(balance × shares / supply) of the idle base and
    ///         of every registered asset, plus floor(collateral × shares / supply) of a debt-free
    ///         lending position's base collateral, withdrawn for this exit alone
    ///         ({_withdrawCollateralShare}); an open debt reverts. Each part is rounded down on its
    ///         own (in the vault's favour: at most 1 unit below floor((idle + collateral) × shares /
    ///         supply)).
    function payInKind(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 idle,
        uint256 shares,
        uint256 supply,
        address receiver
    ) external {
        uint256 amt = Math.mulDiv(idle, shares, supply);
        address la = cfg.lendingAdapter;
        if (la != address(0)) amt += _withdrawCollateralShare(cfg, la, base, shares, supply);
        if (amt != 0) IERC20(base).safeTransfer(receiver, amt);
        uint256 n = cfg.assets.length;
        for (uint256 i; i < n; ++i) {
            IERC20 t = IERC20(cfg.assets[i].token);
            amt = Math.mulDiv(t.balanceOf(address(this)), shares, supply);
            if (amt != 0) t.safeTransfer(receiver, amt);
        }
    }

    /// @dev Withdraws the exiting holder's share, floor(collateral × shares / supply), of the
    ///      lending adapter `la`'s base collateral to the vault and returns it (no oracle is read).
    ///      Only that share, not the whole position: the exit then needs only that much of the
    ///      lending pool's free liquidity, so a pool near full utilisation (or a griefer borrowing
    ///      it out) blocks far less. A donated aToken is shared like the rest. Reverts
    ///      `LendingPositionOpen(collateral, debt)` while a debt is open, and
    ///      `LendingPositionOpen(left, 0)` if the adapter hands back less than the share. Any
    ///      excess it hands back stays in the vault as idle base for the remaining holders.
    function _withdrawCollateralShare(
        ConfigLib.Layout storage cfg,
        address la,
        address base,
        uint256 shares,
        uint256 supply
    ) private returns (uint256 part) {
        uint256 coll = ILendingAdapter(la).collateralOf(base);
        uint256 debt = ConfigLib.lendingDebtAmount(cfg);
        if (debt != 0) revert ConfigLib.LendingPositionOpen(coll, debt);
        part = Math.mulDiv(coll, shares, supply);
        if (part == 0) return 0;
        uint256 before = IERC20(base).balanceOf(address(this));
        IAdapter(la).execute(abi.encode(ConfigLib.LENDING_WITHDRAW, base, part));
        if (IERC20(base).balanceOf(address(this)) - before < part) {
            revert ConfigLib.LendingPositionOpen(ILendingAdapter(la).collateralOf(base), 0);
        }
    }
}
