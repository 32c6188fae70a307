// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings, gas-strict-inequalities

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {ConfigLib} from "../../../contracts/libraries/ConfigLib.sol";
import {NavMath} from "../../../contracts/libraries/NavMath.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";

/// @notice Management fee and performance fee over the high-water mark: exact share amounts per
///         docs/plan-format.md §8, caps, timelock, no fee below the mark.
contract FeesTest is VaultFixture {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant V = 1e6; // 10 ** decimalsOffset

    struct Accrual {
        uint256 mgmt;
        uint256 perf;
        uint256 hwm;
    }

    /// @dev Reference implementation of the §8 accrual, written from the document.
    function _ref(
        uint256 nav,
        uint256 supply,
        uint256 mgmtBps,
        uint256 perfBps,
        uint256 dt,
        uint256 hwm
    ) internal pure returns (Accrual memory a) {
        // charged only once an hour has passed since the last charge, then for the whole dt
        if (dt >= 1 hours) a.mgmt = Math.mulDiv(supply, mgmtBps * dt, 10_000 * 365 days);
        uint256 s1 = supply + a.mgmt;
        uint256 pps = Math.mulDiv(nav + 1, WAD, s1 + V);
        bool perfOn = hwm != 0 && perfBps != 0;
        // charged only more than 1 bp above the mark; the mark stays below that step
        if (perfOn && pps > hwm + hwm / 10_000) {
            uint256 profit = Math.mulDiv(pps - hwm, s1 + V, WAD);
            uint256 feeAssets = (profit * perfBps) / 10_000;
            a.perf = Math.mulDiv(feeAssets, s1 + V, nav + 1 - feeAssets);
            pps = Math.mulDiv(nav + 1, WAD, s1 + a.perf + V);
        }
        a.hwm = hwm > pps || (perfOn && a.perf == 0) ? hwm : pps;
    }

    /// @dev {_ref} on the vault's current state, `dt` after the last charge, with the document's
    ///      fast path: at most 1 bp above the last good price per share ({lastGoodPpsWad}), with the
    ///      management fee not due, nothing is charged and the high-water mark stays.
    function _refNow(
        uint256 mgmtBps,
        uint256 perfBps,
        uint256 dt,
        uint256 hwm
    ) internal view returns (Accrual memory) {
        uint256 nav = vault.totalAssets();
        uint256 supply = vault.totalSupply();
        uint256 mark = vault.lastGoodPpsWad();
        uint256 pps = Math.mulDiv(nav + 1, WAD, supply + V);
        bool mgmtDue = mgmtBps != 0 && dt >= 1 hours;
        if (!mgmtDue && mark != 0 && pps <= mark + mark / 10_000) return Accrual(0, 0, hwm);
        return _ref(nav, supply, mgmtBps, perfBps, dt, hwm);
    }

    function _pps() internal view returns (uint256) {
        return Math.mulDiv(vault.totalAssets() + 1, WAD, vault.totalSupply() + V);
    }

    /// @dev Any state-changing call accrues; a 1-unit deposit by a fresh account.
    function _poke() internal {
        _deposit(makeAddr("poker"), 1);
    }

    /// @dev Funds `who` so that the next call can be `vm.prank(who); vault.deposit(...)`.
    function _fund(address who, uint256 assets) internal {
        usdc.mint(who, assets);
        vm.prank(who);
        usdc.approve(address(vault), assets);
    }

    /// @dev Expects FeesAccrued(m, p, hwm) from the next 1-unit deposit.
    function _pokeExpecting(uint256 m, uint256 p, uint256 hwm) internal {
        address poker = makeAddr("poker");
        _fund(poker, 1);
        vm.expectEmit(address(vault));
        emit IBallastVault.FeesAccrued(m, p, hwm);
        vm.prank(poker);
        vault.deposit(1, poker);
    }

    function test_managementFeeExact() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 200, 0), address(0));
        _deposit(alice, 1_000_000e6);
        uint256 dt = 100 days + 17;
        vm.warp(block.timestamp + dt);
        _refreshFeeds();
        uint256 supply = vault.totalSupply();
        Accrual memory e = _refNow(200, 0, dt, vault.highWaterMarkWad());
        assertEq(e.mgmt, Math.mulDiv(supply, 200 * dt, 10_000 * 365 days));
        // the views already count the pending fee shares: previews equal results
        uint256 preview = vault.previewDeposit(1_000e6);
        _fund(bob, 1_000e6);
        vm.expectEmit(address(vault));
        emit IBallastVault.FeesAccrued(e.mgmt, 0, e.hwm);
        vm.prank(bob);
        assertEq(vault.deposit(1_000e6, bob), preview);
        assertEq(vault.balanceOf(feeRecipient), e.mgmt);
        // accrual is idempotent within a block
        _poke();
        assertEq(vault.balanceOf(feeRecipient), e.mgmt);
    }

    function test_performanceFeeOverHighWaterMark() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 0, 2000), address(0));
        _deposit(alice, 1_000e6);
        uint256 hwm0 = vault.highWaterMarkWad();
        assertEq(hwm0, Math.mulDiv(1, WAD, V), "the first accrual (empty vault) sets the mark");
        _poke();
        hwm0 = vault.highWaterMarkWad();
        assertEq(hwm0, _pps(), "mark = pps after the first deposit");

        weth.mint(address(vault), 1e18); // +3,000 USDC of profit
        Accrual memory e = _refNow(0, 2000, 0, hwm0);
        assertGt(e.perf, 0);
        _pokeExpecting(0, e.perf, e.hwm);
        assertEq(vault.balanceOf(feeRecipient), e.perf, "exact performance shares");
        assertEq(vault.highWaterMarkWad(), e.hwm);
        // the recipient holds ~20 % of the 3,000 USDC profit
        uint256 feeValue = vault.convertToAssets(e.perf);
        assertApproxEqAbs(feeValue, 600e6, 1e6);
    }

    /// @dev Gains within 1 bp of the mark (an entry fee's hair, say) charge nothing and leave the
    ///      mark where it is; the first gain past the step is charged on everything over the mark.
    function test_performanceFeeWaitsForTheStepThenChargesTheWholeGain() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 0, 2000), address(0));
        _deposit(alice, 1_000_000e6);
        _poke();
        uint256 mark = vault.highWaterMarkWad();
        usdc.mint(address(vault), 50e6); // +0.5 bp
        _poke();
        assertEq(vault.balanceOf(feeRecipient), 0, "nothing charged within the step");
        assertEq(vault.highWaterMarkWad(), mark, "the mark stays");
        assertGt(_pps(), mark, "although the price per share rose");

        usdc.mint(address(vault), 60e6); // now +1.1 bp over the mark in all
        Accrual memory e = _refNow(0, 2000, 0, mark);
        assertGt(e.perf, 0);
        _pokeExpecting(0, e.perf, e.hwm);
        // ~20 % of the whole 110 USDC gain, not only of the last 60
        assertApproxEqAbs(vault.convertToAssets(e.perf), 22e6, 0.1e6);
    }

    /// @dev The storage slot holding `value` among the vault's first 64 (the high-water mark's,
    ///      found by value so that the test does not hard-code the layout).
    function _slotHolding(uint256 value) internal view returns (bytes32 slot) {
        for (uint256 i; i < 64; ++i) {
            if (uint256(vm.load(address(vault), bytes32(i))) == value) return bytes32(i);
        }
        revert("slot not found");
    }

    /// @dev Whether the last recorded calls read the vault's storage `slot`.
    function _read(bytes32 slot) internal returns (bool) {
        (bytes32[] memory reads, ) = vm.accesses(address(vault));
        for (uint256 i; i < reads.length; ++i) if (reads[i] == slot) return true;
        return false;
    }

    /// @dev Gas design (docs/vault.md "Fees"): while the price per share is at most 1 bp above
    ///      the last good price per share and the management fee is not due, a deposit or redeem
    ///      neither reads nor writes the high-water mark's slot (a loss only lowers the last good
    ///      price per share); past the band it does, and the performance fee is charged exactly as
    ///      the document says.
    function test_insideTheBandTheHighWaterMarkSlotIsNotTouched() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 0, 2000), address(0));
        _deposit(alice, 1_000_000e6);
        weth.mint(address(vault), 10e18); // some risk (30,000 USDC), charged once at the poke
        _poke();
        uint256 hwm = vault.highWaterMarkWad();
        uint256 charged = vault.balanceOf(feeRecipient);
        bytes32 slot = _slotHolding(hwm);
        assertEq(
            vault.lastGoodPpsWad(),
            NavMath.fromMark(NavMath.toMark(_pps())),
            "last good pps = pps, truncated"
        );
        assertLe(vault.lastGoodPpsWad(), hwm);

        usdc.mint(address(vault), 50e6); // +0.5 bp: inside the band
        vm.record();
        _poke();
        assertFalse(_read(slot), "inside the band: the high-water mark is not read");
        vm.record();
        uint256 s = vault.balanceOf(alice) / 100;
        vm.prank(alice);
        vault.redeem(s, alice, alice);
        assertFalse(_read(slot), "nor by a redeem");
        assertEq(vault.balanceOf(feeRecipient), charged, "nothing charged inside the band");
        assertEq(vault.highWaterMarkWad(), hwm);

        int256 p0 = wethFeed.latestAnswer();
        wethFeed.updateAnswer((p0 * 99) / 100); // a loss: below the mark, so below the high-water mark
        vm.record();
        _poke();
        assertFalse(_read(slot), "a loss does not read the high-water mark either");
        assertEq(
            vault.lastGoodPpsWad(),
            NavMath.fromMark(NavMath.toMark(_pps())),
            "the last good pps follows it down"
        );
        assertEq(vault.highWaterMarkWad(), hwm);
        wethFeed.updateAnswer(p0); // back up (> 1 bp): a full accrual, no fee below the high-water mark
        _poke();

        usdc.mint(address(vault), 60e6); // +1.1 bp over the mark in all: out of the band
        Accrual memory e = _refNow(0, 2000, 0, hwm);
        assertGt(e.perf, 0);
        vm.record();
        _pokeExpecting(0, e.perf, e.hwm);
        assertTrue(_read(slot), "out of the band the full accrual runs");
        assertEq(vault.highWaterMarkWad(), e.hwm);
        assertEq(vault.lastGoodPpsWad(), NavMath.fromMark(NavMath.toMark(e.hwm)), "the new mark");
    }

    /// @dev With fees off the high-water mark follows the price per share, lagging by less than
    ///      1 bp inside the band (the documented cost: a performance fee switched on later may
    ///      charge up to perfBps × 1 bp of gains made while fees were off); the last good price per
    ///      share is never above the price per share.
    function test_feesOffTheMarkLagsByLessThanOneBp() public {
        _deploy(IBallastVault.FeeConfig(address(0), 0, 0, 0, 0), address(0));
        _deposit(alice, 1_000_000e6);
        _poke();
        uint256 hwm = vault.highWaterMarkWad();
        usdc.mint(address(vault), 90e6); // +0.9 bp
        _poke();
        assertEq(vault.highWaterMarkWad(), hwm, "inside the band the mark stays");
        assertLt(vault.highWaterMarkWad(), _pps());
        assertLe(_pps() - vault.highWaterMarkWad(), vault.highWaterMarkWad() / 10_000, "lag < 1 bp");
        assertLe(vault.lastGoodPpsWad(), _pps());
        usdc.mint(address(vault), 20e6); // +1.1 bp in all
        _poke();
        uint256 pps = _pps();
        assertEq(vault.highWaterMarkWad(), pps, "past the band it catches up");
        assertLe(vault.lastGoodPpsWad(), pps);
        assertGe(vault.lastGoodPpsWad(), pps - pps / 2 ** 31 - 1);
    }

    /// @dev The mark's encoding rounds down by less than a relative 2^-31.
    function testFuzz_markRoundsDownWithinTwoToTheMinus31(uint256 x) public pure {
        x = bound(x, 0, type(uint128).max);
        uint256 y = NavMath.fromMark(NavMath.toMark(x));
        assertLe(y, x);
        assertLe(x - y, x >> 31);
        assertEq(NavMath.fromMark(NavMath.toMark(y)), y, "a mark's value encodes to itself");
    }

    function test_noPerformanceFeeBelowHighWaterMark() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 0, 3000), address(0));
        _deposit(alice, 1_000e6);
        weth.mint(address(vault), 1e18);
        _poke(); // fee on the gain, mark raised
        uint256 mark = vault.highWaterMarkWad();
        uint256 feeShares = vault.balanceOf(feeRecipient);

        wethFeed.updateAnswer(1500e8); // loss
        _poke();
        assertEq(vault.balanceOf(feeRecipient), feeShares, "no fee on a loss");
        assertEq(vault.highWaterMarkWad(), mark, "the mark never falls");

        wethFeed.updateAnswer(2900e8); // recovery, still below the mark
        assertLt(_pps(), mark);
        _poke();
        assertEq(vault.balanceOf(feeRecipient), feeShares, "no fee below the mark");
        assertEq(vault.highWaterMarkWad(), mark);

        wethFeed.updateAnswer(3500e8); // above the mark: fee only on the part above it
        Accrual memory e = _refNow(0, 3000, 0, mark);
        _poke();
        assertEq(vault.balanceOf(feeRecipient) - feeShares, e.perf);
        assertEq(vault.highWaterMarkWad(), e.hwm);
    }

    function test_managementAndPerformanceTogether() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 500, 3000), address(0));
        _deposit(alice, 5_000e6);
        _poke();
        uint256 mark = vault.highWaterMarkWad();
        weth.mint(address(vault), 1e18);
        uint256 dt = 30 days;
        vm.warp(block.timestamp + dt);
        _refreshFeeds();
        Accrual memory e = _refNow(500, 3000, dt, mark);
        assertGt(e.mgmt, 0);
        assertGt(e.perf, 0);
        _pokeExpecting(e.mgmt, e.perf, e.hwm);
        assertEq(vault.balanceOf(feeRecipient), e.mgmt + e.perf);
    }

    /// @dev fulfilRedemptions accrues; a rebalance accrues only when it fulfils a pending request
    ///      (before the fulfilment, so that the redeemers pay the fees up to now).
    function test_feesAccrueOnFulfilmentAndOnAFulfillingRebalance() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 100, 0), address(0));
        uint256 s = _deposit(alice, 1_000e6);
        vm.warp(block.timestamp + 10 days);
        _refreshFeeds();
        uint256 m1 = Math.mulDiv(vault.totalSupply(), 100 * 10 days, 10_000 * 365 days);
        vault.fulfilRedemptions();
        assertEq(vault.balanceOf(feeRecipient), m1, "fulfilRedemptions accrues");

        vm.warp(block.timestamp + 10 days);
        _refreshFeeds();
        _rebalance(_emptyPlan());
        assertEq(vault.balanceOf(feeRecipient), m1, "nothing to fulfil: the rebalance does not accrue");
        assertEq(vault.lastFeeAccrual(), block.timestamp - 10 days, "the clock keeps running");

        vm.prank(alice);
        vault.requestRedeem(s / 10, alice, alice);
        uint256 m2 = Math.mulDiv(vault.totalSupply(), 100 * 10 days, 10_000 * 365 days);
        _rebalance(_emptyPlan());
        assertEq(vault.balanceOf(feeRecipient), m1 + m2, "a fulfilling rebalance accrues first");
        assertEq(vault.claimableRedeemRequest(0, alice), s / 10, "and fulfils");
        assertEq(vault.lastFeeAccrual(), block.timestamp);
    }

    function test_noRecipientChargesNothingButTheMarkRises() public {
        _deploy(IBallastVault.FeeConfig(address(0), 0, 0, 500, 3000), address(0));
        _deposit(alice, 1_000e6);
        weth.mint(address(vault), 1e18);
        vm.warp(block.timestamp + 30 days);
        _refreshFeeds();
        _poke();
        assertEq(vault.totalSupply(), vault.balanceOf(alice) + vault.balanceOf(makeAddr("poker")));
        uint256 pps = _pps();
        assertEq(vault.highWaterMarkWad(), pps, "the mark tracks the pps with fees off");

        // turning the fees on later never charges the gains made while they were off
        vm.prank(curator);
        vault.submitFees(IBallastVault.FeeConfig(feeRecipient, 0, 0, 0, 3000));
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vault.acceptFees();
        _poke();
        assertEq(vault.balanceOf(feeRecipient), 0);
    }

    function test_feeChangeWaitsTimelockAndAccruesAtOldRate() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 100, 0), address(0));
        _deposit(alice, 1_000e6);
        IBallastVault.FeeConfig memory n = IBallastVault.FeeConfig(feeRecipient, 0, 0, 500, 0);
        vm.expectEmit(address(vault));
        emit IBallastVault.FeesSubmitted(n, block.timestamp + TIMELOCK);
        vm.prank(curator);
        vault.submitFees(n);
        assertEq(vault.pendingValidAt(2, 0), block.timestamp + TIMELOCK);
        vm.expectRevert(
            abi.encodeWithSelector(
                ConfigLib.TimelockNotElapsed.selector,
                block.timestamp + TIMELOCK,
                block.timestamp
            )
        );
        vault.acceptFees();

        uint256 supply = vault.totalSupply();
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vault.acceptFees();
        assertEq(
            vault.balanceOf(feeRecipient),
            Math.mulDiv(supply, 100 * TIMELOCK, 10_000 * 365 days),
            "the old rate up to the change"
        );
        assertEq(vault.fees().managementFeeBps, 500);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NothingPending.selector, 2, 0));
        vault.acceptFees();
    }

    /// @dev Deposits inside the hour after a charge mint no management fee and do not restart the
    ///      clock; the first call an hour after the last charge mints the fee for the whole time.
    function test_managementFeeChargedOncePerHour() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 500, 0), address(0));
        _deposit(alice, 1_000_000e6);
        uint256 t0 = vault.lastFeeAccrual();
        vm.warp(t0 + 1 hours - 1);
        _refreshFeeds();
        uint256 preview = vault.previewDeposit(1_000e6);
        assertEq(_deposit(bob, 1_000e6), preview, "previews follow the same rule");
        assertEq(vault.balanceOf(feeRecipient), 0, "nothing charged inside the hour");
        assertEq(vault.lastFeeAccrual(), t0, "the clock keeps running");

        vm.warp(t0 + 1 hours);
        uint256 supply = vault.totalSupply();
        uint256 due = Math.mulDiv(supply, 500 * 1 hours, 10_000 * 365 days);
        assertGt(due, 0);
        _pokeExpecting(due, 0, vault.highWaterMarkWad());
        assertEq(vault.balanceOf(feeRecipient), due, "the whole hour, on the supply now");
        assertEq(vault.lastFeeAccrual(), t0 + 1 hours, "clock restarted");
    }

    /// @dev A fee change charges the old rate for any time since the last charge, even under an hour.
    function test_feeChangeChargesInsideTheHour() public {
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, 500, 0), address(0));
        vault.setCuratorTimelock(0);
        _deposit(alice, 1_000_000e6);
        vm.warp(block.timestamp + 30 minutes);
        _refreshFeeds();
        uint256 supply = vault.totalSupply();
        vm.prank(curator);
        vault.submitFees(IBallastVault.FeeConfig(feeRecipient, 0, 0, 100, 0));
        vault.acceptFees();
        assertEq(vault.balanceOf(feeRecipient), Math.mulDiv(supply, 500 * 30 minutes, 10_000 * 365 days));
        assertEq(vault.lastFeeAccrual(), block.timestamp);
    }

    function test_feeCapsAndRoles() public {
        _deploy(_fees(0, 0), address(0));
        vm.startPrank(curator);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.FeeAboveCap.selector, 101, 100));
        vault.submitFees(IBallastVault.FeeConfig(feeRecipient, 0, 101, 0, 0));
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.FeeAboveCap.selector, 501, 500));
        vault.submitFees(IBallastVault.FeeConfig(feeRecipient, 0, 0, 501, 0));
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.FeeAboveCap.selector, 3001, 3000));
        vault.submitFees(IBallastVault.FeeConfig(feeRecipient, 0, 0, 0, 3001));
        vault.submitFees(IBallastVault.FeeConfig(feeRecipient, 100, 100, 500, 3000)); // at the caps
        vm.stopPrank();
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.NotTightening.selector, guardian));
        vault.submitFees(IBallastVault.FeeConfig(feeRecipient, 0, 0, 0, 0));
    }

    /// @dev The vault mints exactly what the §8 formulas give, for any profit, rate and time.
    function testFuzz_accrualMatchesDocument(
        uint256 profit,
        uint256 dt,
        uint16 mgmtBps,
        uint16 perfBps,
        uint256 deposit
    ) public {
        mgmtBps = uint16(bound(mgmtBps, 0, 500));
        perfBps = uint16(bound(perfBps, 0, 3000));
        dt = bound(dt, 0, 3 * 365 days);
        deposit = bound(deposit, 1e6, 1e13);
        profit = bound(profit, 0, 1e21); // up to 1,000 WETH
        _deploy(IBallastVault.FeeConfig(feeRecipient, 0, 0, mgmtBps, perfBps), address(0));
        _deposit(alice, deposit);
        uint256 mark = vault.highWaterMarkWad();
        weth.mint(address(vault), profit);
        vm.warp(block.timestamp + dt);
        _refreshFeeds();
        Accrual memory e = _refNow(mgmtBps, perfBps, dt, mark);
        uint256 preview = vault.previewDeposit(1e6);
        uint256 minted = _deposit(bob, 1e6);
        assertEq(minted, preview, "previews count the pending fee shares");
        assertEq(vault.balanceOf(feeRecipient), e.mgmt + e.perf);
        assertEq(vault.highWaterMarkWad(), e.hwm);
        // the performance fee never takes more than its share of the profit over the mark
        uint256 feeAssets = Math.mulDiv(e.perf, vault.totalAssets() + 1, vault.totalSupply() + V);
        uint256 gain = Math.mulDiv(profit, 3000, 1e12) + 1; // USDC units, WETH at 3,000
        assertLe(feeAssets, Math.mulDiv(gain, perfBps, 10_000) + 1);
    }
}
