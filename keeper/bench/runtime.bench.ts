/**
 * Keeper runtime benchmark (issue 6): on Hardhat's in-process network with the real local system
 * (`deployLocalVault`, automine on), the worker `ballast run` runs (`createWorker` + `tick`):
 *
 * 1. decision latency, new block → signed plan: after a WETH feed shock (+ arbitrage) that makes
 *    the drift trigger fire, the worker's stages timed one by one with the same functions
 *    `tickWorker` calls (read snapshot → triggers → plan with QuoterV2 quotes → claim + sign →
 *    eth_call simulation), then the real `tick()` (which repeats them and submits);
 * 2. end-to-end latency, price shock (feed `updateAnswer` + arbitrage swap) → rebalance mined;
 * 3. heap over 10,000 blocks (`hardhat_mine`, 12 s apart) with a tick after every batch, a shock
 *    every 1,000 blocks, heapUsed after forced GC every 500 blocks.
 *
 * Run: `npm run bench -- keeper`; `measureRuntime()` returns the markdown section body.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { network } from "hardhat";
import { HDNodeWallet } from "ethers";
import type { Contract, Provider } from "ethers";
import { deployLocalVault } from "../../deploy/lib/vaultLocal.ts";
import type { LocalVault } from "../../deploy/lib/vaultLocal.ts";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import { VAULT_ASSET_KEYS } from "../../deploy/lib/vaultConfig.ts";
import { shockWethAndArbitrage } from "../../deploy/lib/marketMoves.ts";
import { readSnapshot } from "../src/chain/reader.ts";
import { simulateRebalance } from "../src/chain/simulate.ts";
import { silentLogger } from "../src/commands/context.ts";
import { quoterV2Quote } from "../src/commands/plan.ts";
import { tick } from "../src/commands/run.ts";
import { openJournal } from "../src/journal/journal.ts";
import { createWorker } from "../src/loop/worker.ts";
import type { Worker } from "../src/loop/worker.ts";
import { evaluateTriggers } from "../src/loop/triggers.ts";
import { hashPlan, signPlan } from "../src/planner/eip712.ts";
import { buildPlan } from "../src/planner/planner.ts";

const MNEMONIC = "test test test test test test test test test test test junk";
const TARGETS = [2_500n, 2_500n, 1_490n, 1_490n];
const TRIGGERS = { scheduleSeconds: 30 * 86_400, driftBandBps: 50 };
const DECISION_REPS = 15;
const MEMORY_BLOCKS = 10_000;
const MEMORY_BUDGET_MS = 600_000;
const SAMPLE_EVERY = 500;
const WARMUP_BLOCKS = 1_000;

type Connection = Awaited<ReturnType<typeof network.create>>;

/** Typed failure of the runtime benchmark. */
export class RuntimeBenchError extends Error {
  readonly code: "NO_TRIGGER" | "NOT_MINED";

  constructor(code: RuntimeBenchError["code"], message: string) {
    super(message);
    this.name = "RuntimeBenchError";
    this.code = code;
  }
}

function dyn(c: unknown): Contract {
  return c as Contract;
}

/** Value at quantile `q` (nearest rank) of `xs`. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function forcedGc(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === "function") return g;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return null;
  }
}

interface Env {
  conn: Connection;
  d: LocalVault;
  provider: Provider;
  vault: string;
  lens: string;
  quoter: string;
  chainId: bigint;
  arb: Awaited<ReturnType<Connection["ethers"]["getSigners"]>>[number];
  feeTier: (i: number) => number;
  up: boolean;
}

async function setup(): Promise<Env> {
  const conn = await network.create();
  const { ethers } = conn;
  const d = await deployLocalVault(conn);
  const signers = await ethers.getSigners();
  const vault = await d.vault.getAddress();
  const alice = signers[4];
  const arb = signers[7];
  await dyn(d.usdc).mint(alice.address, 10n ** 12n);
  await dyn(dyn(d.usdc).connect(alice)).approve(vault, 10n ** 12n);
  await dyn(dyn(d.vault).connect(alice)).deposit(10n ** 12n, alice.address);
  const router = await d.swapRouter02.getAddress();
  await conn.provider.request({
    method: "hardhat_setBalance",
    params: [arb.address, "0x" + (10n ** 26n).toString(16)],
  });
  await dyn(dyn(d.weth).connect(arb)).deposit({ value: 10n ** 25n });
  await dyn(dyn(d.weth).connect(arb)).approve(router, 2n ** 255n);
  await dyn(d.usdc).mint(arb.address, 10n ** 18n);
  await dyn(dyn(d.usdc).connect(arb)).approve(router, 2n ** 255n);
  return {
    conn,
    d,
    provider: ethers.provider as unknown as Provider,
    vault,
    lens: await d.lens.getAddress(),
    quoter: await d.quoterV2.getAddress(),
    chainId: (await ethers.provider.getNetwork()).chainId,
    arb,
    feeTier: (i) => LOCAL_STACK.uniswap.pools[VAULT_ASSET_KEYS[i]].fee,
    up: true,
  };
}

/**
 * Moves the WETH feed ±`bps` (alternating) and arbitrages the WETH/USDC pool to it, from the
 * arbitrageur funded and approved once in {@link setup}.
 */
async function shock(env: Env, bps: bigint): Promise<void> {
  await shockWethAndArbitrage(env.d, { bps: env.up ? bps : -bps, arb: env.arb });
  env.up = !env.up;
}

/** Re-publishes every feed's current answer (keeps the unshocked feeds inside their heartbeat). */
async function refreshFeeds(env: Env): Promise<void> {
  const { d } = env;
  for (const f of [d.usdcUsd, d.wethUsd, d.wbtcUsd, d.linkUsd, d.uniUsd]) {
    const [, answer] = (await dyn(f).latestRoundData()) as bigint[];
    await dyn(f).updateAnswer(answer);
  }
}

function makeWorker(env: Env): Worker {
  const wallet = (i: number) =>
    HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(env.provider);
  return createWorker({
    name: "bench",
    chainId: env.chainId,
    vault: env.vault,
    lens: env.lens,
    provider: env.provider,
    signer: wallet(3),
    relayer: wallet(5),
    journal: openJournal(":memory:"),
    logger: silentLogger,
    triggers: TRIGGERS,
    submit: {
      maxFeePerGas: 500n * 10n ** 9n,
      priorityFee: 10n ** 9n,
      feeBumpPercent: 15,
      receiptTimeoutMs: 30_000,
      pollMs: 10,
    },
    targets: { kind: "fixed", bps: TARGETS },
    quoter: env.quoter,
    feeTier: env.feeTier,
  });
}

const STAGES = ["read", "triggers", "plan", "claim+sign", "simulate"] as const;

interface LatencyRun {
  stages: Record<(typeof STAGES)[number], number>;
  decision: number;
  tick: number;
  endToEnd: number;
}

/** Stages of one decision, timed with the functions `tickWorker` calls, on a scratch journal. */
async function timeStages(env: Env, w: Worker): Promise<LatencyRun["stages"]> {
  const t = [performance.now()];
  const { snapshot: s, extras } = await readSnapshot(env.provider, env.vault, env.lens, "latest");
  t.push(performance.now());
  const ev = evaluateTriggers(s, w.state.history, TARGETS, TRIGGERS);
  if (!ev.fired.some((x) => x.kind === "drift"))
    throw new RuntimeBenchError("NO_TRIGGER", "the shock did not fire the drift trigger");
  t.push(performance.now());
  const result = await buildPlan(s, TARGETS, {
    quote: quoterV2Quote(env.provider, env.quoter, extras.blockNumber),
    feeTier: env.feeTier,
    ttlSeconds: 600n,
  });
  if (!result.feasible)
    throw new RuntimeBenchError("NO_TRIGGER", `infeasible plan: ${result.reason}`);
  t.push(performance.now());
  const scratch = openJournal(":memory:");
  scratch.claimNonce(env.chainId, env.vault, result.plan.nonce, hashPlan(result.plan), {
    deadline: result.plan.deadline,
    nowSeconds: s.timestamp,
  });
  const signed = await signPlan(result.plan, w.opts.signer, env.chainId, env.vault);
  scratch.close();
  t.push(performance.now());
  const from = await (w.opts.relayer ?? w.opts.signer).getAddress();
  const sim = await simulateRebalance(env.provider, env.vault, signed, from, "latest");
  if (!sim.ok) throw new RuntimeBenchError("NOT_MINED", `simulation failed: ${sim.message}`);
  t.push(performance.now());
  return {
    read: t[1] - t[0],
    triggers: t[2] - t[1],
    plan: t[3] - t[2],
    "claim+sign": t[4] - t[3],
    simulate: t[5] - t[4],
  };
}

async function latency(env: Env, w: Worker): Promise<LatencyRun[]> {
  const first = await tick(w); // from cash to the targets
  if (first.outcome !== "mined") throw new RuntimeBenchError("NOT_MINED", JSON.stringify(first));
  const runs: LatencyRun[] = [];
  for (let i = 0; i < DECISION_REPS + 1; i++) {
    await env.conn.networkHelpers.time.increase(601); // past the rebalance cooldown
    const t0 = performance.now();
    await shock(env, 600n);
    const tShock = performance.now() - t0;
    const stages = await timeStages(env, w);
    const t1 = performance.now();
    const r = await tick(w);
    const tickMs = performance.now() - t1;
    if (r.outcome !== "mined")
      throw new RuntimeBenchError("NOT_MINED", `rep ${i}: ${r.action} ${r.outcome ?? ""}`);
    const decision = STAGES.reduce((a, k) => a + stages[k], 0);
    // rep 0 is a warm-up (JIT, caches) and is discarded
    if (i > 0) runs.push({ stages, decision, tick: tickMs, endToEnd: tShock + tickMs });
  }
  return runs;
}

interface MemoryRun {
  gc: boolean;
  blocks: number;
  blocksPerTick: number;
  ticks: number;
  actions: Record<string, number>;
  samples: { block: number; heap: number }[];
  seconds: number;
  calibMs: number;
}

async function memory(env: Env, w: Worker): Promise<MemoryRun> {
  const gc = forcedGc();
  const heap = () => {
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  // calibrate: how long is an idle tick after a one-block mine?
  const calib = performance.now();
  for (let i = 0; i < 20; i++) {
    await env.conn.provider.request({ method: "hardhat_mine", params: ["0x1", "0xc"] });
    await tick(w);
  }
  const perTick = (performance.now() - calib) / 20;
  const fit = Math.floor(MEMORY_BUDGET_MS / perTick);
  const candidates = [1, 2, 4, 5, 10, 20, 25, 50, 100, 250, 500];
  const step = candidates.find((k) => MEMORY_BLOCKS / k <= fit) ?? 500;
  const actions: Record<string, number> = {};
  const samples = [{ block: 0, heap: heap() }];
  const started = performance.now();
  let ticks = 0;
  for (let b = step; b <= MEMORY_BLOCKS; b += step) {
    if (b % 1_000 === 0) {
      await env.conn.networkHelpers.time.increase(601);
      await shock(env, 600n);
    } else if (b % 250 === 0) await refreshFeeds(env);
    // hardhat_mine's interval only separates the blocks it mines: the first one would come 1 s
    // after the previous block. Pin it 12 s later, so every block is 12 s apart.
    const last = await env.conn.provider.request({
      method: "eth_getBlockByNumber",
      params: ["latest", false],
    });
    const prevTs = BigInt((last as { timestamp: string }).timestamp);
    await env.conn.provider.request({
      method: "evm_setNextBlockTimestamp",
      params: ["0x" + (prevTs + 12n).toString(16)],
    });
    await env.conn.provider.request({
      method: "hardhat_mine",
      params: ["0x" + step.toString(16), "0xc"],
    });
    const r = await tick(w);
    ticks++;
    const why = r.action === "infeasible" ? ` (${(r.detail ?? "").slice(0, 60)})` : "";
    const key = r.outcome === undefined ? `${r.action}${why}` : `${r.action}:${r.outcome}`;
    actions[key] = (actions[key] ?? 0) + 1;
    if (b % SAMPLE_EVERY === 0) samples.push({ block: b, heap: heap() });
  }
  return {
    gc: gc !== null,
    blocks: MEMORY_BLOCKS,
    blocksPerTick: step,
    ticks,
    actions,
    samples,
    seconds: (performance.now() - started) / 1000,
    calibMs: perTick,
  };
}

const ms = (x: number) => x.toFixed(1);
const mib = (x: number) => (x / 2 ** 20).toFixed(1);

function latencyTable(runs: LatencyRun[]): string {
  const row = (label: string, xs: number[]) =>
    `| ${label} | ${ms(quantile(xs, 0.5))} | ${ms(quantile(xs, 0.9))} |`;
  return [
    "| Stage (ms) | median | p90 |",
    "| --- | ---: | ---: |",
    ...STAGES.map((k) =>
      row(
        k,
        runs.map((r) => r.stages[k]),
      ),
    ),
    row(
      "**decision: new block → signed, simulated plan** (sum)",
      runs.map((r) => r.decision),
    ),
    row(
      "`tick()` on the shocked block (all of the above + submit + receipt)",
      runs.map((r) => r.tick),
    ),
    row(
      "**end-to-end: price shock → rebalance mined**",
      runs.map((r) => r.endToEnd),
    ),
  ].join("\n");
}

function memoryTable(m: MemoryRun): string {
  const after = m.samples.filter((s) => s.block >= WARMUP_BLOCKS);
  const start = after[0].heap;
  const end = after[after.length - 1].heap;
  const max = Math.max(...m.samples.map((s) => s.heap));
  const perK =
    slope(
      after.map((s) => s.block),
      after.map((s) => s.heap),
    ) * 1_000;
  const flat = end - start < 0.1 * start;
  const acts = Object.entries(m.actions)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return [
    `${m.blocks.toLocaleString("en-US")} blocks mined with \`hardhat_mine\` (12 s apart), one \`tick()\` every ${m.blocksPerTick} block(s) = ${m.ticks} ticks in ${m.seconds.toFixed(0)} s (${acts}); a ±6 % WETH shock every 1,000 blocks. ${m.blocksPerTick > 1 ? `Not one tick per block: 10,000 ticks did not fit the ${MEMORY_BUDGET_MS / 60_000}-minute budget at the calibrated cost of a 1-block mine + idle tick (${ms(m.calibMs)} ms), so the worker saw every ${m.blocksPerTick}th block (all 10,000 blocks are mined and each tick reads the latest block, tracks and plans as \`ballast run\` would).` : ""}`,
    "Tick outcomes: `no-trade` = a trigger fired but the planner found nothing to trade (the trigger then stays quiet until it worsens, see keeper/README-loop.md). Every feed re-publishes its answer every 250 blocks (as Chainlink's heartbeat would), so no feed goes stale.",
    `heapUsed sampled every ${SAMPLE_EVERY} blocks ${m.gc ? "after a forced GC (`--expose-gc` via `v8.setFlagsFromString`)" : "WITHOUT forced GC (gc unavailable): noisy"}. It is the whole process: the keeper plus Hardhat's in-process network (EDR keeps chain state natively, outside the JS heap).`,
    "",
    "| Heap | MiB |",
    "| --- | ---: |",
    `| start (block 0) | ${mib(m.samples[0].heap)} |`,
    `| after warm-up (block ${after[0].block.toLocaleString("en-US")}) | ${mib(start)} |`,
    `| end (block ${after[after.length - 1].block.toLocaleString("en-US")}) | ${mib(end)} |`,
    `| max | ${mib(max)} |`,
    `| slope after warm-up (least squares) | ${(perK / 1024).toFixed(1)} KiB per 1,000 blocks |`,
    "",
    `Flat (end − start after the ${WARMUP_BLOCKS.toLocaleString("en-US")}-block warm-up < 10 % of start): **${flat ? "PASS" : "FAIL"}** (${mib(end - start)} MiB, ${((100 * (end - start)) / start).toFixed(1)} %).`,
    "",
    "Samples (block: MiB): " + m.samples.map((s) => `${s.block}: ${mib(s.heap)}`).join(", "),
  ].join("\n");
}

/** Runs the three runtime measurements and returns the BENCHMARKS.md section body. */
export async function measureRuntime(): Promise<string> {
  const env = await setup();
  const w = makeWorker(env);
  try {
    const runs = await latency(env, w);
    const mem = await memory(env, w);
    return [
      `Hardhat in-process network (EDR, automine), the real local system (\`deployLocalVault\`: Uniswap V3, Aave V3, Chainlink mocks; vault with 1,000,000 USDC), the worker of \`ballast run\` (\`createWorker\` + \`tick\`, fixed targets ${TARGETS.join("/")} bps, drift band ${TRIGGERS.driftBandBps} bps, QuoterV2 quotes, relayer ≠ signer, in-memory journal) called directly on the in-process ethers provider (no HTTP, no polling interval).`,
      "",
      `### Latency, N = ${runs.length} (one warm-up rep discarded)`,
      "",
      "Each rep: +601 s (cooldown), a ±6 % WETH feed move (`updateAnswer`) and an arbitrage swap to the new price (2 mined txs: the shock), then the five decision stages timed one by one with the functions `tickWorker` calls (scratch journal for the claim), then the real `tick()`, which repeats them and submits; automine, so it returns with the receipt. End-to-end = shock txs + `tick()`.",
      "",
      latencyTable(runs),
      "",
      "### Memory over 10,000 blocks",
      "",
      memoryTable(mem),
    ].join("\n");
  } finally {
    w.opts.journal.close();
    await env.conn.close();
  }
}
