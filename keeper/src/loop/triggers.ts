/**
 * Rebalance triggers: pure functions over a vault snapshot, the worker's observation history and
 * the trigger config. Each returns `{ kind, fired, value, threshold, details }` so the decision
 * can be logged with the numbers behind it. Units: weights and deltas in bps, volatility
 * annualised (1 = 100 %), health factor as a float, drawdown in bps, redemption shortfall in base
 * units (float; the exact figure is in `details` as a decimal string).
 */
import { sampleCovariance } from "../risk/covariance.ts";
import { portfolioVolatility } from "../risk/measures.ts";
import { volatilityRegime } from "../risk/regimes.ts";
import type { VolRegimeOptions } from "../risk/regimes.ts";
import { navOf, netDeltaBps, ppsWad, previewRedeem, pxAll } from "../planner/checks.ts";
import type { VaultSnapshot } from "../planner/types.ts";
import { assetLogReturns, meanSpacingSeconds, portfolioReturnSeries } from "./history.ts";
import type { Observation } from "./history.ts";

/** Names of the triggers. */
export type TriggerKind =
  | "schedule"
  | "drift"
  | "volatility"
  | "net-delta"
  | "health-factor"
  | "drawdown"
  | "regime"
  | "redemptions"
  | "circuit-breaker";

/** A trigger evaluation. */
export interface Trigger {
  kind: TriggerKind;
  fired: boolean;
  value: number;
  threshold: number;
  details: Record<string, unknown>;
}

/** Trigger settings (the vault's strategy section plus loop defaults). */
export interface TriggerConfig {
  /** Rebalance at least this often (seconds since the vault's lastRebalanceAt). */
  scheduleSeconds: number;
  /** Fire when max |weight − target| exceeds this (bps). */
  driftBandBps: number;
  /** Annualised volatility target; the volatility trigger is off without it. */
  targetVolatility?: number;
  /** Fire when volatility > target · (1 + tolerance) (default 0.1). */
  volatilityTolerance?: number;
  /** The net-delta band is the vault's per-asset band shrunk by this margin (default 0 bps). */
  netDeltaMarginBps?: number;
  /**
   * Warning level = on-chain minHealthFactor · (1 + margin) (default 500 bps = +5 %). Kept below
   * the planner's own headroom (healthFactorMarginBps, +10 %), so a freshly hedged position —
   * planned at +10 % and eroded by a few seconds of interest — does not warn at once.
   */
  healthWarnMarginBps?: number;
  /** Fire when price per share is this far below its peak in the history (default 500 bps). */
  drawdownBps?: number;
  /** Regime detector options (risk/regimes.ts). */
  regime?: VolRegimeOptions;
  /** Minimum returns in the history for volatility / regime (default 10 / 20). */
  minVolatilityReturns?: number;
  minRegimeReturns?: number;
  /** An answered trigger re-fires when its value is this much worse (default 0.25, see quietAnswered). */
  refireWorsening?: number;
}

const SECONDS_PER_YEAR = 365 * 86_400;

/** Current weights (bps of NAV, registry order), NAV and net deltas of a snapshot. */
export function snapshotWeights(s: VaultSnapshot): {
  nav: bigint;
  weightsBps: bigint[];
  netDeltaBps: bigint[];
  idle: bigint;
} {
  const n = navOf(s.positions, s.reservedAssets, pxAll(s));
  const w = n.values.map((v) => (n.nav === 0n ? 0n : (v * 10_000n) / n.nav));
  const d = n.values.map((v, i) => (n.nav === 0n ? 0n : netDeltaBps(v, n.debtValues[i], n.nav)));
  return { nav: n.nav, weightsBps: w, netDeltaBps: d, idle: n.idle };
}

/** Price per share (WAD) of a snapshot. */
export function snapshotPps(s: VaultSnapshot): bigint {
  return ppsWad(snapshotWeights(s).nav, s.totalSupply, s.decimalsOffset);
}

/** Asset prices of a snapshot as USD floats. */
export function snapshotPrices(s: VaultSnapshot): number[] {
  return s.assets.map((a) => Number(a.price) / 10 ** a.feedDecimals);
}

/** Schedule: seconds since the last rebalance ≥ scheduleSeconds (a vault never rebalanced fires). */
export function scheduleTrigger(s: VaultSnapshot, cfg: TriggerConfig): Trigger {
  const never = s.lastRebalanceAt === 0n;
  const value = Number(s.timestamp - s.lastRebalanceAt);
  return {
    kind: "schedule",
    fired: never || value >= cfg.scheduleSeconds,
    value,
    threshold: cfg.scheduleSeconds,
    details: { lastRebalanceAt: s.lastRebalanceAt.toString(), never },
  };
}

/**
 * Drift: max |weight − target| > driftBandBps (not fired without targets or NAV). With hedge
 * targets (`netDeltaTargetsBps[i]` non-null: the asset is hedged through the lending adapter),
 * a hedged asset's |net delta − its target| counts as drift too.
 */
export function driftTrigger(
  s: VaultSnapshot,
  targetsBps: readonly bigint[] | null,
  cfg: TriggerConfig,
  netDeltaTargetsBps: readonly (bigint | null | undefined)[] = [],
): Trigger {
  const { nav, weightsBps, netDeltaBps: deltas } = snapshotWeights(s);
  if (targetsBps === null || nav === 0n)
    return {
      kind: "drift",
      fired: false,
      value: 0,
      threshold: cfg.driftBandBps,
      details: { reason: targetsBps === null ? "no targets yet" : "zero NAV" },
    };
  let worst = 0n;
  let asset = -1;
  let hedgeDrift = false;
  weightsBps.forEach((w, i) => {
    const d = w > targetsBps[i] ? w - targetsBps[i] : targetsBps[i] - w;
    if (d > worst) {
      worst = d;
      asset = i;
      hedgeDrift = false;
    }
    const nd = netDeltaTargetsBps[i];
    if (nd !== null && nd !== undefined && s.lending.adapter !== null) {
      const h = deltas[i] > nd ? deltas[i] - nd : nd - deltas[i];
      if (h > worst) {
        worst = h;
        asset = i;
        hedgeDrift = true;
      }
    }
  });
  return {
    kind: "drift",
    fired: Number(worst) > cfg.driftBandBps,
    value: Number(worst),
    threshold: cfg.driftBandBps,
    details: {
      asset,
      hedge: hedgeDrift,
      weightsBps: weightsBps.map(String),
      targetsBps: targetsBps.map(String),
      netDeltaBps: deltas.map(String),
    },
  };
}

/**
 * Volatility: annualised portfolio volatility (current weights, sample covariance of the asset
 * log returns in the history, scaled by the mean observation spacing) over target · (1 + tol).
 */
export function volatilityTrigger(
  s: VaultSnapshot,
  history: readonly Observation[],
  cfg: TriggerConfig,
): Trigger {
  const target = cfg.targetVolatility;
  const threshold =
    target === undefined ? Infinity : target * (1 + (cfg.volatilityTolerance ?? 0.1));
  const R = assetLogReturns(history);
  const spacing = meanSpacingSeconds(history);
  const min = cfg.minVolatilityReturns ?? 10;
  if (target === undefined || R.length < Math.max(2, min) || spacing === null)
    return {
      kind: "volatility",
      fired: false,
      value: 0,
      threshold,
      details: {
        reason:
          target === undefined
            ? "no targetVolatility"
            : spacing === null
              ? "no time spacing in the history"
              : `only ${R.length} returns (need ${Math.max(2, min)})`,
      },
    };
  const w = snapshotWeights(s).weightsBps.map((x) => Number(x) / 10_000);
  const perPeriod = portfolioVolatility(w, sampleCovariance(R));
  const value = perPeriod * Math.sqrt(SECONDS_PER_YEAR / spacing);
  return {
    kind: "volatility",
    fired: value > threshold,
    value,
    threshold,
    details: { returns: R.length, spacingSeconds: spacing, targetVolatility: target },
  };
}

/** Net delta outside the vault's per-asset band shrunk by netDeltaMarginBps (value = worst excess, bps). */
export function netDeltaTrigger(s: VaultSnapshot, cfg: TriggerConfig): Trigger {
  const { nav, netDeltaBps: deltas } = snapshotWeights(s);
  const margin = BigInt(cfg.netDeltaMarginBps ?? 0);
  let worst = 0n;
  let asset = -1;
  if (nav > 0n)
    s.assets.forEach((a, i) => {
      const lo = a.minNetDeltaBps + margin;
      const hi = a.maxNetDeltaBps - margin;
      const d = deltas[i];
      const excess = d > hi ? d - hi : d < lo ? lo - d : 0n;
      if (excess > worst) {
        worst = excess;
        asset = i;
      }
    });
  return {
    kind: "net-delta",
    fired: worst > 0n,
    value: Number(worst),
    threshold: 0,
    details: { asset, netDeltaBps: deltas.map(String), marginBps: Number(margin) },
  };
}

/** Health factor below the warning level minHealthFactor · (1 + margin) (only with debt). */
export function healthTrigger(s: VaultSnapshot, cfg: TriggerConfig): Trigger {
  const warn =
    (s.limits.minHealthFactor * BigInt(10_000 + (cfg.healthWarnMarginBps ?? 500))) / 10_000n;
  const hf = s.lending.healthFactor;
  const hasDebt = s.lending.adapter !== null && s.positions.debts.some((d) => d > 0n);
  const value = hasDebt ? Number(hf) / 1e18 : Infinity;
  return {
    kind: "health-factor",
    fired: hasDebt && hf < warn,
    value,
    threshold: Number(warn) / 1e18,
    details: { healthFactorWad: hf.toString(), warnWad: warn.toString(), hasDebt },
  };
}

/**
 * Drawdown of price per share from its peak since the last rebalance (history rows at or after
 * lastRebalanceAt, plus now), bps. Counting only since the last rebalance makes the trigger answer
 * a fall once: a rebalance that responded to a drawdown is not re-triggered every tick (after each
 * cooldown) for as long as the vault stays under its old peak — only a further fall of the
 * threshold fires again.
 */
export function drawdownTrigger(
  s: VaultSnapshot,
  history: readonly Observation[],
  cfg: TriggerConfig,
): Trigger {
  const now = snapshotPps(s);
  const since = Number(s.lastRebalanceAt);
  const peak = history.reduce((m, o) => (o.timestamp >= since && o.ppsWad > m ? o.ppsWad : m), now);
  const threshold = cfg.drawdownBps ?? 500;
  const drop = peak > now ? peak - now : 0n;
  const value = peak === 0n ? 0 : Number((drop * 10_000n) / peak);
  // Exact comparison: the floored bps `value` would hide a drawdown a fraction of a bp over the
  // threshold (e.g. 500.4 bps with a 500 bps threshold).
  const fired = peak > 0n && drop * 10_000n > BigInt(Math.floor(threshold)) * peak;
  return {
    kind: "drawdown",
    fired,
    value,
    threshold,
    details: { peakPpsWad: peak.toString(), ppsWad: now.toString(), since },
  };
}

/** Volatility regime change (risk/regimes.ts) of the portfolio return series under current weights. */
export function regimeTrigger(
  s: VaultSnapshot,
  history: readonly Observation[],
  cfg: TriggerConfig,
): Trigger {
  const R = assetLogReturns(history);
  const min = cfg.minRegimeReturns ?? 20;
  const threshold = cfg.regime?.stressedAbove ?? 1.3;
  if (R.length < min)
    return {
      kind: "regime",
      fired: false,
      value: 0,
      threshold,
      details: { reason: `only ${R.length} returns (need ${min})` },
    };
  const w = snapshotWeights(s).weightsBps.map((x) => Number(x) / 10_000);
  try {
    const r = volatilityRegime(portfolioReturnSeries(R, w), cfg.regime);
    return {
      kind: "regime",
      fired: r.fired,
      value: r.value,
      threshold: r.threshold,
      details: { ...r.details },
    };
  } catch (e) {
    return {
      kind: "regime",
      fired: false,
      value: 0,
      threshold,
      details: { reason: (e as Error).message },
    };
  }
}

/** Pending redemptions whose assets exceed the idle base balance (value = shortfall). */
export function redemptionTrigger(s: VaultSnapshot): Trigger {
  const { nav, idle } = snapshotWeights(s);
  const need =
    s.pendingShares === 0n
      ? 0n
      : previewRedeem(s.pendingShares, nav, s.totalSupply, s.fees.exitFeeBps, s.decimalsOffset);
  const shortfall = need > idle ? need - idle : 0n;
  return {
    kind: "redemptions",
    fired: s.pendingShares > 0n && shortfall > 0n,
    value: Number(shortfall) / 10 ** s.base.decimals,
    threshold: 0,
    details: {
      pendingShares: s.pendingShares.toString(),
      needed: need.toString(),
      idle: idle.toString(),
      shortfall: shortfall.toString(),
    },
  };
}

/** Circuit breaker: the vault is defensive (or shut down): only exposure-reducing plans. */
export function circuitBreakerTrigger(s: VaultSnapshot): Trigger {
  return {
    kind: "circuit-breaker",
    fired: s.defensive || s.shutdown,
    value: s.defensive || s.shutdown ? 1 : 0,
    threshold: 1,
    details: { defensive: s.defensive, shutdown: s.shutdown, paused: s.paused },
  };
}

/** Every trigger, and the ones that fired. */
export interface TriggerEvaluation {
  triggers: Trigger[];
  fired: Trigger[];
  /** True when plans must only reduce exposure (defensive mode or shutdown). */
  reduceOnly: boolean;
}

/** Evaluates every trigger on one snapshot. */
export function evaluateTriggers(
  s: VaultSnapshot,
  history: readonly Observation[],
  targetsBps: readonly bigint[] | null,
  cfg: TriggerConfig,
  netDeltaTargetsBps: readonly (bigint | null | undefined)[] = [],
): TriggerEvaluation {
  const triggers = [
    scheduleTrigger(s, cfg),
    driftTrigger(s, targetsBps, cfg, netDeltaTargetsBps),
    volatilityTrigger(s, history, cfg),
    netDeltaTrigger(s, cfg),
    healthTrigger(s, cfg),
    drawdownTrigger(s, history, cfg),
    regimeTrigger(s, history, cfg),
    redemptionTrigger(s),
    circuitBreakerTrigger(s),
  ];
  return {
    triggers,
    fired: triggers.filter((t) => t.fired),
    reduceOnly: s.defensive || s.shutdown,
  };
}

/**
 * Targets allowed in reduce-only mode: each asset's target clipped to its current weight (a plan
 * toward them only sells exposure).
 */
export function reduceOnlyTargets(s: VaultSnapshot, targetsBps: readonly bigint[]): bigint[] {
  const { weightsBps } = snapshotWeights(s);
  return targetsBps.map((t, i) => (t < weightsBps[i] ? t : weightsBps[i]));
}

/** Seconds left before the vault's rebalance cooldown ends (0 when a rebalance may run). */
export function cooldownRemaining(s: VaultSnapshot): number {
  if (s.lastRebalanceAt === 0n) return 0;
  const end = s.lastRebalanceAt + s.limits.rebalanceCooldown;
  return s.timestamp >= end ? 0 : Number(end - s.timestamp);
}

/** A trigger that was answered, by a mined rebalance or by a plan with nothing to trade. */
export interface AnsweredTrigger {
  /** Block timestamp (seconds) of the answer. */
  at: bigint;
  /** The trigger's value when it was answered. */
  value: number;
}

/** Answered triggers by kind (a worker's memory between ticks). */
export type AnsweredTriggers = Partial<Record<TriggerKind, AnsweredTrigger>>;

/**
 * Triggers that go quiet once answered. Never quiet: health factor, pending redemptions and
 * drawdown (drawdown is already measured since the last rebalance).
 */
export const QUIETABLE: readonly TriggerKind[] = [
  "schedule",
  "drift",
  "volatility",
  "net-delta",
  "regime",
  "circuit-breaker",
];

/**
 * Keeps answered triggers quiet, so that a condition the keeper already acted on (or found nothing
 * to trade for) does not re-plan on every tick — or after every cooldown — while it lasts. A fired
 * trigger of a {@link QUIETABLE} kind that was answered less than `scheduleSeconds` ago stays quiet
 * while its value is at most `answered.value · (1 + refireWorsening)` (schedule and circuit breaker:
 * by time alone). A trigger that stops firing is re-armed (its answer is forgotten). Returns the
 * evaluation with quiet triggers removed from `fired`, the updated memory and what was quieted.
 */
export function quietAnswered(
  ev: TriggerEvaluation,
  answered: AnsweredTriggers,
  s: VaultSnapshot,
  cfg: TriggerConfig,
): { evaluation: TriggerEvaluation; answered: AnsweredTriggers; quieted: Trigger[] } {
  const worsening = cfg.refireWorsening ?? 0.25;
  const memory: AnsweredTriggers = {};
  const quieted: Trigger[] = [];
  for (const t of ev.triggers) {
    const a = answered[t.kind];
    if (a === undefined || !t.fired || !QUIETABLE.includes(t.kind)) continue;
    if (s.timestamp - a.at >= BigInt(cfg.scheduleSeconds)) continue;
    const timeOnly = t.kind === "schedule" || t.kind === "circuit-breaker";
    if (!timeOnly && t.value > a.value * (1 + worsening)) continue;
    memory[t.kind] = a;
    quieted.push(t);
  }
  return {
    evaluation: { ...ev, fired: ev.fired.filter((t) => !quieted.includes(t)) },
    answered: memory,
    quieted,
  };
}

/**
 * Conditions a mined rebalance may leave in place (market volatility and regime, a net delta the
 * caps keep outside its band, defensive mode): answered by a mined rebalance. Drift and schedule
 * are reset by the rebalance itself (new weights, new lastRebalanceAt), so only a plan with
 * nothing to trade answers them.
 */
export const ANSWERED_BY_REBALANCE: readonly TriggerKind[] = [
  "volatility",
  "net-delta",
  "regime",
  "circuit-breaker",
];

/**
 * Records the fired triggers as answered at `at`: after a mined rebalance the kinds of
 * {@link ANSWERED_BY_REBALANCE}, after a plan with nothing to trade every {@link QUIETABLE} kind.
 */
export function markAnswered(
  answered: AnsweredTriggers,
  fired: readonly Trigger[],
  at: bigint,
  by: "rebalance" | "no-trade",
): AnsweredTriggers {
  const kinds = by === "rebalance" ? ANSWERED_BY_REBALANCE : QUIETABLE;
  const out: AnsweredTriggers = { ...answered };
  for (const t of fired) if (kinds.includes(t.kind)) out[t.kind] = { at, value: t.value };
  return out;
}
