// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings

import {VaultFixture} from "./VaultFixture.sol";
import {ConfigLib} from "../../../contracts/libraries/ConfigLib.sol";
import {RebalanceLib} from "../../../contracts/libraries/RebalanceLib.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";
import {BallastLens} from "../../../contracts/BallastLens.sol";

/// @notice Timelocked adapter whitelisting and limit loosening: queued by the CURATOR, executable
///         only after the delay, revocable by the GUARDIAN; tightening and removal are instant.
contract TimelockTest is VaultFixture {
    address internal swapAdapter = makeAddr("swapAdapter");
    address internal stranger = makeAddr("stranger");

    function setUp() public {
        _deploy(_fees(0, 0), address(0));
        _deposit(alice, 1_000e6);
    }

    function _swapPlan(uint8 id) internal view returns (IBallastVault.Plan memory p) {
        p = _emptyPlan();
        p.actions = new IBallastVault.Action[](1);
        bytes memory path = abi.encodePacked(address(usdc), uint24(500), address(weth));
        p.actions[0] = IBallastVault.Action(id, abi.encode(path, uint256(1e6), uint256(0)));
    }

    // ------------------------------------------------------------ what is queued (pendingChange, BallastLens)

    /// @dev Queues one change of each kind (limits, fees, asset 1, an asset being added at index 2,
    ///      adapter 9) and returns the values queued.
    function _queueOfEachKind()
        internal
        returns (
            IBallastVault.Limits memory loose,
            IBallastVault.FeeConfig memory f,
            IBallastVault.AssetConfig memory added
        )
    {
        loose = _limits();
        loose.maxSlippageBps = 200;
        f = _fees(5, 5);
        IBallastVault.AssetConfig memory a = vault.assetConfigs()[1];
        a.maxWeightBps = 6000;
        added = _assetCfg(makeAddr("token"), address(wethFeed), 1000);
        vm.startPrank(curator);
        vault.submitAdapter(9, swapAdapter, 1);
        vault.submitAsset(2, added);
        vault.submitAsset(1, a);
        vault.submitFees(f);
        vault.submitLimits(loose);
        vm.stopPrank();
    }

    /// Each kind of queued change reads back from the vault with its time and complete new value;
    /// nothing queued (or an adapter key above 255) reads (0, empty).
    function test_pendingChangeReadsBackEachKind() public {
        (uint256 t, bytes memory v) = vault.pendingChange(1, 0);
        assertEq(t, 0);
        assertEq(v.length, 0);
        (IBallastVault.Limits memory loose, , ) = _queueOfEachKind();
        (t, v) = vault.pendingChange(1, 0);
        assertEq(t, block.timestamp + TIMELOCK);
        assertEq(keccak256(v), keccak256(abi.encode(loose)), "limits");
        (t, v) = vault.pendingChange(3, 1);
        assertEq(abi.decode(v, (IBallastVault.AssetConfig)).maxWeightBps, 6000, "asset 1");
        (t, v) = vault.pendingChange(4, 9);
        IBallastVault.AdapterConfig memory ad = abi.decode(v, (IBallastVault.AdapterConfig));
        assertEq(ad.adapter, swapAdapter);
        assertEq(ad.kind, 1);
        (t, v) = vault.pendingChange(4, 256 + 9); // adapter keys above 255 name nothing
        assertEq(t, 0);
        assertEq(v.length, 0);
    }

    /// The lens lists the queue in order (limits, fees, assets by index, adapters by id); a
    /// revoked or accepted change leaves it.
    function test_lensListsTheQueue() public {
        BallastLens lens = new BallastLens();
        assertEq(lens.pendingChanges(address(vault)).length, 0, "nothing queued");
        uint256 validAt = block.timestamp + TIMELOCK;
        (, IBallastVault.FeeConfig memory f, IBallastVault.AssetConfig memory added) = _queueOfEachKind();
        BallastLens.PendingChange[] memory q = lens.pendingChanges(address(vault));
        assertEq(q.length, 5);
        uint8[5] memory whats = [1, 2, 3, 3, 4];
        uint256[5] memory keys = [uint256(0), 0, 1, 2, 9];
        for (uint256 i; i < 5; ++i) {
            assertEq(q[i].what, whats[i], "what");
            assertEq(q[i].key, keys[i], "key");
            assertEq(q[i].validAt, validAt, "validAt");
        }
        assertEq(keccak256(q[1].value), keccak256(abi.encode(f)), "fees");
        assertEq(keccak256(q[3].value), keccak256(abi.encode(added)), "asset being added");

        vm.prank(guardian);
        vault.revokePending(2, 0);
        vm.warp(validAt);
        vault.acceptLimits();
        q = lens.pendingChanges(address(vault));
        assertEq(q.length, 3, "fees revoked, limits accepted");
        assertEq(q[0].what, 3);
        (uint256 t, bytes memory v) = vault.pendingChange(1, 0);
        assertEq(t, 0);
        assertEq(v.length, 0);
    }

    // ------------------------------------------------------------ adapters

    function test_adapterQueuedThenAcceptedAfterDelay() public {
        uint256 validAt = block.timestamp + TIMELOCK;
        vm.expectEmit(address(vault));
        emit IBallastVault.AdapterSubmitted(1, swapAdapter, 1, validAt);
        vm.prank(curator);
        vault.submitAdapter(1, swapAdapter, 1);
        assertEq(vault.pendingValidAt(4, 1), validAt);
        assertEq(vault.adapter(1).adapter, address(0), "not whitelisted yet");

        // a plan cannot use a queued adapter
        IBallastVault.Plan memory p = _swapPlan(1);
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RebalanceLib.UnknownAdapter.selector, 1));
        vault.rebalance(p, sig);

        vm.warp(validAt - 1);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.TimelockNotElapsed.selector, validAt, validAt - 1));
        vault.acceptAdapter(1);

        vm.warp(validAt);
        vm.expectEmit(address(vault));
        emit IBallastVault.AdapterSet(1, swapAdapter, 1);
        vm.prank(stranger); // anyone may execute an elapsed change
        vault.acceptAdapter(1);
        assertEq(vault.adapter(1).adapter, swapAdapter);
        assertEq(vault.adapter(1).kind, 1);
        assertEq(vault.pendingValidAt(4, 1), 0);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 4, 1));
        vault.acceptAdapter(1);
    }

    function test_guardianRevokesQueuedAdapter() public {
        vm.prank(curator);
        vault.submitAdapter(7, swapAdapter, 1);
        vm.expectEmit(address(vault));
        emit IBallastVault.PendingRevoked(4, 7);
        vm.prank(guardian);
        vault.revokePending(4, 7);
        vm.warp(block.timestamp + TIMELOCK);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 4, 7));
        vault.acceptAdapter(7);
        assertEq(vault.adapter(7).adapter, address(0));
    }

    function test_revokePendingAdapterKeyAbove255NamesNothing() public {
        vm.prank(curator);
        vault.submitAdapter(1, swapAdapter, 1);
        uint256 validAt = vault.pendingValidAt(4, 1);
        assertGt(validAt, 0);
        assertEq(vault.pendingValidAt(4, 257), 0);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 4, 257));
        vm.prank(guardian);
        vault.revokePending(4, 257);
        assertEq(vault.pendingValidAt(4, 1), validAt); // id 1 is still queued
    }

    function test_onlyCuratorQueuesAdapters() public {
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NotTightening.selector, guardian));
        vault.submitAdapter(1, swapAdapter, 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NotTightening.selector, stranger));
        vault.submitAdapter(1, swapAdapter, 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NotTightening.selector, stranger));
        vault.revokePending(4, 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NotTightening.selector, stranger));
        vault.submitAdapter(1, address(0), 0);
    }

    function test_invalidAdapterArguments() public {
        vm.startPrank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidAdapter.selector, 0, swapAdapter, 1));
        vault.submitAdapter(0, swapAdapter, 1);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidAdapter.selector, 3, swapAdapter, 3));
        vault.submitAdapter(3, swapAdapter, 3);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidAdapter.selector, 3, swapAdapter, 0));
        vault.submitAdapter(3, swapAdapter, 0);
        vm.stopPrank();
    }

    function test_occupiedIdCannotBeReplacedWithoutRemoval() public {
        vm.prank(curator);
        vault.submitAdapter(1, swapAdapter, 1);
        vm.warp(block.timestamp + TIMELOCK);
        vault.acceptAdapter(1);
        address other = makeAddr("other");
        vm.prank(curator);
        vault.submitAdapter(1, other, 1);
        vm.warp(block.timestamp + TIMELOCK);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidAdapter.selector, 1, other, 1));
        vault.acceptAdapter(1);
        assertEq(vault.adapter(1).adapter, swapAdapter);
    }

    function test_removalIsInstant() public {
        vm.prank(curator);
        vault.submitAdapter(1, swapAdapter, 1);
        vm.warp(block.timestamp + TIMELOCK);
        vault.acceptAdapter(1);
        vm.expectEmit(address(vault));
        emit IBallastVault.AdapterSet(1, address(0), 0);
        vm.prank(guardian);
        vault.submitAdapter(1, address(0), 0);
        assertEq(vault.adapter(1).adapter, address(0));
        _refreshFeeds();
        IBallastVault.Plan memory p = _swapPlan(1);
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RebalanceLib.UnknownAdapter.selector, 1));
        vault.rebalance(p, sig);
    }

    // ------------------------------------------------------------ limits

    /// @dev Loosening any single field is queued; tightening it is instant.
    function testFuzz_eachLimitFieldLooseningIsQueued(uint8 field) public {
        field = uint8(bound(field, 0, 10));
        IBallastVault.Limits memory o = _limits();
        IBallastVault.Limits memory loose = _limits();
        IBallastVault.Limits memory tight = _limits();
        if (field == 0) (loose.depositCap, tight.depositCap) = (o.depositCap + 1, o.depositCap - 1);
        if (field == 1) (loose.maxSlippageBps, tight.maxSlippageBps) = (101, 99);
        if (field == 2) (loose.maxLossPerRebalanceBps, tight.maxLossPerRebalanceBps) = (101, 99);
        if (field == 3) (loose.lossBudgetBps, tight.lossBudgetBps) = (201, 199);
        if (field == 4) (loose.lossWindow, tight.lossWindow) = (1 days - 1, 1 days + 1);
        if (field == 5) (loose.maxTurnoverBps, tight.maxTurnoverBps) = (20_001, 19_999);
        if (field == 6) (loose.maxLeverageBps, tight.maxLeverageBps) = (20_001, 19_999);
        if (field == 7) (loose.minHealthFactor, tight.minHealthFactor) = (1.2e18 - 1, 1.2e18 + 1);
        if (field == 8) (loose.rebalanceCooldown, tight.rebalanceCooldown) = (0, 1);
        if (field == 9) (loose.circuitBreakerDropBps, tight.circuitBreakerDropBps) = (1001, 999);
        if (field == 10) (loose.circuitBreakerWindow, tight.circuitBreakerWindow) = (1 days - 1, 1 days + 1);

        if (field != 8) {
            // rebalanceCooldown is already 0: nothing looser exists
            vm.expectEmit(address(vault));
            emit IBallastVault.LimitsSubmitted(loose, block.timestamp + TIMELOCK);
            vm.prank(curator);
            vault.submitLimits(loose);
            assertEq(keccak256(abi.encode(vault.limits())), keccak256(abi.encode(o)), "queued");
            vm.prank(guardian);
            vm.expectRevert(abi.encodeWithSelector(ConfigLib.NotTightening.selector, guardian));
            vault.submitLimits(loose);
        }
        vm.expectEmit(address(vault));
        emit IBallastVault.LimitsSet(tight);
        vm.prank(guardian);
        vault.submitLimits(tight);
        assertEq(keccak256(abi.encode(vault.limits())), keccak256(abi.encode(tight)), "instant");
    }

    function test_limitsLooseningExecutableOnlyAfterDelayAndRevocable() public {
        IBallastVault.Limits memory loose = _limits();
        loose.depositCap = 2e30;
        vm.prank(curator);
        vault.submitLimits(loose);
        uint256 validAt = block.timestamp + TIMELOCK;
        assertEq(vault.pendingValidAt(1, 0), validAt);
        vm.warp(validAt - 1);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.TimelockNotElapsed.selector, validAt, validAt - 1));
        vault.acceptLimits();
        vm.warp(validAt);
        vault.acceptLimits();
        assertEq(vault.limits().depositCap, 2e30);

        loose.maxSlippageBps = 500;
        vm.prank(curator);
        vault.submitLimits(loose);
        vm.prank(guardian);
        vault.revokePending(1, 0);
        vm.warp(block.timestamp + TIMELOCK);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 1, 0));
        vault.acceptLimits();
        assertEq(vault.limits().maxSlippageBps, 100);
    }

    /// @dev A guardian's instant tightening cancels the curator's queued loosening, which was
    ///      computed against the old limits: once its delay passed, anyone could otherwise accept
    ///      it and silently undo the tightening.
    function test_tighteningLimitsCancelsQueuedLoosening() public {
        IBallastVault.Limits memory loose = _limits();
        loose.maxSlippageBps = 500;
        vm.prank(curator);
        vault.submitLimits(loose);
        IBallastVault.Limits memory tight = _limits();
        tight.depositCap = 1e27;
        vm.expectEmit(address(vault));
        emit IBallastVault.PendingRevoked(1, 0);
        vm.expectEmit(address(vault));
        emit IBallastVault.LimitsSet(tight);
        vm.prank(guardian);
        vault.submitLimits(tight);
        assertEq(vault.pendingValidAt(1, 0), 0, "queued loosening cancelled");
        vm.warp(block.timestamp + TIMELOCK);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 1, 0));
        vm.prank(stranger);
        vault.acceptLimits();
        assertEq(vault.limits().depositCap, 1e27, "tightening kept");
        assertEq(vault.limits().maxSlippageBps, 100, "loosening not applied");
    }

    /// @dev Without a queued change, an instant tightening emits no PendingRevoked.
    function test_tighteningWithNothingQueuedRevokesNothing() public {
        IBallastVault.Limits memory tight = _limits();
        tight.maxSlippageBps = 50;
        vm.recordLogs();
        vm.prank(guardian);
        vault.submitLimits(tight);
        assertEq(vm.getRecordedLogs().length, 1, "only LimitsSet");
        assertEq(vault.limits().maxSlippageBps, 50);
    }

    function test_tighteningAssetCancelsQueuedChangeOfThatAssetOnly() public {
        IBallastVault.AssetConfig memory looseWeth = _assetCfg(address(weth), address(wethFeed), 9000);
        IBallastVault.AssetConfig memory looseWbtc = _assetCfg(address(wbtc), address(wbtcFeed), 9000);
        vm.startPrank(curator);
        vault.submitAsset(0, looseWeth);
        vault.submitAsset(1, looseWbtc);
        vm.stopPrank();
        IBallastVault.AssetConfig memory tightWeth = _assetCfg(address(weth), address(wethFeed), 2000);
        vm.expectEmit(address(vault));
        emit IBallastVault.PendingRevoked(3, 0);
        vm.prank(guardian);
        vault.submitAsset(0, tightWeth);
        assertEq(vault.pendingValidAt(3, 0), 0, "weth change cancelled");
        assertEq(vault.pendingValidAt(3, 1), block.timestamp + TIMELOCK, "wbtc change still queued");
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 3, 0));
        vault.acceptAsset(0);
        vault.acceptAsset(1);
        assertEq(vault.assetConfigs()[0].maxWeightBps, 2000, "tightening kept");
        assertEq(vault.assetConfigs()[1].maxWeightBps, 9000, "other asset accepted");
    }

    function test_removingAdapterCancelsAdapterQueuedForThatId() public {
        vm.prank(curator);
        vault.submitAdapter(1, swapAdapter, 1);
        vm.warp(block.timestamp + TIMELOCK);
        vault.acceptAdapter(1);
        address replacement = makeAddr("replacement");
        vm.prank(curator);
        vault.submitAdapter(1, replacement, 1);
        vm.expectEmit(address(vault));
        emit IBallastVault.PendingRevoked(4, 1);
        vm.prank(guardian);
        vault.submitAdapter(1, address(0), 0);
        vm.warp(block.timestamp + TIMELOCK);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 4, 1));
        vault.acceptAdapter(1);
        assertEq(vault.adapter(1).adapter, address(0), "the freed id stays empty");
    }

    function test_revokeWithNothingQueuedReverts() public {
        vm.recordLogs();
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 4, 9));
        vault.revokePending(4, 9);
        vm.prank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 2, 0));
        vault.revokePending(2, 0);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 3, 5));
        vault.revokePending(3, 5);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 0, 0));
        vault.revokePending(0, 0);
        assertEq(vm.getRecordedLogs().length, 0, "no PendingRevoked without a queued change");
    }

    function test_revokeUnknownKindReverts() public {
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 5, 0));
        vault.revokePending(5, 0);
    }

    function test_invalidLimitsRejected() public {
        IBallastVault.Limits memory bad = _limits();
        bad.circuitBreakerWindow = 0;
        vm.prank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 7));
        vault.submitLimits(bad);
        bad = _limits();
        bad.minHealthFactor = 1e18 - 1;
        vm.prank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 5));
        vault.submitLimits(bad);
    }
}
