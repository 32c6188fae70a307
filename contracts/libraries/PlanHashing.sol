// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IBallastVault} from "../interfaces/IBallastVault.sol";

/// @title PlanHashing
/// @notice EIP-712 struct hashes of rebalance plans and their signers (docs/plan-format.md §2).
///         External (linked) library, to keep the vault under 24 KiB.
library PlanHashing {
    bytes32 internal constant ACTION_TYPEHASH = keccak256("Action(uint8 adapterId,bytes data)");
    bytes32 internal constant PLAN_TYPEHASH = keccak256(
        "Plan(uint256 nonce,uint256 deadline,Action[] actions,uint16[] expectedWeightsBps,"
        "uint16 weightToleranceBps,uint16 slippageBps)Action(uint8 adapterId,bytes data)"
    );

    /// @dev EIP-712 struct hash of `plan` (linked entry point for the vault's views).
    function hash(IBallastVault.Plan calldata plan) external pure returns (bytes32) {
        return hashInternal(plan);
    }

    /// @dev EIP-712 struct hash of `plan`, inlined into the caller (the rebalance).
    function hashInternal(IBallastVault.Plan calldata plan) internal pure returns (bytes32) {
        uint256 n = plan.actions.length;
        bytes32[] memory actionHashes = new bytes32[](n);
        for (uint256 k; k < n; ++k) {
            actionHashes[k] = keccak256(
                abi.encode(ACTION_TYPEHASH, plan.actions[k].adapterId, keccak256(plan.actions[k].data))
            );
        }
        uint256 m = plan.expectedWeightsBps.length;
        uint256[] memory weights = new uint256[](m);
        for (uint256 i; i < m; ++i) weights[i] = plan.expectedWeightsBps[i];
        return
            keccak256(
                abi.encode(
                    PLAN_TYPEHASH,
                    plan.nonce,
                    plan.deadline,
                    keccak256(abi.encodePacked(actionHashes)),
                    keccak256(abi.encodePacked(weights)),
                    plan.weightToleranceBps,
                    plan.slippageBps
                )
            );
    }

    /// @notice The signature is malformed or does not verify.
    error InvalidSignature();

    /// @dev Signer of `digest`: 65 bytes = ECDSA; otherwise `signer (20 bytes) ‖ sig` checked with
    ///      SignatureChecker (ERC-1271 or ECDSA).
    function signerOf(bytes32 digest, bytes calldata sig) external view returns (address signer) {
        return signerOfInternal(digest, sig);
    }

    /// @dev {signerOf}, inlined into the caller (the rebalance).
    function signerOfInternal(bytes32 digest, bytes calldata sig) internal view returns (address signer) {
        if (sig.length == 65) {
            ECDSA.RecoverError err;
            (signer, err, ) = ECDSA.tryRecover(digest, sig);
            if (err != ECDSA.RecoverError.NoError) revert InvalidSignature();
            return signer;
        }
        if (sig.length < 20) revert InvalidSignature();
        signer = address(bytes20(sig[0:20]));
        if (!SignatureChecker.isValidSignatureNow(signer, digest, sig[20:])) revert InvalidSignature();
    }
}
