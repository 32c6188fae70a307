// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @title PlainERC4626
/// @notice OpenZeppelin's ERC-4626 with nothing added: the reference point for gas benchmarks and
///         the baseline that the foundation's fuzz and invariant tests exercise.
contract PlainERC4626 is ERC4626 {
    /// @param asset_ The underlying token.
    constructor(IERC20 asset_) ERC20("Plain ERC4626", "pVAULT") ERC4626(asset_) {}
}
