/**
 * A volatility smile at one maturity, as used by the skew and tail-probability functions:
 * total implied variance w(k) (and ∂w/∂k) as a function of log-moneyness k = ln(K/F).
 *
 * Smiles come from a fitted SVI slice ({@link smileFromSvi}), a flat volatility
 * ({@link flatSmile}), or linear interpolation in total variance between two fitted expiries
 * ({@link interpolateSmile}; forwards interpolated log-linearly in T).
 */
import { DerivativesError, ensure } from "./errors.ts";
import type { SviParams } from "./svi.ts";
import { sviDerivatives } from "./svi.ts";

/** A smile at maturity T (years) on forward F with discount factor DF. */
export interface Smile {
  T: number;
  forward: number;
  df: number;
  /** Total implied variance w(k) = σ(k)²·T. */
  totalVariance(k: number): number;
  /** ∂w/∂k. */
  dTotalVariance(k: number): number;
  /** Log-moneyness range backed by quotes, when known (outside it the smile is extrapolation). */
  kRange?: readonly [number, number];
}

/** Smile of a fitted SVI slice; `kRange` = the quoted log-moneyness range, if known. */
export function smileFromSvi(
  T: number,
  forward: number,
  params: SviParams,
  df = 1,
  kRange?: readonly [number, number],
): Smile {
  ensure(T > 0 && forward > 0 && df > 0, "bad smile inputs", { T, forward, df });
  return {
    T,
    forward,
    df,
    kRange,
    totalVariance: (k) => sviDerivatives(params, k).w,
    dTotalVariance: (k) => sviDerivatives(params, k).w1,
  };
}

/** A flat smile (constant volatility). */
export function flatSmile(T: number, forward: number, vol: number, df = 1): Smile {
  ensure(T > 0 && forward > 0 && df > 0 && vol > 0, "bad flat smile inputs", {
    T,
    forward,
    vol,
    df,
  });
  const w = vol * vol * T;
  return { T, forward, df, totalVariance: () => w, dTotalVariance: () => 0 };
}

/** Implied vol at log-moneyness k. */
export function smileVolAtK(smile: Smile, k: number): number {
  return Math.sqrt(Math.max(smile.totalVariance(k), 0) / smile.T);
}

/** Implied vol at strike K. */
export function smileVol(smile: Smile, strike: number): number {
  return smileVolAtK(smile, Math.log(strike / smile.forward));
}

/** ∂σ/∂K at strike K (from ∂w/∂k: ∂σ/∂K = w′(k)/(2·σ·T·K)). */
export function smileVolSlope(smile: Smile, strike: number): number {
  const k = Math.log(strike / smile.forward);
  const vol = smileVolAtK(smile, k);
  return smile.dTotalVariance(k) / (2 * vol * smile.T * strike);
}

/**
 * Smile at maturity T from smiles at other maturities: total variance linear in T at fixed k
 * between the two bracketing smiles (this preserves the absence of calendar arbitrage), forward
 * log-linear in T, DF log-linear in T. Before the first smile, w scales as T/T₁ (constant vol);
 * after the last, the last smile's implied vols are kept. Throws INVALID_INPUT with no smiles.
 */
export function interpolateSmile(smiles: readonly Smile[], T: number): Smile {
  ensure(smiles.length > 0 && T > 0, "need at least one smile and T > 0", { n: smiles.length, T });
  const s = [...smiles].sort((x, y) => x.T - y.T);
  const exact = s.find((x) => Math.abs(x.T - T) < 1e-12);
  if (exact) return exact;
  if (T < s[0].T) {
    const f = T / s[0].T;
    const a = s[0];
    return {
      T,
      forward: a.forward,
      df: Math.pow(a.df, f),
      kRange: a.kRange,
      totalVariance: (k) => f * a.totalVariance(k),
      dTotalVariance: (k) => f * a.dTotalVariance(k),
    };
  }
  const last = s[s.length - 1];
  if (T > last.T) {
    const f = T / last.T;
    const fwdGrowth =
      s.length > 1
        ? Math.log(last.forward / s[s.length - 2].forward) / (last.T - s[s.length - 2].T)
        : 0;
    return {
      T,
      forward: last.forward * Math.exp(fwdGrowth * (T - last.T)),
      df: Math.pow(last.df, f),
      kRange: last.kRange,
      totalVariance: (k) => f * last.totalVariance(k),
      dTotalVariance: (k) => f * last.dTotalVariance(k),
    };
  }
  const i = s.findIndex((x) => x.T > T);
  if (i <= 0) throw new DerivativesError("INVALID_INPUT", "cannot bracket maturity", { T });
  const a = s[i - 1];
  const b = s[i];
  const u = (T - a.T) / (b.T - a.T);
  const forward = Math.exp((1 - u) * Math.log(a.forward) + u * Math.log(b.forward));
  // Fixed log-forward-moneyness k on both slices (the calendar condition's coordinates).
  return {
    T,
    forward,
    df: Math.exp((1 - u) * Math.log(a.df) + u * Math.log(b.df)),
    kRange:
      a.kRange && b.kRange
        ? [Math.max(a.kRange[0], b.kRange[0]), Math.min(a.kRange[1], b.kRange[1])]
        : (a.kRange ?? b.kRange),
    totalVariance: (k) => (1 - u) * a.totalVariance(k) + u * b.totalVariance(k),
    dTotalVariance: (k) => (1 - u) * a.dTotalVariance(k) + u * b.dTotalVariance(k),
  };
}
