/**
 * Minimum CVaR by the Rockafellar–Uryasev LP over T return scenarios r_t (rows of `scenarios`):
 *
 *   min α + 1/((1−β)T) Σ_t u_t
 *   s.t. u_t ≥ L_t(w) − α,  u_t ≥ 0,   L_t(w) = −(r_tᵀw + r_f(1 − Σw))  (loss, cash earns r_f)
 *        box, budget, optional turnover, optional return floor.
 *
 * At the optimum α is a β-VaR and the objective equals the empirical CVaR_β of the losses
 * ({@link empiricalCvar}). LP → HiGHS only (quadprog needs a strictly convex QP).
 * `objective` = empirical CVaR_β of the returned weights' scenario losses.
 */
import type { Matrix, Vector } from "../math/linalg.ts";
import type { QpProblem, SparseRow } from "./qp.ts";
import { generalSolver, kktResiduals, solveQp } from "./qp.ts";
import {
  budgetAndTurnoverRows,
  cleanWeights,
  constraintViolation,
  normalizeConstraints,
  portfolioVol,
} from "./portfolio.ts";
import { OptimizerError } from "./types.ts";
import type { OptimizerResult, PortfolioConstraints, SolveOptions } from "./types.ts";

/**
 * Empirical CVaR_β of a loss sample: the mean of the worst (1−β)T losses, with the boundary
 * loss weighted fractionally — exactly min_α α + Σ(L−α)⁺/((1−β)T).
 */
export function empiricalCvar(losses: readonly number[], beta: number): number {
  if (!(beta >= 0 && beta < 1) || losses.length === 0)
    throw new OptimizerError("INVALID_INPUT", "empiricalCvar: beta or empty");
  const s = [...losses].sort((a, b) => b - a);
  const k = (1 - beta) * s.length;
  const whole = Math.floor(k);
  let sum = 0;
  for (let i = 0; i < whole; i++) sum += s[i];
  if (whole < s.length) sum += (k - whole) * s[whole];
  return sum / k;
}

/** Scenario losses −(r_tᵀw + r_f(1 − Σw)). */
export function scenarioLosses(scenarios: Matrix, w: Vector, riskFree = 0): Vector {
  const inv = w.reduce((a, b) => a + b, 0);
  return scenarios.map((r) => -(r.reduce((s, v, i) => s + v * w[i], 0) + riskFree * (1 - inv)));
}

/** Inputs of {@link minCvar}. */
export interface MinCvarInput {
  /** T×N per-period return scenarios (historical or simulated). */
  readonly scenarios: Matrix;
  /** Confidence level β, e.g. 0.95. */
  readonly beta: number;
  readonly riskFree?: number;
  /** Optional floor on the mean scenario return μ̄ᵀw + r_f(1−Σw) ≥ minReturn. */
  readonly minReturn?: number;
  /** Covariance used only for the target-volatility scaling and the reported volatility. */
  readonly cov?: Matrix;
}

/** Minimum-CVaR portfolio (HiGHS LP). With `targetVol` (needs `cov`) weights scale toward cash. */
export function minCvar(
  input: MinCvarInput,
  constraints: PortfolioConstraints,
  opts: SolveOptions,
): OptimizerResult {
  if (generalSolver(opts) !== "highs")
    throw new OptimizerError("UNSUPPORTED", "min-CVaR is an LP: use solver 'highs'");
  const T = input.scenarios.length;
  if (T === 0) throw new OptimizerError("INVALID_INPUT", "no scenarios");
  const n = input.scenarios[0].length;
  if (input.scenarios.some((r) => r.length !== n))
    throw new OptimizerError("INVALID_INPUT", "ragged scenarios");
  if (!(input.beta > 0 && input.beta < 1))
    throw new OptimizerError("INVALID_INPUT", "beta must be in (0, 1)");
  const c = normalizeConstraints(n, constraints);
  if (c.targetVol !== undefined && !input.cov)
    throw new OptimizerError("INVALID_INPUT", "targetVol needs cov");
  const rf = input.riskFree ?? 0;
  // Layout: w [0,n), t [n,2n) if turnover, α, u [.., +T).
  const tOff = n;
  const aIdx = c.turnover ? 2 * n : n;
  const uOff = aIdx + 1;
  const nv = uOff + T;
  const rows: SparseRow[] = budgetAndTurnoverRows(c, tOff);
  const wIdx = Array.from({ length: n }, (_, i) => i);
  for (let t = 0; t < T; t++) {
    rows.push({
      idx: [...wIdx, aIdx, uOff + t],
      val: [...input.scenarios[t].map((v) => v - rf), 1, 1],
      lo: -rf,
      hi: Infinity,
    });
  }
  if (input.minReturn !== undefined) {
    const mean = wIdx.map((i) => input.scenarios.reduce((s, r) => s + r[i], 0) / T);
    rows.push({ idx: wIdx, val: mean.map((m) => m - rf), lo: input.minReturn - rf, hi: Infinity });
  }
  const cost = new Array<number>(nv).fill(0);
  cost[aIdx] = 1;
  const k = 1 / ((1 - input.beta) * T);
  for (let t = 0; t < T; t++) cost[uOff + t] = k;
  const lb = new Array<number>(nv).fill(0);
  const ub = new Array<number>(nv).fill(Infinity);
  for (let i = 0; i < n; i++) ub[i] = c.maxWeight[i];
  lb[aIdx] = -Infinity;
  const p: QpProblem = { n: nv, Q: [], c: cost, lb, ub, rows };
  const sol = solveQp(p, opts);
  if (sol.status !== "optimal") {
    return {
      weights: new Array<number>(n).fill(NaN),
      cash: NaN,
      objective: NaN,
      solver: "highs",
      iterations: sol.iterations,
      status: sol.status,
      constraintViolation: NaN,
      volatility: NaN,
      message: sol.message,
    };
  }
  let w = cleanWeights(sol.x, n, c.maxWeight);
  let report;
  if (c.targetVol !== undefined && input.cov) {
    const vol = portfolioVol(w, input.cov);
    if (vol > c.targetVol && !c.fullyInvested) {
      const inv = w.reduce((a, b) => a + b, 0);
      const s = Math.min(1, Math.max(c.targetVol / vol, inv > 0 ? c.minInvested / inv : 0));
      w = w.map((v) => v * s);
      report = {
        target: c.targetVol,
        volBefore: vol,
        volAfter: portfolioVol(w, input.cov),
        action: "scaled-to-cash" as const,
        value: s,
      };
    } else {
      const action = vol > c.targetVol ? ("unreachable" as const) : ("not-binding" as const);
      report = { target: c.targetVol, volBefore: vol, volAfter: vol, action };
    }
  }
  return {
    weights: w,
    cash: 1 - w.reduce((a, b) => a + b, 0),
    objective: empiricalCvar(scenarioLosses(input.scenarios, w, rf), input.beta),
    solver: "highs",
    iterations: sol.iterations,
    status: "optimal",
    kkt: kktResiduals(p, sol.x, sol.rowDual, sol.colDual),
    constraintViolation: constraintViolation(w, c),
    volatility: input.cov ? portfolioVol(w, input.cov) : NaN,
    ...(report ? { targetVol: report } : {}),
  };
}
