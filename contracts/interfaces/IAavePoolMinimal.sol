// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IAavePoolMinimal
/// @notice The subset of Aave V3's IPool that Ballast uses.
interface IAavePoolMinimal {
    /// @notice Aave V3 reserve data (1.19 layout, as returned by `getReserveData`).
    struct ReserveData {
        uint256 configuration;
        uint128 liquidityIndex;
        uint128 currentLiquidityRate;
        uint128 variableBorrowIndex;
        uint128 currentVariableBorrowRate;
        uint128 currentStableBorrowRate;
        uint40 lastUpdateTimestamp;
        uint16 id;
        address aTokenAddress;
        address stableDebtTokenAddress;
        address variableDebtTokenAddress;
        address interestRateStrategyAddress;
        uint128 accruedToTreasury;
        uint128 unbacked;
        uint128 isolationModeTotalDebt;
    }

    /// @notice Supplies `amount` of `asset` on behalf of `onBehalfOf`.
    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;

    /// @notice Withdraws `amount` of `asset` to `to`.
    function withdraw(address asset, uint256 amount, address to) external returns (uint256);

    /// @notice Borrows `amount` of `asset`.
    function borrow(
        address asset,
        uint256 amount,
        uint256 interestRateMode,
        uint16 referralCode,
        address onBehalfOf
    ) external;

    /// @notice Repays `amount` of `asset`.
    function repay(
        address asset,
        uint256 amount,
        uint256 interestRateMode,
        address onBehalfOf
    ) external returns (uint256);

    /// @notice Account totals in the base currency and the health factor (WAD).
    function getUserAccountData(
        address user
    )
        external
        view
        returns (
            uint256 totalCollateralBase,
            uint256 totalDebtBase,
            uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold,
            uint256 ltv,
            uint256 healthFactor
        );

    /// @notice Reserve data of `asset`.
    function getReserveData(address asset) external view returns (ReserveData memory);
}
