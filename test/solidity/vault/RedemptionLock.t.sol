// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable func-name-mixedcase, gas-small-strings

import {ErrorPathsFixture} from "./ErrorPathsFixture.t.sol";
import {BallastVault} from "../../../contracts/BallastVault.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";

/// @notice The cancellation lock of a redemption epoch (docs/vault.md "Redemptions"): a fulfilment
///         attempt (`fulfilRedemptions()` or a rebalance) that finds the epoch larger than the idle
///         funds locks its pending requests against cancellation for `CANCEL_LOCK`, so that a
///         holder cannot push the epoch over the idle funds in front of a fulfilment and take its
///         request back for free afterwards (which left every other redeemer waiting, round after
///         round).
contract RedemptionLockTest is ErrorPathsFixture {
    uint256 internal constant LOCK = 3 days;

    function setUp() public {
        _deploy(_fees(0, 0), address(0));
        _installSwapper();
        _deposit(alice, 50_000e6);
        _deposit(bob, 50_000e6);
        // the keeper invests 45,000 USDC in WETH ($3,000): idle 55,000 of a 100,000 NAV
        swapper.script(address(usdc), address(weth), (45_000e6 * 1e12) / 3000, 0);
        _rebalance(_plan1(_swap(address(usdc), address(weth), 45_000e6)));
    }

    function _request(address who, uint256 shares) internal {
        vm.prank(who);
        vault.requestRedeem(shares, who, who);
    }

    /// @dev alice asks for 10,000 USDC (idle covers it); bob for all his 50,000 (it no longer does).
    function _overIdle() internal returns (uint256 aliceReq, uint256 bobReq) {
        aliceReq = vault.convertToShares(10_000e6);
        bobReq = vault.balanceOf(bob);
        _request(alice, aliceReq);
        _request(bob, bobReq);
    }

    function test_constantIsThreeDays() public view {
        assertEq(vault.CANCEL_LOCK(), LOCK);
        assertEq(vault.cancelLockedUntil(), 0, "nothing locked at the start");
    }

    function test_failedFulfilmentLocksTheEpoch() public {
        _overIdle();
        uint256 need = vault.previewRedeem(vault.pendingShares());
        uint256 idle = usdc.balanceOf(address(vault));
        assertGt(need, idle, "the epoch does not fit the idle funds");
        vm.expectEmit(address(vault));
        emit IBallastVault.RedemptionsLocked(0, need, idle, block.timestamp + LOCK);
        assertFalse(vault.fulfilRedemptions());
        assertEq(vault.cancelLockedUntil(), block.timestamp + LOCK);
        // neither the request that pushed the epoch over nor the one that fitted can be cancelled
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(BallastVault.RedeemRequestLocked.selector, bob, 0, block.timestamp + LOCK)
        );
        vault.cancelRedeemRequest(bob);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                BallastVault.RedeemRequestLocked.selector,
                alice,
                0,
                block.timestamp + LOCK
            )
        );
        vault.cancelRedeemRequest(alice);
    }

    function test_fittingEpochIsNotLocked() public {
        _request(alice, vault.convertToShares(10_000e6));
        assertTrue(vault.fulfilRedemptions());
        assertEq(vault.cancelLockedUntil(), 0);
    }

    function test_lockRunsFromTheFirstFailedAttempt() public {
        _overIdle();
        uint256 t0 = block.timestamp;
        assertFalse(vault.fulfilRedemptions());
        vm.warp(t0 + 1 hours);
        _refreshFeeds();
        vm.recordLogs();
        assertFalse(vault.fulfilRedemptions());
        assertEq(vm.getRecordedLogs().length, 0, "a second attempt neither emits nor extends");
        assertEq(vault.cancelLockedUntil(), t0 + LOCK);
    }

    function test_lockExpires() public {
        (, uint256 bobReq) = _overIdle();
        uint256 until = block.timestamp + LOCK;
        assertFalse(vault.fulfilRedemptions());
        vm.warp(until - 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.RedeemRequestLocked.selector, bob, 0, until));
        vault.cancelRedeemRequest(bob);
        vm.warp(until);
        vm.prank(bob);
        assertEq(vault.cancelRedeemRequest(bob), bobReq, "cancellable from the unlock time on");
        assertEq(vault.balanceOf(bob), bobReq);
        assertEq(vault.cancelLockedUntil(), until, "alice's request still keeps the (expired) lock");
    }

    function test_shutdownLiftsTheLock() public {
        (, uint256 bobReq) = _overIdle();
        assertFalse(vault.fulfilRedemptions());
        vm.prank(guardian);
        vault.shutDown();
        vm.prank(bob);
        assertEq(vault.cancelRedeemRequest(bob), bobReq, "the in-kind exit needs the shares back");
    }

    function test_requestJoiningALockedEpochIsLocked() public {
        _overIdle();
        assertFalse(vault.fulfilRedemptions());
        address carol = makeAddr("carol");
        uint256 c = _deposit(carol, 1_000e6);
        _request(carol, c);
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(
                BallastVault.RedeemRequestLocked.selector,
                carol,
                0,
                block.timestamp + LOCK
            )
        );
        vault.cancelRedeemRequest(carol);
    }

    function test_fulfilmentClearsTheLock() public {
        (uint256 aliceReq, uint256 bobReq) = _overIdle();
        assertFalse(vault.fulfilRedemptions());
        _deposit(makeAddr("carol"), 20_000e6); // fresh liquidity: 75,000 idle covers the 60,000 epoch
        assertTrue(vault.fulfilRedemptions());
        assertEq(vault.cancelLockedUntil(), 0, "the fulfilled epoch leaves no lock");
        assertEq(vault.claimableRedeemRequest(0, bob), bobReq);
        assertEq(vault.claimableRedeemRequest(0, alice), aliceReq);
        // a request in the next epoch is cancellable at once
        uint256 s = vault.balanceOf(alice) / 2;
        _request(alice, s);
        vm.prank(alice);
        assertEq(vault.cancelRedeemRequest(alice), s);
    }

    function test_emptiedEpochStartsAFreshLock() public {
        (uint256 aliceReq, ) = _overIdle();
        assertFalse(vault.fulfilRedemptions());
        vm.warp(block.timestamp + LOCK);
        _refreshFeeds();
        vm.prank(bob);
        vault.cancelRedeemRequest(bob);
        vm.prank(alice);
        vault.cancelRedeemRequest(alice);
        assertEq(vault.cancelLockedUntil(), 0, "no pending request, no lock");
        // the same epoch fills up again: a new failed attempt starts a new, full lock
        _request(alice, aliceReq);
        _request(bob, vault.balanceOf(bob));
        assertFalse(vault.fulfilRedemptions());
        assertEq(vault.cancelLockedUntil(), block.timestamp + LOCK);
    }

    function test_rebalanceThatCannotFulfilLocks() public {
        _overIdle();
        vm.warp(block.timestamp + 1 hours); // the cooldown
        _refreshFeeds();
        IBallastVault.Plan memory p = _emptyPlan();
        uint256 need = vault.previewRedeem(vault.pendingShares());
        vm.expectEmit(address(vault));
        emit IBallastVault.RedemptionsLocked(0, need, usdc.balanceOf(address(vault)), block.timestamp + LOCK);
        _rebalance(p);
        assertEq(vault.cancelLockedUntil(), block.timestamp + LOCK);
    }

    /// The griefing this lock stops (security review, PoC on the `audit` branch): bob front-runs
    /// the fulfilment of alice's covered request with a request of all his shares, which pushes
    /// the epoch over the idle funds. He can no longer take it back at once: the keeper's next
    /// round frees the liquidity and fulfils the whole epoch, bob's request included — his
    /// "griefing" is a real exit at the price of fulfilment.
    function test_frontRunRequestCannotBeTakenBack() public {
        uint256 aliceReq = vault.convertToShares(10_000e6);
        _request(alice, aliceReq);
        uint256 bobReq = vault.balanceOf(bob);
        _request(bob, bobReq); // bob's front-run
        assertFalse(vault.fulfilRedemptions(), "60,000 > 55,000 idle: nobody is fulfilled");
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(BallastVault.RedeemRequestLocked.selector, bob, 0, block.timestamp + LOCK)
        );
        vault.cancelRedeemRequest(bob); // the free back-run is gone
        // next round: the keeper sells WETH for the missing liquidity; the epoch is fulfilled whole
        vm.warp(block.timestamp + 1 hours);
        _refreshFeeds();
        // (25,500 USD, so that WETH stays under its 50 % max of the 40,000 left after the exits)
        swapper.script(address(weth), address(usdc), 25_500e6, 0);
        IBallastVault.Plan memory p = _plan1(_swap(address(weth), address(usdc), 8.5e18));
        _rebalance(p);
        assertGt(vault.claimableAssets(alice), 0, "alice fulfilled");
        assertEq(vault.claimableRedeemRequest(0, bob), bobReq, "bob fulfilled: a real exit");
        assertEq(vault.cancelLockedUntil(), 0);
    }
}
