/**
 * `ballast plan`: a dry run. Reads the snapshot at one block, computes targets (explicit, or the
 * quant engine on the Chainlink round history resampled at the feeds' own round spacing: the
 * vault's configured strategy — estimator, expected returns, model, target volatility — see
 * keeper/src/strategy/targets.ts, under the max weights / net-delta caps less 10 % headroom; on a
 * chain with too little history: equal weights within the max weights, said so in
 * `targets.note`), builds the plan with QuoterV2 quotes, reports every on-chain bound
 * with its margin, and simulates `rebalance(plan, sig)` with eth_call at the snapshot block, signed
 * by the configured signer with the deadline set to that block's timestamp (so the signature is
 * expired for every later block and cannot be relayed). Sends nothing, claims nothing in the
 * journal. A failed simulation is reported with a hint at its usual cause
 * ({@link simulationFailure}: `InvalidSigner` — the signer lacks KEEPER_SIGNER_ROLE); the CLI
 * exits 1 on it. A feed answering zero or less (the planner divides by its answer) is refused
 * first, a FeedAnswerError naming it.
 */
import { Contract } from "ethers";
import type { Provider } from "ethers";
import { npmAbi } from "../chain/abis.ts";
import { FeedAnswerError, readSnapshot } from "../chain/reader.ts";
import { simulateExpiredCopy } from "../chain/simulate.ts";
import type { RebalanceSimulation } from "../chain/simulate.ts";
import type { DecodedRevert } from "../chain/errors.ts";
import { walkRounds } from "../data/chainlink.ts";
import type { PricePoint } from "../data/types.ts";
import { alignSeries, forwardFill, logReturns } from "../data/align.ts";
import { strategyWeights } from "../strategy/targets.ts";
import type { StrategySpec } from "../strategy/targets.ts";
import { formatReport } from "../planner/checks.ts";
import type { BoundReport } from "../planner/checks.ts";
import { buildPlan, oracleQuote } from "../planner/planner.ts";
import type { PlanResult, QuoteFn } from "../planner/planner.ts";
import type { SignedPlan, VaultSnapshot } from "../planner/types.ts";
import { CommandError, resolveVault } from "./context.ts";
import type { CommandContext, ResolvedVault } from "./context.ts";
import { headerCheckText, planNotes } from "../planner/notes.ts";
import { counted, timeAt } from "../planner/text.ts";

/** Options of {@link runPlan}. */
export interface PlanOptions {
  vault: string;
  lens?: string;
  /** Explicit targets, one per registered asset (fractions, or bps as bigints). */
  targets?: readonly (number | bigint)[];
  /** Plan validity (default 600 s). */
  ttlSeconds?: bigint;
  /** Minimum aligned daily/hourly returns for the quant engine (default strategy.minHistory, 30). */
  minHistory?: number;
}

/** How the targets were chosen. */
export interface TargetChoice {
  bps: bigint[];
  /** "quant": the strategy's model on the Chainlink history (`model` names it). */
  source: "explicit" | "quant" | "equal-weight-fallback";
  /** The model that produced quant targets (null otherwise). */
  model: string | null;
  note: string;
  /** The quant targets' estimates (per bucket), for the loop's cost–benefit gate. */
  estimates?: { cov: number[][]; mu: number[]; periodsPerYear: number };
}

/**
 * Result of {@link runPlan}. `signed` is the simulation's signed copy of the plan: identical but
 * for a deadline at the snapshot block's timestamp (never journaled, never sent, already expired).
 */
export interface PlanRun {
  vault: string;
  blockNumber: number;
  targets: TargetChoice;
  quotes: "quoterV2" | "oracle";
  result: PlanResult;
  bounds: BoundReport[];
  report: string[];
  simulation: RebalanceSimulation | null;
  signed: SignedPlan | null;
  /** Address of the plan signer whose signature the simulation carried (null: no simulation). */
  signer: string | null;
  snapshot: VaultSnapshot;
}

/** A failed simulation of a {@link PlanRun}: the decoded error and what it usually means. */
export interface SimulationFailure {
  /** `Name(arg, …)` of the decoded revert, or the node's message. */
  message: string;
  error: DecodedRevert | null;
  /** What to do about it (null when the error has no known cause). */
  hint: string | null;
}

/**
 * Why the dry run's simulation failed, or null when it did not fail (or did not run: no feasible
 * plan). `InvalidSigner`: the recovered signer lacks KEEPER_SIGNER_ROLE (`status` shows it as
 * NO ROLE); `PlanExpired`: the node evaluates eth_call at a clock more than a minute past the
 * snapshot block, which the already-expired copy cannot pass.
 */
export function simulationFailure(r: PlanRun): SimulationFailure | null {
  const sim = r.simulation;
  if (sim === null || sim.ok) return null;
  const signer = r.signer ?? sim.error?.args[0] ?? "the signer";
  let hint: string | null = null;
  if (sim.error?.name === "InvalidSigner")
    hint =
      `the plan signer ${signer} lacks KEEPER_SIGNER_ROLE on vault ${r.vault} ` +
      "(`ballast status` shows it as NO ROLE): grant it the role, or configure the keeper's key";
  else if (sim.error?.name === "PlanExpired")
    hint =
      "the node runs eth_call at a clock more than a minute past the latest block (a dev node " +
      "idle for a while), which the dry run's copy, expiring at that block, cannot pass: mine a " +
      "block and retry";
  return { message: sim.message, error: sim.error, hint };
}

/** QuoteFn backed by QuoterV2 `quoteExactInput` (staticCall) at `blockTag`. */
export function quoterV2Quote(
  provider: Provider,
  quoter: string,
  blockTag: number | "latest" = "latest",
): QuoteFn {
  const q = new Contract(quoter, npmAbi("quoterV2"), provider);
  return async (req) => {
    const r = (await q.quoteExactInput.staticCall(req.path, req.amountIn, {
      blockTag,
    })) as unknown as bigint[];
    return BigInt(r[0]);
  };
}

/** Equal weights within the max weights (each min(1/K, max − margin)); cash is the rest. */
export function equalWeightTargets(s: VaultSnapshot, marginBps = 10n): bigint[] {
  const enabled = s.assets.filter((a) => a.enabled).length;
  if (enabled === 0) return s.assets.map(() => 0n);
  const each = 10_000n / BigInt(enabled);
  return s.assets.map((a) => {
    if (!a.enabled) return 0n;
    const cap = a.maxWeightBps > marginBps ? a.maxWeightBps - marginBps : 0n;
    return each < cap ? each : cap;
  });
}

/**
 * Resampling bucket (seconds) for Chainlink round histories: the median spacing between
 * consecutive rounds over every series, rounded to the nearest hour, at least one hour. Feeds
 * updating hourly (or faster) keep hourly buckets; a feed updating daily gets daily buckets, so
 * its rounds are not spread over mostly-empty hourly buckets.
 */
export function resampleBucketSeconds(series: readonly (readonly PricePoint[])[]): number {
  const gaps: number[] = [];
  for (const pts of series) {
    const ts = pts.map((p) => p.t).sort((a, b) => a - b);
    for (let k = 1; k < ts.length; k++) if (ts[k] > ts[k - 1]) gaps.push(ts[k] - ts[k - 1]);
  }
  if (gaps.length === 0) return 3_600;
  gaps.sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  const median = gaps.length % 2 === 1 ? gaps[mid] : (gaps[mid - 1] + gaps[mid]) / 2;
  return Math.max(3_600, Math.round(median / 3_600) * 3_600);
}

/**
 * Why the quant engine has too little history: the fewest Chainlink rounds of any feed within the
 * lookback, and how many it needs ("only 1 feed round in 30 days (21 needed)"). Pure.
 */
export function shortRoundsReason(rounds: number, lookbackDays: number, needed: number): string {
  return `only ${counted(rounds, "feed round")} in ${counted(lookbackDays, "day")} (${needed} needed)`;
}

/**
 * Why the quant engine has too little history after aligning the feeds: the returns at the
 * resampling bucket and how many it needs ("only 1 aligned return at 3600 s buckets (30
 * needed)"). Pure.
 */
export function shortReturnsReason(returns: number, bucketSeconds: number, needed: number): string {
  return `only ${counted(returns, "aligned return")} at ${bucketSeconds} s buckets (${needed} needed)`;
}

/** Strategy used when the vault has no config entry (an address given on the command line). */
export const DEFAULT_STRATEGY: StrategySpec = { model: "min-variance", estimator: "ledoit-wolf" };

/** Targets from the Chainlink history and the vault's strategy, or the reason there are none. */
async function quantTargets(
  ctx: CommandContext,
  s: VaultSnapshot,
  blockNumber: number,
  lookbackDays: number,
  minHistory: number,
  strategy: StrategySpec,
): Promise<
  | { bps: bigint[]; note: string; model: string; estimates: TargetChoice["estimates"] }
  | { reason: string }
> {
  const series: Record<string, PricePoint[]> = {};
  const since = Number(s.timestamp) - lookbackDays * 86_400;
  for (const [i, a] of s.assets.entries()) {
    const feed = new Contract(a.feedInfo?.feed ?? "", npmAbi("aggregatorV3"), ctx.provider);
    const latest = (await feed.latestRoundData({ blockTag: blockNumber })) as bigint[];
    const walk = await walkRounds(
      async (id) => {
        const r = (await feed.getRoundData(id, { blockTag: blockNumber })) as bigint[];
        return {
          roundId: r[0],
          answer: r[1],
          startedAt: r[2],
          updatedAt: r[3],
          answeredInRound: r[4],
        };
      },
      {
        latestRoundId: latest[0],
        maxRounds: 24 * lookbackDays + 1,
        since,
        decimals: a.feedDecimals,
      },
    );
    series[String(i)] = walk.points;
  }
  const counts = Object.values(series).map((p) => p.length);
  if (Math.min(...counts) < minHistory + 1)
    return { reason: shortRoundsReason(Math.min(...counts), lookbackDays, minHistory + 1) };
  const bucket = resampleBucketSeconds(Object.values(series));
  const panel = forwardFill(
    alignSeries(series, { bucket, symbols: s.assets.map((_, i) => String(i)) }),
    1,
    "causal",
  ).panel;
  const rets = logReturns(panel);
  if (rets.returns.length < minHistory)
    return { reason: shortReturnsReason(rets.returns.length, bucket, minHistory) };
  // Headroom under each cap (max weight and max net delta): 10 % of the cap, at least 10 bps. A
  // target parked right at the cap (min variance often is) is pushed over it by the next up move,
  // so the net-delta trigger would fire and the vault would trade on almost every tick.
  const caps = s.assets.map((a) => {
    if (!a.enabled) return 0;
    const cap = Number(a.maxWeightBps < a.maxNetDeltaBps ? a.maxWeightBps : a.maxNetDeltaBps);
    return Math.max(0, cap - Math.max(10, Math.ceil(cap / 10))) / 10_000;
  });
  const res = await strategyWeights(rets.returns, strategy, caps, {
    periodsPerYear: (365 * 86_400) / bucket,
    highs: ctx.highs,
  });
  if (res.fallback !== null)
    ctx.logger.warn({ vault: s.vault, reason: res.fallback }, "strategy fallback");
  return {
    bps: res.weights.map((w) => BigInt(Math.max(0, Math.floor(w * 10_000)))),
    note: `${res.note}; ${lookbackDays}-day lookback at ${bucket} s buckets, caps less 10 % headroom`,
    model: res.model,
    estimates: res.inputs,
  };
}

/**
 * Targets of one vault at `blockNumber`: explicit (`opts.targets`), or the quant engine on the
 * Chainlink history (min variance), or equal weights within the max weights when the history is
 * short (the reason in `note`, logged as a warning). Shared by `plan` and the keeper loop.
 */
export async function chooseTargets(
  ctx: CommandContext,
  rv: ResolvedVault,
  snapshot: VaultSnapshot,
  blockNumber: number,
  opts: Pick<PlanOptions, "targets" | "minHistory"> & {
    strategy?: StrategySpec;
    lookbackDays?: number;
  } = {},
): Promise<TargetChoice> {
  let targets: TargetChoice;
  const strategy = opts.strategy ?? rv.config?.strategy ?? DEFAULT_STRATEGY;
  if (opts.targets !== undefined) {
    targets = {
      bps: opts.targets.map((t) =>
        typeof t === "bigint" ? t : BigInt(Math.floor(t * 10_000 + 1e-9)),
      ),
      source: "explicit",
      model: null,
      note: "targets given on the command line",
    };
  } else {
    const lookback = opts.lookbackDays ?? rv.config?.strategy.lookbackDays ?? 30;
    const minHistory = opts.minHistory ?? rv.config?.strategy.minHistory ?? 30;
    let q: Awaited<ReturnType<typeof quantTargets>>;
    try {
      q = await quantTargets(ctx, snapshot, blockNumber, lookback, minHistory, strategy);
    } catch (e) {
      q = { reason: `quant engine failed: ${String((e as Error).message)}` };
    }
    if ("bps" in q) {
      targets = {
        bps: q.bps,
        source: "quant",
        model: q.model,
        note: q.note,
        estimates: q.estimates,
      };
    } else {
      targets = {
        bps: equalWeightTargets(snapshot),
        source: "equal-weight-fallback",
        model: null,
        note: `equal weights within max weights: ${q.reason}`,
      };
      ctx.logger.warn(
        { vault: rv.address, reason: q.reason },
        "plan: falling back to equal weights",
      );
    }
  }
  return targets;
}

/** Dry run of one vault (see the module comment). */
export async function runPlan(ctx: CommandContext, opts: PlanOptions): Promise<PlanRun> {
  const rv = resolveVault(ctx, opts.vault, opts.lens);
  const { snapshot, extras } = await readSnapshot(ctx.provider, rv.address, rv.lens, "latest");
  // the planner divides by each asset's answer (the reader already refuses the base feed's)
  snapshot.assets.forEach((a, i) => {
    if (a.price <= 0n)
      throw new FeedAnswerError(
        {
          asset: i,
          token: a.token,
          feed: extras.assetFeeds[i].feed,
          reason: "not-positive",
          detail: `answer ${a.price} is not positive`,
        },
        a.price,
      );
  });
  if (opts.targets !== undefined && opts.targets.length !== snapshot.assets.length)
    throw new CommandError(
      "BAD_TARGETS",
      `--targets: ${opts.targets.length} weight(s) given, the vault registers ${snapshot.assets.length} assets: give ${snapshot.assets.length}, in registry order`,
    );
  const targets = await chooseTargets(ctx, rv, snapshot, extras.blockNumber, opts);
  const quote =
    ctx.quoter === undefined
      ? oracleQuote(snapshot)
      : quoterV2Quote(ctx.provider, ctx.quoter, extras.blockNumber);
  if (ctx.quoter === undefined)
    ctx.logger.warn(
      { vault: rv.address },
      "plan: no QuoterV2 configured, quoting at oracle prices",
    );
  const result = await buildPlan(snapshot, targets.bps, {
    quote,
    feeTier: ctx.feeTier,
    ttlSeconds: opts.ttlSeconds ?? 600n,
    localLimits: rv.config?.limits,
  });
  let simulation: RebalanceSimulation | null = null;
  let signed: SignedPlan | null = null;
  let signer: string | null = null;
  let bounds: BoundReport[] = [];
  if (result.feasible) {
    bounds = [...result.worst.report.bounds, ...result.robust];
    if (ctx.signer === undefined)
      throw new CommandError("NO_SIGNER", "plan simulation needs the configured signer");
    // the simulation's copy expires at the snapshot block (simulateExpiredCopy): the dry run
    // hands the RPC node a signature nobody can relay, and claims no nonce
    const from =
      ctx.relayer !== undefined ? await ctx.relayer.getAddress() : await ctx.signer.getAddress();
    const attempt = await simulateExpiredCopy(
      ctx.provider,
      rv.address,
      result.plan,
      ctx.signer,
      snapshot.chainId,
      from,
      { blockNumber: extras.blockNumber, timestamp: snapshot.timestamp },
    );
    signed = attempt.copy;
    simulation = attempt.sim;
    signer = await ctx.signer.getAddress();
  } else if (result.binding !== null) {
    bounds = [result.binding];
  }
  const report = planReport(result, snapshot);
  return {
    vault: rv.address,
    blockNumber: extras.blockNumber,
    targets,
    quotes: ctx.quoter === undefined ? "oracle" : "quoterV2",
    result,
    bounds,
    report,
    simulation,
    signed,
    signer,
    snapshot,
  };
}

/**
 * The bound lines of a {@link PlanRun} (`report`): every bound of the worst admissible fill, then
 * the mixed-fill bounds, for a feasible plan; for an infeasible one the failing header check
 * (the cooldown, a pause, …: no trade size fixes it) as its bound line, else the planner's reason
 * with the vault's error. Pure.
 */
export function planReport(result: PlanResult, snapshot: VaultSnapshot): string[] {
  const last = { lastRebalanceAt: snapshot.lastRebalanceAt };
  if (result.feasible)
    return [
      ...formatReport(result.worst.report, last),
      ...formatReport({ bounds: result.robust }, last),
    ];
  if (headerCheckText(result.error) !== null && result.binding !== null)
    return formatReport({ bounds: [result.binding] }, last);
  return [`infeasible: ${result.reason}${result.error ? ` (${result.error.errorName})` : ""}`];
}

/** JSON-able summary of a {@link PlanRun} (bigints as strings). */
export function planRunJson(r: PlanRun): unknown {
  return JSON.parse(
    JSON.stringify(
      {
        vault: r.vault,
        blockNumber: r.blockNumber,
        targets: r.targets,
        quotes: r.quotes,
        feasible: r.result.feasible,
        plan: r.result.feasible ? r.result.plan : null,
        steps: r.result.feasible ? r.result.steps : null,
        reason: r.result.feasible ? null : r.result.reason,
        bounds: r.bounds,
        simulation: r.simulation,
        simulationHint: simulationFailure(r)?.hint ?? null,
        signer: r.signer,
        planHash: r.signed?.planHash ?? null,
      },
      (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
    ),
  ) as unknown;
}

/** Readable rendering: targets, steps, every bound with its margin, the simulation. */
export function formatPlan(r: PlanRun): string {
  const out: string[] = [];
  out.push(`Plan for ${r.vault} at block ${r.blockNumber} (quotes: ${r.quotes})`);
  out.push(
    `targets (${r.targets.source}): ${r.targets.bps.map(String).join(", ")} bps — ${r.targets.note}`,
  );
  if (r.result.feasible) {
    const p = r.result.plan;
    out.push(
      `nonce ${p.nonce} deadline ${timeAt(p.deadline, r.snapshot.timestamp)} actions ${p.actions.length} tolerance ${p.weightToleranceBps} bps slippage ${p.slippageBps} bps`,
    );
    for (const st of r.result.steps)
      out.push(
        st.kind === "swap"
          ? `  swap ${st.side} asset ${st.assetIndex}: in ${st.amountIn} quoted ${st.quotedOut} minOut ${st.minOut}`
          : `  lending op ${st.op} asset ${st.assetIndex}: ${st.amount}`,
      );
    out.push(`expected weights ${p.expectedWeightsBps.map(String).join(", ")} bps`);
  }
  for (const note of planNotes(r.result)) out.push(note);
  out.push("bounds (worst admissible fill, then mixed-fill bounds):");
  for (const line of r.report) out.push(`  ${line}`);
  const failed = simulationFailure(r);
  if (r.simulation !== null && r.simulation.ok)
    out.push(`simulation: ok, gas ${r.simulation.gasEstimate}`);
  else if (failed !== null) {
    out.push(`simulation: FAILED ${failed.message}`);
    if (failed.hint !== null) out.push(`  ${failed.hint}`);
  }
  out.push("nothing was sent");
  return out.join("\n");
}
