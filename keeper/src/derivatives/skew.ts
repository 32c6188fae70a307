/**
 * Skew measures from a fitted smile: 25-delta risk reversal and butterfly.
 *
 * Convention: Black-76 forward delta, not premium-adjusted: call Δ = N(d1), put Δ = N(d1) − 1,
 * with d1 evaluated at the smile's own vol σ(K) (so the 25Δ strikes are solved on the smile).
 * ATM is the at-the-forward vol σ(k = 0).
 *
 * - RR25 = σ(K_25Δcall) − σ(K_25Δput) (call minus put: negative when puts are richer);
 * - BF25 = (σ(K_25Δcall) + σ(K_25Δput))/2 − σ_ATM (the "smile" butterfly; positive for a convex smile).
 */
import { DerivativesError, ensure } from "./errors.ts";
import { normCdf } from "./normal.ts";
import { brent } from "./roots.ts";
import type { Smile } from "./smile.ts";
import { smileVolAtK } from "./smile.ts";

/** Forward call delta N(d1) at log-moneyness k using the smile's vol there. */
export function smileCallDelta(smile: Smile, k: number): number {
  const w = smile.totalVariance(k);
  const s = Math.sqrt(Math.max(w, 0));
  if (s === 0) return k < 0 ? 1 : k > 0 ? 0 : 0.5;
  return normCdf(-k / s + 0.5 * s);
}

/**
 * Log-moneyness where the forward call delta equals `callDelta` ∈ (0, 1) (for a put delta −x use
 * callDelta = 1 − x). Solved with Brent after expanding a bracket; throws ROOT_NOT_BRACKETED
 * when the smile is so steep that delta is not monotone over [−10, 10].
 */
export function strikeForCallDelta(
  smile: Smile,
  callDelta: number,
): { k: number; strike: number; vol: number } {
  ensure(callDelta > 0 && callDelta < 1, "delta must be in (0, 1)", { callDelta });
  const f = (k: number): number => smileCallDelta(smile, k) - callDelta;
  let lo = -0.05;
  let hi = 0.05;
  while (f(lo) < 0 && lo > -10) lo *= 2;
  while (f(hi) > 0 && hi < 10) hi *= 2;
  if (!(f(lo) >= 0 && f(hi) <= 0)) {
    throw new DerivativesError("ROOT_NOT_BRACKETED", "cannot bracket the delta strike", {
      callDelta,
      lo,
      hi,
    });
  }
  const k = brent(f, lo, hi, { xtol: 1e-13 }).x;
  return { k, strike: smile.forward * Math.exp(k), vol: smileVolAtK(smile, k) };
}

/** Skew summary of one smile (vols annualised, as fractions). */
export interface SkewMeasures {
  T: number;
  delta: number;
  atmVol: number;
  callVol: number;
  putVol: number;
  callStrike: number;
  putStrike: number;
  /** σ_call − σ_put. */
  riskReversal: number;
  /** (σ_call + σ_put)/2 − σ_ATM. */
  butterfly: number;
}

/** Risk reversal and butterfly at the given delta (default 0.25) — see the module doc. */
export function skewMeasures(smile: Smile, delta = 0.25): SkewMeasures {
  ensure(delta > 0 && delta < 0.5, "delta must be in (0, 0.5)", { delta });
  const c = strikeForCallDelta(smile, delta);
  const p = strikeForCallDelta(smile, 1 - delta);
  const atmVol = smileVolAtK(smile, 0);
  return {
    T: smile.T,
    delta,
    atmVol,
    callVol: c.vol,
    putVol: p.vol,
    callStrike: c.strike,
    putStrike: p.strike,
    riskReversal: c.vol - p.vol,
    butterfly: 0.5 * (c.vol + p.vol) - atmVol,
  };
}
