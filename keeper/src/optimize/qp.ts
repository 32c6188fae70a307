/**
 * A small dense/sparse QP representation with two back ends (HiGHS via WASM, quadprog's
 * Goldfarb–Idnani dual method) and a solver-independent KKT check.
 *
 *   minimize    ½ xᵀQx + cᵀx
 *   subject to  lb ≤ x ≤ ub,   lo_r ≤ a_rᵀx ≤ hi_r  (sparse rows)
 *
 * `Q` is the dense k×k top-left block of the Hessian (k ≤ n; the remaining variables are linear).
 * With k = 0 the problem is an LP (HiGHS only). Multipliers follow HiGHS' sign convention:
 * Qx + c = Aᵀy + z, with y_r ≥ 0 when the row sits at its lower bound and ≤ 0 at its upper bound
 * (likewise z for variable bounds).
 */
import quadprog from "quadprog";
import type { Matrix, Vector } from "../math/linalg.ts";
import { fitsActiveSet, solveWithActiveSet } from "./active-set.ts";
import { OptimizerError } from "./types.ts";
import type { HighsLike, OptimizerStatus, QpSolverName, SolveOptions } from "./types.ts";

/** One sparse constraint row lo ≤ Σ val[k]·x[idx[k]] ≤ hi (use ±Infinity for a missing side). */
export interface SparseRow {
  readonly idx: readonly number[];
  readonly val: readonly number[];
  readonly lo: number;
  readonly hi: number;
}

/** A convex QP (or LP when Q is empty). */
export interface QpProblem {
  readonly n: number;
  /** Dense symmetric PSD block for the first Q.length variables. */
  readonly Q: Matrix;
  readonly c: Vector;
  readonly lb: Vector;
  readonly ub: Vector;
  readonly rows: readonly SparseRow[];
}

/** Solver output in the problem's own variables. */
export interface QpSolution {
  readonly x: Vector;
  /** ½xᵀQx + cᵀx at x. */
  readonly objective: number;
  readonly status: OptimizerStatus;
  readonly iterations?: number;
  readonly rowDual: Vector;
  readonly colDual: Vector;
  readonly solver: QpSolverName;
  readonly message?: string;
}

/** KKT residuals (absolute, ∞-norms) of a QP at a primal/dual pair. */
export interface KktResiduals {
  /** ‖Qx + c − Aᵀy − z‖∞. */
  readonly stationarity: number;
  /** Largest bound or row violation. */
  readonly primalFeasibility: number;
  /** Largest multiplier with the wrong sign for the side(s) that exist. */
  readonly dualFeasibility: number;
  /** Largest |multiplier × slack of the side it prices|. */
  readonly complementarity: number;
}

/** ½xᵀQx + cᵀx. */
export function qpObjective(p: QpProblem, x: Vector): number {
  let s = 0;
  const k = p.Q.length;
  for (let i = 0; i < k; i++) {
    const Qi = p.Q[i];
    let r = 0;
    for (let j = 0; j < k; j++) r += Qi[j] * x[j];
    s += 0.5 * x[i] * r;
  }
  for (let i = 0; i < p.n; i++) s += p.c[i] * x[i];
  return s;
}

function rowActivity(r: SparseRow, x: Vector): number {
  let s = 0;
  for (let k = 0; k < r.idx.length; k++) s += r.val[k] * x[r.idx[k]];
  return s;
}

/** Largest violation of bounds and rows at x (0 when feasible). */
export function qpPrimalViolation(p: QpProblem, x: Vector): number {
  let v = 0;
  for (let i = 0; i < p.n; i++) v = Math.max(v, p.lb[i] - x[i], x[i] - p.ub[i]);
  for (const r of p.rows) {
    const a = rowActivity(r, x);
    v = Math.max(v, r.lo - a, a - r.hi);
  }
  return Math.max(0, v);
}

function sideResiduals(y: number, value: number, lo: number, hi: number): [number, number] {
  let dual = 0;
  let comp = 0;
  if (y > 0) {
    dual = lo === -Infinity ? y : 0;
    if (lo !== -Infinity) comp = y * Math.abs(value - lo);
  } else if (y < 0) {
    dual = hi === Infinity ? -y : 0;
    if (hi !== Infinity) comp = -y * Math.abs(hi - value);
  }
  return [dual, comp];
}

/**
 * KKT residuals of `p` at (x, rowDual, colDual) in the convention Qx + c = Aᵀy + z.
 * All four are zero (up to round-off) exactly at an optimal primal–dual pair.
 */
export function kktResiduals(
  p: QpProblem,
  x: Vector,
  rowDual: Vector,
  colDual: Vector,
): KktResiduals {
  const n = p.n;
  const g = new Array<number>(n).fill(0);
  const k = p.Q.length;
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += p.Q[i][j] * x[j];
    g[i] = s;
  }
  for (let i = 0; i < n; i++) g[i] += p.c[i] - colDual[i];
  let dualFeas = 0;
  let comp = 0;
  p.rows.forEach((r, ri) => {
    const y = rowDual[ri];
    for (let q = 0; q < r.idx.length; q++) g[r.idx[q]] -= y * r.val[q];
    const [d, c] = sideResiduals(y, rowActivity(r, x), r.lo, r.hi);
    dualFeas = Math.max(dualFeas, d);
    comp = Math.max(comp, c);
  });
  for (let i = 0; i < n; i++) {
    const [d, c] = sideResiduals(colDual[i], x[i], p.lb[i], p.ub[i]);
    dualFeas = Math.max(dualFeas, d);
    comp = Math.max(comp, c);
  }
  return {
    stationarity: g.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
    primalFeasibility: qpPrimalViolation(p, x),
    dualFeasibility: dualFeas,
    complementarity: comp,
  };
}

/** Largest of the four KKT residuals. */
export function kktMax(k: KktResiduals): number {
  return Math.max(k.stationarity, k.primalFeasibility, k.dualFeasibility, k.complementarity);
}

/**
 * The general-purpose back end used for `opts`: the named one, or for "active-set" (and the
 * default) HiGHS when a runtime is given, else quadprog.
 */
export function generalSolver(opts: SolveOptions): "highs" | "quadprog" {
  if (opts.solver === "highs" || opts.solver === "quadprog") return opts.solver;
  return opts.highs ? "highs" : "quadprog";
}

/**
 * Solve `p` with the chosen back end. "active-set" (the default) handles box + budget problems
 * (see {@link fitsActiveSet}) and hands anything else to {@link generalSolver}. For quadprog the
 * Hessian must be positive definite over all n variables (callers pass a strictly convex
 * equivalent, see `strict` in the optimizers); LPs (empty Q) are rejected with UNSUPPORTED. Never
 * throws for solver outcomes: those are reported in `status`.
 */
export function solveQp(p: QpProblem, opts: SolveOptions): QpSolution {
  if ((opts.solver ?? "active-set") === "active-set" && fitsActiveSet(p))
    return solveWithActiveSet(p);
  if (generalSolver(opts) === "highs") {
    if (!opts.highs)
      throw new OptimizerError("MISSING_SOLVER", "solver 'highs' needs a loaded HiGHS runtime");
    return solveWithHighs(p, opts.highs, opts.highsOptions);
  }
  if (p.Q.length !== p.n) {
    throw new OptimizerError(
      "UNSUPPORTED",
      "quadprog needs a strictly convex Hessian over every variable",
    );
  }
  return solveWithQuadprog(p);
}

const HIGHS_STATUS: Record<number, OptimizerStatus> = {
  7: "optimal",
  8: "infeasible",
  9: "unbounded",
  10: "unbounded",
  13: "iteration-limit",
  14: "iteration-limit",
};

function infoNumber(model: { info: { get(name: string): unknown } }, name: string): number {
  try {
    const v = model.info.get(name);
    return typeof v === "bigint" ? Number(v) : typeof v === "number" && v > 0 ? v : 0;
  } catch {
    return 0;
  }
}

/** Solve with a loaded HiGHS runtime using structured (CSC) model data, not LP text. */
export function solveWithHighs(
  p: QpProblem,
  highs: HighsLike,
  extra: Readonly<Record<string, boolean | number | string>> = {},
): QpSolution {
  const n = p.n;
  const m = p.rows.length;
  // HiGHS' QP solver works with absolute tolerances and cycles on badly scaled Hessians (daily
  // covariances are ~1e-4): scale the objective so the mean Hessian diagonal (or, for an LP, the
  // largest cost) is 1. Duals are scaled back below.
  const k = p.Q.length;
  const meanDiag = k > 0 ? p.Q.reduce((a, r, i) => a + Math.abs(r[i]), 0) / k : 0;
  const maxCost = p.c.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  const objScale = meanDiag > 0 ? 1 / meanDiag : maxCost > 0 ? 1 / maxCost : 1;
  // CSC of the constraint matrix.
  const counts = new Int32Array(n + 1);
  for (const r of p.rows) for (const j of r.idx) counts[j + 1]++;
  for (let j = 0; j < n; j++) counts[j + 1] += counts[j];
  const nnz = counts[n];
  const starts = Int32Array.from(counts);
  const fill = Int32Array.from(counts.subarray(0, n));
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  p.rows.forEach((r, ri) => {
    for (let q = 0; q < r.idx.length; q++) {
      const pos = fill[r.idx[q]]++;
      indices[pos] = ri;
      values[pos] = r.val[q];
    }
  });
  let hessian;
  if (k > 0) {
    const hs: number[] = [0];
    const hi: number[] = [];
    const hv: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j < k) {
        for (let i = j; i < k; i++) {
          const v = p.Q[i][j];
          if (v !== 0) {
            hi.push(i);
            hv.push(v * objScale);
          }
        }
      }
      hs.push(hi.length);
    }
    hessian = {
      format: "triangular" as const,
      dimension: n,
      starts: Int32Array.from(hs),
      indices: Int32Array.from(hi),
      values: Float64Array.from(hv),
    };
  }
  const data = {
    numCols: n,
    numRows: m,
    colCost: Float64Array.from(p.c, (v) => v * objScale),
    colLower: Float64Array.from(p.lb),
    colUpper: Float64Array.from(p.ub),
    rowLower: Float64Array.from(p.rows.map((r) => r.lo)),
    rowUpper: Float64Array.from(p.rows.map((r) => r.hi)),
    matrix: { format: "csc" as const, numRows: m, numCols: n, starts, indices, values },
    ...(hessian ? { hessian } : {}),
  };
  return highs.withModel(data, (model) => {
    model.options.set({
      output_flag: false,
      // HiGHS adds a 1e-7 proximal term to QPs by default, which biases weights by ~1e-7.
      qp_regularization_value: 1e-12,
      ...extra,
    });
    model.run();
    const code = model.getModelStatus();
    const status = HIGHS_STATUS[code] ?? "solver-error";
    const iterations =
      infoNumber(model, "qp_iteration_count") +
      infoNumber(model, "simplex_iteration_count") +
      infoNumber(model, "ipm_iteration_count");
    if (status !== "optimal") {
      return {
        x: new Array<number>(n).fill(NaN),
        objective: NaN,
        status,
        iterations,
        rowDual: new Array<number>(m).fill(NaN),
        colDual: new Array<number>(n).fill(NaN),
        solver: "highs" as const,
        message: `HiGHS model status ${code}`,
      };
    }
    const sol = model.getSolution();
    const x = Array.from(sol.colValue);
    return {
      x,
      objective: qpObjective(p, x),
      status,
      iterations,
      rowDual: Array.from(sol.rowDual, (v) => v / objScale),
      colDual: Array.from(sol.colDual, (v) => v / objScale),
      solver: "highs" as const,
    };
  });
}

/**
 * Solve with quadprog (Goldfarb–Idnani). Builds fresh 1-based arrays (quadprog overwrites D and d):
 * equality rows first (meq), then a'x ≥ lo, −a'x ≥ −hi, x ≥ lb, −x ≥ −ub for every finite side.
 */
export function solveWithQuadprog(p: QpProblem): QpSolution {
  const n = p.n;
  type Col = { kind: "row" | "col"; index: number; sign: 1 | -1; b: number };
  const eq: Col[] = [];
  const ineq: Col[] = [];
  p.rows.forEach((r, ri) => {
    if (r.lo === r.hi) eq.push({ kind: "row", index: ri, sign: 1, b: r.lo });
    else {
      if (r.lo !== -Infinity) ineq.push({ kind: "row", index: ri, sign: 1, b: r.lo });
      if (r.hi !== Infinity) ineq.push({ kind: "row", index: ri, sign: -1, b: -r.hi });
    }
  });
  for (let i = 0; i < n; i++) {
    if (p.lb[i] === p.ub[i]) eq.push({ kind: "col", index: i, sign: 1, b: p.lb[i] });
    else {
      if (p.lb[i] !== -Infinity) ineq.push({ kind: "col", index: i, sign: 1, b: p.lb[i] });
      if (p.ub[i] !== Infinity) ineq.push({ kind: "col", index: i, sign: -1, b: -p.ub[i] });
    }
  }
  const cols = [...eq, ...ineq];
  const q = cols.length;
  const D: number[][] = [[]];
  const d: number[] = [0];
  const A: number[][] = [[]];
  for (let i = 0; i < n; i++) {
    const Di = new Array<number>(n + 1);
    Di[0] = 0;
    const Qi = p.Q[i];
    for (let j = 0; j < n; j++) Di[j + 1] = Qi[j];
    D.push(Di);
    d.push(-p.c[i]);
    A.push(new Array<number>(q + 1).fill(0));
  }
  const b: number[] = [0];
  cols.forEach((col, j) => {
    if (col.kind === "row") {
      const r = p.rows[col.index];
      for (let t = 0; t < r.idx.length; t++) A[r.idx[t] + 1][j + 1] += col.sign * r.val[t];
    } else {
      A[col.index + 1][j + 1] = col.sign;
    }
    b.push(col.b);
  });
  const res = quadprog.solveQP(D, d, A, b, eq.length);
  const rowDual = new Array<number>(p.rows.length).fill(0);
  const colDual = new Array<number>(n).fill(0);
  const iterations = res.iterations?.[1];
  if (res.message) {
    const status: OptimizerStatus = /inconsistent/.test(res.message)
      ? "infeasible"
      : "solver-error";
    return {
      x: new Array<number>(n).fill(NaN),
      objective: NaN,
      status,
      iterations,
      rowDual,
      colDual,
      solver: "quadprog",
      message: res.message,
    };
  }
  const x = res.solution.slice(1, n + 1);
  cols.forEach((col, j) => {
    const lam = res.Lagrangian[j + 1] * col.sign;
    if (col.kind === "row") rowDual[col.index] += lam;
    else colDual[col.index] += lam;
  });
  return {
    x,
    objective: qpObjective(p, x),
    status: "optimal",
    iterations,
    rowDual,
    colDual,
    solver: "quadprog",
  };
}
