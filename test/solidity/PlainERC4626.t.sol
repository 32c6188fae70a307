// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {TestERC20} from "../../contracts/mocks/TestERC20.sol";
import {PlainERC4626} from "../../contracts/mocks/PlainERC4626.sol";

/// @notice Fuzz tests of OpenZeppelin's plain ERC-4626 (the baseline until Ballast's vault exists).
contract PlainERC4626FuzzTest is Test {
    TestERC20 internal usdc;
    PlainERC4626 internal vault;
    address internal alice = makeAddr("alice");

    function setUp() public {
        usdc = new TestERC20("USD Coin", "USDC", 6);
        vault = new PlainERC4626(usdc);
    }

    /// Depositing then redeeming every share never returns more than was deposited, and the
    /// preview functions agree with what actually happens.
    function testFuzz_depositRedeemRoundTrip(uint256 assets) public {
        assets = bound(assets, 1, 1e30);
        usdc.mint(alice, assets);
        vm.startPrank(alice);
        usdc.approve(address(vault), assets);
        uint256 previewShares = vault.previewDeposit(assets);
        uint256 shares = vault.deposit(assets, alice);
        assertEq(shares, previewShares, "previewDeposit != deposit");
        uint256 previewAssets = vault.previewRedeem(shares);
        uint256 out = vault.redeem(shares, alice, alice);
        vm.stopPrank();
        assertEq(out, previewAssets, "previewRedeem != redeem");
        assertLe(out, assets, "round trip created value");
    }
}
