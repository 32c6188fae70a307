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
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ConfigLib} from "./libraries/ConfigLib.sol";
import {PriceLib} from "./libraries/PriceLib.sol";
import {NavMath} from "./libraries/NavMath.sol";

/// @title VaultCore
/// @notice State, errors and internal logic (NAV, conversions, fees, redemption queue, circuit
///         breaker) shared by {BallastVault}, {VaultModule} and {VaultRebalancer}. The module and the rebalancer
///         run by DELEGATECALL on the vault's storage; all three inherit this contract, so their
///         storage layouts are identical by construction.
// solhint-disable-next-line max-states-count
abstract contract VaultCore is ERC4626, AccessControl, ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;
    using ConfigLib for ConfigLib.Hot;

    bytes32 public constant CURATOR_ROLE = keccak256("CURATOR_ROLE");
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    bytes32 public constant KEEPER_SIGNER_ROLE = keccak256("KEEPER_SIGNER_ROLE");

    /// @dev Configuration, NAV snapshot pointer and hot flags ({ConfigLib.Layout}).
    ConfigLib.Layout internal _cfg;

    uint8 internal constant DECIMALS_OFFSET = 6;
    uint256 internal constant VIRTUAL_SHARES = 10 ** DECIMALS_OFFSET;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant YEAR = 365 days;
    /// @dev The management fee is charged when at least this long has passed since it was last
    ///      charged (and always before a fee change), not on every call: a deposit or withdrawal
    ///      inside the hour skips the fee mint (recipient balance, accrual time, two events; ~20k
    ///      gas). The fee for the skipped time is not lost: the next charge covers all of `dt`.
    ///      Cost of the delay to fairness: a holder entering or leaving inside the hour pays or
    ///      skips at most managementFeeBps × 1 h ÷ 1 year of its position (≤ 0.00057 % at the
    ///      5 %/yr cap), far below any entry/exit fee sized against oracle deviation.
    uint256 internal constant MGMT_FEE_INTERVAL = 1 hours;
    /// @dev The performance fee is charged only when the price per share is more than this many bps
    ///      above the high-water mark (and then on the whole gain over the mark): the entry and exit
    ///      fees, which stay in the vault, lift the price per share by a hair on every deposit and
    ///      withdrawal, and minting a performance fee for each of those (recipient balance, mark,
    ///      two events; ~10k gas) would cost more than the fee. Cost of the step to fairness: a holder
    ///      entering or leaving while the price is within the step of the mark pays or skips at most
    ///      performanceFeeBps × 1 bp of its position (≤ 0.3 bp at the 30 % cap).
    uint256 internal constant PERF_FEE_STEP_BPS = 1;

    /// @notice How long the pending requests of an epoch stay non-cancellable after a fulfilment
    ///         attempt first found the epoch larger than the idle funds. Long enough for a keeper
    ///         to free the liquidity over several rebalances; short enough that a holder whose
    ///         keeper is down gets its shares back within days. A shutdown lifts the lock (the
    ///         in-kind exit needs the shares).
    uint256 public constant CANCEL_LOCK = 3 days;

    /// @dev `hasClaim`: `_claims[controller].shares != 0` (kept in the request's slot so that the
    ///      synchronous withdraw/redeem path reads one cold slot per owner, not two).
    struct Request {
        uint64 epoch;
        uint184 shares;
        bool hasClaim;
    }

    struct Claim {
        uint128 shares;
        uint128 assets;
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
    /// @notice Accepting the queued change of asset `index` would move the NAV from `navBefore` to
    ///         `navAfter`, more than `maxMoveBps` (entry + exit fee) while deposits are open.
    error AssetChangeMovesNav(uint256 index, uint256 navBefore, uint256 navAfter, uint256 maxMoveBps);

    /// @dev The rebalance state every plan reads and writes, in one slot: the next nonce, the time
    ///      of the last successful rebalance (also the loss budget's last update: only a rebalance
    ///      changes the budget), the loss budget used then (a WAD fraction of the NAV ≤ 1e18,
    ///      {LossBudget}) and the circuit breaker's reference price per share and its start time
    ///      (docs/plan-format.md §9). The reference is stored saturated at 2^80 − 1 (a WAD price
    ///      per share unit ~10^12 times its usual ~10^12, unreachable in practice); a saturated
    ///      reference only makes the breaker less sensitive, never trips it.
    struct RebalanceState {
        uint32 nextNonce;
        uint40 lastAt;
        uint64 usedWad;
        uint40 cbRefAt;
        uint80 cbRef;
    }

    IERC20 internal immutable _BASE;

    RebalanceState internal _rb;

    /// @notice Shares escrowed in the current (unfulfilled) epoch.
    uint256 public pendingShares;
    /// @notice Current redemption epoch.
    uint256 public currentEpoch;
    mapping(uint256 epoch => Claim) internal _epochs;
    mapping(address controller => Request) internal _requests;
    mapping(address controller => Claim) internal _claims;
    /// @dev ERC-7540 operators: `_operators[controller][operator]`.
    mapping(address controller => mapping(address operator => bool)) internal _operators;

    // Gas: the flags and the accrual time every deposit/withdraw reads live in the NAV snapshot
    // pointer's slot (ConfigLib.Hot); the last good price per share (the mark) shares the share
    // supply's slot ({_supplyWord}), which every deposit and withdrawal writes anyway, so lowering
    // the mark after a feed move adds a re-write of that dirty slot (~0.1k), not an SSTORE to a
    // second slot (~2.9k); the high-water mark has its own slot, read only when the price per
    // share rises more than 1 bp above the mark ({_noFeeDue}); the reserve has its own, read only
    // while it is non-zero (flag `F_RESERVED`).
    /// @dev Share balances. OpenZeppelin's ERC20 keeps its own `_balances` and `_totalSupply`
    ///      private; {_update}, {balanceOf} and {totalSupply} are overridden to use these instead
    ///      (ERC20's two slots stay empty).
    mapping(address account => uint256) internal _shareBalances;
    /// @dev The share supply (bits 0–215) and the mark (bits 216–255: the last good price per
    ///      share, {NavMath.toMark}-encoded; 0 = none yet; docs/vault.md "Fees" and "Oracle outage").
    ///      Invariant: supply = Σ `_shareBalances` ({_update} is the only writer of the balances and
    ///      of the supply bits; {_accrue} and {_setMark} rewrite only the mark bits).
    uint256 internal _supplyWord;
    /// @dev High-water mark of price per share (WAD) for the performance fee.
    uint256 internal _hwm;

    uint128 internal _reserved;
    /// @dev Fulfilled redemption shares not yet claimed (Σ epochs' shares − Σ claimed shares).
    uint128 internal _unclaimedShares;

    /// @notice The vault is paused (deposits and rebalances).
    event Paused(address account);
    /// @notice The pause was lifted.
    event Unpaused(address account);

    /// @notice The vault is paused.
    error EnforcedPause();

    /// @param base_ The base asset.
    /// @param name_ Share token name.
    /// @param symbol_ Share token symbol.
    constructor(
        IERC20Metadata base_,
        string memory name_,
        string memory symbol_
    ) ERC20(name_, symbol_) ERC4626(base_) EIP712("Ballast Vault", "1") {
        _BASE = base_;
    }

    // ================================================================ share accounting

    /// @inheritdoc IERC20
    function totalSupply() public view override(ERC20, IERC20) returns (uint256) {
        return uint216(_supplyWord);
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) public view override(ERC20, IERC20) returns (uint256) {
        return _shareBalances[account];
    }

    /// @dev OpenZeppelin's {ERC20-_update} on {_shareBalances} and {_supplyWord}: same checks,
    ///      errors and event; a mint beyond 2^216 − 1 shares reverts `SafeCastOverflowedUintDowncast`
    ///      (OpenZeppelin's reverts with an overflow panic at 2^256). The supply is the word's low
    ///      216 bits, so adding or subtracting it on the whole word keeps the mark: a mint is checked
    ///      to fit, and a burn never exceeds the supply (value ≤ the holder's balance ≤ supply).
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0)) {
            uint256 w = _supplyWord;
            uint256 supply = uint216(w) + value;
            if (supply > type(uint216).max) revert SafeCast.SafeCastOverflowedUintDowncast(216, supply);
            unchecked {
                _supplyWord = w + value; // the low 216 bits do not carry into the mark
            }
        } else {
            uint256 fromBalance = _shareBalances[from];
            if (fromBalance < value) revert ERC20InsufficientBalance(from, fromBalance, value);
            unchecked {
                _shareBalances[from] = fromBalance - value; // value ≤ fromBalance
            }
        }
        if (to == address(0)) {
            unchecked {
                _supplyWord -= value; // value ≤ fromBalance ≤ supply: no borrow from the mark
            }
        } else {
            unchecked {
                _shareBalances[to] += value; // ≤ supply < 2^216
            }
        }
        emit Transfer(from, to, value);
    }

    /// @dev The mark ({_supplyWord}'s top 40 bits).
    function _markBits() internal view returns (uint256) {
        return _supplyWord >> 216;
    }

    /// @dev Stores the mark `m` ({NavMath.toMark}-encoded), keeping the supply.
    function _setMark(uint40 m) internal {
        _supplyWord = (uint256(m) << 216) | uint216(_supplyWord);
    }

    // ================================================================ internal: pricing

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }

    function _baseToken() internal view returns (address) {
        return address(_BASE);
    }

    /// @dev NAV with given conversion factors (docs/plan-format.md §5).
    function _navWith(NavMath.Px[] memory pxs) internal view returns (uint256) {
        return PriceLib.navWith(_cfg, address(_BASE), _reservedNow(), pxs);
    }

    /// @dev NAV (docs/plan-format.md §5) and, from the same NAV snapshot, the packed fees
    ///      ({PriceLib.feesAndCap}) and the deposit cap. Hot path: {PriceLib.quickNav}, inlined
    ///      here (no library call); anything off its happy path goes through the checked
    ///      {PriceLib.nav}, which reverts naming the failed feed (`strict`) or returns ok = false.
    function _navFull(bool strict) internal view returns (bool ok, uint256 nav, uint256 f, uint256 cap) {
        (ok, nav, f, cap, ) = _navIdle(strict);
    }

    /// @dev {_navFull} and the idle base assets (valid when ok).
    function _navIdle(
        bool strict
    ) internal view returns (bool ok, uint256 nav, uint256 f, uint256 cap, uint256 idle) {
        uint256 h = _hotWord();
        uint256[] memory w = PriceLib.loadFrom(address(uint160(h)), uint8(h >> ConfigLib.HOT_NAV_WORDS));
        uint256 r = ConfigLib.hasFlag(h, ConfigLib.F_RESERVED) ? _reserved : 0; // {_reservedNow}
        (ok, nav, idle) = PriceLib.quickNav(w, address(_BASE), r);
        if (!ok) {
            (ok, nav, ) = PriceLib.nav(_cfg, address(_BASE), r, strict);
            if (ok) idle = _idle();
        }
        (f, cap) = PriceLib.feesAndCap(w);
    }

    /// @dev NAV and packed fees; reverts naming a failed feed.
    function _navStrict() internal view returns (uint256 nav, uint256 f) {
        (, nav, f, ) = _navFull(true);
    }

    /// @dev NAV (ok = false when the sequencer or a feed fails) and packed fees.
    function _tryNav() internal view returns (bool ok, uint256 nav, uint256 f) {
        (ok, nav, f, ) = _navFull(false);
    }

    /// @dev Entry fee (bps) of the packed fees `f`.
    function _entryFee(uint256 f) internal pure returns (uint256) {
        return uint16(f);
    }

    /// @dev Exit fee (bps) of the packed fees `f`.
    function _exitFee(uint256 f) internal pure returns (uint256) {
        return uint16(f >> 16);
    }

    /// @dev The hot slot ({ConfigLib.Hot}) as one word: one SLOAD instead of one per field.
    function _hotWord() internal view returns (uint256 h) {
        ConfigLib.Hot storage hs = _cfg.hot;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            h := sload(hs.slot)
        }
    }

    /// @dev Base assets reserved for claims; the reserve's slot is read only when it is non-zero.
    function _reservedNow() internal view returns (uint256) {
        return _cfg.hot.has(ConfigLib.F_RESERVED) ? _reserved : 0;
    }

    /// @dev Sets the reserve and its flag in the hot slot.
    function _setReserved(uint256 r) internal {
        _reserved = SafeCast.toUint128(r);
        _cfg.hot.setFlag(ConfigLib.F_RESERVED, r != 0);
    }

    function _idle() internal view returns (uint256) {
        uint256 bal = _BASE.balanceOf(address(this));
        uint256 r = _reservedNow();
        return bal > r ? bal - r : 0;
    }

    function _ppsNow() internal view returns (uint256) {
        (uint256 nav, uint256 supply, ) = _strictBasis();
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
        (uint256 nav, uint256 supply, ) = _basis();
        return _toShares(a, nav, supply, r);
    }

    function _convertToAssets(uint256 s, Math.Rounding r) internal view override returns (uint256) {
        (uint256 nav, uint256 supply, ) = _basis();
        return _toAssets(s, nav, supply, r);
    }

    /// @dev Live NAV, the supply after pending fee shares and the packed fees; reverts if a feed fails.
    function _strictBasis() internal view returns (uint256 nav, uint256 supply, uint256 f) {
        (nav, f) = _navStrict();
        supply = totalSupply();
        (uint256 m, uint256 p) = _feeShares(nav, supply, f, false);
        supply += m + p;
    }

    /// @dev Like {_strictBasis} when every feed is good; otherwise the conservative fallback
    ///      (docs/vault.md "Oracle outage"): assets = min(idle, lastGoodPps × (supply + virtual)).
    function _basis() internal view returns (uint256 nav, uint256 supply, uint256 f) {
        bool ok;
        (ok, nav, f) = _tryNav();
        supply = totalSupply();
        if (ok) {
            (uint256 m, uint256 p) = _feeShares(nav, supply, f, false);
            return (nav, supply + m + p, f);
        }
        nav = Math.min(_idle(), Math.mulDiv(_lastGoodPps(), supply + VIRTUAL_SHARES, WAD));
    }

    /// @dev {_basis} after accruing fees when the NAV is live, and the idle base assets.
    function _basisAccrued() internal returns (uint256 nav, uint256 supply, uint256 f, uint256 idle) {
        bool ok;
        (ok, nav, f, , idle) = _navIdle(false);
        if (ok) {
            return (nav, _accrue(nav, false, f), f, idle);
        }
        (nav, supply, f) = _basis();
        idle = _idle();
    }

    function _maxDepositAt(uint256 nav, uint256 cap) internal view returns (uint256) {
        if (ConfigLib.hasFlag(_hotWord(), ConfigLib.F_CLOSED)) return 0; // shutdown, defensive or paused
        return cap > nav ? cap - nav : 0;
    }

    /// @dev The last good price per share (WAD, rounded down; 0 before the first accrual): the
    ///      oracle-outage basis (docs/vault.md "Oracle outage"). It is the mark ({_supplyWord}), which
    ///      {_accrue} keeps at most 1 bp below the price per share of the last accrual with good
    ///      feeds, and never above it nor above the high-water mark.
    function _lastGoodPps() internal view returns (uint256) {
        return NavMath.fromMark(_markBits());
    }

    /// @dev Whether no fee can be due, decided without reading the high-water mark: the management
    ///      fee is not due ({_mgmtDue}) and the price per share `pps` (before fees, returned) is at
    ///      most PERF_FEE_STEP_BPS above the mark (`pps ≤ mark + mark × step ÷ BPS`). Since
    ///      mark ≤ high-water mark (invariant kept by {_accrue}), pps ≤ hwm + hwm × step ÷ BPS, so
    ///      {_feesDue} would mint no performance fee either. `markBits`: the stored mark
    ///      ({_markBits}, passed in: {_accrue} has read its slot already); `mark` is returned decoded.
    function _noFeeDue(
        uint256 nav,
        uint256 supply,
        uint256 markBits,
        uint256 f
    ) internal view returns (bool quiet, uint256 pps, uint256 mark) {
        uint256 h = _hotWord();
        mark = NavMath.fromMark(markBits);
        if (mark == 0) return (false, 0, 0);
        if (_mgmtDueSince(uint16(f >> 32), uint40(h >> ConfigLib.HOT_LAST_ACCRUAL), false))
            return (false, 0, mark);
        pps = NavMath.ppsWad(nav, supply, VIRTUAL_SHARES);
        quiet = pps <= mark + (mark * PERF_FEE_STEP_BPS) / BPS;
    }

    /// @dev Management and performance fee shares due now (docs/plan-format.md §8); the views'
    ///      entry point: {_noFeeDue} first, then {_feesDue}. `full`: see {_feesDue}.
    function _feeShares(
        uint256 nav,
        uint256 supply,
        uint256 f,
        bool full
    ) internal view returns (uint256, uint256) {
        if (!full) {
            (bool quiet, , ) = _noFeeDue(nav, supply, _markBits(), f);
            if (quiet) return (0, 0);
        }
        (uint256 m, uint256 p, , ) = _feesDue(nav, supply, f, full);
        return (m, p);
    }

    /// @dev Fee shares due now (docs/plan-format.md §8) and the new high-water mark. `f`: packed
    ///      fees from the NAV snapshot, whose management and performance fees are already 0 while
    ///      there is no recipient (nothing is charged, but the high-water mark keeps rising, so that
    ///      setting a recipient later never charges a performance fee on gains made while fees were off).
    ///      The management fee counts only when {_mgmtDue}.
    function _feesDue(
        uint256 nav,
        uint256 supply,
        uint256 f,
        bool full
    ) internal view returns (uint256 mgmt, uint256 perf, uint256 hwm, uint256 pps) {
        hwm = _hwm;
        mgmt = _mgmtShares(supply, uint16(f >> 32), full);
        uint256 perfBps = uint16(f >> 48);
        uint256 s1 = supply + mgmt;
        pps = NavMath.ppsWad(nav, s1, VIRTUAL_SHARES);
        // With a performance fee in force it is charged, and the mark moves, only once the price
        // per share is more than PERF_FEE_STEP_BPS above the mark; below that the mark stays, so the
        // gain is charged in full at the next step. Without one the mark simply follows the pps.
        bool perfOn = hwm != 0 && perfBps != 0;
        if (perfOn && pps > hwm + (hwm * PERF_FEE_STEP_BPS) / BPS)
            (perf, pps) = _perfShares(nav, s1, pps, hwm, perfBps);
        if (pps > hwm && (!perfOn || perf != 0)) hwm = pps;
    }

    /// @dev Performance-fee shares on the gain of `pps` over `hwm` (supply `s1` after the management
    ///      fee) and the price per share after minting them (docs/plan-format.md §8).
    function _perfShares(
        uint256 nav,
        uint256 s1,
        uint256 pps,
        uint256 hwm,
        uint256 perfBps
    ) private pure returns (uint256 perf, uint256 ppsAfter) {
        uint256 profit = Math.mulDiv(pps - hwm, s1 + VIRTUAL_SHARES, WAD);
        uint256 feeAssets = (profit * perfBps) / BPS;
        if (feeAssets < nav + 1) perf = Math.mulDiv(feeAssets, s1 + VIRTUAL_SHARES, nav + 1 - feeAssets);
        ppsAfter = NavMath.ppsWad(nav, s1 + perf, VIRTUAL_SHARES);
    }

    /// @dev Management-fee shares due now on `supply` (0 unless {_mgmtDue}).
    function _mgmtShares(uint256 supply, uint256 mgmtBps, bool full) internal view returns (uint256) {
        if (!_mgmtDue(mgmtBps, full)) return 0;
        return Math.mulDiv(supply, mgmtBps * (block.timestamp - _cfg.hot.lastAccrual), BPS * YEAR);
    }

    /// @dev Whether the management fee (`mgmtBps`, 0 without a recipient) is charged now: it is in
    ///      force and either `full` (before a fee change) or {MGMT_FEE_INTERVAL} has passed since
    ///      the accrual clock last restarted.
    function _mgmtDue(uint256 mgmtBps, bool full) internal view returns (bool) {
        return _mgmtDueSince(mgmtBps, _cfg.hot.lastAccrual, full);
    }

    /// @dev {_mgmtDue} with the accrual time `lastAccrual` given (read from the hot word).
    function _mgmtDueSince(uint256 mgmtBps, uint256 lastAccrual, bool full) internal view returns (bool) {
        return mgmtBps != 0 && (full || block.timestamp >= lastAccrual + MGMT_FEE_INTERVAL);
    }

    /// @dev Mints the fee shares due and stores the high-water mark, the mark (the last good price
    ///      per share) and the accrual time — each only when it changes (gas). While {_noFeeDue}
    ///      nothing is due and the high-water mark is neither read nor written: the mark only
    ///      falls to the price per share if that is below it. The accrual clock restarts exactly when the
    ///      management fee is charged ({_mgmtDue}); while none is in force (fee 0 or no recipient)
    ///      `dt` does not matter, so it is not written. `restartClock` (before every fee change)
    ///      charges the management fee for any `dt` and always restarts the clock, so a fee switched
    ///      on later never charges for the time it was off.
    ///      Returns the share supply after any fee mint.
    function _accrue(uint256 nav, bool restartClock, uint256 f) internal returns (uint256 supply) {
        uint256 sw = _supplyWord;
        supply = uint216(sw);
        if (!restartClock) {
            (bool quiet, uint256 p0, uint256 mark0) = _noFeeDue(nav, supply, sw >> 216, f);
            if (quiet) {
                // mark ≤ pps < old mark ≤ hwm; the supply bits are rewritten unchanged
                if (p0 < mark0) _supplyWord = (uint256(NavMath.toMark(p0)) << 216) | supply;
                return supply;
            }
        }
        (uint256 m, uint256 p, uint256 hwm, uint256 pps) = _feesDue(nav, supply, f, restartClock);
        if (m + p != 0) {
            _mint(_cfg.fees.recipient, m + p); // m + p != 0 implies a recipient
            supply += m + p;
            emit IBallastVault.FeesAccrued(m, p, hwm);
            pps = NavMath.ppsWad(nav, supply, VIRTUAL_SHARES);
        }
        // (with nothing minted, `pps` is already ppsWad(nav, supply))
        if (hwm != _hwm) _hwm = hwm; // warm: {_feesDue} read it
        ConfigLib.Hot storage hs = _cfg.hot;
        uint40 mark = NavMath.toMark(Math.min(pps, hwm)); // {_noFeeDue}'s invariant
        if (_markBits() != mark) _setMark(mark);
        uint40 nowTs = uint40(block.timestamp);
        bool clock = restartClock || _mgmtDue(uint16(f >> 32), false);
        if (clock && hs.lastAccrual != nowTs) hs.lastAccrual = nowTs;
    }

    /// @dev Accrues fees at the old rates and restarts the accrual clock before a fee change.
    function _beforeFeeChange() internal {
        (bool ok, uint256 nav, uint256 f) = _tryNav();
        if (ok) _accrue(nav, true, f);
        else _cfg.hot.lastAccrual = uint40(block.timestamp);
    }

    // ================================================================ internal: redemptions

    /// @dev Fulfils the current epoch if idle funds cover it; returns the assets set aside. An
    ///      attempt that finds the epoch larger than the idle funds locks the epoch's pending
    ///      requests against cancellation for {CANCEL_LOCK} (from the first such attempt), so that
    ///      a holder cannot push the epoch over the idle funds in front of a fulfilment and take
    ///      the request back for free afterwards (docs/vault.md "Redemptions").
    function _fulfil(uint256 nav, uint256 f) internal returns (uint256 assets_) {
        uint256 shares = pendingShares;
        if (shares == 0) return 0;
        uint256 x = _toAssets(shares, nav, totalSupply(), Math.Rounding.Floor);
        assets_ = x - NavMath.feeOnTotal(x, _exitFee(f));
        uint256 idle = _idle();
        if (assets_ > idle) {
            if (_cfg.hot.lockedAt == 0) {
                _cfg.hot.lockedAt = uint40(block.timestamp);
                emit IBallastVault.RedemptionsLocked(
                    currentEpoch,
                    assets_,
                    idle,
                    block.timestamp + CANCEL_LOCK
                );
            }
            return 0;
        }
        _cfg.hot.lockedAt = 0;
        _burn(address(this), shares);
        _setReserved(_reserved + assets_); // assets_ ≤ idle (a token balance)
        _unclaimedShares += SafeCast.toUint128(shares);
        _cfg.hot.setFlag(ConfigLib.F_CLAIMS, true);
        uint256 e = currentEpoch;
        _epochs[e] = Claim(uint128(shares), uint128(assets_));
        currentEpoch = e + 1;
        pendingShares = 0;
        _cfg.hot.setFlag(ConfigLib.F_PENDING, false);
        emit IBallastVault.RedemptionsFulfilled(e, shares, assets_);
    }

    /// @dev Circuit breaker observation of `pps` (docs/plan-format.md §9) on the rebalance state
    ///      `st` in memory (the caller stores it), with the limits' `dropBps` and `window` (passed
    ///      in: the rebalance reads them from the NAV snapshot). Trips defensive mode or rolls or
    ///      raises the reference.
    function _observe(RebalanceState memory st, uint256 pps, uint256 dropBps, uint256 window) internal {
        uint256 ref = st.cbRef;
        if (!_cfg.hot.has(ConfigLib.F_DEFENSIVE) && ref != 0 && pps * BPS < ref * (BPS - dropBps)) {
            _cfg.hot.setFlag(ConfigLib.F_DEFENSIVE, true);
            emit IBallastVault.DefensiveModeEntered(pps, ref);
            return;
        }
        uint80 p = _refOf(pps);
        if (ref == 0 || block.timestamp >= uint256(st.cbRefAt) + window) {
            st.cbRef = p;
            st.cbRefAt = uint40(block.timestamp);
            emit IBallastVault.ReferencePriceRolled(pps);
        } else if (p > ref) {
            st.cbRef = p;
        }
    }

    /// @dev `pps` as a stored breaker reference (saturated, see {RebalanceState}).
    function _refOf(uint256 pps) internal pure returns (uint80) {
        return pps > type(uint80).max ? type(uint80).max : uint80(pps);
    }
}
