// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {OracleLib} from "../../../contracts/libraries/OracleLib.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";

/// @notice Circuit breaker (docs/plan-format.md §9): Chainlink Automation checkUpkeep /
///         performUpkeep, defensive mode, admin-only exit, de-risking plans in defensive mode.
contract CircuitBreakerTest is VaultFixture {
    uint256 internal constant WAD = 1e18;
    address internal stranger = makeAddr("stranger");

    function setUp() public {
        _deploy(_fees(0, 0), address(0));
        _deposit(alice, 5_000e6);
        weth.mint(address(vault), 1e18); // NAV 8,000 USDC, WETH 37.5 %
    }

    function _pps() internal view returns (uint256) {
        return Math.mulDiv(vault.totalAssets() + 1, WAD, vault.totalSupply() + 1e6);
    }

    function _upkeepNeeded() internal view returns (bool needed) {
        bytes memory data;
        (needed, data) = vault.checkUpkeep("");
        assertEq(data.length, 0, "performData is empty");
    }

    /// @dev Sets the reference through an observation by anyone.
    function _observe() internal {
        vm.prank(stranger);
        vault.performUpkeep("");
    }

    function test_firstObservationSetsTheReference() public {
        assertFalse(_upkeepNeeded(), "no reference yet");
        uint256 pps = _pps();
        vm.expectEmit(address(vault));
        emit IBallastVault.ReferencePriceRolled(pps);
        _observe();
        assertFalse(vault.defensive());
        assertFalse(_upkeepNeeded());
    }

    function test_dropBeyondThresholdTripsThroughPerformUpkeep() public {
        _observe();
        uint256 ref = _pps();
        wethFeed.updateAnswer(2200e8); // NAV 7,200: exactly -10 %, not beyond
        assertFalse(_upkeepNeeded(), "a drop of exactly X % does not trip");
        wethFeed.updateAnswer(2199e8); // NAV 7,199
        assertTrue(_upkeepNeeded());
        uint256 pps = _pps();
        assertLt(pps * 10_000, ref * 9_000);

        vm.expectEmit(address(vault));
        emit IBallastVault.DefensiveModeEntered(pps, ref);
        _observe(); // anyone may trigger it
        assertTrue(vault.defensive());
        assertFalse(_upkeepNeeded(), "nothing to do once defensive");

        // deposits stop
        assertEq(vault.maxDeposit(bob), 0);
        assertEq(vault.maxMint(bob), 0);
        usdc.mint(bob, 10e6);
        vm.startPrank(bob);
        usdc.approve(address(vault), 10e6);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxDeposit.selector, bob, 10e6, 0));
        vault.deposit(10e6, bob);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxMint.selector, bob, 1, 0));
        vault.mint(1, bob);
        vm.stopPrank();

        // withdrawals and requests stay open
        uint256 s = vault.balanceOf(alice);
        vm.startPrank(alice);
        vault.redeem(s / 10, alice, alice);
        vault.requestRedeem(s / 10, alice, alice);
        vm.stopPrank();
        assertGt(usdc.balanceOf(alice), 0);
    }

    function test_referenceIsTheHighestWithinTheWindow() public {
        _observe();
        wethFeed.updateAnswer(4000e8); // NAV 9,000
        vm.warp(block.timestamp + 1 hours);
        _refreshFeeds();
        vm.recordLogs();
        _observe();
        assertEq(vm.getRecordedLogs().length, 0, "raised within the window, not rolled");
        // back to 3,000: -11 % from the window's high although equal to the first reference
        wethFeed.updateAnswer(3000e8);
        assertTrue(_upkeepNeeded());
        _observe();
        assertTrue(vault.defensive());
    }

    function test_referenceRollsAfterTheWindow() public {
        _observe();
        vm.warp(block.timestamp + 1 days);
        _refreshFeeds();
        wethFeed.updateAnswer(2500e8); // NAV 7,500: -6.25 %, no trip
        uint256 pps = _pps();
        vm.expectEmit(address(vault));
        emit IBallastVault.ReferencePriceRolled(pps);
        _observe();
        // 1,900: NAV 6,900 is -13.75 % from the first reference but -8 % from the rolled one
        wethFeed.updateAnswer(1900e8);
        assertFalse(_upkeepNeeded());
        _observe();
        assertFalse(vault.defensive());
    }

    function test_checkUpkeepFalseWhileAFeedFails() public {
        _observe();
        wethFeed.updateAnswer(1000e8);
        assertTrue(_upkeepNeeded());
        uint256 updatedAt = block.timestamp;
        vm.warp(block.timestamp + HEARTBEAT + 1);
        usdcFeed.updateAnswer(1e8);
        wbtcFeed.updateAnswer(60000e8);
        assertFalse(_upkeepNeeded(), "never true on an unpriceable NAV");
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OracleStale.selector,
                address(wethFeed),
                updatedAt,
                uint256(HEARTBEAT),
                block.timestamp
            )
        );
        vault.performUpkeep("");
    }

    function test_onlyTheAdminLiftsDefensiveMode() public {
        _observe();
        wethFeed.updateAnswer(1000e8);
        _observe();
        assertTrue(vault.defensive());
        bytes32 adminRole = vault.DEFAULT_ADMIN_ROLE();
        address[3] memory others = [guardian, curator, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.prank(others[i]);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector,
                    others[i],
                    adminRole
                )
            );
            vault.exitDefensiveMode();
        }
        uint256 pps = _pps();
        vm.expectEmit(address(vault));
        emit IBallastVault.DefensiveModeExited(pps);
        vault.exitDefensiveMode(); // this contract is the admin
        assertFalse(vault.defensive());
        assertGt(vault.maxDeposit(bob), 0, "deposits reopen");
        assertFalse(_upkeepNeeded(), "the reference was reset to the current pps");
        _deposit(bob, 1e6);
    }

    function test_rebalanceObservationTripsTheBreaker() public {
        _rebalance(_emptyPlan()); // first observation: reference
        assertFalse(vault.defensive());
        wethFeed.updateAnswer(1000e8);
        uint256 pps = _pps();
        vm.expectEmit(address(vault));
        emit IBallastVault.DefensiveModeEntered(
            pps,
            Math.mulDiv(8_000e6 + 1, WAD, vault.totalSupply() + 1e6)
        );
        _rebalance(_emptyPlan());
        assertTrue(vault.defensive(), "the plan went through, then the breaker tripped");
        assertEq(vault.nextNonce(), 2);
    }

    /// @dev Regression: leverage "after" used to be taken on the NAV after fulfilment, so that in
    ///      defensive mode any plan that fulfilled redemptions reverted ExposureNotReduced, i.e.
    ///      the keeper could not free liquidity for redeemers exactly when it was needed.
    function test_defensivePlanMayFulfilRedemptions() public {
        _deploy(_fees(0, 0), address(0));
        _deposit(alice, 1_000e6);
        _deposit(bob, 1_000e6);
        _deposit(makeAddr("carol"), 2_000e6);
        weth.mint(address(vault), 0.5e18); // NAV 5,500, WETH 27 %
        _observe();
        wethFeed.updateAnswer(1000e8); // NAV 4,500: -18 %
        _observe();
        assertTrue(vault.defensive());

        uint256 s = vault.balanceOf(alice);
        vm.prank(alice);
        vault.requestRedeem(s, alice, alice);
        uint256 owed = vault.previewRedeem(s);
        uint256 gross = 500e6;
        uint256 levBefore = Math.mulDiv(gross, 10_000, vault.totalAssets());
        uint256 levOnFinal = Math.mulDiv(gross, 10_000, vault.totalAssets() - owed);
        assertGt(levOnFinal, levBefore, "the old rule would have reverted");

        _rebalance(_emptyPlan());
        assertEq(vault.reservedAssets(), owed, "fulfilled within the defensive plan");
        assertTrue(vault.defensive());
    }

    function test_defensiveNoActionPlanAccepted() public {
        _observe();
        wethFeed.updateAnswer(1000e8);
        _observe();
        assertTrue(vault.defensive());
        IBallastVault.Plan memory p = _emptyPlan();
        _rebalance(p);
        assertEq(vault.nextNonce(), p.nonce + 1);
    }
}
