/**
 * Report maths of the simulation (pure): performance statistics of a value path, the buy-and-hold
 * benchmarks and the drawdown series. Returns are daily; annualization uses 365 periods (crypto
 * trades every day). The risk-free rate is 0.
 */
import { maxDrawdown } from "../risk/measures.ts";
import { SimError } from "./returns.ts";

/** Performance statistics of one value path. */
export interface PerfStats {
  /** Final / initial − 1. */
  totalReturn: number;
  /** Standard deviation of daily log returns × √periodsPerYear. */
  annualizedVol: number;
  /** Mean daily log return / its std × √periodsPerYear (risk-free 0); 0 when the std is 0. */
  sharpe: number;
  /** Largest peak-to-trough decline, positive fraction. */
  maxDrawdown: number;
}

/** Statistics of a positive value path (≥ 2 points) sampled once per period. */
export function perfStats(path: readonly number[], periodsPerYear = 365): PerfStats {
  if (path.length < 2) throw new SimError("BAD_MODEL", "perfStats: need >= 2 points");
  if (path.some((v) => !(v > 0))) throw new SimError("BAD_MODEL", "perfStats: non-positive value");
  const r = path.slice(1).map((v, t) => Math.log(v / path[t]));
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const sd =
    r.length > 1
      ? Math.sqrt(r.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (r.length - 1))
      : 0;
  return {
    totalReturn: path[path.length - 1] / path[0] - 1,
    annualizedVol: sd * Math.sqrt(periodsPerYear),
    sharpe: sd > 0 ? (mean / sd) * Math.sqrt(periodsPerYear) : 0,
    maxDrawdown: maxDrawdown(path).maxDrawdown,
  };
}

/** Value of 1 invested at t = 0 in an equal-weight buy-and-hold basket (never rebalanced). */
export function equalWeightHold(prices: readonly number[][]): number[] {
  const p0 = prices[0];
  const n = p0.length;
  return prices.map((row) => row.reduce((s, p, i) => s + p / p0[i] / n, 0));
}

/** Value of 1 invested at t = 0 in asset `index` alone. */
export function singleAssetHold(prices: readonly number[][], index: number): number[] {
  return prices.map((row) => row[index] / prices[0][index]);
}

/** Drawdown series 1 − v_t / max_{s≤t} v_s (as positive fractions). */
export function drawdownSeries(path: readonly number[]): number[] {
  let peak = -Infinity;
  return path.map((v) => {
    peak = Math.max(peak, v);
    return peak > 0 ? 1 - v / peak : 0;
  });
}

/** Path rescaled to start at 1. */
export function normalize(path: readonly number[]): number[] {
  const first = path[0];
  if (!(first > 0)) throw new SimError("BAD_MODEL", "normalize: first value must be > 0");
  return path.map((v) => v / first);
}

/**
 * Turnover: Σ traded notional / average NAV (one-way, as a fraction: 1.0 = the whole NAV traded
 * once). `traded` and `navs` are in the same unit.
 */
export function turnover(traded: readonly number[], navs: readonly number[]): number {
  const avg = navs.reduce((a, b) => a + b, 0) / Math.max(1, navs.length);
  const total = traded.reduce((a, b) => a + b, 0);
  return avg > 0 ? total / avg : 0;
}

/** Formats a fraction as a signed percentage with `digits` decimals. */
export function pct(x: number, digits = 1): string {
  return `${x >= 0 ? "" : "-"}${Math.abs(x * 100).toFixed(digits)}%`;
}

/** Renders rows as a fixed-width text table (first row = header). */
export function textTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => (r[j] ?? "").length)));
  const line = (r: readonly string[]) =>
    r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join("  ");
  const sep = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(rows[0]), sep, ...rows.slice(1).map(line)].join("\n");
}
