/**
 * Covariance estimators for a T×N matrix of (log) returns, rows = time, oldest first.
 *
 * Every estimator uses only the rows it is given (no look-ahead): feed it the window ending at t
 * to get the estimate at t (see {@link rollingEstimates}). Results are in the periodicity of the
 * input (daily returns → daily covariance); use {@link annualizeCovariance} to scale.
 */
import { dot, matVec, nearestPSDWithInfo, zeros } from "../math/linalg.ts";
import type { Matrix, Vector } from "../math/linalg.ts";
import { checkReturns, RiskError } from "./errors.ts";

/** λ = 2^(−1/halfLife): the weight of an observation halves every `halfLife` periods. */
export function halfLifeToLambda(halfLife: number): number {
  if (!(halfLife > 0)) throw new RiskError("INVALID_ARGUMENT", `bad halfLife ${halfLife}`);
  return Math.pow(2, -1 / halfLife);
}

/** Inverse of {@link halfLifeToLambda}: halfLife = ln ½ / ln λ. λ = 0.94 ↔ ≈ 11.2 periods. */
export function lambdaToHalfLife(lambda: number): number {
  checkLambda(lambda);
  return Math.log(0.5) / Math.log(lambda);
}

function checkLambda(lambda: number): void {
  if (!(lambda > 0 && lambda < 1)) throw new RiskError("INVALID_ARGUMENT", `bad lambda ${lambda}`);
}

/** Column means of R. */
export function columnMeans(R: readonly number[][]): Vector {
  const [T, N] = checkReturns(R, 1, "columnMeans");
  const m = zeros(N);
  for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) m[j] += R[t][j];
  return m.map((v) => v / T);
}

/** Cross-product Σ_t w_t (r_t − m)(r_t − m)ᵀ, upper triangle computed and mirrored. */
function weightedCrossProduct(R: readonly number[][], w: readonly number[], m: Vector): Matrix {
  const N = m.length;
  const S = zeros(N, N);
  const d = new Array<number>(N);
  for (let t = 0; t < R.length; t++) {
    const row = R[t];
    const wt = w[t];
    for (let j = 0; j < N; j++) d[j] = row[j] - m[j];
    for (let i = 0; i < N; i++) {
      const a = wt * d[i];
      if (a === 0) continue;
      const Si = S[i];
      for (let j = i; j < N; j++) Si[j] += a * d[j];
    }
  }
  for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) S[i][j] = S[j][i];
  return S;
}

/**
 * Sample covariance Σ_t (r_t − r̄)(r_t − r̄)ᵀ / (T − ddof); default ddof = 1 (unbiased).
 * Needs T > ddof rows.
 */
export function sampleCovariance(R: readonly number[][], opts: { ddof?: number } = {}): Matrix {
  const ddof = opts.ddof ?? 1;
  const [T] = checkReturns(R, ddof + 1, "sampleCovariance");
  const m = columnMeans(R);
  const w = new Array<number>(T).fill(1 / (T - ddof));
  return weightedCrossProduct(R, w, m);
}

/** Options of {@link ewmaCovariance}. */
export interface EwmaOptions {
  /** Decay λ ∈ (0, 1); default 0.94 (RiskMetrics 1996, daily). Ignored if `halfLife` is given. */
  lambda?: number;
  /** Alternative to λ: half-life in periods (λ = 2^(−1/halfLife)). */
  halfLife?: number;
  /** Subtract the EW-weighted mean first; default false (RiskMetrics assumes zero mean). */
  demean?: boolean;
}

/** Normalized EWMA weights w_t = λ^(T−1−t) / Σ_s λ^(T−1−s), t = 0…T−1 (newest weighs most). */
export function ewmaWeights(T: number, lambda: number): number[] {
  checkLambda(lambda);
  const w = new Array<number>(T);
  let p = 1;
  let s = 0;
  for (let t = T - 1; t >= 0; t--) {
    w[t] = p;
    s += p;
    p *= lambda;
  }
  return w.map((v) => v / s);
}

function resolveLambda(opts: EwmaOptions): number {
  const lambda =
    opts.halfLife !== undefined ? halfLifeToLambda(opts.halfLife) : (opts.lambda ?? 0.94);
  checkLambda(lambda);
  return lambda;
}

/**
 * Exponentially weighted (RiskMetrics) covariance at the last row of R:
 *   Σ = Σ_t w_t r_t r_tᵀ,  w_t = λ^(T−1−t)(1−λ)/(1−λ^T).
 *
 * INITIALIZATION: this equals the RiskMetrics recursion Σ_t = λΣ_{t−1} + (1−λ) r_t r_tᵀ started
 * from Σ_{−1} = 0 and divided by (1 − λ^T), i.e. the weights are renormalized over the finite
 * window so they sum to one; no seed matrix and no burn-in. With `demean` the EW mean is removed
 * first. Needs T ≥ 1 (T ≥ 2 with demean).
 */
export function ewmaCovariance(R: readonly number[][], opts: EwmaOptions = {}): Matrix {
  const lambda = resolveLambda(opts);
  const [T, N] = checkReturns(R, opts.demean ? 2 : 1, "ewmaCovariance");
  const w = ewmaWeights(T, lambda);
  const m = zeros(N);
  if (opts.demean) for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) m[j] += w[t] * R[t][j];
  return weightedCrossProduct(R, w, m);
}

/** EWMA of x_t² (zero-mean variance) with normalized weights, as in {@link ewmaCovariance}. */
export function ewmaVariance(x: readonly number[], lambda: number): number {
  if (x.length === 0) throw new RiskError("INSUFFICIENT_DATA", "ewmaVariance: empty");
  const w = ewmaWeights(x.length, lambda);
  let s = 0;
  for (let t = 0; t < x.length; t++) s += w[t] * x[t] * x[t];
  return s;
}

/** Result of {@link ledoitWolfConstantCorrelation}. */
export interface LedoitWolfResult {
  /** δ·F + (1−δ)·S. */
  cov: Matrix;
  /** Shrinkage intensity δ ∈ [0, 1]. */
  intensity: number;
  /** Constant-correlation target F. */
  target: Matrix;
  /** Average off-diagonal sample correlation r̄. */
  averageCorrelation: number;
  /** The un-clipped κ̂/T. */
  rawIntensity: number;
}

/**
 * Ledoit & Wolf (2004), "Honey, I shrunk the sample covariance matrix", J. Portfolio Management
 * 30(4): shrinkage of the sample covariance toward the CONSTANT-CORRELATION target.
 *
 * With X the column-demeaned returns and S = XᵀX / T (the paper's 1/T normalization):
 *   F_ii = S_ii, F_ij = r̄·√(S_ii S_jj), r̄ = mean of the off-diagonal sample correlations;
 *   π̂ = Σ_ij (1/T) Σ_t (x_ti x_tj − S_ij)²;
 *   ρ̂ = Σ_i π̂_ii + r̄ Σ_{i≠j} √(S_jj/S_ii) ϑ̂_ij,  ϑ̂_ij = (1/T) Σ_t (x_ti² − S_ii)(x_ti x_tj − S_ij);
 *   γ̂ = ‖F − S‖²_F;  κ̂ = (π̂ − ρ̂)/γ̂;  δ = max(0, min(1, κ̂/T)).
 * This is the estimator of the authors' reference code `covCor.m`. Works for T < N (S singular;
 * F is PD when r̄ > −1/(N−1), so the result is then PD for δ > 0). Needs T ≥ 2, N ≥ 2, and every
 * column with positive variance (else ZERO_VARIANCE).
 */
export function ledoitWolfConstantCorrelation(R: readonly number[][]): LedoitWolfResult {
  const [T, N] = checkReturns(R, 2, "ledoitWolfConstantCorrelation");
  if (N < 2) throw new RiskError("INVALID_ARGUMENT", "ledoitWolf: need N ≥ 2");
  const m = columnMeans(R);
  const X = R.map((row) => row.map((v, j) => v - m[j]));
  const S = weightedCrossProduct(X, new Array<number>(T).fill(1 / T), zeros(N));
  const sd = S.map((r, i) => Math.sqrt(r[i]));
  sd.forEach((s, i) => {
    if (!(s > 0)) throw new RiskError("ZERO_VARIANCE", `ledoitWolf: column ${i} has zero variance`);
  });
  let corrSum = 0;
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) corrSum += S[i][j] / (sd[i] * sd[j]);
  const rBar = (2 * corrSum) / (N * (N - 1));
  const F = zeros(N, N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) F[i][j] = i === j ? S[i][i] : rBar * (sd[i] * sd[j]);
  }
  // The sums over (i, j) collapse to O(T·N) per-row sums:
  //   Σ_ij (1/T)Σ_t x_ti² x_tj² = (1/T) Σ_t (Σ_i x_ti²)²
  //   Σ_{i≠j} (sd_j/sd_i)(1/T)Σ_t x_ti³ x_tj = (1/T) Σ_t [(Σ_i x_ti³/sd_i)(Σ_j sd_j x_tj) − Σ_i x_ti⁴]
  let sumSq2 = 0;
  let sum4 = 0;
  let cross = 0;
  for (let t = 0; t < T; t++) {
    const x = X[t];
    let q = 0;
    let c3 = 0;
    let u = 0;
    let f4 = 0;
    for (let i = 0; i < N; i++) {
      const v = x[i];
      const v2 = v * v;
      q += v2;
      c3 += (v2 * v) / sd[i];
      u += sd[i] * v;
      f4 += v2 * v2;
    }
    sumSq2 += q * q;
    sum4 += f4;
    cross += c3 * u - f4;
  }
  let sumS2 = 0;
  let diagS2 = 0;
  let thetaCorrection = 0;
  let gamma = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const v = S[i][j];
      sumS2 += v * v;
      if (i === j) diagS2 += v * v;
      else thetaCorrection += (sd[j] / sd[i]) * S[i][i] * v;
      const d = F[i][j] - v;
      gamma += d * d;
    }
  }
  const pi = sumSq2 / T - sumS2;
  const piDiag = sum4 / T - diagS2;
  const thetaTerm = cross / T - thetaCorrection;
  const rho = piDiag + rBar * thetaTerm;
  const rawIntensity = gamma > 0 ? (pi - rho) / gamma / T : 0;
  const intensity = Math.max(0, Math.min(1, rawIntensity));
  const cov = zeros(N, N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) cov[i][j] = intensity * F[i][j] + (1 - intensity) * S[i][j];
  }
  return { cov, intensity, target: F, averageCorrelation: rBar, rawIntensity };
}

/** Options of {@link regimeAdjustedEwmaCovariance}. */
export interface RegimeAdjustedOptions {
  /** Half-life of the base covariance and of the long variance; default 60 periods. */
  longHalfLife?: number;
  /** Half-life of the short variance; default 10 periods. */
  shortHalfLife?: number;
  /** Bounds for the volatility multiplier φ; default [0.7, 1.6] (skfolio's default clip). */
  clip?: [number, number];
  /** Direction of the calibration portfolio; default inverse-volatility weights from Σ_long. */
  weights?: readonly number[];
}

/** Result of {@link regimeAdjustedEwmaCovariance}. */
export interface RegimeAdjustedResult {
  /** φ²·Σ_long. */
  cov: Matrix;
  /** The un-adjusted long-half-life EWMA covariance. */
  baseCov: Matrix;
  /** Clipped multiplier φ (volatility scale). */
  multiplier: number;
  /** Un-clipped ratio σ_short / σ_long. */
  volRatio: number;
  shortVariance: number;
  longVariance: number;
  /** Calibration portfolio weights (sum to 1). */
  weights: Vector;
}

/**
 * Regime-adjusted EWMA covariance, in the spirit of skfolio's `RegimeAdjustedEWCovariance`
 * (skfolio.moments, "Short-Term Volatility Update", STVU; https://skfolio.org). Formula used here:
 *
 *   Σ_L = EWMA covariance with λ_L = 2^(−1/longHalfLife)              ({@link ewmaCovariance})
 *   w   = inverse-volatility weights 1/√Σ_L,ii normalized to sum 1     (skfolio's default target
 *         direction for its PORTFOLIO regime target) unless `weights` is given
 *   p_t = wᵀ r_t;  σ²_S = EWMA_{λ_S}(p_t²) with λ_S = 2^(−1/shortHalfLife);  σ²_L = wᵀ Σ_L w
 *   φ   = clip(√(σ²_S / σ²_L), clip[0], clip[1]);   Σ = φ² · Σ_L.
 *
 * Difference from skfolio: skfolio's φ² is an EW average (regime half-life) of one-step-ahead
 * standardized squared portfolio returns d²/n = (wᵀr_t)²/(wᵀΣ_{t−1}w); here it is the ratio of a
 * short- to a long-half-life EWMA variance of the same portfolio at the estimation date. Both
 * rescale the whole matrix by one scalar so correlations are untouched.
 */
export function regimeAdjustedEwmaCovariance(
  R: readonly number[][],
  opts: RegimeAdjustedOptions = {},
): RegimeAdjustedResult {
  const [T, N] = checkReturns(R, 1, "regimeAdjustedEwmaCovariance");
  const longHL = opts.longHalfLife ?? 60;
  const shortHL = opts.shortHalfLife ?? 10;
  const [lo, hi] = opts.clip ?? [0.7, 1.6];
  if (!(lo > 0 && hi >= lo)) throw new RiskError("INVALID_ARGUMENT", `bad clip [${lo}, ${hi}]`);
  const baseCov = ewmaCovariance(R, { halfLife: longHL });
  let weights: Vector;
  if (opts.weights) {
    if (opts.weights.length !== N) throw new RiskError("DIMENSION_MISMATCH", "weights length");
    const s = opts.weights.reduce((a, b) => a + b, 0);
    weights = opts.weights.map((v) => v / s);
  } else {
    const inv = baseCov.map((r, i) => {
      if (!(r[i] > 0))
        throw new RiskError("ZERO_VARIANCE", `regimeAdjusted: column ${i} has zero variance`);
      return 1 / Math.sqrt(r[i]);
    });
    const s = inv.reduce((a, b) => a + b, 0);
    weights = inv.map((v) => v / s);
  }
  const p = new Array<number>(T);
  for (let t = 0; t < T; t++) p[t] = dot(weights, R[t]);
  const shortVariance = ewmaVariance(p, halfLifeToLambda(shortHL));
  const longVariance = dot(weights, matVec(baseCov, weights));
  if (!(longVariance > 0))
    throw new RiskError("ZERO_VARIANCE", "regimeAdjusted: zero portfolio variance");
  const volRatio = Math.sqrt(shortVariance / longVariance);
  const multiplier = Math.min(hi, Math.max(lo, volRatio));
  const f = multiplier * multiplier;
  const cov = baseCov.map((r) => r.map((v) => v * f));
  return { cov, baseCov, multiplier, volRatio, shortVariance, longVariance, weights };
}

/** Result of {@link repairPSD}. */
export interface PsdRepair {
  cov: Matrix;
  /** True when an eigenvalue was below `minEig` and the matrix was changed. */
  repaired: boolean;
  minEigenvalueBefore: number;
}

/**
 * PSD repair by eigenvalue clipping (`nearestPSD` in math/linalg.ts): symmetrize, then raise every eigenvalue
 * below `minEig` (default 0) to `minEig`. A matrix already satisfying the bound is returned as its
 * (exact) symmetric part.
 */
export function repairPSD(cov: Matrix, minEig = 0): PsdRepair {
  const r = nearestPSDWithInfo(cov, minEig);
  return { cov: r.matrix, repaired: r.clipped, minEigenvalueBefore: r.minEigenvalueBefore };
}

/** Split a covariance into volatilities and a correlation matrix (zero-vol rows get 0 correlation). */
export function covToCorr(cov: Matrix): { corr: Matrix; vols: Vector } {
  const vols = cov.map((r, i) => Math.sqrt(Math.max(r[i], 0)));
  const corr = cov.map((r, i) =>
    r.map((v, j) => (i === j ? 1 : vols[i] > 0 && vols[j] > 0 ? v / (vols[i] * vols[j]) : 0)),
  );
  return { corr, vols };
}

/** Rebuild a covariance from a correlation matrix and volatilities. */
export function corrToCov(corr: Matrix, vols: Vector): Matrix {
  return corr.map((r, i) => r.map((v, j) => v * (vols[i] * vols[j])));
}

function checkPeriods(periodsPerYear: number): void {
  if (!(periodsPerYear > 0))
    throw new RiskError("INVALID_ARGUMENT", `bad periodsPerYear ${periodsPerYear}`);
}

/** Annualize a per-period covariance: Σ·periodsPerYear (e.g. 365 for crypto daily, 8760 hourly). */
export function annualizeCovariance(cov: Matrix, periodsPerYear: number): Matrix {
  checkPeriods(periodsPerYear);
  return cov.map((r) => r.map((v) => v * periodsPerYear));
}

/** Annualize a per-period volatility: σ·√periodsPerYear. */
export function annualizeVolatility(vol: number, periodsPerYear: number): number {
  checkPeriods(periodsPerYear);
  return vol * Math.sqrt(periodsPerYear);
}

/** Annualize a per-period mean LOG return: μ·periodsPerYear. */
export function annualizeMean(mu: number, periodsPerYear: number): number {
  checkPeriods(periodsPerYear);
  return mu * periodsPerYear;
}

/** Per-period covariance from an annual one: Σ / periodsPerYear. */
export function deannualizeCovariance(cov: Matrix, periodsPerYear: number): Matrix {
  checkPeriods(periodsPerYear);
  return cov.map((r) => r.map((v) => v / periodsPerYear));
}

/** Selectable covariance estimator. */
export type CovarianceConfig =
  | { method: "sample"; ddof?: number }
  | ({ method: "ewma" } & EwmaOptions)
  | { method: "ledoit-wolf" }
  | ({ method: "regime-adjusted-ewma" } & RegimeAdjustedOptions);

/** Dispatch to an estimator by config; the returned matrix is in the input periodicity. */
export function estimateCovariance(R: readonly number[][], config: CovarianceConfig): Matrix {
  switch (config.method) {
    case "sample":
      return sampleCovariance(R, { ddof: config.ddof });
    case "ewma":
      return ewmaCovariance(R, config);
    case "ledoit-wolf":
      return ledoitWolfConstantCorrelation(R).cov;
    case "regime-adjusted-ewma":
      return regimeAdjustedEwmaCovariance(R, config).cov;
  }
}

/**
 * Apply `estimator` to every trailing window of `window` rows: element k of the result is the
 * estimate at row index `window − 1 + k`, computed from rows [k, window − 1 + k] only, so it can
 * never depend on later rows (no look-ahead by construction).
 */
export function rollingEstimates<E>(
  R: readonly number[][],
  window: number,
  estimator: (rows: readonly number[][]) => E,
): E[] {
  if (!(Number.isInteger(window) && window >= 1))
    throw new RiskError("INVALID_ARGUMENT", `bad window ${window}`);
  const out: E[] = [];
  for (let end = window; end <= R.length; end++) out.push(estimator(R.slice(end - window, end)));
  return out;
}
