/**
 * Chainlink price-feed round-history walker. The chain stays at the edge: the caller injects
 * `readRound` (e.g. a wrapper around `AggregatorV3Interface.getRoundData`), and this module only
 * walks round ids and converts answers.
 *
 * Round ids of a proxy encode the phase: roundId = (phaseId << 64) | aggregatorRoundId. A phase
 * (one underlying aggregator) numbers its rounds 1, 2, 3, …; the walker steps back inside the
 * phase of `latestRoundId` only, and never crosses into the previous phase.
 */
import { DataError } from "./types.ts";
import type { PricePoint } from "./types.ts";

/** Round data as returned by `AggregatorV3Interface.getRoundData` / `latestRoundData`. */
export interface RoundData {
  roundId: bigint;
  answer: bigint;
  startedAt: bigint;
  updatedAt: bigint;
  answeredInRound: bigint;
}

/** Injected reader; may throw (e.g. the "No data present" revert) for a missing round. */
export type ReadRound = (roundId: bigint) => Promise<RoundData>;

/** Options of {@link walkRounds}. */
export interface WalkRoundsOptions {
  /** Round id to start from (normally `latestRoundData().roundId`); walked backwards. */
  latestRoundId: bigint;
  /** Maximum number of `readRound` calls. */
  maxRounds: number;
  /** Stop once a round's `updatedAt` (unix seconds) is < since; that round is excluded. Default 0. */
  since?: number;
  /** Feed decimals (`AggregatorV3Interface.decimals()`), used to convert answers. */
  decimals: number;
}

/** Why the walk ended. */
export type WalkStopReason = "since" | "maxRounds" | "phaseStart" | "missingRound";

/** Result of {@link walkRounds}. */
export interface WalkRoundsResult {
  /** Valid observations converted with `decimals`, ascending in t (= updatedAt), one per distinct updatedAt. */
  points: PricePoint[];
  /** Every round read that was not missing, in the order read (descending round id). */
  rounds: RoundData[];
  /** Rounds that were read but dropped from `points`: answer ≤ 0, or stale (answeredInRound < roundId). */
  rejected: { roundId: bigint; reason: "non-positive-answer" | "stale" }[];
  phaseId: bigint;
  stoppedBecause: WalkStopReason;
  /** Round id that was missing (only when stoppedBecause = "missingRound"). */
  missingRoundId?: bigint;
}

const MASK_64 = (1n << 64n) - 1n;

/** Split a proxy round id into { phaseId, aggregatorRoundId }. */
export function splitRoundId(roundId: bigint): { phaseId: bigint; aggregatorRoundId: bigint } {
  if (roundId < 0n) throw new DataError("INVALID_ARGUMENT", `negative roundId ${roundId}`);
  return { phaseId: roundId >> 64n, aggregatorRoundId: roundId & MASK_64 };
}

/** Compose a proxy round id from a phase id and an aggregator round id. */
export function composeRoundId(phaseId: bigint, aggregatorRoundId: bigint): bigint {
  if (aggregatorRoundId < 0n || aggregatorRoundId > MASK_64 || phaseId < 0n) {
    throw new DataError("INVALID_ARGUMENT", "round id components out of range");
  }
  return (phaseId << 64n) | aggregatorRoundId;
}

/**
 * Convert a fixed-point integer answer with `decimals` decimals to a JS number, splitting the
 * integer and fractional parts so values far above 2^53 keep their leading digits.
 */
export function scaleAnswer(answer: bigint, decimals: number): number {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 77) {
    throw new DataError("INVALID_ARGUMENT", `bad decimals ${decimals}`);
  }
  const base = 10n ** BigInt(decimals);
  const neg = answer < 0n;
  const a = neg ? -answer : answer;
  const v = Number(a / base) + Number(a % base) / Number(base);
  return neg ? -v : v;
}

/**
 * Walk a Chainlink feed's round history backwards from `latestRoundId`, within its phase.
 *
 * Stops when: `maxRounds` reads were made ("maxRounds"); the aggregator round id reaches 0
 * ("phaseStart"); a round is missing — `readRound` throws or returns `updatedAt == 0`
 * ("missingRound"); or a round older than `since` is met ("since"). Rounds with a non-positive
 * answer or answeredInRound < roundId are kept in `rounds` but rejected from `points`. If several
 * rounds share an updatedAt, the one with the highest round id wins.
 */
export async function walkRounds(
  readRound: ReadRound,
  opts: WalkRoundsOptions,
): Promise<WalkRoundsResult> {
  const { phaseId, aggregatorRoundId } = splitRoundId(opts.latestRoundId);
  const since = opts.since ?? 0;
  if (!Number.isInteger(opts.maxRounds) || opts.maxRounds < 0) {
    throw new DataError("INVALID_ARGUMENT", `bad maxRounds ${opts.maxRounds}`);
  }
  scaleAnswer(0n, opts.decimals); // validates decimals up front
  const rounds: RoundData[] = [];
  const rejected: WalkRoundsResult["rejected"] = [];
  const byTime = new Map<number, number>();
  let stoppedBecause: WalkStopReason;
  let missingRoundId: bigint | undefined;
  let agg = aggregatorRoundId;
  let reads = 0;
  for (;;) {
    if (agg <= 0n) {
      stoppedBecause = "phaseStart";
      break;
    }
    if (reads >= opts.maxRounds) {
      stoppedBecause = "maxRounds";
      break;
    }
    const id = composeRoundId(phaseId, agg);
    reads++;
    let r: RoundData;
    try {
      r = await readRound(id);
    } catch {
      stoppedBecause = "missingRound";
      missingRoundId = id;
      break;
    }
    if (r.updatedAt === 0n) {
      stoppedBecause = "missingRound";
      missingRoundId = id;
      break;
    }
    const t = Number(r.updatedAt);
    if (t < since) {
      stoppedBecause = "since";
      break;
    }
    rounds.push(r);
    if (r.answer <= 0n) rejected.push({ roundId: id, reason: "non-positive-answer" });
    else if (r.answeredInRound < r.roundId) rejected.push({ roundId: id, reason: "stale" });
    else if (!byTime.has(t)) byTime.set(t, scaleAnswer(r.answer, opts.decimals));
    agg -= 1n;
  }
  const points = [...byTime.entries()]
    .map(([t, price]) => ({ t, price }))
    .sort((a, b) => a.t - b.t);
  const res: WalkRoundsResult = { points, rounds, rejected, phaseId, stoppedBecause };
  if (missingRoundId !== undefined) res.missingRoundId = missingRoundId;
  return res;
}
