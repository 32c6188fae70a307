/**
 * Purpose-built dense solver for the box + budget QP family of the long-only optimizers:
 *
 *   minimize ½ wᵀQw + cᵀw   subject to   l ≤ w ≤ u,   lo ≤ 1ᵀw ≤ hi
 *
 * (Q symmetric PSD; lo = hi for a fully invested budget, lo = −∞ or a floor with cash allowed, the
 * budget row may also be absent). Minimum variance is c = 0, mean-variance c = −(μ − r_f).
 *
 * Method, in two phases that share one linear-algebra kernel (a Cholesky factorisation of the
 * free block Q_FF, refactorised per iteration: N³/6 multiply–adds at most, and the free block
 * usually shrinks fast):
 *
 * 1. Primal–dual active set (Hintermüller–Ito–Kunisch semismooth Newton on the KKT system): guess
 *    which variables sit at which bound and whether the budget binds, solve the equality-constrained
 *    QP on the free block in closed form (w_F = Q_FF⁻¹(r + ν1), ν from the budget), then move every
 *    free variable that left its box to that bound and free every bound variable whose multiplier
 *    has the wrong sign, all at once. When the guess repeats, the iterate satisfies the KKT
 *    conditions exactly (up to the backward error of the Cholesky solve). Typically 3–8 iterations.
 *    The first guess is "all free", except for minimum variance (c ≡ 0, fully invested, N ≥ 30),
 *    where only the ⌈N/4⌉ lowest-variance assets start free (the optimum usually holds a small
 *    subset, so no N×N factorisation is ever formed; if that start fails, PDAS restarts all free).
 *    Products with x skip the bound variables sitting at 0: O(N·k) per iteration, not O(N²).
 * 2. PDAS may cycle on matrices that are not M-matrices (covariances with positive correlations),
 *    and it cannot handle a singular free block or a budget with no free variable. In those cases the
 *    last iterate is projected onto the feasible set and a classical primal active-set method
 *    (Nocedal & Wright, Algorithm 16.3) finishes: one working-set change per iteration, a linearly
 *    independent working set (the budget never binds with every variable at a bound), blocking
 *    constraints by a ratio test, and removal of the constraint with the most negative multiplier.
 *    A singular free block is factorised with a small diagonal shift δI (the step is then a descent
 *    direction, clipped by the ratio test or repeated until it vanishes; stationarity is still
 *    tested exactly).
 *
 * Multipliers use the convention of qp.ts: Qw + c = ν·1 + z, with z_i ≥ 0 at a lower bound,
 * z_i ≤ 0 at an upper bound, ν ≥ 0 when the budget sits at `lo`, ν ≤ 0 at `hi` (free sign when
 * lo = hi). Infeasible boxes/budgets, malformed input and the iteration cap raise
 * {@link ActiveSetError}.
 */
import type { Matrix, Vector } from "../math/linalg.ts";
import type { QpProblem, QpSolution } from "./qp.ts";

/** Error codes of the active-set solver. */
export type ActiveSetErrorCode = "INVALID_INPUT" | "INFEASIBLE" | "ITERATION_LIMIT";

/** Typed error of the active-set solver. */
export class ActiveSetError extends Error {
  readonly code: ActiveSetErrorCode;
  constructor(code: ActiveSetErrorCode, message: string) {
    super(message);
    this.name = "ActiveSetError";
    this.code = code;
  }
}

/** ½wᵀQw + cᵀw s.t. lb ≤ w ≤ ub and (optionally) budget.lo ≤ 1ᵀw ≤ budget.hi. */
export interface BoxBudgetQp {
  /** Dense symmetric positive semi-definite N×N Hessian. */
  readonly Q: Matrix;
  readonly c: Vector;
  /** Finite lower bounds. */
  readonly lb: Vector;
  /** Upper bounds (+Infinity allowed only when Q is positive definite). */
  readonly ub: Vector;
  /** Budget row lo ≤ Σw ≤ hi (lo = hi: fully invested; ±Infinity for a missing side). */
  readonly budget?: { readonly lo: number; readonly hi: number };
}

/** Options of {@link solveBoxBudgetQp}. */
export interface ActiveSetOptions {
  /** Cap on PDAS iterations before switching to the primal method. Default 50. */
  readonly maxPdasIterations?: number;
  /** Cap on primal active-set iterations. Default 20·N + 100. */
  readonly maxIterations?: number;
  /**
   * Try a reduced initial free set first for minimum-variance problems (c ≡ 0, fully invested,
   * N ≥ 30; see `warmStartFree`), falling back to the all-free guess. Default true.
   */
  readonly warmStart?: boolean;
}

/** Solution of {@link solveBoxBudgetQp}. */
export interface ActiveSetSolution {
  readonly x: Vector;
  /** ½xᵀQx + cᵀx. */
  readonly objective: number;
  /** Budget multiplier ν (0 when the budget is absent or not binding). */
  readonly budgetDual: number;
  /** Bound multipliers z (0 for free variables). */
  readonly boundDual: Vector;
  /** PDAS iterations + primal iterations. */
  readonly iterations: number;
  /** "pdas" when phase 1 converged on its own, "primal" when phase 2 finished. */
  readonly phase: "pdas" | "primal";
}

const FREE = 0;
const LOWER = -1;
const UPPER = 1;

/** Internal, validated problem in flat typed arrays. */
interface Prob {
  readonly n: number;
  readonly Q: Float64Array;
  readonly c: Float64Array;
  readonly l: Float64Array;
  readonly u: Float64Array;
  readonly hasBudget: boolean;
  readonly lo: number;
  readonly hi: number;
  readonly eq: boolean;
  readonly fixed: Uint8Array;
  /** Multiplier sign tolerance (relative to the problem's gradient scale). */
  readonly tolz: number;
  /** Pivot floor of the Cholesky factorisation. */
  readonly pivTol: number;
  readonly maxDiag: number;
}

function prepare(p: BoxBudgetQp): Prob {
  const n = p.Q.length;
  if (n === 0) throw new ActiveSetError("INVALID_INPUT", "empty problem");
  if (p.c.length !== n || p.lb.length !== n || p.ub.length !== n)
    throw new ActiveSetError("INVALID_INPUT", `vector lengths differ from N = ${n}`);
  const Q = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    const row = p.Q[i];
    if (row.length !== n) throw new ActiveSetError("INVALID_INPUT", "Q is not square");
    for (let j = 0; j < n; j++) {
      const v = row[j];
      if (!Number.isFinite(v)) throw new ActiveSetError("INVALID_INPUT", `Q[${i}][${j}] = ${v}`);
      Q[i * n + j] = v;
    }
    if (!(row[i] >= 0)) throw new ActiveSetError("INVALID_INPUT", `Q[${i}][${i}] = ${row[i]} < 0`);
    maxDiag = Math.max(maxDiag, row[i]);
  }
  const c = Float64Array.from(p.c);
  const l = Float64Array.from(p.lb);
  const u = Float64Array.from(p.ub);
  const fixed = new Uint8Array(n);
  let maxC = 0;
  let sumL = 0;
  let sumU = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(c[i])) throw new ActiveSetError("INVALID_INPUT", `c[${i}] = ${c[i]}`);
    if (!Number.isFinite(l[i]) || Number.isNaN(u[i]) || u[i] === -Infinity)
      throw new ActiveSetError("INVALID_INPUT", `bounds [${l[i]}, ${u[i]}] of w[${i}]`);
    if (l[i] > u[i])
      throw new ActiveSetError(
        "INFEASIBLE",
        `lower bound ${l[i]} > upper bound ${u[i]} of w[${i}]`,
      );
    if (l[i] === u[i]) fixed[i] = 1;
    maxC = Math.max(maxC, Math.abs(c[i]));
    sumL += l[i];
    sumU += u[i];
  }
  const hasBudget = p.budget !== undefined;
  const lo = p.budget?.lo ?? -Infinity;
  const hi = p.budget?.hi ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi || lo === Infinity || hi === -Infinity)
    throw new ActiveSetError("INVALID_INPUT", `budget [${lo}, ${hi}]`);
  const slack = 1e-12 * (1 + Math.abs(sumL) + Math.abs(Number.isFinite(sumU) ? sumU : 0));
  if (sumL > hi + slack)
    throw new ActiveSetError("INFEASIBLE", `Σ lower bounds ${sumL} exceed the budget cap ${hi}`);
  if (sumU < lo - slack)
    throw new ActiveSetError(
      "INFEASIBLE",
      `Σ upper bounds ${sumU} are below the budget floor ${lo}`,
    );
  let maxW = 1;
  for (let i = 0; i < n; i++) {
    maxW = Math.max(maxW, Math.abs(l[i]));
    if (Number.isFinite(u[i])) maxW = Math.max(maxW, Math.abs(u[i]));
  }
  const scale = Math.max(maxDiag * maxW, maxC, Number.MIN_VALUE);
  return {
    n,
    Q,
    c,
    l,
    u,
    hasBudget,
    lo,
    hi,
    eq: hasBudget && lo === hi,
    fixed,
    tolz: 1e-12 * scale,
    pivTol: 1e-13 * Math.max(maxDiag, Number.MIN_VALUE),
    maxDiag: Math.max(maxDiag, Number.MIN_VALUE),
  };
}

/**
 * In-place Cholesky of Q_FF + δI (k = F.length) into L (row-major, stride k). Returns false at a
 * pivot ≤ pivTol (not numerically positive definite).
 */
function factorFree(P: Prob, F: Int32Array, k: number, L: Float64Array, delta: number): boolean {
  const { n, Q } = P;
  for (let i = 0; i < k; i++) {
    const qi = F[i] * n;
    const li = i * k;
    for (let j = 0; j <= i; j++) {
      const lj = j * k;
      let s = Q[qi + F[j]];
      for (let t = 0; t < j; t++) s -= L[li + t] * L[lj + t];
      if (i === j) {
        s += delta;
        if (!(s > P.pivTol)) return false;
        L[li + i] = Math.sqrt(s);
      } else L[li + j] = s / L[lj + j];
    }
  }
  return true;
}

/**
 * Factorise Q_FF, or when it is singular Q_FF + δI with the smallest δ = 10^{-12..-2}·max diag
 * that works; returns whether a shift was needed.
 */
function factorShifted(P: Prob, F: Int32Array, k: number, L: Float64Array): boolean {
  if (factorFree(P, F, k, L, 0)) return false;
  for (let rel = 1e-12; rel <= 1e-2; rel *= 100)
    if (factorFree(P, F, k, L, rel * P.maxDiag)) return true;
  throw new ActiveSetError("INVALID_INPUT", "free block is not positive semi-definite");
}

/** Solve L Lᵀ y = b in place (b has length k). */
function cholSolve(L: Float64Array, k: number, b: Float64Array): void {
  for (let i = 0; i < k; i++) {
    const li = i * k;
    let s = b[i];
    for (let t = 0; t < i; t++) s -= L[li + t] * b[t];
    b[i] = s / L[li + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i];
    for (let t = i + 1; t < k; t++) s -= L[t * k + i] * b[t];
    b[i] = s / L[i * k + i];
  }
}

/** g = Qx + c. */
function gradient(P: Prob, x: Float64Array, g: Float64Array): void {
  const { n, Q, c } = P;
  for (let i = 0; i < n; i++) {
    const qi = i * n;
    let s = c[i];
    for (let j = 0; j < n; j++) s += Q[qi + j] * x[j];
    g[i] = s;
  }
}

/** Working state shared by both phases. */
interface Work {
  readonly x: Float64Array;
  readonly g: Float64Array;
  readonly state: Int8Array;
  /** Budget: 0 not binding, −1 at lo, +1 at hi (with lo = hi: always −1). */
  budget: number;
  nu: number;
  readonly F: Int32Array;
  /** Cholesky factor of the free block (grown on demand: the free set is often small). */
  L: Float64Array;
  readonly r: Float64Array;
  readonly a: Float64Array;
}

/** w.L with room for a k×k factor (reallocated only when it grows). */
function factorSpace(w: Work, k: number): Float64Array {
  if (w.L.length < k * k) w.L = new Float64Array(k * k);
  return w.L;
}

function collectFree(P: Prob, w: Work): number {
  let k = 0;
  for (let i = 0; i < P.n; i++) if (w.state[i] === FREE) w.F[k++] = i;
  return k;
}

function budgetTarget(P: Prob, side: number): number {
  return side > 0 ? P.hi : P.lo;
}

/**
 * Phase 1. Returns true when the active-set guess stabilised (w.x, w.nu, w.state then hold an
 * exact KKT point); false when the phase gave up (cycle, cap, singular block, empty free set with
 * a binding budget).
 */
function pdas(P: Prob, w: Work, maxIter: number): { converged: boolean; iterations: number } {
  const { n, Q, c, l, u } = P;
  const { x, state, F, r, a } = w;
  const nz = new Int32Array(n);
  const seen = new Set<string>();
  for (let it = 1; it <= maxIter; it++) {
    for (let i = 0; i < n; i++) if (state[i] !== FREE) x[i] = state[i] === LOWER ? l[i] : u[i];
    const k = collectFree(P, w);
    const L = factorSpace(w, k);
    const active = P.hasBudget && w.budget !== 0;
    if (k === 0 && active) return { converged: false, iterations: it };
    // Bound variables away from zero (usually none: long-only lower bounds are 0), so that the
    // products with x below cost O(N·(k + m)) instead of O(N²).
    let m = 0;
    for (let i = 0; i < n; i++) if (state[i] !== FREE && x[i] !== 0) nz[m++] = i;
    if (k > 0) {
      // r = −c_F − Q_FB x_B.
      for (let t = 0; t < k; t++) {
        const i = F[t];
        const qi = i * n;
        let s = -c[i];
        for (let q = 0; q < m; q++) s -= Q[qi + nz[q]] * x[nz[q]];
        r[t] = s;
      }
      if (!factorFree(P, F, k, L, 0)) return { converged: false, iterations: it };
      cholSolve(L, k, r);
      let nu = 0;
      if (active) {
        for (let t = 0; t < k; t++) a[t] = 1;
        cholSolve(L, k, a);
        let fixedSum = 0;
        for (let i = 0; i < n; i++) if (state[i] !== FREE) fixedSum += x[i];
        let sp = 0;
        let sa = 0;
        for (let t = 0; t < k; t++) {
          sp += r[t];
          sa += a[t];
        }
        if (!(sa > 0)) return { converged: false, iterations: it };
        nu = (budgetTarget(P, w.budget) - fixedSum - sp) / sa;
        for (let t = 0; t < k; t++) x[F[t]] = r[t] + nu * a[t];
      } else for (let t = 0; t < k; t++) x[F[t]] = r[t];
      w.nu = nu;
    } else w.nu = 0;
    // New guess.
    let changed = false;
    for (let i = 0; i < n; i++) {
      const s = state[i];
      if (s === FREE) {
        if (x[i] < l[i]) {
          state[i] = LOWER;
          changed = true;
        } else if (x[i] > u[i]) {
          state[i] = UPPER;
          changed = true;
        }
      } else if (!P.fixed[i]) {
        const qi = i * n;
        let gi = c[i];
        for (let t = 0; t < k; t++) gi += Q[qi + F[t]] * x[F[t]];
        for (let q = 0; q < m; q++) gi += Q[qi + nz[q]] * x[nz[q]];
        const z = gi - w.nu;
        if ((s === LOWER && z < -P.tolz) || (s === UPPER && z > P.tolz)) {
          state[i] = FREE;
          changed = true;
        }
      }
    }
    if (P.hasBudget && !P.eq) {
      if (w.budget === 0) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += x[i];
        if (sum > P.hi) w.budget = 1;
        else if (sum < P.lo) w.budget = -1;
        if (w.budget !== 0) changed = true;
      } else if ((w.budget > 0 && w.nu > P.tolz) || (w.budget < 0 && w.nu < -P.tolz)) {
        w.budget = 0;
        changed = true;
      }
    }
    if (!changed) return { converged: true, iterations: it };
    const key = `${w.budget}|${Array.from(state).join("")}`;
    if (seen.has(key)) return { converged: false, iterations: it };
    seen.add(key);
  }
  return { converged: false, iterations: maxIter };
}

/**
 * Project x onto {l ≤ x ≤ u, lo ≤ Σx ≤ hi} by a shift τ (x_i ← clamp(x_i + τ)), bisection on τ, then
 * an exact greedy fix of the last round-off so the budget holds to the last bit where possible.
 */
function projectFeasible(P: Prob, x: Float64Array): void {
  const { n, l, u } = P;
  const clampSum = (tau: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.min(u[i], Math.max(l[i], x[i] + tau));
    return s;
  };
  let sum = clampSum(0);
  let target = NaN;
  if (P.hasBudget) {
    if (sum > P.hi) target = P.hi;
    else if (sum < P.lo) target = P.lo;
    else if (P.eq) target = P.lo;
  }
  let tau = 0;
  if (!Number.isNaN(target)) {
    let a = sum > target ? -1 : 0;
    let b = sum > target ? 0 : 1;
    const sgn = sum > target ? -1 : 1;
    for (let k = 0; k < 200 && (sgn < 0 ? clampSum(a) > target : clampSum(b) < target); k++) {
      if (sgn < 0) a *= 2;
      else b *= 2;
    }
    for (let k = 0; k < 200; k++) {
      const m = 0.5 * (a + b);
      if (m === a || m === b) break;
      if (clampSum(m) > target) b = m;
      else a = m;
    }
    tau = clampSum(b) - target < target - clampSum(a) ? b : a;
  }
  for (let i = 0; i < n; i++) x[i] = Math.min(u[i], Math.max(l[i], x[i] + tau));
  if (Number.isNaN(target)) return;
  sum = 0;
  for (let i = 0; i < n; i++) sum += x[i];
  let diff = target - sum;
  for (let i = 0; i < n && diff !== 0; i++) {
    const room = diff > 0 ? u[i] - x[i] : l[i] - x[i];
    const step = diff > 0 ? Math.min(room, diff) : Math.max(room, diff);
    x[i] += step;
    diff -= step;
  }
}

/** Put the last round-off of a binding budget on the free variables (within their bounds). */
function restoreBudget(P: Prob, w: Work, k: number): void {
  const { x, F, l, u } = { ...w, l: P.l, u: P.u };
  let sum = 0;
  for (let i = 0; i < P.n; i++) sum += x[i];
  let diff = budgetTarget(P, w.budget) - sum;
  for (let t = 0; t < k && diff !== 0; t++) {
    const i = F[t];
    const room = diff > 0 ? u[i] - x[i] : l[i] - x[i];
    const step = diff > 0 ? Math.min(room, diff) : Math.max(room, diff);
    x[i] += step;
    diff -= step;
  }
}

/** Phase 2: primal active-set method from a feasible x (see the module comment). */
function primal(P: Prob, w: Work, maxIter: number): number {
  const { n, l, u } = P;
  const { x, g, state, F, r, a } = w;
  // Working set = every bound the point sits on; the budget when it is an equality or tight.
  let sum = 0;
  for (let i = 0; i < n; i++) {
    state[i] = x[i] === l[i] ? LOWER : x[i] === u[i] ? UPPER : FREE;
    sum += x[i];
  }
  w.budget = 0;
  if (P.hasBudget) {
    if (P.eq || sum <= P.lo) w.budget = -1;
    else if (sum >= P.hi) w.budget = 1;
  }
  const d = new Float64Array(n);
  let lastFull = false;
  for (let it = 1; it <= maxIter; it++) {
    gradient(P, x, g);
    let k = collectFree(P, w);
    if (k === 0 && w.budget !== 0) {
      // Keep the working set independent: release one bound, the one whose release keeps the
      // multiplier signs valid where possible (largest gradient at an upper bound, else smallest
      // at a lower bound).
      let pick = -1;
      for (let i = 0; i < n; i++)
        if (!P.fixed[i] && state[i] === UPPER && (pick < 0 || g[i] > g[pick])) pick = i;
      if (pick < 0)
        for (let i = 0; i < n; i++) if (!P.fixed[i] && (pick < 0 || g[i] < g[pick])) pick = i;
      if (pick < 0) pick = 0;
      state[pick] = FREE;
      k = collectFree(P, w);
    }
    const active = w.budget !== 0;
    let nu = 0;
    let dmax = 0;
    let shifted = false;
    d.fill(0);
    const L = factorSpace(w, k);
    if (k > 0 && !(active && k === 1)) {
      shifted = factorShifted(P, F, k, L);
      for (let t = 0; t < k; t++) r[t] = -g[F[t]];
      cholSolve(L, k, r);
      if (active) {
        for (let t = 0; t < k; t++) a[t] = 1;
        cholSolve(L, k, a);
        let sr = 0;
        let sa = 0;
        for (let t = 0; t < k; t++) {
          sr += r[t];
          sa += a[t];
        }
        nu = -sr / sa;
      }
      let sd = 0;
      for (let t = 0; t < k; t++) {
        const v = r[t] + (active ? nu * a[t] : 0);
        d[F[t]] = v;
        sd += v;
      }
      // Remove the round-off component along 1 (large when a shift amplified r and a, which then
      // cancel) so that steps keep the budget.
      const corr = active ? sd / k : 0;
      for (let t = 0; t < k; t++) {
        const v = d[F[t]] - corr;
        d[F[t]] = v;
        dmax = Math.max(dmax, Math.abs(v));
      }
    }
    // Stationary on the working set when the reduced gradient g_F − ν̂1 vanishes (ν̂ = mean g_F
    // with the budget in the set): tested on the gradient, not on d, which a shift may amplify.
    let gbar = 0;
    if (active && k > 0) {
      for (let t = 0; t < k; t++) gbar += g[F[t]];
      gbar /= k;
    }
    let resMax = 0;
    for (let t = 0; t < k; t++) resMax = Math.max(resMax, Math.abs(g[F[t]] - gbar));
    if (lastFull || resMax <= P.tolz || dmax === 0) {
      // Stationary on the working set: polish with the (tiny) step when it stays feasible, then
      // price the working set.
      if (dmax > 0 && !shifted) {
        let ok = true;
        for (let t = 0; t < k && ok; t++) {
          const i = F[t];
          const v = x[i] + d[i];
          if (v < l[i] || v > u[i]) ok = false;
        }
        if (ok) {
          for (let t = 0; t < k; t++) x[F[t]] += d[F[t]];
          gradient(P, x, g);
        }
      }
      let mult = 0;
      if (active) {
        if (k > 0) {
          for (let t = 0; t < k; t++) mult += g[F[t]];
          mult /= k;
        }
      }
      w.nu = mult;
      let worst = 0;
      let drop = -2;
      for (let i = 0; i < n; i++) {
        if (state[i] === FREE || P.fixed[i]) continue;
        const z = g[i] - mult;
        const viol = state[i] === LOWER ? -z : z;
        if (viol > P.tolz && viol > worst) {
          worst = viol;
          drop = i;
        }
      }
      if (active && !P.eq) {
        const viol = w.budget < 0 ? -mult : mult;
        if (viol > P.tolz && viol > worst) drop = -1;
      }
      if (drop === -2) {
        if (active) restoreBudget(P, w, k);
        return it;
      }
      if (drop === -1) w.budget = 0;
      else state[drop] = FREE;
      lastFull = false;
      continue;
    }
    // Ratio test.
    let alpha = 1;
    let block = -2;
    let blockState = FREE;
    for (let t = 0; t < k; t++) {
      const i = F[t];
      const di = d[i];
      if (di < 0) {
        const s = (l[i] - x[i]) / di;
        if (s < alpha) {
          alpha = Math.max(0, s);
          block = i;
          blockState = LOWER;
        }
      } else if (di > 0 && u[i] !== Infinity) {
        const s = (u[i] - x[i]) / di;
        if (s < alpha) {
          alpha = Math.max(0, s);
          block = i;
          blockState = UPPER;
        }
      }
    }
    let budgetSide = 0;
    if (P.hasBudget && !active) {
      let sd = 0;
      let sx = 0;
      for (let i = 0; i < n; i++) {
        sd += d[i];
        sx += x[i];
      }
      if (sd > 0 && P.hi !== Infinity) {
        const s = (P.hi - sx) / sd;
        if (s < alpha) {
          alpha = Math.max(0, s);
          block = -1;
          budgetSide = 1;
        }
      } else if (sd < 0 && P.lo !== -Infinity) {
        const s = (P.lo - sx) / sd;
        if (s < alpha) {
          alpha = Math.max(0, s);
          block = -1;
          budgetSide = -1;
        }
      }
    }
    for (let t = 0; t < k; t++) x[F[t]] += alpha * d[F[t]];
    if (block >= 0) {
      x[block] = blockState === LOWER ? l[block] : u[block];
      state[block] = blockState;
    } else if (block === -1) w.budget = budgetSide;
    // After an exact (unshifted) full step the iterate minimises on the working set.
    lastFull = block === -2 && !shifted;
    // Keep every free variable inside its box despite round-off.
    for (let t = 0; t < k; t++) {
      const i = F[t];
      if (x[i] < l[i]) x[i] = l[i];
      else if (x[i] > u[i]) x[i] = u[i];
    }
    if (!Number.isFinite(alpha) || Math.abs(alpha * dmax) > 1e100)
      throw new ActiveSetError("INVALID_INPUT", "unbounded direction: Q is not positive definite");
  }
  throw new ActiveSetError(
    "ITERATION_LIMIT",
    `primal active-set method did not converge in ${maxIter} iterations`,
  );
}

/** Smallest N for which {@link warmStartFree} guesses a reduced free set. */
const WARM_MIN_N = 30;

/**
 * Initial PDAS guess for minimum-variance-like problems (c ≡ 0, a fully invested budget,
 * N ≥ {@link WARM_MIN_N}): only the ⌈N/4⌉ (at least 8) lowest-variance assets start free, the rest
 * at their lower bound. The long-only minimum-variance portfolio typically holds a small subset,
 * so the first factorisation is of a small block instead of the full N×N matrix; PDAS frees every
 * asset whose multiplier has the wrong sign at once, so an underestimate costs an iteration or
 * two. Writes `state` and returns the number of free variables, or 0 (state untouched) when the
 * heuristic does not apply. The result is exact either way: a converged PDAS iterate satisfies the
 * KKT conditions, and the caller restarts from the all-free guess if this one fails.
 */
function warmStartFree(P: Prob, state: Int8Array): number {
  const { n, Q, c } = P;
  if (n < WARM_MIN_N || !P.eq) return 0;
  for (let i = 0; i < n; i++) if (c[i] !== 0) return 0;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (!P.fixed[i]) idx.push(i);
  const k0 = Math.min(idx.length, Math.max(8, Math.ceil(n / 4)));
  if (k0 === idx.length) return 0;
  idx.sort((i, j) => Q[i * n + i] - Q[j * n + j]);
  state.fill(LOWER);
  for (let t = 0; t < k0; t++) state[idx[t]] = FREE;
  return k0;
}

/**
 * Solve a box + budget QP (see the module comment). Throws {@link ActiveSetError}: INVALID_INPUT
 * for malformed data, INFEASIBLE when no w satisfies the box and the budget, ITERATION_LIMIT when
 * the primal phase hits its cap.
 */
export function solveBoxBudgetQp(p: BoxBudgetQp, opts: ActiveSetOptions = {}): ActiveSetSolution {
  const P = prepare(p);
  const n = P.n;
  const w: Work = {
    x: new Float64Array(n),
    g: new Float64Array(n),
    state: new Int8Array(n),
    budget: P.eq ? -1 : 0,
    nu: 0,
    F: new Int32Array(n),
    L: new Float64Array(0),
    r: new Float64Array(n),
    a: new Float64Array(n),
  };
  const maxPdas = opts.maxPdasIterations ?? 50;
  let iterations = 0;
  let ph1 = { converged: false, iterations: 0 };
  if (opts.warmStart ?? true) {
    const k0 = warmStartFree(P, w.state);
    if (k0 > 0) {
      ph1 = pdas(P, w, maxPdas);
      iterations += ph1.iterations;
    }
  }
  if (!ph1.converged) {
    w.state.fill(FREE);
    w.budget = P.eq ? -1 : 0;
    w.nu = 0;
    for (let i = 0; i < n; i++) if (P.fixed[i]) w.state[i] = LOWER;
    ph1 = pdas(P, w, maxPdas);
    iterations += ph1.iterations;
  }
  let phase: "pdas" | "primal" = "pdas";
  if (!ph1.converged) {
    projectFeasible(P, w.x);
    iterations += primal(P, w, opts.maxIterations ?? 20 * n + 100);
    phase = "primal";
  }
  const x = Array.from(w.x);
  gradient(P, w.x, w.g);
  const nu = P.hasBudget && w.budget !== 0 ? w.nu : 0;
  const boundDual = x.map((_, i) => (w.state[i] === FREE ? 0 : w.g[i] - nu));
  let obj = 0;
  for (let i = 0; i < n; i++) obj += x[i] * (0.5 * (w.g[i] - P.c[i]) + P.c[i]);
  return { x, objective: obj, budgetDual: nu, boundDual, iterations, phase };
}

/**
 * Whether a {@link QpProblem} belongs to the box + budget family: a full N×N Hessian, finite lower
 * bounds, and at most one row, which (if present) is Σ_i x_i over every variable with unit
 * coefficients.
 */
export function fitsActiveSet(p: QpProblem): boolean {
  if (p.Q.length !== p.n || p.rows.length > 1) return false;
  if (p.lb.some((v) => !Number.isFinite(v))) return false;
  if (p.rows.length === 1) {
    const r = p.rows[0];
    if (r.idx.length !== p.n) return false;
    const seen = new Uint8Array(p.n);
    for (let q = 0; q < r.idx.length; q++) {
      if (r.val[q] !== 1 || seen[r.idx[q]]) return false;
      seen[r.idx[q]] = 1;
    }
  }
  return true;
}

/**
 * Solve a {@link QpProblem} of the box + budget family (check with {@link fitsActiveSet}) with
 * {@link solveBoxBudgetQp}; solver outcomes (infeasible, iteration limit) are reported in
 * `status` like the other back ends, malformed input still throws.
 */
export function solveWithActiveSet(p: QpProblem, opts: ActiveSetOptions = {}): QpSolution {
  const n = p.n;
  const row = p.rows[0];
  try {
    const s = solveBoxBudgetQp(
      {
        Q: p.Q,
        c: p.c,
        lb: p.lb,
        ub: p.ub,
        ...(row ? { budget: { lo: row.lo, hi: row.hi } } : {}),
      },
      opts,
    );
    return {
      x: s.x,
      objective: s.objective,
      status: "optimal",
      iterations: s.iterations,
      rowDual: row ? [s.budgetDual] : [],
      colDual: s.boundDual,
      solver: "active-set",
    };
  } catch (e) {
    if (!(e instanceof ActiveSetError) || e.code === "INVALID_INPUT") throw e;
    return {
      x: new Array<number>(n).fill(NaN),
      objective: NaN,
      status: e.code === "INFEASIBLE" ? "infeasible" : "iteration-limit",
      rowDual: new Array<number>(p.rows.length).fill(NaN),
      colDual: new Array<number>(n).fill(NaN),
      solver: "active-set",
      message: e.message,
    };
  }
}
