/**
 * Trade splitting. A trade of value X executed as k equal chunks in separate blocks (assumption:
 * the pool's liquidity recovers between chunks, i.e. impact is temporary, as in the square-root
 * model) costs
 *
 *   C(k) = (fee + a)·X + k·G + b·σ·X^{3/2} / √(V·k)
 *
 * since k·(X/k)^{3/2} = X^{3/2}/√k. C is convex in k with the continuous minimiser
 * k* = (b·σ·X^{3/2} / (2·G·√V))^{2/3}; the integer optimum is ⌊k*⌋ or ⌈k*⌉, clamped to
 * [1, maxChunks]. Splitting pays only when impact dominates gas. {@link optimalSplitGeneric}
 * does the same for any per-chunk cost (e.g. from live quotes) by direct search.
 */
import type { TradeCostParams } from "./impact.ts";
import { CostError, tradeCost } from "./impact.ts";

/** A split plan. */
export interface SplitPlan {
  readonly chunks: number;
  readonly chunkValue: number;
  /** Total cost over all chunks, base units. */
  readonly totalCost: number;
  /** Cost of executing in one piece, for comparison. */
  readonly singleCost: number;
}

/** Total cost of k equal chunks under the square-root model. */
export function splitCost(value: number, k: number, p: TradeCostParams): number {
  return k * tradeCost(value / k, p);
}

/** Optimal number of chunks under the square-root model (closed form, see module comment). */
export function optimalSplit(value: number, p: TradeCostParams, maxChunks: number): SplitPlan {
  if (!(maxChunks >= 1) || !Number.isInteger(maxChunks))
    throw new CostError("INVALID_INPUT", "maxChunks must be an integer ≥ 1");
  const X = Math.abs(value);
  const single = splitCost(value, 1, p);
  if (X === 0) return { chunks: 0, chunkValue: 0, totalCost: 0, singleCost: 0 };
  const num = p.b * p.sigma * X ** 1.5;
  const kStar = p.gasCost > 0 ? (num / (2 * p.gasCost * Math.sqrt(p.volume))) ** (2 / 3) : Infinity;
  const cands = new Set(
    [1, maxChunks, Math.floor(kStar), Math.ceil(kStar)].map((k) =>
      Math.min(maxChunks, Math.max(1, Number.isFinite(k) ? k : maxChunks)),
    ),
  );
  let best = 1;
  let bestCost = single;
  for (const k of cands) {
    const c = splitCost(value, k, p);
    if (c < bestCost) {
      best = k;
      bestCost = c;
    }
  }
  return { chunks: best, chunkValue: value / best, totalCost: bestCost, singleCost: single };
}

/** Optimal split for an arbitrary per-chunk cost (gas included) by checking k = 1..maxChunks. */
export function optimalSplitGeneric(
  value: number,
  chunkCost: (chunkValue: number) => number,
  maxChunks: number,
): SplitPlan {
  if (!(maxChunks >= 1) || !Number.isInteger(maxChunks))
    throw new CostError("INVALID_INPUT", "maxChunks must be an integer ≥ 1");
  if (value === 0) return { chunks: 0, chunkValue: 0, totalCost: 0, singleCost: 0 };
  const single = chunkCost(value);
  let best = 1;
  let bestCost = single;
  for (let k = 2; k <= maxChunks; k++) {
    const c = k * chunkCost(value / k);
    if (c < bestCost) {
      best = k;
      bestCost = c;
    }
  }
  return { chunks: best, chunkValue: value / best, totalCost: bestCost, singleCost: single };
}
