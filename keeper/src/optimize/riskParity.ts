/**
 * Equal risk contribution (risk parity) by Spinu's convex formulation (Spinu 2013, "An algorithm
 * for computing risk parity weights"):
 *
 *   x* = argmin_{x>0} ½xᵀΣx − Σ b_i ln x_i,   b_i = 1/N,   w = x* / Σx*.
 *
 * The optimality condition x_i(Σx)_i = b_i makes every risk contribution RC_i = w_i(Σw)_i equal.
 * Solved first by cyclical coordinate descent (Griveau-Billion, Richard & Roncalli 2013: each
 * coordinate is the positive root of Σ_ii x² + (Σx)_{−i} x − b_i = 0, O(N) per coordinate with a
 * read-only dot product per coordinate, four rows per pass over x) with Anderson acceleration of
 * the sweep map (memory 3, from N = 16 on), which converges in ~11 sweeps of N² multiply–adds each (15 without
 * the acceleration); if it has not reached its tolerance after 60 sweeps, damped Newton finishes (F/min b
 * is self-concordant: step 1/(1+λ) while the Newton decrement λ > 0.25, then full steps; one
 * Cholesky of Σ + diag(b/x²) per step). CCD stops when max_i |x_i(Σx)_i/b_i − 1| ≤ 1e-11, Newton
 * at 1e-14. (Newton from the start is not cheaper: one Cholesky is N³/6 multiply–adds, i.e. N/6
 * sweeps, and it needs 4–6 steps.)
 *
 * Box caps: ERC ignores them. When the ERC weights exceed a cap
 *  - with cash allowed, the risky weights are scaled by min_i u_i/w_i (contributions stay equal,
 *    the rest is cash);
 *  - fully invested, the constrained risk-budgeting portfolio of Richard & Roncalli (2019) is
 *    returned: x(λ) = argmin ½xᵀΣx − λΣb ln x over 0 < x ≤ u by cyclical coordinate descent, with λ
 *    found by bisection so that Σx = 1 (capped assets then carry less than 1/N of the risk).
 * A turnover limit is not supported (throws UNSUPPORTED). Target volatility scales toward cash.
 *
 * `objective` = ERC dispersion max_i |RC_i/mean(RC) − 1| (0 for exact ERC).
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
 * Row-major Float64Array copy S of a square matrix, together with the CCD start direction
 * x0 = 1/σ and q = x0ᵀΣx0 accumulated in the same pass over the matrix.
 */
function flattenWithStart(cov: Matrix): { S: Float64Array; x0: Float64Array; q: number } {
  const n = cov.length;
  const S = new Float64Array(n * n);
  const x0 = new Float64Array(n);
  for (let i = 0; i < n; i++) x0[i] = 1 / Math.sqrt(cov[i][i]);
  let q = 0;
  for (let i = 0; i < n; i++) {
    const r = cov[i];
    const o = i * n;
    let s = 0;
    for (let j = 0; j < n; j++) {
      const v = r[j];
      S[o + j] = v;
      s += v * x0[j];
    }
    q += x0[i] * s;
  }
  return { S, x0, q };
}

/** Positive root of s_ii·x² + p·x − b = 0 (b > 0), in the cancellation-free form for each sign of p. */
function ccdRoot(sii: number, p: number, b: number): number {
  const d = Math.sqrt(p * p + 4 * sii * b);
  return p >= 0 ? (2 * b) / (p + d) : (d - p) / (2 * sii);
}

/**
 * One cyclical coordinate-descent sweep in place on x (flat row-major S); returns the sweep's
 * largest pre-update error max_i |x_i(Σx)_i/b_i − 1|. Rows are taken four at a time: the four dot
 * products (Σx)_i…(Σx)_{i+3} share one pass over x (four independent accumulators), and the
 * updates inside the block are then applied sequentially with the within-block corrections
 * S_{jk}·Δx_k, so the iterates are exactly those of the one-coordinate-at-a-time method.
 */
function ccdSweep(S: Float64Array, n: number, b: Float64Array, x: Float64Array): number {
  let worst = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o0 = i * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < n; j++) {
      const xj = x[j];
      s0 += S[o0 + j] * xj;
      s1 += S[o1 + j] * xj;
      s2 += S[o2 + j] * xj;
      s3 += S[o3 + j] * xj;
    }
    let xi = x[i];
    let e = Math.abs((xi * s0) / b[i] - 1);
    if (e > worst) worst = e;
    let sii = S[o0 + i];
    let v = ccdRoot(sii, s0 - sii * xi, b[i]);
    let dx = v - xi;
    x[i] = v;
    s1 += S[o1 + i] * dx;
    s2 += S[o2 + i] * dx;
    s3 += S[o3 + i] * dx;
    xi = x[i + 1];
    e = Math.abs((xi * s1) / b[i + 1] - 1);
    if (e > worst) worst = e;
    sii = S[o1 + i + 1];
    v = ccdRoot(sii, s1 - sii * xi, b[i + 1]);
    dx = v - xi;
    x[i + 1] = v;
    s2 += S[o2 + i + 1] * dx;
    s3 += S[o3 + i + 1] * dx;
    xi = x[i + 2];
    e = Math.abs((xi * s2) / b[i + 2] - 1);
    if (e > worst) worst = e;
    sii = S[o2 + i + 2];
    v = ccdRoot(sii, s2 - sii * xi, b[i + 2]);
    dx = v - xi;
    x[i + 2] = v;
    s3 += S[o3 + i + 2] * dx;
    xi = x[i + 3];
    e = Math.abs((xi * s3) / b[i + 3] - 1);
    if (e > worst) worst = e;
    sii = S[o3 + i + 3];
    x[i + 3] = ccdRoot(sii, s3 - sii * xi, b[i + 3]);
  }
  for (; i < n; i++) {
    const o = i * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += S[o + j] * x[j];
    const xi = x[i];
    const e = Math.abs((xi * s) / b[i] - 1);
    if (e > worst) worst = e;
    const sii = S[o + i];
    x[i] = ccdRoot(sii, s - sii * xi, b[i]);
  }
  return worst;
}

/** y = S x for flat row-major S (rows four at a time, as in {@link ccdSweep}). */
function flatMatVec(S: Float64Array, n: number, x: ArrayLike<number>, y: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o0 = i * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < n; j++) {
      const xj = x[j];
      s0 += S[o0 + j] * xj;
      s1 += S[o1 + j] * xj;
      s2 += S[o2 + j] * xj;
      s3 += S[o3 + j] * xj;
    }
    y[i] = s0;
    y[i + 1] = s1;
    y[i + 2] = s2;
    y[i + 3] = s3;
  }
  for (; i < n; i++) {
    const o = i * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += S[o + j] * x[j];
    y[i] = s;
  }
}

/** Solve the k×k system A y = r in place (Gaussian elimination, partial pivoting); false if singular. */
function smallSolve(A: Float64Array, r: Float64Array, k: number): boolean {
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let i = c + 1; i < k; i++) if (Math.abs(A[i * k + c]) > Math.abs(A[p * k + c])) p = i;
    const piv = A[p * k + c];
    if (!(Math.abs(piv) > 0) || !Number.isFinite(piv)) return false;
    if (p !== c) {
      for (let j = 0; j < k; j++) {
        const t = A[c * k + j];
        A[c * k + j] = A[p * k + j];
        A[p * k + j] = t;
      }
      const t = r[c];
      r[c] = r[p];
      r[p] = t;
    }
    for (let i = c + 1; i < k; i++) {
      const f = A[i * k + c] / piv;
      if (f === 0) continue;
      for (let j = c; j < k; j++) A[i * k + j] -= f * A[c * k + j];
      r[i] -= f * r[c];
    }
  }
  for (let i = k - 1; i >= 0; i--) {
    let v = r[i];
    for (let j = i + 1; j < k; j++) v -= A[i * k + j] * r[j];
    r[i] = v / A[i * k + i];
  }
  for (let i = 0; i < k; i++) if (!Number.isFinite(r[i])) return false;
  return true;
}

/** Memory of the Anderson acceleration in {@link ccdFlat}. */
const AA_MEMORY = 3;

/**
 * CCD on a flat matrix from the start x ∝ 1/σ scaled so that xᵀΣx = Σb (the fixed point's scale);
 * see {@link spinuCcd}. With `accelerate`, every sweep is followed by an Anderson-acceleration step
 * (type II, memory {@link AA_MEMORY}; Walker & Ni 2011) on the fixed-point map x ↦ sweep(x): with
 * G_k = sweep(x_k), f_k = G_k − x_k and the differences ΔG, ΔF of the last (up to) three pairs,
 * x_{k+1} = G_k − ΔG·γ where γ minimises ‖f_k − ΔF·γ‖₂ (normal equations). It brings the error
 * from ~0.5 to 1e-11 in about 11 sweeps instead of 15 (every sweep costs N² multiply–adds, the
 * acceleration ~14N plus a 3×3 solve; memory 5 needs no fewer sweeps on the test matrices). The accelerated point is used only when
 * it is finite and strictly positive (else the plain sweep's point); the convergence test is the
 * CCD one, so the result satisfies the same x_i(Σx)_i = b_i(1 ± tol) guarantee.
 */
function ccdFlat(
  S: Float64Array,
  n: number,
  b: Float64Array,
  start: { readonly x0: Float64Array; readonly q: number },
  tol: number,
  maxSweeps: number,
  accelerate = false,
): { x: Float64Array; sweeps: number; converged: boolean } {
  const x = Float64Array.from(start.x0);
  let sb = 0;
  for (let i = 0; i < n; i++) sb += b[i];
  const c0 = Math.sqrt(sb / start.q);
  for (let i = 0; i < n; i++) x[i] *= c0;
  const m = AA_MEMORY;
  // Ring buffers of the last m differences ΔF, ΔG of consecutive residuals / sweep outputs (the
  // least-squares problem does not depend on the column order), the previous f and G, and the
  // pre-sweep point.
  const dF = accelerate ? Array.from({ length: m }, () => new Float64Array(n)) : [];
  const dG = accelerate ? Array.from({ length: m }, () => new Float64Array(n)) : [];
  const prevF = new Float64Array(accelerate ? n : 0);
  const prevG = new Float64Array(accelerate ? n : 0);
  const xa = new Float64Array(accelerate ? n : 0);
  const A = new Float64Array(m * m);
  const r = new Float64Array(m);
  let pairs = 0;
  let sweeps = 0;
  let converged = false;
  while (sweeps < maxSweeps) {
    sweeps++;
    if (accelerate) xa.set(x);
    if (ccdSweep(S, n, b, x) <= tol) {
      converged = true;
      break;
    }
    if (!accelerate) continue;
    // f = G(x) − x with G(x) the sweep's output (now in x).
    if (pairs === 0) {
      for (let i = 0; i < n; i++) {
        prevF[i] = x[i] - xa[i];
        prevG[i] = x[i];
      }
      pairs = 1;
      continue;
    }
    const slot = (pairs - 1) % m;
    const df = dF[slot];
    const dg = dG[slot];
    for (let i = 0; i < n; i++) {
      const gi = x[i];
      const fi = gi - xa[i];
      df[i] = fi - prevF[i];
      prevF[i] = fi;
      dg[i] = gi - prevG[i];
      prevG[i] = gi;
    }
    pairs++;
    const k = Math.min(pairs - 1, m);
    // γ = argmin ‖f − ΔF γ‖ by the normal equations (tiny ridge against exact collinearity).
    for (let p = 0; p < k; p++) {
      const dp = dF[p];
      let rr = 0;
      for (let i = 0; i < n; i++) rr += dp[i] * prevF[i];
      r[p] = rr;
      for (let t = p; t < k; t++) {
        const dt = dF[t];
        let v = 0;
        for (let i = 0; i < n; i++) v += dp[i] * dt[i];
        A[p * k + t] = v;
        A[t * k + p] = v;
      }
      A[p * k + p] *= 1 + 1e-12;
    }
    if (!smallSolve(A, r, k)) continue;
    xa.set(prevG);
    for (let j = 0; j < k; j++) {
      const gj = r[j];
      const d = dG[j];
      for (let i = 0; i < n; i++) xa[i] -= gj * d[i];
    }
    let ok = true;
    for (let i = 0; i < n; i++) if (!(xa[i] > 0) || !Number.isFinite(xa[i])) ok = false;
    if (ok) x.set(xa);
  }
  return { x, sweeps, converged };
}

/**
 * Cyclical coordinate descent on Spinu's objective; returns x, the sweeps used and whether the
 * relative risk-budget error reached `tol`. Each coordinate's (Σx)_i is a read-only dot product
 * over a flat copy of Σ (four rows per pass over x, see `ccdSweep`); the sweep's largest
 * pre-update error max_i |x_i(Σx)_i/b_i − 1| is the convergence test. Start: x ∝ 1/σ scaled so
 * that xᵀΣx = Σb (the fixed point's scale). `accelerate` adds Anderson acceleration (see
 * `ccdFlat`; what {@link riskParity} uses).
 */
export function spinuCcd(
  cov: Matrix,
  b: Vector,
  tol = 1e-14,
  maxSweeps = 500,
  accelerate = false,
): { x: Vector; sweeps: number; converged: boolean } {
  const n = cov.length;
  const f = flattenWithStart(cov);
  const r = ccdFlat(f.S, n, Float64Array.from(b), f, tol, maxSweeps, accelerate);
  return { x: Array.from(r.x), sweeps: r.sweeps, converged: r.converged };
}

/**
 * Newton solution of Spinu's problem with budgets b, started from `start` (default 1/σ scaled);
 * returns the unnormalised x and iterations.
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
  for (; it < maxIter; it++) {
    const sx = x.map((_, i) => {
      let s = 0;
      const row = cov[i];
      for (let j = 0; j < n; j++) s += row[j] * x[j];
      return s;
    });
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs((x[i] * sx[i]) / b[i] - 1));
    if (worst <= tol) break;
    const g = sx.map((v, i) => v - b[i] / x[i]);
    const H = cov.map((r, i) => r.map((v, j) => (i === j ? v + b[i] / (x[i] * x[i]) : v)));
    const d = solveSPD(
      H,
      g.map((v) => -v),
    );
    const lam = Math.sqrt(Math.max(0, -g.reduce((s, gi, i) => s + gi * d[i], 0)) / bmin);
    let t = lam > 0.25 ? 1 / (1 + lam) : 1;
    while (x.some((xi, i) => xi + t * d[i] <= 0)) t *= 0.5;
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

/**
 * ERC dispersion max_i |RC_i/mean(RC) − 1| and variance wᵀΣw from one product Σw on the flat
 * matrix (the same quantities as {@link ercDispersion} and portfolioVol², one N² pass).
 */
function ercDiagnostics(
  S: Float64Array,
  n: number,
  w: Vector,
): { dispersion: number; variance: number } {
  const sw = new Float64Array(n);
  flatMatVec(S, n, w, sw);
  let variance = 0;
  for (let i = 0; i < n; i++) variance += w[i] * sw[i];
  const mean = variance / n;
  let dispersion = 0;
  for (let i = 0; i < n; i++)
    dispersion = Math.max(dispersion, Math.abs((w[i] * sw[i]) / mean - 1));
  return { dispersion, variance };
}

/** Inputs of {@link riskParity}. */
export interface RiskParityInput {
  readonly cov: Matrix;
  /** Risk budgets (default equal, 1/N). Must be positive; normalised to sum 1. */
  readonly budgets?: Vector;
}

/** Equal-risk-contribution (or risk-budgeting) portfolio; see the module comment. */
export function riskParity(
  input: RiskParityInput,
  constraints: PortfolioConstraints = {},
): OptimizerResult {
  const n = checkDims(input.cov, input.budgets);
  const c = normalizeConstraints(n, constraints);
  if (c.turnover)
    throw new OptimizerError("UNSUPPORTED", "risk parity does not support a turnover limit");
  const raw = input.budgets ?? new Array<number>(n).fill(1);
  if (raw.some((v) => !(v > 0)))
    throw new OptimizerError("INVALID_INPUT", "risk budgets must be > 0");
  const total = raw.reduce((a, b) => a + b, 0);
  const b = raw.map((v) => v / total);
  // Accelerated CCD to 1e-11 (ERC dispersion ~1e-12, well inside the 1e-8 target); below N = 16
  // the acceleration's bookkeeping costs more than the sweeps it saves, and plain CCD runs to
  // 1e-12 (two more sweeps of ≤ 256 multiply–adds). When CCD converges slowly (strongly coupled
  // covariances) Newton takes over after 60 sweeps.
  const flat = flattenWithStart(input.cov);
  const S = flat.S;
  const accelerate = n >= 16;
  const ccd = ccdFlat(S, n, Float64Array.from(b), flat, accelerate ? 1e-11 : 1e-12, 60, accelerate);
  const { x, iterations } = ccd.converged
    ? { x: ccd.x, iterations: ccd.sweeps }
    : (() => {
        const r = spinuNewton(input.cov, b, 1e-14, 100, Array.from(ccd.x));
        return { x: r.x, iterations: ccd.sweeps + r.iterations };
      })();
  let sx = 0;
  for (let i = 0; i < n; i++) sx += x[i];
  let w = Array.from(x, (v) => v / sx);
  let iters = iterations;
  let message: string | undefined;
  const over = w.reduce(
    (m, wi, i) => Math.min(m, wi > 0 ? c.maxWeight[i] / wi : Infinity),
    Infinity,
  );
  if (over < 1) {
    if (!c.fullyInvested) {
      w = w.map((v) => v * over);
      message = `ERC weights exceed a cap: scaled by ${over} toward cash (contributions stay equal)`;
    } else {
      const r = cappedRiskBudgeting(input.cov, b, c.maxWeight);
      w = r.x;
      iters += r.iterations;
      message =
        "ERC weights exceed a cap: constrained risk budgeting (Richard–Roncalli), capped assets below budget";
    }
  }
  const tv = scaleToTargetVol(w, input.cov, c);
  w = tv.weights;
  const { dispersion, variance } = ercDiagnostics(S, n, w);
  return {
    weights: w,
    cash: 1 - w.reduce((a, v) => a + v, 0),
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
