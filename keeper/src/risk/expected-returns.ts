/**
 * Expected-return estimators for a T×N returns matrix (rows = time, oldest first), selectable by
 * a string-literal union config. Results are per period (same periodicity as the input).
 */
import { checkReturns, RiskError } from "./errors.ts";
import { columnMeans, ewmaWeights, halfLifeToLambda } from "./covariance.ts";

/** Names of the available estimators. */
export type ExpectedReturnMethod = "zero" | "shrunk-mean" | "ewma-momentum";

/** Configuration of {@link expectedReturns}. */
export type ExpectedReturnConfig =
  | { method: "zero" }
  | {
      method: "shrunk-mean";
      /**
       * Shrinkage intensity c ∈ [0, 1] toward the grand mean, or "james-stein" (default) for the
       * data-driven positive-part James–Stein intensity.
       */
      intensity?: number | "james-stein";
    }
  | {
      method: "ewma-momentum";
      /** Half-life in periods of the exponential weights; default 30. */
      halfLife?: number;
    };

/** Result of {@link expectedReturns}. */
export interface ExpectedReturnResult {
  mu: number[];
  method: ExpectedReturnMethod;
  /** Shrinkage intensity used by "shrunk-mean" (0 otherwise). */
  intensity: number;
}

/**
 * Positive-part James–Stein intensity for shrinking N sample means toward their grand mean m̄:
 *
 *   c = min(1, max(0, (N − 3) · (σ̄² / T) / Σ_i (μ̂_i − m̄)²)),
 *
 * where σ̄² is the average of the N sample variances (so σ̄²/T estimates the sampling variance of
 * each mean, treating assets as exchangeable and independent — a simplification of the
 * Bayes–Stein estimator of Jorion 1986, which uses the full Σ⁻¹). N − 3 (not N − 2) because the
 * target, the grand mean, is itself estimated. For N ≤ 3 the James–Stein factor is undefined and
 * c = 1 (full shrinkage: every asset gets the grand mean) is returned; if all means are equal, 1.
 */
export function jamesSteinIntensity(R: readonly number[][]): number {
  const [T, N] = checkReturns(R, 2, "jamesSteinIntensity");
  if (N <= 3) return 1;
  const mu = columnMeans(R);
  const grand = mu.reduce((a, b) => a + b, 0) / N;
  let dispersion = 0;
  for (const m of mu) dispersion += (m - grand) * (m - grand);
  let avgVar = 0;
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += (R[t][j] - mu[j]) * (R[t][j] - mu[j]);
    avgVar += s / (T - 1);
  }
  avgVar /= N;
  if (dispersion === 0) return 1;
  return Math.min(1, Math.max(0, ((N - 3) * avgVar) / T / dispersion));
}

/** Shrunk historical mean: μ_i = m̄ + (1 − c)(μ̂_i − m̄), with c from {@link jamesSteinIntensity} or given. */
export function shrunkMean(
  R: readonly number[][],
  intensity: number | "james-stein" = "james-stein",
): { mu: number[]; intensity: number } {
  checkReturns(R, 2, "shrunkMean");
  const c = intensity === "james-stein" ? jamesSteinIntensity(R) : intensity;
  if (!(c >= 0 && c <= 1)) throw new RiskError("INVALID_ARGUMENT", `bad intensity ${c}`);
  const mu = columnMeans(R);
  const grand = mu.reduce((a, b) => a + b, 0) / mu.length;
  return { mu: mu.map((m) => grand + (1 - c) * (m - grand)), intensity: c };
}

/**
 * EWMA momentum: exponentially weighted mean return Σ_t w_t r_t with the normalized weights
 * w_t ∝ 2^(−(T−1−t)/halfLife) (newest weighs most).
 */
export function ewmaMomentum(R: readonly number[][], halfLife = 30): number[] {
  const [T, N] = checkReturns(R, 1, "ewmaMomentum");
  const w = ewmaWeights(T, halfLifeToLambda(halfLife));
  const mu = new Array<number>(N).fill(0);
  for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) mu[j] += w[t] * R[t][j];
  return mu;
}

/** Estimate expected returns with the selected method (see {@link ExpectedReturnConfig}). */
export function expectedReturns(
  R: readonly number[][],
  config: ExpectedReturnConfig,
): ExpectedReturnResult {
  switch (config.method) {
    case "zero": {
      const [, N] = checkReturns(R, 0, "expectedReturns");
      return { mu: new Array<number>(N).fill(0), method: "zero", intensity: 0 };
    }
    case "shrunk-mean": {
      const r = shrunkMean(R, config.intensity ?? "james-stein");
      return { mu: r.mu, method: "shrunk-mean", intensity: r.intensity };
    }
    case "ewma-momentum":
      return { mu: ewmaMomentum(R, config.halfLife ?? 30), method: "ewma-momentum", intensity: 0 };
  }
}
