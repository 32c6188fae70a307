/**
 * Equal risk contribution (risk parity) and risk budgeting. The solution solves Spinu's convex
 * problem (Spinu 2013, "An algorithm for computing risk parity weights")
 *
 *   x* = argmin_{x>0} ½xᵀΣx − Σ b_i ln x_i,   b_i = 1/N (ERC),   w = x* / Σx*,
 *
 * whose optimality condition x_i(Σx)_i = b_i makes every risk contribution RC_i = w_i(Σw)_i equal
 * to b_i·wᵀΣw.
 *
 * Solver (`ercCcd`): cyclical coordinate descent in the scale-free form of Griveau-Billion,
 * Richard & Roncalli (2013) — each coordinate is the positive root of Σ_ii v² + p_i v − b_i σ(x)
 * with p_i = (Σx)_i − Σ_ii x_i and σ(x) = √(xᵀΣx) at the current point — the algorithm
 * portfolio-allocation runs, implemented for speed: Σx is kept up to date in place (a changed
 * coordinate adds its row, Σ symmetric, eight rows per pass), so the exact risk-budget error
 * max_i |RC_i/(b_i·ΣRC) − 1| is known after every sweep in O(N) and the descent stops as soon as
 * it is ≤ {@link ERC_TOLERANCE} = 1e-12; it starts from x = 0 (no product needed) and, once the
 * error is below 1e-2, replaces each coordinate's square root and division by a chord step (see
 * `ccdSweep`). 7–9 sweeps of N² multiply–adds at N = 50–200 on factor covariances, 13–16 at
 * N = 5–10 on real daily data, ~25 on a nearly singular block test. If 100 sweeps do not reach
 * the tolerance, damped Newton on Spinu's problem finishes (F/min b is self-concordant: step
 * 1/(1+λ) while the Newton decrement λ > 0.25, then full steps; one Cholesky of Σ + diag(b/x²)
 * per step) to max_i |x_i(Σx)_i/b_i − 1| ≤ 1e-14. (Newton from the start is not cheaper: one
 * Cholesky is N³/6 multiply–adds, i.e. N/6 sweeps, and it needs 4–6 steps.)
 *
 * Box caps: ERC ignores them. When the ERC weights exceed a cap
 *  - with cash allowed, the risky weights are scaled by min_i u_i/w_i (contributions stay equal,
 *    the rest is cash);
 *  - fully invested, the constrained risk-budgeting portfolio of Richard & Roncalli (2019) is
 *    returned: x(λ) = argmin ½xᵀΣx − λΣb ln x over 0 < x ≤ u by cyclical coordinate descent, with λ
 *    found by bisection so that Σx = 1 (capped assets then carry less than 1/N of the risk).
 * A turnover limit is not supported (throws UNSUPPORTED). Target volatility scales toward cash.
 *
 * `objective` = ERC dispersion max_i |RC_i/mean(RC) − 1| of the returned weights (0 for exact
 * ERC; from the tracked Σx, which equals a fresh product to ~1e-15 relative).
 */
import type { Matrix, Vector } from "../math/linalg.ts";
import { solveSPD } from "../math/linalg.ts";
import { checkDims, constraintViolation, normalizeConstraints } from "./portfolio.ts";
import { scaleToTargetVol } from "./targetVol.ts";
import { OptimizerError } from "./types.ts";
import type { OptimizerResult, PortfolioConstraints } from "./types.ts";

/** Risk contributions RC_i = w_i(Σw)_i (they sum to wᵀΣw). */
export function riskContributions(w: Vector, cov: Matrix): Vector {
  return w.map((wi, i) => {
    let s = 0;
    for (let j = 0; j < w.length; j++) s += cov[i][j] * w[j];
    return wi * s;
  });
}

/** max_i |RC_i/mean(RC) − 1|. */
export function ercDispersion(w: Vector, cov: Matrix): number {
  const rc = riskContributions(w, cov);
  const mean = rc.reduce((a, b) => a + b, 0) / rc.length;
  return rc.reduce((m, r) => Math.max(m, Math.abs(r / mean - 1)), 0);
}

/**
 * A zero-filled array of n doubles in V8's double-elements representation (written first with a
 * non-integer, so no elements-kind transition happens on the first store of a double in the
 * sweeps): loads and stores on it are faster than on a Float64Array.
 */
function doubles(n: number): number[] {
  const a = new Array<number>(n);
  for (let i = 0; i < n; i++) a[i] = 0.5;
  return a.fill(0);
}

/** Positive root of s·v² + p·v − c = 0 (s, c > 0), in the cancellation-free form for each sign of p. */
function ccdRoot(s: number, p: number, c: number): number {
  const d = Math.sqrt(p * p + 4 * s * c);
  return p >= 0 ? (2 * c) / (p + d) : (d - p) / (2 * s);
}

/** {@link ccdSweep} modes. */
const START = 0;
const EXACT = 1;
const NEWTON = 2;

/**
 * One sweep of cyclical coordinate descent, in place on x with sx = Σx kept up to date (x_i
 * changes by Δ ⇒ sx += Δ·row i, Σ symmetric), so the exact Σx is known after every sweep at no
 * extra cost. Coordinate i's new value is the positive root of f(v) = Σ_ii v² + p v − c with
 * p = (Σx)_i − Σ_ii x_i and
 *  - START (from x = 0, where Σx = 0 needs no product): c = b_i, Spinu's equation. Leaves x > 0
 *    at about the scale of the solution (xᵀΣx ≈ Σb = 1).
 *  - EXACT: c = b_i σ(x), the scale-free form of Griveau-Billion, Richard & Roncalli (2013) (the
 *    one portfolio-allocation uses), with σ(x) = √(xᵀΣx) at the current point, updated after every
 *    coordinate in O(1) (q += Δ(2(Σx)_i + Σ_ii Δ)). Unlike Spinu's form (fixed b_i), the overall
 *    scale follows at once, which removes the slow mode of CCD on factor-structured covariances:
 *    6–9 sweeps to 1e-12 at N = 50–200 instead of 15.
 *  - NEWTON (used once the risk-budget error is < {@link NEWTON_SWITCH}): as EXACT, but the root
 *    is replaced by one chord step v = x_i − f(x_i)·g_i, g_i = 1/f'(x_i) stored from the previous
 *    sweep (no square root or division on the path from one coordinate to the next), and inside
 *    a block σ = σ_b + (q − q_b)/(2σ_b), the first-order update of its value at the block start.
 *    Near the solution the chord step's error is quadratic in the change of x_i; the exact root
 *    is taken when g_i ≤ 0 or the step leaves x_i ≤ 0. Both changes vanish at the fixed point.
 * The fixed point of EXACT and NEWTON is x_i(Σx)_i = b_i σ(x) with σ(x) = Σb = 1, i.e. Spinu's.
 *
 * Coordinates are taken in blocks of eight: inside a block they are updated in order, each with
 * the in-block corrections Σ_{ik}Δ_k of the ones before it (so the iterates are exactly those of
 * the one-coordinate-at-a-time method), then one pass over sx adds all eight rows. `g` (length N)
 * and `d` (length 8) are work arrays.
 */
function ccdSweep(
  cov: Matrix,
  n: number,
  b: Vector,
  x: Vector,
  sx: Vector,
  g: Vector,
  d: Vector,
  mode: number,
): void {
  let q = 0;
  if (mode !== START) for (let k = 0; k < n; k++) q += x[k] * sx[k];
  for (let i = 0; i < n; i += 8) {
    const m = Math.min(8, n - i);
    const qb = q;
    const sb = Math.sqrt(qb);
    const h = 0.5 / sb;
    for (let k = 0; k < m; k++) {
      const ik = i + k;
      const r = cov[ik];
      let si = sx[ik];
      for (let l = 0; l < k; l++) si += r[i + l] * d[l];
      const xo = x[ik];
      const s = r[ik];
      let v: number;
      if (mode === NEWTON) {
        const gi = g[ik];
        const c = b[ik] * (sb + (q - qb) * h);
        v = xo + (c - xo * si) * gi;
        if (!(gi > 0 && v > 0)) v = ccdRoot(s, si - s * xo, c);
      } else v = ccdRoot(s, si - s * xo, mode === START ? b[ik] : b[ik] * Math.sqrt(q));
      const dk = v - xo;
      x[ik] = v;
      q += dk * (2 * si + s * dk);
      g[ik] = 1 / (s * (v + dk) + si);
      d[k] = dk;
    }
    if (m === 8) {
      const r0 = cov[i];
      const r1 = cov[i + 1];
      const r2 = cov[i + 2];
      const r3 = cov[i + 3];
      const r4 = cov[i + 4];
      const r5 = cov[i + 5];
      const r6 = cov[i + 6];
      const r7 = cov[i + 7];
      const d0 = d[0];
      const d1 = d[1];
      const d2 = d[2];
      const d3 = d[3];
      const d4 = d[4];
      const d5 = d[5];
      const d6 = d[6];
      const d7 = d[7];
      for (let j = 0; j < n; j++)
        sx[j] +=
          r0[j] * d0 +
          r1[j] * d1 +
          r2[j] * d2 +
          r3[j] * d3 +
          r4[j] * d4 +
          r5[j] * d5 +
          r6[j] * d6 +
          r7[j] * d7;
    } else {
      for (let k = 0; k < m; k++) {
        const r = cov[i + k];
        const dk = d[k];
        for (let j = 0; j < n; j++) sx[j] += r[j] * dk;
      }
    }
  }
}

/** Risk-budget error below which {@link ercCcd} switches to NEWTON sweeps. */
const NEWTON_SWITCH = 1e-2;

/**
 * Risk-budget error max_i |RC_i/(b_i·ΣRC) − 1| of x from sx = Σx (RC_i = x_i(Σx)_i, scale-free;
 * for equal budgets this is the ERC dispersion max_i |RC_i/mean(RC) − 1|); `ib` holds 1/b_i.
 * NaN when x or Σx holds a non-finite value.
 */
function budgetError(n: number, ib: Vector, x: Vector, sx: Vector): number {
  let tot = 0;
  for (let i = 0; i < n; i++) tot += x[i] * sx[i];
  if (!Number.isFinite(tot)) return NaN;
  const inv = 1 / tot;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(x[i] * sx[i] * inv * ib[i] - 1);
    if (e > worst) worst = e;
  }
  return worst;
}

/** Sweeps after which {@link ercCcd} confirms convergence on a freshly computed Σx. */
const REFRESH_AFTER = 20;

/** Sweeps of {@link ercCcd} before {@link riskParity} hands over to Newton. */
const MAX_SWEEPS = 100;

/** Result of {@link ercCcd}. */
export interface ErcCcdResult {
  /** The unnormalised solution: x_i(Σx)_i ≈ b_i/Σb, so xᵀΣx ≈ 1. */
  readonly x: Vector;
  /** Σx, kept up to date through the sweeps. */
  readonly sx: Vector;
  /** Sweeps used (the start sweep included). */
  readonly sweeps: number;
  /** Risk-budget error max_i |RC_i/(b_i·ΣRC) − 1| at x (exact, from sx). */
  readonly error: number;
  readonly converged: boolean;
}

/**
 * Risk budgeting by cyclical coordinate descent (see the module comment and `ccdSweep`): a START
 * sweep from x = 0, then scale-free sweeps until the risk-budget error max_i |RC_i/(b_i·ΣRC) − 1|,
 * computed from the tracked Σx after every sweep, is ≤ `tol` (confirmed on a fresh Σx after
 * more than 20 sweeps), or `maxSweeps` sweeps (START included) have run. Each sweep costs N² multiply–adds; the covariance is read in place, never
 * copied. `b` must be positive; it is normalised to sum 1, and the solution is Spinu's x* for
 * the normalised budgets (x_i(Σx)_i = b_i/Σb).
 */
export function ercCcd(
  cov: Matrix,
  b: ArrayLike<number>,
  tol = 1e-12,
  maxSweeps = 200,
): ErcCcdResult {
  const n = cov.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += b[i];
  const bb = doubles(n);
  const ib = doubles(n);
  for (let i = 0; i < n; i++) {
    bb[i] = b[i] / total;
    ib[i] = 1 / bb[i];
  }
  const x = doubles(n);
  const sx = doubles(n);
  const g = doubles(n);
  const d = doubles(8);
  ccdSweep(cov, n, bb, x, sx, g, d, START);
  let sweeps = 1;
  let error = budgetError(n, ib, x, sx);
  while (error > tol && sweeps < maxSweeps) {
    ccdSweep(cov, n, bb, x, sx, g, d, error < NEWTON_SWITCH ? NEWTON : EXACT);
    sweeps++;
    error = budgetError(n, ib, x, sx);
    if (error <= tol && sweeps > REFRESH_AFTER) {
      // Many in-place updates of Σx: confirm on a fresh product (round-off can build up when the
      // terms of (Σx)_i cancel, e.g. hedged pairs).
      symMatVec(cov, n, x, sx);
      error = budgetError(n, ib, x, sx);
    }
  }
  return { x, sx, sweeps, error, converged: error <= tol };
}

/**
 * Newton solution of Spinu's problem with budgets b, started from `start` (default 1/σ scaled);
 * returns the unnormalised x and iterations. Stops at max_i |x_i(Σx)_i/b_i − 1| ≤ `tol`, or
 * when a full Newton step (the quadratic phase) did not lower that error (round-off floor).
 */
export function spinuNewton(
  cov: Matrix,
  b: Vector,
  tol = 1e-14,
  maxIter = 100,
  start?: Vector,
): { x: Vector; iterations: number } {
  const n = cov.length;
  const bmin = Math.min(...b);
  let x = start ? [...start] : cov.map((r, i) => 1 / Math.sqrt(r[i]));
  if (!start) {
    const sx0 = x.map((_, i) => x.reduce((s, xj, j) => s + cov[i][j] * xj, 0));
    const c0 = Math.sqrt(b.reduce((a, v) => a + v, 0) / x.reduce((s, xi, i) => s + xi * sx0[i], 0));
    x = x.map((v) => v * c0);
  }
  let it = 0;
  // Error after the last full (undamped) step: when a full step does not reduce it, round-off
  // (ill-conditioned Σ) has the last word and more steps would only spin.
  let lastFull = Infinity;
  for (; it < maxIter; it++) {
    const sx = x.map((_, i) => {
      let s = 0;
      const row = cov[i];
      for (let j = 0; j < n; j++) s += row[j] * x[j];
      return s;
    });
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs((x[i] * sx[i]) / b[i] - 1));
    if (worst <= tol || worst >= lastFull) break;
    const g = sx.map((v, i) => v - b[i] / x[i]);
    const H = cov.map((r, i) => r.map((v, j) => (i === j ? v + b[i] / (x[i] * x[i]) : v)));
    const d = solveSPD(
      H,
      g.map((v) => -v),
    );
    const lam = Math.sqrt(Math.max(0, -g.reduce((s, gi, i) => s + gi * d[i], 0)) / bmin);
    let t = lam > 0.25 ? 1 / (1 + lam) : 1;
    while (x.some((xi, i) => xi + t * d[i] <= 0)) t *= 0.5;
    lastFull = t === 1 ? worst : Infinity;
    x = x.map((xi, i) => xi + t * d[i]);
  }
  return { x, iterations: it };
}

/** Richard–Roncalli constrained risk budgeting (fully invested, 0 < x ≤ u); see module comment. */
export function cappedRiskBudgeting(
  cov: Matrix,
  b: Vector,
  u: Vector,
  tol = 1e-13,
): { x: Vector; iterations: number } {
  const n = cov.length;
  let sweeps = 0;
  const solveLambda = (lam: number, start: Vector): Vector => {
    const x = [...start];
    const sx = x.map((_, i) => x.reduce((s, xj, j) => s + cov[i][j] * xj, 0));
    for (let sweep = 0; sweep < 10_000; sweep++) {
      sweeps++;
      let change = 0;
      for (let i = 0; i < n; i++) {
        const sii = cov[i][i];
        const p = sx[i] - sii * x[i];
        let xi = (-p + Math.sqrt(p * p + 4 * sii * lam * b[i])) / (2 * sii);
        xi = Math.min(xi, u[i]);
        const dx = xi - x[i];
        if (dx !== 0) {
          for (let j = 0; j < n; j++) sx[j] += cov[j][i] * dx;
          x[i] = xi;
          change = Math.max(change, Math.abs(dx));
        }
      }
      if (change <= tol) break;
    }
    return x;
  };
  const sum = (v: Vector) => v.reduce((a, c) => a + c, 0);
  let lo = 0;
  let hi = 1;
  let x = solveLambda(
    hi,
    u.map((v) => Math.min(v, 1 / n)),
  );
  for (let k = 0; k < 200 && sum(x) < 1; k++) {
    lo = hi;
    hi *= 2;
    x = solveLambda(hi, x);
  }
  for (let k = 0; k < 200 && Math.abs(sum(x) - 1) > tol && hi - lo > 1e-16 * hi; k++) {
    const mid = 0.5 * (lo + hi);
    const xm = solveLambda(mid, x);
    if (sum(xm) > 1) {
      hi = mid;
      x = xm;
    } else lo = mid;
  }
  const s = sum(x);
  return { x: x.map((v) => v / s), iterations: sweeps };
}

/** out = Σv for symmetric Σ (out = Σ_i v_i·row_i, four rows per pass over out). */
function symMatVec(cov: Matrix, n: number, v: Vector, out: Vector): void {
  out.fill(0);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = cov[i];
    const r1 = cov[i + 1];
    const r2 = cov[i + 2];
    const r3 = cov[i + 3];
    const v0 = v[i];
    const v1 = v[i + 1];
    const v2 = v[i + 2];
    const v3 = v[i + 3];
    for (let j = 0; j < n; j++) out[j] += r0[j] * v0 + r1[j] * v1 + r2[j] * v2 + r3[j] * v3;
  }
  for (; i < n; i++) {
    const r = cov[i];
    const vi = v[i];
    for (let j = 0; j < n; j++) out[j] += r[j] * vi;
  }
}

/**
 * ERC dispersion max_i |RC_i/mean(RC) − 1| and xᵀΣx from x and sx = Σx (the same quantities as
 * {@link ercDispersion} and portfolioVol², scale-free in the dispersion).
 */
function ercDiagnostics(
  n: number,
  x: Vector,
  sx: Vector,
): { dispersion: number; variance: number } {
  let variance = 0;
  for (let i = 0; i < n; i++) variance += x[i] * sx[i];
  const inv = n / variance;
  let dispersion = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(x[i] * sx[i] * inv - 1);
    if (e > dispersion) dispersion = e;
  }
  return { dispersion, variance };
}

/** Inputs of {@link riskParity}. */
export interface RiskParityInput {
  readonly cov: Matrix;
  /** Risk budgets (default equal, 1/N). Must be positive; normalised to sum 1. */
  readonly budgets?: Vector;
}

/** Risk-budget error at which {@link riskParity}'s coordinate descent stops (see the module comment). */
export const ERC_TOLERANCE = 1e-12;

/** Options of {@link riskParity}. */
export interface RiskParityOptions {
  /** Coordinate-descent sweeps before damped Newton takes over (default 100). */
  readonly maxSweeps?: number;
}

/** Equal-risk-contribution (or risk-budgeting) portfolio; see the module comment. */
export function riskParity(
  input: RiskParityInput,
  constraints: PortfolioConstraints = {},
  opts: RiskParityOptions = {},
): OptimizerResult {
  const cov = input.cov;
  const n = checkDims(cov, input.budgets);
  const c = normalizeConstraints(n, constraints);
  if (c.turnover)
    throw new OptimizerError("UNSUPPORTED", "risk parity does not support a turnover limit");
  for (let i = 0; i < n; i++)
    if (!(cov[i][i] > 0) || !Number.isFinite(cov[i][i]))
      throw new OptimizerError("INVALID_INPUT", `covariance diagonal ${i} must be finite and > 0`);
  const b = doubles(n);
  if (input.budgets) {
    let total = 0;
    for (const v of input.budgets) {
      if (!(v > 0) || !Number.isFinite(v))
        throw new OptimizerError("INVALID_INPUT", "risk budgets must be finite and > 0");
      total += v;
    }
    for (let i = 0; i < n; i++) b[i] = input.budgets[i] / total;
  } else b.fill(1 / n);
  const ccd = ercCcd(cov, b, ERC_TOLERANCE, opts.maxSweeps ?? MAX_SWEEPS);
  if (!Number.isFinite(ccd.error))
    throw new OptimizerError(
      "INVALID_INPUT",
      "covariance has non-finite entries (NaN or ±Infinity)",
    );
  let x = ccd.x;
  const sx = ccd.sx;
  let iters = ccd.sweeps;
  if (!ccd.converged) {
    // Slow CCD (strongly coupled covariances): damped Newton from the CCD point finishes.
    const r = spinuNewton(cov, b, 1e-14, 100, ccd.x);
    x = r.x;
    symMatVec(cov, n, x, sx);
    iters += r.iterations;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i];
  // w = k·x while the weights stay a multiple of the solution (then Σw = k·Σx needs no product).
  let k = 1 / sum;
  let w: Vector = [];
  for (let i = 0; i < n; i++) w.push(x[i] * k);
  let message: string | undefined;
  let capped = false;
  for (let i = 0; i < n; i++) if (w[i] > c.maxWeight[i]) capped = true;
  if (capped) {
    let over = Infinity;
    for (let i = 0; i < n; i++) over = Math.min(over, c.maxWeight[i] / w[i]);
    if (!c.fullyInvested) {
      w = w.map((v) => v * over);
      k *= over;
      message = `ERC weights exceed a cap: scaled by ${over} toward cash (contributions stay equal)`;
    } else {
      const r = cappedRiskBudgeting(cov, b, c.maxWeight);
      w = r.x;
      k = NaN;
      iters += r.iterations;
      message =
        "ERC weights exceed a cap: constrained risk budgeting (Richard–Roncalli), capped assets below budget";
    }
  }
  const tv = scaleToTargetVol(w, cov, c);
  if (tv.report?.action === "scaled-to-cash") k *= tv.report.value ?? NaN;
  w = tv.weights;
  let dispersion: number;
  let variance: number;
  if (Number.isNaN(k)) {
    symMatVec(cov, n, w, sx);
    ({ dispersion, variance } = ercDiagnostics(n, w, sx));
  } else {
    ({ dispersion, variance } = ercDiagnostics(n, x, sx));
    variance *= k * k;
  }
  let invested = 0;
  for (let i = 0; i < n; i++) invested += w[i];
  return {
    weights: w,
    cash: 1 - invested,
    objective: dispersion,
    solver: "ccd-newton",
    iterations: iters,
    status: "optimal",
    constraintViolation: constraintViolation(w, c),
    volatility: Math.sqrt(Math.max(0, variance)),
    ...(tv.report ? { targetVol: tv.report } : {}),
    ...(message ? { message } : {}),
  };
}
