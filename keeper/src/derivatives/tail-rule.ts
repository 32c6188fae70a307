/**
 * Tail-risk tightening rule.
 *
 * Inputs: q = the option-implied (risk-neutral, skew-aware) probability that the underlying falls
 * more than X % by a horizon, and p = the same probability under a baseline: the GARCH forecast
 * distribution ({@link forecastFallProbability}), the empirical frequency
 * ({@link empiricalFallProbability}) or a fixed threshold.
 *
 * Severity ∈ [0, 1] is the larger of
 *   - the ratio severity  clamp((q/p − triggerRatio) / (fullRatio − triggerRatio), 0, 1), and
 *   - the absolute severity clamp((q − absoluteStart) / (absoluteFull − absoluteStart), 0, 1)
 *     (only when both absolute levels are configured).
 * Action: hedgeRatioIncrease = severity · maxHedgeRatioIncrease and
 * grossExposureMultiplier = 1 − severity · (1 − minGrossExposureMultiplier) ∈ [min, 1] ⊂ (0, 1].
 *
 * Monotonicity: for fixed p and configuration, severity is non-decreasing in q, so a fatter
 * implied left tail never lowers the hedge increase nor raises the gross-exposure multiplier. The
 * rule only tightens; it never recommends more risk than the baseline limits (multiplier ≤ 1).
 * Risk-neutral probabilities include a risk premium, so q > p is normal; the default trigger ratio
 * of 1.5 leaves room for that.
 */
import { ensure } from "./errors.ts";
import type { GarchFit } from "./garch.ts";
import { garchVarianceForecast } from "./garch.ts";
import { normCdf } from "./normal.ts";
import type { Smile } from "./smile.ts";
import { interpolateSmile } from "./smile.ts";
import { smileFallProbability } from "./tail-prob.ts";

/** Configuration of {@link tailRiskAction}. */
export interface TailRuleConfig {
  /** q/p at which tightening starts (default 1.5). */
  triggerRatio?: number;
  /** q/p at which tightening is maximal (default 4). */
  fullRatio?: number;
  /** Optional absolute q at which tightening starts (e.g. 0.05). */
  absoluteStart?: number;
  /** Optional absolute q at which tightening is maximal (e.g. 0.2). */
  absoluteFull?: number;
  /** Largest hedge-ratio increase, as a fraction of exposure (default 0.5). */
  maxHedgeRatioIncrease?: number;
  /** Smallest gross-exposure multiplier, in (0, 1] (default 0.5). */
  minGrossExposureMultiplier?: number;
  /** Floor on p to keep the ratio finite (default 1e-6). */
  baselineFloor?: number;
}

/** Inputs of {@link tailRiskAction}. */
export interface TailRuleInput {
  /** Option-implied probability of a fall larger than `fall` by the horizon. */
  impliedProb: number;
  /** Baseline (forecast / historical / threshold) probability of the same event. */
  baselineProb: number;
  /** Fractional fall X (e.g. 0.2). */
  fall: number;
  horizonDays: number;
}

/** The tightening action. */
export interface TailAction {
  hedgeRatioIncrease: number;
  grossExposureMultiplier: number;
  severity: number;
  reason: string;
  numbers: {
    impliedProb: number;
    baselineProb: number;
    ratio: number;
    ratioSeverity: number;
    absoluteSeverity: number;
    fall: number;
    horizonDays: number;
  };
}

const clamp01 = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x);

/** The tightening action for one (q, p) pair — see the module doc. */
export function tailRiskAction(input: TailRuleInput, config: TailRuleConfig = {}): TailAction {
  const { impliedProb: q, baselineProb: p, fall, horizonDays } = input;
  ensure(q >= 0 && q <= 1, "impliedProb must be a probability", { impliedProb: q });
  ensure(p >= 0 && p <= 1, "baselineProb must be a probability", { baselineProb: p });
  const trigger = config.triggerRatio ?? 1.5;
  const full = config.fullRatio ?? 4;
  const maxHedge = config.maxHedgeRatioIncrease ?? 0.5;
  const minGross = config.minGrossExposureMultiplier ?? 0.5;
  const floor = config.baselineFloor ?? 1e-6;
  ensure(full > trigger && trigger > 0, "need fullRatio > triggerRatio > 0", { trigger, full });
  ensure(maxHedge >= 0 && maxHedge <= 1, "maxHedgeRatioIncrease must be in [0, 1]", { maxHedge });
  ensure(minGross > 0 && minGross <= 1, "minGrossExposureMultiplier must be in (0, 1]", {
    minGross,
  });
  const { absoluteStart: a0, absoluteFull: a1 } = config;
  if (a0 !== undefined || a1 !== undefined) {
    ensure(
      a0 !== undefined && a1 !== undefined && a1 > a0 && a0 >= 0,
      "need 0 <= absoluteStart < absoluteFull",
      {
        a0,
        a1,
      },
    );
  }
  const ratio = q / Math.max(p, floor);
  const ratioSeverity = clamp01((ratio - trigger) / (full - trigger));
  const absoluteSeverity = a0 !== undefined && a1 !== undefined ? clamp01((q - a0) / (a1 - a0)) : 0;
  const severity = Math.max(ratioSeverity, absoluteSeverity);
  const hedgeRatioIncrease = severity * maxHedge;
  const grossExposureMultiplier = 1 - severity * (1 - minGross);
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const event = `P(fall > ${pct(fall)} within ${horizonDays}d)`;
  let reason: string;
  if (severity === 0) {
    reason = `no tightening: implied ${event} = ${pct(q)} vs baseline ${pct(p)} (ratio ${ratio.toFixed(2)} < ${trigger})`;
  } else {
    const driver =
      absoluteSeverity > ratioSeverity
        ? `absolute level above ${pct(a0 ?? 0)}`
        : `ratio ${ratio.toFixed(2)}`;
    reason =
      `tighten (severity ${severity.toFixed(3)}, ${driver}): implied ${event} = ${pct(q)} vs baseline ${pct(p)}; ` +
      `hedge +${pct(hedgeRatioIncrease)}, gross x${grossExposureMultiplier.toFixed(3)}`;
  }
  return {
    hedgeRatioIncrease,
    grossExposureMultiplier,
    severity,
    reason,
    numbers: {
      impliedProb: q,
      baselineProb: p,
      ratio,
      ratioSeverity,
      absoluteSeverity,
      fall,
      horizonDays,
    },
  };
}

/**
 * Baseline probability of a fall larger than `fall` within `horizonDays` daily periods under the
 * GARCH forecast: log return ~ N(−V/2, V) with V the forecast total variance (a driftless price),
 * P = N((ln(1 − fall) + V/2)/√V).
 */
export function forecastFallProbability(
  garch: GarchFit,
  horizonDays: number,
  fall: number,
): number {
  ensure(fall > 0 && fall < 1, "fall must be in (0, 1)", { fall });
  const { total } = garchVarianceForecast(garch, garch.nextVariance, horizonDays);
  const s = Math.sqrt(total);
  return normCdf((Math.log(1 - fall) + 0.5 * total) / s);
}

/**
 * Empirical frequency of a fall larger than `fall` over `horizonDays` steps in a price series
 * (all overlapping windows: count of pₜ₊ₕ/pₜ < 1 − fall over the windows).
 */
export function empiricalFallProbability(
  prices: readonly number[],
  horizonDays: number,
  fall: number,
): number {
  ensure(
    Number.isInteger(horizonDays) && horizonDays >= 1,
    "horizonDays must be a positive integer",
    { horizonDays },
  );
  ensure(prices.length > horizonDays, "series shorter than the horizon", {
    n: prices.length,
    horizonDays,
  });
  let hits = 0;
  const windows = prices.length - horizonDays;
  for (let i = 0; i < windows; i++) if (prices[i + horizonDays] / prices[i] < 1 - fall) hits++;
  return hits / windows;
}

/**
 * End-to-end rule: implied probability from the smiles interpolated to T = horizonDays/365
 * (Breeden–Litzenberger, measured from the horizon forward) vs the GARCH forecast probability.
 */
export function tailRiskFromSmiles(
  smiles: readonly Smile[],
  garch: GarchFit,
  fall: number,
  horizonDays: number,
  config: TailRuleConfig = {},
): TailAction & { impliedDetail: ReturnType<typeof smileFallProbability> } {
  const smile = interpolateSmile(smiles, horizonDays / 365);
  const impliedDetail = smileFallProbability(smile, fall);
  const impliedProb = Math.min(Math.max(impliedDetail.probability, 0), 1);
  const baselineProb = forecastFallProbability(garch, horizonDays, fall);
  return {
    ...tailRiskAction({ impliedProb, baselineProb, fall, horizonDays }, config),
    impliedDetail,
  };
}
