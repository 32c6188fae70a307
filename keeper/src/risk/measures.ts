/**
 * Risk measures.
 *
 * SIGN CONVENTION: VaR and CVaR are reported as LOSSES, positive numbers, in return units of the
 * input periodicity: a 1-day 95% VaR of 0.05 means "a loss of 5% or more happens on 5% of days".
 * Loss L = −r for a (log or simple) portfolio return r. α is the confidence level (e.g. 0.95,
 * 0.99): VaR_α = α-quantile of L; CVaR_α = E[L | L ≥ VaR_α] (expected shortfall).
 */
import { dot, matVec, quadForm } from "../math/linalg.ts";
import type { Matrix, Vector } from "../math/linalg.ts";
import { lnGamma, mean, quantile, studentTPdf, studentTQuantile, variance } from "../math/stats.ts";
import { checkReturns, RiskError } from "./errors.ts";

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RiskError("INVALID_ARGUMENT", `bad alpha ${alpha}`);
}

/** Portfolio volatility √(wᵀΣw) (same periodicity as Σ). */
export function portfolioVolatility(w: Vector, cov: Matrix): number {
  if (w.length !== cov.length) throw new RiskError("DIMENSION_MISMATCH", "weights vs covariance");
  return Math.sqrt(Math.max(0, quadForm(w, cov)));
}

/**
 * Portfolio return series r_p,t = Σ_i w_i r_t,i for a fixed weight vector (exact for simple
 * returns; for log returns it is the usual first-order approximation).
 */
export function portfolioReturns(R: readonly number[][], w: Vector): number[] {
  const [, N] = checkReturns(R, 0, "portfolioReturns");
  if (R.length > 0 && w.length !== N) throw new RiskError("DIMENSION_MISMATCH", "weights length");
  return R.map((row) => dot(w, row));
}

/** A VaR / CVaR pair (losses positive). */
export interface VarCvar {
  alpha: number;
  var: number;
  cvar: number;
}

/**
 * Historical (empirical) VaR and CVaR of a return series at confidence α.
 * L = −r; VaR = type-7 (linearly interpolated) α-quantile of L ({@link quantile});
 * CVaR = mean of the losses L ≥ VaR (never empty, so CVaR ≥ VaR always holds).
 */
export function historicalVaR(returns: readonly number[], alpha = 0.95): VarCvar {
  checkAlpha(alpha);
  if (returns.length === 0) throw new RiskError("INSUFFICIENT_DATA", "historicalVaR: empty");
  const losses = returns.map((r) => -r);
  const v = quantile(losses, alpha);
  const tail = losses.filter((l) => l >= v);
  return { alpha, var: v, cvar: mean(tail) };
}

/** Location-scale Student-t: r = loc + scale·T_ν. */
export interface StudentTParams {
  nu: number;
  loc: number;
  scale: number;
}

/**
 * Closed-form Student-t VaR and CVaR (losses positive) for returns r = loc + scale·T_ν, ν > 1:
 *   q = t_ν⁻¹(α);  VaR_α = −loc + scale·q;
 *   CVaR_α = −loc + scale · g_ν(q)/(1−α) · (ν + q²)/(ν − 1),  g_ν = standard t density.
 */
export function studentTVaR(params: StudentTParams, alpha = 0.95): VarCvar {
  checkAlpha(alpha);
  const { nu, loc, scale } = params;
  if (!(nu > 1)) throw new RiskError("INVALID_ARGUMENT", `studentTVaR: need nu > 1, got ${nu}`);
  if (!(scale > 0)) throw new RiskError("INVALID_ARGUMENT", `studentTVaR: bad scale ${scale}`);
  const q = studentTQuantile(alpha, nu);
  const es = (studentTPdf(q, nu) / (1 - alpha)) * ((nu + q * q) / (nu - 1));
  return { alpha, var: -loc + scale * q, cvar: -loc + scale * es };
}

/** Options of {@link fitStudentT}. */
export interface FitStudentTOptions {
  /** "mle" (default) or "moments". */
  method?: "mle" | "moments";
  /** Bounds for ν; default [2.05, 200]. */
  nuBounds?: [number, number];
}

/** Log-likelihood of a location-scale Student-t. */
export function studentTLogLikelihood(x: readonly number[], p: StudentTParams): number {
  const { nu, loc, scale } = p;
  const c =
    lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * Math.log(nu * Math.PI) - Math.log(scale);
  let s = 0;
  for (const v of x) {
    const z = (v - loc) / scale;
    s += c - ((nu + 1) / 2) * Math.log(1 + (z * z) / nu);
  }
  return s;
}

/** EM (iteratively reweighted) estimates of loc and scale for a FIXED ν, warm-started at `init`. */
function emLocScale(
  x: readonly number[],
  nu: number,
  init: { loc: number; scale: number },
): { loc: number; scale: number } {
  let loc = init.loc;
  let s2 = init.scale * init.scale;
  const n = x.length;
  for (let it = 0; it < 1000; it++) {
    let sw = 0;
    let swx = 0;
    let swxx = 0;
    for (let i = 0; i < n; i++) {
      const d = x[i] - loc;
      const w = (nu + 1) / (nu + (d * d) / s2);
      sw += w;
      swx += w * d;
      swxx += w * d * d;
    }
    // Σw(x − newLoc)² = Σw d² − (Σw d)²/Σw  with d = x − loc
    const newLoc = loc + swx / sw;
    const newS2 = (swxx - (swx * swx) / sw) / n;
    const done =
      Math.abs(newLoc - loc) <= 1e-10 * Math.sqrt(newS2) && Math.abs(newS2 - s2) <= 1e-10 * s2;
    loc = newLoc;
    s2 = newS2;
    if (done) break;
  }
  return { loc, scale: Math.sqrt(s2) };
}

/**
 * Fit a location-scale Student-t to a return sample.
 *
 * - "moments": loc = sample mean; ν = 4 + 6/g₂ from the sample excess kurtosis g₂ (the t has
 *   excess kurtosis 6/(ν−4)), clipped to `nuBounds` (g₂ ≤ 0 → upper bound); scale = s·√((ν−2)/ν)
 *   so the fitted variance equals the sample variance s² (ddof 1).
 * - "mle" (default): maximum likelihood. For fixed ν, loc and scale come from the EM /
 *   iteratively-reweighted fixed point w_i = (ν+1)/(ν+z_i²), loc = Σw x/Σw, scale² = Σw(x−loc)²/n;
 *   ν maximizes this profile likelihood by golden-section search on ln ν within `nuBounds`.
 * Needs ≥ 5 observations with positive variance.
 */
export function fitStudentT(x: readonly number[], opts: FitStudentTOptions = {}): StudentTParams {
  if (x.length < 5) throw new RiskError("INSUFFICIENT_DATA", "fitStudentT: need ≥ 5 observations");
  const [lo, hi] = opts.nuBounds ?? [2.05, 200];
  if (!(lo > 0 && hi > lo)) throw new RiskError("INVALID_ARGUMENT", "fitStudentT: bad nuBounds");
  const s2 = variance(x);
  if (!(s2 > 0)) throw new RiskError("ZERO_VARIANCE", "fitStudentT: zero variance");
  if ((opts.method ?? "mle") === "moments") {
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
    const g2 = m4 / (m2 * m2) - 3;
    const nu = g2 > 0 ? Math.min(hi, Math.max(lo, 4 + 6 / g2)) : hi;
    return { nu, loc: m, scale: Math.sqrt((s2 * (nu - 2)) / nu) };
  }
  let warm = { loc: mean(x), scale: Math.sqrt(s2) };
  const profile = (lnNu: number): number => {
    const nu = Math.exp(lnNu);
    warm = emLocScale(x, nu, warm);
    return studentTLogLikelihood(x, { nu, ...warm });
  };
  const g = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(lo);
  let b = Math.log(hi);
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = profile(c);
  let fd = profile(d);
  for (let it = 0; it < 60 && b - a > 1e-5; it++) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = profile(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = profile(d);
    }
  }
  const nu = Math.exp(0.5 * (a + b));
  return { nu, ...emLocScale(x, nu, warm) };
}

/** Result of {@link maxDrawdown}. */
export interface Drawdown {
  /** Largest peak-to-trough decline as a positive fraction (0.83 = −83%). */
  maxDrawdown: number;
  peakIndex: number;
  troughIndex: number;
}

/** Maximum drawdown of a positive price / NAV path: max over t of 1 − P_t / max_{s≤t} P_s. */
export function maxDrawdown(path: readonly number[]): Drawdown {
  if (path.length === 0) throw new RiskError("INSUFFICIENT_DATA", "maxDrawdown: empty path");
  let peak = path[0];
  let peakIdx = 0;
  let best: Drawdown = { maxDrawdown: 0, peakIndex: 0, troughIndex: 0 };
  for (let t = 0; t < path.length; t++) {
    const p = path[t];
    if (!(p > 0))
      throw new RiskError("INVALID_ARGUMENT", `maxDrawdown: non-positive value at ${t}`);
    if (p > peak) {
      peak = p;
      peakIdx = t;
    }
    const dd = 1 - p / peak;
    if (dd > best.maxDrawdown) best = { maxDrawdown: dd, peakIndex: peakIdx, troughIndex: t };
  }
  return best;
}

/** OLS beta of `asset` on `benchmark` returns: cov(a, b) / var(b) (same-length series). */
export function beta(asset: readonly number[], benchmark: readonly number[]): number {
  if (asset.length !== benchmark.length) throw new RiskError("DIMENSION_MISMATCH", "beta: lengths");
  if (asset.length < 2) throw new RiskError("INSUFFICIENT_DATA", "beta: need ≥ 2 points");
  const ma = mean(asset);
  const mb = mean(benchmark);
  let c = 0;
  let v = 0;
  for (let i = 0; i < asset.length; i++) {
    c += (asset[i] - ma) * (benchmark[i] - mb);
    v += (benchmark[i] - mb) * (benchmark[i] - mb);
  }
  if (!(v > 0)) throw new RiskError("ZERO_VARIANCE", "beta: benchmark has zero variance");
  return c / v;
}

/** Betas of every column of R to column `benchmarkIndex` (e.g. BTC); the benchmark's own beta is 1. */
export function betasTo(R: readonly number[][], benchmarkIndex: number): number[] {
  const [, N] = checkReturns(R, 2, "betasTo");
  if (!(Number.isInteger(benchmarkIndex) && benchmarkIndex >= 0 && benchmarkIndex < N)) {
    throw new RiskError("INVALID_ARGUMENT", `bad benchmarkIndex ${benchmarkIndex}`);
  }
  const b = R.map((r) => r[benchmarkIndex]);
  return Array.from({ length: N }, (_, j) =>
    beta(
      R.map((r) => r[j]),
      b,
    ),
  );
}

/** Result of {@link riskContributions}. */
export interface RiskContributions {
  /** σ_p = √(wᵀΣw). */
  volatility: number;
  /** ∂σ_p/∂w_i = (Σw)_i / σ_p. */
  marginal: number[];
  /** w_i·(Σw)_i / σ_p; sums to σ_p (Euler). */
  component: number[];
  /** component_i / σ_p; sums to 1. */
  percent: number[];
}

/**
 * Marginal and component (Euler) risk contributions to portfolio volatility. Because σ_p is
 * homogeneous of degree 1 in w, Σ_i component_i = σ_p exactly (up to round-off).
 */
export function riskContributions(w: Vector, cov: Matrix): RiskContributions {
  if (w.length !== cov.length) throw new RiskError("DIMENSION_MISMATCH", "weights vs covariance");
  const sw = matVec(cov, w);
  const variance_ = dot(w, sw);
  if (!(variance_ > 0))
    throw new RiskError("ZERO_VARIANCE", "riskContributions: zero portfolio variance");
  const volatility = Math.sqrt(variance_);
  const marginal = sw.map((v) => v / volatility);
  const component = marginal.map((m, i) => w[i] * m);
  const percent = component.map((c) => c / volatility);
  return { volatility, marginal, component, percent };
}
