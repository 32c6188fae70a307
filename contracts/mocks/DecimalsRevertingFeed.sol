// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title DecimalsRevertingFeed
/// @notice Test-only Chainlink feed whose `latestRoundData()` answers and whose `decimals()`
///         reverts: a feed that stopped answering `decimals()` after the vault registered it (the
///         vault stored its decimals then). Tests put its runtime code at a registered feed's
///         address (`hardhat_setCode`); the answer is an immutable, so it travels with the code.
///         Never deploy it to a real network.
contract DecimalsRevertingFeed {
    /// @notice `decimals()` always reverts with this.
    error DecimalsUnavailable();

    /// @dev The answer `latestRoundData()` returns.
    int256 private immutable ANSWER;

    /// @param answer The answer `latestRoundData()` returns.
    constructor(int256 answer) {
        ANSWER = answer;
    }

    /// @notice Round 1 with the fixed answer, started and updated at the current block.
    /// @return roundId Always 1.
    /// @return answer The constructor's answer.
    /// @return startedAt The block timestamp.
    /// @return updatedAt The block timestamp.
    /// @return answeredInRound Always 1.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return (1, ANSWER, block.timestamp, block.timestamp, 1);
    }

    /// @notice Always reverts {DecimalsUnavailable}.
    /// @return Never returns.
    function decimals() external pure returns (uint8) {
        revert DecimalsUnavailable();
    }
}
