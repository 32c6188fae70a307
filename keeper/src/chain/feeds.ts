/**
 * The vault's oracle checks (OracleLib.tryPrice) on a snapshot, off chain: which feeds would make
 * the vault's NAV unavailable at the snapshot block — answer not positive, stale (updated never,
 * in the future, or longer ago than the heartbeat) or outside its [min, max] band (0 = no bound),
 * plus the feeds whose call itself failed while the snapshot was read (the reader's
 * {@link FeedCallFailure}s: OracleCallFailed on chain). Pure: the snapshot carries each feed's
 * answer, update time and parameters.
 */
import type { FeedInfo, VaultSnapshot } from "../planner/types.ts";

/** One failing feed. `asset` is the registry index, or "base" for the base token's feed. */
export interface FeedFailure {
  asset: number | "base";
  token: string;
  feed: string;
  reason: "not-positive" | "stale" | "out-of-band" | "call-failed";
  /** One line with the numbers, e.g. `stale: updated 90000 s ago, heartbeat 86400 s`. */
  detail: string;
}

/**
 * A feed whose call failed at the snapshot block (the feed reverted or answered data that does
 * not decode), as `readSnapshot` collects it: the snapshot holds no answer for it.
 */
export interface FeedCallFailure {
  /** The registry index, or "base" for the base token's feed. */
  asset: number | "base";
  feed: string;
  /** The calls the feed failed, `latestRoundData` first. */
  methods: ("latestRoundData" | "decimals")[];
  /** How the first of them failed, e.g. `reverted without data`. */
  why: string;
}

/** `call failed: the feed does not answer latestRoundData() (reverted without data)` */
export function callFailureDetail(c: FeedCallFailure): string {
  return `call failed: the feed does not answer ${c.methods.map((m) => `${m}()`).join(" or ")} (${c.why})`;
}

/** The check of one feed (null when it passes or carries no feed parameters). */
export function feedFailure(
  info: FeedInfo | undefined,
  answer: bigint,
  now: bigint,
): Pick<FeedFailure, "reason" | "detail"> | null {
  if (info === undefined) return null;
  if (answer <= 0n) return { reason: "not-positive", detail: `answer ${answer} is not positive` };
  const u = info.updatedAt;
  if (u === 0n || u > now || now - u > info.heartbeat)
    return {
      reason: "stale",
      detail:
        u === 0n
          ? "stale: never updated"
          : u > now
            ? `stale: updated in the future (${u} > ${now})`
            : `stale: updated ${now - u} s ago, heartbeat ${info.heartbeat} s`,
    };
  if (
    (info.minPrice !== 0n && answer < info.minPrice) ||
    (info.maxPrice !== 0n && answer > info.maxPrice)
  )
    return {
      reason: "out-of-band",
      detail: `answer ${answer} outside [${info.minPrice}, ${info.maxPrice}]`,
    };
  return null;
}

/**
 * Every failing feed of `s` (base first, then the assets in registry order). A feed in `calls`
 * is named by its failed call, not checked: the snapshot holds no answer for it.
 */
export function feedFailures(
  s: VaultSnapshot,
  calls: readonly FeedCallFailure[] = [],
): FeedFailure[] {
  const out: FeedFailure[] = [];
  const check = (
    asset: number | "base",
    token: string,
    info: FeedInfo | undefined,
    answer: bigint,
  ): void => {
    const c = calls.find((x) => x.asset === asset);
    if (c !== undefined) {
      out.push({ asset, token, feed: c.feed, reason: "call-failed", detail: callFailureDetail(c) });
      return;
    }
    const f = feedFailure(info, answer, s.timestamp);
    if (f !== null && info !== undefined) out.push({ asset, token, feed: info.feed, ...f });
  };
  check("base", s.base.token, s.base.feedInfo, s.base.price);
  s.assets.forEach((a, i) => check(i, a.token, a.feedInfo, a.price));
  return out;
}

/** `feed 0x… of asset 0 (0x…): stale: updated 90000 s ago, heartbeat 86400 s` */
export function describeFeedFailure(f: FeedFailure): string {
  const who = f.asset === "base" ? "the base token" : `asset ${f.asset}`;
  return `feed ${f.feed} of ${who} (${f.token}): ${f.detail}`;
}

/**
 * Why the NAV is unavailable, in one line, or null when it is available: the failing feeds when
 * the off-chain checks find any or a feed's call failed (`calls`), else `fallback` (e.g. the
 * vault's decoded revert: a sequencer outage) when the chain says the NAV is unavailable
 * (`chainSaysUnavailable`).
 */
export function navUnavailableReason(
  s: VaultSnapshot,
  chainSaysUnavailable: boolean,
  fallback = "the vault cannot price its NAV",
  calls: readonly FeedCallFailure[] = [],
): string | null {
  const failures = feedFailures(s, calls);
  if (failures.length > 0) return failures.map(describeFeedFailure).join("; ");
  return chainSaysUnavailable ? fallback : null;
}
