// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title RawBatch
/// @notice Gas-benchmark baseline (scripts/bench/gas.ts), not part of Ballast: the raw calls a
///         rebalance wraps (SwapRouter02 swaps, Aave supply and borrow) made in ONE transaction
///         from one holder, so that the baseline has the same one-transaction warm/cold profile
///         as the rebalance it is compared with. It holds the tokens, approves the router and the
///         pool once, and runs a list of calls for its owner.
contract RawBatch {
    using SafeERC20 for IERC20;

    /// @notice Who may use the batch.
    address public immutable OWNER;

    /// @notice The caller is not the owner.
    error NotOwner(address caller);

    /// @notice Sets the owner.
    constructor() {
        OWNER = msg.sender;
    }

    /// @notice Approves `spender` for all of the batch's `token`. Owner only.
    /// @param token The token.
    /// @param spender The spender (router or pool).
    function approveMax(address token, address spender) external {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
        IERC20(token).forceApprove(spender, type(uint256).max);
    }

    /// @notice Calls `targets[i]` with `data[i]` in order; bubbles up the first revert. Owner only.
    /// @param targets Contracts to call.
    /// @param data Calldata of each call.
    function run(address[] calldata targets, bytes[] calldata data) external {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
        uint256 n = targets.length;
        for (uint256 i; i < n; ++i) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = targets[i].call(data[i]);
            if (!ok) {
                // solhint-disable-next-line no-inline-assembly
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
    }
}
