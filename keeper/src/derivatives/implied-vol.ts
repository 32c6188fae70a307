/**
 * Implied volatility for Black-76 (forward + discount factor; the Deribit convention) and
 * Black–Scholes–Merton (spot, r, q; reduced to Black-76 with F = S·e^{(r−q)T}, DF = e^{−rT}).
 *
 * Algorithm:
 * 1. Check the static no-arbitrage bounds first; a price outside them throws
 *    {@link ArbitrageBoundsError} carrying price, lower and upper bound. A price exactly at intrinsic
 *    value (within a few ulps) returns vol 0.
 * 2. Remove the intrinsic value (put–call parity), so the solver always inverts the
 *    out-of-the-money option's undiscounted time value x* as a function of the total standard
 *    deviation s = σ√T. This keeps deep in-the-money quotes well-posed.
 * 3. Safeguarded Newton on vega (rtsafe style): the bracket [lo, hi] with g(lo) < x* < g(hi) is
 *    kept; a Newton step that leaves the bracket or stalls is replaced by bisection. Below the
 *    inflection point s = √(2|k|) the price is convex in s and Newton is run on ln g instead,
 *    which converges from the left in a few steps even for far-OTM / near-expiry quotes.
 * 4. If Newton has not converged after `maxNewton` steps, Brent's method finishes on the bracket.
 */
import type { OptionType } from "./black.ts";
import { black76Undiscounted } from "./black.ts";
import { ArbitrageBoundsError, DerivativesError, ensure } from "./errors.ts";
import { normPdf } from "./normal.ts";
import { brent } from "./roots.ts";

/** Inputs of {@link impliedVolBlack76}. `price` is the discounted option premium. */
export interface Black76IvInput {
  type: OptionType;
  price: number;
  forward: number;
  strike: number;
  T: number;
  /** Discount factor, default 1. */
  df?: number;
}

/** Inputs of {@link impliedVolBS}. */
export interface BlackScholesIvInput {
  type: OptionType;
  price: number;
  spot: number;
  strike: number;
  T: number;
  r?: number;
  q?: number;
}

/** Solver options. */
export interface IvOptions {
  /** Newton iterations before the Brent fallback (default 40). */
  maxNewton?: number;
}

/** Solver result: `vol` is annualised; `method` says which stage produced it. */
export interface IvResult {
  vol: number;
  iterations: number;
  method: "newton" | "brent" | "intrinsic";
}

const S_MAX = 100; // total std dev; g(S_MAX) equals the upper bound to double precision

/** Full Black-76 implied-volatility solve (see the module doc). */
export function solveImpliedVolBlack76(input: Black76IvInput, opts: IvOptions = {}): IvResult {
  const { type, price, forward: F, strike: K, T } = input;
  const df = input.df ?? 1;
  ensure(Number.isFinite(price), "price must be finite", { price });
  ensure(Number.isFinite(F) && F > 0, "forward must be positive", { forward: F });
  ensure(Number.isFinite(K) && K > 0, "strike must be positive", { strike: K });
  ensure(Number.isFinite(T) && T > 0, "T must be positive (no implied vol at expiry)", { T });
  ensure(Number.isFinite(df) && df > 0, "discount factor must be positive", { df });

  const intrinsic = type === "call" ? Math.max(F - K, 0) : Math.max(K - F, 0);
  const upper = type === "call" ? F : K;
  const p = price / df;
  // Rounding allowance for prices computed as intrinsic + time value (only when ITM).
  const slack = intrinsic > 0 ? 8 * Number.EPSILON * Math.max(F, K) : 0;
  const ctx = { type, forward: F, strike: K, T, df };
  if (p < intrinsic - slack || p >= upper) {
    throw new ArbitrageBoundsError(price, df * intrinsic, df * upper, ctx);
  }
  const target = p - intrinsic; // undiscounted OTM time value
  if (target <= slack) return { vol: 0, iterations: 0, method: "intrinsic" };

  const otm: OptionType = K >= F ? "call" : "put";
  const k = Math.log(K / F);
  const g = (s: number): number => black76Undiscounted(otm, F, K, s);
  const dg = (s: number): number => F * normPdf(-k / s + 0.5 * s); // ∂g/∂s = F·φ(d1)

  // Bracket.
  let lo = 0;
  let hi = 1;
  while (g(hi) <= target && hi < S_MAX) hi = Math.min(hi * 2, S_MAX);
  if (g(hi) <= target) {
    throw new DerivativesError("IV_NOT_CONVERGED", "price too close to the upper bound to invert", {
      ...ctx,
      price,
      upper: df * upper,
    });
  }
  const sInfl = Math.sqrt(2 * Math.abs(k));
  let s =
    k === 0 ? Math.min((target * Math.sqrt(2 * Math.PI)) / F, hi / 2) : Math.min(sInfl, hi / 2);
  if (!(s > 0)) s = hi / 2;
  const maxNewton = opts.maxNewton ?? 40;
  const logTarget = Math.log(target);
  for (let i = 1; i <= maxNewton; i++) {
    const gs = g(s);
    if (gs < target) lo = s;
    else hi = s;
    const v = dg(s);
    const step = s < sInfl && gs > 0 ? -(Math.log(gs) - logTarget) * (gs / v) : -(gs - target) / v;
    if (Math.abs(step) <= 1e-12 * s) {
      // Quadratic convergence: the error after this step is far below double resolution.
      return { vol: (s + step) / Math.sqrt(T), iterations: i, method: "newton" };
    }
    let next = s + step;
    if (!Number.isFinite(next) || next <= lo || next >= hi) next = 0.5 * (lo + hi);
    s = next;
    if (hi - lo <= 4 * Number.EPSILON * hi) {
      return { vol: s / Math.sqrt(T), iterations: i, method: "newton" };
    }
  }
  const res = brent((x) => g(x) - target, lo, hi, { xtol: 1e-16, rtol: 2 * Number.EPSILON });
  return { vol: res.x / Math.sqrt(T), iterations: maxNewton + res.iterations, method: "brent" };
}

/** Black-76 implied volatility (annualised). Throws ArbitrageBoundsError outside the bounds. */
export function impliedVolBlack76(input: Black76IvInput, opts: IvOptions = {}): number {
  return solveImpliedVolBlack76(input, opts).vol;
}

/** Black–Scholes–Merton implied volatility via the equivalent Black-76 problem. */
export function impliedVolBS(input: BlackScholesIvInput, opts: IvOptions = {}): number {
  const r = input.r ?? 0;
  const q = input.q ?? 0;
  ensure(Number.isFinite(input.spot) && input.spot > 0, "spot must be positive", {
    spot: input.spot,
  });
  const forward = input.spot * Math.exp((r - q) * input.T);
  return solveImpliedVolBlack76(
    {
      type: input.type,
      price: input.price,
      forward,
      strike: input.strike,
      T: input.T,
      df: Math.exp(-r * input.T),
    },
    opts,
  ).vol;
}
