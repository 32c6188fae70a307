// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-indexed-events
// (gas style hints: the comparisons mirror the documented bounds; event fields stay unindexed
// so that the amounts are in the data, as the keeper decodes them.)

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ILendingAdapter} from "../interfaces/IAdapter.sol";
import {IAavePoolMinimal} from "../interfaces/IAavePoolMinimal.sol";

/// @title AaveV3Adapter
/// @notice Lending adapter (kind 2) of ONE Ballast vault on an Aave V3 pool
///         (docs/plan-format.md §3). The Aave position (aTokens and variable debt) is held in
///         this contract's own account, so the vault's NAV reads it through {collateralOf} and
///         {debtOf} and the health factor through `pool().getUserAccountData(adapter)`.
///         `data = abi.encode(uint8 op, address asset, uint256 amount)`:
///         1 SUPPLY base (the vault has transferred exactly `amount`; supplied on behalf of itself);
///         2 WITHDRAW base to the vault (`type(uint256).max` = everything);
///         3 BORROW `asset` at the variable rate, the tokens go to the vault;
///         4 REPAY `asset` (the vault has transferred exactly `amount`; repays min(amount, debt),
///         returns the rest). Only the vault may call `execute`; the vault checks which assets a
///         plan may touch, this contract re-checks the base.
///         Gas: the base aToken is fixed at construction and each borrowed asset's variable-debt
///         token is cached at its first borrow, so {collateralOf} and {debtOf} read one slot instead
///         of `getReserveData`, and {debtOf} of a never-borrowed asset is 0 without any call (debt
///         on this account can only come from its own `borrow`: it never delegates credit). The
///         pool (immutable, trusted) holds a standing max approval of each token the adapter
///         supplies or repays; safe because the adapter holds no underlying between calls (every
///         call spends or returns all it received).
contract AaveV3Adapter is ILendingAdapter {
    using SafeERC20 for IERC20;

    uint8 internal constant OP_SUPPLY = 1;
    uint8 internal constant OP_WITHDRAW = 2;
    uint8 internal constant OP_BORROW = 3;
    uint8 internal constant OP_REPAY = 4;
    uint256 internal constant VARIABLE_RATE = 2;

    /// @notice The vault this adapter serves (the only caller of `execute`).
    address public immutable VAULT;
    /// @notice The Aave V3 pool (proxy).
    IAavePoolMinimal public immutable POOL;
    /// @notice The vault's base asset, the only collateral this adapter supplies.
    address public immutable BASE;
    /// @notice The base asset's aToken (the collateral position).
    address public immutable A_BASE;
    /// @notice Variable-debt token of every asset borrowed at least once (0 = never borrowed).
    mapping(address asset => address debtToken) public debtTokenOf;

    /// @notice Base collateral was supplied.
    event Supplied(address asset, uint256 amount);
    /// @notice Base collateral was withdrawn to the vault.
    event Withdrawn(address asset, uint256 amount);
    /// @notice `asset` was borrowed (variable rate) and sent to the vault.
    event Borrowed(address asset, uint256 amount);
    /// @notice `repaid` of `asset` debt was repaid; `returned` went back to the vault.
    event Repaid(address asset, uint256 repaid, uint256 returned);

    /// @notice Only the vault may call `execute`.
    error OnlyVault(address caller);
    /// @notice `op` is not 1..4.
    error UnknownOp(uint8 op);
    /// @notice SUPPLY/WITHDRAW of `asset`, which is not the base; or BORROW/REPAY of the base.
    error InvalidAsset(uint8 op, address asset);
    /// @notice A zero amount.
    error ZeroAmount(uint8 op);
    /// @notice The pool has no reserve for `asset` (constructor: the base must be listed).
    error ReserveNotListed(address asset);

    /// @param vault_ The vault (its ERC-4626 `asset()` is the base).
    /// @param pool_ The Aave V3 pool (proxy).
    constructor(address vault_, IAavePoolMinimal pool_) {
        address base = IERC4626(vault_).asset();
        address aBase = pool_.getReserveData(base).aTokenAddress;
        if (aBase == address(0)) revert ReserveNotListed(base);
        VAULT = vault_;
        POOL = pool_;
        BASE = base;
        A_BASE = aBase;
    }

    /// @notice Executes one lending action of a plan (docs/plan-format.md §3 kind 2). Vault only.
    /// @param data abi.encode(uint8 op, address asset, uint256 amount).
    function execute(bytes calldata data) external {
        if (msg.sender != VAULT) revert OnlyVault(msg.sender);
        (uint8 op, address asset, uint256 amount) = abi.decode(data, (uint8, address, uint256));
        if (amount == 0) revert ZeroAmount(op);
        if (op == OP_SUPPLY || op == OP_WITHDRAW) {
            if (asset != BASE) revert InvalidAsset(op, asset);
            if (op == OP_SUPPLY) _supply(asset, amount);
            else _withdraw(asset, amount);
        } else if (op == OP_BORROW || op == OP_REPAY) {
            if (asset == BASE) revert InvalidAsset(op, asset);
            if (op == OP_BORROW) _borrow(asset, amount);
            else _repay(asset, amount);
        } else {
            revert UnknownOp(op);
        }
    }

    /// @notice Collateral supplied of `token`: this adapter's aToken balance (token units).
    /// @param token The underlying (the vault asks for its base).
    /// @return The aToken balance, 0 when the pool has no reserve for `token`.
    function collateralOf(address token) external view returns (uint256) {
        address aToken = token == BASE ? A_BASE : POOL.getReserveData(token).aTokenAddress;
        return aToken == address(0) ? 0 : IERC20(aToken).balanceOf(address(this));
    }

    /// @notice Debt owed in `token`: this adapter's variable debt token balance (token units).
    /// @param token The borrowed underlying.
    /// @return The variable debt, interest included; 0 when `token` was never borrowed.
    function debtOf(address token) public view returns (uint256) {
        address debtToken = debtTokenOf[token];
        return debtToken == address(0) ? 0 : IERC20(debtToken).balanceOf(address(this));
    }

    /// @notice The Aave pool holding the position (the vault reads the health factor there).
    /// @return The pool address.
    function pool() external view returns (address) {
        return address(POOL);
    }

    function _supply(address asset, uint256 amount) internal {
        _approvePool(asset, amount);
        POOL.supply(asset, amount, address(this), 0);
        emit Supplied(asset, amount);
    }

    /// @dev Standing max approval of the immutable pool (see the contract notes).
    function _approvePool(address asset, uint256 amount) internal {
        if (IERC20(asset).allowance(address(this), address(POOL)) < amount) {
            IERC20(asset).forceApprove(address(POOL), type(uint256).max);
        }
    }

    function _withdraw(address asset, uint256 amount) internal {
        uint256 withdrawn = POOL.withdraw(asset, amount, VAULT);
        emit Withdrawn(asset, withdrawn);
    }

    function _borrow(address asset, uint256 amount) internal {
        if (debtTokenOf[asset] == address(0)) {
            address debtToken = POOL.getReserveData(asset).variableDebtTokenAddress;
            if (debtToken == address(0)) revert ReserveNotListed(asset);
            debtTokenOf[asset] = debtToken;
        }
        POOL.borrow(asset, amount, VARIABLE_RATE, 0, address(this));
        IERC20(asset).safeTransfer(VAULT, amount);
        emit Borrowed(asset, amount);
    }

    function _repay(address asset, uint256 amount) internal {
        uint256 debt = debtOf(asset);
        uint256 toRepay = amount < debt ? amount : debt;
        uint256 repaid;
        if (toRepay != 0) {
            _approvePool(asset, toRepay);
            repaid = POOL.repay(asset, toRepay, VARIABLE_RATE, address(this));
        }
        uint256 rest = amount - repaid;
        if (rest != 0) IERC20(asset).safeTransfer(VAULT, rest);
        emit Repaid(asset, repaid, rest);
    }
}
