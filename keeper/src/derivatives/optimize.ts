/**
 * Small unconstrained optimisers used by the SVI and GARCH fits (constraints are handled by the
 * callers through smooth re-parameterisations):
 * - {@link levenbergMarquardt}: nonlinear least squares with a forward-difference Jacobian and
 *   Marquardt's diagonal scaling;
 * - {@link nelderMead}: derivative-free simplex minimisation (Lagarias et al. 1998 coefficients);
 * - {@link solveLinearSystem}: dense Gaussian elimination with partial pivoting (tiny systems).
 */
import { DerivativesError } from "./errors.ts";

/**
 * Solve A·x = b for a small dense square system (Gaussian elimination, partial pivoting).
 * Inputs are not modified. Throws FIT_FAILED when A is numerically singular.
 */
export function solveLinearSystem(
  A: readonly (readonly number[])[],
  b: readonly number[],
): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r][col]) > Math.abs(M[piv][col])) piv = r;
    if (!(Math.abs(M[piv][col]) > 1e-300)) {
      throw new DerivativesError("FIT_FAILED", "singular linear system", { column: col });
    }
    [M[col], M[piv]] = [M[piv], M[col]];
    for (let r = col + 1; r < n; r++) {
      const f = M[r][col] / M[col][col];
      if (f === 0) continue;
      for (let c = col; c <= n; c++) M[r][c] -= f * M[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let c = r + 1; c < n; c++) s -= M[r][c] * x[c];
    x[r] = s / M[r][r];
  }
  return x;
}

/** Options of {@link levenbergMarquardt}. */
export interface LmOptions {
  maxIter?: number;
  /** Stop when the relative cost decrease of an accepted step is below this (default 1e-12). */
  ftol?: number;
  /** Stop when the step is below xtol·(|x| + xtol) (default 1e-10). */
  xtol?: number;
  /** Initial damping (default 1e-3). */
  lambda0?: number;
}

/** Result of {@link levenbergMarquardt}: `cost` = ½·Σ r². */
export interface LmResult {
  x: number[];
  cost: number;
  iterations: number;
  evaluations: number;
}

function halfSumSq(r: readonly number[]): number {
  let s = 0;
  for (const v of r) s += v * v;
  return 0.5 * s;
}

/**
 * Minimise ½‖r(x)‖² by Levenberg–Marquardt. Non-finite residuals are treated as an infinite cost
 * (the step is rejected and the damping raised).
 */
export function levenbergMarquardt(
  residuals: (x: readonly number[]) => number[],
  x0: readonly number[],
  opts: LmOptions = {},
): LmResult {
  const maxIter = opts.maxIter ?? 200;
  const ftol = opts.ftol ?? 1e-12;
  const xtol = opts.xtol ?? 1e-10;
  let lambda = opts.lambda0 ?? 1e-3;
  const n = x0.length;
  let x = [...x0];
  let r = residuals(x);
  let evaluations = 1;
  let cost = halfSumSq(r);
  if (!Number.isFinite(cost)) {
    throw new DerivativesError("FIT_FAILED", "non-finite residuals at the starting point", {
      x0: [...x0],
    });
  }
  let iter = 0;
  for (; iter < maxIter; iter++) {
    // Forward-difference Jacobian J[i][j] = ∂r_i/∂x_j.
    const m = r.length;
    const J: number[][] = Array.from({ length: m }, () => new Array<number>(n).fill(0));
    for (let j = 0; j < n; j++) {
      const h = 1e-7 * Math.max(1, Math.abs(x[j]));
      const xp = [...x];
      xp[j] += h;
      const rp = residuals(xp);
      evaluations++;
      for (let i = 0; i < m; i++) J[i][j] = (rp[i] - r[i]) / h;
    }
    const JtJ: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const Jtr = new Array<number>(n).fill(0);
    for (let i = 0; i < m; i++) {
      for (let a = 0; a < n; a++) {
        Jtr[a] += J[i][a] * r[i];
        for (let b = a; b < n; b++) JtJ[a][b] += J[i][a] * J[i][b];
      }
    }
    for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) JtJ[a][b] = JtJ[b][a];
    let accepted = false;
    let converged = false;
    for (let tries = 0; tries < 30 && !accepted; tries++) {
      const A = JtJ.map((row, a) =>
        row.map((v, b) => (a === b ? v + lambda * Math.max(v, 1e-12) : v)),
      );
      let step: number[];
      try {
        step = solveLinearSystem(
          A,
          Jtr.map((v) => -v),
        );
      } catch {
        lambda *= 10;
        continue;
      }
      const xn = x.map((v, j) => v + step[j]);
      const rn = residuals(xn);
      evaluations++;
      const cn = halfSumSq(rn);
      if (Number.isFinite(cn) && cn < cost) {
        const rel = (cost - cn) / Math.max(cost, 1e-300);
        const small = step.every((s, j) => Math.abs(s) <= xtol * (Math.abs(x[j]) + xtol));
        x = xn;
        r = rn;
        cost = cn;
        lambda = Math.max(lambda / 3, 1e-12);
        accepted = true;
        if (rel < ftol || small) converged = true;
      } else {
        lambda *= 4;
        if (lambda > 1e16) break;
      }
    }
    if (!accepted || converged) {
      iter++;
      break;
    }
  }
  return { x, cost, iterations: iter, evaluations };
}

/** Options of {@link nelderMead}. */
export interface NmOptions {
  maxIter?: number;
  /** Stop when the simplex values spread less than ftol·|f_best| and the simplex is small (default 1e-10). */
  ftol?: number;
  /** Stop when the simplex diameter is below xtol (default 1e-9). */
  xtol?: number;
  /** Initial simplex step per coordinate (default 0.1·max(|x0_j|, 1)). */
  step?: readonly number[];
}

/** Result of {@link nelderMead}. */
export interface NmResult {
  x: number[];
  fx: number;
  iterations: number;
  evaluations: number;
}

/**
 * Minimise f by the Nelder–Mead simplex method with the standard coefficients
 * (reflection 1, expansion 2, contraction ½, shrink ½). Non-finite values count as +∞.
 */
export function nelderMead(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  opts: NmOptions = {},
): NmResult {
  const n = x0.length;
  const maxIter = opts.maxIter ?? 200 * n;
  const ftol = opts.ftol ?? 1e-10;
  const xtol = opts.xtol ?? 1e-9;
  let evaluations = 0;
  const fe = (x: readonly number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const pts: number[][] = [[...x0]];
  for (let j = 0; j < n; j++) {
    const p = [...x0];
    p[j] += opts.step?.[j] ?? 0.1 * Math.max(Math.abs(x0[j]), 1);
    pts.push(p);
  }
  let vals = pts.map(fe);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    const order = vals.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
    const sp = order.map((i) => pts[i]);
    const sv = order.map((i) => vals[i]);
    pts.splice(0, pts.length, ...sp);
    vals = sv;
    let diam = 0;
    for (let i = 1; i <= n; i++) {
      for (let j = 0; j < n; j++) diam = Math.max(diam, Math.abs(pts[i][j] - pts[0][j]));
    }
    if (Math.abs(vals[n] - vals[0]) <= ftol * (Math.abs(vals[0]) + 1e-300) && diam <= xtol * 1e3)
      break;
    if (diam <= xtol) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += pts[i][j] / n;
    const along = (t: number): number[] => centroid.map((c, j) => c + t * (pts[n][j] - c));
    const xr = along(-1);
    const fr = fe(xr);
    if (fr < vals[0]) {
      const xe = along(-2);
      const fxe = fe(xe);
      if (fxe < fr) {
        pts[n] = xe;
        vals[n] = fxe;
      } else {
        pts[n] = xr;
        vals[n] = fr;
      }
    } else if (fr < vals[n - 1]) {
      pts[n] = xr;
      vals[n] = fr;
    } else {
      const outside = fr < vals[n];
      const xc = along(outside ? -0.5 : 0.5);
      const fc = fe(xc);
      if (fc < (outside ? fr : vals[n])) {
        pts[n] = xc;
        vals[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          pts[i] = pts[i].map((v, j) => pts[0][j] + 0.5 * (v - pts[0][j]));
          vals[i] = fe(pts[i]);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i <= n; i++) if (vals[i] < vals[best]) best = i;
  return { x: [...pts[best]], fx: vals[best], iterations: iter, evaluations };
}
