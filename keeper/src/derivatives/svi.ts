/**
 * SVI ("stochastic volatility inspired", Gatheral 2004) raw parameterisation of one expiry's
 * smile in total implied variance w = σ_imp²·T against log-moneyness k = ln(K/F):
 *
 *     w(k) = a + b·( ρ·(k − m) + √((k − m)² + σ²) )
 *
 * Parameter constraints (enforced by construction in {@link fitSvi}): b ≥ 0, |ρ| < 1, σ > 0 and
 * a + b·σ·√(1 − ρ²) ≥ 0 (the minimum of w is non-negative).
 *
 * Arbitrage checks:
 * - butterfly (static, per slice): Gatheral's density condition g(k) ≥ 0 with
 *   g = (1 − k·w′/(2w))² − (w′²/4)·(1/w + 1/4) + w″/2, evaluated on a grid;
 * - calendar (across slices): total variance non-decreasing in T at every fixed k.
 */
import { DerivativesError, ensure } from "./errors.ts";
import { levenbergMarquardt, solveLinearSystem } from "./optimize.ts";

/** Raw SVI parameters. */
export interface SviParams {
  a: number;
  b: number;
  rho: number;
  m: number;
  sigma: number;
}

/** Total variance w(k). */
export function sviTotalVariance(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

/** w(k), w′(k) = ∂w/∂k and w″(k). */
export function sviDerivatives(p: SviParams, k: number): { w: number; w1: number; w2: number } {
  const x = k - p.m;
  const r = Math.sqrt(x * x + p.sigma * p.sigma);
  return {
    w: p.a + p.b * (p.rho * x + r),
    w1: p.b * (p.rho + x / r),
    w2: (p.b * p.sigma * p.sigma) / (r * r * r),
  };
}

/** Which raw-SVI parameter constraints `p` violates (empty when valid). */
export function sviConstraintViolations(p: SviParams): string[] {
  const out: string[] = [];
  if (!(p.b >= 0)) out.push(`b = ${p.b} < 0`);
  if (!(Math.abs(p.rho) < 1)) out.push(`|rho| = ${Math.abs(p.rho)} >= 1`);
  if (!(p.sigma > 0)) out.push(`sigma = ${p.sigma} <= 0`);
  const minW = p.a + p.b * p.sigma * Math.sqrt(1 - p.rho * p.rho);
  if (!(minW >= 0)) out.push(`a + b*sigma*sqrt(1-rho^2) = ${minW} < 0`);
  return out;
}

/** Gatheral's g(k); the risk-neutral density is g(k)/√(2πw)·exp(−d₂²/2), so g < 0 is butterfly arbitrage. */
export function gatheralG(p: SviParams, k: number): number {
  const { w, w1, w2 } = sviDerivatives(p, k);
  const t = 1 - (k * w1) / (2 * w);
  return t * t - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
}

/** Outcome of {@link checkButterfly}. */
export interface ButterflyReport {
  ok: boolean;
  minG: number;
  kAtMinG: number;
  /** Grid points with g(k) < −tol (at most 50 are listed). */
  violations: { k: number; g: number }[];
  violationCount: number;
}

/** Evaluate g(k) on `n` evenly spaced points of [kMin, kMax]; report points with g < −tol. */
export function checkButterfly(
  p: SviParams,
  kMin: number,
  kMax: number,
  n = 401,
  tol = 1e-10,
): ButterflyReport {
  ensure(kMax >= kMin && n >= 2, "need kMax >= kMin and n >= 2", { kMin, kMax, n });
  let minG = Infinity;
  let kAtMinG = kMin;
  const violations: { k: number; g: number }[] = [];
  let violationCount = 0;
  for (let i = 0; i < n; i++) {
    const k = kMin + ((kMax - kMin) * i) / (n - 1);
    const g = gatheralG(p, k);
    if (g < minG || Number.isNaN(g)) {
      minG = g;
      kAtMinG = k;
    }
    if (!(g >= -tol)) {
      violationCount++;
      if (violations.length < 50) violations.push({ k, g });
    }
  }
  return { ok: violationCount === 0, minG, kAtMinG, violations, violationCount };
}

/** A fitted slice as needed by the calendar check. */
export interface SviSliceLike {
  T: number;
  params: SviParams;
  label?: string;
  /** Quoted log-moneyness range of the slice; when both slices of a pair have it, the check runs on the overlap. */
  kMin?: number;
  kMax?: number;
}

/** Outcome of {@link checkCalendar}. */
export interface CalendarReport {
  ok: boolean;
  violations: {
    k: number;
    T1: number;
    T2: number;
    w1: number;
    w2: number;
    label1?: string;
    label2?: string;
  }[];
  violationCount: number;
}

/**
 * Calendar-spread check: for consecutive expiries T1 < T2, w(k, T2) ≥ w(k, T1) − tol on a grid of
 * `n` points over [kMin, kMax], narrowed to the overlap of both slices' quoted ranges when the
 * slices carry them (SVI wings outside the quotes are extrapolation). At most 50 violations are listed.
 */
export function checkCalendar(
  slices: readonly SviSliceLike[],
  kMin: number,
  kMax: number,
  n = 201,
  tol = 1e-10,
): CalendarReport {
  const sorted = [...slices].sort((x, y) => x.T - y.T);
  const violations: CalendarReport["violations"] = [];
  let violationCount = 0;
  for (let s = 0; s + 1 < sorted.length; s++) {
    const lo = sorted[s];
    const hi = sorted[s + 1];
    const kLo = Math.max(kMin, lo.kMin ?? -Infinity, hi.kMin ?? -Infinity);
    const kHi = Math.min(kMax, lo.kMax ?? Infinity, hi.kMax ?? Infinity);
    if (!(kHi >= kLo)) continue;
    for (let i = 0; i < n; i++) {
      const k = kLo + ((kHi - kLo) * i) / Math.max(n - 1, 1);
      const w1 = sviTotalVariance(lo.params, k);
      const w2 = sviTotalVariance(hi.params, k);
      if (!(w2 >= w1 - tol)) {
        violationCount++;
        if (violations.length < 50) {
          violations.push({ k, T1: lo.T, T2: hi.T, w1, w2, label1: lo.label, label2: hi.label });
        }
      }
    }
  }
  return { ok: violationCount === 0, violations, violationCount };
}

/** One smile point: log-moneyness, implied vol (annualised) and an optional least-squares weight. */
export interface SmilePoint {
  k: number;
  iv: number;
  weight?: number;
}

/** Options of {@link fitSvi}. */
export interface SviFitOptions {
  /** Number of best quasi-explicit seeds refined by Levenberg–Marquardt (default 4). */
  seeds?: number;
  maxIter?: number;
}

/** Result of {@link fitSvi}. Errors are in implied-vol units (0.01 = 1 vol point), unweighted. */
export interface SviFit {
  params: SviParams;
  T: number;
  n: number;
  kMin: number;
  kMax: number;
  rmseVol: number;
  maxAbsErrVol: number;
  /** Weighted ½·Σ wᵢ·(σ_model − σ_market)² at the optimum. */
  cost: number;
  /** Roger Lee's wing-slope bound b·(1 + |ρ|) ≤ 2 holds (always true for this fitter's output). */
  leeOk: boolean;
}

const RHO_MAX = 0.999;
const SIGMA_MIN = 1e-4;
/** Roger Lee's moment bound: the wings of w(k) have slope at most 2. */
const LEE_MAX = 2;

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));

function decode(x: readonly number[]): SviParams {
  const rho = RHO_MAX * Math.tanh(x[2]);
  const b = (LEE_MAX / (1 + Math.abs(rho))) * logistic(x[1]);
  const sigma = SIGMA_MIN + Math.exp(x[4]);
  const a = Math.exp(x[0]) - b * sigma * Math.sqrt(1 - rho * rho);
  return { a, b, rho, m: x[3], sigma };
}

function encode(p: SviParams): number[] {
  const minW = Math.max(p.a + p.b * p.sigma * Math.sqrt(1 - p.rho * p.rho), 1e-8);
  const rho = Math.max(Math.min(p.rho / RHO_MAX, 0.999999), -0.999999);
  return [
    Math.log(minW),
    Math.log(Math.max(p.b, 1e-8)),
    Math.atanh(rho),
    p.m,
    Math.log(Math.max(p.sigma - SIGMA_MIN, 1e-8)),
  ];
}

/**
 * Fit raw SVI to one expiry by weighted least squares in implied-vol space:
 * minimise Σ wᵢ·(√(w(kᵢ)/T) − σᵢ)². Seeds come from Zeliade's quasi-explicit reduction (for a
 * grid of (m, σ) the problem is linear in (a, b·ρ, b)); the best seeds are refined by
 * Levenberg–Marquardt in a re-parameterisation that enforces the constraints and Roger Lee's
 * wing bound b·(1 + |ρ|) ≤ 2 (ρ = 0.999·tanh y, b = 2/(1 + |ρ|)·logistic(x), σ = 1e-4 + eᶻ,
 * a = eᵘ − b·σ·√(1 − ρ²)). Without the wing bound, short expiries degenerate into a near-vertical
 * hyperbola branch outside the quoted range.
 * Throws INVALID_INPUT for fewer than 5 points, FIT_FAILED when nothing converges.
 */
export function fitSvi(points: readonly SmilePoint[], T: number, opts: SviFitOptions = {}): SviFit {
  ensure(Number.isFinite(T) && T > 0, "T must be positive", { T });
  ensure(points.length >= 5, "SVI needs at least 5 smile points", { n: points.length });
  for (const p of points) {
    ensure(Number.isFinite(p.k) && Number.isFinite(p.iv) && p.iv > 0, "bad smile point", { ...p });
  }
  const ks = points.map((p) => p.k);
  const ivs = points.map((p) => p.iv);
  const ws = points.map((p) => p.weight ?? 1);
  const tv = ivs.map((v) => v * v * T);
  const kMin = Math.min(...ks);
  const kMax = Math.max(...ks);
  const span = Math.max(kMax - kMin, 0.02);

  const costOf = (p: SviParams): number => {
    let c = 0;
    for (let i = 0; i < ks.length; i++) {
      const w = sviTotalVariance(p, ks[i]);
      if (!(w > 0)) return Infinity;
      const e = Math.sqrt(w / T) - ivs[i];
      c += ws[i] * e * e;
    }
    return 0.5 * c;
  };

  // Quasi-explicit seeds: for fixed (m, s), w = a + d·y + c·√(y²+1) with y = (k − m)/s is linear.
  const seeds: { p: SviParams; c: number }[] = [];
  const mGrid = [0, ...Array.from({ length: 7 }, (_, i) => kMin + (span * i) / 6)];
  const sGrid = [0.01, 0.03, 0.1, 0.3, 1].map((f) => f * Math.max(span, 0.1));
  for (const m of mGrid) {
    for (const s of sGrid) {
      const A = [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ];
      const rhs = [0, 0, 0];
      for (let i = 0; i < ks.length; i++) {
        const y = (ks[i] - m) / s;
        const row = [1, y, Math.sqrt(y * y + 1)];
        // Weight total-variance residuals so they approximate vol residuals: dσ = dw/(2σT).
        const wt = ws[i] / (4 * tv[i] * T);
        for (let a = 0; a < 3; a++) {
          rhs[a] += wt * row[a] * tv[i];
          for (let b = 0; b < 3; b++) A[a][b] += wt * row[a] * row[b];
        }
      }
      let sol: number[];
      try {
        sol = solveLinearSystem(A, rhs);
      } catch {
        continue;
      }
      const [a0, d, c] = sol;
      const rho = Math.max(Math.min(c > 0 ? d / c : 0, 0.95), -0.95);
      const b = Math.min(Math.max(c / s, 1e-4), (0.99 * LEE_MAX) / (1 + Math.abs(rho)));
      const floor = -b * s * Math.sqrt(1 - rho * rho) + 1e-3 * Math.min(...tv);
      const p: SviParams = { a: Math.max(a0, floor), b, rho, m, sigma: s };
      const cost = costOf(p);
      if (Number.isFinite(cost)) seeds.push({ p, c: cost });
    }
  }
  // A generic fallback seed: flat smile at the mean variance.
  const meanTv = tv.reduce((x, y) => x + y, 0) / tv.length;
  seeds.push({
    p: { a: 0.5 * meanTv, b: (0.1 * Math.max(meanTv, 1e-6)) / 0.1, rho: -0.2, m: 0, sigma: 0.1 },
    c: 0,
  });
  seeds.sort((x, y) => x.c - y.c);

  const resid = (x: readonly number[]): number[] => {
    const p = decode(x);
    return ks.map((k, i) => {
      const w = sviTotalVariance(p, k);
      return Math.sqrt(ws[i]) * ((w > 0 ? Math.sqrt(w / T) : -1) - ivs[i]);
    });
  };
  let best: { p: SviParams; cost: number } | undefined;
  const nSeeds = Math.min(opts.seeds ?? 4, seeds.length);
  const tried = seeds.slice(0, nSeeds);
  if (!tried.includes(seeds[seeds.length - 1])) tried.push(seeds[seeds.length - 1]);
  for (const seed of tried) {
    let res;
    try {
      res = levenbergMarquardt(resid, encode(seed.p), { maxIter: opts.maxIter ?? 300 });
    } catch {
      continue;
    }
    const p = decode(res.x);
    if (Number.isFinite(res.cost) && (!best || res.cost < best.cost)) best = { p, cost: res.cost };
  }
  if (!best)
    throw new DerivativesError("FIT_FAILED", "SVI fit did not converge from any seed", {
      T,
      n: ks.length,
    });
  const p = best.p;
  let se = 0;
  let maxAbs = 0;
  for (let i = 0; i < ks.length; i++) {
    const e = Math.sqrt(Math.max(sviTotalVariance(p, ks[i]), 0) / T) - ivs[i];
    se += e * e;
    maxAbs = Math.max(maxAbs, Math.abs(e));
  }
  return {
    params: p,
    T,
    n: ks.length,
    kMin,
    kMax,
    rmseVol: Math.sqrt(se / ks.length),
    maxAbsErrVol: maxAbs,
    cost: best.cost,
    leeOk: p.b * (1 + Math.abs(p.rho)) <= LEE_MAX + 1e-12,
  };
}
