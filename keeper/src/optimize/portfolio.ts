/**
 * Constraint normalisation, feasibility measurement and QP building blocks shared by the
 * optimizers (budget, box, turnover), plus the vault's bps → fraction conversion.
 */
import type { Matrix, Vector } from "../math/linalg.ts";
import type { QpProblem, SparseRow } from "./qp.ts";
import { OptimizerError } from "./types.ts";
import type { PortfolioConstraints } from "./types.ts";

/** Normalised constraints: explicit caps and numbers. */
export interface NormalizedConstraints {
  readonly n: number;
  readonly maxWeight: Vector;
  readonly fullyInvested: boolean;
  readonly minInvested: number;
  readonly turnover?: { readonly current: Vector; readonly limit: number };
  readonly targetVol?: number;
}

/** Convert on-chain max weights in basis points (10 000 = 100%) to fractions. */
export function bpsToFractions(bps: readonly (number | bigint)[]): Vector {
  return bps.map((b) => {
    const v = Number(b);
    if (!Number.isFinite(v) || v < 0 || v > 10_000) {
      throw new OptimizerError(
        "INVALID_INPUT",
        `max weight ${String(b)} bps is outside [0, 10000]`,
      );
    }
    return v / 10_000;
  });
}

/** Validate and fill defaults. Throws INVALID_INPUT on malformed values. */
export function normalizeConstraints(
  n: number,
  c: PortfolioConstraints = {},
): NormalizedConstraints {
  const mw = c.maxWeight ?? 1;
  const maxWeight = typeof mw === "number" ? new Array<number>(n).fill(mw) : [...mw];
  if (maxWeight.length !== n)
    throw new OptimizerError("INVALID_INPUT", `maxWeight has ${maxWeight.length} != ${n}`);
  if (maxWeight.some((u) => !(u >= 0 && u <= 1)))
    throw new OptimizerError("INVALID_INPUT", "maxWeight outside [0, 1]");
  const minInvested = c.minInvested ?? 0;
  if (!(minInvested >= 0 && minInvested <= 1))
    throw new OptimizerError("INVALID_INPUT", "minInvested outside [0, 1]");
  let turnover: NormalizedConstraints["turnover"];
  if (c.turnover) {
    if (c.turnover.current.length !== n)
      throw new OptimizerError("INVALID_INPUT", "turnover.current length");
    if (!(c.turnover.limit >= 0))
      throw new OptimizerError("INVALID_INPUT", "turnover.limit must be ≥ 0");
    turnover = { current: [...c.turnover.current], limit: c.turnover.limit };
  }
  if (c.targetVol !== undefined && !(c.targetVol > 0))
    throw new OptimizerError("INVALID_INPUT", "targetVol must be > 0");
  return {
    n,
    maxWeight,
    fullyInvested: c.fullyInvested ?? false,
    minInvested,
    turnover,
    targetVol: c.targetVol,
  };
}

/** Check a square covariance and optional vectors have consistent sizes; returns N. */
export function checkDims(cov: Matrix, ...vecs: (readonly number[] | undefined)[]): number {
  const n = cov.length;
  if (n === 0) throw new OptimizerError("INVALID_INPUT", "empty covariance");
  for (const r of cov)
    if (r.length !== n) throw new OptimizerError("INVALID_INPUT", "covariance is not square");
  for (const v of vecs)
    if (v && v.length !== n)
      throw new OptimizerError("INVALID_INPUT", `vector length ${v.length} != ${n}`);
  return n;
}

/** Largest violation of long-only, box, budget and turnover constraints by w (0 when feasible). */
export function constraintViolation(w: Vector, c: NormalizedConstraints): number {
  let v = 0;
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    v = Math.max(v, -w[i], w[i] - c.maxWeight[i]);
    s += w[i];
  }
  if (c.fullyInvested) v = Math.max(v, Math.abs(s - 1));
  else v = Math.max(v, s - 1, c.minInvested - s);
  if (c.turnover) {
    let t = 0;
    for (let i = 0; i < w.length; i++) t += Math.abs(w[i] - c.turnover.current[i]);
    v = Math.max(v, t - c.turnover.limit);
  }
  return Math.max(0, v);
}

/** √(wᵀΣw). */
export function portfolioVol(w: Vector, cov: Matrix): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    let r = 0;
    for (let j = 0; j < w.length; j++) r += cov[i][j] * w[j];
    s += w[i] * r;
  }
  return Math.sqrt(Math.max(0, s));
}

/**
 * Rows for the budget and (optionally) turnover on weight variables x[0..n): budget
 * minInvested ≤ Σw ≤ 1 (or = 1); turnover t_i ≥ ±(w_i − w0_i) with t at x[tOffset + i] and Σt ≤ τ.
 */
export function budgetAndTurnoverRows(c: NormalizedConstraints, tOffset: number): SparseRow[] {
  const n = c.n;
  const idx = Array.from({ length: n }, (_, i) => i);
  const ones = new Array<number>(n).fill(1);
  const rows: SparseRow[] = [
    c.fullyInvested
      ? { idx, val: ones, lo: 1, hi: 1 }
      : { idx, val: ones, lo: c.minInvested > 0 ? c.minInvested : -Infinity, hi: 1 },
  ];
  if (c.turnover) {
    const w0 = c.turnover.current;
    for (let i = 0; i < n; i++) {
      rows.push({ idx: [tOffset + i, i], val: [1, -1], lo: -w0[i], hi: Infinity });
      rows.push({ idx: [tOffset + i, i], val: [1, 1], lo: w0[i], hi: Infinity });
    }
    rows.push({ idx: idx.map((i) => tOffset + i), val: ones, lo: -Infinity, hi: c.turnover.limit });
  }
  return rows;
}

/** |ℓ(x)| ≤ t with ℓ(x) = aᵀx + b: the auxiliary t sits at index `t`; `a` is dense over the Hessian block. */
export interface AbsForm {
  readonly t: number;
  readonly a: Vector;
  readonly b: number;
}

/**
 * Strictly convex equivalent of a QP whose Hessian block covers the first k variables and whose
 * remaining variables are turnover auxiliaries t ≥ |ℓ(x)| (listed in `forms`) or scale variables
 * (listed in `prox`) — for quadprog, which needs a positive-definite D.
 *
 * For the auxiliaries add Σ δ/2 (t² − ℓ(x)²). At any feasible point t ≥ |ℓ(x)|, so the objective
 * does not decrease, with equality at t = |ℓ(x)|, which (for fixed x) is feasible and minimises
 * ‖t‖²: the minimisers in x coincide EXACTLY. δ starts at 1e-4·mean diag(Q) and is halved until the
 * shifted block Q − δΣaaᵀ passes a Cholesky test.
 *
 * Variables in `prox` (the max-Sharpe scale κ in cash mode) get a proximal ε/2·κ² with
 * ε = proxRel·mean diag(Q): this is a genuine (tiny) perturbation, documented where used.
 */
export function strictEquivalent(
  p: QpProblem,
  forms: readonly AbsForm[],
  prox: readonly number[] = [],
  proxRel = 1e-9,
): QpProblem {
  const k = p.Q.length;
  const meanDiag = p.Q.reduce((s, r, i) => s + r[i], 0) / Math.max(1, k);
  const shift = (delta: number): Matrix => {
    const S = p.Q.map((r) => [...r]);
    for (const f of forms) {
      for (let i = 0; i < k; i++) {
        if (f.a[i] === 0) continue;
        for (let j = 0; j < k; j++) S[i][j] -= delta * f.a[i] * f.a[j];
      }
    }
    return S;
  };
  let delta = 1e-4 * meanDiag;
  let block = shift(delta);
  for (let attempt = 0; attempt < 60 && forms.length > 0 && !isPositiveDefinite(block); attempt++) {
    delta /= 2;
    block = shift(delta);
  }
  const Q = padMatrix(block, p.n);
  const c = [...p.c];
  for (const f of forms) {
    Q[f.t][f.t] += delta;
    for (let i = 0; i < k; i++) c[i] -= delta * f.b * f.a[i];
  }
  for (const i of prox) Q[i][i] += proxRel * meanDiag;
  return { ...p, Q, c };
}

function isPositiveDefinite(Q: Matrix): boolean {
  const n = Q.length;
  const L: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = Q[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (!(s > 0)) return false;
        L[i][i] = Math.sqrt(s);
      } else L[i][j] = s / L[j][j];
    }
  }
  return true;
}

/** Pad a k×k matrix to N×N with zeros. */
export function padMatrix(Q: Matrix, N: number): Matrix {
  return Array.from({ length: N }, (_, i) =>
    Array.from({ length: N }, (_, j) => (i < Q.length && j < Q.length ? Q[i][j] : 0)),
  );
}

/** Clean tiny negative round-off (|w_i| < 1e-12 → 0, clamp to [0, u]) without hiding real violations. */
export function cleanWeights(x: Vector, n: number, u: Vector): Vector {
  return x.slice(0, n).map((v, i) => {
    if (v < 0 && v > -1e-10) return 0;
    if (v > u[i] && v < u[i] + 1e-10) return u[i];
    return v;
  });
}
