/**
 * Realised-volatility models on a series of periodic (e.g. daily) log returns:
 * - EWMA (RiskMetrics): σ²ₜ = λ·σ²ₜ₋₁ + (1 − λ)·r²ₜ₋₁;
 * - GARCH(1,1): hₜ = ω + α·ε²ₜ₋₁ + β·hₜ₋₁ with Gaussian innovations, fitted by maximum
 *   likelihood under ω > 0, α ≥ 0, β ≥ 0, α + β < 1; h-step variance forecasts.
 *
 * Variances are per period (the return frequency); annualise with `periodsPerYear`
 * (365 for crypto daily data: it trades every day).
 */
import { DerivativesError, ensure } from "./errors.ts";
import { nelderMead } from "./optimize.ts";

/** Log returns ln(pₜ/pₜ₋₁) of a price series (prices must be positive). */
export function logReturns(prices: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < prices.length; i++) {
    ensure(prices[i] > 0 && prices[i - 1] > 0, "prices must be positive", { index: i });
    out.push(Math.log(prices[i] / prices[i - 1]));
  }
  return out;
}

/** Result of {@link ewmaVolatility}. */
export interface EwmaResult {
  lambda: number;
  /** Per-period variance σ²ₜ for t = 0..n (the last entry is the one-step-ahead forecast). */
  variances: number[];
  /** √(next-period variance · periodsPerYear). */
  annualizedVol: number;
}

/**
 * EWMA variance path. Seeded with the mean square of the first `seedLength` returns
 * (default min(30, n)); returns are not demeaned (RiskMetrics convention).
 */
export function ewmaVolatility(
  returns: readonly number[],
  lambda = 0.94,
  periodsPerYear = 365,
  seedLength?: number,
): EwmaResult {
  ensure(returns.length >= 2, "need at least 2 returns", { n: returns.length });
  ensure(lambda > 0 && lambda < 1, "lambda must be in (0, 1)", { lambda });
  const m = Math.min(seedLength ?? 30, returns.length);
  let v = 0;
  for (let i = 0; i < m; i++) v += returns[i] * returns[i];
  v /= m;
  const variances = [v];
  for (const r of returns) {
    v = lambda * v + (1 - lambda) * r * r;
    variances.push(v);
  }
  return { lambda, variances, annualizedVol: Math.sqrt(v * periodsPerYear) };
}

/** GARCH(1,1) parameters (per-period variance units). */
export interface GarchParams {
  omega: number;
  alpha: number;
  beta: number;
}

/** Result of {@link fitGarch}. */
export interface GarchFit extends GarchParams {
  /** Mean removed before fitting (0 when `demean` is false). */
  mu: number;
  persistence: number;
  /** Unconditional variance ω/(1 − α − β). */
  longRunVariance: number;
  /** Gaussian log-likelihood at the optimum (including the −½·ln 2π terms). */
  logLikelihood: number;
  /** Conditional variance for the period after the last return. */
  nextVariance: number;
  n: number;
  iterations: number;
}

/**
 * Conditional variances h₁..h_{n+1} of a GARCH(1,1) on residuals ε (h₁ = `h0`, default the
 * sample variance), and the Gaussian negative log-likelihood (without the constant).
 */
export function garchFilter(
  eps: readonly number[],
  p: GarchParams,
  h0?: number,
): { h: number[]; negLogLik: number } {
  let h = h0 ?? eps.reduce((s, e) => s + e * e, 0) / eps.length;
  const hs: number[] = [];
  let nll = 0;
  for (const e of eps) {
    hs.push(h);
    nll += 0.5 * (Math.log(h) + (e * e) / h);
    h = p.omega + p.alpha * e * e + p.beta * h;
  }
  hs.push(h);
  return { h: hs, negLogLik: nll };
}

const PERSIST_MAX = 0.9999;
const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));

function decodeGarch(x: readonly number[]): GarchParams {
  const persistence = PERSIST_MAX * logistic(x[1]);
  const alpha = persistence * logistic(x[2]);
  return { omega: Math.exp(x[0]), alpha, beta: persistence - alpha };
}

/** Options of {@link fitGarch}. */
export interface GarchFitOptions {
  /** Subtract the sample mean first (default true). */
  demean?: boolean;
  /** Starting (α, β) pairs; the best local optimum wins (default a small grid). */
  starts?: readonly [number, number][];
}

/**
 * Gaussian maximum-likelihood GARCH(1,1). Constraints by construction: ω = eᵘ, α + β =
 * 0.9999·logistic(v) < 1, α = (α + β)·logistic(z) ≥ 0, β ≥ 0. Nelder–Mead from several
 * starting points, each restarted once at its optimum. Throws INVALID_INPUT for fewer than 50
 * returns or a constant series.
 */
export function fitGarch(returns: readonly number[], opts: GarchFitOptions = {}): GarchFit {
  ensure(returns.length >= 50, "GARCH needs at least 50 returns", { n: returns.length });
  const n = returns.length;
  const mu = opts.demean === false ? 0 : returns.reduce((s, r) => s + r, 0) / n;
  const eps = returns.map((r) => r - mu);
  const sampleVar = eps.reduce((s, e) => s + e * e, 0) / n;
  ensure(sampleVar > 0, "returns are constant", { sampleVar });
  const objective = (x: readonly number[]): number =>
    garchFilter(eps, decodeGarch(x), sampleVar).negLogLik;
  const starts = opts.starts ?? [
    [0.05, 0.9],
    [0.1, 0.85],
    [0.2, 0.7],
    [0.03, 0.96],
  ];
  let best: { x: number[]; fx: number; it: number } | undefined;
  for (const [a, b] of starts) {
    const pers = Math.min(a + b, 0.999);
    const x0 = [Math.log(sampleVar * (1 - pers)), logit(pers / PERSIST_MAX), logit(a / pers)];
    let r = nelderMead(objective, x0, { step: [0.5, 0.5, 0.5], maxIter: 2000 });
    r = nelderMead(objective, r.x, { step: [0.1, 0.1, 0.1], maxIter: 2000 });
    if (!best || r.fx < best.fx) best = { x: r.x, fx: r.fx, it: r.iterations };
  }
  if (!best || !Number.isFinite(best.fx)) {
    throw new DerivativesError("FIT_FAILED", "GARCH likelihood optimisation failed", { n });
  }
  const p = decodeGarch(best.x);
  const { h, negLogLik } = garchFilter(eps, p, sampleVar);
  const persistence = p.alpha + p.beta;
  return {
    ...p,
    mu,
    persistence,
    longRunVariance: p.omega / (1 - persistence),
    logLikelihood: -negLogLik - 0.5 * n * Math.log(2 * Math.PI),
    nextVariance: h[h.length - 1],
    n,
    iterations: best.it,
  };
}

/**
 * Expected per-period variances for the next `horizon` periods:
 * E[h_{t+j}] = V + (α + β)^{j−1}·(h_{t+1} − V), V = ω/(1 − α − β), j = 1..horizon.
 */
export function garchVarianceForecast(
  p: GarchParams,
  nextVariance: number,
  horizon: number,
): { perPeriod: number[]; total: number } {
  ensure(Number.isInteger(horizon) && horizon >= 1, "horizon must be a positive integer", {
    horizon,
  });
  const pers = p.alpha + p.beta;
  ensure(pers < 1, "non-stationary GARCH", { persistence: pers });
  const V = p.omega / (1 - pers);
  const perPeriod: number[] = [];
  let total = 0;
  let f = 1;
  for (let j = 1; j <= horizon; j++) {
    const v = V + f * (nextVariance - V);
    perPeriod.push(v);
    total += v;
    f *= pers;
  }
  return { perPeriod, total };
}

/**
 * Annualised volatility forecast over the next `horizon` periods: √(Σ E[h] · periodsPerYear / horizon).
 */
export function garchVolForecast(fit: GarchFit, horizon: number, periodsPerYear = 365): number {
  const { total } = garchVarianceForecast(fit, fit.nextVariance, horizon);
  return Math.sqrt((total * periodsPerYear) / horizon);
}

/** Simulate n GARCH(1,1) returns with standard normal draws from `normal` (h₀ = long-run variance). */
export function simulateGarch(p: GarchParams, n: number, normal: () => number): number[] {
  const pers = p.alpha + p.beta;
  ensure(pers < 1 && p.omega > 0, "non-stationary GARCH", { ...p });
  let h = p.omega / (1 - pers);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = Math.sqrt(h) * normal();
    out.push(e);
    h = p.omega + p.alpha * e * e + p.beta * h;
  }
  return out;
}
