// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {PriceLib} from "./libraries/PriceLib.sol";
import {ConfigLib} from "./libraries/ConfigLib.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {ILendingAdapter} from "./interfaces/IAdapter.sol";
import {VaultConfig} from "./VaultConfig.sol";
import {RebalanceLib} from "./libraries/RebalanceLib.sol";
import {OracleLib} from "./libraries/OracleLib.sol";
import {NavMath} from "./libraries/NavMath.sol";
import {LossBudget} from "./libraries/LossBudget.sol";
import {RiskChecks} from "./libraries/RiskChecks.sol";
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
// solhint-disable-next-line max-states-count
contract BallastVault is ERC4626, VaultConfig, ReentrancyGuardTransient, EIP712, IBallastVault {
    using SafeERC20 for IERC20;

    uint8 internal constant DECIMALS_OFFSET = 6;
    uint256 internal constant VIRTUAL_SHARES = 10 ** DECIMALS_OFFSET;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant YEAR = 365 days;

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

    struct Request {
        uint64 epoch;
        uint192 shares;
    }

    struct Claim {
        uint128 shares;
        uint128 assets;
    }

    struct Ctx {
        NavMath.Px[] pxs;
        uint256 navBefore;
        uint256 navAfter;
        uint256 traded;
        uint256 slip;
        uint256 grossBefore;
        uint256 levBefore;
        uint256 turnoverBps;
        uint256 lossBps;
        bool derisk;
    }

    /// @notice The plan's deadline has passed.
    error PlanExpired(uint256 deadline, uint256 nowTs);
    /// @notice The plan's nonce is not the next one.
    error InvalidNonce(uint256 nonce, uint256 expected);
    /// @notice The cooldown since the last rebalance has not elapsed.
    error RebalanceCooldown(uint256 readyAt, uint256 nowTs);
    /// @notice `expectedWeightsBps` must have one entry per registered asset.
    error WeightsLengthMismatch(uint256 length, uint256 assetCount);
    /// @notice The plan's signer does not hold KEEPER_SIGNER_ROLE.
    error InvalidSigner(address signer);
    /// @notice A plan spent base assets reserved for fulfilled redemptions.
    error ReservedAssetsSpent(uint256 balance, uint256 reserved);
    /// @notice The vault is shut down.
    error VaultShutDown();
    /// @notice Only possible after shutdown.
    error NotShutDown();
    /// @notice `caller` is not the controller `controller`.
    error NotController(address caller, address controller);
    /// @notice Zero shares.
    error ZeroShares();
    /// @notice Nothing pending for `controller` in the current epoch.
    error NoPendingRequest(address controller);

    IERC20 internal immutable _BASE;

    /// @notice Nonce the next plan must carry.
    uint256 public nextNonce;
    /// @notice Timestamp of the last successful rebalance.
    uint256 public lastRebalanceAt;
    LossBudget.State internal _budget;

    /// @notice Shares escrowed in the current (unfulfilled) epoch.
    uint256 public pendingShares;
    /// @notice Current redemption epoch.
    uint256 public currentEpoch;
    mapping(uint256 epoch => Claim) internal _epochs;
    mapping(address controller => Request) internal _requests;
    mapping(address controller => Claim) internal _claims;

    // Gas: the state every deposit/withdraw reads is packed into two slots (flags, accrual time and
    // reserved assets; high-water mark and last good price per share).
    /// @notice Permanently shut down by the guardian.
    bool public shutdown;
    /// @notice Circuit breaker tripped.
    bool public defensive;
    bool internal _paused;
    uint64 internal _lastAccrual;
    uint128 internal _reserved;

    uint128 internal _hwm;
    uint128 internal _lastGoodPps;

    uint64 internal _cbRefAt;
    uint128 internal _cbRef;

    /// @notice The vault is paused (deposits and rebalances).
    event Paused(address account);
    /// @notice The pause was lifted.
    event Unpaused(address account);

    /// @notice The vault is paused.
    error EnforcedPause();

    /// @param p Constructor parameters (see {Init}).
    constructor(
        Init memory p
    )
        ERC20(p.name, p.symbol)
        ERC4626(p.base)
        VaultConfig(
            p.admin,
            p.curatorTimelock,
            p.limits,
            p.fees,
            ConfigLib.Oracles(
                p.baseFeed,
                p.sequencer,
                p.base.decimals(),
                AggregatorV3Interface(p.baseFeed.feed).decimals()
            )
        )
        EIP712("Ballast Vault", "1")
    {
        _BASE = p.base;
        _lastAccrual = uint64(block.timestamp);
    }

    // ================================================================ ERC-4626 views

    /// @notice NAV in base units (docs/plan-format.md §5). Reverts naming the feed if a check fails.
    function totalAssets() public view override nonReentrantView returns (uint256) {
        return _navStrict();
    }

    /// @notice Deposits are open unless paused, shut down, defensive or the NAV cannot be priced.
    /// @return The deposit cap minus the NAV.
    function maxDeposit(address) public view override returns (uint256) {
        if (_paused || shutdown || defensive) return 0;
        (bool ok, uint256 nav) = _tryNav();
        if (!ok) return 0;
        uint256 cap = _cfg.limits.depositCap;
        return cap > nav ? cap - nav : 0;
    }

    /// @notice Shares `maxDeposit` buys.
    function maxMint(address receiver) public view override returns (uint256) {
        uint256 a = maxDeposit(receiver);
        if (a == 0) return 0;
        (uint256 nav, uint256 supply) = _basis();
        return _toShares(a - NavMath.feeOnTotal(a, _cfg.fees.entryFeeBps), nav, supply, Math.Rounding.Floor);
    }

    /// @notice Claimable assets if `owner` has a fulfilled request; else what idle funds pay now.
    function maxWithdraw(address owner) public view override returns (uint256) {
        Claim memory c = _claimView(owner);
        if (c.shares != 0) return c.assets;
        (uint256 nav, uint256 supply) = _basis();
        uint256 x = _toAssets(balanceOf(owner), nav, supply, Math.Rounding.Floor);
        return Math.min(x - NavMath.feeOnTotal(x, _cfg.fees.exitFeeBps), _idle());
    }

    /// @notice Claimable shares if `owner` has a fulfilled request; else shares idle funds redeem now.
    function maxRedeem(address owner) public view override returns (uint256) {
        Claim memory c = _claimView(owner);
        if (c.shares != 0) return c.shares;
        (uint256 nav, uint256 supply) = _basis();
        uint256 idle = _idle();
        uint256 s = _toShares(
            idle + NavMath.feeOnRaw(idle, _cfg.fees.exitFeeBps),
            nav,
            supply,
            Math.Rounding.Floor
        );
        return Math.min(balanceOf(owner), s);
    }

    /// @notice Shares a deposit of `assets` mints now (entry fee deducted; rounded down).
    function previewDeposit(uint256 assets) public view override returns (uint256) {
        (uint256 nav, uint256 supply) = _strictBasis();
        return
            _toShares(
                assets - NavMath.feeOnTotal(assets, _cfg.fees.entryFeeBps),
                nav,
                supply,
                Math.Rounding.Floor
            );
    }

    /// @notice Assets minting `shares` costs now (entry fee added; rounded up).
    function previewMint(uint256 shares) public view override returns (uint256) {
        (uint256 nav, uint256 supply) = _strictBasis();
        uint256 x = _toAssets(shares, nav, supply, Math.Rounding.Ceil);
        return x + NavMath.feeOnRaw(x, _cfg.fees.entryFeeBps);
    }

    /// @notice Shares withdrawing `assets` burns now (exit fee added; rounded up).
    function previewWithdraw(uint256 assets) public view override returns (uint256) {
        (uint256 nav, uint256 supply) = _basis();
        return
            _toShares(
                assets + NavMath.feeOnRaw(assets, _cfg.fees.exitFeeBps),
                nav,
                supply,
                Math.Rounding.Ceil
            );
    }

    /// @notice Assets redeeming `shares` pays now (exit fee deducted; rounded down).
    function previewRedeem(uint256 shares) public view override returns (uint256) {
        (uint256 nav, uint256 supply) = _basis();
        uint256 x = _toAssets(shares, nav, supply, Math.Rounding.Floor);
        return x - NavMath.feeOnTotal(x, _cfg.fees.exitFeeBps);
    }

    // ================================================================ ERC-4626 actions

    /// @notice Deposits `assets`, minting shares to `receiver`.
    function deposit(uint256 assets, address receiver) public override nonReentrant returns (uint256 shares) {
        uint256 nav = _navStrict();
        _accrueFees(nav);
        uint256 maxA = _maxDepositAt(nav);
        if (assets > maxA) revert ERC4626ExceededMaxDeposit(receiver, assets, maxA);
        uint256 net = assets - NavMath.feeOnTotal(assets, _cfg.fees.entryFeeBps);
        shares = _toShares(net, nav, totalSupply(), Math.Rounding.Floor);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @notice Mints exactly `shares` to `receiver`.
    function mint(uint256 shares, address receiver) public override nonReentrant returns (uint256 assets) {
        uint256 nav = _navStrict();
        _accrueFees(nav);
        uint256 supply = totalSupply();
        uint256 maxA = _maxDepositAt(nav);
        uint256 maxS =
            maxA == 0
                ? 0
                : _toShares(
                    maxA - NavMath.feeOnTotal(maxA, _cfg.fees.entryFeeBps),
                    nav,
                    supply,
                    Math.Rounding.Floor
                );
        if (shares > maxS) revert ERC4626ExceededMaxMint(receiver, shares, maxS);
        uint256 x = _toAssets(shares, nav, supply, Math.Rounding.Ceil);
        assets = x + NavMath.feeOnRaw(x, _cfg.fees.entryFeeBps);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @notice Withdraws `assets` to `receiver`: claims a fulfilled request of `owner` if it has
    ///         one (caller must be `owner`), else pays from idle funds.
    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override nonReentrant returns (uint256 shares) {
        _settle(owner);
        Claim memory c = _claims[owner];
        if (c.shares != 0) {
            if (assets > c.assets) revert ERC4626ExceededMaxWithdraw(owner, assets, c.assets);
            // A claim worth 0 assets (dust shares fulfilled at a 0 price) pays 0 for 0 shares here;
            // `redeem` settles its shares.
            shares = c.assets == 0 ? 0 : Math.mulDiv(assets, c.shares, c.assets, Math.Rounding.Ceil);
            _payClaim(owner, receiver, shares, assets);
            return shares;
        }
        (uint256 nav, uint256 supply) = _basisAccrued();
        uint256 x = _toAssets(balanceOf(owner), nav, supply, Math.Rounding.Floor);
        uint256 maxA = Math.min(x - NavMath.feeOnTotal(x, _cfg.fees.exitFeeBps), _idle());
        if (assets > maxA) revert ERC4626ExceededMaxWithdraw(owner, assets, maxA);
        shares = _toShares(
            assets + NavMath.feeOnRaw(assets, _cfg.fees.exitFeeBps),
            nav,
            supply,
            Math.Rounding.Ceil
        );
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @notice Redeems `shares`: claims a fulfilled request of `owner` if it has one (caller must
    ///         be `owner`), else pays from idle funds.
    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override nonReentrant returns (uint256 assets) {
        _settle(owner);
        Claim memory c = _claims[owner];
        if (c.shares != 0) {
            if (shares > c.shares) revert ERC4626ExceededMaxRedeem(owner, shares, c.shares);
            assets = Math.mulDiv(shares, c.assets, c.shares);
            _payClaim(owner, receiver, shares, assets);
            return assets;
        }
        (uint256 nav, uint256 supply) = _basisAccrued();
        uint256 idle = _idle();
        uint256 maxS = Math.min(
            balanceOf(owner),
            _toShares(idle + NavMath.feeOnRaw(idle, _cfg.fees.exitFeeBps), nav, supply, Math.Rounding.Floor)
        );
        if (shares > maxS) revert ERC4626ExceededMaxRedeem(owner, shares, maxS);
        uint256 x = _toAssets(shares, nav, supply, Math.Rounding.Floor);
        assets = x - NavMath.feeOnTotal(x, _cfg.fees.exitFeeBps);
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
        if (_msgSender() != owner) _spendAllowance(owner, _msgSender(), shares);
        _settle(controller);
        _transfer(owner, address(this), shares);
        Request storage r = _requests[controller];
        requestId = currentEpoch;
        r.epoch = uint64(requestId);
        r.shares += uint192(shares);
        pendingShares += shares;
        emit RedeemRequested(controller, owner, requestId, _msgSender(), shares);
    }

    /// @notice Returns the caller's pending (unfulfilled) shares to `receiver`.
    /// @param receiver Who gets the shares back.
    /// @return shares Shares returned.
    function cancelRedeemRequest(address receiver) external nonReentrant returns (uint256 shares) {
        _settle(_msgSender());
        Request memory r = _requests[_msgSender()];
        if (r.shares == 0) revert NoPendingRequest(_msgSender());
        shares = r.shares;
        delete _requests[_msgSender()];
        pendingShares -= shares;
        _transfer(address(this), receiver, shares);
        emit RedeemRequestCanceled(_msgSender(), receiver, r.epoch, shares);
    }

    /// @inheritdoc IBallastVault
    function fulfilRedemptions() external nonReentrant returns (bool) {
        uint256 nav = _navStrict();
        _accrueFees(nav);
        return _fulfil(nav) != 0 || pendingShares == 0;
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

    // ================================================================ shutdown and exit

    /// @inheritdoc IBallastVault
    function exitInKind(uint256 shares, address receiver, address owner) external nonReentrant {
        if (!shutdown) revert NotShutDown();
        if (shares == 0) revert ZeroShares();
        if (_msgSender() != owner) _spendAllowance(owner, _msgSender(), shares);
        uint256 supply = totalSupply();
        uint256 idle = _idle();
        _burn(owner, shares);
        RebalanceLib.payInKind(_cfg, address(_BASE), idle, shares, supply, receiver);
        emit ExitedInKind(owner, receiver, shares);
    }

    /// @notice Pauses deposits and rebalances (withdrawals stay open). GUARDIAN only.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _paused = true;
        emit Paused(_msgSender());
    }

    /// @notice Lifts the pause. GUARDIAN only.
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _paused = false;
        emit Unpaused(_msgSender());
    }

    /// @notice Whether deposits and rebalances are paused.
    function paused() public view returns (bool) {
        return _paused;
    }

    /// @notice Base assets set aside for fulfilled, unclaimed redemptions (excluded from the NAV).
    function reservedAssets() public view returns (uint256) {
        return _reserved;
    }

    /// @notice High-water mark of price per share (WAD) for the performance fee.
    function highWaterMarkWad() external view returns (uint256) {
        return _hwm;
    }

    /// @notice Shuts the vault down for good: deposits stop, plans may only de-risk, in-kind exit opens.
    function shutDown() external onlyRole(GUARDIAN_ROLE) {
        shutdown = true;
        emit ShutDown(_msgSender());
    }

    /// @notice Lifts defensive mode and resets the circuit breaker's reference. Admin (timelock) only.
    function exitDefensiveMode() external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 pps = _ppsNow();
        defensive = false;
        _cbRef = uint128(pps);
        _cbRefAt = uint64(block.timestamp);
        emit DefensiveModeExited(pps);
    }

    // ================================================================ circuit breaker

    /// @notice Chainlink Automation: true when the circuit breaker should trip now.
    /// @return upkeepNeeded Whether `performUpkeep` would enter defensive mode.
    /// @return performData Empty.
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        (bool ok, ) = _tryNav();
        if (!ok || defensive || _cbRef == 0) return (false, "");
        (uint256 nav, uint256 s) = _basis();
        uint256 pps = NavMath.ppsWad(nav, s, VIRTUAL_SHARES);
        upkeepNeeded = pps * BPS < uint256(_cbRef) * (BPS - _cfg.limits.circuitBreakerDropBps);
        performData = "";
    }

    /// @notice Observes the price per share: trips the breaker or rolls its reference. Anyone may call.
    function performUpkeep(bytes calldata) external nonReentrant {
        _observe(_ppsNow());
    }

    // ================================================================ rebalance

    /// @inheritdoc IBallastVault
    function rebalance(Plan calldata plan, bytes calldata signature) external nonReentrant {
        if (_paused) revert EnforcedPause();
        _checkHeader(plan);
        bytes32 planHash = PlanHashing.hash(plan);
        _checkSigner(_hashTypedDataV4(planHash), signature);
        Ctx memory c = _runActions(plan);
        _finish(plan, c);
        nextNonce = plan.nonce + 1;
        lastRebalanceAt = block.timestamp;
        emit Rebalanced(plan.nonce, planHash, c.navBefore, c.navAfter, c.turnoverBps, c.lossBps);
    }

    /// @inheritdoc IBallastVault
    function hashPlan(Plan calldata plan) external pure returns (bytes32) {
        return PlanHashing.hash(plan);
    }

    /// @inheritdoc IBallastVault
    function planDigest(Plan calldata plan) external view returns (bytes32) {
        return _hashTypedDataV4(PlanHashing.hash(plan));
    }

    // ================================================================ views

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
        usedWad = LossBudget.used(_budget, capWad, _cfg.limits.lossWindow);
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

    // ================================================================ internal: pricing

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }

    function _baseToken() internal view override returns (address) {
        return address(_BASE);
    }

    /// @dev NAV with given conversion factors (docs/plan-format.md §5).
    function _navWith(NavMath.Px[] memory pxs) internal view returns (uint256) {
        return PriceLib.navWith(_cfg, address(_BASE), _reserved, pxs);
    }

    /// @dev NAV; reverts naming a failed feed.
    function _navStrict() internal view returns (uint256 nav) {
        (, nav, ) = PriceLib.nav(_cfg, address(_BASE), _reserved, true);
    }

    /// @dev NAV, or ok = false when the sequencer or a feed fails.
    function _tryNav() internal view returns (bool ok, uint256 nav) {
        (ok, nav, ) = PriceLib.nav(_cfg, address(_BASE), _reserved, false);
    }

    function _idle() internal view returns (uint256) {
        uint256 bal = _BASE.balanceOf(address(this));
        uint256 r = _reserved;
        return bal > r ? bal - r : 0;
    }

    function _debtOf(address token) internal view returns (uint256) {
        address la = _cfg.lendingAdapter;
        return la == address(0) ? 0 : ILendingAdapter(la).debtOf(token);
    }

    function _ppsNow() internal view returns (uint256) {
        (uint256 nav, uint256 supply) = _strictBasis();
        return NavMath.ppsWad(nav, supply, VIRTUAL_SHARES);
    }

    // ================================================================ internal: conversions & fees

    function _toShares(
        uint256 a,
        uint256 nav,
        uint256 supply,
        Math.Rounding r
    ) internal pure returns (uint256) {
        return Math.mulDiv(a, supply + VIRTUAL_SHARES, nav + 1, r);
    }

    function _toAssets(
        uint256 s,
        uint256 nav,
        uint256 supply,
        Math.Rounding r
    ) internal pure returns (uint256) {
        return Math.mulDiv(s, nav + 1, supply + VIRTUAL_SHARES, r);
    }

    /// @dev ERC-4626 conversions use {_basis}.
    function _convertToShares(uint256 a, Math.Rounding r) internal view override returns (uint256) {
        (uint256 nav, uint256 supply) = _basis();
        return _toShares(a, nav, supply, r);
    }

    function _convertToAssets(uint256 s, Math.Rounding r) internal view override returns (uint256) {
        (uint256 nav, uint256 supply) = _basis();
        return _toAssets(s, nav, supply, r);
    }

    /// @dev Live NAV and the supply after pending fee shares; reverts if a feed fails.
    function _strictBasis() internal view returns (uint256 nav, uint256 supply) {
        nav = _navStrict();
        (uint256 m, uint256 p, ) = _feeShares(nav, totalSupply());
        supply = totalSupply() + m + p;
    }

    /// @dev Like {_strictBasis} when every feed is good; otherwise the conservative fallback
    ///      (docs/vault.md "Oracle outage"): assets = min(idle, lastGoodPps × (supply + virtual)).
    function _basis() internal view returns (uint256 nav, uint256 supply) {
        (bool ok, uint256 live) = _tryNav();
        supply = totalSupply();
        if (ok) {
            (uint256 m, uint256 p, ) = _feeShares(live, supply);
            return (live, supply + m + p);
        }
        nav = Math.min(_idle(), Math.mulDiv(_lastGoodPps, supply + VIRTUAL_SHARES, WAD));
    }

    /// @dev {_basis} after accruing fees when the NAV is live.
    function _basisAccrued() internal returns (uint256 nav, uint256 supply) {
        (bool ok, uint256 live) = _tryNav();
        if (ok) {
            _accrueFees(live);
            return (live, totalSupply());
        }
        return _basis();
    }

    function _maxDepositAt(uint256 nav) internal view returns (uint256) {
        if (_paused || shutdown || defensive) return 0;
        uint256 cap = _cfg.limits.depositCap;
        return cap > nav ? cap - nav : 0;
    }

    /// @dev Fee shares due now (docs/plan-format.md §8) and the new high-water mark.
    function _feeShares(
        uint256 nav,
        uint256 supply
    ) internal view returns (uint256 mgmt, uint256 perf, uint256 hwm) {
        FeeConfig memory f = _cfg.fees;
        hwm = _hwm;
        // No recipient: nothing is charged, but the high-water mark keeps rising, so that setting a
        // recipient later never charges a performance fee on gains made while fees were off.
        if (f.recipient == address(0)) (f.managementFeeBps, f.performanceFeeBps) = (0, 0);
        mgmt = Math.mulDiv(
            supply,
            uint256(f.managementFeeBps) * (block.timestamp - _lastAccrual),
            BPS * YEAR
        );
        uint256 s1 = supply + mgmt;
        uint256 pps = NavMath.ppsWad(nav, s1, VIRTUAL_SHARES);
        if (hwm != 0 && pps > hwm && f.performanceFeeBps != 0) {
            uint256 profit = Math.mulDiv(pps - hwm, s1 + VIRTUAL_SHARES, WAD);
            uint256 feeAssets = (profit * f.performanceFeeBps) / BPS;
            if (feeAssets < nav + 1) perf = Math.mulDiv(feeAssets, s1 + VIRTUAL_SHARES, nav + 1 - feeAssets);
            pps = NavMath.ppsWad(nav, s1 + perf, VIRTUAL_SHARES);
        }
        if (pps > hwm) hwm = pps;
    }

    function _accrueFees(uint256 nav) internal {
        _accrue(nav, false);
    }

    /// @dev Mints the fee shares due and stores the high-water mark, the accrual time and the last
    ///      good price per share — each only when it changes (gas). While no management fee is in
    ///      force (fee 0 or no recipient) `dt` does not matter, so the accrual clock is not written;
    ///      `restartClock` (before every fee change) always restarts it, so a fee switched on later
    ///      never charges for the time it was off.
    function _accrue(uint256 nav, bool restartClock) internal {
        uint256 supply = totalSupply();
        (uint256 m, uint256 p, uint256 hwm) = _feeShares(nav, supply);
        FeeConfig memory f = _cfg.fees;
        if (m + p != 0) {
            _mint(f.recipient, m + p);
            supply += m + p;
            emit FeesAccrued(m, p, hwm);
        }
        if (hwm != _hwm) _hwm = uint128(hwm); // pps < 2^128 (≈1e12 per base unit per share unit)
        uint64 nowTs = uint64(block.timestamp);
        bool clock = restartClock || (f.managementFeeBps != 0 && f.recipient != address(0));
        uint128 pps = uint128(NavMath.ppsWad(nav, supply, VIRTUAL_SHARES));
        if (clock && _lastAccrual != nowTs) _lastAccrual = nowTs;
        if (pps != _lastGoodPps) _lastGoodPps = pps;
    }

    function _beforeFeeChange() internal override {
        (bool ok, uint256 nav) = _tryNav();
        if (ok) _accrue(nav, true);
        else _lastAccrual = uint64(block.timestamp);
    }

    // ================================================================ internal: redemptions

    function _claimView(address controller) internal view returns (Claim memory c) {
        c = _claims[controller];
        Request memory r = _requests[controller];
        if (r.shares != 0 && r.epoch < currentEpoch) {
            Claim memory e = _epochs[r.epoch];
            c.assets += uint128(Math.mulDiv(r.shares, e.assets, e.shares));
            c.shares += uint128(r.shares);
        }
    }

    function _settle(address controller) internal {
        Request memory r = _requests[controller];
        if (r.shares != 0 && r.epoch < currentEpoch) {
            _claims[controller] = _claimView(controller);
            delete _requests[controller];
        }
    }

    function _payClaim(address controller, address receiver, uint256 shares, uint256 assets_) internal {
        if (_msgSender() != controller) revert NotController(_msgSender(), controller);
        Claim storage c = _claims[controller];
        c.shares -= uint128(shares);
        c.assets -= uint128(assets_);
        _reserved -= uint128(assets_);
        _BASE.safeTransfer(receiver, assets_);
        emit RedemptionClaimed(controller, receiver, assets_, shares);
    }

    /// @dev Fulfils the current epoch if idle funds cover it; returns the assets set aside.
    function _fulfil(uint256 nav) internal returns (uint256 assets_) {
        uint256 shares = pendingShares;
        if (shares == 0) return 0;
        uint256 x = _toAssets(shares, nav, totalSupply(), Math.Rounding.Floor);
        assets_ = x - NavMath.feeOnTotal(x, _cfg.fees.exitFeeBps);
        if (assets_ > _idle()) return 0;
        _burn(address(this), shares);
        _reserved += uint128(assets_); // assets_ ≤ idle (a token balance); the sum is checked
        uint256 e = currentEpoch;
        _epochs[e] = Claim(uint128(shares), uint128(assets_));
        currentEpoch = e + 1;
        pendingShares = 0;
        emit RedemptionsFulfilled(e, shares, assets_);
    }

    // ================================================================ internal: rebalance

    function _checkHeader(Plan calldata plan) internal view {
        if (block.timestamp > plan.deadline) revert PlanExpired(plan.deadline, block.timestamp);
        if (plan.nonce != nextNonce) revert InvalidNonce(plan.nonce, nextNonce);
        uint256 last = lastRebalanceAt;
        if (last != 0 && block.timestamp < last + _cfg.limits.rebalanceCooldown) {
            revert RebalanceCooldown(last + _cfg.limits.rebalanceCooldown, block.timestamp);
        }
        if (plan.expectedWeightsBps.length != _cfg.assets.length) {
            revert WeightsLengthMismatch(plan.expectedWeightsBps.length, _cfg.assets.length);
        }
    }

    function _checkSigner(bytes32 digest, bytes calldata sig) internal view {
        address signer = PlanHashing.signerOf(digest, sig);
        if (!hasRole(KEEPER_SIGNER_ROLE, signer)) revert InvalidSigner(signer);
    }

    /// @dev Registry index of `token` (type(uint256).max for the base); reverts if unknown.

    function _runActions(Plan calldata plan) internal returns (Ctx memory c) {
        // one NAV call yields both the conversion factors and navBefore (reverts naming a failed feed)
        (, c.navBefore, c.pxs) = PriceLib.nav(_cfg, address(_BASE), _reserved, true);
        _accrueFees(c.navBefore);
        c.derisk = defensive || shutdown;
        if (c.derisk) {
            c.grossBefore = RebalanceLib.gross(_cfg, c.pxs);
            c.levBefore = RiskChecks.leverageBps(c.grossBefore, c.navBefore);
        }
        c.slip = Math.min(plan.slippageBps, _cfg.limits.maxSlippageBps);
        uint256 n = plan.actions.length;
        for (uint256 k; k < n; ++k) {
            c.traded += RebalanceLib.executeAction(_cfg, address(_BASE), k, plan.actions[k], c.pxs, c.slip);
        }
        uint256 bal = _BASE.balanceOf(address(this));
        if (bal < _reserved) revert ReservedAssetsSpent(bal, _reserved);
        c.navAfter = _navWith(c.pxs);
    }

    function _finish(Plan calldata plan, Ctx memory c) internal {
        (c.turnoverBps, c.lossBps) = RebalanceLib.checkLossAndTurnover(
            _budget,
            _cfg.limits,
            c.navBefore,
            c.navAfter,
            c.traded
        );
        uint256 navFinal = c.navAfter - _fulfil(c.navAfter);
        (uint256 grossAfter, ) = RebalanceLib.checkPositions(
            _cfg,
            plan.expectedWeightsBps,
            plan.weightToleranceBps,
            c.pxs,
            navFinal
        );
        // Defensive/shutdown: compare the plan's own effect. Leverage after is taken on navAfter
        // (before the fulfilment above): redemptions shrink the NAV and must not block de-risking.
        if (c.derisk) {
            RiskChecks.reducesExposure(
                c.grossBefore,
                grossAfter,
                c.levBefore,
                RiskChecks.leverageBps(grossAfter, c.navAfter)
            );
        }
        _observe(NavMath.ppsWad(navFinal, totalSupply(), VIRTUAL_SHARES));
    }

    function _observe(uint256 pps) internal {
        Limits memory lim = _cfg.limits;
        uint256 ref = _cbRef;
        if (!defensive && ref != 0 && pps * BPS < ref * (BPS - lim.circuitBreakerDropBps)) {
            defensive = true;
            emit DefensiveModeEntered(pps, ref);
            return;
        }
        if (ref == 0 || block.timestamp >= uint256(_cbRefAt) + lim.circuitBreakerWindow) {
            _cbRef = uint128(pps);
            _cbRefAt = uint64(block.timestamp);
            emit ReferencePriceRolled(pps);
        } else if (pps > ref) {
            _cbRef = uint128(pps);
        }
    }
}
