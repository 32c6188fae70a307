// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IAdapter
/// @notice The only entry point the vault calls on an adapter (docs/plan-format.md §3).
interface IAdapter {
    /// @notice Executes one plan action. Only the vault may call it.
    function execute(bytes calldata data) external;
}

/// @title ILendingAdapter
/// @notice A lending adapter also reports its position for the NAV.
interface ILendingAdapter is IAdapter {
    /// @notice Collateral supplied of `token`, in token units.
    function collateralOf(address token) external view returns (uint256);

    /// @notice Debt owed in `token`, in token units.
    function debtOf(address token) external view returns (uint256);

    /// @notice The lending pool holding the position (for the health factor).
    function pool() external view returns (address);
}
