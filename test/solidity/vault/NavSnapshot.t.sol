// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";
import {OracleLib} from "../../../contracts/libraries/OracleLib.sol";
import {ConfigLib} from "../../../contracts/libraries/ConfigLib.sol";
import {NavMath} from "../../../contracts/libraries/NavMath.sol";

/// @notice The NAV snapshot (ConfigLib.snapshot, docs/vault.md "Gas") follows every configuration
///         change it mirrors, the lean feed path applies the same checks as the checked one, and
///         the fee clock is restarted by every fee change.
contract NavSnapshotTest is VaultFixture {
    function setUp() public {
        _deploy(IBallastVault.FeeConfig(address(0), 0, 0, 0, 0), address(0));
        _deposit(alice, 1_000e6);
        weth.mint(address(vault), 1e18);
        wbtc.mint(address(vault), 1e7);
    }

    function _navFromParts() internal view returns (uint256) {
        uint256 p = uint256(usdcFeed.latestAnswer());
        return
            usdc.balanceOf(address(vault)) -
            vault.reservedAssets() +
            Math.mulDiv(weth.balanceOf(address(vault)), uint256(wethFeed.latestAnswer()) * 1e14, p * 1e26) +
            Math.mulDiv(wbtc.balanceOf(address(vault)), uint256(wbtcFeed.latestAnswer()) * 1e14, p * 1e16);
    }

    /// @dev The vault's storage slot that pausing changes: the hot slot (found by behaviour, so
    ///      that the test does not assume the layout it checks).
    function _hotSlot() internal returns (bytes32 slot) {
        uint256[80] memory before;
        for (uint256 i; i < 80; ++i) before[i] = uint256(vm.load(address(vault), bytes32(i)));
        vm.prank(guardian);
        vault.pause();
        bool found;
        for (uint256 i; i < 80; ++i) {
            if (uint256(vm.load(address(vault), bytes32(i))) != before[i]) {
                assertFalse(found, "pausing changes one slot");
                (slot, found) = (bytes32(i), true);
            }
        }
        assertTrue(found, "pausing changes a slot");
        vm.prank(guardian);
        vault.unpause();
    }

    /// @dev The slot holding the share supply (low 216 bits) and the mark (top 40 bits), found by
    ///      value; exactly one low slot must match.
    function _supplySlot() internal view returns (bytes32 slot) {
        bool found;
        for (uint256 i; i < 80; ++i) {
            uint256 w = uint256(vm.load(address(vault), bytes32(i)));
            if (
                w != 0 &&
                uint216(w) == vault.totalSupply() &&
                NavMath.fromMark(w >> 216) == vault.lastGoodPpsWad()
            ) {
                assertFalse(found, "one slot holds supply and mark");
                (slot, found) = (bytes32(i), true);
            }
        }
        assertTrue(found, "the supply slot");
    }

    /// @dev A share transfer (the vault overrides ERC20's _update) moves balances exactly as
    ///      OpenZeppelin's would and leaves the supply word (supply and mark) untouched; above the
    ///      balance it reverts ERC20InsufficientBalance with the values.
    function testFuzz_transferKeepsTheSupplyWord(uint256 amount, bool self) public {
        _deposit(bob, 1e6);
        bytes32 slot = _supplySlot();
        uint256 word = uint256(vm.load(address(vault), slot));
        uint256 bal = vault.balanceOf(alice);
        address to = self ? alice : bob;
        uint256 toBefore = vault.balanceOf(to);
        if (amount > bal) {
            vm.prank(alice);
            vm.expectRevert(
                abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, bal, amount)
            );
            vault.transfer(to, amount);
            return;
        }
        vm.expectEmit(address(vault));
        emit IERC20.Transfer(alice, to, amount);
        vm.prank(alice);
        assertTrue(vault.transfer(to, amount));
        assertEq(uint256(vm.load(address(vault), slot)), word, "supply word unchanged");
        if (self) assertEq(vault.balanceOf(alice), bal, "a self-transfer changes nothing");
        else {
            assertEq(vault.balanceOf(alice), bal - amount, "sender");
            assertEq(vault.balanceOf(bob), toBefore + amount, "receiver");
        }
    }

    /// @dev A redemption burns from the supply bits only: with feeds unchanged the mark bits stay
    ///      as they were, and the supply falls by exactly the shares burned.
    function testFuzz_redeemBurnsOnlySupplyBits(uint256 shares) public {
        _deposit(bob, 1e6);
        bytes32 slot = _supplySlot();
        uint256 word = uint256(vm.load(address(vault), slot));
        shares = bound(shares, 1, vault.maxRedeem(alice));
        vm.prank(alice);
        vault.redeem(shares, alice, alice);
        uint256 w1 = uint256(vm.load(address(vault), slot));
        assertEq(w1 >> 216, word >> 216, "mark bits");
        assertEq(uint216(w1), uint216(word) - shares, "supply bits");
        assertEq(vault.totalSupply(), uint216(word) - shares);
    }

    /// @dev The share supply and the mark (the last good price per share) share one slot
    ///      (VaultCore._supplyWord): a deposit after a feed fall lowers the mark and mints in that
    ///      one slot, and no other slot but the depositor's balance changes in the vault.
    function test_supplyAndMarkShareOneSlot() public {
        _deposit(bob, 1e6); // accrues: the mark rises to the price per share of setUp's basket
        bytes32 slot = _supplySlot();
        uint256 mark0 = vault.lastGoodPpsWad();
        assertGt(mark0, 0);

        wethFeed.updateAnswer((wethFeed.latestAnswer() * 90) / 100); // the price per share falls
        uint256[80] memory before;
        for (uint256 i; i < 80; ++i) before[i] = uint256(vm.load(address(vault), bytes32(i)));
        uint256 bobBefore = vault.balanceOf(bob);
        uint256 shares = _deposit(bob, 100e6);
        uint256 w1 = uint256(vm.load(address(vault), slot));
        assertEq(uint216(w1), vault.totalSupply(), "supply after the deposit");
        assertEq(NavMath.fromMark(w1 >> 216), vault.lastGoodPpsWad(), "mark after the deposit");
        assertLt(vault.lastGoodPpsWad(), mark0, "the mark fell with the price per share");
        assertEq(vault.balanceOf(bob), bobBefore + shares, "the depositor's balance");
        for (uint256 i; i < 80; ++i)
            if (bytes32(i) != slot)
                assertEq(
                    uint256(vm.load(address(vault), bytes32(i))),
                    before[i],
                    "no other low slot changes"
                );
    }

    /// @dev The hot paths read the hot slot as one word through ConfigLib's HOT_* offsets and F_*
    ///      masks; the views read the same fields through the compiler's struct layout. Both must
    ///      agree, field by field (a guard against an offset drifting from the struct).
    function test_hotSlotOffsetsMatchTheStructLayout() public {
        bytes32 slot = _hotSlot();
        uint256 w = uint256(vm.load(address(vault), slot));
        address nav = address(uint160(w));
        assertGt(nav.code.length, 0, "navData: the snapshot contract");
        assertEq(uint8(nav.code[0]), 0, "whose code starts with STOP (SSTORE2 data)");
        assertEq((nav.code.length - 1) % 32, 0, "and holds whole words");
        assertEq(uint8(w >> ConfigLib.HOT_NAV_WORDS), (nav.code.length - 1) / 32, "navWords");
        assertEq(uint40(w >> ConfigLib.HOT_LAST_ACCRUAL), vault.lastFeeAccrual(), "lastAccrual");
        assertGt(vault.lastGoodPpsWad(), 0);
        assertFalse(ConfigLib.hasFlag(w, ConfigLib.F_CLOSED | ConfigLib.F_PENDING | ConfigLib.F_CLAIMS));

        vm.prank(guardian);
        vault.pause();
        w = uint256(vm.load(address(vault), slot));
        assertTrue(vault.paused() && ConfigLib.hasFlag(w, ConfigLib.F_PAUSED), "paused");
        assertFalse(ConfigLib.hasFlag(w, ConfigLib.F_SHUT_OR_DEFENSIVE));

        uint256 shares = vault.balanceOf(alice) / 10;
        vm.prank(alice);
        vault.requestRedeem(shares, alice, alice);
        w = uint256(vm.load(address(vault), slot));
        assertTrue(ConfigLib.hasFlag(w, ConfigLib.F_PENDING), "hasPending");
        vault.fulfilRedemptions();
        w = uint256(vm.load(address(vault), slot));
        assertFalse(ConfigLib.hasFlag(w, ConfigLib.F_PENDING), "fulfilled");
        assertTrue(ConfigLib.hasFlag(w, ConfigLib.F_CLAIMS), "hasClaims");
        assertTrue(vault.reservedAssets() > 0 && ConfigLib.hasFlag(w, ConfigLib.F_RESERVED), "hasReserved");

        vm.prank(guardian);
        vault.shutDown();
        w = uint256(vm.load(address(vault), slot));
        assertTrue(vault.shutdown() && ConfigLib.hasFlag(w, ConfigLib.F_SHUTDOWN), "shutdown");
        assertTrue(ConfigLib.hasFlag(w, ConfigLib.F_SHUT_OR_DEFENSIVE));
        assertEq(vault.defensive(), ConfigLib.hasFlag(w, ConfigLib.F_DEFENSIVE), "defensive");
        assertEq(uint160(w), uint160(nav), "the flags never touch the pointer");
    }

    function test_navEqualsItsParts() public view {
        assertEq(vault.totalAssets(), _navFromParts());
        assertEq(vault.totalAssets(), 1_000e6 + 3000e6 + 6000e6);
    }

    function test_instantHeartbeatTighteningReachesTheNav() public {
        IBallastVault.AssetConfig memory c = _assetCfg(address(weth), address(wethFeed), 5000);
        c.heartbeat = 30 minutes;
        vm.prank(guardian);
        vault.submitAsset(0, c);
        assertEq(vault.assetConfigs()[0].heartbeat, 30 minutes);
        (, , , uint256 updatedAt, ) = wethFeed.latestRoundData();
        vm.warp(updatedAt + 31 minutes); // fresh for the old 1 h heartbeat, stale for the new one
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OracleStale.selector,
                address(wethFeed),
                updatedAt,
                30 minutes,
                updatedAt + 31 minutes
            )
        );
        vault.totalAssets();
        assertEq(vault.maxDeposit(alice), 0, "the lenient path fails over to ok = false");
    }

    function test_instantBandTighteningReachesTheNav() public {
        IBallastVault.AssetConfig memory c = _assetCfg(address(wbtc), address(wbtcFeed), 5000);
        c.minPrice = 60_001e8;
        vm.prank(guardian);
        vault.submitAsset(1, c);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OraclePriceOutOfBand.selector,
                address(wbtcFeed),
                int256(60_000e8),
                uint256(60_001e8),
                uint256(0)
            )
        );
        vault.totalAssets();
    }

    function test_queuedAssetChangeReachesTheNavOnAccept() public {
        IBallastVault.AssetConfig memory c = _assetCfg(address(weth), address(wethFeed), 5000);
        c.heartbeat = 2 hours; // a loosening: the whole change is queued
        c.maxPrice = 2_999e8;
        vm.prank(curator);
        vault.submitAsset(0, c);
        assertEq(vault.totalAssets(), _navFromParts(), "unchanged while queued");
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vault.acceptAsset(0);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OraclePriceOutOfBand.selector,
                address(wethFeed),
                int256(3000e8),
                uint256(0),
                uint256(2_999e8)
            )
        );
        vault.totalAssets();
    }

    function test_negativeAndZeroAnswersTakeTheCheckedPath() public {
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
        assertEq(vault.maxDeposit(alice), 0);
        wethFeed.updateAnswer(3000e8);
        assertEq(vault.totalAssets(), _navFromParts());
    }

    function test_managementFeeSwitchedOnLaterChargesOnlyFromTheSwitch() public {
        // fees off for 300 days: the accrual clock is not written on every call
        vm.warp(block.timestamp + 300 days);
        _refreshFeeds();
        _deposit(bob, 1e6);
        vm.prank(curator);
        vault.submitFees(IBallastVault.FeeConfig(feeRecipient, 0, 0, 500, 0));
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vault.acceptFees();
        assertEq(vault.balanceOf(feeRecipient), 0, "nothing for the time the fee was off");
        uint256 supply = vault.totalSupply();
        vm.warp(block.timestamp + 10 days);
        _refreshFeeds();
        _deposit(bob, 1e6);
        assertEq(vault.balanceOf(feeRecipient), Math.mulDiv(supply, 500 * 10 days, 10_000 * 365 days));
    }

    function test_depositCapTighteningReachesTheSnapshotAtOnce() public {
        uint256 nav = vault.totalAssets();
        IBallastVault.Limits memory lim = _limits();
        lim.depositCap = uint128(nav + 5e6);
        vm.prank(guardian);
        vault.submitLimits(lim); // tightening: instant, and re-snapshotted
        assertEq(vault.limits().depositCap, nav + 5e6);
        assertEq(vault.maxDeposit(alice), 5e6, "maxDeposit reads the new cap");
        usdc.mint(alice, 6e6);
        vm.startPrank(alice);
        usdc.approve(address(vault), 6e6);
        vm.expectRevert(
            abi.encodeWithSignature("ERC4626ExceededMaxDeposit(address,uint256,uint256)", alice, 6e6, 5e6)
        );
        vault.deposit(6e6, alice);
        vault.deposit(5e6, alice);
        vm.stopPrank();
        assertEq(vault.maxDeposit(alice), 0);
    }

    function test_queuedCapLooseningReachesTheSnapshotOnAccept() public {
        uint256 nav = vault.totalAssets();
        IBallastVault.Limits memory lim = _limits();
        lim.depositCap = uint128(nav);
        vm.prank(guardian);
        vault.submitLimits(lim);
        assertEq(vault.maxDeposit(alice), 0);
        lim.depositCap = uint128(nav + 7e6);
        vm.prank(curator);
        vault.submitLimits(lim); // loosening: queued
        assertEq(vault.maxDeposit(alice), 0, "not before accept");
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vault.acceptLimits();
        assertEq(vault.maxDeposit(alice), 7e6);
    }

    function test_feeChangeReachesTheSnapshotOnAccept() public {
        vm.prank(curator);
        vault.submitFees(IBallastVault.FeeConfig(feeRecipient, 50, 70, 0, 0));
        assertEq(
            vault.previewDeposit(10_000e6),
            vault.convertToShares(10_000e6),
            "old (zero) fee until accept"
        );
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vault.acceptFees();
        // entry 50 bps: feeOnTotal = ceil(a × 50 / 10050); exit 70 bps: feeOnTotal = ceil(x × 70 / 10070)
        uint256 a = 10_000e6;
        assertEq(
            vault.previewDeposit(a),
            vault.convertToShares(a - Math.mulDiv(a, 50, 10_050, Math.Rounding.Ceil))
        );
        uint256 x = vault.convertToAssets(1e12);
        assertEq(vault.previewRedeem(1e12), x - Math.mulDiv(x, 70, 10_070, Math.Rounding.Ceil));
    }

    function test_managementAndPerformanceFeesWithoutRecipientAreNotCharged() public {
        // no recipient: the snapshot carries management/performance 0, so nothing is minted
        vm.prank(curator);
        vault.submitFees(IBallastVault.FeeConfig(address(0), 0, 0, 500, 3000));
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vault.acceptFees();
        uint256 supply = vault.totalSupply();
        weth.mint(address(vault), 1e18); // a gain above the high-water mark
        vm.warp(block.timestamp + 100 days);
        _refreshFeeds();
        _deposit(bob, 1e6);
        assertEq(vault.totalSupply() - supply, vault.balanceOf(bob), "only bob's shares were minted");
    }
}
