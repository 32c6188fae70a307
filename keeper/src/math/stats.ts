/**
 * Descriptive statistics, seeded random numbers and the Student-t distribution.
 *
 * Pure functions only. Randomness is explicit: a generator is a `() => number` created from a
 * seed by {@link mulberry32} and passed to every sampler, so there is no hidden global state.
 */

/** Uniform [0, 1) generator. */
export type Rng = () => number;

/** Error codes raised by this module. */
export type StatsErrorCode = "EMPTY_INPUT" | "INVALID_ARGUMENT" | "NO_CONVERGENCE";

/** Typed error of the statistics module. */
export class StatsError extends Error {
  readonly code: StatsErrorCode;
  constructor(code: StatsErrorCode, message: string) {
    super(message);
    this.name = "StatsError";
    this.code = code;
  }
}

function nonEmpty(x: readonly number[], fn: string): void {
  if (x.length === 0) throw new StatsError("EMPTY_INPUT", `${fn}: empty input`);
}

/** Arithmetic mean. Throws EMPTY_INPUT on an empty array. */
export function mean(x: readonly number[]): number {
  nonEmpty(x, "mean");
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}

/**
 * Variance with `ddof` delta degrees of freedom: Σ(x−x̄)²/(n−ddof). Default ddof = 1 (unbiased
 * sample variance). Throws INVALID_ARGUMENT when n ≤ ddof.
 */
export function variance(x: readonly number[], ddof = 1): number {
  nonEmpty(x, "variance");
  if (x.length <= ddof) {
    throw new StatsError("INVALID_ARGUMENT", `variance: n=${x.length} <= ddof=${ddof}`);
  }
  const m = mean(x);
  let s = 0;
  for (const v of x) s += (v - m) * (v - m);
  return s / (x.length - ddof);
}

/** Standard deviation √variance(x, ddof); default ddof = 1. */
export function std(x: readonly number[], ddof = 1): number {
  return Math.sqrt(variance(x, ddof));
}

/**
 * Empirical quantile at probability p ∈ [0, 1] with LINEAR INTERPOLATION between order statistics:
 * Hyndman & Fan (1996) type 7, the default of R, NumPy and Excel's PERCENTILE.INC.
 * With sorted x₍₀₎ ≤ … ≤ x₍ₙ₋₁₎, h = (n−1)·p, the result is x₍⌊h⌋₎ + (h−⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎).
 */
export function quantile(x: readonly number[], p: number): number {
  nonEmpty(x, "quantile");
  if (!(p >= 0 && p <= 1)) throw new StatsError("INVALID_ARGUMENT", `quantile: p=${p}`);
  const s = [...x].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** Sample skewness (population moments, g₁ = m₃ / m₂^{3/2}). */
export function skewness(x: readonly number[]): number {
  const m = mean(x);
  let m2 = 0;
  let m3 = 0;
  for (const v of x) {
    const d = v - m;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= x.length;
  m3 /= x.length;
  return m3 / Math.pow(m2, 1.5);
}

/** Sample EXCESS kurtosis (population moments, g₂ = m₄ / m₂² − 3). */
export function excessKurtosis(x: readonly number[]): number {
  const m = mean(x);
  let m2 = 0;
  let m4 = 0;
  for (const v of x) {
    const d2 = (v - m) * (v - m);
    m2 += d2;
    m4 += d2 * d2;
  }
  m2 /= x.length;
  m4 /= x.length;
  return m4 / (m2 * m2) - 3;
}

/**
 * Mulberry32 PRNG (Tommy Ettinger, public domain): a 32-bit state generator returning uniforms in
 * [0, 1). Deterministic for a given 32-bit integer seed; the returned closure owns its state.
 */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One standard normal draw by the Box–Muller transform, consuming two uniforms from `rng`
 * (the second, sine, variate is discarded so the function stays stateless).
 */
export function standardNormal(rng: Rng): number {
  let u1 = rng();
  while (u1 <= 0) u1 = rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Normal draw with mean `mu` and standard deviation `sigma`. */
export function normal(rng: Rng, mu = 0, sigma = 1): number {
  return mu + sigma * standardNormal(rng);
}

/**
 * Gamma(shape, scale = 1) draw by Marsaglia & Tsang (2000); for shape < 1 uses the boost
 * Gamma(a) = Gamma(a+1)·U^{1/a}.
 */
export function gammaSample(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new StatsError("INVALID_ARGUMENT", `gammaSample: shape=${shape}`);
  if (shape < 1) {
    let u = rng();
    while (u <= 0) u = rng();
    return gammaSample(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * Standard Student-t draw with ν > 0 degrees of freedom: Z / √(χ²_ν / ν), where
 * χ²_ν = 2·Gamma(ν/2). Variance is ν/(ν−2) for ν > 2.
 */
export function studentT(rng: Rng, nu: number): number {
  if (!(nu > 0)) throw new StatsError("INVALID_ARGUMENT", `studentT: nu=${nu}`);
  const z = standardNormal(rng);
  const chi2 = 2 * gammaSample(rng, nu / 2);
  return z / Math.sqrt(chi2 / nu);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, ~15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1−x) = π / sin(πx)
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  }
  const xx = x - 1;
  let a = LANCZOS[0];
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta (modified Lentz; Numerical Recipes §6.4). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const FPMIN = 1e-300;
  const EPS = 1e-15;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  throw new StatsError("NO_CONVERGENCE", `incomplete beta continued fraction a=${a} b=${b} x=${x}`);
}

/**
 * Regularized incomplete beta I_x(a, b) = B(x; a, b) / B(a, b) for a, b > 0 and x ∈ [0, 1],
 * by continued fraction (Numerical Recipes `betai`), using the symmetry
 * I_x(a, b) = 1 − I_{1−x}(b, a) where it converges faster.
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new StatsError("INVALID_ARGUMENT", `incBeta: a=${a} b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new StatsError("INVALID_ARGUMENT", `incBeta: x=${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  const front = Math.exp(lnFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Density of the standard Student-t with ν degrees of freedom. */
export function studentTPdf(t: number, nu: number): number {
  const lnC = lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * Math.log(nu * Math.PI);
  return Math.exp(lnC - ((nu + 1) / 2) * Math.log(1 + (t * t) / nu));
}

/**
 * CDF of the standard Student-t with ν > 0 degrees of freedom:
 * F(t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, and symmetric for t < 0.
 */
export function studentTCdf(t: number, nu: number): number {
  if (!(nu > 0)) throw new StatsError("INVALID_ARGUMENT", `studentTCdf: nu=${nu}`);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const x = nu / (nu + t * t);
  const tail = 0.5 * regularizedIncompleteBeta(x, nu / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Quantile (inverse CDF) of the standard Student-t with ν > 0 degrees of freedom, p ∈ (0, 1).
 * Solves F(t) = p by safeguarded Newton iteration (falls back to bisection inside an expanding
 * bracket); absolute tolerance 1e-12 in t. The lower tail is solved directly for accuracy.
 */
export function studentTQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 1)) throw new StatsError("INVALID_ARGUMENT", `studentTQuantile: p=${p}`);
  if (!(nu > 0)) throw new StatsError("INVALID_ARGUMENT", `studentTQuantile: nu=${nu}`);
  if (p === 0.5) return 0;
  if (p > 0.5) return -studentTQuantile(1 - p, nu);
  // p < 0.5: the root is negative. Bracket [lo, hi] with F(lo) ≤ p ≤ F(hi).
  let hi = 0;
  let lo = -1;
  while (studentTCdf(lo, nu) > p) {
    hi = lo;
    lo *= 2;
    if (lo < -1e300) return -Infinity;
  }
  let t = 0.5 * (lo + hi);
  for (let i = 0; i < 200; i++) {
    const f = studentTCdf(t, nu) - p;
    if (f > 0) hi = t;
    else lo = t;
    const d = studentTPdf(t, nu);
    let next = d > 0 ? t - f / d : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - t) <= 1e-12 * Math.max(1, Math.abs(t))) return next;
    t = next;
  }
  return t;
}

/**
 * Standard normal CDF Φ(x): Hart (1968) algorithm 5666 as given by G. West (2005), "Better
 * approximations to cumulative normal functions", Wilmott — double-precision accuracy (~1e-15).
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x);
  let c: number;
  if (z > 37) {
    c = 0;
  } else {
    const e = Math.exp((-z * z) / 2);
    if (z < 7.07106781186547) {
      let n = 3.52624965998911e-2 * z + 0.700383064443688;
      n = n * z + 6.37396220353165;
      n = n * z + 33.912866078383;
      n = n * z + 112.079291497871;
      n = n * z + 221.213596169931;
      n = n * z + 220.206867912376;
      let d = 8.83883476483184e-2 * z + 1.75566716318264;
      d = d * z + 16.064177579207;
      d = d * z + 86.7807322029461;
      d = d * z + 296.564248779674;
      d = d * z + 637.333633378831;
      d = d * z + 793.826512519948;
      d = d * z + 440.413735824752;
      c = (e * n) / d;
    } else {
      let b = z + 0.65;
      b = z + 4 / b;
      b = z + 3 / b;
      b = z + 2 / b;
      b = z + 1 / b;
      c = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - c : c;
}

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/**
 * Standard normal quantile Φ⁻¹(p), p ∈ (0, 1): Acklam's rational approximation (relative error
 * < 1.15e-9).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new StatsError("INVALID_ARGUMENT", `normalQuantile: p=${p}`);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
    -3.066479806614716e1, 2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}
