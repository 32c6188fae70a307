/**
 * One vault's worker. A tick: resume/track what the journal says is in flight for this vault
 * (never planning past it), read the snapshot at one block, evaluate the triggers, and when one
 * fired: targets → plan → sign → simulate (eth_call) → claim the nonce in the journal → submit and
 * track. Every decision is logged with the trigger numbers; reverts are logged by error name with
 * their values. When the vault's nonce moved (another keeper won), the plan is marked superseded
 * and never resubmitted; the next tick re-plans from fresh state.
 *
 * A feed outage never stops the tracking. The snapshot is read with the reader's
 * `feedCallFailures: "collect"`: a feed whose call reverts, a feed answering zero or less (base
 * or asset), a stale or out-of-band feed all make the NAV unavailable — `state.degraded` names the
 * feeds (`/healthz`) and nothing is planned. When a feed has no usable price (its call failed, or
 * it answers zero or less) nothing is priced at all: no observation enters the history, no
 * trigger is evaluated, no price metric is exported, and the tick returns `nav-unavailable` with
 * no fired triggers (see {@link unpricedFeeds}).
 */
import { Transaction } from "ethers";
import type { Provider, Signer } from "ethers";
import { readSnapshot } from "../chain/reader.ts";
import { simulateExpiredCopy } from "../chain/simulate.ts";
import { SubmitError, submitPlan } from "../chain/submit.ts";
import type { SubmitOptions, SubmitOutcome } from "../chain/submit.ts";
import { decodeError, describeRevert } from "../chain/errors.ts";
import { feedFailures, navUnavailableReason } from "../chain/feeds.ts";
import type { FeedCallFailure } from "../chain/feeds.ts";
import { chooseTargets, quoterV2Quote } from "../commands/plan.ts";
import type { CommandContext, CommandLogger } from "../commands/context.ts";
import { JournalError } from "../journal/journal.ts";
import type { Journal, PlanRecord } from "../journal/journal.ts";
import { buildPlan, effectiveTargets, oracleQuote } from "../planner/planner.ts";
import type { LocalLimits } from "../planner/planner.ts";
import { hashPlan, signPlan } from "../planner/eip712.ts";
import { lossBudgetLeftWad } from "../planner/checks.ts";
import type { VaultSnapshot } from "../planner/types.ts";
import type { KeeperMetrics } from "../metrics/registry.ts";
import { appendObservation } from "./history.ts";
import type { Observation } from "./history.ts";
import type { StrategySpec } from "../strategy/targets.ts";
import { costGate, DEFAULT_GATE_GAMMA } from "./costGate.ts";
import { pxAll, value as tokenValueOf } from "../planner/checks.ts";
import { createHighs } from "../optimize/highs.ts";
import type { HighsLike } from "../optimize/types.ts";
import {
  cooldownRemaining,
  evaluateTriggers,
  markAnswered,
  quietAnswered,
  reduceOnlyTargets,
  snapshotPps,
  snapshotPrices,
  snapshotWeights,
} from "./triggers.ts";
import type { AnsweredTriggers, Trigger, TriggerConfig } from "./triggers.ts";
import { planNotes } from "../planner/notes.ts";

/** Fee/tracking settings of submissions (SubmitOptions without journal/chain/events). */
export type SubmitSettings = Omit<SubmitOptions, "journal" | "chainId" | "onEvent">;

/** Where a worker's targets come from. */
export type TargetSource =
  { kind: "fixed"; bps: readonly bigint[] } | { kind: "strategy"; minHistory?: number };

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  name: string;
  chainId: bigint;
  vault: string;
  lens: string | null;
  provider: Provider;
  /** Plan signer (KEEPER_SIGNER role). */
  signer: Signer;
  /** Pays gas (default: the signer). */
  relayer?: Signer;
  journal: Journal;
  logger: CommandLogger;
  triggers: TriggerConfig;
  submit: SubmitSettings;
  targets?: TargetSource;
  /** The vault's strategy for quant targets (default min variance on Ledoit–Wolf). */
  strategy?: StrategySpec;
  /** Lookback of the quant targets' Chainlink history (default 30 days). */
  lookbackDays?: number;
  /**
   * Target net delta per asset (bps of NAV; null = no hedge), or "neutral" for 0 on every asset
   * (the config's `strategy.deltaNeutral`): plans then borrow/repay through the lending adapter.
   */
  hedge?: readonly (bigint | null)[] | "neutral";
  /**
   * Gas in the cost–benefit gate: the registry index of the chain's native asset (WETH) whose
   * oracle price converts gas to base units, and the gas charged per plan action (default
   * 200 000). Without `nativeAssetIndex` the gate counts no gas.
   */
  gas?: { nativeAssetIndex?: number; perAction?: bigint };
  /** Skip the cost–benefit gate (always send a feasible plan). */
  noCostGate?: boolean;
  /** Recompute strategy targets after this long (default scheduleSeconds). */
  targetsRefreshSeconds?: number;
  quoter?: string;
  feeTier?: (assetIndex: number) => number;
  planTtlSeconds?: bigint;
  /** The config's local limits: plans use the tighter of these and the vault's (planner). */
  localLimits?: LocalLimits;
  /** Observation rows kept (default 500). */
  historyLength?: number;
  metrics?: KeeperMetrics;
  /** Clock, unix ms. */
  now?: () => number;
}

/** Mutable state of a worker (read by the supervisor and /healthz). */
export interface WorkerState {
  lastTickAt: number | null;
  lastBlock: number | null;
  consecutiveErrors: number;
  lastError: string | null;
  /**
   * Why the vault is degraded at the last tick, else null: `NAV unavailable: <the failing feeds,
   * in the words of keeper/src/chain/feeds.ts>` (a feed stale, out of band, answering zero or
   * less, or whose call fails), or the vault's own word that it cannot price its NAV.
   */
  degraded: string | null;
  /**
   * Which outage the vault is in (null: none): the failing feeds and how they fail (stale, not
   * positive, out of band, call failed), without the numbers that change every block (a stale
   * feed's age). The worker warns when it changes — entering an outage, or another feed or
   * another kind of failure — not on every tick of the same outage.
   */
  outage: string | null;
  targets: bigint[] | null;
  targetsAt: bigint | null;
  history: Observation[];
  /** Triggers answered recently (kept quiet until they worsen; see quietAnswered). */
  answered: AnsweredTriggers;
  /** Estimates behind the current quant targets (null for fixed or fallback targets). */
  estimates: { cov: number[][]; mu: number[]; periodsPerYear: number } | null;
  /** HiGHS runtime, loaded at the first min-cvar target computation. */
  highs: HighsLike | null;
  /** Outcomes of this worker's own submissions, in order. */
  outcomes: { nonce: bigint; status: SubmitOutcome["status"]; txHash: string | null }[];
}

/** A vault worker. */
export interface Worker {
  opts: WorkerOptions;
  state: WorkerState;
}

/** What one tick did. */
export interface TickResult {
  action:
    | "tracking"
    | "idle"
    | "paused"
    | "nav-unavailable"
    | "cooldown"
    | "nonce-blocked"
    | "infeasible"
    | "no-trade"
    | "simulation-failed"
    | "superseded"
    | "submitted";
  blockNumber: number;
  nonce: bigint;
  /**
   * The triggers that fired. Empty for `nav-unavailable` when a feed has no usable price (its
   * call fails or it answers zero or less): the triggers are then not evaluated at all.
   */
  fired: Trigger[];
  outcome?: SubmitOutcome["status"];
  /** Block of the submitted plan's receipt (mined or reverted); `blockNumber` is the snapshot's. */
  receiptBlock?: number;
  detail?: string;
}

/** Creates a worker (no I/O). */
export function createWorker(opts: WorkerOptions): Worker {
  return {
    opts,
    state: {
      lastTickAt: null,
      lastBlock: null,
      consecutiveErrors: 0,
      lastError: null,
      degraded: null,
      outage: null,
      targets: null,
      targetsAt: null,
      history: [],
      answered: {},
      estimates: null,
      highs: null,
      outcomes: [],
    },
  };
}

const j = (x: unknown): unknown =>
  JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));

function labels(w: Worker) {
  return { vault: w.opts.name, chain_id: w.opts.chainId.toString() };
}

function triggerLog(ts: readonly Trigger[]) {
  return ts.map((t) => ({
    kind: t.kind,
    fired: t.fired,
    value: t.value,
    threshold: t.threshold,
    details: j(t.details),
  }));
}

/** Rows of the journal for this worker's vault that are still in flight (signed/submitted). */
export function inFlight(w: Worker): PlanRecord[] {
  const vault = w.opts.vault.toLowerCase();
  return w.opts.journal
    .pendingSubmissions()
    .filter((r) => r.chainId === w.opts.chainId && r.vault.toLowerCase() === vault);
}

/**
 * Resolves one in-flight journal row against the chain: mined → markMined, reverted →
 * markReverted (decoded), vault nonce moved with no receipt → superseded, signed-but-never-sent
 * past its deadline → dropped; a submission the node forgot is re-broadcast with the identical
 * signed bytes (never re-signed). Returns true when the row is still in flight. Every mark is for
 * `rec.planHash`: when another process sharing the journal has meanwhile handed the nonce to a
 * different plan (PLAN_MISMATCH), that row is left alone, logged, and counted as in flight (the
 * next tick tracks it under its own plan hash); when it has meanwhile resolved this same plan
 * (FINAL_STATUS: mined, reverted or superseded), the row is left as it is and no longer in
 * flight. Of the snapshot it reads only the vault nonce and the block time, never a price: it runs
 * unchanged while a feed fails.
 */
export async function trackRecord(
  w: Worker,
  rec: PlanRecord,
  s: VaultSnapshot,
  blockNumber: number,
): Promise<boolean> {
  try {
    return await trackOwnRecord(w, rec, s, blockNumber);
  } catch (e) {
    const log = { vault: w.opts.name, nonce: rec.nonce.toString(), planHash: rec.planHash };
    if (e instanceof JournalError && e.code === "FINAL_STATUS") {
      // another process sharing the journal resolved the same plan meanwhile (mined, reverted or
      // superseded): nothing is left to track, and its row already says what happened
      w.opts.logger.info(
        { ...log, status: e.existing?.status, error: e.message },
        "journal row already final (resolved by another process): left alone",
      );
      return false;
    }
    if (!(e instanceof JournalError && e.code === "PLAN_MISMATCH")) throw e;
    w.opts.logger.warn(
      { ...log, error: e.message },
      "journal row now held by another plan: left alone",
    );
    return true;
  }
}

async function trackOwnRecord(
  w: Worker,
  rec: PlanRecord,
  s: VaultSnapshot,
  blockNumber: number,
): Promise<boolean> {
  const { journal, chainId, vault, provider, logger } = w.opts;
  const log = { vault: w.opts.name, nonce: rec.nonce.toString(), planHash: rec.planHash };
  for (const h of rec.txHashes) {
    const r = await provider.getTransactionReceipt(h);
    if (r === null) continue;
    if (r.status === 1) {
      journal.markMined(chainId, vault, rec.nonce, rec.planHash, h);
      w.opts.metrics?.rebalances.inc({ ...labels(w), status: "mined" });
      w.opts.metrics?.rebalanceGas.inc(labels(w), Number(r.gasUsed));
      logger.info({ ...log, txHash: h, block: r.blockNumber }, "tracked plan mined");
      return false;
    }
    let reason = "reverted";
    let error: unknown = null;
    const raw = rec.attempts.find((a) => a.txHash === h)?.rawTx;
    if (raw !== undefined) {
      const tx = Transaction.from(raw);
      try {
        await provider.call({
          to: tx.to,
          from: tx.from,
          data: tx.data,
          blockTag: r.blockNumber - 1,
        });
      } catch (e) {
        error = decodeError(e);
        reason = describeRevert(e);
      }
    }
    journal.markReverted(chainId, vault, rec.nonce, rec.planHash, h, reason);
    w.opts.metrics?.rebalances.inc({ ...labels(w), status: "reverted" });
    logger.warn({ ...log, txHash: h, error: j(error), reason }, "tracked plan reverted");
    return false;
  }
  if (s.nextNonce > rec.nonce) {
    journal.markSuperseded(
      chainId,
      vault,
      rec.nonce,
      rec.planHash,
      `vault nonce is ${s.nextNonce}`,
    );
    w.opts.metrics?.rebalances.inc({ ...labels(w), status: "superseded" });
    logger.info(
      { ...log, vaultNonce: s.nextNonce.toString() },
      "plan superseded: vault nonce moved",
    );
    return false;
  }
  const expired = rec.deadline !== null && rec.deadline < s.timestamp;
  if (rec.txHashes.length === 0) {
    if (expired) {
      const reason = "signed, never submitted; deadline passed";
      journal.markDropped(chainId, vault, rec.nonce, rec.planHash, reason);
      logger.warn(log, "claimed plan never submitted and expired: dropped");
      return false;
    }
    logger.warn(
      { ...log, deadline: rec.deadline?.toString() },
      "nonce claimed by a plan that was never submitted: waiting for its deadline",
    );
    return true;
  }
  const last = rec.attempts[rec.attempts.length - 1];
  const known = await provider.getTransaction(last.txHash);
  if (known === null) {
    if (expired) {
      const reason = "not in the mempool after its deadline";
      journal.markDropped(chainId, vault, rec.nonce, rec.planHash, reason);
      logger.warn(log, "submitted plan vanished after its deadline: dropped");
      return false;
    }
    try {
      // through the private relay when one is configured (never leak it to the public mempool)
      await (w.opts.submit.broadcastProvider ?? provider).broadcastTransaction(last.rawTx);
      logger.warn({ ...log, txHash: last.txHash }, "re-broadcast identical signed transaction");
    } catch (e) {
      logger.warn({ ...log, error: describeRevert(e) }, "re-broadcast refused");
    }
  }
  logger.debug({ ...log, block: blockNumber }, "tracking submitted plan");
  return true;
}

/**
 * Whether some feed of `s` has no usable price: its call failed at the snapshot block (`calls`,
 * the reader's "collect": the snapshot holds zeros for it) or it answers zero or less. Nothing may
 * be priced with such a snapshot — the NAV, the weights, price per share (the drawdown history),
 * the prices of the risk history (the volatility and regime estimates) — so the tick stops at
 * `nav-unavailable` before any of them. A stale or out-of-band feed still answers a positive
 * price: its tick goes on (triggers, history, metrics) and only planning is refused.
 */
export function unpricedFeeds(s: VaultSnapshot, calls: readonly FeedCallFailure[]): boolean {
  return calls.length > 0 || s.base.price <= 0n || s.assets.some((a) => a.price <= 0n);
}

/** Appends the snapshot's prices and price per share to the risk history (a priced snapshot only). */
function recordObservation(w: Worker, s: VaultSnapshot): void {
  w.state.history = appendObservation(
    w.state.history,
    { timestamp: Number(s.timestamp), prices: snapshotPrices(s), ppsWad: snapshotPps(s) },
    w.opts.historyLength ?? 500,
  );
}

/**
 * Exports the snapshot's gauges. `ts` null: a feed has no usable price ({@link unpricedFeeds}):
 * only what needs no price (the loss budget left) is exported; the NAV, weight, net delta and
 * risk gauges keep their last priced values (`/healthz` says why the vault is degraded).
 */
function exportSnapshot(w: Worker, s: VaultSnapshot, ts: readonly Trigger[] | null): void {
  const m = w.opts.metrics;
  if (m === undefined) return;
  const l = labels(w);
  const cap = s.limits.lossBudgetBps * 10n ** 14n;
  m.lossBudgetLeft.set(l, cap === 0n ? 0 : Number(lossBudgetLeftWad(s, s.timestamp) / 10n ** 14n));
  if (ts === null) return;
  const { nav, weightsBps, netDeltaBps } = snapshotWeights(s);
  m.nav.set(l, Number(nav) / 10 ** s.base.decimals);
  weightsBps.forEach((x, i) => m.weight.set({ ...l, asset: String(i) }, Number(x)));
  netDeltaBps.forEach((x, i) => m.netDelta.set({ ...l, asset: String(i) }, Number(x)));
  for (const t of ts) {
    if (t.kind === "volatility") m.volatility.set(l, t.value);
    if (t.kind === "drawdown") m.drawdown.set(l, t.value);
    if (t.kind === "health-factor" && Number.isFinite(t.value)) m.healthFactor.set(l, t.value);
    if (t.fired) m.triggers.inc({ ...l, kind: t.kind });
  }
}

async function targetsFor(w: Worker, s: VaultSnapshot, blockNumber: number): Promise<bigint[]> {
  const src = w.opts.targets ?? { kind: "strategy" };
  if (src.kind === "fixed") return [...src.bps];
  const refresh = BigInt(w.opts.targetsRefreshSeconds ?? w.opts.triggers.scheduleSeconds);
  if (
    w.state.targets !== null &&
    w.state.targetsAt !== null &&
    s.timestamp - w.state.targetsAt < refresh
  )
    return w.state.targets;
  if (w.opts.strategy?.model === "min-cvar" && w.state.highs === null)
    w.state.highs = await createHighs();
  const ctx: CommandContext = {
    provider: w.opts.provider,
    logger: w.opts.logger,
    quoter: w.opts.quoter,
    feeTier: w.opts.feeTier,
    highs: w.state.highs ?? undefined,
  };
  const rv = { address: w.opts.vault, lens: w.opts.lens, name: w.opts.name, config: null };
  const choice = await chooseTargets(ctx, rv, s, blockNumber, {
    minHistory: src.minHistory,
    strategy: w.opts.strategy,
    lookbackDays: w.opts.lookbackDays,
  });
  w.state.targets = choice.bps;
  w.state.targetsAt = s.timestamp;
  w.state.estimates = choice.estimates ?? null;
  w.opts.logger.info(
    {
      vault: w.opts.name,
      targetsBps: choice.bps.map(String),
      source: choice.source,
      model: choice.model,
      note: choice.note,
    },
    "targets updated",
  );
  return choice.bps;
}

/** Gas of a plan with `actions` actions in base units (0 without a native asset configured). */
async function gasCostBase(w: Worker, s: VaultSnapshot, actions: number): Promise<bigint> {
  const i = w.opts.gas?.nativeAssetIndex;
  if (i === undefined || i < 0 || i >= s.assets.length) return 0n;
  const fee = await w.opts.provider.getFeeData();
  const price = fee.maxFeePerGas ?? fee.gasPrice ?? 0n;
  const gas = (w.opts.gas?.perAction ?? 200_000n) * BigInt(actions);
  return tokenValueOf(gas * price, pxAll(s)[i]);
}

/** One tick of a worker (see the module comment). Throws on RPC failure; the supervisor backs off. */
export async function tickWorker(w: Worker): Promise<TickResult> {
  const { opts } = w;
  const { logger, journal, chainId, vault } = opts;
  const now = opts.now ?? Date.now;
  const started = now();
  // a feed whose call fails is collected, not thrown: the tick still tracks, then reports it
  const { snapshot: s, extras } = await readSnapshot(opts.provider, vault, opts.lens, "latest", {
    feedCallFailures: "collect",
  });
  const blockNumber = extras.blockNumber;
  const base = { blockNumber, nonce: s.nextNonce };
  const done = (r: TickResult): TickResult => {
    w.state.lastTickAt = now();
    w.state.consecutiveErrors = 0;
    w.state.lastError = null;
    opts.metrics?.lastTick.set(labels(w), Math.floor(w.state.lastTickAt / 1000));
    return r;
  };

  // 1. whatever the journal holds in flight for this vault is resolved first (no price needed)
  let busy = false;
  for (const rec of inFlight(w)) if (await trackRecord(w, rec, s, blockNumber)) busy = true;
  w.state.lastBlock = blockNumber;
  // a failing feed makes the vault's NAV unavailable: nothing can execute (reported by /healthz)
  const calls = extras.feedCallFailures;
  const navDown = navUnavailableReason(s, extras.navAvailable === false, undefined, calls);
  const degraded = navDown === null ? null : `NAV unavailable: ${navDown}`;
  const decision = { vault: opts.name, block: blockNumber, nonce: s.nextNonce.toString() };
  // warned once per outage (and when its feeds or their failure kinds change), not per tick: a
  // stale feed's reason names its age, which changes with every block
  const failing = feedFailures(s, calls);
  const outage =
    navDown === null
      ? null
      : failing.length > 0
        ? failing.map((f) => `${f.asset}:${f.feed}:${f.reason}`).join(";")
        : navDown;
  if (outage !== w.state.outage) {
    if (outage !== null)
      logger.warn({ ...decision, reason: navDown }, "NAV unavailable: nothing is planned");
    else logger.info(decision, "NAV available again");
  } else if (outage !== null)
    logger.debug({ ...decision, reason: navDown }, "NAV still unavailable: nothing is planned");
  w.state.outage = outage;
  w.state.degraded = degraded;
  // a feed without a usable price: nothing is priced (history, triggers, price metrics)
  const unpriced = unpricedFeeds(s, calls);
  if (!unpriced) recordObservation(w, s);
  if (busy) return done({ ...base, action: "tracking", fired: [] });
  if (unpriced) {
    const reason = navDown ?? "a feed has no usable price";
    exportSnapshot(w, s, null);
    logger.debug(
      { ...decision, reason },
      "NAV unavailable (a feed has no usable price): triggers not evaluated, not planning",
    );
    return done({ ...base, action: "nav-unavailable", fired: [], detail: reason });
  }

  // 2. triggers
  const targets0 = s.paused ? null : await targetsFor(w, s, blockNumber);
  // the drift trigger measures against what the planner would trade toward (clipped targets)
  const hedge =
    opts.hedge === "neutral" ? s.assets.map(() => 0n) : opts.hedge === undefined ? [] : opts.hedge;
  const effective =
    targets0 === null
      ? null
      : effectiveTargets(s, targets0, { targetNetDeltaBps: hedge, localLimits: opts.localLimits })
          .targetsBps;
  const raw = evaluateTriggers(s, w.state.history, effective, opts.triggers, hedge);
  exportSnapshot(w, s, raw.triggers);
  const quiet = quietAnswered(raw, w.state.answered, s, opts.triggers);
  w.state.answered = quiet.answered;
  const ev = quiet.evaluation;
  if (ev.fired.length === 0) {
    logger.debug(
      { ...decision, triggers: triggerLog(ev.triggers), quiet: quiet.quieted.map((t) => t.kind) },
      quiet.quieted.length > 0 ? "only answered triggers fired: quiet" : "no trigger fired",
    );
    return done({ ...base, action: "idle", fired: [] });
  }
  logger.info(
    { ...decision, fired: triggerLog(ev.fired), reduceOnly: ev.reduceOnly },
    `triggers fired: ${ev.fired.map((t) => t.kind).join(", ")}`,
  );
  if (s.paused || targets0 === null) {
    logger.warn(decision, "vault paused: not planning");
    return done({ ...base, action: "paused", fired: ev.fired });
  }
  if (navDown !== null) {
    // warned when the outage began (above): every tick of it would repeat the same warning
    logger.debug({ ...decision, reason: navDown }, "NAV unavailable (a feed fails): not planning");
    return done({ ...base, action: "nav-unavailable", fired: ev.fired, detail: navDown });
  }
  const wait = cooldownRemaining(s);
  if (wait > 0) {
    logger.info({ ...decision, secondsLeft: wait }, "rebalance cooldown: not planning");
    return done({ ...base, action: "cooldown", fired: ev.fired });
  }
  const held = journal.get(chainId, vault, s.nextNonce);
  const heldBlocks =
    held !== undefined &&
    !(
      (held.status === "dropped" || held.status === "reverted") &&
      held.deadline !== null &&
      held.deadline < s.timestamp
    );
  if (heldBlocks) {
    logger.warn(
      {
        ...decision,
        heldBy: held?.planHash,
        status: held?.status,
        deadline: held?.deadline?.toString(),
      },
      "the journal holds this nonce for another plan: not signing a second one",
    );
    return done({ ...base, action: "nonce-blocked", fired: ev.fired });
  }

  // 3. plan (an empty vault has nothing to trade: its triggers are answered, quietly)
  if (snapshotWeights(s).nav === 0n) {
    w.state.answered = markAnswered(w.state.answered, ev.fired, s.timestamp, "no-trade");
    logger.debug(decision, "vault is empty (NAV 0): nothing to plan");
    return done({ ...base, action: "no-trade", fired: ev.fired, detail: "NAV is zero" });
  }
  const targets = ev.reduceOnly ? reduceOnlyTargets(s, targets0) : targets0;
  const quote =
    opts.quoter === undefined
      ? oracleQuote(s)
      : quoterV2Quote(opts.provider, opts.quoter, blockNumber);
  const result = await buildPlan(s, targets, {
    targetNetDeltaBps: hedge,
    quote,
    feeTier: opts.feeTier,
    ttlSeconds: opts.planTtlSeconds ?? 600n,
    localLimits: opts.localLimits,
  });
  if (result.feasible && result.plan.actions.length === 0) {
    // answered: nothing worth trading; these triggers stay quiet until they worsen
    w.state.answered = markAnswered(w.state.answered, ev.fired, s.timestamp, "no-trade");
    logger.info(
      { ...decision, fired: ev.fired.map((t) => t.kind), notes: planNotes(result) },
      "no trade needed",
    );
    return done({ ...base, action: "no-trade", fired: ev.fired, detail: "no trade needed" });
  }
  if (!result.feasible) {
    const reason = result.reason;
    logger.warn(
      {
        ...decision,
        reason,
        error: j(result.error ? { name: result.error.errorName, args: result.error.args } : null),
        notes: planNotes(result),
      },
      "no feasible plan",
    );
    return done({ ...base, action: "infeasible", fired: ev.fired, detail: reason });
  }
  const plan = result.plan;
  if (w.state.estimates !== null && opts.noCostGate !== true) {
    const gate = costGate({
      fired: ev.fired.map((t) => t.kind),
      current: snapshotWeights(s).weightsBps.map((x) => Number(x) / 10_000),
      expected: result.expected.report.weightsBps.map((x) => Number(x) / 10_000),
      navBefore: result.expected.report.navBefore,
      navAfterExpected: result.expected.report.navAfter,
      gasCostBase: await gasCostBase(w, s, plan.actions.length),
      estimates: w.state.estimates,
      gamma: opts.strategy?.riskAversion ?? DEFAULT_GATE_GAMMA,
      horizonSeconds: opts.triggers.scheduleSeconds,
    });
    const numbers = { gain: gate.gain, cost: gate.cost, horizonBuckets: gate.horizonBuckets };
    if (!gate.send) {
      w.state.answered = markAnswered(w.state.answered, ev.fired, s.timestamp, "no-trade");
      logger.info(
        { ...decision, ...numbers, fired: ev.fired.map((t) => t.kind) },
        "no trade: the gain does not beat the cost",
      );
      return done({ ...base, action: "no-trade", fired: ev.fired, detail: "gain below cost" });
    }
    logger.debug({ ...decision, ...numbers, reason: gate.reason }, "cost–benefit gate passed");
  }
  const relayer = opts.relayer ?? opts.signer;
  const from = await relayer.getAddress();

  // 4. simulate, claim, sign, submit, track. The simulation signs a copy that expires at the
  // snapshot block (simulateExpiredCopy): an eth_call hands the signature to the RPC node, which
  // could relay it, but that one is dead for every later block, so it needs no claim and a
  // failing simulation leaves nothing behind. A live signature is made only after the journal
  // holds the nonce, and submitPlan simulates its exact bytes again before any broadcast.
  const pre = await simulateExpiredCopy(opts.provider, vault, plan, opts.signer, chainId, from, {
    blockNumber,
    timestamp: s.timestamp,
  });
  // A node that runs eth_call at its own clock more than a minute past the snapshot (a dev node
  // after a pause) answers PlanExpired for any already-expired copy: the copy then proves
  // nothing, and the plan goes on to the claim and submitPlan's simulation of the live bytes,
  // which holds the nonce to its deadline if it fails.
  const clockSkew = !pre.sim.ok && pre.sim.error?.name === "PlanExpired";
  if (!pre.sim.ok && !clockSkew) {
    logger.warn(
      { ...decision, error: j(pre.sim.error), message: pre.sim.message },
      `simulation failed: ${pre.sim.error?.name ?? pre.sim.message}`,
    );
    return done({
      ...base,
      action: "simulation-failed",
      fired: ev.fired,
      detail: pre.sim.error?.name ?? pre.sim.message,
    });
  }
  try {
    const claim = journal.claimNonce(chainId, vault, plan.nonce, hashPlan(plan), {
      deadline: plan.deadline,
      nowSeconds: s.timestamp,
    });
    // the identical plan already holds the nonce: another process sharing the journal built it
    // and is submitting it; a second relay would only burn gas on InvalidNonce
    if (!claim.fresh) {
      logger.warn(decision, "this plan is already claimed (another keeper process): not signing");
      return done({ ...base, action: "nonce-blocked", fired: ev.fired });
    }
  } catch (e) {
    if (e instanceof JournalError && e.code === "NONCE_TAKEN") {
      logger.warn({ ...decision, error: e.message }, "nonce claimed meanwhile: not signing");
      return done({ ...base, action: "nonce-blocked", fired: ev.fired });
    }
    throw e;
  }
  const presigned = await signPlan(plan, opts.signer, chainId, vault);
  const signed = presigned;
  logger.info(
    {
      ...decision,
      planHash: signed.planHash,
      actions: plan.actions.length,
      notes: planNotes(result),
      expectedWeightsBps: plan.expectedWeightsBps.map(String),
      gasEstimate: pre.sim.ok ? pre.sim.gasEstimate.toString() : "after the claim (node clock)",
    },
    "plan signed, submitting",
  );
  let out: SubmitOutcome;
  try {
    out = await submitPlan(opts.provider, relayer, vault, signed, {
      ...opts.submit,
      chainId,
      journal,
      onEvent: (e) => logger.info({ vault: opts.name, ...(j(e) as object) }, `submit: ${e.kind}`),
    });
  } catch (e) {
    if (e instanceof SubmitError) {
      logger.error({ ...decision, code: e.code, error: e.message }, "submission refused");
      w.state.outcomes.push({ nonce: plan.nonce, status: "dropped", txHash: null });
      return done({
        ...base,
        action: "submitted",
        fired: ev.fired,
        outcome: "dropped",
        detail: e.message,
      });
    }
    throw e;
  }
  let status = out.status;
  // (a failed simulation released the nonce: no row is left to mark)
  if (status === "dropped") {
    // only the vault nonce is read here: a feed failing meanwhile does not matter
    const vn = (
      await readSnapshot(opts.provider, vault, opts.lens, "latest", { feedCallFailures: "collect" })
    ).snapshot.nextNonce;
    if (vn > plan.nonce) {
      status = "superseded";
      try {
        const reason = `vault nonce is ${vn} (${out.message})`;
        journal.markSuperseded(chainId, vault, plan.nonce, signed.planHash, reason);
      } catch (e) {
        // another process handed the nonce to a different plan meanwhile: its row is left alone
        if (!(e instanceof JournalError && e.code === "PLAN_MISMATCH")) throw e;
        logger.warn(
          { ...decision, planHash: signed.planHash, error: e.message },
          "dropped plan superseded; its journal row is now another plan's: left alone",
        );
      }
    }
  }
  w.state.outcomes.push({ nonce: plan.nonce, status, txHash: out.txHash });
  const l = labels(w);
  if (status !== "timeout") opts.metrics?.rebalances.inc({ ...l, status });
  const outcomeLog = {
    ...decision,
    planHash: signed.planHash,
    status,
    txHash: out.txHash,
    txHashes: out.txHashes,
    replacements: out.replacements,
    error: j(out.error),
    message: out.message,
  };
  if (status === "mined") {
    opts.metrics?.rebalanceLatency.observe(l, (now() - started) / 1000);
    if (out.receipt !== null) opts.metrics?.rebalanceGas.inc(l, Number(out.receipt.gasUsed));
    w.state.targetsAt = null;
    w.state.answered = markAnswered(w.state.answered, ev.fired, s.timestamp, "rebalance");
    logger.info({ ...outcomeLog, gasUsed: out.receipt?.gasUsed.toString() }, "rebalance mined");
  } else if (status === "superseded") {
    logger.info(
      outcomeLog,
      "plan superseded: another plan took the vault nonce; re-planning next tick",
    );
  } else if (status === "timeout") {
    logger.warn(outcomeLog, "no receipt yet: the journal keeps the plan, tracking continues");
  } else {
    logger.warn(outcomeLog, `rebalance ${status}${out.error ? `: ${out.error.name}` : ""}`);
  }
  return done({
    ...base,
    action: status === "superseded" ? "superseded" : "submitted",
    fired: ev.fired,
    outcome: status,
    ...(out.receipt === null ? {} : { receiptBlock: out.receipt.blockNumber }),
  });
}
