/**
 * `ballast run`: the keeper loop for every configured vault. `runLoop(ctx, opts)` builds one
 * worker per vault (a provider per network, isolated error handling), an optional metrics server
 * (/metrics, /healthz on 127.0.0.1) and starts the supervisor; it returns a handle to stop it.
 * `tick(worker)` runs one worker step (tests, the simulation driver). `runOnce(ctx, opts)` ticks
 * every worker once and returns what each did and whether it failed (`ballast run --once`, exit 1
 * when any did: {@link tickFailure}). `runKeeper` is the CLI
 * entry: signer + journal from the config, the on-chain limits check, then the loop until
 * SIGINT/SIGTERM, or one tick per vault with `once`.
 */
import type { Provider, Signer } from "ethers";
import type { Logger } from "pino";
import { makeProvider, ResilientProvider } from "../chain/rpc.ts";
import { checkSignerRole, preflightNetwork } from "../chain/preflight.ts";
import { readOnchainLimits } from "../chain/reader.ts";
import { checkLimitsInside } from "../config/limits.ts";
import { gweiToWei } from "../config/schema.ts";
import type { KeeperConfig, NetworkConfig, VaultConfig } from "../config/schema.ts";
import { loadSigner } from "../keys/keystore.ts";
import { openJournal } from "../journal/journal.ts";
import { createMetrics } from "../metrics/registry.ts";
import type { KeeperMetrics } from "../metrics/registry.ts";
import { startMetricsServer } from "../metrics/server.ts";
import type { MetricsServer } from "../metrics/server.ts";
import { startSupervisor } from "../loop/supervisor.ts";
import type { LoopSettings, Supervisor } from "../loop/supervisor.ts";
import { createWorker, tickWorker } from "../loop/worker.ts";
import type { TargetSource, TickResult, Worker } from "../loop/worker.ts";
import type { TriggerConfig } from "../loop/triggers.ts";
import type { CommandContext } from "./context.ts";

/** Typed failure of the loop set-up (`exitCode` follows the CLI's EXIT table). */
export class LoopError extends Error {
  readonly code:
    | "NO_CONFIG"
    | "NO_SIGNER"
    | "NO_JOURNAL"
    | "UNKNOWN_VAULT"
    | "LIMITS_LOOSER_THAN_ONCHAIN"
    | "METRICS_LISTEN";
  readonly exitCode: number;

  constructor(code: LoopError["code"], message: string, exitCode = 2) {
    super(message);
    this.name = "LoopError";
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Options of {@link runLoop}. */
export interface RunLoopOptions {
  /** Vault names to run (default: every configured vault). */
  vaults?: string[];
  /** Providers per network name (default: ctx.provider for a single network, else makeProvider). */
  providers?: Record<string, Provider>;
  /** Metrics server; false to skip (default { host: config.metrics.host, port: config.metrics.port }). */
  metrics?: { host?: string; port?: number } | false;
  /** Trigger settings beyond the strategy section (health margin, drawdown, …). */
  triggers?: Partial<TriggerConfig>;
  /** Targets for every vault (default: the strategy's quant targets). */
  targets?: TargetSource;
  /** Loop overrides (default from the network: pollIntervalMs). */
  loop?: Partial<LoopSettings>;
  /** Relayer paying gas (default ctx.relayer, else the signer). */
  relayer?: Signer;
}

/** A running loop. */
export interface LoopHandle {
  workers: Worker[];
  supervisor: Supervisor;
  metrics: KeeperMetrics;
  metricsUrl: string | null;
  stop(): Promise<void>;
}

/** Trigger config of a configured vault. */
export function triggerConfigOf(v: VaultConfig, extra: Partial<TriggerConfig> = {}): TriggerConfig {
  const t = v.triggers;
  const cfg: TriggerConfig = {
    scheduleSeconds: v.strategy.scheduleSeconds,
    driftBandBps: v.strategy.driftBandBps,
    targetVolatility: v.strategy.targetVolatility,
  };
  if (t.volatilityTolerance !== undefined) cfg.volatilityTolerance = t.volatilityTolerance;
  if (t.netDeltaMarginBps !== undefined) cfg.netDeltaMarginBps = t.netDeltaMarginBps;
  if (t.healthWarnMarginBps !== undefined) cfg.healthWarnMarginBps = t.healthWarnMarginBps;
  if (t.drawdownBps !== undefined) cfg.drawdownBps = t.drawdownBps;
  if (t.regimeStressedAbove !== undefined) cfg.regime = { stressedAbove: t.regimeStressedAbove };
  if (t.refireWorsening !== undefined) cfg.refireWorsening = t.refireWorsening;
  return { ...cfg, ...extra };
}

/** Fee tier of each registered asset's pool: the vault's feeTiers, else defaultFeeTier. */
export function feeTierOf(v: VaultConfig): (assetIndex: number) => number {
  return (i) => v.feeTiers?.[i] ?? v.defaultFeeTier;
}

/**
 * Submission settings of a network. With `privateRpcUrl`, signed transactions go only to that
 * endpoint (`relay`: a provider for it); reads and receipts still use `rpcUrls`.
 */
export function submitSettingsOf(n: NetworkConfig, relay?: Provider) {
  return {
    broadcastProvider: relay,
    maxFeePerGas: gweiToWei(n.maxFeePerGasGwei),
    priorityFee: gweiToWei(n.priorityFeeGwei),
    feeBumpPercent: n.feeBumpPercent,
    receiptTimeoutMs: n.receiptTimeoutMs,
    pollMs: Math.min(n.pollIntervalMs, 1_000),
  };
}

/** One step of one worker (tests and the simulation driver call this directly). */
export function tick(worker: Worker): Promise<TickResult> {
  return tickWorker(worker);
}

/** The workers of the selected vaults, their metrics and the providers they own (to destroy). */
function buildWorkers(
  ctx: CommandContext,
  opts: RunLoopOptions,
): {
  cfg: KeeperConfig;
  vaults: VaultConfig[];
  workers: Worker[];
  metrics: KeeperMetrics;
  owned: Provider[];
} {
  const cfg: KeeperConfig | undefined = ctx.config;
  if (cfg === undefined) throw new LoopError("NO_CONFIG", "run needs a configuration");
  if (ctx.signer === undefined) throw new LoopError("NO_SIGNER", "run needs the plan signer");
  if (ctx.journal === undefined) throw new LoopError("NO_JOURNAL", "run needs the journal");
  const selected = opts.vaults ?? cfg.vaults.map((v) => v.name);
  const vaults = selected.map((name) => {
    const v = cfg.vaults.find((x) => x.name === name);
    if (v === undefined) throw new LoopError("UNKNOWN_VAULT", `unknown vault "${name}"`);
    return v;
  });
  const metrics = createMetrics();
  const networks = Object.keys(cfg.networks);
  const providers = new Map<string, Provider>();
  const owned: Provider[] = [];
  const providerOf = (net: string): Provider => {
    let p = providers.get(net) ?? opts.providers?.[net];
    if (p === undefined) {
      if (networks.length === 1) p = ctx.provider;
      else {
        const n = cfg.networks[net];
        p = makeProvider(n.rpcUrls, n.chainId);
        owned.push(p);
      }
    }
    if (!providers.has(net)) {
      providers.set(net, p);
      if (p instanceof ResilientProvider) metrics.watchRpc(net, () => p.client.stats());
    }
    return p;
  };
  const relays = new Map<string, Provider>();
  const relayOf = (net: string): Provider | undefined => {
    const url = cfg.networks[net].privateRpcUrl;
    if (url === undefined) return undefined;
    let p = relays.get(net);
    if (p === undefined) {
      p = makeProvider([url], cfg.networks[net].chainId);
      relays.set(net, p);
      owned.push(p);
    }
    return p;
  };
  const workers = vaults.map((v) => {
    const n = cfg.networks[v.network];
    const provider = providerOf(v.network);
    const signer = ctx.signer as Signer;
    return createWorker({
      name: v.name,
      chainId: BigInt(n.chainId),
      vault: v.address,
      lens: v.lens,
      provider,
      signer: signer.provider === provider ? signer : signer.connect(provider),
      relayer: opts.relayer ?? ctx.relayer,
      journal: ctx.journal as NonNullable<CommandContext["journal"]>,
      logger: ctx.logger,
      triggers: triggerConfigOf(v, opts.triggers),
      submit: submitSettingsOf(n, relayOf(v.network)),
      targets: opts.targets ?? { kind: "strategy", minHistory: v.strategy.minHistory },
      strategy: v.strategy,
      lookbackDays: v.strategy.lookbackDays,
      hedge: v.strategy.deltaNeutral ? "neutral" : undefined,
      gas: { nativeAssetIndex: v.nativeAssetIndex, perAction: BigInt(v.gasPerAction) },
      noCostGate: !v.costGate,
      quoter: ctx.quoter ?? n.quoterV2,
      feeTier: ctx.feeTier ?? feeTierOf(v),
      planTtlSeconds: BigInt(v.planTtlSeconds),
      localLimits: v.limits,
      metrics,
    });
  });
  return { cfg, vaults, workers, metrics, owned };
}

/**
 * What one worker did in {@link runOnce}: its tick result, or the error that stopped it, and
 * `failure` (why the tick counts as failed, see {@link tickFailure}) when it failed.
 */
export interface OnceResult {
  vault: string;
  result?: TickResult;
  error?: string;
  failure?: string;
}

/**
 * Why a tick failed, or undefined when it did not: its simulation failed, no feasible plan exists
 * for the fired triggers (they stay unanswered: the vault needs attention), or the submitted
 * rebalance reverted, was dropped or failed the submit path's own simulation. Decisions are not
 * failures: idle, paused, cooldown, no-trade, tracking, superseded (another keeper won),
 * nonce-blocked (the journal holds the nonce for a broadcast plan until its deadline: a safety
 * wait), nav-unavailable (a feed fails — stale, out of band, answering zero or less, or its call
 * reverting: nothing can execute until it recovers; the worker reports it `degraded`), and a
 * submission still pending at the receipt timeout (the next run tracks it).
 */
export function tickFailure(t: TickResult): string | undefined {
  const detail = t.detail === undefined ? "" : `: ${t.detail}`;
  if (t.action === "simulation-failed" || t.action === "infeasible") return `${t.action}${detail}`;
  if (
    t.action === "submitted" &&
    (t.outcome === "reverted" || t.outcome === "dropped" || t.outcome === "simulation-failed")
  )
    return `submitted ${t.outcome}${detail}`;
  return undefined;
}

/**
 * One tick per selected vault, one after the other, then the owned providers are closed: the same
 * step the loop takes (triggers, plan, simulate, sign, submit and wait for the receipt), for a
 * cron job or a manual check. A failing vault does not stop the others; its error is returned.
 */
export async function runOnce(
  ctx: CommandContext,
  opts: RunLoopOptions = {},
): Promise<OnceResult[]> {
  const { workers, owned } = buildWorkers(ctx, opts);
  const out: OnceResult[] = [];
  try {
    for (const w of workers) {
      try {
        const result = await tickWorker(w);
        const failure = tickFailure(result);
        out.push({ vault: w.opts.name, result, ...(failure === undefined ? {} : { failure }) });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        ctx.logger.error({ vault: w.opts.name, err: message }, "tick failed");
        out.push({ vault: w.opts.name, error: message, failure: message });
      }
    }
  } finally {
    for (const p of owned) p.destroy();
  }
  return out;
}

/**
 * One line per vault of {@link runOnce}'s results: the action (and submit outcome), the block
 * (the receipt's for a submitted plan, else the snapshot's), the nonce, the fired triggers.
 */
export function formatOnce(results: readonly OnceResult[]): string {
  return results
    .map((r) => {
      if (r.error !== undefined) return `${r.vault}: error: ${r.error}`;
      const t = r.result as TickResult;
      const fired =
        t.fired.length === 0 ? "" : ` (triggers: ${t.fired.map((f) => f.kind).join(", ")})`;
      const outcome = t.outcome === undefined ? "" : ` ${t.outcome}`;
      const detail = t.detail === undefined ? "" : `: ${t.detail}`;
      // a receipt's own block ("mined in block 132"), else the snapshot block the tick read
      const at =
        t.receiptBlock === undefined
          ? `at block ${t.blockNumber}`
          : `in block ${t.receiptBlock} (planned at block ${t.blockNumber})`;
      return `${r.vault}: ${t.action}${outcome} ${at}, nonce ${t.nonce}${fired}${detail}`;
    })
    .join("\n");
}

/** Why the metrics server could not listen, in words (by the listen error's code). */
const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: "address already in use (another process holds the port)",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "address not available on this machine (check metrics.host)",
  ENOTFOUND: "host not found (check metrics.host)",
  EAI_AGAIN: "host name lookup failed (check metrics.host)",
};

/**
 * The error of a metrics server that cannot listen: LoopError METRICS_LISTEN (exit 2, a
 * configuration error) naming the config fields `metrics.host` / `metrics.port` and the reason.
 */
export function metricsListenError(err: unknown, host: string, port: number): LoopError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why =
    (code !== undefined ? LISTEN_REASONS[code] : undefined) ??
    String((err as Error)?.message ?? err);
  return new LoopError(
    "METRICS_LISTEN",
    `metrics.port: the metrics server cannot listen on ${host}:${port} (metrics.host ${host}, ` +
      `metrics.port ${port}): ${why}${code === undefined ? "" : ` (${code})`}; ` +
      "free the port or set another metrics.port (BALLAST__metrics__port)",
  );
}

/**
 * Starts the loop for the configured vaults (see the module comment). The metrics server listens
 * first: when it cannot (port in use, …) no worker has started, the owned providers are closed
 * and {@link metricsListenError} is thrown.
 */
export async function runLoop(ctx: CommandContext, opts: RunLoopOptions = {}): Promise<LoopHandle> {
  const { cfg, vaults, workers, metrics, owned } = buildWorkers(ctx, opts);
  const settings = (w: Worker): LoopSettings => {
    const v = vaults.find((x) => x.name === w.opts.name) as VaultConfig;
    return { pollIntervalMs: cfg.networks[v.network].pollIntervalMs, ...opts.loop };
  };
  let supervisor: Supervisor | null = null;
  let server: MetricsServer | null = null;
  if (opts.metrics !== false) {
    const host = opts.metrics?.host ?? cfg.metrics.host;
    const port = opts.metrics?.port ?? cfg.metrics.port;
    try {
      server = await startMetricsServer({
        registry: metrics.registry,
        // nothing has ticked before the supervisor starts: not healthy yet
        health: () => supervisor?.health() ?? { healthy: false, vaults: [] },
        host,
        port,
      });
    } catch (e) {
      for (const p of owned) p.destroy();
      throw metricsListenError(e, host, port);
    }
    ctx.logger.info({ url: server.url }, "metrics server listening");
  }
  const running = startSupervisor(workers, settings);
  supervisor = running;
  ctx.logger.info({ vaults: workers.map((w) => w.opts.name) }, "keeper loop started");
  return {
    workers,
    supervisor: running,
    metrics,
    metricsUrl: server?.url ?? null,
    async stop() {
      await running.stop();
      await server?.close();
      for (const p of owned) p.destroy();
      ctx.logger.info({}, "keeper loop stopped");
    },
  };
}

/**
 * Start-up checks of `run` before anything is read or signed (keeper/src/chain/preflight.ts):
 * every network with a vault serves its configured chain id, every vault and lens address holds
 * a Ballast vault and a BallastLens (PreflightError, exit 2), and the plan signer holds
 * KEEPER_SIGNER_ROLE on every vault (refused, exit 4: `status` shows the same as "NO ROLE").
 */
export async function preflightKeeper(
  config: KeeperConfig,
  providers: Record<string, Provider>,
  signer: string,
): Promise<void> {
  for (const [name, n] of Object.entries(config.networks)) {
    const vaults = [...config.vaults.entries()].filter(([, v]) => v.network === name);
    if (vaults.length === 0) continue;
    await preflightNetwork(providers[name], {
      chainId: n.chainId,
      chainIdField: `networks.${name}.chainId`,
      vaults: vaults.map(([i, v]) => ({ path: `vaults[${i}]`, address: v.address, lens: v.lens })),
    });
  }
  for (const [i, v] of config.vaults.entries())
    await checkSignerRole(providers[v.network], v.address, signer, `"${v.name}" (vaults[${i}])`);
}

/**
 * CLI entry (the `RunKeeper` signature of keeper/cli/commands/run.ts): loads the signer and the
 * journal, runs {@link preflightKeeper}, refuses vaults whose local limits are looser than the
 * on-chain ones (exit 4), runs until SIGINT/SIGTERM.
 */
export async function runKeeper(args: {
  config: KeeperConfig;
  env: Record<string, string | undefined>;
  logger: Logger;
  stderr: (text: string) => void;
  /** One tick per vault, then return what each did (`ballast run --once`). */
  once?: boolean;
}): Promise<OnceResult[] | undefined> {
  const { config, env, logger, stderr } = args;
  const loaded = await loadSigner(config.signer, env);
  for (const w of loaded.warnings) stderr(`ballast: warning: ${w}\n`);
  const providers: Record<string, Provider> = {};
  for (const [name, n] of Object.entries(config.networks))
    providers[name] = makeProvider(n.rpcUrls, n.chainId);
  try {
    await preflightKeeper(config, providers, await loaded.wallet.getAddress());
    for (const [i, v] of config.vaults.entries()) {
      const issues = checkLimitsInside(
        v.limits,
        await readOnchainLimits(providers[v.network], v.address),
        `vaults[${i}]`,
      );
      if (issues.length > 0)
        throw new LoopError(
          "LIMITS_LOOSER_THAN_ONCHAIN",
          `refusing: ${issues.map((x) => `${x.path}: ${x.message}`).join("; ")}`,
          4,
        );
    }
  } catch (e) {
    for (const p of Object.values(providers)) p.destroy();
    throw e;
  }
  const journal = openJournal(config.journal.path);
  const first = Object.values(providers)[0];
  if (args.once === true) {
    let results: OnceResult[];
    try {
      results = await runOnce(
        { provider: first, signer: loaded.wallet, config, logger, journal },
        { providers },
      );
    } finally {
      journal.close();
      for (const p of Object.values(providers)) p.destroy();
    }
    return results;
  }
  let handle: LoopHandle;
  try {
    handle = await runLoop(
      { provider: first, signer: loaded.wallet, config, logger, journal },
      { providers },
    );
  } catch (e) {
    // e.g. the metrics port in use: nothing has started, nothing is left running
    journal.close();
    for (const p of Object.values(providers)) p.destroy();
    throw e;
  }
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await handle.stop();
  journal.close();
  for (const p of Object.values(providers)) p.destroy();
  return undefined;
}
