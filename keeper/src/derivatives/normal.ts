/**
 * Standard normal distribution: density, cumulative distribution and its inverse.
 *
 * The CDF is W. J. Cody's rational Chebyshev approximation ("Rational Chebyshev approximations
 * for the error function", Math. Comp. 23 (1969) 631–637; the ANORM routine of SPECFUN), the
 * same algorithm R's `pnorm` uses. It returns both tails separately, so the far tails keep full
 * *relative* accuracy (about 1e-16) instead of being rounded to 0 or 1 — this matters for
 * Black–Scholes prices of far out-of-the-money options and for implied-volatility inversion.
 */

const SQRT_2PI = 2.5066282746310002;
const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_32 = 5.656854249492381;
const SPLIT = 0.67448975;

// Cody's coefficients (as in SPECFUN ANORM / R's pnorm), written as their nearest doubles.
const A = [
  2.2352520354606837, 161.02823106855587, 1067.6894854603709, 18154.98125334356,
  0.06568233791820745,
];
const B = [47.202581904688245, 976.0985517377767, 10260.932208618979, 45507.78933502673];
const C = [
  0.39894151208813466, 8.883149794388377, 93.50665613217785, 597.2702763948002, 2494.5375852903726,
  6848.190450536283, 11602.65143764735, 9842.714838383978, 1.0765576773720192e-8,
];
const D = [
  22.266688044328117, 235.387901782625, 1519.3775994075547, 6485.558298266761, 18615.571640885097,
  34900.95272114598, 38912.00328609327, 19685.429676859992,
];
const P = [
  0.215898534057957, 0.12740116116024736, 0.022235277870649807, 0.0014216191932278934,
  2.9112874951168793e-5, 0.023073441764940174,
];
const Q = [
  1.284260096144911, 0.4682382124808651, 0.06598813786892856, 0.0037823963320275824,
  7.297515550839662e-5,
];

/** exp(-y²/2)·temp computed without losing accuracy in y² (Cody's splitting trick). */
function gaussTail(y: number, temp: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq * 0.5) * Math.exp(-del * 0.5) * temp;
}

/**
 * Both tails of the standard normal: `lower` = Φ(x) = P(Z ≤ x) and `upper` = 1 − Φ(x), each
 * with full relative accuracy. NaN propagates.
 */
export function normTails(x: number): { lower: number; upper: number } {
  if (Number.isNaN(x)) return { lower: NaN, upper: NaN };
  const y = Math.abs(x);
  if (y <= SPLIT) {
    let num = 0;
    let den = 0;
    if (y > 1.1102230246251565e-16) {
      const xsq = x * x;
      num = A[4] * xsq;
      den = xsq;
      for (let i = 0; i < 3; i++) {
        num = (num + A[i]) * xsq;
        den = (den + B[i]) * xsq;
      }
    }
    const temp = (x * (num + A[3])) / (den + B[3]);
    return { lower: 0.5 + temp, upper: 0.5 - temp };
  }
  let tail: number;
  if (y <= SQRT_32) {
    let num = C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * y;
      den = (den + D[i]) * y;
    }
    tail = gaussTail(y, (num + C[7]) / (den + D[7]));
  } else if (y < 40) {
    const xsq = 1 / (x * x);
    let num = P[5] * xsq;
    let den = xsq;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]) * xsq;
      den = (den + Q[i]) * xsq;
    }
    let temp = (xsq * (num + P[4])) / (den + Q[4]);
    temp = (INV_SQRT_2PI - temp) / y;
    tail = gaussTail(y, temp);
  } else {
    tail = 0;
  }
  return x > 0 ? { lower: 1 - tail, upper: tail } : { lower: tail, upper: 1 - tail };
}

/** Standard normal CDF Φ(x), accurate to ~1e-16 relative (also in the lower tail). */
export function normCdf(x: number): number {
  return normTails(x).lower;
}

/** Standard normal survival function 1 − Φ(x) = Φ(−x), full relative accuracy in the upper tail. */
export function normSf(x: number): number {
  return normTails(x).upper;
}

/** Standard normal density φ(x) = exp(−x²/2)/√(2π). */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * Complementary error function erfc(x) = 2·(1 − Φ(x√2)), via Cody's normal tails
 * (full relative accuracy for large positive x).
 */
export function erfc(x: number): number {
  return 2 * normSf(x * Math.SQRT2);
}

/** Error function erf(x) = 2Φ(x√2) − 1. */
export function erf(x: number): number {
  const t = normTails(x * Math.SQRT2);
  return x >= 0 ? 1 - 2 * t.upper : 2 * t.lower - 1;
}

const IA = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
  -3.066479806614716e1, 2.506628277459239,
];
const IB = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1,
];
const IC = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549671010139279,
  4.374664141464968, 2.938163982698783,
];
const ID = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/**
 * Inverse standard normal CDF Φ⁻¹(p) for p ∈ (0, 1): P. J. Acklam's rational approximation
 * (relative error 1.2e-9) followed by two Halley steps against {@link normCdf}, which brings it to
 * about machine precision. Returns −∞ / +∞ at 0 / 1 and NaN outside [0, 1].
 */
export function normInv(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const plow = 0.02425;
  let x: number;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((IC[0] * q + IC[1]) * q + IC[2]) * q + IC[3]) * q + IC[4]) * q + IC[5]) /
      ((((ID[0] * q + ID[1]) * q + ID[2]) * q + ID[3]) * q + 1);
  } else if (p <= 1 - plow) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((IA[0] * r + IA[1]) * r + IA[2]) * r + IA[3]) * r + IA[4]) * r + IA[5]) * q) /
      (((((IB[0] * r + IB[1]) * r + IB[2]) * r + IB[3]) * r + IB[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((IC[0] * q + IC[1]) * q + IC[2]) * q + IC[3]) * q + IC[4]) * q + IC[5]) /
      ((((ID[0] * q + ID[1]) * q + ID[2]) * q + ID[3]) * q + 1);
  }
  for (let i = 0; i < 2; i++) {
    // Halley refinement; work in the smaller tail to keep relative accuracy.
    const e = p < 0.5 ? normCdf(x) - p : 1 - p - normSf(x);
    const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
    x = x - u / (1 + 0.5 * x * u);
  }
  return x;
}
