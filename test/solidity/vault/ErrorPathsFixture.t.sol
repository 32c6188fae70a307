// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {TestERC20} from "../../../contracts/mocks/TestERC20.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";
import {IAdapter, ILendingAdapter} from "../../../contracts/interfaces/IAdapter.sol";

/// @notice TEST ONLY. An ERC-20 whose balances can shrink under the holder, as with a negative
///         rebase or an issuer's seizure: the only way a swap can take more than its amountIn.
contract SeizableToken is ERC20 {
    constructor() ERC20("Seizable", "SEIZE") {}

    /// @notice Mints freely (test faucet).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Moves `amount` of `from`'s balance to `to` without its consent.
    function seize(address from, address to, uint256 amount) external {
        _transfer(from, to, amount);
    }
}

/// @notice TEST ONLY. An ERC-20 whose `transfer` returns false instead of reverting once
///         `failing` is set (USDT-style tokens signal failure this way; SafeERC20 turns it into
///         SafeERC20FailedOperation).
contract FalseReturningToken is ERC20 {
    bool public failing;

    constructor() ERC20("False", "FALSE") {}

    /// @notice Mints freely (test faucet).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes every later `transfer` return false without moving anything.
    function setFailing(bool failing_) external {
        failing = failing_;
    }

    /// @inheritdoc ERC20
    function transfer(address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transfer(to, value);
    }
}

/// @notice TEST ONLY. A kind-1 adapter with a scripted result, so that every rebalance check can be
///         driven to its exact boundary: it keeps what the vault sent, mints `outAmount` of `tokenOut`
///         to the vault and optionally seizes `seizeAmount` more of a {SeizableToken} input. The
///         real Uniswap adapter is exercised on the real stack in test/vault/*.test.ts.
contract ScriptedSwapAdapter is IAdapter {
    address public immutable VAULT;
    address public tokenIn;
    address public tokenOut;
    uint256 public outAmount;
    uint256 public seizeAmount;

    constructor(address vault_) {
        VAULT = vault_;
    }

    /// @notice Scripts the next swaps.
    function script(address tokenIn_, address tokenOut_, uint256 outAmount_, uint256 seizeAmount_) external {
        (tokenIn, tokenOut, outAmount, seizeAmount) = (tokenIn_, tokenOut_, outAmount_, seizeAmount_);
    }

    /// @inheritdoc IAdapter
    function execute(bytes calldata) external {
        require(msg.sender == VAULT, "only vault");
        if (seizeAmount != 0) SeizableToken(tokenIn).seize(VAULT, address(this), seizeAmount);
        if (outAmount != 0) TestERC20(tokenOut).mint(VAULT, outAmount);
    }
}

/// @notice TEST ONLY. A kind-2 adapter reporting a scripted position (collateral, debts, health
///         factor), for the vault-side checks that need an open position. The real Aave adapter
///         is exercised on the real stack in test/vault/lending.test.ts and error-paths.test.ts.
contract ScriptedLendingAdapter is ILendingAdapter {
    uint256 public collateral;
    uint256 public healthFactor = type(uint256).max;
    mapping(address token => uint256) public debt;
    uint256 public executed;
    /// @notice The last action's data.
    bytes public lastData;
    /// @notice When set, a WITHDRAW (op 2) pays the requested amount of collateral (all of it for
    ///         `type(uint256).max`, at most all) in this token, which the adapter holds, to the
    ///         caller; otherwise actions change nothing.
    address public withdrawToken;

    /// @notice Scripts the reported position.
    function script(uint256 collateral_, address token, uint256 debt_, uint256 healthFactor_) external {
        collateral = collateral_;
        debt[token] = debt_;
        healthFactor = healthFactor_;
    }

    /// @notice Makes WITHDRAW pay the collateral in `token` (see {withdrawToken}).
    function scriptWithdraw(address token) external {
        withdrawToken = token;
    }

    /// @inheritdoc IAdapter
    function execute(bytes calldata data) external {
        ++executed;
        lastData = data;
        if (withdrawToken == address(0)) return;
        (uint8 op, , uint256 requested) = abi.decode(data, (uint8, address, uint256));
        if (op != 2) return;
        uint256 amount = requested < collateral ? requested : collateral; // max = everything
        collateral -= amount;
        TestERC20(withdrawToken).transfer(msg.sender, amount);
    }

    /// @inheritdoc ILendingAdapter
    function collateralOf(address) external view returns (uint256) {
        return collateral;
    }

    /// @inheritdoc ILendingAdapter
    function debtOf(address token) external view returns (uint256) {
        return debt[token];
    }

    /// @inheritdoc ILendingAdapter
    function pool() external view returns (address) {
        return address(this);
    }

    /// @notice Aave's `getUserAccountData`, only the health factor is meaningful.
    function getUserAccountData(
        address
    ) external view returns (uint256, uint256, uint256, uint256, uint256, uint256) {
        return (0, 0, 0, 0, 0, healthFactor);
    }
}

/// @notice VaultFixture plus scripted adapters and the §4 value formula, for the error-path tests.
abstract contract ErrorPathsFixture is VaultFixture {
    uint8 internal constant SWAP_ID = 1;
    uint8 internal constant LEND_ID = 2;
    uint24 internal constant FEE = 3000;

    ScriptedSwapAdapter internal swapper;
    ScriptedLendingAdapter internal lender;
    address internal stranger = makeAddr("stranger");

    /// @dev Queues and accepts adapter `id` after the curator timelock (feeds refreshed).
    function _installAdapter(uint8 id, address adapter_, uint8 kind) internal {
        vm.prank(curator);
        vault.submitAdapter(id, adapter_, kind);
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vault.acceptAdapter(id);
    }

    function _installSwapper() internal {
        swapper = new ScriptedSwapAdapter(address(vault));
        _installAdapter(SWAP_ID, address(swapper), 1);
    }

    function _installLender() internal {
        lender = new ScriptedLendingAdapter();
        _installAdapter(LEND_ID, address(lender), 2);
    }

    /// @dev A one-hop Uniswap V3 path.
    function _path(address a, address b) internal pure returns (bytes memory) {
        return abi.encodePacked(a, FEE, b);
    }

    /// @dev A swap action (docs/plan-format.md §3 kind 1) with minOut 0.
    function _swap(
        address tIn,
        address tOut,
        uint256 amountIn
    ) internal pure returns (IBallastVault.Action memory) {
        return IBallastVault.Action(SWAP_ID, abi.encode(_path(tIn, tOut), amountIn, uint256(0)));
    }

    /// @dev A lending action (docs/plan-format.md §3 kind 2).
    function _lend(
        uint8 op,
        address token,
        uint256 amount
    ) internal pure returns (IBallastVault.Action memory) {
        return IBallastVault.Action(LEND_ID, abi.encode(op, token, amount));
    }

    /// @dev `_emptyPlan` carrying one action.
    function _plan1(IBallastVault.Action memory a) internal view returns (IBallastVault.Plan memory p) {
        p = _emptyPlan();
        p.actions = new IBallastVault.Action[](1);
        p.actions[0] = a;
    }

    /// @dev Oracle value in base units of `amount` of an asset with `dec` decimals priced by an
    ///      8-decimal `feedAnswer` (docs/plan-format.md §4, rounded down; USDC feed at its answer).
    function _value(uint256 amount, uint256 feedAnswer, uint8 dec) internal view returns (uint256) {
        uint256 pBase = uint256(usdcFeed.latestAnswer());
        return Math.mulDiv(amount, feedAnswer * 10 ** (6 + 8), pBase * 10 ** (uint256(dec) + 8));
    }

    function _wethValue(uint256 amount) internal view returns (uint256) {
        return _value(amount, uint256(wethFeed.latestAnswer()), 18);
    }

    /// @dev The registry entry at `index`, for tightening or loosening one field.
    function _assetAt(uint256 index) internal view returns (IBallastVault.AssetConfig memory) {
        return vault.assetConfigs()[index];
    }
}
