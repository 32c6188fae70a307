/**
 * Risk-neutral probabilities of a fall from a fitted smile (Breeden–Litzenberger).
 *
 * With undiscounted put price P(K) = P_B76(F, K, σ(K), T), the risk-neutral CDF is
 *
 *     Q(S_T < K) = (1/DF)·∂P/∂K = 1 + (1/DF)·∂C/∂K            (put-spread limit)
 *               = N(−d2) + K·φ(d2)·√T·∂σ/∂K                  (smile-slope / vega term)
 *
 * where d2 uses σ(K); the second term is the (undiscounted) vega times ∂σ/∂K. Note the sign: the
 * often-quoted "−∂C/∂K / DF" is the complementary probability Q(S_T > K).
 * {@link smileFallProbability} computes the derivative numerically (central difference of put
 * prices on the smile) and reports the closed form and the flat-vol lognormal N(−d2) at the ATM
 * vol as cross-checks.
 */
import { black76Undiscounted } from "./black.ts";
import { ensure } from "./errors.ts";
import { normCdf, normPdf } from "./normal.ts";
import type { Smile } from "./smile.ts";
import { smileVolAtK, smileVolSlope } from "./smile.ts";

/** Undiscounted put price on the smile at strike K. */
function putOnSmile(smile: Smile, strike: number): number {
  const k = Math.log(strike / smile.forward);
  return black76Undiscounted(
    "put",
    smile.forward,
    strike,
    Math.sqrt(Math.max(smile.totalVariance(k), 0)),
  );
}

/** Q(S_T < K) by a central difference of smile put prices: (P(K+h) − P(K−h))/(2h), h = relStep·K. */
export function probBelowNumerical(smile: Smile, strike: number, relStep = 1e-4): number {
  ensure(strike > 0 && relStep > 0 && relStep < 0.1, "bad strike or step", { strike, relStep });
  const h = relStep * strike;
  return (putOnSmile(smile, strike + h) - putOnSmile(smile, strike - h)) / (2 * h);
}

/** Q(S_T < K) in closed form: N(−d2) + K·φ(d2)·√T·∂σ/∂K with σ = σ(K). */
export function probBelowAnalytic(smile: Smile, strike: number): number {
  const k = Math.log(strike / smile.forward);
  const vol = smileVolAtK(smile, k);
  const s = vol * Math.sqrt(smile.T);
  const d2 = -k / s - 0.5 * s;
  return normCdf(-d2) + strike * normPdf(d2) * Math.sqrt(smile.T) * smileVolSlope(smile, strike);
}

/** Lognormal (flat-vol, driftless-forward) Q(S_T < K) = N(−d2) at a single vol. */
export function lognormalProbBelow(
  forward: number,
  strike: number,
  vol: number,
  T: number,
): number {
  ensure(forward > 0 && strike > 0 && vol > 0 && T > 0, "bad lognormal inputs", {
    forward,
    strike,
    vol,
    T,
  });
  const s = vol * Math.sqrt(T);
  const d2 = Math.log(forward / strike) / s - 0.5 * s;
  return normCdf(-d2);
}

/** Result of {@link smileFallProbability}. */
export interface FallProbability {
  /** Fractional fall, e.g. 0.2 for "more than 20 %". */
  fall: number;
  /** Price the fall is measured from (spot, or the forward when no spot is given). */
  reference: number;
  strike: number;
  T: number;
  /** Breeden–Litzenberger, numerical derivative on the smile. */
  probability: number;
  /** Closed form with the vega·∂σ/∂K term (cross-check). */
  analytic: number;
  /** N(−d2) at σ(K), i.e. ignoring the smile slope. */
  noSlopeProbability: number;
  /** N(−d2) at the ATM vol σ(k = 0): the flat-smile lognormal benchmark. */
  flatVolProbability: number;
  volAtStrike: number;
  atmVol: number;
  /** The strike lies outside the smile's quoted range (the SVI wing is an extrapolation there). */
  extrapolated: boolean;
  /**
   * The numerical probability lies in [0, 1]. A value outside means the smile (typically its
   * extrapolated wing on a very short expiry) admits static arbitrage at that strike; callers
   * should not use it unclamped.
   */
  consistent: boolean;
}

/**
 * Risk-neutral probability that the underlying ends below (1 − fall)·reference at the smile's
 * maturity. `reference` defaults to the smile's forward.
 */
export function smileFallProbability(
  smile: Smile,
  fall: number,
  reference?: number,
): FallProbability {
  ensure(fall > 0 && fall < 1, "fall must be in (0, 1)", { fall });
  const ref = reference ?? smile.forward;
  ensure(ref > 0, "reference must be positive", { reference: ref });
  const strike = (1 - fall) * ref;
  const k = Math.log(strike / smile.forward);
  const volAtStrike = smileVolAtK(smile, k);
  const atmVol = smileVolAtK(smile, 0);
  const probability = probBelowNumerical(smile, strike);
  const range = smile.kRange;
  return {
    fall,
    reference: ref,
    strike,
    T: smile.T,
    probability,
    analytic: probBelowAnalytic(smile, strike),
    noSlopeProbability: lognormalProbBelow(smile.forward, strike, volAtStrike, smile.T),
    flatVolProbability: lognormalProbBelow(smile.forward, strike, atmVol, smile.T),
    volAtStrike,
    atmVol,
    extrapolated: range !== undefined && (k < range[0] || k > range[1]),
    consistent: probability >= 0 && probability <= 1,
  };
}
