/**
 * Regime detectors. Each returns a trigger object carrying the numbers behind its decision, so a
 * caller (keeper loop, alerting, logs) can act on `fired` and explain it with `value`, `threshold`
 * and `details`. Both use only the rows given (the last row is "now"): no look-ahead.
 */
import { checkReturns, RiskError } from "./errors.ts";
import { covToCorr, ewmaVariance, halfLifeToLambda, sampleCovariance } from "./covariance.ts";

/** Common shape of a regime trigger. */
export interface RegimeTrigger<K extends string, D> {
  kind: K;
  fired: boolean;
  /** The statistic that was compared with `threshold`. */
  value: number;
  threshold: number;
  details: D;
}

/** Volatility regime label. */
export type VolRegime = "calm" | "normal" | "stressed";

/** Options of {@link volatilityRegime}. */
export interface VolRegimeOptions {
  /** Default 10 periods. */
  shortHalfLife?: number;
  /** Default 60 periods. */
  longHalfLife?: number;
  /** ratio < calmBelow → "calm"; default 0.8. */
  calmBelow?: number;
  /** ratio > stressedAbove → "stressed" (fires); default 1.3. */
  stressedAbove?: number;
}

/** Details of a volatility-regime trigger. */
export interface VolRegimeDetails {
  regime: VolRegime;
  shortVol: number;
  longVol: number;
  shortHalfLife: number;
  longHalfLife: number;
  calmBelow: number;
  stressedAbove: number;
}

/**
 * Volatility regime of a return series (e.g. the portfolio's): ratio = σ_short / σ_long where
 * σ² are zero-mean EWMA variances ({@link ewmaVariance}) with half-lives short and long.
 * ratio > stressedAbove → "stressed" (fired = true); ratio < calmBelow → "calm"; else "normal".
 */
export function volatilityRegime(
  returns: readonly number[],
  opts: VolRegimeOptions = {},
): RegimeTrigger<"volatility-regime", VolRegimeDetails> {
  const shortHalfLife = opts.shortHalfLife ?? 10;
  const longHalfLife = opts.longHalfLife ?? 60;
  const calmBelow = opts.calmBelow ?? 0.8;
  const stressedAbove = opts.stressedAbove ?? 1.3;
  if (!(calmBelow <= stressedAbove))
    throw new RiskError("INVALID_ARGUMENT", "calmBelow > stressedAbove");
  if (!(shortHalfLife < longHalfLife))
    throw new RiskError("INVALID_ARGUMENT", "short ≥ long half-life");
  if (returns.length < 2)
    throw new RiskError("INSUFFICIENT_DATA", "volatilityRegime: need ≥ 2 returns");
  const shortVol = Math.sqrt(ewmaVariance(returns, halfLifeToLambda(shortHalfLife)));
  const longVol = Math.sqrt(ewmaVariance(returns, halfLifeToLambda(longHalfLife)));
  if (!(longVol > 0))
    throw new RiskError("ZERO_VARIANCE", "volatilityRegime: zero long volatility");
  const value = shortVol / longVol;
  const regime: VolRegime =
    value > stressedAbove ? "stressed" : value < calmBelow ? "calm" : "normal";
  return {
    kind: "volatility-regime",
    fired: regime === "stressed",
    value,
    threshold: stressedAbove,
    details: { regime, shortVol, longVol, shortHalfLife, longHalfLife, calmBelow, stressedAbove },
  };
}

/** Average off-diagonal entry of the sample correlation matrix of R (N ≥ 2). */
export function averagePairwiseCorrelation(R: readonly number[][]): number {
  const [, N] = checkReturns(R, 2, "averagePairwiseCorrelation");
  if (N < 2) throw new RiskError("INVALID_ARGUMENT", "averagePairwiseCorrelation: need N ≥ 2");
  const { corr, vols } = covToCorr(sampleCovariance(R));
  vols.forEach((v, i) => {
    if (!(v > 0)) throw new RiskError("ZERO_VARIANCE", `averagePairwiseCorrelation: column ${i}`);
  });
  let s = 0;
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) s += corr[i][j];
  return (2 * s) / (N * (N - 1));
}

/** Options of {@link correlationRegime}. */
export interface CorrRegimeOptions {
  /** Rows in the short window; default 30. */
  shortWindow?: number;
  /** Rows in the long window; default 180. */
  longWindow?: number;
  /** Fire when short − long average correlation ≥ this; default 0.15. */
  jumpThreshold?: number;
}

/** Details of a correlation-regime trigger. */
export interface CorrRegimeDetails {
  shortAverageCorrelation: number;
  longAverageCorrelation: number;
  shortWindow: number;
  longWindow: number;
}

/**
 * Correlation regime: value = ρ̄_short − ρ̄_long, the jump in average pairwise sample correlation
 * between the last `shortWindow` rows and the last `longWindow` rows (both ending now). Fires when
 * value ≥ jumpThreshold (diversification is evaporating). Needs ≥ longWindow rows.
 */
export function correlationRegime(
  R: readonly number[][],
  opts: CorrRegimeOptions = {},
): RegimeTrigger<"correlation-regime", CorrRegimeDetails> {
  const shortWindow = opts.shortWindow ?? 30;
  const longWindow = opts.longWindow ?? 180;
  const threshold = opts.jumpThreshold ?? 0.15;
  if (!(shortWindow >= 3 && longWindow > shortWindow)) {
    throw new RiskError("INVALID_ARGUMENT", "need 3 ≤ shortWindow < longWindow");
  }
  const [T] = checkReturns(R, longWindow, "correlationRegime");
  const shortAverageCorrelation = averagePairwiseCorrelation(R.slice(T - shortWindow));
  const longAverageCorrelation = averagePairwiseCorrelation(R.slice(T - longWindow));
  const value = shortAverageCorrelation - longAverageCorrelation;
  return {
    kind: "correlation-regime",
    fired: value >= threshold,
    value,
    threshold,
    details: { shortAverageCorrelation, longAverageCorrelation, shortWindow, longWindow },
  };
}
