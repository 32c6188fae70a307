// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {TestERC20} from "../../../contracts/mocks/TestERC20.sol";
import {BallastVault} from "../../../contracts/BallastVault.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";
import {OracleLib} from "../../../contracts/libraries/OracleLib.sol";

/// @notice Shared setup: USDC-based vault with WETH and WBTC registered, Chainlink mock feeds.
abstract contract VaultFixture is Test {
    TestERC20 internal usdc;
    TestERC20 internal weth;
    TestERC20 internal wbtc;
    MockV3Aggregator internal usdcFeed;
    MockV3Aggregator internal wethFeed;
    MockV3Aggregator internal wbtcFeed;
    MockV3Aggregator internal seqFeed;
    BallastVault internal vault;

    address internal curator = makeAddr("curator");
    address internal guardian = makeAddr("guardian");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal feeRecipient = makeAddr("feeRecipient");
    uint256 internal constant KEEPER_PK = 0xB0B5;
    address internal keeper = vm.addr(KEEPER_PK);

    uint256 internal constant TIMELOCK = 1 days;
    uint32 internal constant HEARTBEAT = 1 hours;

    function _limits() internal pure returns (IBallastVault.Limits memory) {
        return
            IBallastVault.Limits({
                depositCap: 1e30,
                maxSlippageBps: 100,
                maxLossPerRebalanceBps: 100,
                lossBudgetBps: 200,
                lossWindow: 1 days,
                maxTurnoverBps: 20_000,
                maxLeverageBps: 20_000,
                minHealthFactor: 1.2e18,
                rebalanceCooldown: 0,
                circuitBreakerDropBps: 1000,
                circuitBreakerWindow: 1 days
            });
    }

    function _fees(uint16 entryBps, uint16 exitBps) internal view returns (IBallastVault.FeeConfig memory) {
        return IBallastVault.FeeConfig(feeRecipient, entryBps, exitBps, 0, 0);
    }

    /// @dev A VaultRebalancer over `base`, deployed from the build's artifact: the via-IR bytecode
    ///      that ships and that the benchmarks measure (`new VaultRebalancer` here would compile
    ///      it again with this test run's legacy settings).
    function _rebalancer(IERC20 base) internal returns (address) {
        return deployCode("VaultRebalancer.sol:VaultRebalancer", abi.encode(base));
    }

    function _deploy(IBallastVault.FeeConfig memory f, address seq) internal {
        vm.warp(1_700_000_000);
        usdc = new TestERC20("USD Coin", "USDC", 6);
        weth = new TestERC20("Wrapped Ether", "WETH", 18);
        wbtc = new TestERC20("Wrapped BTC", "WBTC", 8);
        usdcFeed = new MockV3Aggregator(8, 1e8);
        wethFeed = new MockV3Aggregator(8, 3000e8);
        wbtcFeed = new MockV3Aggregator(8, 60000e8);
        vault = new BallastVault(
            BallastVault.Init({
                base: usdc,
                name: "Ballast USDC",
                symbol: "bUSDC",
                admin: address(this),
                curatorTimelock: TIMELOCK,
                limits: _limits(),
                fees: f,
                baseFeed: OracleLib.Feed(address(usdcFeed), 1 days, 0.9e8, 1.1e8),
                sequencer: OracleLib.Sequencer(seq, 1 hours)
            }),
            _rebalancer(usdc)
        );
        vault.grantRole(vault.CURATOR_ROLE(), curator);
        vault.grantRole(vault.GUARDIAN_ROLE(), guardian);
        vault.grantRole(vault.KEEPER_SIGNER_ROLE(), keeper);
        _addAsset(address(weth), address(wethFeed), 5000);
        _addAsset(address(wbtc), address(wbtcFeed), 5000);
    }

    function _assetCfg(
        address token,
        address feed,
        uint16 maxW
    ) internal pure returns (IBallastVault.AssetConfig memory) {
        return IBallastVault.AssetConfig(token, feed, HEARTBEAT, true, maxW, -10_000, 10_000, 0, 0);
    }

    function _addAsset(address token, address feed, uint16 maxW) internal {
        uint256 idx = vault.assetConfigs().length;
        vm.prank(curator);
        vault.submitAsset(idx, _assetCfg(token, feed, maxW));
        vm.warp(block.timestamp + TIMELOCK);
        _refreshFeeds();
        vault.acceptAsset(idx);
    }

    function _refreshFeeds() internal {
        usdcFeed.updateAnswer(usdcFeed.latestAnswer());
        wethFeed.updateAnswer(wethFeed.latestAnswer());
        wbtcFeed.updateAnswer(wbtcFeed.latestAnswer());
    }

    function _deposit(address who, uint256 assets) internal returns (uint256 shares) {
        usdc.mint(who, assets);
        vm.startPrank(who);
        usdc.approve(address(vault), assets);
        shares = vault.deposit(assets, who);
        vm.stopPrank();
    }

    /// @dev A plan with no actions and any weights accepted (tolerance 100 %), nonce = next.
    function _emptyPlan() internal view returns (IBallastVault.Plan memory p) {
        p.nonce = vault.nextNonce();
        p.deadline = block.timestamp + 1 hours;
        p.actions = new IBallastVault.Action[](0);
        p.expectedWeightsBps = new uint16[](vault.assetConfigs().length);
        p.weightToleranceBps = 10_000;
        p.slippageBps = 100;
    }

    /// @dev 65-byte r ‖ s ‖ v signature of `p` by the KEEPER_SIGNER.
    function _sign(IBallastVault.Plan memory p) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s_) = vm.sign(KEEPER_PK, vault.planDigest(p));
        return abi.encodePacked(r, s_, v);
    }

    /// @dev Signs and relays `p`.
    function _rebalance(IBallastVault.Plan memory p) internal {
        vault.rebalance(p, _sign(p));
    }
}
