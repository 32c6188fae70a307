// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {ErrorPathsFixture, FalseReturningToken} from "./ErrorPathsFixture.t.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BallastVault} from "../../../contracts/BallastVault.sol";
import {BallastLens} from "../../../contracts/BallastLens.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";
import {ConfigLib} from "../../../contracts/libraries/ConfigLib.sol";
import {OracleLib} from "../../../contracts/libraries/OracleLib.sol";
import {RebalanceLib} from "../../../contracts/libraries/RebalanceLib.sol";
import {RiskChecks} from "../../../contracts/libraries/RiskChecks.sol";

/// @notice Error paths of the holder-facing functions, the oracle checks (vault and BallastLens)
///         and the vault-side checks that need a lending position, asserted with their values
///         (docs/error-paths.md).
contract ErrorPathsVaultTest is ErrorPathsFixture {
    function setUp() public {
        _deploy(_fees(0, 0), address(0));
        _deposit(alice, 1_000e6);
    }

    // ------------------------------------------------------------ holders

    /// @dev The share supply is stored in 216 bits (VaultCore._supplyWord, with the mark above
    ///      it). Reaching 2^216 shares needs the price per share ~10^20 below its start (the
    ///      deposit cap is a uint128), so the state is written with `vm.store`; the mint must then
    ///      revert naming the supply it would reach, and keep the mark bits intact.
    function test_supplyOverflow_deposit() public {
        bytes32 slot;
        for (uint256 i; i < 80; ++i) {
            uint256 w = uint256(vm.load(address(vault), bytes32(i)));
            if (w != 0 && uint216(w) == vault.totalSupply()) slot = bytes32(i);
        }
        uint256 word = uint256(vm.load(address(vault), slot));
        assertEq(uint216(word), vault.totalSupply(), "the supply slot");
        uint256 supply = type(uint216).max - 1e30;
        vm.store(address(vault), slot, bytes32(((word >> 216) << 216) | supply));
        assertEq(vault.totalSupply(), supply);

        uint256 assets = 100e6;
        uint256 shares = vault.previewDeposit(assets);
        assertGt(shares, 1e30, "the mint crosses 2^216");
        usdc.mint(bob, assets);
        vm.startPrank(bob);
        usdc.approve(address(vault), assets);
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 216, supply + shares)
        );
        vault.deposit(assets, bob);
        vm.stopPrank();
    }

    /// @dev A request is refused when the epoch's pending shares would pass 2^128 − 1 (the claim
    ///      records them in 128 bits), naming the total; as above, the balance is written with
    ///      `vm.store` (it needs the price per share ~10^20 below its start).
    function test_pendingSharesOverflow_requestRedeem() public {
        uint256 supplySlot;
        uint256 balSlot = type(uint256).max;
        for (uint256 i; i < 80; ++i) {
            uint256 w = uint256(vm.load(address(vault), bytes32(i)));
            if (w != 0 && uint216(w) == vault.totalSupply()) supplySlot = i;
            bytes32 b = keccak256(abi.encode(alice, i));
            if (uint256(vm.load(address(vault), b)) == vault.balanceOf(alice)) balSlot = i;
        }
        assertLt(balSlot, 80, "the balances mapping");
        uint256 extra = uint256(type(uint128).max); // alice gets 2^128 − 1 more shares
        uint256 word = uint256(vm.load(address(vault), bytes32(supplySlot)));
        vm.store(address(vault), bytes32(supplySlot), bytes32(word + extra));
        bytes32 aliceSlot = keccak256(abi.encode(alice, balSlot));
        uint256 bal = vault.balanceOf(alice) + extra;
        vm.store(address(vault), aliceSlot, bytes32(bal));
        assertEq(vault.balanceOf(alice), bal);
        vm.startPrank(alice);
        vault.requestRedeem(1e6, alice, alice); // fits
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 128, extra + 1e6)
        );
        vault.requestRedeem(extra, alice, alice);
        vm.stopPrank();
        assertEq(vault.pendingShares(), 1e6, "nothing recorded");
    }

    function test_zeroShares_exitInKind() public {
        vm.prank(guardian);
        vault.shutDown();
        vm.prank(alice);
        vm.expectRevert(BallastVault.ZeroShares.selector);
        vault.exitInKind(0, alice, alice);
    }

    function test_insufficientAllowance_exitInKind() public {
        vm.prank(guardian);
        vault.shutDown();
        uint256 shares = vault.balanceOf(alice);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 0, shares)
        );
        vault.exitInKind(shares, bob, alice);
    }

    function test_exceededMaxWithdraw_idle() public {
        weth.mint(address(vault), 1e18); // idle (1,000) < alice's value (4,000)
        uint256 max = vault.maxWithdraw(alice);
        assertEq(max, 1_000e6);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxWithdraw.selector, alice, max + 1, max)
        );
        vault.withdraw(max + 1, alice, alice);
    }

    function test_insufficientAllowance_redeemForOwner() public {
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 0, 1e6)
        );
        vault.redeem(1e6, bob, alice);
    }

    function test_invalidReceiver_depositToZero() public {
        usdc.mint(alice, 1e6);
        vm.startPrank(alice);
        usdc.approve(address(vault), 1e6);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        vault.deposit(1e6, address(0));
        vm.stopPrank();
    }

    function test_invalidReceiver_cancelRedeemRequestToZero() public {
        vm.startPrank(alice);
        vault.requestRedeem(1e6, alice, alice);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        vault.cancelRedeemRequest(address(0));
        vm.stopPrank();
    }

    /// A registered token that returns false from `transfer` stops the in-kind exit, naming it.
    function test_safeERC20FailedOperation_exitInKind() public {
        FalseReturningToken bad = new FalseReturningToken();
        MockV3Aggregator badFeed = new MockV3Aggregator(8, 1e8);
        _addAsset(address(bad), address(badFeed), 5000);
        bad.mint(address(vault), 10e18);
        bad.setFailing(true);
        vm.prank(guardian);
        vault.shutDown();
        uint256 shares = vault.balanceOf(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(bad)));
        vault.exitInKind(shares, alice, alice);
    }

    // ------------------------------------------------------------ oracle checks through the vault

    function test_oracleStale_baseFeed() public {
        uint256 updatedAt = block.timestamp;
        vm.warp(block.timestamp + 1 days + 1);
        wethFeed.updateAnswer(3000e8);
        wbtcFeed.updateAnswer(60000e8);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OracleStale.selector,
                address(usdcFeed),
                updatedAt,
                uint256(1 days),
                block.timestamp
            )
        );
        vault.totalAssets();
    }

    function test_oracleStale_updatedInTheFuture() public {
        wethFeed.updateRoundData(100, 3000e8, block.timestamp + 1, block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OracleStale.selector,
                address(wethFeed),
                block.timestamp + 1,
                uint256(HEARTBEAT),
                block.timestamp
            )
        );
        vault.totalAssets();
    }

    function test_oracleStale_neverUpdated() public {
        wethFeed.updateRoundData(100, 3000e8, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OracleStale.selector,
                address(wethFeed),
                0,
                uint256(HEARTBEAT),
                block.timestamp
            )
        );
        vault.totalAssets();
    }

    function test_oracleAnswerNotPositive_baseFeed() public {
        usdcFeed.updateAnswer(-1);
        vm.expectRevert(
            abi.encodeWithSelector(OracleLib.OracleAnswerNotPositive.selector, address(usdcFeed), -1)
        );
        vault.totalAssets();
    }

    // ------------------------------------------------------------ oracle checks through BallastLens

    function _lensWithSequencer() internal returns (BallastLens lens, MockV3Aggregator seq) {
        seq = new MockV3Aggregator(0, 0);
        _deploy(_fees(0, 0), address(seq));
        lens = new BallastLens();
    }

    function test_lens_sequencerDown() public {
        (BallastLens lens, MockV3Aggregator seq) = _lensWithSequencer();
        seq.updateAnswer(1);
        vm.expectRevert(abi.encodeWithSelector(OracleLib.SequencerDown.selector, address(seq), int256(1)));
        lens.assetStates(address(vault));
    }

    function test_lens_sequencerGracePeriodNotOver() public {
        (BallastLens lens, MockV3Aggregator seq) = _lensWithSequencer();
        seq.updateAnswer(0);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.SequencerGracePeriodNotOver.selector,
                address(seq),
                block.timestamp,
                uint256(1 hours)
            )
        );
        lens.assetStates(address(vault));
    }

    function test_lens_baseFeedNotPositive() public {
        BallastLens lens = new BallastLens();
        usdcFeed.updateAnswer(0);
        vm.expectRevert(
            abi.encodeWithSelector(OracleLib.OracleAnswerNotPositive.selector, address(usdcFeed), 0)
        );
        lens.assetStates(address(vault));
    }

    function test_lens_baseFeedStale() public {
        BallastLens lens = new BallastLens();
        uint256 updatedAt = block.timestamp;
        vm.warp(block.timestamp + 1 days + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OracleStale.selector,
                address(usdcFeed),
                updatedAt,
                uint256(1 days),
                block.timestamp
            )
        );
        lens.assetStates(address(vault));
    }

    function test_lens_baseFeedOutOfBand() public {
        BallastLens lens = new BallastLens();
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
        lens.assetStates(address(vault));
    }

    /// A failing asset feed reaches the lens through the vault's totalAssets (same error, same
    /// values) before the lens reads that feed itself.
    function test_lens_assetFeedStale_viaVault() public {
        BallastLens lens = new BallastLens();
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
        lens.assetStates(address(vault));
        IBallastVault.VaultState memory st = lens.vaultState(address(vault));
        assertFalse(st.navAvailable, "vaultState: NAV unavailable");
    }

    // ------------------------------------------------------------ vault-side checks with a lending position

    /// @dev The scripted lending adapter holding `collateral` USDC of real tokens and no debt,
    ///      which its WITHDRAW hands back to the vault.
    function _installDebtFreeLender(uint256 collateral) internal {
        _installLender();
        usdc.mint(address(lender), collateral);
        lender.script(collateral, address(weth), 0, type(uint256).max);
        lender.scriptWithdraw(address(usdc));
    }

    function test_lendingPositionOpen_exitInKind() public {
        _installLender();
        lender.script(500e6, address(weth), 0.1e18, type(uint256).max);
        vm.prank(guardian);
        vault.shutDown();
        uint256 shares = vault.balanceOf(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.LendingPositionOpen.selector, 500e6, 0.1e18));
        vault.exitInKind(shares, alice, alice);
    }

    /// A debt-free lending position does not block the in-kind exit: each exit withdraws the
    /// holder's share of it, floor(collateral × shares / supply) (no feed is read — every feed is
    /// down here), and pays it with the idle base. This also defeats a donated aToken, which no
    /// plan could clear during an outage, and needs only that share of the pool's liquidity.
    function test_inKindExitWithdrawsDebtFreeCollateral() public {
        _installDebtFreeLender(400e6);
        _deposit(bob, 1_000e6);
        vm.prank(guardian);
        vault.shutDown();
        wethFeed.updateAnswer(0);
        usdcFeed.updateAnswer(0);
        uint256 supply = vault.totalSupply();
        uint256 shares = vault.balanceOf(alice);
        uint256 idle = usdc.balanceOf(address(vault)) - vault.reservedAssets();
        uint256 part = (400e6 * shares) / supply;
        uint256 before = usdc.balanceOf(alice);
        vm.prank(alice);
        vault.exitInKind(shares, alice, alice);
        assertEq(
            usdc.balanceOf(alice) - before,
            (idle * shares) / supply + part,
            "pro rata of idle, of collateral"
        );
        assertEq(lender.collateral(), 400e6 - part, "only alice's share withdrawn");
        assertEq(lender.lastData(), abi.encode(uint8(2), address(usdc), part));
        // the last holder withdraws the rest
        uint256 bobShares = vault.balanceOf(bob);
        uint256 bob0 = usdc.balanceOf(bob);
        uint256 idleLeft = usdc.balanceOf(address(vault)) - vault.reservedAssets();
        vm.prank(bob);
        vault.exitInKind(bobShares, bob, bob);
        assertEq(usdc.balanceOf(bob) - bob0, idleLeft + 400e6 - part);
        assertEq(lender.collateral(), 0);
        assertEq(vault.totalSupply(), 0);
    }

    /// Collateral the adapter does not hand back (the holder's share of it) keeps the exit closed,
    /// naming what is left.
    function test_lendingPositionOpen_collateralLeftAfterWithdraw() public {
        _installLender();
        lender.script(500e6, address(weth), 0, type(uint256).max); // WITHDRAW is a no-op
        vm.prank(guardian);
        vault.shutDown();
        uint256 shares = vault.balanceOf(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.LendingPositionOpen.selector, 500e6, 0));
        vault.exitInKind(shares, alice, alice);
    }

    /// Removing a debt-free lending adapter first withdraws its collateral to the vault: the NAV
    /// does not lose it.
    function test_removingDebtFreeLendingAdapterWithdrawsCollateral() public {
        _installDebtFreeLender(300e6);
        uint256 nav = vault.totalAssets();
        vm.prank(guardian);
        vault.submitAdapter(LEND_ID, address(0), 0);
        assertEq(vault.lendingAdapter(), address(0));
        assertEq(lender.collateral(), 0);
        assertEq(vault.totalAssets(), nav, "collateral back as idle base");
    }

    /// Debt ≥ holdings: the NAV is 0 while WETH is held, so its weight is unbounded.
    function test_weightAboveMax_zeroNav() public {
        _installLender();
        weth.mint(address(vault), 1e18);
        lender.script(0, address(weth), 10e18, type(uint256).max); // owes 30,000 > 4,000 held
        assertEq(vault.totalAssets(), 0);
        IBallastVault.Plan memory p = _emptyPlan();
        bytes memory sig = _sign(p);
        vm.expectRevert(
            abi.encodeWithSelector(RiskChecks.WeightAboveMax.selector, 0, type(uint256).max, 5000)
        );
        vault.rebalance(p, sig);
    }

    /// Debt and no holdings with the NAV at 0: leverage is reported as type(uint256).max.
    function test_leverageExceeded_zeroNav() public {
        _installLender();
        lender.script(0, address(weth), 1e18, type(uint256).max); // owes 3,000 > 1,000 idle
        assertEq(vault.totalAssets(), 0);
        IBallastVault.Plan memory p = _emptyPlan();
        bytes memory sig = _sign(p);
        vm.expectRevert(
            abi.encodeWithSelector(RiskChecks.LeverageExceeded.selector, type(uint256).max, uint256(20_000))
        );
        vault.rebalance(p, sig);
    }

    function test_healthFactorTooLow_scripted() public {
        _installLender();
        lender.script(0, address(weth), 0.01e18, 1.1e18);
        IBallastVault.Plan memory p = _emptyPlan();
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RiskChecks.HealthFactorTooLow.selector, 1.1e18, 1.2e18));
        vault.rebalance(p, sig);
    }

    function _expectLendRejected(IBallastVault.Action memory a, address token) internal {
        IBallastVault.Plan memory p = _plan1(a);
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RebalanceLib.InvalidAction.selector, 0, token));
        vault.rebalance(p, sig);
    }

    function test_invalidAction_withdrawNonBase() public {
        _installLender();
        _expectLendRejected(_lend(2, address(weth), 1e18), address(weth));
    }

    function test_invalidAction_borrowUnregistered() public {
        _installLender();
        address rando = makeAddr("rando");
        _expectLendRejected(_lend(3, rando, 1e18), rando);
    }

    function test_invalidAction_repayUnregistered() public {
        _installLender();
        address rando = makeAddr("rando");
        _expectLendRejected(_lend(4, rando, 1e18), rando);
    }

    function test_invalidAction_borrowDisabled() public {
        _installLender();
        IBallastVault.AssetConfig memory c = _assetAt(1);
        c.enabled = false;
        vm.prank(guardian);
        vault.submitAsset(1, c);
        _expectLendRejected(_lend(3, address(wbtc), 1e8), address(wbtc));
    }

    function test_invalidAction_unknownLendingOp() public {
        _installLender();
        _expectLendRejected(_lend(5, address(usdc), 1e6), address(usdc));
        assertEq(lender.executed(), 0, "the adapter was never called");
    }
}
