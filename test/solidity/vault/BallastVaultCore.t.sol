// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {OracleLib} from "../../../contracts/libraries/OracleLib.sol";
import {ConfigLib} from "../../../contracts/libraries/ConfigLib.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";

/// @notice Unit and fuzz tests of the vault core: NAV, ERC-4626 rounding, fees, oracle failures.
contract BallastVaultCoreTest is VaultFixture {
    function setUp() public {
        _deploy(_fees(0, 0), address(0));
    }

    // ------------------------------------------------------------ NAV

    function test_navCountsRiskAssetsAtOraclePrice() public {
        _deposit(alice, 1_000e6);
        weth.mint(address(vault), 1e18); // 3000 USDC
        wbtc.mint(address(vault), 1e6); // 0.01 BTC = 600 USDC
        assertEq(vault.totalAssets(), 1_000e6 + 3_000e6 + 600e6);
        // base/USD at 0.99: risk assets are worth more base units; idle base stays 1:1
        usdcFeed.updateAnswer(0.99e8);
        // 3000/0.99 = 3030.303030 (floor), 600/0.99 = 606.060606 (floor)
        assertEq(vault.totalAssets(), 1_000e6 + 3_030_303_030 + 606_060_606);
    }

    function test_navRoundsHoldingsDown() public {
        // value (USDC units) = wei * 3000e8 * 1e14 / (1e8 * 1e26) = wei * 3e-9
        weth.mint(address(vault), 1);
        assertEq(vault.totalAssets(), 0);
        weth.mint(address(vault), 333_333_333 - 1); // 0.999999999 -> 0
        assertEq(vault.totalAssets(), 0);
        weth.mint(address(vault), 1); // 333_333_334 wei -> 1.000000002 -> 1
        assertEq(vault.totalAssets(), 1);
    }

    // ------------------------------------------------------------ oracle failures

    function test_staleFeedRevertsNamingTheFeed() public {
        _deposit(alice, 1_000e6);
        uint256 updatedAt = block.timestamp;
        vm.warp(block.timestamp + HEARTBEAT + 1);
        usdcFeed.updateAnswer(1e8);
        wbtcFeed.updateAnswer(60000e8);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OracleStale.selector,
                address(wethFeed),
                updatedAt,
                uint256(HEARTBEAT),
                block.timestamp
            )
        );
        vault.totalAssets();
        assertEq(vault.maxDeposit(alice), 0, "deposits closed while a feed is stale");
    }

    /// @dev The oracle-outage fallback values the vault at min(idle, last good price per share ×
    ///      supply): while risk assets are held, that is the idle balance, below the true NAV. So a
    ///      feed that goes stale right after a crash, before any deposit, withdrawal or fulfilment
    ///      refreshed the last good price, still lets nobody out above the crashed price: holders
    ///      leaving during the outage get their share of the idle funds only.
    function test_outageFallbackNeverPaysAboveTheCrashedPrice() public {
        _deposit(alice, 1_000_000e6);
        weth.mint(address(vault), 100e18); // 300,000 USD of WETH
        _deposit(bob, 100_000e6); // the last good price is set at NAV 1.4M
        wethFeed.updateAnswer(1500e8); // crash: NAV 1.25M; no flow since, the last good price is stale
        uint256 fair = vault.convertToAssets(vault.balanceOf(bob));
        assertApproxEqRel(fair, (uint256(100_000e6) * 125) / 140, 1e12, "bob's share at the crashed price");

        vm.warp(block.timestamp + HEARTBEAT + 1); // the WETH feed goes stale
        usdcFeed.updateAnswer(1e8);
        wbtcFeed.updateAnswer(60000e8);
        vm.expectRevert();
        vault.totalAssets();
        uint256 maxW = vault.maxWithdraw(bob);
        assertLe(maxW, fair, "no exit above the crashed price");
        // bob's pro-rata share of the idle 1,100,000 USDC
        uint256 idleShare = (vault.balanceOf(bob) * (1_100_000e6 + 1)) / (vault.totalSupply() + 1e6);
        assertEq(maxW, idleShare);
        vm.prank(bob);
        assertEq(vault.withdraw(maxW, bob, bob) > 0, true, "and withdrawing it works during the outage");
    }

    function test_zeroAndNegativeAnswersRevert() public {
        wethFeed.updateAnswer(0);
        vm.expectRevert(
            abi.encodeWithSelector(OracleLib.OracleAnswerNotPositive.selector, address(wethFeed), 0)
        );
        vault.totalAssets();
        wethFeed.updateAnswer(-1);
        vm.expectRevert(
            abi.encodeWithSelector(OracleLib.OracleAnswerNotPositive.selector, address(wethFeed), -1)
        );
        vault.totalAssets();
        usdc.mint(alice, 1e6);
        vm.startPrank(alice);
        usdc.approve(address(vault), 1e6);
        vm.expectRevert(
            abi.encodeWithSelector(OracleLib.OracleAnswerNotPositive.selector, address(wethFeed), -1)
        );
        vault.deposit(1e6, alice);
        vm.stopPrank();
    }

    function test_priceBandReverts() public {
        usdcFeed.updateAnswer(0.8e8);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OraclePriceOutOfBand.selector,
                address(usdcFeed),
                int256(0.8e8),
                uint256(0.9e8),
                uint256(1.1e8)
            )
        );
        vault.totalAssets();
    }

    function test_sequencerDownAndGracePeriod() public {
        MockV3Aggregator seq = new MockV3Aggregator(0, 0);
        _deploy(_fees(0, 0), address(seq));
        seq.updateAnswer(1);
        vm.expectRevert(abi.encodeWithSelector(OracleLib.SequencerDown.selector, address(seq), int256(1)));
        vault.totalAssets();
        seq.updateAnswer(0); // back up now: inside the 1 h grace period
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.SequencerGracePeriodNotOver.selector,
                address(seq),
                block.timestamp,
                uint256(1 hours)
            )
        );
        vault.totalAssets();
        vm.warp(block.timestamp + 1 hours + 1);
        _refreshFeeds();
        assertEq(vault.totalAssets(), 0);
    }

    /// A feed whose call reverts, or returns too little data, fails the check like a stale one:
    /// the strict NAV names it (OracleCallFailed), and withdrawals of idle funds keep working on
    /// the outage basis.
    function test_revertingOrShortFeedFailsTheCheckNamingIt() public {
        uint256 shares = _deposit(alice, 1_000e6);
        bytes[2] memory codes = [bytes(hex"60006000fd"), bytes(hex"60206000f3")]; // revert; return 32 bytes
        for (uint256 i; i < codes.length; ++i) {
            uint256 snap = vm.snapshotState();
            vm.etch(address(wethFeed), codes[i]);
            vm.expectRevert(abi.encodeWithSelector(OracleLib.OracleCallFailed.selector, address(wethFeed)));
            vault.totalAssets();
            assertEq(vault.maxDeposit(alice), 0, "deposits wait for the feed");
            uint256 maxA = vault.maxWithdraw(alice);
            assertApproxEqAbs(maxA, 1_000e6, 1, "all idle: the outage basis pays it");
            uint256 expected = vault.previewRedeem(shares / 10);
            assertApproxEqAbs(expected, maxA / 10, 1);
            vm.prank(alice);
            assertEq(vault.redeem(shares / 10, alice, alice), expected);
            vm.revertToState(snap);
        }
    }

    /// The same for an L2 sequencer uptime feed whose call reverts.
    function test_revertingSequencerFeedFailsTheCheckNamingIt() public {
        MockV3Aggregator seq = new MockV3Aggregator(0, 0);
        _deploy(_fees(0, 0), address(seq));
        vm.warp(block.timestamp + 1 hours + 1);
        _refreshFeeds();
        _deposit(alice, 1_000e6);
        vm.etch(address(seq), hex"60006000fd");
        vm.expectRevert(abi.encodeWithSelector(OracleLib.OracleCallFailed.selector, address(seq)));
        vault.totalAssets();
        assertApproxEqAbs(vault.maxWithdraw(alice), 1_000e6, 1);
    }

    /// While a feed is down, holders can still withdraw idle funds, but only at
    /// min(last good price per share, idle / supply): nobody extracts more than their share.
    function test_idleWithdrawalWorksWhileFeedDown() public {
        _deposit(alice, 1_000e6);
        _deposit(bob, 1_000e6);
        // Half of the vault is in WETH: move 1000 USDC out and 1/3 WETH in (a stand-in for a swap).
        vm.prank(address(vault));
        usdc.transfer(address(0xdead), 1_000e6);
        weth.mint(address(vault), uint256(1e18) / 3 + 1);
        assertApproxEqAbs(vault.totalAssets(), 2_000e6, 1);
        wethFeed.updateAnswer(0); // feed down
        uint256 maxA = vault.maxWithdraw(alice);
        // Fallback basis = min(idle = 1000, snapshot) over the whole supply: alice gets <= 500.
        assertLe(maxA, 500e6);
        assertApproxEqAbs(maxA, 500e6, 1);
        uint256 shares = vault.balanceOf(alice);
        assertEq(vault.previewRedeem(shares), maxA);
        vm.prank(alice);
        uint256 got = vault.redeem(shares, alice, alice);
        assertEq(got, maxA);
        // Bob keeps a claim on at least his share of everything left.
        wethFeed.updateAnswer(3000e8);
        assertGe(vault.previewRedeem(vault.balanceOf(bob)), 1_000e6 + 500e6 - 2);
    }

    // ------------------------------------------------------------ ERC-4626 rounding and limits

    function testFuzz_previewsMatchActions(uint256 a1, uint256 a2, uint256 donation) public {
        a1 = bound(a1, 1, 1e15);
        a2 = bound(a2, 1, 1e15);
        donation = bound(donation, 0, 1e15);
        _deposit(alice, a1);
        weth.mint(address(vault), donation * 1e9); // value drifts (1e9 wei WETH ~ 0.003 USDC)
        usdc.mint(bob, a2);
        vm.startPrank(bob);
        usdc.approve(address(vault), a2);
        uint256 pShares = vault.previewDeposit(a2);
        uint256 shares = vault.deposit(a2, bob);
        assertEq(shares, pShares, "deposit");
        uint256 maxR = vault.maxRedeem(bob);
        assertLe(maxR, shares);
        uint256 pAssets = vault.previewRedeem(maxR);
        uint256 got = vault.redeem(maxR, bob, bob);
        vm.stopPrank();
        assertEq(got, pAssets, "redeem");
        assertLe(got, a2, "round trip created value");
    }

    function testFuzz_mintWithdrawRoundUpForTheVault(uint256 shares, uint256 assets) public {
        _deposit(alice, 1_000_000e6);
        weth.mint(address(vault), 7e17);
        shares = bound(shares, 1, 1e24);
        uint256 cost = vault.previewMint(shares);
        usdc.mint(bob, cost);
        vm.startPrank(bob);
        usdc.approve(address(vault), cost);
        assertEq(vault.mint(shares, bob), cost, "mint");
        // what the minted shares redeem for never exceeds what they cost
        assertLe(vault.previewRedeem(shares), cost);
        uint256 maxW = vault.maxWithdraw(bob);
        assets = bound(assets, 0, maxW);
        uint256 burn = vault.previewWithdraw(assets);
        assertEq(vault.withdraw(assets, bob, bob), burn, "withdraw");
        vm.stopPrank();
    }

    function test_maxWithdrawLimitedByIdle() public {
        _deposit(alice, 1_000e6);
        vm.prank(address(vault));
        usdc.transfer(address(0xdead), 900e6);
        weth.mint(address(vault), 0.3e18); // 900 USDC of WETH
        assertEq(vault.maxWithdraw(alice), 100e6);
        uint256 maxR = vault.maxRedeem(alice);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxRedeem.selector, alice, maxR + 1, maxR)
        );
        vault.redeem(maxR + 1, alice, alice);
        vm.prank(alice);
        assertLe(vault.redeem(maxR, alice, alice), 100e6);
    }

    function test_depositCapAndPause() public {
        IBallastVault.Limits memory lim = _limits();
        lim.depositCap = 1_000e6;
        vm.prank(curator);
        vault.submitLimits(lim); // tightening: instant
        assertEq(vault.limits().depositCap, 1_000e6);
        _deposit(alice, 600e6);
        assertEq(vault.maxDeposit(bob), 400e6);
        usdc.mint(bob, 500e6);
        vm.startPrank(bob);
        usdc.approve(address(vault), 500e6);
        vm.expectRevert(
            abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxDeposit.selector, bob, 500e6, 400e6)
        );
        vault.deposit(500e6, bob);
        vm.stopPrank();
        vm.prank(guardian);
        vault.pause();
        assertEq(vault.maxDeposit(bob), 0);
        assertEq(vault.maxMint(bob), 0);
        // withdrawals stay open while paused
        uint256 aliceShares = vault.balanceOf(alice);
        vm.prank(alice);
        assertEq(vault.redeem(aliceShares, alice, alice), 600e6);
    }

    // ------------------------------------------------------------ donation / inflation attack

    function test_donationAttackOnEmptyVaultFails() public {
        address attacker = makeAddr("attacker");
        _deposit(attacker, 1);
        usdc.mint(attacker, 1_000_000e6);
        vm.prank(attacker);
        usdc.transfer(address(vault), 1_000_000e6); // donation
        uint256 victimShares = _deposit(alice, 1_000e6);
        assertGt(victimShares, 0, "victim got shares");
        vm.prank(alice);
        uint256 back = vault.redeem(victimShares, alice, alice);
        // With 10^6 virtual shares the victim's loss is a tiny fraction of the attacker's: the
        // donation is shared with the virtual shares, so the attack always loses money.
        uint256 victimLoss = 1_000e6 - back;
        assertLe(victimLoss, 1_000e6 / 1_000, "victim lost more than 0.1 %");
        uint256 atkShares = vault.balanceOf(attacker);
        vm.prank(attacker);
        uint256 atkBack = vault.redeem(atkShares, attacker, attacker);
        uint256 attackerLoss = 1_000_000e6 + 1 - atkBack;
        assertGt(attackerLoss, victimLoss * 1_000, "attack profitable");
    }

    // ------------------------------------------------------------ fees

    function test_entryAndExitFeesStayInVault() public {
        _deploy(_fees(50, 50), address(0));
        _deposit(bob, 10_000e6);
        uint256 shares = _deposit(alice, 10_050e6);
        // fee on total: ceil(10050e6 * 50 / 10050) = 50e6
        assertEq(vault.previewRedeem(shares) + 0, vault.previewRedeem(shares));
        assertEq(vault.totalAssets(), 20_050e6, "fee stays in the vault");
        vm.prank(alice);
        uint256 back = vault.redeem(shares, alice, alice);
        assertLt(back, 10_000e6, "exit fee charged");
        assertGt(vault.previewRedeem(vault.balanceOf(bob)), 10_000e6, "bob benefits");
        assertEq(usdc.balanceOf(feeRecipient), 0, "entry/exit fees never leave the vault");
    }

    function test_managementFeeMintsShares() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 200, 0), address(0));
        _deposit(alice, 1_000_000e6);
        uint256 supply = vault.totalSupply();
        vm.warp(block.timestamp + 365 days);
        _refreshFeeds();
        _deposit(bob, 1e6);
        // 2 % of the supply per year, rounded down
        assertEq(vault.balanceOf(feeRecipient), (supply * 200) / 10_000);
    }

    function test_feeAboveCapReverts() public {
        vm.prank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.FeeAboveCap.selector, 101, 100));
        vault.submitFees(IBallastVault.FeeConfig(feeRecipient, 101, 0, 0, 0));
    }

    // ------------------------------------------------------------ roles and timelocked loosening

    function test_looseningIsQueuedAndRevocable() public {
        IBallastVault.Limits memory lim = _limits();
        lim.maxSlippageBps = 500; // looser
        vm.prank(curator);
        vault.submitLimits(lim);
        assertEq(vault.limits().maxSlippageBps, 100, "not applied yet");
        vm.expectRevert(
            abi.encodeWithSelector(
                ConfigLib.TimelockNotElapsed.selector,
                block.timestamp + TIMELOCK,
                block.timestamp
            )
        );
        vault.acceptLimits();
        vm.prank(guardian);
        vault.revokePending(1, 0);
        vm.warp(block.timestamp + TIMELOCK);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 1, 0));
        vault.acceptLimits();
        vm.prank(curator);
        vault.submitLimits(lim);
        vm.warp(block.timestamp + TIMELOCK);
        vault.acceptLimits();
        assertEq(vault.limits().maxSlippageBps, 500);
    }

    function test_guardianMayOnlyTighten() public {
        IBallastVault.Limits memory lim = _limits();
        lim.maxLossPerRebalanceBps = 500;
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NotTightening.selector, guardian));
        vault.submitLimits(lim);
        lim.maxLossPerRebalanceBps = 10;
        vm.prank(guardian);
        vault.submitLimits(lim);
        assertEq(vault.limits().maxLossPerRebalanceBps, 10);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NotTightening.selector, alice));
        vault.submitLimits(lim);
    }

    function test_assetTighteningInstantLooseningQueued() public {
        IBallastVault.AssetConfig memory a = _assetCfg(address(weth), address(wethFeed), 3000);
        vm.prank(guardian);
        vault.submitAsset(0, a);
        assertEq(vault.assetConfigs()[0].maxWeightBps, 3000);
        a.maxWeightBps = 9000;
        vm.prank(curator);
        vault.submitAsset(0, a);
        assertEq(vault.assetConfigs()[0].maxWeightBps, 3000);
        assertEq(vault.pendingValidAt(3, 0), block.timestamp + TIMELOCK);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.AssetAlreadyRegistered.selector, address(usdc)));
        vm.prank(curator);
        vault.submitAsset(2, _assetCfg(address(usdc), address(usdcFeed), 1000));
    }

    function test_pauseOnlyGuardian() public {
        vm.expectRevert();
        vm.prank(alice);
        vault.pause();
        vm.prank(guardian);
        vault.pause();
        assertTrue(vault.paused());
        vm.prank(guardian);
        vault.unpause();
        assertFalse(vault.paused());
    }

    function test_pausedDepositReverts() public {
        vm.prank(guardian);
        vault.pause();
        usdc.mint(alice, 1e6);
        vm.startPrank(alice);
        usdc.approve(address(vault), 1e6);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxDeposit.selector, alice, 1e6, 0));
        vault.deposit(1e6, alice);
        vm.stopPrank();
        assertTrue(IERC4626(address(vault)).maxDeposit(alice) == 0);
        Pausable p = Pausable(address(vault));
        assertTrue(p.paused());
    }
}
