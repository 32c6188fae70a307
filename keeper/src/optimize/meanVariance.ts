/**
 * Minimum-variance and mean-variance portfolios as convex QPs over the risky weights w
 * (plus turnover auxiliaries t when a turnover limit is set):
 *
 *   min-variance:   min wᵀΣw                          (QP: Q = 2Σ, c = 0)
 *   mean-variance:  max μᵀw + r_f(1−Σw) − γ/2 wᵀΣw   (QP: Q = γΣ, c = −(μ − r_f))
 *
 * subject to 0 ≤ w ≤ u, budget (Σw = 1, or minInvested ≤ Σw ≤ 1 with cash), optional
 * Σ|w − w0| ≤ τ via t_i ≥ ±(w_i − w0_i), Σt ≤ τ. Both solvers see the same problem; quadprog gets
 * the exactly equivalent strictly convex form of {@link strictEquivalent}.
 */
import type { Matrix, Vector } from "../math/linalg.ts";
import type { QpProblem, QpSolution, SparseRow } from "./qp.ts";
import { generalSolver, kktResiduals, solveQp } from "./qp.ts";
import type { NormalizedConstraints } from "./portfolio.ts";
import {
  budgetAndTurnoverRows,
  checkDims,
  cleanWeights,
  constraintViolation,
  normalizeConstraints,
  portfolioVol,
  strictEquivalent,
} from "./portfolio.ts";
import { scaleToTargetVol } from "./targetVol.ts";
import { OptimizerError } from "./types.ts";
import type {
  OptimizerResult,
  PortfolioConstraints,
  SolveOptions,
  TargetVolReport,
} from "./types.ts";

/** Build the weight-space QP ½wᵀ(qScale·Σ)w + linᵀw with the shared constraints and extra rows. */
export function buildWeightQp(
  cov: Matrix,
  qScale: number,
  lin: Vector,
  c: NormalizedConstraints,
  extraRows: readonly SparseRow[] = [],
): QpProblem {
  const n = c.n;
  const nv = c.turnover ? 2 * n : n;
  const Q = cov.map((r) => r.map((v) => qScale * v));
  const cost = [...lin, ...new Array<number>(nv - n).fill(0)];
  const lb = new Array<number>(nv).fill(0);
  const ub = [...c.maxWeight, ...new Array<number>(nv - n).fill(Infinity)];
  return { n: nv, Q, c: cost, lb, ub, rows: [...budgetAndTurnoverRows(c, n), ...extraRows] };
}

/** A solution together with the problem the solver actually saw (for its KKT check). */
export interface SolvedQp {
  readonly p: QpProblem;
  readonly sol: QpSolution;
}

/**
 * Solve a weight-space QP with the chosen solver ("active-set" by default; with a turnover limit
 * it falls back, see {@link generalSolver}). quadprog gets the exactly equivalent strictly convex
 * form when turnover auxiliaries are present; `p` in the result is the problem it solved, so KKT
 * residuals are those of that (equivalent) problem.
 */
export function solveWeightQp(
  p: QpProblem,
  c: NormalizedConstraints,
  opts: SolveOptions,
): SolvedQp {
  if (c.turnover && generalSolver(opts) === "quadprog") {
    const forms = c.turnover.current.map((w0i, i) => {
      const a = new Array<number>(c.n).fill(0);
      a[i] = 1;
      return { t: c.n + i, a, b: -w0i };
    });
    const strict = strictEquivalent(p, forms);
    return { p: strict, sol: solveQp(strict, opts) };
  }
  return { p, sol: solveQp(p, opts) };
}

/** Inputs of {@link minVariance}. */
export interface MinVarianceInput {
  readonly cov: Matrix;
  /** Optional return floor μᵀw + r_f(1 − Σw) ≥ minReturn (needs `mu`). */
  readonly mu?: Vector;
  readonly riskFree?: number;
  readonly minReturn?: number;
}

/**
 * Long-only minimum-variance portfolio. `objective` = wᵀΣw of the returned weights.
 * Note: with cash allowed and neither `minInvested` nor `minReturn`, the answer is all cash.
 */
export function minVariance(
  input: MinVarianceInput,
  constraints: PortfolioConstraints,
  opts: SolveOptions = {},
): OptimizerResult {
  const n = checkDims(input.cov, input.mu);
  const c = normalizeConstraints(n, constraints);
  const rf = input.riskFree ?? 0;
  const extra: SparseRow[] = [];
  if (input.minReturn !== undefined && input.mu) {
    extra.push({
      idx: Array.from({ length: n }, (_, i) => i),
      val: input.mu.map((m) => m - rf),
      lo: input.minReturn - rf,
      hi: Infinity,
    });
  }
  const p = buildWeightQp(input.cov, 2, new Array<number>(n).fill(0), c, extra);
  return finish(solveWeightQp(p, c, opts), c, input.cov, (w) => portfolioVol(w, input.cov) ** 2);
}

/** Inputs of {@link meanVariance}. */
export interface MeanVarianceInput {
  readonly mu: Vector;
  readonly cov: Matrix;
  /** Risk aversion γ > 0. */
  readonly gamma: number;
  /** Per-period return of cash. Default 0. */
  readonly riskFree?: number;
}

/** Certainty equivalent μᵀw + r_f(1 − Σw) − γ/2·wᵀΣw. */
export function certaintyEquivalent(
  w: Vector,
  mu: Vector,
  cov: Matrix,
  gamma: number,
  riskFree = 0,
): number {
  let ret = 0;
  let inv = 0;
  for (let i = 0; i < w.length; i++) {
    ret += mu[i] * w[i];
    inv += w[i];
  }
  return ret + riskFree * (1 - inv) - 0.5 * gamma * portfolioVol(w, cov) ** 2;
}

/**
 * Mean-variance (certainty-equivalent) portfolio. `objective` = CE of the returned weights at
 * the input γ. With `targetVol`, when the γ-solution is riskier than σ*, γ is raised by bisection
 * until vol = σ* (to 1e-10 relative): by the KKT conditions of max CE s.t. wᵀΣw ≤ σ*², the
 * constrained optimum is the unconstrained one at γ' = γ + 2λ, so this is EXACT under all other
 * constraints (turnover included). If σ* is below the lowest reachable vol (fully invested), the
 * lowest-vol solution found is returned with action "unreachable".
 */
export function meanVariance(
  input: MeanVarianceInput,
  constraints: PortfolioConstraints,
  opts: SolveOptions = {},
): OptimizerResult {
  const n = checkDims(input.cov, input.mu);
  const c = normalizeConstraints(n, constraints);
  if (!(input.gamma > 0)) throw new OptimizerError("INVALID_INPUT", "gamma must be > 0");
  const rf = input.riskFree ?? 0;
  const lin = input.mu.map((m) => -(m - rf));
  const solveAt = (gamma: number): SolvedQp =>
    solveWeightQp(buildWeightQp(input.cov, gamma, lin, c), c, opts);
  const ce = (w: Vector) => certaintyEquivalent(w, input.mu, input.cov, input.gamma, rf);
  const first = solveAt(input.gamma);
  const sol = first.sol;
  const target = c.targetVol;
  if (target === undefined || sol.status !== "optimal")
    return finish(first, c, input.cov, ce, undefined, false);
  const vol0 = portfolioVol(sol.x.slice(0, n), input.cov);
  if (vol0 <= target) {
    return finish(
      first,
      c,
      input.cov,
      ce,
      { target, volBefore: vol0, volAfter: vol0, action: "not-binding" },
      false,
    );
  }
  let lo = input.gamma;
  let hi = input.gamma * 2;
  let best = solveAt(hi);
  let iterations = (sol.iterations ?? 0) + (best.sol.iterations ?? 0);
  for (
    let k = 0;
    k < 80 &&
    best.sol.status === "optimal" &&
    portfolioVol(best.sol.x.slice(0, n), input.cov) > target;
    k++
  ) {
    lo = hi;
    hi *= 4;
    best = solveAt(hi);
    iterations += best.sol.iterations ?? 0;
  }
  const volHi =
    best.sol.status === "optimal" ? portfolioVol(best.sol.x.slice(0, n), input.cov) : Infinity;
  if (volHi > target) {
    const report: TargetVolReport = {
      target,
      volBefore: vol0,
      volAfter: volHi,
      action: "unreachable",
      value: hi,
    };
    return finish(best, c, input.cov, ce, report, false, iterations);
  }
  for (let k = 0; k < 200 && (hi - lo) / hi > 1e-12; k++) {
    const mid = 0.5 * (lo + hi);
    const trial = solveAt(mid);
    iterations += trial.sol.iterations ?? 0;
    if (
      trial.sol.status === "optimal" &&
      portfolioVol(trial.sol.x.slice(0, n), input.cov) <= target
    ) {
      hi = mid;
      best = trial;
    } else lo = mid;
  }
  const volAfter = portfolioVol(best.sol.x.slice(0, n), input.cov);
  const report: TargetVolReport = {
    target,
    volBefore: vol0,
    volAfter,
    action: "gamma-bisection",
    value: hi,
  };
  return finish(best, c, input.cov, ce, report, false, iterations);
}

/**
 * Shared tail: clean weights (the first N entries of `solved.sol.x`), optional scale-to-cash cap,
 * objective, violations, and KKT residuals of `solved.p` at `kktPoint` (default `solved.sol.x`).
 */
export function finish(
  solved: SolvedQp,
  c: NormalizedConstraints,
  cov: Matrix,
  objectiveOf: (w: Vector) => number,
  report?: TargetVolReport,
  scale = true,
  iterations?: number,
  kktPoint?: Vector,
): OptimizerResult {
  const n = c.n;
  const { p, sol } = solved;
  if (sol.status !== "optimal") {
    return {
      weights: new Array<number>(n).fill(NaN),
      cash: NaN,
      objective: NaN,
      solver: sol.solver,
      iterations: iterations ?? sol.iterations,
      status: sol.status,
      constraintViolation: NaN,
      volatility: NaN,
      message: sol.message,
    };
  }
  let w = cleanWeights(sol.x, n, c.maxWeight);
  let targetVol = report;
  if (scale) {
    const s = scaleToTargetVol(w, cov, c);
    w = s.weights;
    targetVol = s.report;
  }
  return {
    weights: w,
    cash: 1 - w.reduce((a, b) => a + b, 0),
    objective: objectiveOf(w),
    solver: sol.solver,
    iterations: iterations ?? sol.iterations,
    status: "optimal",
    kkt: kktResiduals(p, kktPoint ?? sol.x, sol.rowDual, sol.colDual),
    constraintViolation: constraintViolation(w, c),
    volatility: portfolioVol(w, cov),
    ...(targetVol ? { targetVol } : {}),
  };
}
