/**
 * Shared types of the portfolio optimizers.
 *
 * Conventions: N risk assets with weights w (fractions of vault NAV); the remainder
 * `cash = 1 − Σw` is held in the base asset (it earns `riskFree` per period when given). Covariances
 * and returns are PER PERIOD (e.g. daily); volatilities and targets use the same period.
 */
import type { Matrix, Vector } from "../math/linalg.ts";
import type { KktResiduals } from "./qp.ts";
import type { Highs } from "highs";

/**
 * Which dense QP solver handles a QP-shaped problem. "active-set" is the purpose-built box + budget
 * solver of active-set.ts; problems outside that family (turnover, return floor, max Sharpe's
 * rows) fall back to HiGHS when a runtime is given, else to quadprog.
 */
export type QpSolverName = "highs" | "quadprog" | "active-set";

/** Which algorithm produced a result (QP solvers, or risk parity's coordinate descent + Newton). */
export type SolverName = QpSolverName | "ccd-newton";

/** Outcome of an optimizer. Anything but "optimal" means `weights` should not be traded blindly. */
export type OptimizerStatus =
  | "optimal"
  | "infeasible"
  | "unbounded"
  | "iteration-limit"
  | "solver-error"
  | "no-positive-excess-return";

/** Error codes thrown (rather than reported in a result) for invalid inputs or setups. */
export type OptimizerErrorCode = "INVALID_INPUT" | "MISSING_SOLVER" | "UNSUPPORTED";

/** Typed error of the optimizer package. */
export class OptimizerError extends Error {
  readonly code: OptimizerErrorCode;
  constructor(code: OptimizerErrorCode, message: string) {
    super(message);
    this.name = "OptimizerError";
    this.code = code;
  }
}

/** Constraints shared by every optimizer. */
export interface PortfolioConstraints {
  /** Per-asset cap w_i ≤ maxWeight_i as fractions (one number for all assets). Default 1. */
  readonly maxWeight?: number | readonly number[];
  /** Σw = 1 (no cash) when true; otherwise Σw ≤ 1 and the rest is cash. Default false. */
  readonly fullyInvested?: boolean;
  /** With cash allowed: Σw ≥ minInvested. Default 0. */
  readonly minInvested?: number;
  /** L1 turnover limit Σ|w − current| ≤ limit, modelled with auxiliary variables t ≥ |w − current|. */
  readonly turnover?: { readonly current: readonly number[]; readonly limit: number };
  /**
   * Cap on portfolio volatility √(wᵀΣw) (same period as Σ). Mean-variance enforces it exactly by
   * bisection on γ; the other optimizers scale the risky weights toward cash (see targetVol.ts).
   */
  readonly targetVol?: number;
}

/**
 * How a QP-shaped problem is solved. `highs` is required when `solver` is "highs" (and for
 * min-CVaR). Default solver: "active-set" (with its fallback, see {@link QpSolverName}).
 */
export interface SolveOptions {
  readonly solver?: QpSolverName;
  /** A loaded HiGHS runtime (see createHighs in highs.ts); never a hidden global. */
  readonly highs?: HighsLike;
  /** Extra HiGHS options (e.g. `{ solver: "ipm" }` for LPs). */
  readonly highsOptions?: Readonly<Record<string, boolean | number | string>>;
}

/** What the optimizers need from a HiGHS runtime (the `highs` package's loaded module). */
export type HighsLike = Highs;

/** Report of what the target-volatility cap did. */
export interface TargetVolReport {
  readonly target: number;
  /** Volatility before the cap was applied. */
  readonly volBefore: number;
  /** Volatility of the returned weights. */
  readonly volAfter: number;
  /** "not-binding", "scaled-to-cash", "gamma-bisection" or "unreachable" (fully invested and too risky). */
  readonly action: "not-binding" | "scaled-to-cash" | "gamma-bisection" | "unreachable";
  /** Factor applied to the risky weights ("scaled-to-cash"), or the γ used ("gamma-bisection"). */
  readonly value?: number;
}

/** Result of every optimizer. */
export interface OptimizerResult {
  /** Risky-asset weights (fractions of NAV), length N. */
  readonly weights: Vector;
  /** Cash weight 1 − Σw. */
  readonly cash: number;
  /**
   * Objective at `weights` in the optimizer's own terms (documented per optimizer): variance,
   * certainty equivalent, Sharpe ratio, ERC dispersion, or CVaR.
   */
  readonly objective: number;
  readonly solver: SolverName;
  readonly iterations?: number;
  readonly status: OptimizerStatus;
  /** KKT residuals of the QP/LP actually solved (in its own variables, auxiliaries included). */
  readonly kkt?: KktResiduals;
  /** Largest violation of box, budget and turnover constraints by `weights` (0 when feasible). */
  readonly constraintViolation: number;
  /** √(wᵀΣw) of the returned weights (per period); NaN when no covariance is involved. */
  readonly volatility: number;
  readonly targetVol?: TargetVolReport;
  /** Free-text explanation for non-optimal statuses and documented fallbacks. */
  readonly message?: string;
}

/** Dense inputs, re-exported for convenience. */
export type { Matrix, Vector };
