// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title NavReadProbe
/// @notice Benchmark-only (scripts/bench/gas.ts): measures, on their own, the reads a live
///         oracle-priced NAV cannot avoid — one `balanceOf` per risk asset and one
///         `latestRoundData` per feed (the risk assets' feeds and the base/USD feed). Never deploy
///         it to a real network; it holds nothing and changes nothing.
contract NavReadProbe {
    /// @notice Gas spent by `tokens[i].balanceOf(account)` for every i, then by
    ///         `feeds[j].latestRoundData()` for every j, each measured with `gasleft()` around its
    ///         loop. Called first in a transaction (or an `eth_call`), every account and slot is cold.
    /// @param account The holder whose balances are read (the vault).
    /// @param tokens The risk-asset tokens.
    /// @param feeds The Chainlink feeds (risk assets and the base/USD feed).
    /// @return balanceGas Gas of the balance reads.
    /// @return feedGas Gas of the feed reads.
    /// @return checksum Sum of the balances and answers (keeps the reads observable).
    function measure(
        address account,
        IERC20[] calldata tokens,
        AggregatorV3Interface[] calldata feeds
    ) external view returns (uint256 balanceGas, uint256 feedGas, uint256 checksum) {
        uint256 n = tokens.length;
        uint256 m = feeds.length;
        uint256 g0 = gasleft();
        for (uint256 i; i < n; ++i) {
            checksum += tokens[i].balanceOf(account);
        }
        uint256 g1 = gasleft();
        for (uint256 j; j < m; ++j) {
            (, int256 answer, , , ) = feeds[j].latestRoundData();
            // forge-lint: disable-next-line(unsafe-typecast)
            checksum += uint256(answer);
        }
        uint256 g2 = gasleft();
        balanceGas = g0 - g1;
        feedGas = g1 - g2;
    }
}
