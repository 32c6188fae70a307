// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title OracleLib
/// @notice Chainlink feed checks. `tryPrice` never reverts (except when the feed call itself
///         reverts or returns malformed data); `price` reverts with an error naming the feed and
///         carrying the offending values.
library OracleLib {
    /// @notice Feed parameters as stored by the vault.
    struct Feed {
        address feed;
        uint32 heartbeat;
        uint128 minPrice;
        uint128 maxPrice;
    }

    /// @notice Optional L2 sequencer uptime feed (feed = 0: not configured).
    struct Sequencer {
        address feed;
        uint32 gracePeriod;
    }

    /// @notice The feed answered zero or a negative number.
    error OracleAnswerNotPositive(address feed, int256 answer);
    /// @notice The feed's last update is older than its heartbeat (or in the future).
    error OracleStale(address feed, uint256 updatedAt, uint256 heartbeat, uint256 nowTs);
    /// @notice The answer is outside the configured [min, max] band.
    error OraclePriceOutOfBand(address feed, int256 answer, uint256 minPrice, uint256 maxPrice);
    /// @notice The L2 sequencer is reported down.
    error SequencerDown(address sequencerFeed, int256 answer);
    /// @notice The L2 sequencer came back up less than `gracePeriod` seconds ago.
    error SequencerGracePeriodNotOver(address sequencerFeed, uint256 startedAt, uint256 gracePeriod);

    uint8 internal constant OK = 0;
    uint8 internal constant NOT_POSITIVE = 1;
    uint8 internal constant STALE = 2;
    uint8 internal constant OUT_OF_BAND = 3;

    /// @dev Checks the sequencer; reverts when it is down or inside its grace period.
    function checkSequencer(Sequencer memory seq) internal view {
        (bool ok, int256 answer, uint256 startedAt) = trySequencer(seq);
        if (ok) return;
        if (answer != 0) revert SequencerDown(seq.feed, answer);
        revert SequencerGracePeriodNotOver(seq.feed, startedAt, seq.gracePeriod);
    }

    /// @dev Sequencer status without reverting.
    function trySequencer(
        Sequencer memory seq
    ) internal view returns (bool ok, int256 answer, uint256 startedAt) {
        if (seq.feed == address(0)) return (true, 0, 0);
        (, answer, startedAt, , ) = AggregatorV3Interface(seq.feed).latestRoundData();
        ok = answer == 0 && block.timestamp > startedAt + seq.gracePeriod;
    }

    /// @dev Price of `f` (raw answer, feed decimals); reverts with a named error.
    function price(Feed memory f) internal view returns (uint256) {
        (uint8 status, int256 answer, uint256 updatedAt) = tryPrice(f);
        if (status == OK) return uint256(answer);
        if (status == NOT_POSITIVE) revert OracleAnswerNotPositive(f.feed, answer);
        if (status == STALE) revert OracleStale(f.feed, updatedAt, f.heartbeat, block.timestamp);
        revert OraclePriceOutOfBand(f.feed, answer, f.minPrice, f.maxPrice);
    }

    /// @dev Status of `f` and its raw answer, without reverting on a failed check.
    function tryPrice(Feed memory f) internal view returns (uint8 status, int256 answer, uint256 updatedAt) {
        (, answer, , updatedAt, ) = AggregatorV3Interface(f.feed).latestRoundData();
        if (answer <= 0) return (NOT_POSITIVE, answer, updatedAt);
        if (updatedAt == 0 || updatedAt > block.timestamp || block.timestamp - updatedAt > f.heartbeat) {
            return (STALE, answer, updatedAt);
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 p = uint256(answer);
        if ((f.minPrice != 0 && p < f.minPrice) || (f.maxPrice != 0 && p > f.maxPrice)) {
            return (OUT_OF_BAND, answer, updatedAt);
        }
        return (OK, answer, updatedAt);
    }
}
