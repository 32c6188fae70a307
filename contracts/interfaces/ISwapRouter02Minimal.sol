// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISwapRouter02Minimal
/// @notice SwapRouter02's `exactInput` (no deadline field, unlike the v3-periphery SwapRouter).
interface ISwapRouter02Minimal {
    /// @notice Parameters of a multi-hop exact-input swap.
    struct ExactInputParams {
        bytes path;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
    }

    /// @notice Swaps `amountIn` along `path`, reverting below `amountOutMinimum`.
    function exactInput(ExactInputParams calldata params) external payable returns (uint256 amountOut);
}
