// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title OracleLib
/// @notice Chainlink feed checks. `tryPrice` and `trySequencer` never revert: a feed whose call
///         reverts or returns too little data fails the check like a stale one (so a deprecated or
///         access-restricted feed cannot take down the oracle-outage paths); `price` and
///         `checkSequencer` revert with an error naming the feed and carrying the offending values.
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
    /// @notice The feed's `latestRoundData()` call reverted or returned too little data.
    error OracleCallFailed(address feed);

    uint8 internal constant OK = 0;
    uint8 internal constant NOT_POSITIVE = 1;
    uint8 internal constant STALE = 2;
    uint8 internal constant OUT_OF_BAND = 3;
    uint8 internal constant CALL_FAILED = 4;

    /// @dev Checks the sequencer; reverts when it is down or inside its grace period, or when its
    ///      feed does not answer.
    function checkSequencer(Sequencer memory seq) internal view {
        if (seq.feed == address(0)) return;
        (bool called, int256 answer, uint256 startedAt, ) = _latest(seq.feed);
        if (!called) revert OracleCallFailed(seq.feed);
        if (answer != 0) revert SequencerDown(seq.feed, answer);
        if (!_pastGrace(startedAt, seq.gracePeriod)) {
            revert SequencerGracePeriodNotOver(seq.feed, startedAt, seq.gracePeriod);
        }
    }

    /// @dev Sequencer status without reverting.
    function trySequencer(
        Sequencer memory seq
    ) internal view returns (bool ok, int256 answer, uint256 startedAt) {
        if (seq.feed == address(0)) return (true, 0, 0);
        bool called;
        (called, answer, startedAt, ) = _latest(seq.feed);
        ok = called && answer == 0 && _pastGrace(startedAt, seq.gracePeriod);
    }

    /// @dev Price of `f` (raw answer, feed decimals); reverts with a named error.
    function price(Feed memory f) internal view returns (uint256) {
        (uint8 status, int256 answer, uint256 updatedAt) = tryPrice(f);
        if (status == OK) return uint256(answer);
        if (status == NOT_POSITIVE) revert OracleAnswerNotPositive(f.feed, answer);
        if (status == STALE) revert OracleStale(f.feed, updatedAt, f.heartbeat, block.timestamp);
        if (status == CALL_FAILED) revert OracleCallFailed(f.feed);
        revert OraclePriceOutOfBand(f.feed, answer, f.minPrice, f.maxPrice);
    }

    /// @dev Status of `f` and its raw answer, without reverting on a failed check.
    function tryPrice(Feed memory f) internal view returns (uint8 status, int256 answer, uint256 updatedAt) {
        bool called;
        (called, answer, , updatedAt) = _latest(f.feed);
        if (!called) return (CALL_FAILED, 0, 0);
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

    /// @dev block.timestamp > startedAt + gracePeriod, without overflow for any `startedAt`.
    function _pastGrace(uint256 startedAt, uint32 gracePeriod) private view returns (bool) {
        return startedAt < block.timestamp && block.timestamp - startedAt > gracePeriod;
    }

    /// @dev `feed.latestRoundData()` without reverting: `called` is false when the call reverts or
    ///      returns fewer than five words. The words are read unvalidated (a roundId above 80 bits
    ///      does not matter to any check).
    function _latest(
        address feed
    ) private view returns (bool called, int256 answer, uint256 startedAt, uint256 updatedAt) {
        (bool success, bytes memory ret) = feed.staticcall(
            abi.encodeCall(AggregatorV3Interface.latestRoundData, ())
        );
        if (!success || ret.length < 160) return (false, 0, 0, 0);
        (, answer, startedAt, updatedAt, ) = abi.decode(ret, (uint256, int256, uint256, uint256, uint256));
        called = true;
    }
}
