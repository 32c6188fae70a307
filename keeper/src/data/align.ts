/**
 * Time-grid alignment, resampling, bounded forward fill and log returns.
 *
 * Time convention: a bucket of width `b` seconds is labelled by its START, floor(t / b)·b, and its
 * value is the LAST observation with t inside [start, start + b). With bar-open time stamps (as in
 * the shared hourly file) the last hourly bar of a UTC day is the 23:00 bar, whose close is the
 * day's close — matching the daily file, whose `date` labels the day's close.
 */
import { DataError, DAY, HOUR } from "./types.ts";
import type { PricePoint, SeriesBySymbol } from "./types.ts";

/** Bucket width: "hourly", "daily" or a number of seconds. */
export type Bucket = "hourly" | "daily" | number;

/** Bucket width in seconds. */
export function bucketSeconds(bucket: Bucket): number {
  const b = bucket === "hourly" ? HOUR : bucket === "daily" ? DAY : bucket;
  if (!(Number.isInteger(b) && b > 0))
    throw new DataError("INVALID_ARGUMENT", `bad bucket ${bucket}`);
  return b;
}

/** Start of the bucket containing t. */
export function bucketStart(t: number, b: number): number {
  return Math.floor(t / b) * b;
}

/**
 * Resample one series to buckets of width `bucket`, taking the last price in each bucket.
 * Empty buckets are simply absent (no fill). Input need not be sorted; output is ascending.
 */
export function resampleLast(series: readonly PricePoint[], bucket: Bucket): PricePoint[] {
  const b = bucketSeconds(bucket);
  const sorted = [...series].sort((x, y) => x.t - y.t);
  const out: PricePoint[] = [];
  for (const p of sorted) {
    const s = bucketStart(p.t, b);
    const last = out[out.length - 1];
    if (last && last.t === s) last.price = p.price;
    else out.push({ t: s, price: p.price });
  }
  return out;
}

/** Prices on a common grid: `prices[k][j]` is symbol j at time `t[k]`, or null when missing. */
export interface AlignedPanel {
  /** Bucket starts, ascending and evenly spaced by `bucketSeconds`. */
  t: number[];
  symbols: string[];
  prices: (number | null)[][];
  bucketSeconds: number;
}

/** Options of {@link alignSeries}. */
export interface AlignOptions {
  bucket: Bucket;
  /** Symbols (column order); default: all keys of the input, sorted. */
  symbols?: readonly string[];
  /**
   * Grid range. "intersection" (default): from the latest first bucket to the earliest last
   * bucket across symbols; "union": from the earliest first to the latest last bucket.
   */
  range?: "intersection" | "union";
  /** Optional clamp of the grid, unix seconds, inclusive: first bucket start ≥ start. */
  start?: number;
  /** Optional clamp: last bucket start ≤ end. */
  end?: number;
}

/**
 * Resample every series (last price per bucket) and lay them on one evenly spaced grid. Buckets
 * with no observation are null; nothing is filled here (see {@link forwardFill}).
 */
export function alignSeries(series: SeriesBySymbol, opts: AlignOptions): AlignedPanel {
  const b = bucketSeconds(opts.bucket);
  const symbols = opts.symbols ? [...opts.symbols] : Object.keys(series).sort();
  if (symbols.length === 0) throw new DataError("INVALID_ARGUMENT", "alignSeries: no symbols");
  const resampled = symbols.map((s) => {
    const src = series[s];
    if (!src || src.length === 0) throw new DataError("EMPTY_SERIES", `no data for ${s}`);
    return resampleLast(src, b);
  });
  const firsts = resampled.map((r) => r[0].t);
  const lasts = resampled.map((r) => r[r.length - 1].t);
  const union = opts.range === "union";
  let start = union ? Math.min(...firsts) : Math.max(...firsts);
  let end = union ? Math.max(...lasts) : Math.min(...lasts);
  if (opts.start !== undefined) start = Math.max(start, Math.ceil(opts.start / b) * b);
  if (opts.end !== undefined) end = Math.min(end, bucketStart(opts.end, b));
  const t: number[] = [];
  for (let x = start; x <= end; x += b) t.push(x);
  const prices: (number | null)[][] = t.map(() =>
    new Array<number | null>(symbols.length).fill(null),
  );
  resampled.forEach((r, j) => {
    for (const p of r) {
      if (p.t < start || p.t > end) continue;
      prices[(p.t - start) / b][j] = p.price;
    }
  });
  return { t, symbols, prices, bucketSeconds: b };
}

/** One run of consecutive missing buckets for one symbol. */
export interface GapEntry {
  symbol: string;
  /** First missing bucket (unix seconds). */
  startT: number;
  /** Last missing bucket (unix seconds). */
  endT: number;
  /** Number of missing buckets. */
  buckets: number;
  /** Why it was left unfilled (only in `unfilled`). */
  reason?: "longer-than-maxGap" | "no-prior-value";
}

/** Report of {@link forwardFill}. */
export interface FillReport {
  maxGap: number;
  mode: FillMode;
  /** Gaps of ≤ maxGap buckets, filled with the last observed price. */
  filled: GapEntry[];
  /** Gaps left as null: longer than maxGap, or before the symbol's first observation. */
  unfilled: GapEntry[];
}

/** Fill policy of {@link forwardFill}. */
export type FillMode = "whole-gap" | "causal";

/**
 * Bounded forward fill. Each maximal run of missing buckets that follows an observed price is
 * handled by `mode`:
 * - "whole-gap" (default): a run of ≤ `maxGap` buckets is filled with the last observed price; a
 *   longer run is left ENTIRELY missing. Note that this decision looks at the whole run, i.e. at
 *   data after the gap started — fine for building a historical data set, but a live system at the
 *   start of a long gap could not know it; use "causal" to reproduce what a live system would see.
 * - "causal": the first min(run, maxGap) buckets are filled (like pandas `ffill(limit=maxGap)`); the
 *   rest of a longer run stays missing. The value at a bucket depends only on earlier buckets.
 * Runs before a symbol's first observation cannot be filled. Everything left missing is reported
 * in `unfilled` (with a reason), everything filled in `filled`; a causal long run appears in both
 * (its filled head and its unfilled tail). Returns a new panel and the report (by symbol, then time).
 */
export function forwardFill(
  panel: AlignedPanel,
  maxGap: number,
  mode: FillMode = "whole-gap",
): { panel: AlignedPanel; report: FillReport } {
  if (!(Number.isInteger(maxGap) && maxGap >= 0)) {
    throw new DataError("INVALID_ARGUMENT", `bad maxGap ${maxGap}`);
  }
  const prices = panel.prices.map((row) => row.slice());
  const filled: GapEntry[] = [];
  const unfilled: GapEntry[] = [];
  const T = panel.t.length;
  const entry = (symbol: string, s: number, e: number): GapEntry => ({
    symbol,
    startT: panel.t[s],
    endT: panel.t[e - 1],
    buckets: e - s,
  });
  panel.symbols.forEach((symbol, j) => {
    let k = 0;
    while (k < T) {
      if (prices[k][j] !== null) {
        k++;
        continue;
      }
      const s = k;
      while (k < T && prices[k][j] === null) k++;
      const len = k - s;
      if (s === 0) {
        unfilled.push({ ...entry(symbol, s, k), reason: "no-prior-value" });
        continue;
      }
      const nFill = len <= maxGap ? len : mode === "causal" ? maxGap : 0;
      const v = prices[s - 1][j];
      for (let q = s; q < s + nFill; q++) prices[q][j] = v;
      if (nFill > 0) filled.push(entry(symbol, s, s + nFill));
      if (nFill < len)
        unfilled.push({ ...entry(symbol, s + nFill, k), reason: "longer-than-maxGap" });
    }
  });
  return { panel: { ...panel, prices }, report: { maxGap, mode, filled, unfilled } };
}

/** Log-return matrix produced by {@link logReturns}. */
export interface ReturnsPanel {
  /** Time of each return row = the END bucket of the interval (unix seconds). */
  t: number[];
  symbols: string[];
  /** T×N: returns[k][j] = ln(p[k+1][j] / p[k][j]) over consecutive grid buckets. */
  returns: number[][];
  /** End times of intervals dropped because some price at either end was missing. */
  droppedT: number[];
}

/**
 * Log returns between consecutive grid buckets. A row is kept only if every symbol has a price at
 * both ends; other rows are dropped and listed in `droppedT` (no return ever spans a gap).
 */
export function logReturns(panel: AlignedPanel): ReturnsPanel {
  const t: number[] = [];
  const returns: number[][] = [];
  const droppedT: number[] = [];
  for (let k = 1; k < panel.t.length; k++) {
    const a = panel.prices[k - 1];
    const b = panel.prices[k];
    if (a.some((v) => v === null) || b.some((v) => v === null)) {
      droppedT.push(panel.t[k]);
      continue;
    }
    t.push(panel.t[k]);
    returns.push(b.map((v, j) => Math.log((v as number) / (a[j] as number))));
  }
  return { t, symbols: panel.symbols.slice(), returns, droppedT };
}

/** Log returns of a plain price vector: r[k] = ln(p[k+1] / p[k]). */
export function logReturnsOf(prices: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 1; k < prices.length; k++) out.push(Math.log(prices[k] / prices[k - 1]));
  return out;
}
