/**
 * The per-vault observation history the risk triggers read: one row per tick (block timestamp,
 * asset prices as floats, price per share as WAD). Pure functions over an immutable array; the
 * worker keeps the array and caps its length (memory stays flat over long runs).
 */

/** One observation of a vault at a block. */
export interface Observation {
  /** Block timestamp, seconds. */
  timestamp: number;
  /** Asset USD prices (registry order), floats. */
  prices: number[];
  /** Price per share, WAD. */
  ppsWad: bigint;
}

/**
 * Appends `obs` (ignored when its timestamp is not newer than the last row: one row per block
 * time) and keeps at most `maxLength` rows.
 */
export function appendObservation(
  history: readonly Observation[],
  obs: Observation,
  maxLength: number,
): Observation[] {
  const last = history[history.length - 1];
  if (last !== undefined && obs.timestamp <= last.timestamp) return [...history];
  const next = [...history, obs];
  return next.length > maxLength ? next.slice(next.length - maxLength) : next;
}

/** Log returns of every asset between consecutive rows (rows with a non-positive price are skipped). */
export function assetLogReturns(history: readonly Observation[]): number[][] {
  const out: number[][] = [];
  for (let t = 1; t < history.length; t++) {
    const a = history[t - 1].prices;
    const b = history[t].prices;
    if (a.length !== b.length || a.some((x) => !(x > 0)) || b.some((x) => !(x > 0))) continue;
    out.push(b.map((x, i) => Math.log(x / a[i])));
  }
  return out;
}

/** Mean spacing of the rows, seconds (null with fewer than two rows). */
export function meanSpacingSeconds(history: readonly Observation[]): number | null {
  if (history.length < 2) return null;
  const span = history[history.length - 1].timestamp - history[0].timestamp;
  return span > 0 ? span / (history.length - 1) : null;
}

/** Portfolio log-return series under fixed weights `w` (fractions of NAV). */
export function portfolioReturnSeries(R: readonly number[][], w: readonly number[]): number[] {
  return R.map((row) =>
    Math.log(Math.max(1e-12, 1 + row.reduce((s, r, i) => s + w[i] * (Math.exp(r) - 1), 0))),
  );
}
