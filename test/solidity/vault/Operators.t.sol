// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {BallastVault} from "../../../contracts/BallastVault.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";

/// @notice ERC-7540 operators: `setOperator`/`isOperator`/`OperatorSet`, requests without a share
///         allowance, claims through redeem/withdraw, revocation, and every error path with its
///         values. Also the request/claim bookkeeping that lets the synchronous path read one slot
///         (`Request.hasClaim`).
contract OperatorsTest is VaultFixture {
    address internal op = makeAddr("operator");
    uint256 internal aliceShares;

    function setUp() public {
        _deploy(_fees(0, 0), address(0));
        aliceShares = _deposit(alice, 1_000e6);
        _deposit(bob, 1_000e6);
    }

    function _approveOperator(address controller, address operator, bool approved) internal {
        vm.prank(controller);
        assertTrue(vault.setOperator(operator, approved), "setOperator returns true");
    }

    function test_setOperatorSetsStatusAndEmits() public {
        assertFalse(vault.isOperator(alice, op));
        vm.expectEmit(address(vault));
        emit IBallastVault.OperatorSet(alice, op, true);
        _approveOperator(alice, op, true);
        assertTrue(vault.isOperator(alice, op));
        assertFalse(vault.isOperator(op, alice), "not symmetric");
        assertFalse(vault.isOperator(bob, op), "per controller");

        vm.expectEmit(address(vault));
        emit IBallastVault.OperatorSet(alice, op, false);
        _approveOperator(alice, op, false);
        assertFalse(vault.isOperator(alice, op));
    }

    function test_selfOperatorReverts() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.InvalidOperator.selector, alice));
        vault.setOperator(alice, true);
    }

    function test_supportsErc7540OperatorInterface() public view {
        assertTrue(vault.supportsInterface(0xe3bc4e65), "ERC-7540 operator methods");
        assertEq(
            bytes4(0xe3bc4e65),
            IBallastVault.setOperator.selector ^ IBallastVault.isOperator.selector,
            "id = setOperator ^ isOperator"
        );
        assertTrue(vault.supportsInterface(type(IAccessControl).interfaceId), "AccessControl kept");
        assertTrue(vault.supportsInterface(0x01ffc9a7), "ERC-165");
        assertFalse(vault.supportsInterface(0xffffffff));
    }

    function test_operatorRequestsWithoutAllowance() public {
        uint256 n = aliceShares / 2;
        // without approval the operator needs a share allowance
        vm.prank(op);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, op, 0, n));
        vault.requestRedeem(n, alice, alice);

        _approveOperator(alice, op, true);
        vm.expectEmit(address(vault));
        emit IBallastVault.RedeemRequested(alice, alice, 0, op, n);
        vm.prank(op);
        vault.requestRedeem(n, alice, alice);
        assertEq(vault.allowance(alice, op), 0, "no allowance used or needed");
        assertEq(vault.pendingRedeemRequest(0, alice), n);
        assertEq(vault.balanceOf(alice), aliceShares - n);
    }

    function test_operatorClaimsThroughRedeemAndWithdraw() public {
        vm.prank(alice);
        vault.requestRedeem(aliceShares, alice, alice);
        vault.fulfilRedemptions();
        uint256 cs = vault.claimableRedeemRequest(0, alice);
        uint256 ca = vault.claimableAssets(alice);
        assertEq(cs, aliceShares);

        // not an operator yet: NotController with the values
        vm.prank(op);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NotController.selector, op, alice));
        vault.redeem(1, op, alice);
        vm.prank(op);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NotController.selector, op, alice));
        vault.withdraw(1, op, alice);

        _approveOperator(alice, op, true);
        // withdraw a third of the assets to the operator's chosen receiver, then redeem the rest
        uint256 part = ca / 3;
        vm.prank(op);
        uint256 burnt = vault.withdraw(part, bob, alice);
        assertEq(usdc.balanceOf(bob), part, "receiver paid");
        uint256 restShares = cs - burnt;
        assertEq(vault.claimableRedeemRequest(0, alice), restShares);
        vm.expectEmit(address(vault));
        emit IBallastVault.RedemptionClaimed(alice, op, ca - part, restShares);
        vm.prank(op);
        uint256 paid = vault.redeem(restShares, op, alice);
        assertEq(paid, ca - part, "the whole claim is paid, no more");
        assertEq(vault.claimableRedeemRequest(0, alice), 0);
        assertEq(vault.reservedAssets(), 0);
    }

    function test_revokedOperatorCannotClaim() public {
        _approveOperator(alice, op, true);
        vm.prank(op);
        vault.requestRedeem(aliceShares, alice, alice);
        vault.fulfilRedemptions();
        _approveOperator(alice, op, false);
        vm.prank(op);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NotController.selector, op, alice));
        vault.redeem(aliceShares, op, alice);
        // the controller itself still can
        vm.prank(alice);
        vault.redeem(aliceShares, alice, alice);
        assertEq(vault.claimableRedeemRequest(0, alice), 0);
    }

    function test_operatorOfAnotherControllerCannotClaim() public {
        _approveOperator(bob, op, true);
        vm.prank(alice);
        vault.requestRedeem(aliceShares, alice, alice);
        vault.fulfilRedemptions();
        vm.prank(op);
        vm.expectRevert(abi.encodeWithSelector(BallastVault.NotController.selector, op, alice));
        vault.redeem(1, op, alice);
    }

    function test_afterTheClaimIsPaidRedeemIsSynchronousAgain() public {
        uint256 half = aliceShares / 2;
        vm.prank(alice);
        vault.requestRedeem(half, alice, alice);
        vault.fulfilRedemptions();
        vm.prank(alice);
        vault.redeem(half, alice, alice); // pays the claim
        assertEq(vault.maxRedeem(alice), aliceShares - half, "max addresses the shares again");
        uint256 expected = vault.previewRedeem(10);
        vm.prank(alice);
        assertEq(vault.redeem(10, alice, alice), expected, "synchronous redeem");
        assertEq(vault.balanceOf(alice), aliceShares - half - 10);
    }

    function test_cancelKeepsAnOpenClaim() public {
        uint256 q = aliceShares / 4;
        vm.prank(alice);
        vault.requestRedeem(q, alice, alice);
        vault.fulfilRedemptions();
        vm.prank(alice);
        vault.requestRedeem(q, alice, alice); // epoch 1, pending; settles the epoch-0 claim
        vm.prank(alice);
        assertEq(vault.cancelRedeemRequest(alice), q);
        assertEq(vault.claimableRedeemRequest(0, alice), q, "the epoch-0 claim survives the cancel");
        // and is still claimed through redeem, not paid synchronously
        uint256 owed = vault.claimableAssets(alice);
        vm.prank(alice);
        assertEq(vault.redeem(q, alice, alice), owed);
        assertEq(vault.claimableRedeemRequest(0, alice), 0);
    }

    function test_anotherControllersOpenClaimIsStillAddressed() public {
        // both request, both fulfilled; alice claims everything, bob's claim stays claimable
        uint256 bobShares = vault.balanceOf(bob);
        vm.prank(alice);
        vault.requestRedeem(aliceShares, alice, alice);
        vm.prank(bob);
        vault.requestRedeem(bobShares, bob, bob);
        vault.fulfilRedemptions();
        vm.prank(alice);
        vault.redeem(aliceShares, alice, alice);
        assertEq(vault.maxRedeem(bob), bobShares, "bob's max addresses his claim");
        uint256 owed = vault.claimableAssets(bob);
        vm.prank(bob);
        assertEq(vault.redeem(bobShares, bob, bob), owed, "claim path, not the synchronous one");
        assertEq(vault.claimableRedeemRequest(0, bob), 0);
        // everything claimed: a new depositor redeems synchronously again
        uint256 s = _deposit(alice, 1_000e6);
        uint256 expected = vault.previewRedeem(s);
        vm.prank(alice);
        assertEq(vault.redeem(s, alice, alice), expected);
    }
}
