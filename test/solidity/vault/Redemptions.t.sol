// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings

import {Vm} from "forge-std/Vm.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {BallastVault} from "../../../contracts/BallastVault.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";

/// @notice ERC-7540-style asynchronous redemptions: request (escrow), fulfilment at the price of
///         fulfilment, claim through redeem/withdraw, cancel, and every error path
///         (docs/plan-format.md §7).
contract RedemptionsTest is VaultFixture {
    uint256 internal aliceShares;
    uint256 internal bobShares;
    address internal carol = makeAddr("carol");

    function setUp() public {
        _deploy(_fees(0, 0), address(0));
        aliceShares = _deposit(alice, 1_000e6);
        bobShares = _deposit(bob, 1_000e6);
    }

    function _request(address who, uint256 shares) internal returns (uint256 id) {
        vm.prank(who);
        id = vault.requestRedeem(shares, who, who);
    }

    /// @dev Sum of the vault's parts (docs/plan-format.md §5) with the feeds' current answers.
    function _navFromParts() internal view returns (uint256) {
        uint256 idle = usdc.balanceOf(address(vault)) - vault.reservedAssets();
        uint256 p = uint256(usdcFeed.latestAnswer());
        uint256 w = Math.mulDiv(
            weth.balanceOf(address(vault)),
            uint256(wethFeed.latestAnswer()) * 1e14,
            p * 1e26
        );
        uint256 b = Math.mulDiv(
            wbtc.balanceOf(address(vault)),
            uint256(wbtcFeed.latestAnswer()) * 1e14,
            p * 1e16
        );
        return idle + w + b;
    }

    // ------------------------------------------------------------ request

    function test_requestRedeemEscrowsShares() public {
        uint256 nav = vault.totalAssets();
        uint256 half = aliceShares / 2;
        vm.expectEmit(address(vault));
        emit IBallastVault.RedeemRequested(alice, alice, 0, alice, half);
        uint256 id = _request(alice, half);
        assertEq(id, 0, "request id = epoch");
        assertEq(vault.balanceOf(alice), aliceShares - half, "shares left the owner");
        assertEq(vault.balanceOf(address(vault)), half, "escrowed in the vault");
        assertEq(vault.pendingShares(), half);
        assertEq(vault.pendingRedeemRequest(0, alice), half);
        assertEq(vault.claimableRedeemRequest(0, alice), 0);
        assertEq(vault.totalAssets(), nav, "a request does not move the NAV");
        // a second request in the same epoch accumulates
        _request(alice, 1);
        assertEq(vault.pendingRedeemRequest(0, alice), half + 1);
        assertEq(vault.pendingShares(), half + 1);
    }

    function test_requestRedeemZeroSharesReverts() public {
        vm.prank(alice);
        vm.expectRevert(BallastVault.ZeroShares.selector);
        vault.requestRedeem(0, alice, alice);
    }

    function test_requestRedeemAboveBalanceReverts() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientBalance.selector,
                alice,
                aliceShares,
                aliceShares + 1
            )
        );
        vault.requestRedeem(aliceShares + 1, alice, alice);
    }

    function test_requestForOtherOwnerNeedsAllowance() public {
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 0, 100)
        );
        vault.requestRedeem(100, bob, alice);

        vm.prank(alice);
        vault.approve(bob, 150);
        vm.expectEmit(address(vault));
        emit IBallastVault.RedeemRequested(bob, alice, 0, bob, 100);
        vm.prank(bob);
        vault.requestRedeem(100, bob, alice);
        assertEq(vault.allowance(alice, bob), 50, "allowance spent");
        assertEq(vault.pendingRedeemRequest(0, bob), 100, "bob controls the request");
        assertEq(vault.pendingRedeemRequest(0, alice), 0);
        assertEq(vault.balanceOf(alice), aliceShares - 100);
    }

    // ------------------------------------------------------------ fulfilment

    function test_fulfilBurnsAtPriceOfFulfilment() public {
        _request(alice, aliceShares);
        // the NAV rises after the request: the request is priced at fulfilment
        weth.mint(address(vault), 1e17); // +300 USDC
        uint256 expected = vault.previewRedeem(aliceShares);
        assertGt(expected, 1_000e6, "alice shares in the gain");
        uint256 supply = vault.totalSupply();
        uint256 nav = vault.totalAssets();

        vm.expectEmit(address(vault));
        emit IBallastVault.RedemptionsFulfilled(0, aliceShares, expected);
        assertTrue(vault.fulfilRedemptions());

        assertEq(vault.reservedAssets(), expected);
        assertEq(vault.totalSupply(), supply - aliceShares, "escrowed shares burnt");
        assertEq(vault.balanceOf(address(vault)), 0);
        assertEq(vault.pendingShares(), 0);
        assertEq(vault.currentEpoch(), 1);
        assertEq(vault.pendingRedeemRequest(0, alice), 0);
        assertEq(vault.claimableRedeemRequest(0, alice), aliceShares);
        assertEq(vault.claimableAssets(alice), expected);
        assertEq(vault.maxRedeem(alice), aliceShares);
        assertEq(vault.maxWithdraw(alice), expected);
        // reserved assets are excluded from the NAV
        assertEq(vault.totalAssets(), nav - expected);
        assertEq(vault.totalAssets(), _navFromParts());
        // later price moves do not change the claim
        wethFeed.updateAnswer(1000e8);
        assertEq(vault.claimableAssets(alice), expected);
    }

    function test_fulfilAppliesExitFee() public {
        _deploy(_fees(0, 50), address(0));
        aliceShares = _deposit(alice, 1_000e6);
        _request(alice, aliceShares);
        uint256 x = vault.convertToAssets(aliceShares);
        uint256 fee = Math.mulDiv(x, 50, 10_050, Math.Rounding.Ceil);
        vault.fulfilRedemptions();
        assertEq(vault.reservedAssets(), x - fee, "previewRedeem with the exit fee");
        assertEq(vault.totalAssets(), fee, "the fee stays with the remaining holders");
    }

    function test_notFulfilledWhenIdleShort() public {
        // most of the NAV is WETH: idle 2,000 USDC, alice's claim would be > 2,000
        weth.mint(address(vault), 2e18); // +6,000 USDC
        _request(alice, aliceShares);
        _request(bob, bobShares / 2);
        uint256 pending = vault.pendingShares();
        uint256 need = vault.previewRedeem(pending);
        assertGt(need, usdc.balanceOf(address(vault)), "idle does not cover");

        vm.recordLogs();
        assertFalse(vault.fulfilRedemptions(), "no partial fulfilment");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "only the lock is emitted (RedemptionLock.t.sol)");
        assertEq(logs[0].topics[0], IBallastVault.RedemptionsLocked.selector);
        assertEq(vault.pendingShares(), pending);
        assertEq(vault.reservedAssets(), 0);
        assertEq(vault.currentEpoch(), 0);
        assertEq(vault.pendingRedeemRequest(0, alice), aliceShares);
        assertEq(vault.claimableRedeemRequest(0, alice), 0);

        // fresh liquidity arrives: the whole epoch is fulfilled at once
        _deposit(makeAddr("carol"), 10_000e6);
        need = vault.previewRedeem(pending);
        assertTrue(vault.fulfilRedemptions());
        assertEq(vault.reservedAssets(), need);
        uint256 a = vault.claimableAssets(alice);
        uint256 b = vault.claimableAssets(bob);
        assertEq(a, Math.mulDiv(aliceShares, need, pending));
        assertEq(b, Math.mulDiv(bobShares / 2, need, pending));
        assertLe(a + b, need, "claims never exceed the reserve");
    }

    function test_fulfilWithNothingPending() public {
        vm.recordLogs();
        assertTrue(vault.fulfilRedemptions());
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(vault.currentEpoch(), 0);
    }

    function test_rebalanceFulfilsPendingRequests() public {
        _request(alice, aliceShares);
        uint256 expected = vault.previewRedeem(aliceShares);
        vm.expectEmit(address(vault));
        emit IBallastVault.RedemptionsFulfilled(0, aliceShares, expected);
        _rebalance(_emptyPlan());
        assertEq(vault.reservedAssets(), expected);
        assertEq(vault.claimableAssets(alice), expected);
    }

    // ------------------------------------------------------------ claim

    function test_claimThroughRedeem() public {
        _request(alice, aliceShares);
        vault.fulfilRedemptions();
        uint256 owed = vault.claimableAssets(alice);
        address receiver = makeAddr("receiver");

        vm.expectEmit(address(vault));
        emit IBallastVault.RedemptionClaimed(alice, receiver, owed, aliceShares);
        vm.prank(alice);
        assertEq(vault.redeem(aliceShares, receiver, alice), owed);
        assertEq(usdc.balanceOf(receiver), owed);
        assertEq(vault.reservedAssets(), 0);
        assertEq(vault.claimableRedeemRequest(0, alice), 0);
        assertEq(vault.maxRedeem(alice), 0, "nothing left: ordinary ERC-4626 path, no shares");
        assertEq(vault.totalAssets(), _navFromParts());
    }

    function test_claimThroughWithdrawInParts() public {
        weth.mint(address(vault), 1e15); // odd price per share
        _request(alice, aliceShares);
        vault.fulfilRedemptions();
        uint256 cs = vault.claimableRedeemRequest(0, alice);
        uint256 ca = vault.claimableAssets(alice);

        uint256 part = ca / 3;
        uint256 burnt = Math.mulDiv(part, cs, ca, Math.Rounding.Ceil);
        vm.expectEmit(address(vault));
        emit IBallastVault.RedemptionClaimed(alice, alice, part, burnt);
        vm.prank(alice);
        assertEq(vault.withdraw(part, alice, alice), burnt, "claim shares rounded up");
        assertEq(vault.claimableRedeemRequest(0, alice), cs - burnt);
        assertEq(vault.claimableAssets(alice), ca - part);

        // the rest through redeem pays exactly what is left
        vm.prank(alice);
        assertEq(vault.redeem(cs - burnt, alice, alice), ca - part);
        assertEq(usdc.balanceOf(alice), ca);
        assertEq(vault.reservedAssets(), 0);
    }

    function test_claimErrors() public {
        _request(alice, aliceShares);
        vault.fulfilRedemptions();
        uint256 cs = vault.claimableRedeemRequest(0, alice);
        uint256 ca = vault.claimableAssets(alice);

        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NotController.selector, bob, alice));
        vault.redeem(1, bob, alice);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NotController.selector, bob, alice));
        vault.withdraw(1, bob, alice);

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxRedeem.selector, alice, cs + 1, cs));
        vault.redeem(cs + 1, alice, alice);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxWithdraw.selector, alice, ca + 1, ca)
        );
        vault.withdraw(ca + 1, alice, alice);
    }

    function test_controllerOtherThanOwnerClaims() public {
        vm.prank(bob);
        vault.setOperator(alice, true); // bob consents to requests alice makes for him
        vm.prank(alice);
        vault.requestRedeem(aliceShares, bob, alice);
        vault.fulfilRedemptions();
        uint256 owed = vault.claimableAssets(bob);
        assertEq(vault.claimableAssets(alice), 0, "the owner has no claim");
        assertEq(vault.maxRedeem(bob), aliceShares, "bob's max addresses the claim");
        uint256 before = usdc.balanceOf(bob);
        vm.prank(bob);
        vault.redeem(aliceShares, bob, bob);
        assertEq(usdc.balanceOf(bob) - before, owed);
        assertEq(vault.balanceOf(bob), bobShares, "bob's own shares untouched");
    }

    /// An unsolicited request naming another controller would hand it a claim that its own
    /// withdraw/redeem address first (a dust claim would block its withdrawals from idle funds):
    /// the controller must be the owner, the caller, or have the caller as operator.
    function test_controllerMustConsent() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NotController.selector, alice, bob));
        vault.requestRedeem(1, bob, alice);
        // an operator of alice (the owner) is not thereby an operator of bob
        vm.prank(alice);
        vault.setOperator(carol, true);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NotController.selector, carol, bob));
        vault.requestRedeem(1, bob, alice);
        // the caller as controller (with the owner's allowance) and an operator of the controller pass
        vm.prank(carol);
        vault.requestRedeem(1, carol, alice);
        vm.prank(bob);
        vault.setOperator(carol, true);
        vm.prank(carol);
        vault.requestRedeem(1, bob, alice);
        assertEq(vault.pendingRedeemRequest(0, carol), 1);
        assertEq(vault.pendingRedeemRequest(0, bob), 1);
        // bob's withdrawals from idle funds are untouched by requests he did not make
        assertEq(vault.maxRedeem(bob), bobShares);
    }

    function test_requestsAcrossEpochs() public {
        _request(alice, aliceShares / 2);
        vault.fulfilRedemptions();
        uint256 owed0 = vault.claimableAssets(alice);
        uint256 id = _request(alice, aliceShares / 4);
        assertEq(id, 1);
        assertEq(vault.pendingRedeemRequest(1, alice), aliceShares / 4);
        assertEq(vault.claimableRedeemRequest(0, alice), aliceShares / 2, "epoch 0 claim kept");
        assertEq(vault.claimableAssets(alice), owed0);
        vault.fulfilRedemptions();
        assertEq(vault.claimableRedeemRequest(0, alice), aliceShares / 2 + aliceShares / 4);
        uint256 all = vault.claimableAssets(alice);
        assertEq(all, vault.reservedAssets());
        vm.prank(alice);
        assertEq(vault.redeem(aliceShares / 2 + aliceShares / 4, alice, alice), all);
    }

    function test_withdrawFromZeroAssetClaimPaysNothing() public {
        // 1 share unit is worth < 1 base unit: its fulfilled claim holds shares but 0 assets
        _request(alice, 1);
        vault.fulfilRedemptions();
        assertEq(vault.claimableRedeemRequest(0, alice), 1);
        assertEq(vault.claimableAssets(alice), 0);
        assertEq(vault.maxWithdraw(alice), 0);

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxWithdraw.selector, alice, 1, 0));
        vault.withdraw(1, alice, alice);

        // withdraw(0) pays 0 for 0 shares instead of dividing by zero
        uint256 before = usdc.balanceOf(alice);
        vm.prank(alice);
        assertEq(vault.withdraw(0, alice, alice), 0);
        assertEq(usdc.balanceOf(alice), before);
        assertEq(vault.claimableRedeemRequest(0, alice), 1, "the claim's shares are untouched");

        // redeem settles the shares for 0 assets
        vm.prank(alice);
        assertEq(vault.redeem(1, alice, alice), 0);
        assertEq(vault.claimableRedeemRequest(0, alice), 0);
    }

    /// @dev Two claimants at an odd price: their floors leave dust in the reserve until the last
    ///      claim, which releases it to the NAV.
    function test_lastClaimReleasesRoundingDust() public {
        weth.mint(address(vault), 1e15 + 7); // odd price per share
        _request(alice, aliceShares / 3);
        _request(bob, bobShares / 7);
        vault.fulfilRedemptions();
        uint256 ca = vault.claimableAssets(alice);
        uint256 cb = vault.claimableAssets(bob);
        uint256 dust = vault.reservedAssets() - ca - cb;
        assertGt(dust, 0, "the floors leave dust");
        vm.prank(alice);
        vault.redeem(aliceShares / 3, alice, alice);
        assertEq(vault.reservedAssets(), cb + dust, "dust stays while a claim is open");
        vm.prank(bob);
        vault.redeem(bobShares / 7, bob, bob);
        assertEq(vault.reservedAssets(), 0, "released by the last claim");
        assertEq(vault.totalAssets(), _navFromParts());
    }

    /// @dev When the price per share exceeds one base unit per share unit, a withdraw can burn the
    ///      last claim share (rounded up) for less than the claim's assets: the rest leaves the
    ///      reserve (back to the NAV) instead of staying reserved with no claim to pay it.
    function test_withdrawBurningTheLastClaimShareReleasesTheRest() public {
        weth.mint(address(vault), 7e24); // ~2.1e10 USD: ~10 base units per share unit
        _request(alice, 1);
        _request(bob, 1000);
        vault.fulfilRedemptions();
        uint256 ca = vault.claimableAssets(alice);
        assertGt(ca, 1, "one share unit is worth several base units");
        uint256 reserved = vault.reservedAssets();
        vm.prank(alice);
        assertEq(vault.withdraw(1, alice, alice), 1, "the last claim share, rounded up");
        assertEq(vault.claimableRedeemRequest(0, alice), 0);
        assertEq(vault.claimableAssets(alice), 0, "no rest left without shares");
        assertEq(vault.reservedAssets(), reserved - ca, "the rest returns to the NAV");
        assertEq(vault.totalAssets(), _navFromParts());
        uint256 cb = vault.claimableAssets(bob);
        vm.prank(bob);
        assertEq(vault.redeem(1000, bob, bob), cb);
        assertEq(vault.reservedAssets(), 0);
    }

    // ------------------------------------------------------------ cancel

    function test_cancelBeforeFulfilmentReturnsShares() public {
        _request(alice, aliceShares);
        address receiver = makeAddr("receiver");
        vm.expectEmit(address(vault));
        emit IBallastVault.RedeemRequestCanceled(alice, receiver, 0, aliceShares);
        vm.prank(alice);
        assertEq(vault.cancelRedeemRequest(receiver), aliceShares);
        assertEq(vault.balanceOf(receiver), aliceShares);
        assertEq(vault.balanceOf(address(vault)), 0);
        assertEq(vault.pendingShares(), 0);
        assertEq(vault.pendingRedeemRequest(0, alice), 0);
        // nothing left to fulfil
        vault.fulfilRedemptions();
        assertEq(vault.currentEpoch(), 0);
    }

    function test_cancelKeepsOthersRequests() public {
        _request(alice, aliceShares);
        _request(bob, bobShares);
        vm.prank(alice);
        vault.cancelRedeemRequest(alice);
        assertEq(vault.pendingShares(), bobShares);
        assertEq(vault.pendingRedeemRequest(0, bob), bobShares);
    }

    function test_cancelWithoutRequestReverts() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NoPendingRequest.selector, alice));
        vault.cancelRedeemRequest(alice);
    }

    function test_cancelAfterFulfilmentReverts() public {
        _request(alice, aliceShares);
        vault.fulfilRedemptions();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NoPendingRequest.selector, alice));
        vault.cancelRedeemRequest(alice);
        assertEq(vault.claimableRedeemRequest(0, alice), aliceShares, "the claim is intact");
    }

    function test_onlyTheControllerCancels() public {
        vm.prank(bob);
        vault.setOperator(alice, true);
        vm.prank(alice);
        vault.requestRedeem(aliceShares, bob, alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NoPendingRequest.selector, alice));
        vault.cancelRedeemRequest(alice);
        vm.prank(bob);
        assertEq(vault.cancelRedeemRequest(bob), aliceShares, "the controller gets the shares");
    }

    // ------------------------------------------------------------ fuzz

    /// @dev Claims never exceed the pro-rata value at fulfilment and the reserve always covers them.
    function testFuzz_requestFulfilClaim(uint256 a, uint256 b, uint256 donation, uint256 price) public {
        a = bound(a, 1, aliceShares);
        b = bound(b, 1, bobShares);
        donation = bound(donation, 0, 1e18);
        price = bound(price, 1000e8, 9000e8);
        _request(alice, a);
        _request(bob, b);
        weth.mint(address(vault), donation);
        wethFeed.updateAnswer(int256(price));
        uint256 nav = vault.totalAssets();
        uint256 supply = vault.totalSupply();
        bool done = vault.fulfilRedemptions();
        if (!done) {
            assertEq(vault.reservedAssets(), 0);
            return;
        }
        uint256 ca = vault.claimableAssets(alice);
        uint256 cb = vault.claimableAssets(bob);
        assertLe(ca, Math.mulDiv(a, nav + 1, supply + 1e6), "alice above pro-rata");
        assertLe(cb, Math.mulDiv(b, nav + 1, supply + 1e6), "bob above pro-rata");
        assertLe(ca + cb, vault.reservedAssets());
        assertLe(vault.reservedAssets(), usdc.balanceOf(address(vault)));
        vm.prank(alice);
        assertEq(vault.redeem(a, alice, alice), ca);
        vm.prank(bob);
        assertEq(vault.redeem(b, bob, bob), cb);
        assertEq(vault.reservedAssets(), 0, "the last claim releases the rounding dust");
        assertEq(vault.totalAssets(), _navFromParts(), "dust back in the NAV");
    }
}
