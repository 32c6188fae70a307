// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ConfigLib} from "./ConfigLib.sol";

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
    ///         of every registered asset. A debt-free lending position is first withdrawn to the
    ///         vault ({ConfigLib.closeCollateral}) and shared like idle base; an open debt reverts.
    function payInKind(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 idle,
        uint256 shares,
        uint256 supply,
        address receiver
    ) external {
        address la = cfg.lendingAdapter;
        if (la != address(0)) idle += ConfigLib.closeCollateral(cfg, la, base);
        uint256 amt = Math.mulDiv(idle, shares, supply);
        if (amt != 0) IERC20(base).safeTransfer(receiver, amt);
        uint256 n = cfg.assets.length;
        for (uint256 i; i < n; ++i) {
            IERC20 t = IERC20(cfg.assets[i].token);
            amt = Math.mulDiv(t.balanceOf(address(this)), shares, supply);
            if (amt != 0) t.safeTransfer(receiver, amt);
        }
    }
}
