/**
 * The no-trade rule: rebalance only when the certainty-equivalent gain over the holding horizon
 * beats the total trading cost.
 *
 *   CE_H(w) = H·(μᵀw + r_f(1 − Σw)) − γ/2·H·wᵀΣw        (i.i.d. returns: mean and variance ∝ H)
 *   gain    = NAV·(CE_H(target) − CE_H(current))         (base units)
 *   trade  ⇔ gain > Σ_i cost_i(|target_i − current_i|·NAV) + hurdle
 *
 * Otherwise a typed "no-trade" decision carries the numbers. {@link bestPartialRebalance} also
 * searches the segment current → target for the fraction θ with the best net gain (the boundary
 * of the no-trade region along that direction).
 */
import type { Matrix, Vector } from "../math/linalg.ts";
import { CostError } from "./impact.ts";

/** Cost in base units of trading `value` (base units, signed: + buy, − sell) of asset i. */
export type AssetCostFn = (asset: number, value: number) => number;

/** Inputs of the decision rule. */
export interface RebalanceInput {
  readonly mu: Vector;
  readonly cov: Matrix;
  readonly gamma: number;
  readonly riskFree?: number;
  /** Holding horizon in periods of μ and Σ. */
  readonly horizon: number;
  readonly current: Vector;
  readonly target: Vector;
  /** Vault NAV in base units. */
  readonly nav: number;
  readonly cost: AssetCostFn;
  /** Extra margin the gain must beat (base units). Default 0. */
  readonly hurdle?: number;
}

/** One leg of a rebalance. */
export interface TradeLeg {
  readonly asset: number;
  /** Signed value in base units (+ buy, − sell). */
  readonly value: number;
  readonly cost: number;
}

/** Numbers behind every decision. */
export interface DecisionNumbers {
  readonly ceCurrent: number;
  readonly ceTarget: number;
  /** NAV·(CE_target − CE_current), base units. */
  readonly gain: number;
  /** Total cost, base units. */
  readonly cost: number;
  /** gain − cost − hurdle. */
  readonly net: number;
}

/** Typed decision. */
export type RebalanceDecision =
  | ({ readonly kind: "trade"; readonly legs: readonly TradeLeg[] } & DecisionNumbers)
  | ({
      readonly kind: "no-trade";
      readonly reason: "gain-below-cost" | "no-change";
    } & DecisionNumbers);

/** CE over the horizon (return units). */
export function horizonCe(
  w: Vector,
  mu: Vector,
  cov: Matrix,
  gamma: number,
  horizon: number,
  riskFree = 0,
): number {
  let m = 0;
  let inv = 0;
  let v = 0;
  for (let i = 0; i < w.length; i++) {
    m += mu[i] * w[i];
    inv += w[i];
    let r = 0;
    for (let j = 0; j < w.length; j++) r += cov[i][j] * w[j];
    v += w[i] * r;
  }
  return horizon * (m + riskFree * (1 - inv)) - 0.5 * gamma * horizon * v;
}

function validate(x: RebalanceInput): void {
  const n = x.mu.length;
  if (x.cov.length !== n || x.current.length !== n || x.target.length !== n) {
    throw new CostError("INVALID_INPUT", "mu, cov, current and target must have the same length");
  }
  if (!(x.horizon > 0) || !(x.nav >= 0) || !(x.gamma >= 0))
    throw new CostError("INVALID_INPUT", "horizon, nav, gamma");
}

/** Legs and total cost of moving from `from` to `to`. */
export function tradeLegs(from: Vector, to: Vector, nav: number, cost: AssetCostFn): TradeLeg[] {
  const legs: TradeLeg[] = [];
  for (let i = 0; i < from.length; i++) {
    const value = (to[i] - from[i]) * nav;
    if (value !== 0) legs.push({ asset: i, value, cost: cost(i, value) });
  }
  return legs;
}

/** Decide whether to rebalance fully from `current` to `target` (see module comment). */
export function decideRebalance(x: RebalanceInput): RebalanceDecision {
  validate(x);
  const rf = x.riskFree ?? 0;
  const ceCurrent = horizonCe(x.current, x.mu, x.cov, x.gamma, x.horizon, rf);
  const ceTarget = horizonCe(x.target, x.mu, x.cov, x.gamma, x.horizon, rf);
  const legs = tradeLegs(x.current, x.target, x.nav, x.cost);
  const gain = x.nav * (ceTarget - ceCurrent);
  const cost = legs.reduce((s, l) => s + l.cost, 0);
  const net = gain - cost - (x.hurdle ?? 0);
  const numbers = { ceCurrent, ceTarget, gain, cost, net };
  if (legs.length === 0) return { kind: "no-trade", reason: "no-change", ...numbers };
  if (net > 0) return { kind: "trade", legs, ...numbers };
  return { kind: "no-trade", reason: "gain-below-cost", ...numbers };
}

/**
 * Best partial move w(θ) = current + θ(target − current), θ ∈ [0, 1]: maximises
 * gain(θ) − cost(θ) by golden-section search (gain is concave in θ; with convex per-asset costs
 * plus a fixed gas charge the net is unimodal on (0, 1]). Returns θ = 0 (no trade) when no θ
 * has a positive net.
 */
export function bestPartialRebalance(
  x: RebalanceInput,
  tol = 1e-6,
): { theta: number; decision: RebalanceDecision } {
  validate(x);
  const at = (theta: number) =>
    decideRebalance({ ...x, target: x.current.map((c, i) => c + theta * (x.target[i] - c)) });
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = 0;
  let b = 1;
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = at(c).net;
  let fd = at(d).net;
  while (b - a > tol) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = at(c).net;
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = at(d).net;
    }
  }
  const candidates = [0.5 * (a + b), 1].map((theta) => ({ theta, decision: at(theta) }));
  const best = candidates.reduce((p, q) => (q.decision.net > p.decision.net ? q : p));
  if (best.decision.kind === "trade") return best;
  return { theta: 0, decision: decideRebalance({ ...x, target: x.current }) };
}
