// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {VaultCore} from "./VaultCore.sol";
import {VaultModule} from "./VaultModule.sol";
import {ConfigLib} from "./libraries/ConfigLib.sol";
import {OracleLib} from "./libraries/OracleLib.sol";
import {NavMath} from "./libraries/NavMath.sol";
import {LossBudget} from "./libraries/LossBudget.sol";
import {PlanHashing} from "./libraries/PlanHashing.sol";

/// @title BallastVault
/// @notice ERC-4626 basket vault over a USD-like base asset. NAV = idle base + Σ risk-asset
///         balances at Chainlink prices + the lending adapter's collateral − debt; never a pool's
///         spot price. Rebalances run only as EIP-712 plans signed by a KEEPER_SIGNER and are
///         bounded on-chain (docs/plan-format.md, docs/vault.md).
/// @dev Rounding, always in the vault's favour: deposit → shares down; mint → assets up;
///      withdraw → shares up; redeem → assets down; holdings valued down, debts valued up; fees up.
///      Entry/exit fee sizing: a depositor can trade against the gap between the feed's answer and
///      the market, which is at most the feed's deviation threshold (e.g. 0.5 % for ETH/USD on
///      mainnet, 1 % to 2 % for smaller assets) weighted by the basket's risk-asset share. Setting
///      entryFeeBps + exitFeeBps ≥ Σ_i maxWeight_i × deviationThreshold_i makes a deposit-then-
///      redeem round trip around a stale price unprofitable. Fees stay in the vault, so they
///      accrue to the remaining holders.
contract BallastVault is VaultCore, IBallastVault {
    using SafeERC20 for IERC20;
    using ConfigLib for ConfigLib.Hot;

    /// @notice Constructor parameters.
    struct Init {
        IERC20Metadata base;
        string name;
        string symbol;
        address admin;
        uint256 curatorTimelock;
        Limits limits;
        FeeConfig fees;
        OracleLib.Feed baseFeed;
        OracleLib.Sequencer sequencer;
    }

    /// @notice Only possible after shutdown.
    error NotShutDown();
    /// @notice `caller` is not the controller `controller`.
    error NotController(address caller, address controller);
    /// @notice Zero shares.
    error ZeroShares();
    /// @notice Nothing pending for `controller` in the current epoch.
    error NoPendingRequest(address controller);
    /// @notice A fulfilment attempt found `epoch` larger than the idle funds: `controller`'s pending
    ///         request waits for its fulfilment and can be cancelled from `unlocksAt` (or after a
    ///         shutdown).
    error RedeemRequestLocked(address controller, uint256 epoch, uint256 unlocksAt);

    /// @notice `setOperator(msg.sender, …)`: an account cannot be its own operator.
    error InvalidOperator(address operator);

    /// @dev ERC-165 id of ERC-7540's operator methods: setOperator ^ isOperator.
    bytes4 internal constant ERC7540_OPERATOR_INTERFACE_ID = 0xe3bc4e65;

    /// @notice `rebalancer` is not a {VaultRebalancer} over this vault's base asset.
    error InvalidRebalancer(address rebalancer);

    /// @notice The module holding the cold entry points ({VaultModule}); runs by DELEGATECALL on
    ///         this vault's storage.
    address public immutable MODULE;
    /// @notice The {VaultRebalancer} that runs `rebalance` by DELEGATECALL on this vault's storage
    ///         (deployed on its own: the vault's creation code has no room for it).
    address public immutable REBALANCER;

    /// @param p Constructor parameters (see {Init}).
    /// @param rebalancer_ A {VaultRebalancer} deployed over the same base asset.
    constructor(Init memory p, address rebalancer_) VaultCore(p.base, p.name, p.symbol) {
        if (rebalancer_.code.length == 0 || IERC4626(rebalancer_).asset() != address(p.base)) {
            revert InvalidRebalancer(rebalancer_);
        }
        REBALANCER = rebalancer_;
        _grantRole(DEFAULT_ADMIN_ROLE, p.admin);
        ConfigLib.init(
            _cfg,
            p.curatorTimelock,
            p.limits,
            p.fees,
            ConfigLib.Oracles(
                p.baseFeed,
                p.sequencer,
                p.base.decimals(),
                AggregatorV3Interface(p.baseFeed.feed).decimals()
            )
        );
        _cfg.hot.lastAccrual = uint40(block.timestamp);
        MODULE = address(new VaultModule(p.base));
    }

    // ================================================================ ERC-4626 views
    // Every view that prices shares reverts (ReentrancyGuardReentrantCall) while a vault call is
    // in progress, so that no integrator reads a mid-rebalance NAV (read-only re-entrancy).

    /// @notice NAV in base units (docs/plan-format.md §5). Reverts naming the feed if a check fails.
    function totalAssets() public view override nonReentrantView returns (uint256) {
        (uint256 nav, ) = _navStrict();
        return nav;
    }

    /// @notice ERC-4626 `convertToShares`: shares for `assets` at the NAV with fees accrued to now,
    ///         no entry fee, rounded down. Reverts while a vault call is in progress.
    function convertToShares(uint256 assets) public view override nonReentrantView returns (uint256) {
        return _convertToShares(assets, Math.Rounding.Floor);
    }

    /// @notice ERC-4626 `convertToAssets`: assets for `shares` at the NAV with fees accrued to now,
    ///         no exit fee, rounded down. Reverts while a vault call is in progress.
    function convertToAssets(uint256 shares) public view override nonReentrantView returns (uint256) {
        return _convertToAssets(shares, Math.Rounding.Floor);
    }

    /// @notice Deposits are open unless paused, shut down, defensive or the NAV cannot be priced.
    /// @return The deposit cap minus the NAV.
    function maxDeposit(address) public view override nonReentrantView returns (uint256) {
        if (_cfg.hot.has(ConfigLib.F_CLOSED)) return 0;
        (bool ok, uint256 nav, , uint256 cap) = _navFull(false);
        if (!ok) return 0;
        return cap > nav ? cap - nav : 0;
    }

    /// @notice Shares `maxDeposit` buys.
    function maxMint(address receiver) public view override nonReentrantView returns (uint256) {
        uint256 a = maxDeposit(receiver);
        if (a == 0) return 0;
        (uint256 nav, uint256 supply, uint256 f) = _basis();
        return _toShares(a - NavMath.feeOnTotal(a, _entryFee(f)), nav, supply, Math.Rounding.Floor);
    }

    /// @notice Claimable assets if `owner` has a fulfilled request; else what idle funds pay now.
    function maxWithdraw(address owner) public view override nonReentrantView returns (uint256) {
        Claim memory c = _claimView(owner);
        if (c.shares != 0) return c.assets;
        (uint256 nav, uint256 supply, uint256 f) = _basis();
        uint256 x = _toAssets(balanceOf(owner), nav, supply, Math.Rounding.Floor);
        return Math.min(x - NavMath.feeOnTotal(x, _exitFee(f)), _idle());
    }

    /// @notice Claimable shares if `owner` has a fulfilled request; else shares idle funds redeem now.
    function maxRedeem(address owner) public view override nonReentrantView returns (uint256) {
        Claim memory c = _claimView(owner);
        if (c.shares != 0) return c.shares;
        (uint256 nav, uint256 supply, uint256 f) = _basis();
        uint256 idle = _idle();
        uint256 s = _toShares(idle + NavMath.feeOnRaw(idle, _exitFee(f)), nav, supply, Math.Rounding.Floor);
        return Math.min(balanceOf(owner), s);
    }

    /// @notice Shares a deposit of `assets` mints now (entry fee deducted; rounded down).
    function previewDeposit(uint256 assets) public view override nonReentrantView returns (uint256) {
        (uint256 nav, uint256 supply, uint256 f) = _strictBasis();
        return _toShares(assets - NavMath.feeOnTotal(assets, _entryFee(f)), nav, supply, Math.Rounding.Floor);
    }

    /// @notice Assets minting `shares` costs now (entry fee added; rounded up).
    function previewMint(uint256 shares) public view override nonReentrantView returns (uint256) {
        (uint256 nav, uint256 supply, uint256 f) = _strictBasis();
        uint256 x = _toAssets(shares, nav, supply, Math.Rounding.Ceil);
        return x + NavMath.feeOnRaw(x, _entryFee(f));
    }

    /// @notice Shares withdrawing `assets` burns now (exit fee added; rounded up).
    function previewWithdraw(uint256 assets) public view override nonReentrantView returns (uint256) {
        (uint256 nav, uint256 supply, uint256 f) = _basis();
        return _toShares(assets + NavMath.feeOnRaw(assets, _exitFee(f)), nav, supply, Math.Rounding.Ceil);
    }

    /// @notice Assets redeeming `shares` pays now (exit fee deducted; rounded down).
    function previewRedeem(uint256 shares) public view override nonReentrantView returns (uint256) {
        (uint256 nav, uint256 supply, uint256 f) = _basis();
        uint256 x = _toAssets(shares, nav, supply, Math.Rounding.Floor);
        return x - NavMath.feeOnTotal(x, _exitFee(f));
    }

    // ================================================================ ERC-4626 actions

    /// @notice Deposits `assets`, minting shares to `receiver`.
    function deposit(uint256 assets, address receiver) public override nonReentrant returns (uint256 shares) {
        (, uint256 nav, uint256 f, uint256 cap) = _navFull(true);
        uint256 supply = _accrue(nav, false, f);
        uint256 maxA = _maxDepositAt(nav, cap);
        if (assets > maxA) revert ERC4626ExceededMaxDeposit(receiver, assets, maxA);
        uint256 net = assets - NavMath.feeOnTotal(assets, _entryFee(f));
        shares = _toShares(net, nav, supply, Math.Rounding.Floor);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @notice Mints exactly `shares` to `receiver`.
    function mint(uint256 shares, address receiver) public override nonReentrant returns (uint256 assets) {
        (, uint256 nav, uint256 f, uint256 cap) = _navFull(true);
        uint256 supply = _accrue(nav, false, f);
        uint256 maxA = _maxDepositAt(nav, cap);
        uint256 maxS =
            maxA == 0
                ? 0
                : _toShares(maxA - NavMath.feeOnTotal(maxA, _entryFee(f)), nav, supply, Math.Rounding.Floor);
        if (shares > maxS) revert ERC4626ExceededMaxMint(receiver, shares, maxS);
        uint256 x = _toAssets(shares, nav, supply, Math.Rounding.Ceil);
        assets = x + NavMath.feeOnRaw(x, _entryFee(f));
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @notice Withdraws `assets` to `receiver`: claims a fulfilled request of `owner` if it has
    ///         one (caller must be `owner` or its ERC-7540 operator), else pays from idle funds.
    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override nonReentrant returns (uint256 shares) {
        Claim memory c = _settledClaim(owner);
        if (c.shares != 0) {
            if (assets > c.assets) revert ERC4626ExceededMaxWithdraw(owner, assets, c.assets);
            // A claim worth 0 assets (dust shares fulfilled at a 0 price) pays 0 for 0 shares here;
            // `redeem` settles its shares.
            shares = c.assets == 0 ? 0 : Math.mulDiv(assets, c.shares, c.assets, Math.Rounding.Ceil);
            _payClaim(owner, receiver, shares, assets);
            return shares;
        }
        (uint256 nav, uint256 supply, uint256 f, uint256 idle) = _basisAccrued();
        uint256 x = _toAssets(balanceOf(owner), nav, supply, Math.Rounding.Floor);
        uint256 maxA = Math.min(x - NavMath.feeOnTotal(x, _exitFee(f)), idle);
        if (assets > maxA) revert ERC4626ExceededMaxWithdraw(owner, assets, maxA);
        shares = _toShares(assets + NavMath.feeOnRaw(assets, _exitFee(f)), nav, supply, Math.Rounding.Ceil);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @notice Redeems `shares`: claims a fulfilled request of `owner` if it has one (caller must
    ///         be `owner` or its ERC-7540 operator), else pays from idle funds.
    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override nonReentrant returns (uint256 assets) {
        Claim memory c = _settledClaim(owner);
        if (c.shares != 0) {
            if (shares > c.shares) revert ERC4626ExceededMaxRedeem(owner, shares, c.shares);
            assets = Math.mulDiv(shares, c.assets, c.shares);
            _payClaim(owner, receiver, shares, assets);
            return assets;
        }
        (uint256 nav, uint256 supply, uint256 f, uint256 idle) = _basisAccrued();
        uint256 maxS = Math.min(
            balanceOf(owner),
            _toShares(idle + NavMath.feeOnRaw(idle, _exitFee(f)), nav, supply, Math.Rounding.Floor)
        );
        if (shares > maxS) revert ERC4626ExceededMaxRedeem(owner, shares, maxS);
        uint256 x = _toAssets(shares, nav, supply, Math.Rounding.Floor);
        assets = x - NavMath.feeOnTotal(x, _exitFee(f));
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    // ================================================================ async redemptions

    /// @inheritdoc IBallastVault
    function requestRedeem(
        uint256 shares,
        address controller,
        address owner
    ) external nonReentrant returns (uint256 requestId) {
        if (shares == 0) revert ZeroShares();
        // The controller must consent (be the owner or the caller, or have the caller as operator): a
        // controller's withdraw/redeem claim its fulfilled request first, so an unsolicited dust
        // request would otherwise block its withdrawals from idle funds.
        if (controller != owner && controller != _msgSender() && !_operators[controller][_msgSender()])
            revert NotController(_msgSender(), controller);
        // ERC-7540: an operator of `owner` needs no share allowance
        if (_msgSender() != owner && !_operators[owner][_msgSender()])
            _spendAllowance(owner, _msgSender(), shares);
        _settle(controller);
        _transfer(owner, address(this), shares);
        Request storage r = _requests[controller];
        requestId = currentEpoch;
        r.epoch = uint64(requestId);
        // The epoch's pending shares must fit the uint128 its claim records (VaultCore._fulfil):
        // refused here, naming the total, rather than failing every later fulfilment. So a
        // request's shares also fit its uint184 field.
        uint256 pending = pendingShares + shares;
        if (pending > type(uint128).max) revert SafeCast.SafeCastOverflowedUintDowncast(128, pending);
        r.shares += uint184(shares);
        pendingShares = pending;
        _cfg.hot.setFlag(ConfigLib.F_PENDING, true);
        emit RedeemRequested(controller, owner, requestId, _msgSender(), shares);
    }

    /// @notice Returns the caller's pending (unfulfilled) shares to `receiver`. Not while the epoch
    ///         is locked ({cancelLockedUntil}) unless the vault is shut down.
    /// @param receiver Who gets the shares back.
    /// @return shares Shares returned.
    function cancelRedeemRequest(address receiver) external nonReentrant returns (uint256 shares) {
        _settle(_msgSender());
        Request memory r = _requests[_msgSender()];
        if (r.shares == 0) revert NoPendingRequest(_msgSender());
        // A pending request is in the current epoch (`_settle` moved a fulfilled one to the claim).
        uint256 lockedAt = _cfg.hot.lockedAt;
        if (lockedAt != 0 && block.timestamp < lockedAt + CANCEL_LOCK && !_cfg.hot.has(ConfigLib.F_SHUTDOWN))
            revert RedeemRequestLocked(_msgSender(), r.epoch, lockedAt + CANCEL_LOCK);
        shares = r.shares;
        _requests[_msgSender()] = Request(0, 0, r.hasClaim);
        uint256 left = pendingShares - shares;
        pendingShares = left;
        if (left == 0) {
            _cfg.hot.setFlag(ConfigLib.F_PENDING, false);
            _cfg.hot.lockedAt = 0; // an empty epoch is not locked: the next attempt starts a new lock
        }
        _transfer(address(this), receiver, shares);
        emit RedeemRequestCanceled(_msgSender(), receiver, r.epoch, shares);
    }

    /// @inheritdoc IBallastVault
    function setOperator(address operator, bool approved) external returns (bool) {
        if (operator == _msgSender()) revert InvalidOperator(operator);
        _operators[_msgSender()][operator] = approved;
        emit OperatorSet(_msgSender(), operator, approved);
        return true;
    }

    /// @inheritdoc IBallastVault
    function isOperator(address controller, address operator) external view returns (bool) {
        return _operators[controller][operator];
    }

    /// @notice ERC-165: AccessControl's interfaces and ERC-7540's operator methods (0xe3bc4e65).
    /// @param interfaceId The interface id.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == ERC7540_OPERATOR_INTERFACE_ID || super.supportsInterface(interfaceId);
    }

    /// @inheritdoc IBallastVault
    function fulfilRedemptions() external nonReentrant returns (bool) {
        (uint256 nav, uint256 f) = _navStrict();
        _accrue(nav, false, f);
        return _fulfil(nav, f) != 0 || pendingShares == 0;
    }

    /// @notice Time before which the current epoch's pending requests cannot be cancelled (0: not
    ///         locked; a time in the past: the lock has expired). Ignored in shutdown.
    function cancelLockedUntil() external view returns (uint256) {
        uint256 lockedAt = _cfg.hot.lockedAt;
        return lockedAt == 0 ? 0 : lockedAt + CANCEL_LOCK;
    }

    /// @inheritdoc IBallastVault
    function pendingRedeemRequest(uint256, address controller) external view returns (uint256) {
        Request memory r = _requests[controller];
        return r.epoch == currentEpoch ? r.shares : 0;
    }

    /// @inheritdoc IBallastVault
    function claimableRedeemRequest(uint256, address controller) external view returns (uint256) {
        return _claimView(controller).shares;
    }

    /// @notice Assets claimable by `controller`.
    /// @param controller The controller.
    function claimableAssets(address controller) external view returns (uint256) {
        return _claimView(controller).assets;
    }

    /// @inheritdoc IBallastVault
    function nextNonce() external view returns (uint256) {
        return _rb.nextNonce;
    }

    /// @notice Timestamp of the last successful rebalance (0 before the first).
    function lastRebalanceAt() external view returns (uint256) {
        return _rb.lastAt;
    }

    function _claimView(address controller) internal view returns (Claim memory c) {
        c = _claims[controller];
        Request memory r = _requests[controller];
        if (r.shares != 0 && r.epoch < currentEpoch) {
            Claim memory e = _epochs[r.epoch];
            c.assets += uint128(Math.mulDiv(r.shares, e.assets, e.shares));
            c.shares += uint128(r.shares);
        }
    }

    /// @dev Moves a fulfilled request of `controller` into its claim.
    function _settle(address controller) internal {
        Request memory r = _requests[controller];
        if (r.shares != 0 && r.epoch < currentEpoch) {
            _claims[controller] = _claimView(controller);
            _requests[controller] = Request(0, 0, true);
        }
    }

    /// @dev {_settle}, then `controller`'s claim. The synchronous path reads no redemption slot
    ///      while no claim is open anywhere, and only the request's slot while `controller` has
    ///      neither a claim nor a fulfilled request.
    function _settledClaim(address controller) internal returns (Claim memory c) {
        if (!_cfg.hot.has(ConfigLib.F_CLAIMS)) return c; // nobody has a claim or a fulfilled request
        Request memory r = _requests[controller];
        if (r.hasClaim || (r.shares != 0 && r.epoch < currentEpoch)) {
            _settle(controller);
            c = _claims[controller];
        }
    }

    /// @dev Pays a claim; the caller must be `controller` or one of its ERC-7540 operators.
    function _payClaim(address controller, address receiver, uint256 shares, uint256 assets_) internal {
        if (_msgSender() != controller && !_operators[controller][_msgSender()]) {
            revert NotController(_msgSender(), controller);
        }
        Claim memory c = _claims[controller];
        c.shares -= uint128(shares); // shares ≤ the claim's shares (checked by the callers)
        c.assets -= uint128(assets_);
        uint256 released = assets_;
        if (c.shares == 0) {
            // A claim whose shares are all burnt keeps no assets: a withdraw can burn the last
            // claim share (rounded up) for less than the rest of the claim; that rest goes back
            // to the NAV (the vault's favour) instead of staying reserved with no owner.
            released += c.assets;
            c.assets = 0;
            _requests[controller].hasClaim = false;
        }
        _claims[controller] = c;
        uint128 left = _unclaimedShares - uint128(shares);
        _unclaimedShares = left;
        if (left == 0) {
            // Every fulfilled share is claimed: what is still reserved is the epochs' rounding
            // dust (Σ floor(shares × assets ÷ epoch shares) ≤ epoch assets); it returns to the NAV.
            _cfg.hot.setFlag(ConfigLib.F_CLAIMS, false);
            _setReserved(0);
        } else {
            _setReserved(_reserved - released);
        }
        _BASE.safeTransfer(receiver, assets_);
        emit RedemptionClaimed(controller, receiver, assets_, shares);
    }

    // ================================================================ shutdown and exit

    /// @inheritdoc IBallastVault
    function exitInKind(uint256, address, address) external {
        _forward();
    }

    /// @notice Pauses deposits and rebalances (withdrawals stay open). GUARDIAN only.
    function pause() external {
        _forward();
    }

    /// @notice Lifts the pause. GUARDIAN only.
    function unpause() external {
        _forward();
    }

    /// @notice Whether deposits and rebalances are paused.
    function paused() public view returns (bool) {
        return _cfg.hot.has(ConfigLib.F_PAUSED);
    }

    /// @notice Permanently shut down by the guardian.
    function shutdown() external view returns (bool) {
        return _cfg.hot.has(ConfigLib.F_SHUTDOWN);
    }

    /// @notice Circuit breaker tripped (defensive mode).
    function defensive() external view returns (bool) {
        return _cfg.hot.has(ConfigLib.F_DEFENSIVE);
    }

    /// @notice Base assets set aside for fulfilled, unclaimed redemptions (excluded from the NAV).
    function reservedAssets() public view returns (uint256) {
        return _reserved;
    }

    /// @notice High-water mark of price per share (WAD) for the performance fee.
    function highWaterMarkWad() external view returns (uint256) {
        return _hwm;
    }

    /// @notice The last good price per share (WAD, rounded down; 0 before the first deposit): the
    ///         oracle-outage basis, assets = min(idle, lastGoodPpsWad × (supply + 10^6) ÷ 1e18)
    ///         (docs/vault.md "Oracle outage"). At most 1 bp below the price per share of the last
    ///         accrual with good feeds and never above it, nor above the high-water mark.
    function lastGoodPpsWad() external view returns (uint256) {
        return _lastGoodPps();
    }

    /// @notice When the management fee's accrual clock last restarted (unix seconds): the fee is
    ///         next charged for `now − lastFeeAccrual()` once at least one hour has passed
    ///         (docs/plan-format.md §8).
    function lastFeeAccrual() external view returns (uint256) {
        return _cfg.hot.lastAccrual;
    }

    /// @notice Shuts the vault down for good: deposits stop, plans may only de-risk, in-kind exit opens.
    ///         GUARDIAN only.
    function shutDown() external {
        _forward();
    }

    /// @notice Lifts defensive mode and resets the circuit breaker's reference. Admin (timelock) only.
    function exitDefensiveMode() external {
        _forward();
    }

    // ================================================================ circuit breaker

    /// @notice Chainlink Automation: true when the circuit breaker should trip now.
    /// @return upkeepNeeded Whether `performUpkeep` would enter defensive mode.
    /// @return performData Empty.
    /// @dev Reverts while a vault call is in progress (it prices shares).
    function checkUpkeep(
        bytes calldata
    ) external view nonReentrantView returns (bool upkeepNeeded, bytes memory performData) {
        (bool ok, , ) = _tryNav();
        uint256 ref = _rb.cbRef;
        if (!ok || _cfg.hot.has(ConfigLib.F_DEFENSIVE) || ref == 0) return (false, "");
        (uint256 nav, uint256 s, ) = _basis();
        uint256 pps = NavMath.ppsWad(nav, s, VIRTUAL_SHARES);
        upkeepNeeded = pps * BPS < ref * (BPS - _cfg.limits.circuitBreakerDropBps);
        performData = "";
    }

    /// @notice Observes the price per share: trips the breaker or rolls its reference. Anyone may call.
    function performUpkeep(bytes calldata) external {
        _forward();
    }

    // ================================================================ rebalance

    /// @inheritdoc IBallastVault
    function rebalance(Plan calldata, bytes calldata) external {
        _forward(REBALANCER);
    }

    /// @inheritdoc IBallastVault
    function hashPlan(Plan calldata plan) external pure returns (bytes32) {
        return PlanHashing.hash(plan);
    }

    /// @inheritdoc IBallastVault
    function planDigest(Plan calldata plan) external view returns (bytes32) {
        return _hashTypedDataV4(PlanHashing.hash(plan));
    }

    // ================================================================ configuration (in VaultModule)

    /// @notice Sets the curator timelock (admin only; the admin is itself a TimelockController).
    function setCuratorTimelock(uint256) external {
        _forward();
    }

    /// @notice Tightening applies at once (CURATOR or GUARDIAN) and cancels a queued limits change;
    ///         a loosening by the CURATOR is queued.
    function submitLimits(Limits calldata) external {
        _forward();
    }

    /// @notice Applies the queued limits once their timelock has elapsed. Anyone may call.
    function acceptLimits() external {
        _forward();
    }

    /// @notice Queues a fee change (CURATOR; every fee change waits the timelock).
    function submitFees(FeeConfig calldata) external {
        _forward();
    }

    /// @notice Applies the queued fees once their timelock has elapsed (fees accrue first). Anyone may call.
    function acceptFees() external {
        _forward();
    }

    /// @notice Configures asset `index` (index == count adds one). Tightening an existing asset
    ///         is instant (CURATOR or GUARDIAN) and cancels a queued change of that asset;
    ///         anything else is queued (CURATOR).
    function submitAsset(uint256, AssetConfig calldata) external {
        _forward();
    }

    /// @notice Applies the queued change of asset `index` once its timelock has elapsed. Anyone may call.
    ///         While deposits are open it may move the NAV by at most entry + exit fee bps
    ///         (`AssetChangeMovesNav`); a larger re-pricing is accepted while GUARDIAN has paused
    ///         deposits (see {VaultConfig-acceptAsset}).
    function acceptAsset(uint256) external {
        _forward();
    }

    /// @notice Queues adapter `id` (CURATOR). Removing (adapter = 0) is instant for CURATOR or
    ///         GUARDIAN and cancels an adapter queued for the same id; a lending adapter can only be
    ///         removed without an open position.
    function submitAdapter(uint8, address, uint8) external {
        _forward();
    }

    /// @notice Applies queued adapter `id` once its timelock has elapsed. Anyone may call.
    function acceptAdapter(uint8) external {
        _forward();
    }

    /// @notice Revokes a queued change (GUARDIAN or CURATOR). `what`: 1 limits, 2 fees, 3 asset, 4 adapter.
    function revokePending(uint8, uint256) external {
        _forward();
    }

    /// @dev Runs the current call in {VaultModule} by DELEGATECALL and returns or reverts with its
    ///      result. The module re-checks roles and takes the re-entrancy lock where needed.
    function _forward() private {
        _forward(MODULE);
    }

    /// @dev DELEGATECALLs `m` with this call's data and returns (or reverts with) its result.
    function _forward(address m) private {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), m, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    // ================================================================ views

    /// @notice Delay of every loosening, seconds.
    function curatorTimelock() external view returns (uint256) {
        return _cfg.curatorTimelock;
    }

    /// @notice The active lending adapter (0 = none); its position is part of the NAV.
    function lendingAdapter() public view returns (address) {
        return _cfg.lendingAdapter;
    }

    /// @notice Timestamp from which a queued change may be accepted (0 = nothing queued).
    /// @param what 1 limits, 2 fees, 3 asset, 4 adapter.
    /// @param key Asset index or adapter id.
    function pendingValidAt(uint8 what, uint256 key) external view returns (uint256) {
        return ConfigLib.pendingValidAt(_cfg, what, key);
    }

    /// @inheritdoc IBallastVault
    function pendingChange(
        uint8 what,
        uint256 key
    ) external view returns (uint256 validAt, bytes memory value) {
        return ConfigLib.pendingChange(_cfg, what, key);
    }

    /// @notice The base/USD feed and the L2 sequencer configuration.
    /// @return baseFeed The base/USD feed.
    /// @return sequencer The sequencer uptime feed (feed 0 = none).
    function oracleConfig()
        external
        view
        returns (OracleLib.Feed memory baseFeed, OracleLib.Sequencer memory sequencer)
    {
        return (_cfg.oracles.baseFeed, _cfg.oracles.sequencer);
    }

    /// @notice Loss budget used now and its cap, WAD fractions of NAV.
    /// @return usedWad Used budget after the linear refill.
    /// @return capWad The cap.
    function lossBudget() external view returns (uint256 usedWad, uint256 capWad) {
        capWad = uint256(_cfg.limits.lossBudgetBps) * 1e14;
        RebalanceState memory st = _rb;
        usedWad = LossBudget.used(st.usedWad, st.lastAt, capWad, _cfg.limits.lossWindow);
    }

    /// @inheritdoc IBallastVault
    function assetConfigs() external view returns (AssetConfig[] memory) {
        return _cfg.assets;
    }

    /// @inheritdoc IBallastVault
    function limits() external view returns (Limits memory) {
        return _cfg.limits;
    }

    /// @inheritdoc IBallastVault
    function fees() external view returns (FeeConfig memory) {
        return _cfg.fees;
    }

    /// @inheritdoc IBallastVault
    function adapter(uint8 id) external view returns (AdapterConfig memory) {
        return _cfg.adapters[id];
    }
}
