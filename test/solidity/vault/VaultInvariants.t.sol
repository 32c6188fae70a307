// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings, gas-strict-inequalities

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {TestERC20} from "../../../contracts/mocks/TestERC20.sol";
import {BallastVault} from "../../../contracts/BallastVault.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";
import {VaultFixture} from "./VaultFixture.sol";

// Performance fee (bps) of the vault under test.
uint16 constant PERF_BPS = 1000;

/// @notice Invariant-test handler: bounded deposits, mints, withdrawals, redemptions, async
///         requests / fulfilment / claims / cancels, donations, feed moves within bands, time
///         warps, circuit-breaker upkeep and signed no-action rebalances. Every step records the
///         violations it sees in ghost variables that the invariants assert on.
contract VaultHandler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant V = 1e6;

    BallastVault internal immutable _VAULT;
    TestERC20 internal immutable _USDC;
    TestERC20[2] internal _risk;
    MockV3Aggregator internal immutable _USDC_FEED;
    MockV3Aggregator[2] internal _feeds;
    address internal immutable _ADMIN;
    uint256 internal immutable _KEEPER_PK;
    address[3] internal _actors;

    /// @notice Description of the first step that decreased the price per share (empty = none).
    string public ppsDecreasedBy;
    /// @notice Description of the first payout above the pro-rata value (empty = none).
    string public overpaidBy;
    /// @notice Description of the first bound found broken after a successful rebalance.
    string public boundBrokenBy;
    /// @notice Successful calls per step, for the coverage report.
    mapping(bytes32 step => uint256 count) public calls;
    /// @notice Successful rebalances.
    uint256 public rebalances;

    constructor(
        BallastVault vault_,
        TestERC20 usdc_,
        TestERC20[2] memory risk_,
        MockV3Aggregator usdcFeed_,
        MockV3Aggregator[2] memory feeds_,
        address admin_,
        uint256 keeperPk_
    ) {
        _VAULT = vault_;
        _USDC = usdc_;
        _risk = risk_;
        _USDC_FEED = usdcFeed_;
        _feeds = feeds_;
        _ADMIN = admin_;
        _KEEPER_PK = keeperPk_;
        _actors = [makeAddr("actor0"), makeAddr("actor1"), makeAddr("actor2")];
    }

    /// @notice The actors, for the invariants' sums.
    function actors() external view returns (address[3] memory) {
        return _actors;
    }

    // ------------------------------------------------------------ helpers

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % 3];
    }

    /// @dev ppsWad as the views see it (pending fee shares included): convertToAssets(1e18).
    function _pps() internal view returns (uint256) {
        return _VAULT.convertToAssets(WAD);
    }

    /// @dev A flow may lower the price per share only by a performance fee that the flow's own
    ///      entry/exit fee pushed past its step (docs/plan-format.md §8): at most
    ///      performanceFeeBps × PERF_FEE_STEP_BPS (1 bp) of the price, plus one unit of rounding.
    function _checkPps(uint256 before, string memory step) internal {
        uint256 allowed = Math.mulDiv(before, PERF_BPS * 1, 10_000 * 10_000) + 1;
        if (_pps() + allowed < before && bytes(ppsDecreasedBy).length == 0) ppsDecreasedBy = step;
    }

    /// @dev Pro-rata value of `shares` on the pre-call NAV and raw supply (virtual shares included).
    function _checkProRata(
        uint256 paid,
        uint256 shares,
        uint256 nav,
        uint256 supply,
        string memory step
    ) internal {
        if (paid > Math.mulDiv(shares, nav + 1, supply + V) && bytes(overpaidBy).length == 0)
            overpaidBy = step;
    }

    function _refreshFeeds() internal {
        _USDC_FEED.updateAnswer(_USDC_FEED.latestAnswer());
        _feeds[0].updateAnswer(_feeds[0].latestAnswer());
        _feeds[1].updateAnswer(_feeds[1].latestAnswer());
    }

    // ------------------------------------------------------------ ERC-4626

    /// @notice Deposits up to 1,000,000 USDC.
    function deposit(uint256 seed, uint256 assets) external {
        address who = _actor(seed);
        uint256 maxA = _VAULT.maxDeposit(who);
        if (maxA == 0) return;
        assets = _bound(assets, 1, Math.min(maxA, 1e12));
        _USDC.mint(who, assets);
        uint256 before = _pps();
        vm.startPrank(who);
        _USDC.approve(address(_VAULT), assets);
        _VAULT.deposit(assets, who);
        vm.stopPrank();
        _checkPps(before, "deposit");
        ++calls["deposit"];
    }

    /// @notice Mints up to 1e18 shares (about 1,000,000 USDC at the initial price).
    function mint(uint256 seed, uint256 shares) external {
        address who = _actor(seed);
        uint256 maxS = _VAULT.maxMint(who);
        if (maxS == 0) return;
        shares = _bound(shares, 1, Math.min(maxS, 1e18));
        uint256 assets = _VAULT.previewMint(shares);
        _USDC.mint(who, assets);
        uint256 before = _pps();
        vm.startPrank(who);
        _USDC.approve(address(_VAULT), assets);
        _VAULT.mint(shares, who);
        vm.stopPrank();
        _checkPps(before, "mint");
        ++calls["mint"];
    }

    /// @notice Withdraws (claims a fulfilled request first, else from idle funds).
    function withdraw(uint256 seed, uint256 assets) external {
        address who = _actor(seed);
        assets = _bound(assets, 0, _VAULT.maxWithdraw(who));
        if (assets == 0) return;
        bool isClaim = _VAULT.claimableRedeemRequest(0, who) != 0;
        uint256 nav = _VAULT.totalAssets();
        uint256 supply = _VAULT.totalSupply();
        uint256 before = _pps();
        vm.prank(who);
        uint256 shares = _VAULT.withdraw(assets, who, who);
        _checkPps(before, isClaim ? "withdraw (claim)" : "withdraw");
        if (!isClaim) _checkProRata(assets, shares, nav, supply, "withdraw");
        ++calls[isClaim ? bytes32("claimWithdraw") : bytes32("withdraw")];
    }

    /// @notice Redeems (claims a fulfilled request first, else from idle funds).
    function redeem(uint256 seed, uint256 shares) external {
        address who = _actor(seed);
        shares = _bound(shares, 0, _VAULT.maxRedeem(who));
        if (shares == 0) return;
        bool isClaim = _VAULT.claimableRedeemRequest(0, who) != 0;
        uint256 nav = _VAULT.totalAssets();
        uint256 supply = _VAULT.totalSupply();
        uint256 before = _pps();
        vm.prank(who);
        uint256 assets = _VAULT.redeem(shares, who, who);
        _checkPps(before, isClaim ? "redeem (claim)" : "redeem");
        if (!isClaim) _checkProRata(assets, shares, nav, supply, "redeem");
        ++calls[isClaim ? bytes32("claimRedeem") : bytes32("redeem")];
    }

    // ------------------------------------------------------------ async redemptions

    /// @notice Requests an asynchronous redemption of part of the actor's shares.
    function requestRedeem(uint256 seed, uint256 shares) external {
        address who = _actor(seed);
        shares = _bound(shares, 0, _VAULT.balanceOf(who));
        if (shares == 0) return;
        vm.prank(who);
        _VAULT.requestRedeem(shares, who, who);
        ++calls["requestRedeem"];
    }

    /// @notice Cancels the actor's pending request, if any.
    function cancel(uint256 seed) external {
        address who = _actor(seed);
        if (_VAULT.pendingRedeemRequest(0, who) == 0) return;
        if (block.timestamp < _VAULT.cancelLockedUntil() && !_VAULT.shutdown()) {
            ++calls["cancelLocked"]; // a fulfilment found the epoch above idle (RedemptionLock.t.sol)
            return;
        }
        vm.prank(who);
        _VAULT.cancelRedeemRequest(who);
        ++calls["cancel"];
    }

    /// @notice Fulfils the current epoch if idle covers it (anyone).
    function fulfil() external {
        uint256 pending = _VAULT.pendingShares();
        uint256 nav = _VAULT.totalAssets();
        uint256 supply = _VAULT.totalSupply();
        uint256 reserved = _VAULT.reservedAssets();
        uint256 before = _pps();
        if (!_VAULT.fulfilRedemptions()) ++calls["fulfilShort"]; // the epoch is locked now
        _checkPps(before, "fulfil");
        _checkProRata(_VAULT.reservedAssets() - reserved, pending, nav, supply, "fulfil");
        ++calls["fulfil"];
    }

    /// @notice Claims everything the actor can claim.
    function claim(uint256 seed) external {
        address who = _actor(seed);
        uint256 shares = _VAULT.claimableRedeemRequest(0, who);
        if (shares == 0) return;
        uint256 before = _pps();
        vm.prank(who);
        _VAULT.redeem(shares, who, who);
        _checkPps(before, "claim");
        ++calls["claim"];
    }

    // ------------------------------------------------------------ market and time

    /// @notice Donates base or a risk asset to the vault (at most ~1,000 USDC worth).
    function donate(uint256 which, uint256 amount) external {
        which %= 3;
        if (which == 0) _USDC.mint(address(_VAULT), _bound(amount, 1, 1_000e6));
        else if (which == 1) _risk[0].mint(address(_VAULT), _bound(amount, 1, 0.3e18));
        else _risk[1].mint(address(_VAULT), _bound(amount, 1, 0.015e8));
        ++calls["donate"];
    }

    /// @notice Moves one feed by at most ±5 %, within a band around its start price.
    function movePrice(uint256 which, uint256 bps) external {
        which %= 3;
        MockV3Aggregator f = which == 0 ? _USDC_FEED : _feeds[which - 1];
        (int256 lo, int256 hi) = which == 0
            ? (int256(0.95e8), int256(1.05e8))
            : which == 1
                ? (int256(1500e8), int256(6000e8))
                : (int256(30_000e8), int256(120_000e8));
        int256 p = (f.latestAnswer() * int256(_bound(bps, 9_500, 10_500))) / 10_000;
        if (p < lo) p = lo;
        if (p > hi) p = hi;
        f.updateAnswer(p);
        ++calls["movePrice"];
    }

    /// @notice Advances time by up to 12 h; the feeds report again (fresh).
    function warp(uint256 dt) external {
        vm.warp(block.timestamp + _bound(dt, 1, 12 hours));
        _refreshFeeds();
        ++calls["warp"];
    }

    // ------------------------------------------------------------ breaker and rebalance

    /// @notice Chainlink Automation's call (anyone); sometimes the admin lifts defensive mode.
    function upkeep(bool lift) external {
        _VAULT.performUpkeep("");
        if (lift && _VAULT.defensive()) {
            vm.prank(_ADMIN);
            _VAULT.exitDefensiveMode();
        }
        ++calls["upkeep"];
    }

    /// @notice A signed plan without actions (it accrues fees, fulfils redemptions, observes the
    ///         breaker); after every success every bound of docs/plan-format.md §6 must hold.
    function rebalance() external {
        IBallastVault.Plan memory p;
        p.nonce = _VAULT.nextNonce();
        p.deadline = block.timestamp;
        p.actions = new IBallastVault.Action[](0);
        p.expectedWeightsBps = new uint16[](2);
        p.weightToleranceBps = 10_000;
        p.slippageBps = 0;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_KEEPER_PK, _VAULT.planDigest(p));
        uint256[2] memory w0 = _weights(_VAULT.totalAssets()); // a market move may have broken a max already
        try _VAULT.rebalance(p, abi.encodePacked(r, s, v)) {
            ++rebalances;
            _checkBounds(w0);
        } catch {
            return;
        }
    }

    /// @dev Oracle value of risk asset `i` held by the vault, in base units (rounded down).
    function _value(uint256 i) internal view returns (uint256) {
        uint256 dec = i == 0 ? 18 : 8;
        return
            Math.mulDiv(
                _risk[i].balanceOf(address(_VAULT)),
                uint256(_feeds[i].latestAnswer()) * 1e14,
                uint256(_USDC_FEED.latestAnswer()) * 10 ** (dec + 8)
            );
    }

    /// @dev Weights in bps (rounded down) on `nav`; 0 when nav == 0.
    function _weights(uint256 nav) internal view returns (uint256[2] memory w) {
        for (uint256 i; i < 2; ++i) w[i] = nav == 0 ? 0 : Math.mulDiv(_value(i), 10_000, nav);
    }

    /// @dev docs/plan-format.md §6 step 8: each weight ≤ max(its max, its weight `w0` before).
    function _checkBounds(uint256[2] memory w0) internal {
        IBallastVault.Limits memory lim = _VAULT.limits();
        IBallastVault.AssetConfig[] memory cfg = _VAULT.assetConfigs();
        uint256 nav = _VAULT.totalAssets();
        uint256 gross;
        uint256[2] memory w = _weights(nav);
        for (uint256 i; i < 2; ++i) {
            uint256 val = _value(i);
            gross += val;
            if (w[i] > cfg[i].maxWeightBps && w[i] > w0[i]) boundBrokenBy = "weight";
            if (nav == 0 && val != 0) boundBrokenBy = "weight (zero NAV)";
        }
        if (nav != 0 && Math.mulDiv(gross, 10_000, nav) > lim.maxLeverageBps) boundBrokenBy = "leverage";
        (uint256 used, uint256 cap) = _VAULT.lossBudget();
        if (used > cap) boundBrokenBy = "loss budget";
        if (_VAULT.lastRebalanceAt() != block.timestamp) boundBrokenBy = "lastRebalanceAt";
    }
}

/// @notice Handler-based invariants of the vault (issue 4): NAV = sum of its parts, reserve
///         coverage, escrow accounting, pro-rata payouts, price per share monotone under
///         deposits/withdrawals, and every bound after every successful rebalance.
contract VaultInvariantsTest is VaultFixture {
    VaultHandler internal handler;

    function setUp() public {
        // entry/exit 0.1 %, management 2 %/yr, performance 10 %: "beyond fees" is exercised
        _deploy(IBallastVault.FeeConfig(feeRecipient, 10, 10, 200, PERF_BPS), address(0));
        _deposit(alice, 10_000e6); // seed liquidity, never withdrawn
        handler = new VaultHandler(
            vault,
            usdc,
            [weth, wbtc],
            usdcFeed,
            [wethFeed, wbtcFeed],
            address(this),
            KEEPER_PK
        );
        targetContract(address(handler));
    }

    /// @dev Every handler step does what it says (no step is a silent no-op), so that the
    ///      invariants are not vacuous.
    function test_handlerStepsAllRun() public {
        handler.deposit(0, 5_000e6);
        handler.mint(1, 1e15);
        handler.donate(1, 0.01e18);
        handler.withdraw(0, 100e6);
        handler.redeem(1, 1e12);
        handler.requestRedeem(0, 1e14);
        handler.cancel(0);
        handler.requestRedeem(1, 1e14);
        handler.fulfil();
        handler.claim(1);
        handler.requestRedeem(0, 1e14);
        handler.warp(1 hours);
        handler.movePrice(1, 9_000);
        handler.upkeep(false);
        handler.rebalance();
        handler.redeem(0, 1); // claims the request fulfilled by the rebalance
        bytes32[12] memory steps = [
            bytes32("deposit"),
            "mint",
            "donate",
            "withdraw",
            "redeem",
            "requestRedeem",
            "cancel",
            "fulfil",
            "claim",
            "warp",
            "movePrice",
            "upkeep"
        ];
        for (uint256 i; i < steps.length; ++i)
            assertGt(handler.calls(steps[i]), 0, string(abi.encodePacked(steps[i])));
        assertEq(handler.calls("claimRedeem"), 1);
        assertEq(handler.rebalances(), 1);
        invariant_navIsTheSumOfItsParts();
        invariant_reserveCoversClaims();
        invariant_escrowEqualsPendingShares();
        invariant_noPayoutAboveProRata();
        invariant_ppsNeverDecreasesThroughFlows();
        invariant_boundsHoldAfterRebalance();
    }

    /// @dev The lock's steps run too: a fulfilment the idle funds cannot cover locks the epoch,
    ///      the handler's cancel then stops, and after `CANCEL_LOCK` (six 12 h warps) it cancels.
    function test_handlerLockSteps() public {
        handler.deposit(0, 5_000e6);
        weth.mint(address(vault), 20e18); // 60,000 USD of WETH: idle 15,000 of a 75,000 NAV
        handler.requestRedeem(0, type(uint256).max); // all of actor 0's shares, ~25,000 USD
        handler.fulfil();
        assertEq(handler.calls("fulfilShort"), 1, "not covered");
        assertGt(vault.cancelLockedUntil(), block.timestamp, "locked");
        handler.cancel(0);
        assertEq(handler.calls("cancelLocked"), 1, "the locked cancel stopped");
        assertEq(handler.calls("cancel"), 0);
        for (uint256 i; i < 6; ++i) handler.warp(12 hours);
        handler.cancel(0);
        assertEq(handler.calls("cancel"), 1, "cancelled once the lock expired");
        invariant_lockOnlyWithPendingRequests();
        invariant_escrowEqualsPendingShares();
        invariant_navIsTheSumOfItsParts();
        invariant_ppsNeverDecreasesThroughFlows();
    }

    /// @dev totalAssets = base balance − reserved + Σ value_i (docs/plan-format.md §5).
    function invariant_navIsTheSumOfItsParts() public view {
        uint256 bal = usdc.balanceOf(address(vault));
        uint256 pBase = uint256(usdcFeed.latestAnswer());
        uint256 w = Math.mulDiv(
            weth.balanceOf(address(vault)),
            uint256(wethFeed.latestAnswer()) * 1e14,
            pBase * 1e26
        );
        uint256 b = Math.mulDiv(
            wbtc.balanceOf(address(vault)),
            uint256(wbtcFeed.latestAnswer()) * 1e14,
            pBase * 1e16
        );
        assertEq(vault.totalAssets(), bal - vault.reservedAssets() + w + b);
    }

    /// @dev Reserved assets never exceed the base balance, always cover every claim, and are 0
    ///      once no claim share is left (the last claim releases the rounding dust).
    function invariant_reserveCoversClaims() public view {
        uint256 reserved = vault.reservedAssets();
        assertLe(reserved, usdc.balanceOf(address(vault)), "reserved > base balance");
        address[3] memory a = handler.actors();
        uint256 claims;
        uint256 claimShares;
        for (uint256 i; i < 3; ++i) {
            claims += vault.claimableAssets(a[i]);
            claimShares += vault.claimableRedeemRequest(0, a[i]);
        }
        assertLe(claims, reserved, "claims > reserved");
        if (claimShares == 0) assertEq(reserved, 0, "reserve left without claims");
    }

    /// @dev The vault's own share balance is exactly the escrow of the current epoch.
    function invariant_escrowEqualsPendingShares() public view {
        assertEq(vault.balanceOf(address(vault)), vault.pendingShares());
        address[3] memory a = handler.actors();
        uint256 pending;
        for (uint256 i; i < 3; ++i) pending += vault.pendingRedeemRequest(0, a[i]);
        assertEq(pending, vault.pendingShares());
    }

    /// @dev The redemption cancellation lock exists only on an epoch with pending requests
    ///      (RedemptionLock.t.sol): a fulfilment and the last cancellation both clear it.
    function invariant_lockOnlyWithPendingRequests() public view {
        if (vault.cancelLockedUntil() != 0) assertGt(vault.pendingShares(), 0, "lock on an empty epoch");
    }

    /// @dev No redemption, withdrawal or fulfilment paid more than the pro-rata value.
    function invariant_noPayoutAboveProRata() public view {
        assertEq(handler.overpaidBy(), "");
    }

    /// @dev Deposits, mints, withdrawals, redemptions, fulfilments and claims never lower ppsWad
    ///      (beyond a performance fee their own fees push past its 1 bp step, see `_checkPps`).
    function invariant_ppsNeverDecreasesThroughFlows() public view {
        assertEq(handler.ppsDecreasedBy(), "");
    }

    /// @dev Weights, leverage and loss budget hold after every successful rebalance.
    function invariant_boundsHoldAfterRebalance() public view {
        assertEq(handler.boundBrokenBy(), "");
    }

    /// @dev The high-water mark never falls below 1e12 (the empty vault's price per share).
    function invariant_highWaterMarkSet() public view {
        assertGe(vault.highWaterMarkWad(), 1e12);
    }

    /// @dev The share supply is the sum of every holder's balance (the vault keeps its own
    ///      balances and supply, VaultCore._update), and the mark stored above the supply in the
    ///      same slot stays a price per share no higher than the high-water mark (no mint or burn
    ///      carried into it or borrowed from it).
    function invariant_supplyIsTheSumOfBalancesAndTheMarkIsIntact() public view {
        address[3] memory a = handler.actors();
        uint256 sum =
            vault.balanceOf(alice) + vault.balanceOf(feeRecipient) + vault.balanceOf(address(vault));
        for (uint256 i; i < 3; ++i) sum += vault.balanceOf(a[i]);
        assertEq(sum, vault.totalSupply(), "supply = sum of balances");
        uint256 mark = vault.lastGoodPpsWad();
        assertGt(mark, 0, "mark set");
        assertLe(mark, vault.highWaterMarkWad(), "mark <= high-water mark");
    }
}
