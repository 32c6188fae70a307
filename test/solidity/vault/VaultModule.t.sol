// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-small-strings

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {VaultFixture} from "./VaultFixture.sol";
import {VaultModule} from "../../../contracts/VaultModule.sol";
import {VaultRebalancer} from "../../../contracts/VaultRebalancer.sol";
import {BallastVault} from "../../../contracts/BallastVault.sol";
import {IBallastVault} from "../../../contracts/interfaces/IBallastVault.sol";

/// @notice The contract split: the vault forwards its cold entry points to its own VaultModule and
///         `rebalance` to its VaultRebalancer, both by DELEGATECALL; they run on the vault's
///         storage and roles, and called directly never touch the vault.
contract VaultModuleTest is VaultFixture {
    VaultModule internal module;

    function setUp() public {
        _deploy(_fees(0, 0), address(0));
        module = VaultModule(vault.MODULE());
    }

    function test_moduleIsBoundToItsVault() public view {
        assertEq(module.VAULT(), address(vault));
        assertGt(address(module).code.length, 0);
    }

    function test_rebalanceCalledDirectlyReverts() public {
        VaultRebalancer r = VaultRebalancer(vault.REBALANCER());
        IBallastVault.Plan memory p = _emptyPlan();
        vm.expectRevert(abi.encodeWithSelector(VaultRebalancer.NotDelegated.selector, address(r)));
        r.rebalance(p, "");
    }

    /// @dev The tests run the shipped rebalancer: the build's via-IR artifact (VaultFixture
    ///      deploys it from there), not a copy compiled with this test run's legacy settings.
    function test_testsRunTheBuildsViaIrRebalancer() public {
        bytes memory built = vm.getDeployedCode("VaultRebalancer.sol:VaultRebalancer");
        assertEq(vault.REBALANCER().code.length, built.length, "the artifact's code");
        assertTrue(address(new VaultRebalancer(usdc)).code.length != built.length, "not the legacy compile");
    }

    function test_rebalancerServesTheVaultsBaseAsset() public view {
        VaultRebalancer r = VaultRebalancer(vault.REBALANCER());
        assertEq(r.asset(), address(usdc));
        assertEq(r.totalSupply(), 0, "no state of its own");
    }

    function test_forwardedCallsKeepTheVaultsRoles() public {
        bytes32 role = vault.GUARDIAN_ROLE();
        // through the vault: the vault's roles apply
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role)
        );
        vault.pause();
        vm.prank(guardian);
        vault.pause();
        assertTrue(vault.paused(), "the flag is set in the vault's storage");
        // directly on the module: no role was ever granted there, and the vault is untouched
        vm.prank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, role)
        );
        module.unpause();
        assertTrue(vault.paused());
    }

    function test_forwardedErrorsBubbleWithTheVaultsSelectors() public {
        vm.expectRevert(BallastVault.NotShutDown.selector);
        vault.exitInKind(1, alice, alice);
        vm.prank(guardian);
        vault.shutDown();
        vm.expectRevert(BallastVault.ZeroShares.selector);
        vault.exitInKind(0, alice, alice);
    }
}
