/**
 * Chain → smiles: fit SVI to every expiry with enough quotes, run the butterfly check per slice
 * and the calendar check across slices.
 */
import type { ChainExpiry, SmilePointOptions } from "./chain.ts";
import { parseDeribitCsv, processChain, smilePoints } from "./chain.ts";
import type { ProcessChainOptions } from "./chain.ts";
import { DerivativesError } from "./errors.ts";
import type { Smile } from "./smile.ts";
import { smileFromSvi } from "./smile.ts";
import type { ButterflyReport, CalendarReport, SviFit } from "./svi.ts";
import { checkButterfly, checkCalendar, fitSvi } from "./svi.ts";

/** One fitted expiry. */
export interface FittedExpiry {
  expiryUtc: string;
  T: number;
  forward: number;
  fit: SviFit;
  butterfly: ButterflyReport;
  smile: Smile;
}

/** Result of {@link fitChainSmiles}. */
export interface FittedChain {
  expiries: FittedExpiry[];
  calendar: CalendarReport;
  /** Expiries not fitted and why. */
  skipped: { expiryUtc: string; reason: string }[];
}

/** Options of {@link fitChainSmiles}. */
export interface FitChainOptions extends SmilePointOptions {
  /** Minimum smile points per expiry (default 8). */
  minPoints?: number;
}

/** Fit every expiry of a processed chain (see the module doc). */
export function fitChainSmiles(
  chain: readonly ChainExpiry[],
  opts: FitChainOptions = {},
): FittedChain {
  const minPoints = opts.minPoints ?? 8;
  const expiries: FittedExpiry[] = [];
  const skipped: FittedChain["skipped"] = [];
  for (const e of chain) {
    const pts = smilePoints(e, opts);
    if (pts.length < minPoints) {
      skipped.push({ expiryUtc: e.expiryUtc, reason: `${pts.length} smile points < ${minPoints}` });
      continue;
    }
    let fit: SviFit;
    try {
      fit = fitSvi(pts, e.T);
    } catch (err) {
      if (err instanceof DerivativesError) {
        skipped.push({ expiryUtc: e.expiryUtc, reason: `${err.code}: ${err.message}` });
        continue;
      }
      throw err;
    }
    expiries.push({
      expiryUtc: e.expiryUtc,
      T: e.T,
      forward: e.forward,
      fit,
      butterfly: checkButterfly(fit.params, fit.kMin, fit.kMax),
      smile: smileFromSvi(e.T, e.forward, fit.params, e.df, [fit.kMin, fit.kMax]),
    });
  }
  const calendar = checkCalendar(
    expiries.map((x) => ({
      T: x.T,
      params: x.fit.params,
      label: x.expiryUtc,
      kMin: x.fit.kMin,
      kMax: x.fit.kMax,
    })),
    -Infinity,
    Infinity,
  );
  return { expiries, calendar, skipped };
}

/** CSV text → parsed rows → processed chain → fitted smiles, in one call. */
export function processDeribitCsv(
  csv: string,
  opts: ProcessChainOptions & FitChainOptions = {},
): { chain: ChainExpiry[]; fitted: FittedChain } {
  const chain = processChain(parseDeribitCsv(csv), opts);
  return { chain, fitted: fitChainSmiles(chain, opts) };
}
