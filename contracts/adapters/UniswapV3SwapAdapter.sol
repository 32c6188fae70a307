// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAdapter} from "../interfaces/IAdapter.sol";
import {ISwapRouter02Minimal} from "../interfaces/ISwapRouter02Minimal.sol";

/// @title UniswapV3SwapAdapter
/// @notice Swap adapter (kind 1) of one Ballast vault: pulls exactly `amountIn` of the path's
///         first token from the vault, swaps it through SwapRouter02 `exactInput` with the vault
///         as recipient, and resets its router approval to 0. Holds no funds between calls.
///         `data = abi.encode(bytes path, uint256 amountIn, uint256 minOut)` (docs/plan-format.md §3).
///         The vault validates the path's end tokens and measures the result itself.
contract UniswapV3SwapAdapter is IAdapter {
    using SafeERC20 for IERC20;

    /// @notice The vault this adapter serves.
    address public immutable VAULT;
    /// @notice SwapRouter02.
    ISwapRouter02Minimal public immutable ROUTER;

    /// @notice Only the vault may call `execute`.
    error OnlyVault(address caller);
    /// @notice The path is shorter than one hop.
    error InvalidPath(uint256 length);

    /// @param vault_ The vault.
    /// @param router_ SwapRouter02.
    constructor(address vault_, ISwapRouter02Minimal router_) {
        VAULT = vault_;
        ROUTER = router_;
    }

    /// @inheritdoc IAdapter
    function execute(bytes calldata data) external {
        if (msg.sender != VAULT) revert OnlyVault(msg.sender);
        (bytes memory path, uint256 amountIn, uint256 minOut) = abi.decode(data, (bytes, uint256, uint256));
        if (path.length < 43) revert InvalidPath(path.length);
        IERC20 tokenIn = IERC20(_firstToken(data));
        tokenIn.safeTransferFrom(VAULT, address(this), amountIn);
        tokenIn.forceApprove(address(ROUTER), amountIn);
        ROUTER.exactInput(ISwapRouter02Minimal.ExactInputParams(path, VAULT, amountIn, minOut));
        tokenIn.forceApprove(address(ROUTER), 0);
    }

    /// @dev First token of the abi-encoded path in `data`.
    function _firstToken(bytes calldata data) private pure returns (address) {
        uint256 off = uint256(bytes32(data[0:32]));
        return address(bytes20(data[off + 32:off + 52]));
    }
}
