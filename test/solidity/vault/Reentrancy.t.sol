// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {HostileToken} from "../../../contracts/mocks/HostileToken.sol";
import {BallastVault} from "../../../contracts/BallastVault.sol";

/// @notice A registered token with a transfer hook cannot re-enter the vault.
contract ReentrancyTest is VaultFixture {
    HostileToken internal host;
    MockV3Aggregator internal hostFeed;

    function setUp() public {
        _deploy(_fees(0, 0), address(0));
        host = new HostileToken();
        hostFeed = new MockV3Aggregator(8, 1e8);
        _addAsset(address(host), address(hostFeed), 5000);
        hostFeed.updateAnswer(1e8);
        _deposit(alice, 1_000e6);
        _deposit(bob, 1_000e6);
        host.mint(address(vault), 100e18);
        vm.prank(guardian);
        vault.shutDown();
    }

    function _expectGuardBlocked(bytes memory payload) internal {
        host.arm(address(vault), payload);
        uint256 aliceShares = vault.balanceOf(alice);
        vm.prank(alice);
        vault.exitInKind(aliceShares / 2, alice, alice);
        assertTrue(host.attempted(), "hook ran");
        assertFalse(host.reentered(), "re-entry succeeded");
        assertEq(
            bytes4(host.reentryError()),
            ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector,
            "blocked by the guard"
        );
    }

    function test_reenterRedeemDuringInKindExitBlocked() public {
        _expectGuardBlocked(abi.encodeCall(BallastVault.redeem, (1, address(this), address(this))));
    }

    function test_reenterExitDuringInKindExitBlocked() public {
        _expectGuardBlocked(abi.encodeCall(BallastVault.exitInKind, (1, address(this), address(this))));
    }

    function test_readOnlyReentrancyOnTotalAssetsBlocked() public {
        _expectGuardBlocked(abi.encodeCall(BallastVault.totalAssets, ()));
    }

    /// Every view that prices shares refuses to answer mid-call (read-only re-entrancy).
    function test_readOnlyReentrancyOnMaxAndPreviewBlocked() public {
        bytes[11] memory views = [
            abi.encodeCall(BallastVault.convertToShares, (1e6)),
            abi.encodeCall(BallastVault.convertToAssets, (1e6)),
            abi.encodeCall(BallastVault.checkUpkeep, ("")),
            abi.encodeCall(BallastVault.maxDeposit, (address(this))),
            abi.encodeCall(BallastVault.maxMint, (address(this))),
            abi.encodeCall(BallastVault.maxWithdraw, (alice)),
            abi.encodeCall(BallastVault.maxRedeem, (alice)),
            abi.encodeCall(BallastVault.previewDeposit, (1e6)),
            abi.encodeCall(BallastVault.previewMint, (1e6)),
            abi.encodeCall(BallastVault.previewWithdraw, (1e6)),
            abi.encodeCall(BallastVault.previewRedeem, (1e6))
        ];
        for (uint256 i; i < views.length; ++i) _expectGuardBlocked(views[i]);
    }

    /// No configuration change can happen inside a vault call (anyone may call the accept
    /// functions, e.g. from a token hook during a rebalance).
    function test_configChangeDuringVaultCallBlocked() public {
        _expectGuardBlocked(abi.encodeCall(BallastVault.acceptLimits, ()));
        _expectGuardBlocked(abi.encodeCall(BallastVault.acceptFees, ()));
        _expectGuardBlocked(abi.encodeCall(BallastVault.acceptAsset, (0)));
        _expectGuardBlocked(abi.encodeCall(BallastVault.acceptAdapter, (1)));
    }

    function test_inKindExitIsProRata() public {
        uint256 supply = vault.totalSupply();
        uint256 shares = vault.balanceOf(alice);
        uint256 hostBal = host.balanceOf(address(vault));
        uint256 usdcBal = usdc.balanceOf(address(vault));
        // works while every feed is down
        wethFeed.updateAnswer(0);
        hostFeed.updateAnswer(-5);
        vm.prank(alice);
        vault.exitInKind(shares, alice, alice);
        assertEq(host.balanceOf(alice), (hostBal * shares) / supply);
        assertEq(usdc.balanceOf(alice), (usdcBal * shares) / supply);
    }

    function test_inKindExitOnlyAfterShutdown() public {
        _deploy(_fees(0, 0), address(0));
        _deposit(alice, 1e6);
        vm.prank(alice);
        vm.expectRevert(BallastVault.NotShutDown.selector);
        vault.exitInKind(1, alice, alice);
    }
}
