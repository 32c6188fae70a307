// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IBallastVault} from "../interfaces/IBallastVault.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAdapter, ILendingAdapter} from "../interfaces/IAdapter.sol";
import {Tightening} from "./Tightening.sol";
import {OracleLib} from "./OracleLib.sol";

/// @title ConfigLib
/// @notice Registry, limits, fees and adapter whitelist with timelocked loosening. External
///         (linked) library so that the vault stays under the 24 KiB code-size limit; it runs by
///         DELEGATECALL on the vault's storage. The caller's roles are passed in by the vault.
library ConfigLib {
    uint256 internal constant MAX_ASSETS = 16;
    uint16 internal constant MAX_ENTRY_EXIT_FEE_BPS = 100;
    uint16 internal constant MAX_MANAGEMENT_FEE_BPS = 500;
    uint16 internal constant MAX_PERFORMANCE_FEE_BPS = 3000;
    uint8 internal constant KIND_SWAP = 1;
    uint8 internal constant KIND_LENDING = 2;
    /// @notice Lending op WITHDRAW (docs/plan-format.md §3 kind 2).
    uint8 internal constant LENDING_WITHDRAW = 2;

    /// @notice `caller` may not change this: loosening needs CURATOR, GUARDIAN may only tighten.
    error NotTightening(address caller);
    /// @notice The queued change is not valid before `validAt`.
    error TimelockNotElapsed(uint256 validAt, uint256 nowTs);
    /// @notice Nothing is queued under this key.
    error NothingPending(uint8 what, uint256 key);
    /// @notice A fee exceeds its cap.
    error FeeAboveCap(uint256 fee, uint256 cap);
    /// @notice The registry already holds MAX_ASSETS assets.
    error TooManyAssets(uint256 count);
    /// @notice `index` is beyond the registry end.
    error AssetIndexOutOfRange(uint256 index, uint256 count);
    /// @notice `token` is the base asset or already registered.
    error AssetAlreadyRegistered(address token);
    /// @notice An asset or limits field is malformed (`field` numbers the check).
    error InvalidConfig(uint256 field);
    /// @notice Adapter id 0, unknown kind, occupied id, an address already registered under an
    ///         id, or a second lending adapter.
    error InvalidAdapter(uint8 id, address adapter, uint8 kind);
    /// @notice The lending adapter still owes `debt` (collateral alone is withdrawn first, see
    ///         {closeCollateral}), or its collateral could not be withdrawn in full.
    error LendingPositionOpen(uint256 collateral, uint256 debt);
    /// @notice Deploying the NAV snapshot contract failed.
    error SnapshotFailed(uint256 words);

    /// @notice The vault's oracle configuration (set once, at construction).
    struct Oracles {
        OracleLib.Feed baseFeed;
        OracleLib.Sequencer sequencer;
        uint8 baseDecimals;
        uint8 baseFeedDecimals;
    }

    struct PendingLimits {
        IBallastVault.Limits value;
        uint64 validAt;
    }
    struct PendingFees {
        IBallastVault.FeeConfig value;
        uint64 validAt;
    }
    struct PendingAsset {
        IBallastVault.AssetConfig value;
        uint64 validAt;
    }
    struct PendingAdapter {
        IBallastVault.AdapterConfig value;
        uint64 validAt;
    }

    /// @notice The configuration's storage.
    struct Layout {
        uint256 curatorTimelock;
        IBallastVault.AssetConfig[] assets;
        uint8[] tokenDecimals;
        uint8[] feedDecimals;
        mapping(address token => uint256 indexPlusOne) assetIndex;
        IBallastVault.Limits limits;
        IBallastVault.FeeConfig fees;
        mapping(uint8 id => IBallastVault.AdapterConfig) adapters;
        address lendingAdapter;
        PendingLimits pendingLimits;
        PendingFees pendingFees;
        mapping(uint256 index => PendingAsset) pendingAsset;
        mapping(uint8 id => PendingAdapter) pendingAdapter;
        Oracles oracles;
        /// @dev NAV snapshot pointer and the vault's hot state, in one slot (see {Hot}).
        Hot hot;
        /// @dev The id an adapter address is registered under (0: none). Invariant: an address
        ///      holds at most one id, so removing one registration never disconnects another
        ///      (e.g. the lending adapter from the NAV).
        mapping(address adapter => uint8 id) adapterId;
    }

    /// @notice One storage slot read by every deposit and withdrawal: the NAV snapshot (see
    ///         {snapshot}: one cold EXTCODECOPY instead of ~4 cold SLOADs per asset), the vault's
    ///         flags and the fee accrual time. Flags ({F_SHUTDOWN} …):
    ///         `F_RESERVED`: `reservedAssets != 0` (the reserve's own slot is read only then);
    ///         `F_CLAIMS`: some fulfilled redemption shares are still unclaimed (else a synchronous
    ///         withdraw/redeem skips the owner's redemption slots); `F_PENDING`: `pendingShares != 0`
    ///         (else a rebalance skips the redemption queue). The last good price per share (the
    ///         mark) lives with the share supply (VaultCore._supplyWord), which deposits and
    ///         withdrawals write anyway. Bits: navData 0–159, navWords 160–167, flags 168–175,
    ///         lastAccrual 176–215, lockedAt 216–255. `lockedAt`: when a fulfilment attempt first
    ///         found the current epoch larger than the idle funds (0: not locked); its pending
    ///         requests cannot be cancelled until `lockedAt + CANCEL_LOCK` (VaultCore).
    struct Hot {
        address navData;
        uint8 navWords;
        uint8 flags;
        uint40 lastAccrual;
        uint40 lockedAt;
    }

    /// @dev {Hot.flags} bits. Shutdown, defensive and paused are the low three, so that one mask
    ///      tests "shut down or defensive" ({F_SHUT_OR_DEFENSIVE}) or any of the three ({F_CLOSED}).
    uint8 internal constant F_SHUTDOWN = 1;
    uint8 internal constant F_DEFENSIVE = 2;
    uint8 internal constant F_PAUSED = 4;
    uint8 internal constant F_RESERVED = 8;
    uint8 internal constant F_CLAIMS = 16;
    uint8 internal constant F_PENDING = 32;
    uint8 internal constant F_SHUT_OR_DEFENSIVE = F_SHUTDOWN | F_DEFENSIVE;
    uint8 internal constant F_CLOSED = F_SHUTDOWN | F_DEFENSIVE | F_PAUSED;

    /// @dev Bit offsets of {Hot}'s fields in its slot, for code that reads the slot as one word
    ///      (VaultCore._hotWord).
    uint256 internal constant HOT_NAV_WORDS = 160;
    uint256 internal constant HOT_FLAGS = 168;
    uint256 internal constant HOT_LAST_ACCRUAL = 176;

    /// @dev Whether any of the flags `f` is set in the hot slot word `word`.
    function hasFlag(uint256 word, uint8 f) internal pure returns (bool) {
        return (word >> HOT_FLAGS) & f != 0;
    }

    /// @dev Whether any of the flags `f` is set.
    function has(Hot storage h, uint8 f) internal view returns (bool) {
        return h.flags & f != 0;
    }

    /// @dev Sets (`on`) or clears the flags `f`.
    function setFlag(Hot storage h, uint8 f, bool on) internal {
        h.flags = on ? h.flags | f : h.flags & ~f;
    }

    /// @notice Roles of the caller, as the vault sees them.
    struct Caller {
        address account;
        bool curator;
        bool guardian;
    }

    /// @notice Validates and stores the initial limits and fees.
    function init(
        Layout storage s,
        uint256 timelock,
        IBallastVault.Limits memory lim,
        IBallastVault.FeeConfig memory f,
        Oracles memory o
    ) external {
        validateLimits(lim);
        validateFees(f);
        s.curatorTimelock = timelock;
        s.limits = lim;
        s.fees = f;
        s.oracles = o;
        snapshot(s);
    }

    /// @dev Writes the NAV snapshot: a data contract (SSTORE2 pattern: runtime = 0x00 ‖ words, so
    ///      it cannot be called meaningfully) holding, in 32-byte words,
    ///      w0 = lendingAdapter | (baseDecimals + baseFeedDecimals) << 160,
    ///      w1 = baseFeed | heartbeat << 160, w2 = minPrice << 128 | maxPrice,
    ///      w3 = sequencerFeed | gracePeriod << 160 | entryFeeBps << 192 | exitFeeBps << 208 |
    ///      managementFeeBps << 224 | performanceFeeBps << 240 (the last two 0 while there is no
    ///      fee recipient), then per asset i three words:
    ///      token; feed | heartbeat << 160 | (tokenDecimals + feedDecimals) << 192 | enabled << 200 |
    ///      maxWeightBps << 208 | uint16(minNetDeltaBps) << 224 | uint16(maxNetDeltaBps) << 240;
    ///      minPrice << 128 | maxPrice; then the limits in two words (the rebalance reads them here
    ///      instead of from storage): depositCap | maxSlippageBps << 128 |
    ///      maxLossPerRebalanceBps << 144 | lossBudgetBps << 160 | lossWindow << 176 |
    ///      rebalanceCooldown << 208 | circuitBreakerDropBps << 240, and maxTurnoverBps |
    ///      maxLeverageBps << 32 | minHealthFactor << 64 | circuitBreakerWindow << 128.
    ///      5 + 3 × 16 + 2 = 55 words at most (the pointer's slot holds the count in 8 bits).
    ///      Rewritten on every change of a field it holds (assets, lending adapter, fees, limits);
    ///      the storage copy stays the source of truth for the views.
    function snapshot(Layout storage s) internal {
        uint256 n = s.assets.length;
        uint256[] memory w = new uint256[](6 + 3 * n);
        Oracles memory o = s.oracles;
        IBallastVault.FeeConfig memory f = s.fees;
        // No recipient: no management or performance fee is charged (docs/plan-format.md §8).
        uint256 chargeable = f.recipient == address(0) ? 0 : 1;
        w[0] = uint256(uint160(s.lendingAdapter)) | ((uint256(o.baseDecimals) + o.baseFeedDecimals) << 160);
        w[1] = uint256(uint160(o.baseFeed.feed)) | (uint256(o.baseFeed.heartbeat) << 160);
        w[2] = (uint256(o.baseFeed.minPrice) << 128) | o.baseFeed.maxPrice;
        w[3] =
            uint256(uint160(o.sequencer.feed)) |
            (uint256(o.sequencer.gracePeriod) << 160) |
            (uint256(f.entryFeeBps) << 192) |
            (uint256(f.exitFeeBps) << 208) |
            ((chargeable * f.managementFeeBps) << 224) |
            ((chargeable * f.performanceFeeBps) << 240);
        (w[4 + 3 * n], w[5 + 3 * n]) = _limitWords(s.limits);
        if (uint256(o.baseDecimals) + o.baseFeedDecimals > 77) revert InvalidConfig(15);
        for (uint256 i; i < n; ++i) {
            IBallastVault.AssetConfig memory a = s.assets[i];
            uint256 j = 4 + 3 * i;
            // 10^(decimals) must fit in 256 bits (PriceLib uses the unchecked EXP opcode)
            if (uint256(s.tokenDecimals[i]) + s.feedDecimals[i] > 77) revert InvalidConfig(15);
            w[j] = uint160(a.token);
            w[j + 1] =
                uint256(uint160(a.feed)) |
                (uint256(a.heartbeat) << 160) |
                ((uint256(s.tokenDecimals[i]) + s.feedDecimals[i]) << 192) |
                ((a.enabled ? uint256(1) : 0) << 200) |
                (uint256(a.maxWeightBps) << 208) |
                (uint256(uint16(a.minNetDeltaBps)) << 224) |
                (uint256(uint16(a.maxNetDeltaBps)) << 240);
            w[j + 2] = (uint256(a.minPrice) << 128) | a.maxPrice;
        }
        bytes memory data = abi.encodePacked(w);
        bytes memory code = abi.encodePacked(hex"61", uint16(data.length + 1), hex"80600a3d393df300", data);
        address ptr;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            ptr := create(0, add(code, 32), mload(code))
        }
        if (ptr == address(0)) revert SnapshotFailed(w.length);
        s.hot.navData = ptr;
        s.hot.navWords = uint8(w.length);
    }

    /// @dev The two limits words of the NAV snapshot (layout in {snapshot}).
    function _limitWords(IBallastVault.Limits memory lim) private pure returns (uint256 a, uint256 b) {
        a =
            uint256(lim.depositCap) |
            (uint256(lim.maxSlippageBps) << 128) |
            (uint256(lim.maxLossPerRebalanceBps) << 144) |
            (uint256(lim.lossBudgetBps) << 160) |
            (uint256(lim.lossWindow) << 176) |
            (uint256(lim.rebalanceCooldown) << 208) |
            (uint256(lim.circuitBreakerDropBps) << 240);
        b =
            uint256(lim.maxTurnoverBps) |
            (uint256(lim.maxLeverageBps) << 32) |
            (uint256(lim.minHealthFactor) << 64) |
            (uint256(lim.circuitBreakerWindow) << 128);
    }

    /// @notice Tightening applies at once (CURATOR or GUARDIAN) and cancels a queued limits change;
    ///         a loosening by the CURATOR is queued.
    function submitLimits(Layout storage s, IBallastVault.Limits calldata n, Caller memory c) external {
        validateLimits(n);
        if (Tightening.limits(s.limits, n) && (c.curator || c.guardian)) {
            // a queued loosening was computed against the old limits: accepting it later would
            // undo this tightening, so it is cancelled (MetaMorpho's `_setCap` does the same)
            if (s.pendingLimits.validAt != 0) {
                delete s.pendingLimits;
                emit IBallastVault.PendingRevoked(1, 0);
            }
            s.limits = n;
            snapshot(s);
            emit IBallastVault.LimitsSet(n);
            return;
        }
        if (!c.curator) revert NotTightening(c.account);
        uint64 validAt = uint64(block.timestamp + s.curatorTimelock);
        s.pendingLimits = PendingLimits(n, validAt);
        emit IBallastVault.LimitsSubmitted(n, validAt);
    }

    /// @notice Applies the queued limits once their timelock has elapsed.
    function acceptLimits(Layout storage s) external {
        PendingLimits memory p = s.pendingLimits;
        _checkValidAt(p.validAt, 1, 0);
        delete s.pendingLimits;
        s.limits = p.value;
        snapshot(s);
        emit IBallastVault.LimitsSet(p.value);
    }

    /// @notice Queues a fee change (CURATOR only; every fee change waits the timelock).
    function submitFees(Layout storage s, IBallastVault.FeeConfig calldata n, Caller memory c) external {
        if (!c.curator) revert NotTightening(c.account);
        validateFees(n);
        uint64 validAt = uint64(block.timestamp + s.curatorTimelock);
        s.pendingFees = PendingFees(n, validAt);
        emit IBallastVault.FeesSubmitted(n, validAt);
    }

    /// @notice Applies the queued fees once their timelock has elapsed (the vault accrues first).
    function acceptFees(Layout storage s) external {
        PendingFees memory p = s.pendingFees;
        _checkValidAt(p.validAt, 2, 0);
        delete s.pendingFees;
        s.fees = p.value;
        snapshot(s);
        emit IBallastVault.FeesSet(p.value);
    }

    /// @notice Configures asset `index` (index == count adds one); tightening is instant and cancels
    ///         a queued change of the same asset.
    function submitAsset(
        Layout storage s,
        address base,
        uint256 index,
        IBallastVault.AssetConfig calldata n,
        Caller memory c
    ) external {
        uint256 count = s.assets.length;
        if (index > count) revert AssetIndexOutOfRange(index, count);
        _validateAsset(n);
        if (index < count && Tightening.asset(s.assets[index], n) && (c.curator || c.guardian)) {
            // cancels a queued change of this asset, which would otherwise undo the tightening
            if (s.pendingAsset[index].validAt != 0) {
                delete s.pendingAsset[index];
                emit IBallastVault.PendingRevoked(3, index);
            }
            s.assets[index] = n;
            snapshot(s);
            emit IBallastVault.AssetSet(index, n);
            return;
        }
        if (!c.curator) revert NotTightening(c.account);
        if (index == count) {
            if (count >= MAX_ASSETS) revert TooManyAssets(count);
            if (s.assetIndex[n.token] != 0 || n.token == base) revert AssetAlreadyRegistered(n.token);
        } else if (n.token != s.assets[index].token) {
            revert InvalidConfig(100);
        }
        uint64 validAt = uint64(block.timestamp + s.curatorTimelock);
        s.pendingAsset[index] = PendingAsset(n, validAt);
        emit IBallastVault.AssetSubmitted(index, n, validAt);
    }

    /// @notice Applies the queued change of asset `index` once its timelock has elapsed.
    function acceptAsset(Layout storage s, uint256 index) external {
        PendingAsset memory p = s.pendingAsset[index];
        _checkValidAt(p.validAt, 3, index);
        delete s.pendingAsset[index];
        uint256 count = s.assets.length;
        if (index == count) {
            if (count >= MAX_ASSETS) revert TooManyAssets(count);
            if (s.assetIndex[p.value.token] != 0) revert AssetAlreadyRegistered(p.value.token);
            s.assets.push(p.value);
            s.tokenDecimals.push(IERC20Metadata(p.value.token).decimals());
            s.feedDecimals.push(AggregatorV3Interface(p.value.feed).decimals());
            s.assetIndex[p.value.token] = count + 1;
        } else {
            if (index > count) revert AssetIndexOutOfRange(index, count);
            s.assets[index] = p.value;
            s.feedDecimals[index] = AggregatorV3Interface(p.value.feed).decimals();
        }
        snapshot(s);
        emit IBallastVault.AssetSet(index, p.value);
    }

    /// @notice Queues adapter `id` (CURATOR); removing (adapter 0) is instant for CURATOR or GUARDIAN
    ///         and cancels an adapter queued for the same id.
    function submitAdapter(
        Layout storage s,
        address base,
        uint8 id,
        address adapter,
        uint8 kind,
        Caller memory c
    ) external {
        if (id == 0) revert InvalidAdapter(id, adapter, kind);
        if (adapter == address(0)) {
            if (!c.curator && !c.guardian) revert NotTightening(c.account);
            address old = s.adapters[id].adapter;
            if (old != address(0) && old == s.lendingAdapter) {
                closeCollateral(s, old, base);
                s.lendingAdapter = address(0);
                snapshot(s);
            }
            delete s.adapters[id];
            delete s.adapterId[old];
            emit IBallastVault.AdapterSet(id, address(0), 0);
            // a queued adapter for this id could otherwise be accepted into the freed slot
            if (s.pendingAdapter[id].validAt != 0) {
                delete s.pendingAdapter[id];
                emit IBallastVault.PendingRevoked(4, id);
            }
            return;
        }
        if (!c.curator) revert NotTightening(c.account);
        if (kind != KIND_SWAP && kind != KIND_LENDING) revert InvalidAdapter(id, adapter, kind);
        if (s.adapterId[adapter] != 0) revert InvalidAdapter(id, adapter, kind); // already registered
        uint64 validAt = uint64(block.timestamp + s.curatorTimelock);
        s.pendingAdapter[id] = PendingAdapter(IBallastVault.AdapterConfig(adapter, kind), validAt);
        emit IBallastVault.AdapterSubmitted(id, adapter, kind, validAt);
    }

    /// @notice Applies queued adapter `id` once its timelock has elapsed.
    function acceptAdapter(Layout storage s, uint8 id) external {
        PendingAdapter memory p = s.pendingAdapter[id];
        _checkValidAt(p.validAt, 4, id);
        delete s.pendingAdapter[id];
        if (s.adapters[id].adapter != address(0) || s.adapterId[p.value.adapter] != 0)
            revert InvalidAdapter(id, p.value.adapter, p.value.kind); // id taken, or the address under another id
        if (p.value.kind == KIND_LENDING) {
            if (s.lendingAdapter != address(0)) revert InvalidAdapter(id, p.value.adapter, p.value.kind);
            s.lendingAdapter = p.value.adapter;
            snapshot(s);
        }
        s.adapters[id] = p.value;
        s.adapterId[p.value.adapter] = id;
        emit IBallastVault.AdapterSet(id, p.value.adapter, p.value.kind);
    }

    /// @notice Revokes a queued change (GUARDIAN or CURATOR). `what`: 1 limits, 2 fees, 3 asset, 4 adapter.
    function revokePending(Layout storage s, uint8 what, uint256 key, Caller memory c) external {
        if (!c.curator && !c.guardian) revert NotTightening(c.account);
        if (what == 0 || what > 4 || pendingValidAt(s, what, key) == 0) revert NothingPending(what, key);
        if (what == 1) delete s.pendingLimits;
        else if (what == 2) delete s.pendingFees;
        else if (what == 3) delete s.pendingAsset[key];
        else delete s.pendingAdapter[uint8(key)];
        emit IBallastVault.PendingRevoked(what, key);
    }

    /// @notice The queued change `what`/`key` (as {pendingValidAt}): when it may be accepted
    ///         (0 = nothing queued) and its complete new value, ABI-encoded as `Limits` (1),
    ///         `FeeConfig` (2), `AssetConfig` (3) or `AdapterConfig` (4); empty when nothing is queued.
    function pendingChange(
        Layout storage s,
        uint8 what,
        uint256 key
    ) external view returns (uint256 validAt, bytes memory value) {
        validAt = pendingValidAt(s, what, key);
        if (validAt == 0) return (0, value);
        if (what == 1) value = abi.encode(s.pendingLimits.value);
        else if (what == 2) value = abi.encode(s.pendingFees.value);
        else if (what == 3) value = abi.encode(s.pendingAsset[key].value);
        else value = abi.encode(s.pendingAdapter[uint8(key)].value);
    }

    /// @notice Timestamp from which a queued change may be accepted (0 = nothing queued).
    function pendingValidAt(Layout storage s, uint8 what, uint256 key) public view returns (uint256) {
        if (what == 1) return s.pendingLimits.validAt;
        if (what == 2) return s.pendingFees.validAt;
        if (what == 3) return s.pendingAsset[key].validAt;
        // adapter ids are uint8: a larger key names nothing (it must not alias id key mod 256)
        if (what == 4 && key <= type(uint8).max) return s.pendingAdapter[uint8(key)].validAt;
        return 0;
    }

    /// @notice Closes a debt-free lending position: withdraws all of the lending adapter `la`'s base
    ///         collateral to the vault (plan-format §3 kind 2 WITHDRAW of the maximum; no oracle is
    ///         read), so that collateral alone — a donated aToken included — never blocks the
    ///         adapter's removal (the in-kind exit withdraws each holder's share instead,
    ///         RebalanceLib). Reverts `LendingPositionOpen(collateral, debt)` while
    ///         a debt is open, and `LendingPositionOpen(left, 0)` if collateral is left afterwards.
    /// @return received The base the vault received.
    function closeCollateral(Layout storage s, address la, address base) internal returns (uint256 received) {
        uint256 coll = ILendingAdapter(la).collateralOf(base);
        uint256 debt = lendingDebtAmount(s);
        if (debt != 0) revert LendingPositionOpen(coll, debt);
        if (coll == 0) return 0;
        uint256 before = IERC20(base).balanceOf(address(this));
        IAdapter(la).execute(abi.encode(LENDING_WITHDRAW, base, type(uint256).max));
        received = IERC20(base).balanceOf(address(this)) - before;
        uint256 left = ILendingAdapter(la).collateralOf(base);
        if (left != 0) revert LendingPositionOpen(left, 0);
    }

    /// @dev Σ debt (token units) of the lending adapter over the registry.
    function lendingDebtAmount(Layout storage s) internal view returns (uint256 total) {
        address la = s.lendingAdapter;
        if (la == address(0)) return 0;
        uint256 n = s.assets.length;
        for (uint256 i; i < n; ++i) total += ILendingAdapter(la).debtOf(s.assets[i].token);
    }

    function _checkValidAt(uint64 validAt, uint8 what, uint256 key) private view {
        if (validAt == 0) revert NothingPending(what, key);
        if (block.timestamp < validAt) revert TimelockNotElapsed(validAt, block.timestamp);
    }

    /// @dev Reverts with InvalidConfig(field) on a malformed limits struct.
    function validateLimits(IBallastVault.Limits memory lim) internal pure {
        if (lim.maxSlippageBps > 10_000) revert InvalidConfig(1);
        if (lim.maxLossPerRebalanceBps > 10_000) revert InvalidConfig(2);
        if (lim.lossBudgetBps > 10_000) revert InvalidConfig(3);
        if (lim.lossWindow == 0) revert InvalidConfig(4);
        if (lim.minHealthFactor < 1e18) revert InvalidConfig(5);
        if (lim.circuitBreakerDropBps > 10_000) revert InvalidConfig(6);
        if (lim.circuitBreakerWindow == 0) revert InvalidConfig(7);
    }

    /// @dev Reverts with FeeAboveCap on a fee above its cap.
    function validateFees(IBallastVault.FeeConfig memory f) internal pure {
        if (f.entryFeeBps > MAX_ENTRY_EXIT_FEE_BPS) revert FeeAboveCap(f.entryFeeBps, MAX_ENTRY_EXIT_FEE_BPS);
        if (f.exitFeeBps > MAX_ENTRY_EXIT_FEE_BPS) revert FeeAboveCap(f.exitFeeBps, MAX_ENTRY_EXIT_FEE_BPS);
        if (f.managementFeeBps > MAX_MANAGEMENT_FEE_BPS) {
            revert FeeAboveCap(f.managementFeeBps, MAX_MANAGEMENT_FEE_BPS);
        }
        if (f.performanceFeeBps > MAX_PERFORMANCE_FEE_BPS) {
            revert FeeAboveCap(f.performanceFeeBps, MAX_PERFORMANCE_FEE_BPS);
        }
    }

    function _validateAsset(IBallastVault.AssetConfig memory a) private pure {
        if (a.token == address(0) || a.feed == address(0)) revert InvalidConfig(10);
        if (a.heartbeat == 0) revert InvalidConfig(11);
        if (a.maxWeightBps > 10_000) revert InvalidConfig(12);
        if (a.minNetDeltaBps > a.maxNetDeltaBps) revert InvalidConfig(13);
        if (a.maxPrice != 0 && a.minPrice > a.maxPrice) revert InvalidConfig(14);
    }
}
