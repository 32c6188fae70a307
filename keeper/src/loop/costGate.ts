/**
 * The loop's cost–benefit gate (issue 5's no-trade rule applied to a built plan): a rebalance
 * that only answers discretionary triggers (schedule, drift, volatility, regime) is sent only when
 * its certainty-equivalent gain over the holding horizon beats what it costs:
 *
 *   gain = NAV · (CE_H(expected weights) − CE_H(current weights))     (costs/noTrade.ts horizonCe)
 *   cost = NAV before − NAV after at the expected fills (pool fees + price impact at the quotes,
 *          valued at oracle prices) + gas (actions · gasPerAction · gas price, in base units)
 *   send ⇔ gain > cost
 *
 * CE_H uses the strategy's own estimates (per bucket: its covariance, and its expected returns for
 * mean-variance / max Sharpe, 0 otherwise), γ = strategy.riskAversion (default
 * {@link DEFAULT_GATE_GAMMA}) and H = scheduleSeconds in buckets. Safety triggers — redemptions,
 * health factor, net delta outside its band, drawdown, circuit breaker — always trade. Pure.
 */
import { horizonCe } from "../costs/noTrade.ts";
import type { TriggerKind } from "./triggers.ts";

/** γ of the gate when the strategy has no risk aversion (min variance, risk parity, …). */
export const DEFAULT_GATE_GAMMA = 5;

/** Triggers whose rebalance must pass the gate; any other fired trigger bypasses it. */
export const DISCRETIONARY: readonly TriggerKind[] = ["schedule", "drift", "volatility", "regime"];

/** Inputs of {@link costGate}. */
export interface CostGateInput {
  readonly fired: readonly TriggerKind[];
  /** Weights now and after the plan at its expected fills (fractions of NAV). */
  readonly current: readonly number[];
  readonly expected: readonly number[];
  /** NAV before, and after at the expected fills (base units). */
  readonly navBefore: bigint;
  readonly navAfterExpected: bigint;
  /** Gas cost of sending the plan, in base units (0 when unknown). */
  readonly gasCostBase: bigint;
  readonly estimates: {
    readonly cov: number[][];
    readonly mu: number[];
    readonly periodsPerYear: number;
  };
  readonly gamma: number;
  /** Holding horizon, seconds (the schedule). */
  readonly horizonSeconds: number;
}

/** The gate's decision with its numbers (base units as floats for logs). */
export interface CostGateDecision {
  readonly send: boolean;
  readonly reason: "safety-trigger" | "gain-beats-cost" | "gain-below-cost";
  readonly gain: number;
  readonly cost: number;
  readonly horizonBuckets: number;
}

/** Applies the gate (see the module comment). */
export function costGate(x: CostGateInput): CostGateDecision {
  const horizonBuckets = (x.horizonSeconds * x.estimates.periodsPerYear) / (365 * 86_400);
  const swapCost = x.navBefore > x.navAfterExpected ? x.navBefore - x.navAfterExpected : 0n;
  const cost = Number(swapCost + x.gasCostBase);
  const nav = Number(x.navBefore);
  const { cov, mu } = x.estimates;
  const gain =
    nav *
    (horizonCe([...x.expected], mu, cov, x.gamma, horizonBuckets) -
      horizonCe([...x.current], mu, cov, x.gamma, horizonBuckets));
  if (x.fired.some((k) => !DISCRETIONARY.includes(k)))
    return { send: true, reason: "safety-trigger", gain, cost, horizonBuckets };
  return gain > cost
    ? { send: true, reason: "gain-beats-cost", gain, cost, horizonBuckets }
    : { send: false, reason: "gain-below-cost", gain, cost, horizonBuckets };
}
