// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {ErrorPathsFixture, SeizableToken} from "./ErrorPathsFixture.t.sol";
import {VaultCore} from "../../../contracts/VaultCore.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";
import {RebalanceLib} from "../../../contracts/libraries/RebalanceLib.sol";
import {RiskChecks} from "../../../contracts/libraries/RiskChecks.sol";
import {LossBudget} from "../../../contracts/libraries/LossBudget.sol";
import {PlanHashing} from "../../../contracts/libraries/PlanHashing.sol";

/// @notice Every custom error of `rebalance` (BallastVault header and signer checks, RebalanceLib,
///         RiskChecks, LossBudget, PlanHashing) asserted with its values, one test per place that
///         raises it (docs/error-paths.md). NAV = 100,000 USDC idle; WETH at $3,000.
contract ErrorPathsRebalanceTest is ErrorPathsFixture {
    uint256 internal constant NAV0 = 100_000e6;

    function setUp() public {
        _deploy(_fees(0, 0), address(0));
        _installSwapper();
        _deposit(alice, NAV0);
    }

    /// @dev Curator limits with one field changed through `guardian` (a tightening: instant).
    function _tighten(IBallastVault.Limits memory lim) internal {
        vm.prank(guardian);
        vault.submitLimits(lim);
    }

    /// @dev Scripts a USDC → WETH swap of `usdcIn` returning `wethOut`, as plan action 0.
    function _buyWeth(uint256 usdcIn, uint256 wethOut) internal returns (IBallastVault.Plan memory p) {
        swapper.script(address(usdc), address(weth), wethOut, 0);
        p = _plan1(_swap(address(usdc), address(weth), usdcIn));
    }

    // ------------------------------------------------------------ BallastVault header and signer

    function test_planExpired() public {
        IBallastVault.Plan memory p = _emptyPlan();
        p.deadline = block.timestamp - 1;
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(VaultCore.PlanExpired.selector, p.deadline, block.timestamp));
        vault.rebalance(p, sig);
    }

    function test_rebalanceCooldown() public {
        IBallastVault.Limits memory lim = _limits();
        lim.rebalanceCooldown = 1 hours;
        _tighten(lim);
        _rebalance(_emptyPlan());
        uint256 last = block.timestamp;
        vm.warp(last + 10 minutes);
        _refreshFeeds();
        IBallastVault.Plan memory p = _emptyPlan();
        bytes memory sig = _sign(p);
        vm.expectRevert(
            abi.encodeWithSelector(VaultCore.RebalanceCooldown.selector, last + 1 hours, last + 10 minutes)
        );
        vault.rebalance(p, sig);
    }

    function test_weightsLengthMismatch() public {
        IBallastVault.Plan memory p = _emptyPlan();
        p.expectedWeightsBps = new uint16[](3);
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(VaultCore.WeightsLengthMismatch.selector, 3, 2));
        vault.rebalance(p, sig);
    }

    function test_enforcedPause() public {
        vm.prank(guardian);
        vault.pause();
        IBallastVault.Plan memory p = _emptyPlan();
        bytes memory sig = _sign(p);
        vm.expectRevert(VaultCore.EnforcedPause.selector);
        vault.rebalance(p, sig);
    }

    function test_invalidSignature_ecdsaMalformed() public {
        IBallastVault.Plan memory p = _emptyPlan();
        (, bytes32 r, bytes32 s) = vm.sign(KEEPER_PK, vault.planDigest(p));
        vm.expectRevert(PlanHashing.InvalidSignature.selector);
        vault.rebalance(p, abi.encodePacked(r, s, uint8(29))); // v must be 27 or 28
    }

    function test_invalidSignature_tooShort() public {
        IBallastVault.Plan memory p = _emptyPlan();
        vm.expectRevert(PlanHashing.InvalidSignature.selector);
        vault.rebalance(p, hex"0102030405060708090a0b0c0d0e0f10111213"); // 19 bytes
    }

    function test_invalidSignature_erc1271Prefixed() public {
        IBallastVault.Plan memory p = _emptyPlan();
        // signer-prefixed form: the keeper is an EOA and 10 bytes are no valid ECDSA signature
        vm.expectRevert(PlanHashing.InvalidSignature.selector);
        vault.rebalance(p, abi.encodePacked(keeper, bytes10(0)));
    }

    function test_reservedAssetsSpent() public {
        vm.startPrank(alice);
        vault.requestRedeem(vault.balanceOf(alice) / 2, alice, alice);
        vm.stopPrank();
        assertTrue(vault.fulfilRedemptions());
        uint256 reserved = vault.reservedAssets();
        assertGt(reserved, 49_000e6);
        // spends 60,000 of the 100,000 held while ~50,000 are reserved for alice's claim
        IBallastVault.Plan memory p = _buyWeth(60_000e6, 20e18);
        bytes memory sig = _sign(p);
        vm.expectRevert(
            abi.encodeWithSelector(VaultCore.ReservedAssetsSpent.selector, NAV0 - 60_000e6, reserved)
        );
        vault.rebalance(p, sig);
    }

    // ------------------------------------------------------------ RebalanceLib

    function test_invalidAction_pathTooShort() public {
        IBallastVault.Action memory a = IBallastVault.Action(
            SWAP_ID,
            abi.encode(abi.encodePacked(address(usdc), address(weth)), uint256(1e6), uint256(0))
        );
        IBallastVault.Plan memory p = _plan1(a);
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RebalanceLib.InvalidAction.selector, 0, address(0)));
        vault.rebalance(p, sig);
    }

    function test_invalidAction_zeroAmountIn() public {
        IBallastVault.Plan memory p = _plan1(_swap(address(usdc), address(weth), 0));
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RebalanceLib.InvalidAction.selector, 0, address(0)));
        vault.rebalance(p, sig);
    }

    function test_invalidAction_sameTokenInAndOut() public {
        IBallastVault.Plan memory p = _plan1(_swap(address(usdc), address(usdc), 1e6));
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RebalanceLib.InvalidAction.selector, 0, address(usdc)));
        vault.rebalance(p, sig);
    }

    function test_invalidAction_unknownTokenIn() public {
        address rando = makeAddr("rando");
        IBallastVault.Plan memory p = _plan1(_swap(rando, address(usdc), 1e6));
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RebalanceLib.InvalidAction.selector, 0, rando));
        vault.rebalance(p, sig);
    }

    /// The index in the error is the action's: action 0 is a valid swap, action 1 buys an
    /// unregistered token.
    function test_invalidAction_unknownTokenOut_secondAction() public {
        address rando = makeAddr("rando");
        swapper.script(address(usdc), address(weth), 1e18, 0);
        IBallastVault.Plan memory p = _emptyPlan();
        p.actions = new IBallastVault.Action[](2);
        p.actions[0] = _swap(address(usdc), address(weth), 3_000e6);
        p.actions[1] = _swap(address(usdc), rando, 1e6);
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RebalanceLib.InvalidAction.selector, 1, rando));
        vault.rebalance(p, sig);
    }

    function test_invalidAction_buyDisabledAsset() public {
        IBallastVault.AssetConfig memory c = _assetAt(0);
        c.enabled = false; // disabling is a tightening: instant for the guardian
        vm.prank(guardian);
        vault.submitAsset(0, c);
        IBallastVault.Plan memory p = _buyWeth(3_000e6, 1e18);
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RebalanceLib.InvalidAction.selector, 0, address(weth)));
        vault.rebalance(p, sig);
    }

    /// A swap can only take more than its amountIn if the input token's balance shrinks under the
    /// vault during the call (negative rebase, seizure): 10 sent + 1 seized.
    function test_swapSpentTooMuch() public {
        SeizableToken sz = new SeizableToken();
        MockV3Aggregator szFeed = new MockV3Aggregator(8, 1e8);
        _addAsset(address(sz), address(szFeed), 5000);
        szFeed.updateAnswer(1e8);
        sz.mint(address(vault), 100e18);
        swapper.script(address(sz), address(usdc), 0, 1e18);
        IBallastVault.Plan memory p = _plan1(_swap(address(sz), address(usdc), 10e18));
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RebalanceLib.SwapSpentTooMuch.selector, 0, 11e18, 10e18));
        vault.rebalance(p, sig);
    }

    // ------------------------------------------------------------ RiskChecks and LossBudget

    /// The bound is min(plan slippage, limit): the plan's 50 bps here, under the 100 bps limit.
    function test_slippageExceeded() public {
        IBallastVault.Plan memory p = _buyWeth(30_000e6, 9.9e18);
        p.slippageBps = 50;
        bytes memory sig = _sign(p);
        uint256 outValue = _wethValue(9.9e18);
        assertEq(outValue, 29_700e6);
        vm.expectRevert(
            abi.encodeWithSelector(RiskChecks.SlippageExceeded.selector, 0, 30_000e6, outValue, 50)
        );
        vault.rebalance(p, sig);
    }

    /// The limit caps a looser plan: plan 500 bps, limit 100 bps.
    function test_slippageExceeded_limitCapsPlan() public {
        IBallastVault.Plan memory p = _buyWeth(30_000e6, 9.8e18);
        p.slippageBps = 500;
        bytes memory sig = _sign(p);
        vm.expectRevert(
            abi.encodeWithSelector(RiskChecks.SlippageExceeded.selector, 0, 30_000e6, _wethValue(9.8e18), 100)
        );
        vault.rebalance(p, sig);
    }

    function test_lossPerRebalanceExceeded() public {
        IBallastVault.Limits memory lim = _limits();
        lim.maxLossPerRebalanceBps = 10;
        _tighten(lim);
        // 30,000 USDC for 29,850 of WETH: 15 bps of the NAV, within the 100 bps slippage
        IBallastVault.Plan memory p = _buyWeth(30_000e6, 9.95e18);
        bytes memory sig = _sign(p);
        uint256 navAfter = NAV0 - 30_000e6 + _wethValue(9.95e18);
        assertEq(navAfter, 99_850e6);
        vm.expectRevert(
            abi.encodeWithSelector(RiskChecks.LossPerRebalanceExceeded.selector, NAV0, navAfter, 10)
        );
        vault.rebalance(p, sig);
    }

    function test_lossBudgetExceeded() public {
        IBallastVault.Limits memory lim = _limits();
        lim.lossBudgetBps = 10; // cap 0.1 % = 1e15 WAD
        _tighten(lim);
        IBallastVault.Plan memory p = _buyWeth(30_000e6, 9.95e18); // loses 0.15 %
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(LossBudget.LossBudgetExceeded.selector, 1.5e15, 1e15));
        vault.rebalance(p, sig);
    }

    /// The budget is cumulative: a second 0.15 % loss 1 h later, when only 1/24 of the 0.2 %
    /// cap has refilled, takes the used budget over it.
    function test_lossBudgetExceeded_cumulative() public {
        IBallastVault.Limits memory lim = _limits();
        lim.lossBudgetBps = 20; // cap 0.2 % = 2e15 WAD
        _tighten(lim);
        _rebalance(_buyWeth(30_000e6, 9.95e18)); // used = 1.5e15 of 2e15
        vm.warp(block.timestamp + 1 hours);
        _refreshFeeds();
        uint256 used = 1.5e15 - uint256(2e15) / 24;
        (uint256 usedNow, uint256 cap) = vault.lossBudget();
        assertEq(usedNow, used);
        assertEq(cap, 2e15);
        IBallastVault.Plan memory p = _buyWeth(30_000e6, 9.95e18);
        uint256 navBefore = vault.totalAssets();
        uint256 navAfter = navBefore - 30_000e6 + _wethValue(9.95e18);
        uint256 lossWad = ((navBefore - navAfter) * 1e18 + navBefore - 1) / navBefore; // rounded up
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(LossBudget.LossBudgetExceeded.selector, used + lossWad, 2e15));
        vault.rebalance(p, sig);
    }

    function test_turnoverExceeded() public {
        IBallastVault.Limits memory lim = _limits();
        lim.maxTurnoverBps = 1000;
        _tighten(lim);
        IBallastVault.Plan memory p = _buyWeth(30_000e6, 10e18); // at the oracle price: no loss
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RiskChecks.TurnoverExceeded.selector, 3000, 1000));
        vault.rebalance(p, sig);
    }

    /// @dev Max weight of WETH (asset 0) lowered to `maxW` by the guardian (a tightening: instant).
    function _capWeth(uint16 maxW) internal {
        IBallastVault.AssetConfig memory c = _assetAt(0);
        c.maxWeightBps = maxW;
        vm.prank(guardian);
        vault.submitAsset(0, c);
    }

    /// Within its max before the plan, above it after: the plain bound.
    function test_weightAboveMax() public {
        _capWeth(3000);
        IBallastVault.Plan memory p = _buyWeth(36_000e6, 12e18); // 36,000 of 100,000
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RiskChecks.WeightAboveMax.selector, 0, 3600, 3000));
        vault.rebalance(p, sig);
    }

    /// Already above its max before the plan (here a donation; a rally does the same): a plan may
    /// not raise the weight further.
    function test_weightAboveMaxRose() public {
        _capWeth(3000);
        weth.mint(address(vault), 20e18); // 60,000 of 160,000: 3,750 bps before
        IBallastVault.Plan memory p = _buyWeth(9000e6, 3e18); // 69,000 of 160,000: 4,312 bps
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RiskChecks.WeightAboveMaxRose.selector, 0, 4312, 3750, 3000));
        vault.rebalance(p, sig);
    }

    /// Above its max before the plan: a partial sell that leaves it above the max but lower is
    /// accepted (a pool that cannot take the whole cure does not block every plan), and so is a
    /// plan that leaves the weight where it was; one more WETH bought is not.
    function test_weightAboveMax_partialCureAccepted() public {
        _capWeth(3000);
        weth.mint(address(vault), 20e18); // 3,750 bps
        _rebalance(_emptyPlan()); // unchanged: accepted
        vm.warp(block.timestamp + _limits().rebalanceCooldown);
        _refreshFeeds();
        swapper.script(address(weth), address(usdc), 6000e6, 0);
        _rebalance(_plan1(_swap(address(weth), address(usdc), 2e18))); // 54,000 of 160,000
        assertEq(weth.balanceOf(address(vault)), 18e18);
        assertEq(vault.nextNonce(), 2);
        vm.warp(block.timestamp + _limits().rebalanceCooldown);
        _refreshFeeds();
        // 3,375 bps is now the level to stay under: 0.1 WETH more (3,393 bps) is refused
        IBallastVault.Plan memory p = _buyWeth(300e6, 0.1e18);
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RiskChecks.WeightAboveMaxRose.selector, 0, 3393, 3375, 3000));
        vault.rebalance(p, sig);
    }

    function test_weightOffTarget() public {
        weth.mint(address(vault), 10e18); // 30,000 of 130,000: 2,307 bps
        IBallastVault.Plan memory p = _emptyPlan();
        p.expectedWeightsBps[0] = 2000;
        p.weightToleranceBps = 100;
        bytes memory sig = _sign(p);
        uint256 w = (_wethValue(10e18) * 10_000) / vault.totalAssets();
        assertEq(w, 2307);
        vm.expectRevert(abi.encodeWithSelector(RiskChecks.WeightOffTarget.selector, 0, w, 2000, 100));
        vault.rebalance(p, sig);
    }

    /// A second asset is checked too: WBTC (index 1) off its expected weight.
    function test_weightOffTarget_secondAsset() public {
        wbtc.mint(address(vault), 0.5e8); // 30,000 of 130,000
        IBallastVault.Plan memory p = _emptyPlan();
        p.weightToleranceBps = 0;
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RiskChecks.WeightOffTarget.selector, 1, 2307, 0, 0));
        vault.rebalance(p, sig);
    }

    /// @dev Net-delta band of WETH (asset 0) narrowed to [-10,000, `maxNd`] by the guardian.
    function _bandWeth(int16 maxNd) internal {
        IBallastVault.AssetConfig memory c = _assetAt(0);
        c.maxNetDeltaBps = maxNd;
        vm.prank(guardian);
        vault.submitAsset(0, c);
    }

    function test_netDeltaOutOfBand_long() public {
        _bandWeth(1000);
        IBallastVault.Plan memory p = _buyWeth(30_000e6, 10e18); // +3,000 bps net long
        bytes memory sig = _sign(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                RiskChecks.NetDeltaOutOfBand.selector,
                0,
                int256(3000),
                int256(-10_000),
                int256(1000)
            )
        );
        vault.rebalance(p, sig);
    }

    /// Outside the band before the plan: it may stay outside on that side, not move further out.
    function test_netDeltaOutOfBandGrew_long() public {
        _bandWeth(1000);
        weth.mint(address(vault), 10e18); // +2,307 bps before
        _rebalance(_emptyPlan()); // unchanged: accepted
        vm.warp(block.timestamp + _limits().rebalanceCooldown);
        _refreshFeeds();
        IBallastVault.Plan memory p = _buyWeth(3000e6, 1e18); // 33,000 of 130,000: +2,538 bps
        bytes memory sig = _sign(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                RiskChecks.NetDeltaOutOfBandGrew.selector,
                0,
                int256(2538),
                int256(2307),
                int256(-10_000),
                int256(1000)
            )
        );
        vault.rebalance(p, sig);
    }

    function test_leverageExceeded() public {
        IBallastVault.Limits memory lim = _limits();
        lim.maxLeverageBps = 2000;
        _tighten(lim);
        IBallastVault.Plan memory p = _buyWeth(30_000e6, 10e18); // gross 30,000 / NAV 100,000
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RiskChecks.LeverageExceeded.selector, 3000, 2000));
        vault.rebalance(p, sig);
    }

    /// Shutdown (like defensive mode) accepts only plans that do not raise gross exposure or
    /// leverage: buying 30,000 of WETH from 0 raises both.
    function test_exposureNotReduced_shutdown() public {
        vm.prank(guardian);
        vault.shutDown();
        IBallastVault.Plan memory p = _buyWeth(30_000e6, 10e18);
        bytes memory sig = _sign(p);
        vm.expectRevert(abi.encodeWithSelector(RiskChecks.ExposureNotReduced.selector, 0, 30_000e6, 0, 3000));
        vault.rebalance(p, sig);
    }

    /// Defensive mode: holding 10 WETH (now at $1,000), the plan buys 1 more, so gross rises
    /// 10,000 → 11,000 and leverage (on the unchanged NAV of 110,000) 909 → 1,000 bps.
    function test_exposureNotReduced_defensive() public {
        weth.mint(address(vault), 10e18);
        _rebalance(_emptyPlan()); // sets the breaker's reference
        wethFeed.updateAnswer(1000e8); // NAV 130,000 → 110,000: −15 % > the 10 % drop
        vault.performUpkeep("");
        assertTrue(vault.defensive());
        uint256 navBefore = vault.totalAssets();
        assertEq(navBefore, 110_000e6);
        IBallastVault.Plan memory p = _buyWeth(1_000e6, 1e18);
        bytes memory sig = _sign(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                RiskChecks.ExposureNotReduced.selector,
                10_000e6,
                11_000e6,
                (10_000e6 * 10_000) / navBefore,
                (11_000e6 * 10_000) / navBefore
            )
        );
        vault.rebalance(p, sig);
    }
}
