/**
 * Volatility-arbitrage signal: implied ATM vol at a tenor (from the fitted smiles, total variance
 * interpolated in T) against the realised vol forecast over the same tenor (GARCH(1,1)).
 *
 * spread = σ_implied − σ_forecast. The z-like score divides it by the sampling standard error of
 * a realised vol measured over n = tenor in periods of Gaussian returns, σ/√(2n) (delta method on
 * the sample variance): z = spread / (σ_forecast/√(2n)). It ignores parameter uncertainty and
 * fat tails, so it is a ranking / gating number, not a test statistic.
 */
import { ensure } from "./errors.ts";
import type { GarchFit } from "./garch.ts";
import { garchVolForecast } from "./garch.ts";
import type { Smile } from "./smile.ts";
import { interpolateSmile, smileVolAtK } from "./smile.ts";

/** Inputs of {@link volArbSignal}. */
export interface VolArbInput {
  impliedVol: number;
  forecastVol: number;
  /** Tenor in return periods (days for daily returns). */
  horizonPeriods: number;
  /** |z| above which the signal is "rich"/"cheap" (default 2). */
  zThreshold?: number;
}

/** Output of {@link volArbSignal}. */
export interface VolArbSignal {
  impliedVol: number;
  forecastVol: number;
  spread: number;
  standardError: number;
  z: number;
  /** "implied-rich": options expensive vs forecast (sell vol); "implied-cheap": buy vol. */
  signal: "implied-rich" | "implied-cheap" | "neutral";
}

/** Spread, z-like score and signal (module doc). */
export function volArbSignal(input: VolArbInput): VolArbSignal {
  const { impliedVol, forecastVol, horizonPeriods } = input;
  ensure(impliedVol > 0 && forecastVol > 0, "vols must be positive", { impliedVol, forecastVol });
  ensure(horizonPeriods >= 1, "horizon must be at least one period", { horizonPeriods });
  const zThreshold = input.zThreshold ?? 2;
  const spread = impliedVol - forecastVol;
  const standardError = forecastVol / Math.sqrt(2 * horizonPeriods);
  const z = spread / standardError;
  return {
    impliedVol,
    forecastVol,
    spread,
    standardError,
    z,
    signal: z > zThreshold ? "implied-rich" : z < -zThreshold ? "implied-cheap" : "neutral",
  };
}

/** ATM-forward implied vol at maturity T (years) from fitted smiles. */
export function atmImpliedVol(smiles: readonly Smile[], T: number): number {
  return smileVolAtK(interpolateSmile(smiles, T), 0);
}

/**
 * Full signal at a tenor of `horizonDays` days: ATM implied vol from the smiles at
 * T = horizonDays/365 vs the GARCH forecast over the same number of daily periods.
 */
export function volArbAtTenor(
  smiles: readonly Smile[],
  garch: GarchFit,
  horizonDays: number,
  zThreshold?: number,
): VolArbSignal & { horizonDays: number } {
  ensure(
    Number.isInteger(horizonDays) && horizonDays >= 1,
    "horizonDays must be a positive integer",
    {
      horizonDays,
    },
  );
  const impliedVol = atmImpliedVol(smiles, horizonDays / 365);
  const forecastVol = garchVolForecast(garch, horizonDays, 365);
  return {
    ...volArbSignal({ impliedVol, forecastVol, horizonPeriods: horizonDays, zThreshold }),
    horizonDays,
  };
}
