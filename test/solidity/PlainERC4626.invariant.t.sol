// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {TestERC20} from "../../contracts/mocks/TestERC20.sol";
import {PlainERC4626} from "../../contracts/mocks/PlainERC4626.sol";

/// @notice Drives the vault with bounded deposits, redemptions and donations from a few actors and
///         keeps ghost totals for the invariants to compare against.
contract PlainVaultHandler is Test {
    TestERC20 public immutable usdc;
    PlainERC4626 public immutable vault;
    address[] internal actors;

    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostDonated;

    constructor(TestERC20 usdc_, PlainERC4626 vault_) {
        usdc = usdc_;
        vault = vault_;
        actors.push(makeAddr("a"));
        actors.push(makeAddr("b"));
        actors.push(makeAddr("c"));
    }

    function deposit(uint256 actorSeed, uint256 assets) external {
        address actor = actors[actorSeed % actors.length];
        assets = bound(assets, 1, 1e24);
        usdc.mint(actor, assets);
        vm.startPrank(actor);
        usdc.approve(address(vault), assets);
        vault.deposit(assets, actor);
        vm.stopPrank();
        ghostDeposited += assets;
    }

    function redeem(uint256 actorSeed, uint256 shares) external {
        address actor = actors[actorSeed % actors.length];
        uint256 balance = vault.balanceOf(actor);
        if (balance == 0) return;
        shares = bound(shares, 1, balance);
        vm.prank(actor);
        ghostWithdrawn += vault.redeem(shares, actor, actor);
    }

    function donate(uint256 assets) external {
        assets = bound(assets, 1, 1e18);
        usdc.mint(address(vault), assets);
        ghostDonated += assets;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function actorAt(uint256 i) external view returns (address) {
        return actors[i];
    }
}

/// @notice Handler-based invariants of OpenZeppelin's plain ERC-4626.
contract PlainERC4626InvariantTest is Test {
    TestERC20 internal usdc;
    PlainERC4626 internal vault;
    PlainVaultHandler internal handler;

    function setUp() public {
        usdc = new TestERC20("USD Coin", "USDC", 6);
        vault = new PlainERC4626(usdc);
        handler = new PlainVaultHandler(usdc, vault);
        targetContract(address(handler));
    }

    /// The vault holds exactly what came in minus what went out: no value appears or leaks.
    function invariant_assetsConserved() public view {
        assertEq(
            usdc.balanceOf(address(vault)),
            handler.ghostDeposited() + handler.ghostDonated() - handler.ghostWithdrawn(),
            "asset conservation"
        );
        assertEq(vault.totalAssets(), usdc.balanceOf(address(vault)), "totalAssets");
    }

    /// Shares in circulation are exactly the actors' balances.
    function invariant_supplyIsSumOfBalances() public view {
        uint256 sum;
        for (uint256 i; i < handler.actorCount(); ++i) sum += vault.balanceOf(handler.actorAt(i));
        assertEq(vault.totalSupply(), sum, "supply");
    }

    /// Redeeming everything at once can always be paid from the vault's balance (rounding down).
    function invariant_solvent() public view {
        assertLe(vault.previewRedeem(vault.totalSupply()), usdc.balanceOf(address(vault)), "insolvent");
    }
}
