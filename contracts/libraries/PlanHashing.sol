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

    /// @dev EIP-712 struct hash of `plan`, inlined into the caller (the rebalance). The action
    ///      and weight arrays are hashed straight from calldata (no ABI decoding, no copies):
    ///      `Action[]` encodes as keccak256 of the concatenated action struct hashes, `uint16[]` as
    ///      keccak256 of its 32-byte words. The words are hashed as sent: a plan whose words are not
    ///      clean uint8/uint16 values hashes differently from the one the keeper signed, and the
    ///      rebalance reads every field through Solidity's checked calldata accessors anyway.
    function hashInternal(IBallastVault.Plan calldata plan) internal pure returns (bytes32) {
        IBallastVault.Action[] calldata actions = plan.actions;
        uint16[] calldata weights = plan.expectedWeightsBps;
        bytes32 actionsHash;
        bytes32 weightsHash;
        bytes32 actionTypehash = ACTION_TYPEHASH;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // scratch beyond the free memory pointer: n action hashes, then one action's data
            let m := mload(0x40)
            let n := actions.length
            let scratch := add(m, shl(5, n))
            for {
                let k := 0
            } lt(k, n) {
                k := add(k, 1)
            } {
                // head k of the array holds the offset of action k from the array's start
                let a := add(actions.offset, calldataload(add(actions.offset, shl(5, k))))
                let d := add(a, calldataload(add(a, 0x20))) // `data`: offset from the struct start
                let len := calldataload(d)
                calldatacopy(scratch, add(d, 0x20), len)
                let dataHash := keccak256(scratch, len)
                mstore(scratch, actionTypehash)
                mstore(add(scratch, 0x20), calldataload(a)) // adapterId
                mstore(add(scratch, 0x40), dataHash)
                mstore(add(m, shl(5, k)), keccak256(scratch, 0x60))
            }
            actionsHash := keccak256(m, shl(5, n))
            let wl := shl(5, weights.length)
            calldatacopy(m, weights.offset, wl)
            weightsHash := keccak256(m, wl)
        }
        return
            keccak256(
                abi.encode(
                    PLAN_TYPEHASH,
                    plan.nonce,
                    plan.deadline,
                    actionsHash,
                    weightsHash,
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
