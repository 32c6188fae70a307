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
/// @notice Swap adapter (kind 1) of one Ballast vault: the vault transfers exactly `amountIn` of
///         the path's first token to it, it swaps that through SwapRouter02 `exactInput` with the
///         vault as recipient and returns any rest to the vault. Holds no funds between calls; it
///         keeps a standing max approval of each input token to the (immutable) router.
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
        // One-time max approval of the immutable, trusted router (saves an approve and a reset per
        // swap). Safe because this adapter never holds funds between calls: the vault transfers
        // exactly `amountIn` right before this call, exactInput spends all of it, and any rest is
        // returned to the vault below, so the balance is 0 whenever the allowance could be used.
        if (tokenIn.allowance(address(this), address(ROUTER)) < amountIn) {
            tokenIn.forceApprove(address(ROUTER), type(uint256).max);
        }
        ROUTER.exactInput(ISwapRouter02Minimal.ExactInputParams(path, VAULT, amountIn, minOut));
        uint256 rest = tokenIn.balanceOf(address(this));
        if (rest != 0) tokenIn.safeTransfer(VAULT, rest);
    }

    /// @dev First token of the abi-encoded path in `data`.
    function _firstToken(bytes calldata data) private pure returns (address) {
        uint256 off = uint256(bytes32(data[0:32]));
        return address(bytes20(data[off + 32:off + 52]));
    }
}
