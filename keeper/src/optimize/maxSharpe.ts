/**
 * Maximum Sharpe ratio by the Cornuejols–Tütüncü homogenisation (Optimization Methods in Finance,
 * §8.2): with excess returns m = μ − r_f·1 and the feasible set F = {w : 0 ≤ w ≤ u, budget,
 * turnover}, substitute y = κw (κ > 0) and normalise mᵀy = 1; maximising mᵀw/√(wᵀΣw) becomes
 *
 *   min yᵀΣy   s.t.  mᵀy = 1,  y ≥ 0,  (y, κ) ∈ cone(F)
 *
 * a convex QP; w = y/κ. Cash earns r_f, so the Sharpe ratio of a portfolio with cash is mᵀw/σ(w).
 *
 * - Fully invested: κ = 1ᵀy is eliminated (rows y_i − u_i·1ᵀy ≤ 0, and turnover rows
 *   t_i ≥ |y_i − w0_i·1ᵀy|, Σt ≤ τ·1ᵀy).
 * - With cash: κ is a variable (1ᵀy ≤ κ, 1ᵀy ≥ minInvested·κ, y ≤ uκ, t ≥ |y − κw0|, Σt ≤ τκ).
 *   The Sharpe ratio is scale-invariant, so every feasible κ is optimal; the result uses the
 *   SMALLEST feasible κ (the most invested tangency portfolio), found from the solver's y by a
 *   closed form and, with turnover, a bisection on the convex turnover function of κ. A target
 *   volatility then scales toward cash.
 * - quadprog needs a positive-definite Hessian: κ and (in cash mode) the turnover auxiliaries get
 *   a proximal term 1e-9·mean diag(Σ) (a tiny genuine perturbation); in the fully invested case the
 *   turnover auxiliaries use the exact equivalent of {@link strictEquivalent}.
 *
 * `objective` = Sharpe ratio mᵀw/√(wᵀΣw) of the returned weights (per period).
 */
import type { Matrix, Vector } from "../math/linalg.ts";
import type { AbsForm } from "./portfolio.ts";
import type { QpProblem, SparseRow } from "./qp.ts";
import { generalSolver, solveQp } from "./qp.ts";
import {
  checkDims,
  normalizeConstraints,
  portfolioVol,
  strictEquivalent,
  constraintViolation,
} from "./portfolio.ts";
import { finish } from "./meanVariance.ts";
import type { OptimizerResult, PortfolioConstraints, SolveOptions } from "./types.ts";

/** Inputs of {@link maxSharpe}. */
export interface MaxSharpeInput {
  readonly mu: Vector;
  readonly cov: Matrix;
  /** Per-period return of cash. Default 0. */
  readonly riskFree?: number;
}

/** Sharpe ratio (μ − r_f)ᵀw / √(wᵀΣw) (per period); NaN for zero volatility. */
export function sharpeRatio(w: Vector, mu: Vector, cov: Matrix, riskFree = 0): number {
  const vol = portfolioVol(w, cov);
  let ex = 0;
  for (let i = 0; i < w.length; i++) ex += (mu[i] - riskFree) * w[i];
  return vol > 0 ? ex / vol : NaN;
}

/** Maximum-Sharpe portfolio (see the module comment for the formulation and conventions). */
export function maxSharpe(
  input: MaxSharpeInput,
  constraints: PortfolioConstraints,
  opts: SolveOptions = {},
): OptimizerResult {
  const n = checkDims(input.cov, input.mu);
  const c = normalizeConstraints(n, constraints);
  const rf = input.riskFree ?? 0;
  const m = input.mu.map((x) => x - rf);
  const objectiveOf = (w: Vector) => sharpeRatio(w, input.mu, input.cov, rf);
  if (!m.some((x, i) => x > 0 && c.maxWeight[i] > 0)) {
    const w = new Array<number>(n).fill(0);
    return {
      weights: c.fullyInvested ? w.map(() => NaN) : w,
      cash: c.fullyInvested ? NaN : 1,
      objective: NaN,
      solver: generalSolver(opts),
      status: "no-positive-excess-return",
      constraintViolation: c.fullyInvested ? NaN : constraintViolation(w, c),
      volatility: c.fullyInvested ? NaN : 0,
      message: "no asset has a positive excess return over the risk-free rate",
    };
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  const ones = new Array<number>(n).fill(1);
  const cash = !c.fullyInvested;
  const kIdx = n; // κ, cash mode only
  const tOff = cash ? n + 1 : n;
  const nv = tOff + (c.turnover ? n : 0);
  const rows: SparseRow[] = [{ idx, val: m, lo: 1, hi: 1 }];
  // "κ·v" as a sparse term: the variable κ (cash) or 1ᵀy (fully invested).
  const kappaTerm = (coef: number): { idx: number[]; val: number[] } =>
    cash ? { idx: [kIdx], val: [coef] } : { idx, val: ones.map(() => coef) };
  const addTerms = (a: { idx: number[]; val: number[] }, b: { idx: number[]; val: number[] }) => {
    const map = new Map<number, number>();
    a.idx.forEach((j, q) => map.set(j, (map.get(j) ?? 0) + a.val[q]));
    b.idx.forEach((j, q) => map.set(j, (map.get(j) ?? 0) + b.val[q]));
    return { idx: [...map.keys()], val: [...map.values()] };
  };
  if (cash) {
    rows.push({ idx: [...idx, kIdx], val: [...ones, -1], lo: -Infinity, hi: 0 });
    if (c.minInvested > 0)
      rows.push({ idx: [...idx, kIdx], val: [...ones, -c.minInvested], lo: 0, hi: Infinity });
  }
  for (let i = 0; i < n; i++) {
    if (c.maxWeight[i] < 1 || cash) {
      if (!cash && c.maxWeight[i] >= 1) continue;
      rows.push({
        ...addTerms({ idx: [i], val: [1] }, kappaTerm(-c.maxWeight[i])),
        lo: -Infinity,
        hi: 0,
      });
    }
  }
  if (c.turnover) {
    const w0 = c.turnover.current;
    for (let i = 0; i < n; i++) {
      rows.push({
        ...addTerms(
          addTerms({ idx: [tOff + i], val: [1] }, { idx: [i], val: [-1] }),
          kappaTerm(w0[i]),
        ),
        lo: 0,
        hi: Infinity,
      });
      rows.push({
        ...addTerms(
          addTerms({ idx: [tOff + i], val: [1] }, { idx: [i], val: [1] }),
          kappaTerm(-w0[i]),
        ),
        lo: 0,
        hi: Infinity,
      });
    }
    rows.push({
      ...addTerms({ idx: idx.map((i) => tOff + i), val: ones }, kappaTerm(-c.turnover.limit)),
      lo: -Infinity,
      hi: 0,
    });
  }
  const p: QpProblem = {
    n: nv,
    Q: input.cov.map((r) => r.map((v) => 2 * v)),
    c: new Array<number>(nv).fill(0),
    lb: new Array<number>(nv).fill(0),
    ub: new Array<number>(nv).fill(Infinity),
    rows,
  };
  let solvedP = p;
  if (generalSolver(opts) === "quadprog" && nv > n) {
    if (cash) {
      const prox = [kIdx, ...(c.turnover ? idx.map((i) => tOff + i) : [])];
      solvedP = strictEquivalent(p, [], prox);
    } else {
      const w0 = c.turnover!.current;
      const forms: AbsForm[] = idx.map((i) => ({
        t: tOff + i,
        a: idx.map((j) => (j === i ? 1 : 0) - w0[i]),
        b: 0,
      }));
      solvedP = strictEquivalent(p, forms);
    }
  }
  const sol = solveQp(solvedP, opts);
  if (sol.status !== "optimal") return finish({ p: solvedP, sol }, c, input.cov, objectiveOf);
  const y = sol.x.slice(0, n).map((v) => Math.max(0, v));
  const sumY = y.reduce((a, b) => a + b, 0);
  let kappa = sumY;
  if (cash) kappa = minimalKappa(y, sol.x[kIdx], c.maxWeight, c.turnover);
  // Hand `finish` the weights in place of y (it cleans, scales to target vol, measures).
  const xW = [...y.map((v) => v / kappa), ...sol.x.slice(n)];
  return finish(
    { p: solvedP, sol: { ...sol, x: xW } },
    c,
    input.cov,
    objectiveOf,
    undefined,
    true,
    sol.iterations,
    sol.x,
  );
}

/**
 * Smallest κ with y/κ feasible: κ ≥ 1ᵀy, κ ≥ y_i/u_i, and (with turnover) Σ|y − κw0| ≤ τκ.
 * The turnover function g(κ) = Σ|y − κw0| − τκ is convex, so its sublevel set is an interval that
 * contains the solver's κ; bisection between the closed-form lower bound and that κ finds its
 * left end.
 */
export function minimalKappa(
  y: Vector,
  solverKappa: number,
  u: Vector,
  turnover?: { readonly current: Vector; readonly limit: number },
): number {
  let lo = y.reduce((a, b) => a + b, 0);
  y.forEach((v, i) => {
    if (u[i] > 0) lo = Math.max(lo, v / u[i]);
  });
  if (!turnover) return lo;
  const g = (k: number) =>
    y.reduce((s, v, i) => s + Math.abs(v - k * turnover.current[i]), 0) - turnover.limit * k;
  if (g(lo) <= 0) return lo;
  let hi = Math.max(lo, solverKappa);
  if (g(hi) > 1e-9 * hi) return hi;
  let a = lo;
  for (let it = 0; it < 200 && hi - a > 1e-15 * hi; it++) {
    const mid = 0.5 * (a + hi);
    if (g(mid) <= 0) hi = mid;
    else a = mid;
  }
  return hi;
}
