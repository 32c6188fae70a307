// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {ErrorPathsFixture, ScriptedLendingAdapter} from "./ErrorPathsFixture.t.sol";
import {TestERC20} from "../../../contracts/mocks/TestERC20.sol";
import {BallastVault} from "../../../contracts/BallastVault.sol";
import {VaultCore} from "../../../contracts/VaultCore.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";
import {ConfigLib} from "../../../contracts/libraries/ConfigLib.sol";
import {OracleLib} from "../../../contracts/libraries/OracleLib.sol";

/// @notice Every custom error of the configuration (VaultConfig → ConfigLib, the constructor) and
///         of the role checks, asserted with its values, one test per place that raises it
///         (docs/error-paths.md).
contract ErrorPathsConfigTest is ErrorPathsFixture {
    function setUp() public {
        _deploy(_fees(0, 0), address(0));
    }

    function _newAsset(uint8 dec) internal returns (IBallastVault.AssetConfig memory) {
        TestERC20 t = new TestERC20("Token", "TKN", dec);
        MockV3Aggregator f = new MockV3Aggregator(8, 1e8);
        return _assetCfg(address(t), address(f), 1000);
    }

    function _curatorLimits(IBallastVault.Limits memory lim) internal {
        vm.prank(curator);
        vault.submitLimits(lim);
    }

    function _curatorAsset(uint256 index, IBallastVault.AssetConfig memory c) internal {
        vm.prank(curator);
        vault.submitAsset(index, c);
    }

    function _init(
        TestERC20 base,
        MockV3Aggregator feed,
        IBallastVault.Limits memory lim,
        IBallastVault.FeeConfig memory f
    ) internal view returns (BallastVault.Init memory) {
        return
            BallastVault.Init({
                base: base,
                name: "Ballast",
                symbol: "b",
                admin: address(this),
                curatorTimelock: TIMELOCK,
                limits: lim,
                fees: f,
                baseFeed: OracleLib.Feed(address(feed), 1 days, 0, 0),
                sequencer: OracleLib.Sequencer(address(0), 0)
            });
    }

    // ------------------------------------------------------------ constructor (ConfigLib.init)

    function test_constructor_invalidLimits() public {
        IBallastVault.Limits memory lim = _limits();
        lim.lossWindow = 0;
        BallastVault.Init memory p = _init(usdc, usdcFeed, lim, _fees(0, 0));
        address r = _rebalancer(usdc);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 4));
        new BallastVault(p, r);
    }

    function test_constructor_feeAboveCap() public {
        BallastVault.Init memory p = _init(usdc, usdcFeed, _limits(), _fees(0, 101));
        address r = _rebalancer(usdc);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.FeeAboveCap.selector, 101, 100));
        new BallastVault(p, r);
    }

    /// 10^(base decimals + base feed decimals) must fit the snapshot's EXP: 70 + 8 > 77.
    function test_constructor_baseDecimalsTooLarge() public {
        TestERC20 base = new TestERC20("Huge", "HUGE", 70);
        BallastVault.Init memory p = _init(base, usdcFeed, _limits(), _fees(0, 0));
        address r = _rebalancer(base);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 15));
        new BallastVault(p, r);
    }

    /// The rebalancer must be a contract over the vault's own base asset.
    function test_constructor_invalidRebalancer() public {
        BallastVault.Init memory p = _init(usdc, usdcFeed, _limits(), _fees(0, 0));
        address other = _rebalancer(weth);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.InvalidRebalancer.selector, other));
        new BallastVault(p, other);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.InvalidRebalancer.selector, alice));
        new BallastVault(p, alice);
    }

    // ------------------------------------------------------------ limits

    function test_invalidConfig_limitsFields() public {
        IBallastVault.Limits memory bad = _limits();
        bad.maxSlippageBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 1));
        _curatorLimits(bad);

        bad = _limits();
        bad.maxLossPerRebalanceBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 2));
        _curatorLimits(bad);

        bad = _limits();
        bad.lossBudgetBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 3));
        _curatorLimits(bad);

        bad = _limits();
        bad.lossWindow = 0;
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 4));
        _curatorLimits(bad);

        bad = _limits();
        bad.circuitBreakerDropBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 6));
        _curatorLimits(bad);

        assertEq(vault.pendingValidAt(1, 0), 0, "nothing queued");
    }

    // ------------------------------------------------------------ assets

    function test_notTightening_submitAsset() public {
        IBallastVault.AssetConfig memory c = _newAsset(18);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NotTightening.selector, stranger));
        vault.submitAsset(2, c);

        IBallastVault.AssetConfig memory looser = _assetAt(0);
        looser.maxWeightBps = 6000;
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NotTightening.selector, guardian));
        vault.submitAsset(0, looser);
    }

    function test_timelockNotElapsed_acceptAsset() public {
        _curatorAsset(2, _newAsset(18));
        vm.expectRevert(
            abi.encodeWithSelector(
                ConfigLib.TimelockNotElapsed.selector,
                block.timestamp + TIMELOCK,
                block.timestamp
            )
        );
        vault.acceptAsset(2);
    }

    function test_nothingPending_acceptAsset() public {
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 3, 5));
        vault.acceptAsset(5);
    }

    function test_assetIndexOutOfRange_submitAsset() public {
        IBallastVault.AssetConfig memory c = _newAsset(18);
        vm.prank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.AssetIndexOutOfRange.selector, 3, 2));
        vault.submitAsset(3, c);
    }

    function test_assetAlreadyRegistered_submitAsset() public {
        IBallastVault.AssetConfig memory c = _assetCfg(address(weth), address(wethFeed), 1000);
        vm.prank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.AssetAlreadyRegistered.selector, address(weth)));
        vault.submitAsset(2, c);
    }

    function test_tooManyAssets_submitAsset() public {
        vault.setCuratorTimelock(0); // the test contract is the admin
        for (uint256 i = 2; i < 16; ++i) {
            _curatorAsset(i, _newAsset(18));
            vault.acceptAsset(i);
        }
        assertEq(vault.assetConfigs().length, 16);
        IBallastVault.AssetConfig memory c = _newAsset(18);
        vm.prank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.TooManyAssets.selector, 16));
        vault.submitAsset(16, c);
    }

    function test_invalidConfig_assetFields() public {
        IBallastVault.AssetConfig memory ok = _newAsset(18);
        IBallastVault.AssetConfig memory c = ok;

        c = _newAsset(18);
        c.token = address(0);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 10));
        _curatorAsset(2, c);

        c = _newAsset(18);
        c.feed = address(0);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 10));
        _curatorAsset(2, c);

        c = _newAsset(18);
        c.heartbeat = 0;
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 11));
        _curatorAsset(2, c);

        c = _newAsset(18);
        c.maxWeightBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 12));
        _curatorAsset(2, c);

        c = _newAsset(18);
        (c.minNetDeltaBps, c.maxNetDeltaBps) = (100, 99);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 13));
        _curatorAsset(2, c);

        c = _newAsset(18);
        (c.minPrice, c.maxPrice) = (2e8, 1e8);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 14));
        _curatorAsset(2, c);

        assertEq(vault.pendingValidAt(3, 2), 0, "nothing queued");
        _curatorAsset(2, ok); // the same entry with valid fields is queued
        assertEq(vault.pendingValidAt(3, 2), block.timestamp + TIMELOCK);
    }

    /// An update may not swap the token of a registered index.
    function test_invalidConfig_changeToken() public {
        IBallastVault.AssetConfig memory c = _assetAt(0);
        c.token = address(new TestERC20("Other", "OTH", 18));
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 100));
        _curatorAsset(0, c);
    }

    /// 10^(token decimals + feed decimals) must fit the snapshot's EXP: 70 + 8 > 77, checked
    /// when the snapshot is rewritten on acceptance.
    function test_invalidConfig_assetDecimalsTooLarge() public {
        _curatorAsset(2, _newAsset(70));
        vm.warp(block.timestamp + TIMELOCK);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidConfig.selector, 15));
        vault.acceptAsset(2);
    }

    /// CREATE of the NAV snapshot fails when the call runs out of gas inside it; the 1/64 of the
    /// gas CREATE leaves behind pays for the named revert, which the module's DELEGATECALL and the
    /// vault's forwarder bubble up. Scans gas limits upward until the call either reports
    /// SnapshotFailed(words) — words = 6 + 3 × 3 assets (layout in ConfigLib.snapshot) — or succeeds.
    function test_snapshotFailed_outOfGasInCreate() public {
        _curatorAsset(2, _newAsset(18));
        vm.warp(block.timestamp + TIMELOCK);
        bytes memory want = abi.encodeWithSelector(ConfigLib.SnapshotFailed.selector, 6 + 3 * 3);
        bytes memory call = abi.encodeCall(vault.acceptAsset, (2));
        bool seen;
        for (uint256 g = 100_000; g < 2_000_000; g += 2_000) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = address(vault).call{gas: g}(call);
            if (ok) break;
            if (keccak256(ret) == keccak256(want)) {
                seen = true;
                break;
            }
        }
        assertTrue(seen, "SnapshotFailed(15) seen");
        assertEq(vault.assetConfigs().length, 2, "nothing accepted");
        assertEq(vault.pendingValidAt(3, 2), block.timestamp, "still queued");
    }

    // ------------------------------------------------------------ acceptAsset re-pricing

    /// @dev Vault with entry/exit fees `feeBps` each, 100,000 USDC deposited by alice and 10 WETH
    ///      held (3,000 USD): NAV 130,000 USDC. Queues WETH's switch to a new feed answering
    ///      `newAnswer` (8 decimals) and lets the timelock pass with every feed fresh.
    function _queueWethFeedSwitch(uint16 feeBps, int256 newAnswer) internal returns (MockV3Aggregator f) {
        _deploy(_fees(feeBps, feeBps), address(0));
        _deposit(alice, 100_000e6);
        weth.mint(address(vault), 10e18);
        assertEq(vault.totalAssets(), 130_000e6);
        f = new MockV3Aggregator(8, newAnswer);
        IBallastVault.AssetConfig memory c = _assetAt(0);
        c.feed = address(f);
        _curatorAsset(0, c);
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        f.updateAnswer(newAnswer);
    }

    /// A feed switch that re-prices a held asset by more than the round-trip fee is refused while
    /// deposits are open: with no fees, any move at all (3,000 → 3,000.01 USD on 10 WETH: +0.1 USDC).
    function test_assetChangeMovesNav_anyMoveWithoutFees() public {
        _queueWethFeedSwitch(0, 3000.01e8);
        vm.expectRevert(
            abi.encodeWithSelector(VaultCore.AssetChangeMovesNav.selector, 0, 130_000e6, 130_000.1e6, 0)
        );
        vault.acceptAsset(0);
        assertEq(vault.pendingValidAt(3, 0), block.timestamp, "still queued");
        assertEq(vault.totalAssets(), 130_000e6, "old feed still prices WETH");
    }

    /// With entry + exit = 20 bps, the NAV may move by 20 bps of 130,000 USDC = 260 USDC:
    /// 10 WETH at 3,026 (+260) is accepted, at 3,026.01 (+260.1) refused; the same bound downwards.
    function test_assetChangeMovesNav_boundIsTheRoundTripFee() public {
        _queueWethFeedSwitch(10, 3026.01e8);
        vm.expectRevert(
            abi.encodeWithSelector(VaultCore.AssetChangeMovesNav.selector, 0, 130_000e6, 130_260.1e6, 20)
        );
        vault.acceptAsset(0);

        _queueWethFeedSwitch(10, 2973.99e8);
        vm.expectRevert(
            abi.encodeWithSelector(VaultCore.AssetChangeMovesNav.selector, 0, 130_000e6, 129_739.9e6, 20)
        );
        vault.acceptAsset(0);

        MockV3Aggregator f = _queueWethFeedSwitch(10, 3026e8);
        vault.acceptAsset(0);
        assertEq(_assetAt(0).feed, address(f));
        assertEq(vault.totalAssets(), 130_260e6);
    }

    /// The attack the bound stops: deposit in front of a queued upward re-pricing, accept it and
    /// redeem in one transaction. Refused, the attacker's round trip only pays the fees.
    function test_acceptAsset_sandwichAroundFeedSwitchFails() public {
        _queueWethFeedSwitch(10, 3300e8); // +3,000 USDC, 2.3 % of the NAV
        uint256 shares = _deposit(bob, 100_000e6);
        vm.expectRevert(
            abi.encodeWithSelector(VaultCore.AssetChangeMovesNav.selector, 0, 230_000e6, 233_000e6, 20)
        );
        vault.acceptAsset(0);
        vm.prank(bob);
        uint256 out = vault.redeem(shares, bob, bob);
        assertLt(out, 100_000e6, "the round trip pays the fees");
    }

    /// Paused (or shut down, or defensive) nobody can deposit in front of the change, so any
    /// re-pricing is accepted; the GUARDIAN unpauses afterwards.
    function test_acceptAsset_largeRepricingWhilePaused() public {
        MockV3Aggregator f = _queueWethFeedSwitch(10, 3300e8);
        vm.prank(guardian);
        vault.pause();
        vault.acceptAsset(0);
        assertEq(_assetAt(0).feed, address(f));
        assertEq(vault.totalAssets(), 133_000e6);
        assertEq(vault.maxDeposit(bob), 0, "paused");
        vm.prank(guardian);
        vault.unpause();
        assertEq(vault.maxDeposit(bob), 1e30 - 133_000e6, "open again at the new NAV");
    }

    /// A failing feed before (the old feed stale: no deposit can precede the change) or after
    /// (the new feed stale: redemptions use the conservative basis) does not block the change.
    function test_acceptAsset_whenTheNavBeforeOrAfterFails() public {
        MockV3Aggregator f = _queueWethFeedSwitch(0, 3300e8);
        vm.warp(block.timestamp + HEARTBEAT + 1);
        usdcFeed.updateAnswer(1e8);
        wbtcFeed.updateAnswer(60_000e8);
        f.updateAnswer(3300e8); // only the old WETH feed is stale
        vault.acceptAsset(0);
        assertEq(vault.totalAssets(), 133_000e6);

        MockV3Aggregator g = _queueWethFeedSwitch(0, 3300e8);
        uint256 updatedAt = block.timestamp;
        vm.warp(block.timestamp + HEARTBEAT + 1);
        _refreshFeeds(); // the old feeds fresh, the new one stale
        vault.acceptAsset(0);
        assertEq(_assetAt(0).feed, address(g));
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OracleStale.selector,
                address(g),
                updatedAt,
                HEARTBEAT,
                block.timestamp
            )
        );
        vault.totalAssets();
    }

    /// Registering a token the vault already holds re-prices it from 0: refused while deposits
    /// are open, accepted while paused.
    function test_assetChangeMovesNav_newAssetAlreadyHeld() public {
        _deposit(alice, 100_000e6);
        IBallastVault.AssetConfig memory c = _newAsset(18);
        TestERC20(c.token).mint(address(vault), 1e18); // 1 USD at the new feed's 1e8
        _curatorAsset(2, c);
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        MockV3Aggregator(c.feed).updateAnswer(1e8);
        vm.expectRevert(
            abi.encodeWithSelector(VaultCore.AssetChangeMovesNav.selector, 2, 100_000e6, 100_001e6, 0)
        );
        vault.acceptAsset(2);
        vm.prank(guardian);
        vault.pause();
        vault.acceptAsset(2);
        assertEq(vault.totalAssets(), 100_001e6);
    }

    // ------------------------------------------------------------ adapters

    function test_invalidAdapter_secondLendingAdapter() public {
        _installLender();
        ScriptedLendingAdapter second = new ScriptedLendingAdapter();
        vm.prank(curator);
        vault.submitAdapter(3, address(second), 2);
        vm.warp(block.timestamp + TIMELOCK);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidAdapter.selector, 3, address(second), 2));
        vault.acceptAdapter(3);
        assertEq(vault.lendingAdapter(), address(lender));
    }

    /// One address, one id: the lending adapter cannot also be registered as a swap adapter (its
    /// removal under that id would have disconnected the Aave position from the NAV), neither at
    /// submission nor — when it was queued before the first registration — at acceptance.
    function test_invalidAdapter_addressAlreadyRegistered() public {
        _installLender();
        vm.prank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidAdapter.selector, 3, address(lender), 1));
        vault.submitAdapter(3, address(lender), 1);

        // queued twice before either is accepted: the second acceptance is refused
        ScriptedLendingAdapter twin = new ScriptedLendingAdapter();
        vm.startPrank(curator);
        vault.submitAdapter(4, address(twin), 1);
        vault.submitAdapter(5, address(twin), 1);
        vm.stopPrank();
        vm.warp(block.timestamp + TIMELOCK);
        vault.acceptAdapter(4);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.InvalidAdapter.selector, 5, address(twin), 1));
        vault.acceptAdapter(5);
        assertEq(vault.adapter(5).adapter, address(0));

        // removing a registration frees the address for another id
        vm.prank(guardian);
        vault.submitAdapter(4, address(0), 0);
        _installAdapter(6, address(twin), 1);
        assertEq(vault.adapter(6).adapter, address(twin));
        assertEq(vault.lendingAdapter(), address(lender), "lending adapter untouched");
    }

    /// Removing the lending adapter is instant, but not while it holds a position.
    function test_lendingPositionOpen_removeLendingAdapter() public {
        _installLender();
        lender.script(100e6, address(weth), 0.1e18, type(uint256).max);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.LendingPositionOpen.selector, 100e6, 0.1e18));
        vault.submitAdapter(LEND_ID, address(0), 0);
        assertEq(vault.lendingAdapter(), address(lender));
        // debt alone is enough to block it
        lender.script(0, address(weth), 1, type(uint256).max);
        vm.prank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.LendingPositionOpen.selector, 0, 1));
        vault.submitAdapter(LEND_ID, address(0), 0);
    }

    // ------------------------------------------------------------ roles (OpenZeppelin AccessControl)

    function _expectUnauthorized(address who, bytes32 role) internal {
        vm.prank(who);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, who, role)
        );
    }

    function test_unauthorized_pause() public {
        _expectUnauthorized(curator, vault.GUARDIAN_ROLE());
        vault.pause();
    }

    function test_unauthorized_unpause() public {
        vm.prank(guardian);
        vault.pause();
        _expectUnauthorized(stranger, vault.GUARDIAN_ROLE());
        vault.unpause();
        assertTrue(vault.paused());
    }

    function test_unauthorized_shutDown() public {
        _expectUnauthorized(curator, vault.GUARDIAN_ROLE());
        vault.shutDown();
        assertFalse(vault.shutdown());
    }

    function test_unauthorized_setCuratorTimelock() public {
        _expectUnauthorized(curator, vault.DEFAULT_ADMIN_ROLE());
        vault.setCuratorTimelock(0);
        assertEq(vault.curatorTimelock(), TIMELOCK);
    }

    function test_unauthorized_grantAndRevokeRole() public {
        bytes32 keeperRole = vault.KEEPER_SIGNER_ROLE();
        _expectUnauthorized(guardian, vault.DEFAULT_ADMIN_ROLE());
        vault.grantRole(keeperRole, guardian);
        _expectUnauthorized(guardian, vault.DEFAULT_ADMIN_ROLE());
        vault.revokeRole(keeperRole, keeper);
        assertTrue(vault.hasRole(keeperRole, keeper));
    }

    function test_badConfirmation_renounceRole() public {
        bytes32 role = vault.GUARDIAN_ROLE();
        vm.prank(stranger);
        vm.expectRevert(IAccessControl.AccessControlBadConfirmation.selector);
        vault.renounceRole(role, guardian);
        assertTrue(vault.hasRole(role, guardian));
    }
}
