/**
 * Strategy → target weights: the quant step of `ballast plan` and of the keeper loop. A pure
 * function of a returns panel (T × N, oldest first, one row per resampling bucket), the vault's
 * per-asset caps and the vault's `strategy` config section:
 *
 *  1. covariance by `estimator` (sample, EWMA with `ewmaLambda`, Ledoit–Wolf constant correlation,
 *     regime-adjusted EWMA), per bucket;
 *  2. expected returns by `expectedReturns` (zero, shrunk mean, EWMA momentum) for the models
 *     that use them (mean-variance, max Sharpe);
 *  3. the `model`'s optimizer, long-only with cash, w_i ≤ caps_i, and — when `targetVolatility`
 *     (annualised) is set — volatility ≤ targetVolatility / √periodsPerYear per bucket
 *     (mean-variance: exact, by bisection on γ; the others: risky weights scaled toward cash,
 *     which keeps their proportions — and risk parity's equal contributions).
 *
 * Models that would otherwise sit in cash (min variance, risk parity, min CVaR: cash has no risk)
 * are asked to invest at least min(1, Σ caps): the vault exists to hold the risk assets, and the
 * target volatility, when set, is what sends weight to cash. Mean-variance and max Sharpe choose
 * their own cash share. Max Sharpe with no asset of positive expected excess return has no
 * tangency portfolio: min variance is used instead and `fallback` says so.
 */
import { estimateCovariance, lambdaToHalfLife, repairPSD } from "../risk/covariance.ts";
import type { CovarianceConfig } from "../risk/covariance.ts";
import { expectedReturns } from "../risk/expected-returns.ts";
import type { ExpectedReturnMethod } from "../risk/expected-returns.ts";
import {
  createHighs,
  maxSharpe,
  meanVariance,
  minCvar,
  minVariance,
  riskParity,
} from "../optimize/index.ts";
import type { HighsLike, OptimizerResult, PortfolioConstraints } from "../optimize/index.ts";

/** Portfolio models (the config's `strategy.model`). */
export type StrategyModel =
  "min-variance" | "mean-variance" | "max-sharpe" | "risk-parity" | "min-cvar";

/** Covariance estimators (the config's `strategy.estimator`). */
export type StrategyEstimator = "sample" | "ewma" | "ledoit-wolf" | "regime-adjusted-ewma";

/** The parts of a vault's strategy config the quant step reads. */
export interface StrategySpec {
  readonly model: StrategyModel;
  readonly estimator: StrategyEstimator;
  /** EWMA decay for the ewma estimators (default 0.94, RiskMetrics daily). */
  readonly ewmaLambda?: number;
  /** Mean-variance risk aversion γ (default 1 when only targetVolatility is given). */
  readonly riskAversion?: number;
  /** Annualised volatility cap (0.2 = 20 %). */
  readonly targetVolatility?: number;
  /** Expected-return estimator for mean-variance and max Sharpe (default "shrunk-mean"). */
  readonly expectedReturns?: ExpectedReturnMethod;
  /** CVaR confidence level for min-cvar (default 0.95). */
  readonly cvarAlpha?: number;
}

/** Typed failure of the quant step. */
export class StrategyError extends Error {
  readonly code: "BAD_INPUT" | "OPTIMIZER_FAILED";

  constructor(code: StrategyError["code"], message: string) {
    super(message);
    this.name = "StrategyError";
    this.code = code;
  }
}

/** Options of {@link strategyWeights}. */
export interface StrategyOptions {
  /** Buckets per year of the returns panel (365 for daily, 8 760 for hourly). */
  readonly periodsPerYear: number;
  /** A loaded HiGHS runtime for min-cvar (default: loaded on demand). */
  readonly highs?: HighsLike;
}

/** Result of {@link strategyWeights}. */
export interface StrategyWeights {
  /** Risky weights (fractions of NAV, registry order); cash is 1 − Σ. */
  readonly weights: number[];
  readonly model: StrategyModel;
  readonly estimator: StrategyEstimator;
  /** Expected-return estimator used (null for models that ignore expected returns). */
  readonly expectedReturns: ExpectedReturnMethod | null;
  /** Annualised volatility of the weights under the estimated covariance. */
  readonly volatility: number;
  readonly status: OptimizerResult["status"];
  /** When another model than the configured one produced the weights: why. */
  readonly fallback: string | null;
  /** One line for logs. */
  readonly note: string;
  /** The estimates the weights came from (per bucket), for the loop's cost–benefit gate. */
  readonly inputs: {
    readonly cov: number[][];
    readonly mu: number[];
    readonly periodsPerYear: number;
  };
}

/** The covariance config of a strategy. */
export function covarianceConfigOf(spec: StrategySpec): CovarianceConfig {
  switch (spec.estimator) {
    case "sample":
      return { method: "sample" };
    case "ewma":
      return { method: "ewma", lambda: spec.ewmaLambda ?? 0.94 };
    case "ledoit-wolf":
      return { method: "ledoit-wolf" };
    case "regime-adjusted-ewma":
      // the base (long) covariance decays with ewmaLambda when given (default half-life 60)
      return spec.ewmaLambda === undefined
        ? { method: "regime-adjusted-ewma" }
        : { method: "regime-adjusted-ewma", longHalfLife: lambdaToHalfLife(spec.ewmaLambda) };
  }
}

/**
 * Target weights of a strategy (see the module comment). `caps[i]` is asset i's largest weight
 * (fraction; 0 for a disabled asset). Throws {@link StrategyError} on malformed inputs or when the
 * optimizer returns no usable weights.
 */
export async function strategyWeights(
  returns: readonly number[][],
  spec: StrategySpec,
  caps: readonly number[],
  opts: StrategyOptions,
): Promise<StrategyWeights> {
  const N = caps.length;
  if (returns.length < 2)
    throw new StrategyError("BAD_INPUT", `need at least 2 returns (got ${returns.length})`);
  if (returns.some((r) => r.length !== N))
    throw new StrategyError("BAD_INPUT", `returns rows must have ${N} columns (one per cap)`);
  if (caps.some((c) => !(c >= 0 && c <= 1)))
    throw new StrategyError("BAD_INPUT", `caps must be in [0, 1] (got ${caps.join(", ")})`);
  if (!(opts.periodsPerYear > 0))
    throw new StrategyError("BAD_INPUT", `periodsPerYear must be > 0 (got ${opts.periodsPerYear})`);

  const cov = repairPSD(estimateCovariance(returns, covarianceConfigOf(spec)), 1e-12).cov;
  const perBucketVol =
    spec.targetVolatility === undefined
      ? undefined
      : spec.targetVolatility / Math.sqrt(opts.periodsPerYear);
  const capSum = caps.reduce((a, b) => a + b, 0);
  // invested models: solved without the vol cap (their minimum investment would block it), then
  // scaled toward cash below
  const invested: PortfolioConstraints = {
    maxWeight: caps,
    fullyInvested: false,
    minInvested: Math.min(1, capSum),
  };
  const free: PortfolioConstraints = {
    maxWeight: caps,
    fullyInvested: false,
    targetVol: perBucketVol,
  };
  const usesMu = spec.model === "mean-variance" || spec.model === "max-sharpe";
  const muMethod = spec.expectedReturns ?? "shrunk-mean";
  const mu = usesMu ? expectedReturns(returns, { method: muMethod }).mu : null;
  // the gate's certainty equivalent uses the model's own view: its μ, or 0 for the risk-only models

  let res: OptimizerResult;
  let model = spec.model;
  let fallback: string | null = null;
  switch (spec.model) {
    case "min-variance":
      res = minVariance({ cov }, invested);
      break;
    case "risk-parity":
      res = riskParity({ cov }, invested);
      break;
    case "mean-variance":
      res = meanVariance({ cov, mu: mu as number[], gamma: spec.riskAversion ?? 1 }, free);
      break;
    case "max-sharpe": {
      const m = mu as number[];
      if (!m.some((x, i) => x > 0 && caps[i] > 0)) {
        fallback = `max-sharpe: no asset has a positive expected return (${muMethod}); min variance used`;
        model = "min-variance";
        res = minVariance({ cov }, invested);
      } else {
        res = maxSharpe({ cov, mu: m }, free);
      }
      break;
    }
    case "min-cvar": {
      const highs = opts.highs ?? (await createHighs());
      res = minCvar(
        { scenarios: returns.map((r) => [...r]), beta: spec.cvarAlpha ?? 0.95, cov },
        invested,
        { solver: "highs", highs },
      );
      break;
    }
  }
  let weights = res.weights.map((w, i) => Math.min(caps[i], Math.max(0, w)));
  const investedModel = model !== "mean-variance" && model !== "max-sharpe";
  if (investedModel && perBucketVol !== undefined) {
    const vol = Math.sqrt(Math.max(0, quad(cov, weights)));
    if (vol > perBucketVol) weights = weights.map((w) => (w * perBucketVol) / vol);
  }
  if (weights.some((w) => !Number.isFinite(w)) || res.status === "infeasible")
    throw new StrategyError(
      "OPTIMIZER_FAILED",
      `${spec.model}: optimizer status ${res.status}${res.message ? ` (${res.message})` : ""}`,
    );
  const volatility = Math.sqrt(Math.max(0, quad(cov, weights)) * opts.periodsPerYear);
  const note =
    `${model} on ${spec.estimator} covariance` +
    (mu === null || model !== spec.model ? "" : `, ${muMethod} expected returns`) +
    `, ${returns.length} returns, caps honoured` +
    (spec.targetVolatility === undefined ? "" : `, vol target ${spec.targetVolatility}`) +
    `: annualised vol ${volatility.toFixed(4)}`;
  return {
    weights,
    model,
    estimator: spec.estimator,
    expectedReturns: usesMu && model === spec.model ? muMethod : null,
    volatility,
    status: res.status,
    fallback,
    note,
    inputs: {
      cov,
      mu: mu !== null && model === spec.model ? mu : new Array<number>(N).fill(0),
      periodsPerYear: opts.periodsPerYear,
    },
  };
}

function quad(S: readonly (readonly number[])[], w: readonly number[]): number {
  let v = 0;
  for (let i = 0; i < w.length; i++) {
    let r = 0;
    for (let k = 0; k < w.length; k++) r += S[i][k] * w[k];
    v += w[i] * r;
  }
  return v;
}
