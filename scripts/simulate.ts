/**
 * `npm run simulate`: the main job. On a fresh machine with no configuration it starts an
 * in-process Hardhat network, deploys the local stack and the vault (deployLocalVault), funds
 * depositors, then runs a daily market simulation that drives the Chainlink feeds, keeps the
 * Uniswap pools at the feed prices with an arbitrageur, lets depositors come and go, and runs one
 * tick of the keeper's own run loop per day (`tick` of commands/run.ts: the worker `ballast run`
 * runs — triggers → targets → plan → sign → eth_call → journal → submit → track — with the
 * journal in SQLite :memory:) with the local limits of the local system's keeper config
 * (deploy/lib/keeperConfig.ts), as `ballast run` passes a config's limits. Ends with a summary
 * table on stdout and an HTML report in reports/. See docs/simulation.md.
 *
 * Options: --days <n> (120) --seed <n> (42) --prices <file.csv> [--columns WETH,WBTC,LINK,UNI]
 *          --nu <ν> (4) --schedule-days <n> (7) --drift-bps <n> (300) --min-history <n> (20)
 *          --out <dir> (reports) --no-build --quiet --json --help
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Contract, HDNodeWallet, MaxUint256 } from "ethers";
import type { Provider, Signer } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import { parse as parseYaml } from "yaml";
import { LOCAL_STACK } from "../deploy/config/local.ts";
import type { RiskAssetKey } from "../deploy/config/local.ts";
import { VAULT_ASSET_KEYS } from "../deploy/lib/vaultConfig.ts";
import { deployLocalVault } from "../deploy/lib/vaultLocal.ts";
import { localKeeperConfigYaml } from "../deploy/lib/keeperConfig.ts";
import { encodeSqrtPriceX96, sortTokens, tickRange } from "../deploy/lib/uniswapMath.ts";
import { readOnchainLimits, readSnapshot } from "../keeper/src/chain/reader.ts";
import { checkLimitsInside, formatWad } from "../keeper/src/config/limits.ts";
import { loadConfig } from "../keeper/src/config/load.ts";
import type { LocalLimits } from "../keeper/src/config/schema.ts";
import { tick } from "../keeper/src/commands/run.ts";
import type { CommandLogger } from "../keeper/src/commands/context.ts";
import { openJournal } from "../keeper/src/journal/journal.ts";
import { createWorker } from "../keeper/src/loop/worker.ts";
import type { StrategyEstimator, StrategyModel } from "../keeper/src/strategy/targets.ts";
import type { TickResult } from "../keeper/src/loop/worker.ts";
import {
  bpsDown,
  navOf,
  netDeltaBps,
  netDeltaRangeBps,
  ppsWad,
  pxAll,
  value,
  weightCapBps,
} from "../keeper/src/planner/checks.ts";
import type { VaultSnapshot } from "../keeper/src/planner/types.ts";
import {
  DEFAULT_MODEL,
  SimError,
  generateMarket,
  replayMarket,
} from "../keeper/src/sim/returns.ts";
import type { MarketPath } from "../keeper/src/sim/returns.ts";
import { calmDay, shockPrices } from "../keeper/src/sim/stress.ts";
import type { Scenario } from "../keeper/src/sim/stress.ts";
import { parsePriceCsv } from "../keeper/src/data/csv.ts";
import {
  drawdownSeries,
  equalWeightHold,
  normalize,
  pct,
  perfStats,
  singleAssetHold,
  textTable,
  turnover,
} from "../keeper/src/sim/report.ts";
import type { PerfStats } from "../keeper/src/sim/report.ts";
import { renderHtmlReport } from "./lib/report-html.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MNEMONIC = "test test test test test test test test test test test junk";
const DAY = 86_400;
const Q96 = 2n ** 96n;

/** Raised for bad options or a broken simulation step. */
export class SimulateError extends Error {
  readonly code: "BAD_ARGS" | "STEP_FAILED";

  constructor(code: SimulateError["code"], message: string) {
    super(message);
    this.name = "SimulateError";
    this.code = code;
  }
}

/** Options of {@link runSimulation}. */
export interface SimulateOptions {
  days: number;
  seed: number;
  nu: number;
  /** CSV to replay instead of the generator. */
  prices?: string;
  /** CSV symbols for WETH, WBTC, LINK, UNI. */
  columns: string[];
  outDir: string;
  build: boolean;
  progress: boolean;
  /** Rebalance at least every this many days (the loop's schedule trigger). */
  scheduleDays: number;
  /** The loop's drift band: rebalance when a weight is this far (bps) from its target. */
  driftBps: number;
  /** Aligned feed returns needed before the quant targets replace the equal-weight fallback. */
  minHistory: number;
  /** The keeper's strategy (the config's `strategy.model` / `estimator` / `targetVolatility`). */
  model: StrategyModel;
  estimator: StrategyEstimator;
  targetVolatility?: number;
  /** Hardhat network connection to use (default: a new in-process network). */
  connection?: NetworkConnection;
  /** A stress scenario (keeper/src/sim/stress.ts) applied to the market, feeds and pools. */
  scenario?: Scenario;
}

/** Defaults of {@link SimulateOptions}. */
export const DEFAULT_OPTIONS: SimulateOptions = {
  days: 120,
  seed: 42,
  nu: 4,
  columns: ["WETH", "WBTC", "LINK", "UNI"],
  outDir: path.join(ROOT, "reports"),
  build: true,
  progress: true,
  scheduleDays: 7,
  driftBps: 300,
  minHistory: 20,
  model: "min-variance",
  estimator: "ledoit-wolf",
};

/** One recorded day. */
export interface DayRecord {
  day: number;
  regime: "calm" | "crash";
  prices: number[];
  /** NAV (USDC, float) and NAV per share (USDC per share, float). */
  nav: number;
  pps: number;
  /** Weights of the risk assets (fractions of NAV), then cash. */
  weights: number[];
  cash: number;
  rebalanced: boolean;
  defensive: boolean;
}

/** One day in or right after a stress scenario's window, as a depositor and the keeper saw it. */
export interface ScenarioDay {
  day: number;
  /** `totalAssets()` answered (every feed passed its checks). */
  navAvailable: boolean;
  /** `maxDeposit` > 0 for a depositor. */
  depositsOpen: boolean;
  /** A depositor's withdrawal of idle funds (up to 1,000 USDC, at most `maxWithdraw`) went through. */
  withdrawOk: boolean;
  /** Its `maxWithdraw` (base units) before the withdrawal. */
  maxWithdraw: bigint;
  defensive: boolean;
  /** What the keeper's loop tick did that day. */
  keeperAction: string;
  rebalanced: boolean;
  /** NAV per share (USDC, float; from the snapshot's oracle prices, also while a feed is stale). */
  pps: number;
}

/** Result of {@link runSimulation}. */
export interface SimulationResult {
  days: DayRecord[];
  stats: { vault: PerfStats; equalWeight: PerfStats; btc: PerfStats };
  rebalances: number;
  planAttempts: number;
  /** Loop ticks run (one per simulated day plus day 0) and what each did, by action. */
  ticks: number;
  tickActions: Record<string, number>;
  /** Triggers that fired, by kind (over all ticks). */
  triggersFired: Record<string, number>;
  /** Target computations by source: "quant" (the strategy's model) or "fallback" (equal weights). */
  targetSources: { quant: number; fallback: number };
  /** Mined rebalances by the source of the targets they moved toward. */
  rebalancesBySource: { quant: number; fallback: number };
  /**
   * The keeper config's local limits the worker plans with (bps; minHealthFactor WAD): the
   * planner holds each plan to the tighter of these and the vault's (effectiveLimits).
   */
  localLimits: LocalLimits;
  /**
   * Plans signed; those whose planner notes said local limits bind (are tighter than the
   * vault's); and how many named each limit.
   */
  signedPlans: number;
  localBoundPlans: number;
  localLimitsBinding: Record<string, number>;
  /** Slippage commitment (plan.slippageBps) of each mined rebalance, from its calldata. */
  planSlippageBps: bigint[];
  planFailures: string[];
  gasUsed: bigint;
  /** Σ traded notional / average NAV. */
  turnover: number;
  breaches: string[];
  /**
   * Rebalances that left an asset above its max weight, lower than before (allowed: a market move
   * had taken it there and the pool could not take the whole cure; §6 step 8).
   */
  partialCures: string[];
  /** Steps where navOf(snapshot) != vault.totalAssets(). */
  navMismatches: number;
  deposits: number;
  redemptionRequests: number;
  redemptionsClaimed: number;
  arbSwaps: number;
  lpRecenters: number;
  breakerTrips: number;
  wallSeconds: number;
  /** Vault address and its totalAssets() at the end (base units). */
  vault: string;
  finalTotalAssets: bigint;
  reportPath: string;
  summary: string;
  source: string;
  /** With a scenario: its window and each day from its start to 3 days after its end. */
  scenario?: {
    name: string;
    description: string;
    expected: string;
    start: number;
    end: number;
    days: ScenarioDay[];
  };
}

const MODELS: readonly StrategyModel[] = [
  "min-variance",
  "mean-variance",
  "max-sharpe",
  "risk-parity",
  "min-cvar",
];
const ESTIMATOR_NAMES: readonly StrategyEstimator[] = [
  "sample",
  "ewma",
  "ledoit-wolf",
  "regime-adjusted-ewma",
];

function oneOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T {
  const hit = allowed.find((a) => a === raw);
  if (hit === undefined)
    throw new SimulateError("BAD_ARGS", `invalid ${flag} ${raw} (one of ${allowed.join(", ")})`);
  return hit;
}

/**
 * The replayed market of `file` (`--prices`): an unreadable file or a CSV without the `--columns`
 * symbols is a {@link SimulateError} that names the option and lists the file's symbols.
 */
export function replayFile(
  file: string,
  columns: readonly string[],
  initial: readonly number[],
  days: number,
): MarketPath {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new SimulateError("BAD_ARGS", `--prices ${file}: cannot read the file (${why})`);
  }
  try {
    return replayMarket(text, DEFAULT_MODEL.assets, columns, initial, days);
  } catch (e) {
    if (!(e instanceof SimError)) throw e;
    const symbols = csvSymbols(text);
    throw new SimulateError(
      "BAD_ARGS",
      `--prices ${path.basename(file)} with --columns ${columns.join(",")}: ${e.message}; ` +
        `the file's symbols: ${symbols.length > 0 ? symbols.join(",") : "none found"} ` +
        `(--columns names four of them, for WETH, WBTC, LINK and UNI in that order)`,
    );
  }
}

/** The symbols of a long-format price CSV (keeper/src/data/csv.ts), sorted; [] if it does not parse. */
export function csvSymbols(text: string): string[] {
  try {
    return Object.keys(parsePriceCsv(text, { duplicates: "keep-last" })).sort();
  } catch {
    return [];
  }
}

/** What each option that takes a value expects (its usage error names it). */
const OPTION_VALUES: Readonly<Record<string, string>> = {
  "--days": "<n>",
  "--seed": "<n>",
  "--nu": "<ν>",
  "--prices": "<file.csv>",
  "--columns": `<4 CSV symbols, e.g. ${DEFAULT_OPTIONS.columns.join(",")}>`,
  "--out": "<dir>",
  "--schedule-days": "<n>",
  "--drift-bps": "<n>",
  "--min-history": "<n>",
  "--model": `<${MODELS.join("|")}>`,
  "--estimator": `<${ESTIMATOR_NAMES.join("|")}>`,
  "--target-vol": "<x>",
};

/** The `--help` text (the defaults as the options take them). */
export function usage(): string {
  return (
    "usage: npm run simulate -- [--days 120] [--seed 42] [--nu 4] [--prices file.csv " +
    `[--columns ${DEFAULT_OPTIONS.columns.join(",")}]] [--schedule-days 7] [--drift-bps 300] [--min-history 20] ` +
    `[--model ${MODELS.join("|")}] [--estimator ${ESTIMATOR_NAMES.join("|")}] [--target-vol 0.4] ` +
    "[--out reports] " +
    "[--no-build] [--quiet] [--json]"
  );
}

/**
 * Parses argv (after `node scripts/simulate.ts`). An option's value follows it (`--out dir`) or
 * its first `=` (`--prices=/tmp/a=b.csv` is the file `/tmp/a=b.csv`). An option given without
 * its value (last on the line, an empty `--out=`, or followed by another `--option`) is a
 * SimulateError BAD_ARGS naming it, as every other option error.
 */
export function parseArgs(argv: readonly string[]): SimulateOptions & { json: boolean } {
  const o: SimulateOptions & { json: boolean } = { ...DEFAULT_OPTIONS, json: false };
  const num = (name: string, raw: string | undefined, min: number): number => {
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min)
      throw new SimulateError("BAD_ARGS", `invalid ${name} ${raw} (must be a number >= ${min})`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].startsWith("--") ? argv[i].indexOf("=") : -1;
    const [flag, inline] = eq > 0 ? [argv[i].slice(0, eq), argv[i].slice(eq + 1)] : [argv[i]];
    const val = (): string => {
      const next = inline ?? argv[i + 1];
      if (next === undefined || next === "" || (inline === undefined && next.startsWith("--")))
        throw new SimulateError(
          "BAD_ARGS",
          `${flag} needs a value: ${flag} ${OPTION_VALUES[flag] ?? "<value>"} (try --help)`,
        );
      if (inline === undefined) i++;
      return next;
    };
    if (flag === "--days") o.days = Math.floor(num("--days", val(), 1));
    else if (flag === "--seed") {
      const raw = val();
      o.seed = num("--seed", raw, 0);
      if (!Number.isInteger(o.seed))
        throw new SimulateError("BAD_ARGS", `invalid --seed ${raw} (must be a whole number >= 0)`);
    } else if (flag === "--nu") o.nu = num("--nu", val(), 2.01);
    else if (flag === "--prices") o.prices = path.resolve(val());
    else if (flag === "--columns") o.columns = val().split(",");
    else if (flag === "--out") o.outDir = path.resolve(val());
    else if (flag === "--schedule-days") o.scheduleDays = Math.floor(num(flag, val(), 1));
    else if (flag === "--drift-bps") o.driftBps = Math.floor(num(flag, val(), 1));
    else if (flag === "--min-history") o.minHistory = Math.floor(num(flag, val(), 2));
    else if (flag === "--model") o.model = oneOf(flag, val(), MODELS);
    else if (flag === "--estimator") o.estimator = oneOf(flag, val(), ESTIMATOR_NAMES);
    else if (flag === "--target-vol") o.targetVolatility = num(flag, val(), 0.001);
    else if (flag === "--no-build") o.build = false;
    else if (flag === "--quiet") o.progress = false;
    else if (flag === "--json") o.json = true;
    else if (flag === "--help" || flag === "-h") {
      console.log(usage());
      process.exit(0);
    } else throw new SimulateError("BAD_ARGS", `unknown option ${argv[i]} (try --help)`);
  }
  if (o.columns.length !== 4)
    throw new SimulateError("BAD_ARGS", "--columns needs 4 CSV symbols: WETH,WBTC,LINK,UNI");
  return o;
}

const ERC20 = [
  "function approve(address,uint256) returns (bool)",
  "function balanceOf(address) view returns (uint256)",
  "function mint(address,uint256)",
  "function deposit() payable",
];
const POOL = [
  "function liquidity() view returns (uint128)",
  "function token0() view returns (address)",
  "function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool)",
];
const ROUTER = [
  "function exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96) params) payable returns (uint256 amountOut)",
];
const NPM = [
  "function balanceOf(address owner) view returns (uint256)",
  "function tokenOfOwnerByIndex(address owner, uint256 index) view returns (uint256)",
  "function positions(uint256 tokenId) view returns (uint96 nonce, address operator, address token0, address token1, uint24 fee, int24 tickLower, int24 tickUpper, uint128 liquidity, uint256 feeGrowthInside0LastX128, uint256 feeGrowthInside1LastX128, uint128 tokensOwed0, uint128 tokensOwed1)",
  "function decreaseLiquidity((uint256 tokenId, uint128 liquidity, uint256 amount0Min, uint256 amount1Min, uint256 deadline) params) payable returns (uint256 amount0, uint256 amount1)",
  "function mint((address token0, address token1, uint24 fee, int24 tickLower, int24 tickUpper, uint256 amount0Desired, uint256 amount1Desired, uint256 amount0Min, uint256 amount1Min, address recipient, uint256 deadline) params) payable returns (uint256 tokenId, uint128 liquidity, uint256 amount0, uint256 amount1)",
];
const TIMELOCK = [
  "function schedule(address target, uint256 value, bytes data, bytes32 predecessor, bytes32 salt, uint256 delay)",
  "function execute(address target, uint256 value, bytes payload, bytes32 predecessor, bytes32 salt) payable",
  "function getMinDelay() view returns (uint256)",
];

function dyn(c: unknown): Contract {
  return c as Contract;
}

/** A simple progress bar on stderr (no dependency). */
function progressBar(enabled: boolean): (done: number, total: number, note: string) => void {
  if (!enabled) return () => undefined;
  const tty = process.stderr.isTTY === true;
  let lastPct = -1;
  return (done, total, note) => {
    const frac = total === 0 ? 1 : done / total;
    const width = 30;
    const filled = Math.round(frac * width);
    const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${note}`;
    if (tty) process.stderr.write(`\r${line.padEnd(100)}${done === total ? "\n" : ""}`);
    else {
      const p = Math.floor(frac * 10);
      if (p !== lastPct || done === total) process.stderr.write(`${line}\n`);
      lastPct = p;
    }
  };
}

/** Deterministic small PRNG for depositor behaviour (independent of the market draw). */
function lcg(seed: number): () => number {
  let s = (seed ^ 0x5bd1e995) >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
}

/** 8-decimal feed answer for a float USD price. */
function answer(p: number): bigint {
  return BigInt(Math.max(1, Math.round(p * 1e8)));
}

/** Runs the whole simulation; see the module comment. */
export async function runSimulation(opts: SimulateOptions): Promise<SimulationResult> {
  const started = performance.now();
  const hre = (await import("hardhat")).default;
  if (opts.build) await hre.tasks.getTask("build").run({ quiet: true });
  const connection = opts.connection ?? (await hre.network.create());
  const { ethers, networkHelpers } = connection;
  const d = await deployLocalVault(connection);
  const signers = await ethers.getSigners();
  const deployer = signers[0];
  const lp = signers[LOCAL_STACK.uniswap.lpAccountIndex];
  const arb = signers[10];
  const depositors = [4, 5, 6, 7].map((i) => signers[i]);
  const provider = ethers.provider as unknown as Provider;
  const wallet = (i: number) =>
    HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
  const keeperSigner = wallet(3);
  const relayer = wallet(11);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const vaultAddr = await d.vault.getAddress();
  const lensAddr = await d.lens.getAddress();
  const vault = dyn(d.vault);
  const usdc = dyn(d.usdc);
  const journal = openJournal(":memory:");
  /** Which targets the worker is planning toward ("targets updated" log lines of the worker). */
  const targetSources = { quant: 0, fallback: 0 };
  let currentSource: "quant" | "fallback" | null = null;
  const noop = () => undefined;
  let signedPlans = 0;
  let localBoundPlans = 0;
  const localLimitsBinding: Record<string, number> = {};
  const LOCAL_NOTE = "local limits tighter than the vault's: ";
  const logger: CommandLogger = {
    info: (obj, msg) => {
      if (msg === "plan signed, submitting") {
        signedPlans++;
        const notes = (obj as { notes?: string[] }).notes ?? [];
        const local = notes.find((x) => x.startsWith(LOCAL_NOTE));
        if (local === undefined) return;
        localBoundPlans++;
        for (const f of local.slice(LOCAL_NOTE.length).split(", "))
          localLimitsBinding[f] = (localLimitsBinding[f] ?? 0) + 1;
        return;
      }
      if (msg !== "targets updated") return;
      const src = (obj as { source?: string }).source;
      currentSource = src === "equal-weight-fallback" ? "fallback" : "quant";
      targetSources[currentSource]++;
    },
    warn: noop,
    debug: noop,
    error: noop,
  };

  // ------------------------------------------------------------------ market path
  const initial = VAULT_ASSET_KEYS.map((k) => Number(LOCAL_STACK.oracles.prices[k]) / 1e8);
  let market: MarketPath;
  let source: string;
  if (opts.prices !== undefined) {
    market = replayFile(opts.prices, opts.columns, initial, opts.days);
    source = `replay of ${path.basename(opts.prices)} (${opts.columns.join(",")}), ${market.returns.length} steps`;
  } else {
    market = generateMarket({ ...DEFAULT_MODEL, nu: opts.nu }, opts.days, opts.seed, initial);
    source = `generated: multivariate Student-t ν=${opts.nu}, calm/crash Markov regimes, seed ${opts.seed}`;
  }
  const days = market.returns.length;
  const sc = opts.scenario;
  if (sc !== undefined) {
    if (sc.end > days)
      throw new SimulateError(
        "BAD_ARGS",
        `scenario ${sc.name} runs to day ${sc.end}, the simulation to day ${days}: raise --days`,
      );
    market = { ...market, prices: shockPrices(market.prices, sc) };
    source += `; stress scenario ${sc.name}: ${sc.description}`;
  }
  /** The scenario's shock on `day` (no scenario: calm). */
  const shockAt = (day: number) => sc?.at(day) ?? calmDay(VAULT_ASSET_KEYS.length);

  // ------------------------------------------------------------------ actors
  await networkHelpers.setBalance(arb.address, 10n ** 30n);
  await networkHelpers.setBalance(lp.address, 10n ** 30n);
  await networkHelpers.setBalance(relayer.address, 10n ** 24n);
  const router = new Contract(await d.swapRouter02.getAddress(), ROUTER, arb);
  const npm = new Contract(await d.positionManager.getAddress(), NPM, lp);
  const routerAddr = await router.getAddress();
  const usdcAddr = await usdc.getAddress();
  const feeds = [d.wethUsd, d.wbtcUsd, d.linkUsd, d.uniUsd].map(dyn);
  const usdcFeed = dyn(d.usdcUsd);
  interface PoolInfo {
    key: RiskAssetKey;
    pool: Contract;
    token: Contract;
    tokenAddr: string;
    decimals: number;
    fee: number;
    usdcIsToken0: boolean;
    center: number;
    halfWidth: number;
  }
  const poolContracts = [d.wethUsdcPool, d.wbtcUsdcPool, d.linkUsdcPool, d.uniUsdcPool];
  const pools: PoolInfo[] = [];
  for (const [i, key] of VAULT_ASSET_KEYS.entries()) {
    const pool = new Contract(await poolContracts[i].getAddress(), POOL, arb);
    const token = new Contract(await dyn(d[key]).getAddress(), ERC20, arb);
    const tokenAddr = await token.getAddress();
    const cfg = LOCAL_STACK.uniswap.pools[key];
    const [, tick] = (await pool.slot0()) as [bigint, bigint];
    const [lo, hi] = tickRange(Number(tick), cfg.tickSpacing, cfg.rangeBps);
    pools.push({
      key,
      pool,
      token,
      tokenAddr,
      decimals: LOCAL_STACK.tokens[key].decimals,
      fee: cfg.fee,
      usdcIsToken0: BigInt(usdcAddr) < BigInt(tokenAddr),
      center: Number(tick),
      halfWidth: (hi - lo) / 2,
    });
    await (await token.approve(routerAddr, MaxUint256)).wait();
    await (await dyn(token.connect(lp)).approve(await npm.getAddress(), MaxUint256)).wait();
  }
  await (await dyn(usdc.connect(arb)).approve(routerAddr, MaxUint256)).wait();
  await (await dyn(usdc.connect(lp)).approve(await npm.getAddress(), MaxUint256)).wait();

  const fundToken = async (t: Contract, who: Signer, amount: bigint, isWeth: boolean) => {
    const addr = await who.getAddress();
    const bal = (await t.balanceOf(addr)) as bigint;
    if (bal >= amount) return;
    const c = dyn(t.connect(who));
    if (isWeth) await (await c.deposit({ value: amount - bal })).wait();
    else await (await c.mint(addr, amount - bal)).wait();
  };

  let arbSwaps = 0;
  /**
   * Swaps pool `p` toward the feed price `price` (USD per asset) with USDC at `basePrice` USD,
   * sized from L and √P, capped.
   */
  const arbitrage = async (p: PoolInfo, price: number, basePrice: number) => {
    const priced = { address: p.tokenAddr, decimals: p.decimals, usdPrice: answer(price) };
    const usdcPriced = { address: usdcAddr, decimals: 6, usdPrice: answer(basePrice) };
    const [t0, t1] = sortTokens(priced, usdcPriced);
    const target = encodeSqrtPriceX96(t0, t1);
    for (let round = 0; round < 3; round++) {
      const [sqrtP] = (await p.pool.slot0()) as [bigint];
      const L = (await p.pool.liquidity()) as bigint;
      const devBps = Number(((target > sqrtP ? target - sqrtP : sqrtP - target) * 20_000n) / sqrtP);
      if (devBps <= 5) return;
      const zeroForOne = target < sqrtP; // token0 in pushes the token1/token0 price down
      let amountIn =
        L === 0n
          ? 0n
          : zeroForOne
            ? (L * Q96 * (sqrtP - target)) / (sqrtP * target)
            : (L * (target - sqrtP)) / Q96;
      amountIn = (amountIn * 1_000_000n) / BigInt(1_000_000 - p.fee) + 1n;
      const inIsUsdc = zeroForOne === p.usdcIsToken0;
      // cap: 5M USD of input per swap (the arbitrageur's working capital)
      const capUsd = 5_000_000;
      const cap = inIsUsdc
        ? BigInt(Math.round(capUsd / basePrice)) * 10n ** 6n
        : (BigInt(Math.round((capUsd / price) * 1e6)) * 10n ** BigInt(p.decimals)) / 10n ** 6n;
      if (amountIn > cap || L === 0n) amountIn = cap;
      const tokenIn = inIsUsdc ? usdc : p.token;
      await fundToken(tokenIn, arb, amountIn, !inIsUsdc && p.key === "weth");
      await (
        await router.exactInputSingle({
          tokenIn: inIsUsdc ? usdcAddr : p.tokenAddr,
          tokenOut: inIsUsdc ? p.tokenAddr : usdcAddr,
          fee: p.fee,
          recipient: arb.address,
          amountIn,
          amountOutMinimum: 0n,
          sqrtPriceLimitX96: target,
        })
      ).wait();
      arbSwaps++;
    }
  };

  let lpRecenters = 0;
  /**
   * The LP mints a fresh position around the price when it drifted past half the last range
   * (`force`: in any case, e.g. when it brings its liquidity back after a crunch).
   */
  const recenter = async (p: PoolInfo, price: number, now: bigint, force = false) => {
    const [, tickBig] = (await p.pool.slot0()) as [bigint, bigint];
    const tick = Number(tickBig);
    if (!force && Math.abs(tick - p.center) < p.halfWidth / 2) return;
    const cfg = LOCAL_STACK.uniswap.pools[p.key];
    const [lo, hi] = tickRange(tick, cfg.tickSpacing, cfg.rangeBps);
    const usdcAmt = cfg.usdcAmount;
    const assetAmt =
      (BigInt(Math.round((Number(usdcAmt) / 1e6 / price) * 1e6)) * 10n ** BigInt(p.decimals)) /
      10n ** 6n;
    await fundToken(usdc, lp, usdcAmt, false);
    await fundToken(p.token, lp, assetAmt, p.key === "weth");
    const [a0, a1] = p.usdcIsToken0 ? [usdcAmt, assetAmt] : [assetAmt, usdcAmt];
    await (
      await npm.mint({
        token0: p.usdcIsToken0 ? usdcAddr : p.tokenAddr,
        token1: p.usdcIsToken0 ? p.tokenAddr : usdcAddr,
        fee: p.fee,
        tickLower: lo,
        tickUpper: hi,
        amount0Desired: a0,
        amount1Desired: a1,
        amount0Min: 0n,
        amount1Min: 0n,
        recipient: lp.address,
        deadline: now + 3600n,
      })
    ).wait();
    p.center = tick;
    lpRecenters++;
  };

  /** The LP withdraws `fraction` of the liquidity of every position it holds (a liquidity crunch). */
  const withdrawLiquidity = async (fraction: number, now: bigint) => {
    const n = (await npm.balanceOf(lp.address)) as bigint;
    for (let i = 0n; i < n; i++) {
      const id = (await npm.tokenOfOwnerByIndex(lp.address, i)) as bigint;
      const liquidity = ((await npm.positions(id)) as { liquidity: bigint }).liquidity;
      const out = (liquidity * BigInt(Math.round(fraction * 1e6))) / 1_000_000n;
      if (out === 0n) continue;
      await (
        await npm.decreaseLiquidity({
          tokenId: id,
          liquidity: out,
          amount0Min: 0n,
          amount1Min: 0n,
          deadline: now + 3600n,
        })
      ).wait();
    }
  };

  // ------------------------------------------------------------------ depositors
  const rnd = lcg(opts.seed);
  const USDC = (n: number) => BigInt(Math.round(n)) * 10n ** 6n;
  let deposits = 0;
  let redemptionRequests = 0;
  let redemptionsClaimed = 0;
  const deposit = async (who: (typeof depositors)[number], amount: bigint) => {
    await (await usdc.mint(who.address, amount)).wait();
    await (await dyn(usdc.connect(who)).approve(vaultAddr, amount)).wait();
    const max = (await vault.maxDeposit(who.address)) as bigint;
    if (max < amount) return;
    await (await dyn(vault.connect(who)).deposit(amount, who.address)).wait();
    deposits++;
  };
  for (const [i, who] of depositors.entries())
    await deposit(who, USDC([300e3, 250e3, 250e3, 200e3][i]));

  const depositorActivity = async () => {
    for (const who of depositors) {
      const claimable = (await vault.claimableRedeemRequest(0n, who.address)) as bigint;
      if (claimable > 0n) {
        await (await dyn(vault.connect(who)).redeem(claimable, who.address, who.address)).wait();
        redemptionsClaimed++;
      }
    }
    const u = rnd();
    const who = depositors[Math.floor(rnd() * depositors.length)];
    if (u < 0.08) await deposit(who, USDC(20e3 + rnd() * 80e3));
    else if (u < 0.12) {
      const shares = (await vault.balanceOf(who.address)) as bigint;
      const pending = (await vault.pendingRedeemRequest(0n, who.address)) as bigint;
      const part = (shares * BigInt(10 + Math.floor(rnd() * 20))) / 100n;
      if (part > 0n && pending === 0n) {
        await (await dyn(vault.connect(who)).requestRedeem(part, who.address, who.address)).wait();
        redemptionRequests++;
      }
    }
  };

  // ------------------------------------------------------------------ governance (breaker)
  const timelock = new Contract(await d.timelock.getAddress(), TIMELOCK, deployer);
  let breakerTrips = 0;
  let defensiveSince: number | null = null;
  let scheduled: { salt: string } | null = null;
  const exitData = vault.interface.encodeFunctionData("exitDefensiveMode", []);
  const ZERO32 = `0x${"0".repeat(64)}`;
  /** Chainlink Automation observes the breaker; governance lifts defensive mode after 3 calm days. */
  const governance = async (day: number, regime: string) => {
    const [needed] = (await vault.checkUpkeep("0x")) as [boolean];
    if (needed) await (await vault.performUpkeep("0x")).wait();
    const defensive = (await vault.defensive()) as boolean;
    if (!defensive) {
      defensiveSince = null;
      return;
    }
    if (defensiveSince === null) {
      defensiveSince = day;
      breakerTrips++;
    }
    if (scheduled !== null) {
      await (await timelock.execute(vaultAddr, 0n, exitData, ZERO32, scheduled.salt)).wait();
      scheduled = null;
      defensiveSince = null;
    } else if (day - defensiveSince >= 3 && regime === "calm") {
      const salt = `0x${day.toString(16).padStart(64, "0")}`;
      const delay = (await timelock.getMinDelay()) as bigint;
      await (await timelock.schedule(vaultAddr, 0n, exitData, ZERO32, salt, delay)).wait();
      scheduled = { salt };
    }
  };

  // ------------------------------------------------------------------ keeper
  let rebalances = 0;
  let planAttempts = 0;
  const planFailures: string[] = [];
  let gasUsed = 0n;
  const traded: number[] = [];
  const breaches: string[] = [];
  let navMismatches = 0;
  const planSlippageBps: bigint[] = [];

  const snap = async (): Promise<VaultSnapshot> =>
    (await readSnapshot(provider, vaultAddr, lensAddr, "latest")).snapshot;

  /** Rebalances that left an asset above its max weight (or net-delta band), lower than before. */
  const partialCures: string[] = [];

  /**
   * Every bound the vault enforces after a rebalance, recomputed from the snapshot. `pre` is the
   * state before the rebalance (positions valued at the same prices): a max weight or net-delta
   * band the market had already broken may stay broken, no further (docs/plan-format.md §6 step 8).
   */
  const checkBounds = (
    s: VaultSnapshot,
    day: number,
    afterRebalance: boolean,
    ppsBefore: bigint,
    pre?: VaultSnapshot,
  ) => {
    const nb = navOf(s.positions, s.reservedAssets, pxAll(s));
    if (nb.nav === 0n) return;
    const lev = bpsDown(nb.gross, nb.nav);
    if (lev > s.limits.maxLeverageBps) breaches.push(`day ${day}: leverage ${lev} bps`);
    const hasDebt = s.positions.debts.some((x) => x > 0n);
    if (hasDebt && s.lending.healthFactor < s.limits.minHealthFactor)
      breaches.push(`day ${day}: health factor ${s.lending.healthFactor}`);
    if (!afterRebalance) return;
    const b0 = pre === undefined ? null : navOf(pre.positions, pre.reservedAssets, pxAll(s));
    s.assets.forEach((a, i) => {
      const w = bpsDown(nb.values[i], nb.nav);
      const w0 = b0 === null ? 0n : bpsDown(b0.values[i], b0.nav);
      const cap = weightCapBps(a.maxWeightBps, w0);
      if (w > cap) breaches.push(`day ${day}: weight ${i} ${w} > ${cap}`);
      else if (w > a.maxWeightBps)
        partialCures.push(`day ${day}: weight ${i} ${w0} → ${w} bps (max ${a.maxWeightBps})`);
      const nd = netDeltaBps(nb.values[i], nb.debtValues[i], nb.nav);
      const nd0 = b0 === null ? 0n : netDeltaBps(b0.values[i], b0.debtValues[i], b0.nav);
      const [lo, hi] = netDeltaRangeBps(a.minNetDeltaBps, a.maxNetDeltaBps, nd0);
      if (nd < lo || nd > hi)
        breaches.push(`day ${day}: net delta ${i} ${nd} outside [${lo}, ${hi}]`);
    });
    const capWad = (s.limits.lossBudgetBps * 10n ** 18n) / 10_000n;
    if (s.lossBudget.usedWad > capWad)
      breaches.push(`day ${day}: loss budget ${s.lossBudget.usedWad}`);
    const pps = ppsWad(nb.nav, s.totalSupply, s.decimalsOffset);
    const lossLimit = (ppsBefore * (10_000n - s.limits.maxLossPerRebalanceBps - 1n)) / 10_000n;
    if (pps < lossLimit) breaches.push(`day ${day}: loss per rebalance pps ${ppsBefore} → ${pps}`);
  };

  // The keeper config of this local system, the one `npm run node` writes for it
  // (deploy/lib/keeperConfig.ts), read by the keeper's own loader. Like `ballast run`, the
  // simulation refuses local limits looser than the vault's (runKeeper) and hands the vault's
  // `limits` to its worker (buildWorkers: localLimits = vaults[i].limits).
  const quoter = await d.quoterV2.getAddress();
  const keeperConfig = loadConfig(
    parseYaml(
      localKeeperConfigYaml(
        { rpcUrl: "http://127.0.0.1:8545", vault: vaultAddr, lens: lensAddr, quoterV2: quoter },
        "journal.sqlite", // never opened: the simulation's journal is in memory
      ),
    ) as Record<string, unknown>,
    {},
  );
  const localLimits = keeperConfig.vaults[0].limits;
  const onchainLimits = await readOnchainLimits(provider, vaultAddr);
  const looser = checkLimitsInside(localLimits, onchainLimits, "vaults[0]");
  if (looser.length > 0)
    throw new SimulateError(
      "STEP_FAILED",
      `keeper config: ${looser.map((x) => `${x.path}: ${x.message}`).join("; ")}`,
    );

  // The keeper: exactly the worker `ballast run` runs (keeper/src/loop/worker.ts), one tick per
  // simulated day. Triggers and targets come from the loop (strategy targets from the Chainlink
  // rounds); the simulation only reads what happened.
  const worker = createWorker({
    name: "sim",
    chainId,
    vault: vaultAddr,
    lens: lensAddr,
    provider,
    signer: keeperSigner,
    relayer,
    journal,
    logger,
    triggers: {
      scheduleSeconds: opts.scheduleDays * DAY,
      driftBandBps: opts.driftBps,
      targetVolatility: opts.targetVolatility,
    },
    submit: {
      maxFeePerGas: 500n * 10n ** 9n,
      priorityFee: 10n ** 9n,
      feeBumpPercent: 15,
      receiptTimeoutMs: 30_000,
      pollMs: 20,
    },
    targets: { kind: "strategy", minHistory: opts.minHistory },
    gas: { nativeAssetIndex: VAULT_ASSET_KEYS.indexOf("weth") },
    strategy: {
      model: opts.model,
      estimator: opts.estimator,
      targetVolatility: opts.targetVolatility,
      // mean-variance needs a risk aversion when no volatility target is given
      riskAversion:
        opts.model === "mean-variance" && opts.targetVolatility === undefined ? 5 : undefined,
    },
    quoter,
    feeTier: (i) => LOCAL_STACK.uniswap.pools[VAULT_ASSET_KEYS[i]].fee,
    localLimits,
  });
  let ticks = 0;
  const tickActions: Record<string, number> = {};
  const triggersFired: Record<string, number> = {};
  const rebalancesBySource = { quant: 0, fallback: 0 };
  const PLANNED: ReadonlySet<TickResult["action"]> = new Set([
    "nonce-blocked",
    "infeasible",
    "no-trade",
    "simulation-failed",
    "superseded",
    "submitted",
  ]);

  let lastAction = "";
  const keeperStep = async (day: number): Promise<boolean> => {
    const s = await snap();
    const r = await tick(worker);
    lastAction = r.action + (r.outcome ? ` ${r.outcome}` : "");
    ticks++;
    tickActions[r.action] = (tickActions[r.action] ?? 0) + 1;
    for (const t of r.fired) triggersFired[t.kind] = (triggersFired[t.kind] ?? 0) + 1;
    if (PLANNED.has(r.action)) planAttempts++;
    const mined = r.action === "submitted" && r.outcome === "mined";
    if (!mined) {
      if (!["idle", "cooldown", "tracking", "no-trade"].includes(r.action))
        planFailures.push(
          `day ${day}: ${r.action}${r.outcome ? ` ${r.outcome}` : ""}${r.detail ? `: ${r.detail}` : ""}`,
        );
      return false;
    }
    const txHash = worker.state.outcomes[worker.state.outcomes.length - 1]?.txHash ?? null;
    if (txHash !== null) {
      gasUsed += (await provider.getTransactionReceipt(txHash))?.gasUsed ?? 0n;
      const tx = await provider.getTransaction(txHash);
      const call = tx === null ? null : vault.interface.parseTransaction({ data: tx.data });
      if (call?.name === "rebalance")
        planSlippageBps.push((call.args[0] as { slippageBps: bigint }).slippageBps);
    }
    const nb = navOf(s.positions, s.reservedAssets, pxAll(s));
    const ppsBefore = ppsWad(nb.nav, s.totalSupply, s.decimalsOffset);
    const after = await snap();
    const px = pxAll(after);
    let notional = 0n;
    for (let i = 0; i < after.assets.length; i++) {
      const dv = after.positions.balances[i] - s.positions.balances[i];
      notional += value(dv < 0n ? -dv : dv, px[i]);
    }
    traded.push(Number(notional) / 1e6);
    checkBounds(after, day, true, ppsBefore, s);
    if (currentSource !== null) rebalancesBySource[currentSource]++;
    rebalances++;
    return true;
  };

  // ------------------------------------------------------------------ the loop
  const records: DayRecord[] = [];
  const record = async (day: number, rebalanced: boolean) => {
    const s = await snap();
    const nb = navOf(s.positions, s.reservedAssets, pxAll(s));
    // while a feed fails its checks totalAssets() reverts (the oracle-outage scenario): nothing
    // to compare; the snapshot still values the positions at the feeds' last answers
    const total = (await vault.totalAssets().catch(() => null)) as bigint | null;
    if (total !== null && total !== nb.nav) navMismatches++;
    checkBounds(s, day, false, 0n);
    const nav = Number(nb.nav) / 1e6;
    records.push({
      day,
      regime: day === 0 ? "calm" : market.regimes[day - 1],
      prices: market.prices[day],
      nav,
      pps: Number(ppsWad(nb.nav, s.totalSupply, s.decimalsOffset)) / 1e18,
      weights: nb.values.map((v) => (nb.nav === 0n ? 0 : Number(v) / Number(nb.nav))),
      cash: nb.nav === 0n ? 0 : (Number(nb.idle) + Number(nb.collateral)) / Number(nb.nav),
      rebalanced,
      defensive: s.defensive,
    });
  };
  const bar = progressBar(opts.progress);
  const first = await keeperStep(0);
  await record(0, first);
  const scenarioDays: ScenarioDay[] = [];
  const prober = depositors[0];
  /** A depositor's view on `day` of the scenario: can it deposit, can it withdraw idle funds. */
  const probe = async (day: number, did: boolean) => {
    const navAvailable = (await vault.totalAssets().catch(() => null)) !== null;
    const depositsOpen = ((await vault.maxDeposit(prober.address)) as bigint) > 0n;
    const maxWithdraw = (await vault.maxWithdraw(prober.address)) as bigint;
    const amount = maxWithdraw < USDC(1_000) ? maxWithdraw : USDC(1_000);
    let withdrawOk = false;
    if (amount > 0n) {
      try {
        await (
          await dyn(vault.connect(prober)).withdraw(amount, prober.address, prober.address)
        ).wait();
        withdrawOk = true;
      } catch {
        withdrawOk = false;
      }
    }
    const last = records[records.length - 1];
    scenarioDays.push({
      day,
      navAvailable,
      depositsOpen,
      withdrawOk,
      maxWithdraw,
      defensive: (await vault.defensive()) as boolean,
      keeperAction: lastAction,
      rebalanced: did,
      pps: last.pps,
    });
  };
  let crunched = false;
  for (let day = 1; day <= days; day++) {
    await networkHelpers.time.increase(DAY);
    const prices = market.prices[day];
    const shock = shockAt(day);
    for (const [i, f] of feeds.entries()) {
      if (shock.staleFeeds.includes(i)) continue; // the feed stops answering new rounds
      await (await f.updateAnswer(answer(prices[i]))).wait();
    }
    await (await usdcFeed.updateAnswer(answer(shock.basePrice))).wait();
    const now = BigInt(await networkHelpers.time.latest());
    if (shock.liquidityOut > 0 && !crunched) {
      await withdrawLiquidity(shock.liquidityOut, now);
      crunched = true;
    }
    // arbitrageurs move each pool to the new feed price, then the LP re-centres around it (the
    // other way round it would mint around the old price and leave the new one uncovered);
    // during a crunch it mints nothing, after it it brings fresh liquidity at once
    for (const [i, p] of pools.entries()) {
      await arbitrage(p, prices[i], shock.basePrice);
      if (shock.liquidityOut === 0) await recenter(p, prices[i], now, crunched);
    }
    if (shock.liquidityOut === 0) crunched = false;
    await governance(day, market.regimes[day - 1]);
    await depositorActivity();
    let did = false;
    lastAction = "";
    try {
      did = await keeperStep(day);
    } catch (e) {
      // the keeper logs and retries on the next step; the simulation goes on
      lastAction = "error";
      planFailures.push(`day ${day}: keeper error: ${String((e as Error).message).slice(0, 160)}`);
    }
    await record(day, did);
    if (sc !== undefined && day >= sc.start && day <= sc.end + 3) await probe(day, did);
    bar(day, days, `day ${day} ${market.regimes[day - 1]} rebalances ${rebalances}`);
  }
  journal.close();
  const finalTotalAssets = (await vault.totalAssets()) as bigint;

  // ------------------------------------------------------------------ report
  const ppsPath = records.map((r) => r.pps);
  const eq = equalWeightHold(market.prices);
  const btc = singleAssetHold(market.prices, 1);
  const stats = { vault: perfStats(ppsPath), equalWeight: perfStats(eq), btc: perfStats(btc) };
  const to = turnover(
    traded,
    records.map((r) => r.nav),
  );
  const row = (name: string, s: PerfStats) => [
    name,
    pct(s.totalReturn),
    pct(s.annualizedVol),
    s.sharpe.toFixed(2),
    pct(s.maxDrawdown),
  ];
  const table = [
    ["", "total return", "ann. vol", "Sharpe", "max drawdown"],
    row("Ballast vault (NAV/share)", stats.vault),
    row("1/N buy-and-hold", stats.equalWeight),
    row("BTC (WBTC) hold", stats.btc),
  ];
  const wallSeconds = (performance.now() - started) / 1000;
  const crashDays = market.regimes.filter((r) => r === "crash").length;
  const facts: [string, string][] = [
    ["market", source],
    [
      "keeper strategy",
      `${opts.model} on ${opts.estimator} covariance` +
        (opts.targetVolatility === undefined ? "" : `, vol target ${opts.targetVolatility}`) +
        `, drift band ${opts.driftBps} bps, schedule ${opts.scheduleDays} d`,
    ],
    ["simulated days", `${days} (${crashDays} in the crash regime)`],
    [
      "keeper loop ticks",
      `${ticks} (${Object.entries(tickActions)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")})`,
    ],
    [
      "triggers fired",
      Object.entries(triggersFired)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "none",
    ],
    [
      "rebalances (mined)",
      `${rebalances} of ${planAttempts} plans (${tickActions["no-trade"] ?? 0} not worth their cost)`,
    ],
    [
      "targets used (quant / fallback)",
      `computed ${targetSources.quant} / ${targetSources.fallback}; ` +
        `rebalances ${rebalancesBySource.quant} / ${rebalancesBySource.fallback}`,
    ],
    [
      "keeper local limits (config)",
      `slippage ${localLimits.maxSlippageBps} / turnover ${localLimits.maxTurnoverBps} / ` +
        `loss per rebalance ${localLimits.maxLossPerRebalanceBps} / leverage ` +
        `${localLimits.maxLeverageBps} bps, health factor ≥ ${formatWad(localLimits.minHealthFactor)}; ` +
        `tighter than the vault's in ${localBoundPlans} of ${signedPlans} signed plans` +
        (planSlippageBps.length === 0
          ? ""
          : `, mined slippage ≤ ${planSlippageBps.reduce((m, x) => (x > m ? x : m))} bps`),
    ],
    ["turnover (traded / avg NAV)", pct(to)],
    ["gas spent on rebalances", `${gasUsed.toLocaleString("en-US")} gas`],
    ["risk-bound breaches", String(breaches.length)],
    ["partial cures (asset left above its max, lower)", String(partialCures.length)],
    ["NAV ≠ totalAssets", String(navMismatches)],
    ["circuit-breaker trips", String(breakerTrips)],
    [
      "deposits / redemption requests / claims",
      `${deposits} / ${redemptionRequests} / ${redemptionsClaimed}`,
    ],
    ["arbitrage swaps / LP re-centrings", `${arbSwaps} / ${lpRecenters}`],
    [
      "final NAV",
      `${records[records.length - 1].nav.toLocaleString("en-US", { maximumFractionDigits: 0 })} USDC`,
    ],
    ["wall time", `${wallSeconds.toFixed(1)} s`],
  ];
  const keyWidth = Math.max(...facts.map(([k]) => k.length));
  const summary = `${textTable(table)}\n\n${facts.map(([k, v]) => `${k.padEnd(keyWidth)}  ${v}`).join("\n")}`;
  const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];
  const dayIdx = records.map((r) => r.day);
  const perf = [
    { name: "Ballast NAV/share", color: "#111", values: normalize(ppsPath) },
    { name: "1/N hold", color: "#2ca02c", values: eq },
    { name: "BTC hold", color: "#ff7f0e", values: btc },
  ];
  const html = renderHtmlReport({
    title: "Ballast market simulation",
    subtitle: [source, `${days} daily steps, generated ${new Date().toISOString()}`],
    table,
    facts,
    days: dayIdx,
    performance: perf,
    weights: [
      ...DEFAULT_MODEL.assets.map((a, i) => ({
        name: a,
        color: colors[i],
        values: records.map((r) => r.weights[i]),
      })),
      { name: "cash (USDC)", color: "#bbbbbb", values: records.map((r) => r.cash) },
    ],
    drawdowns: perf.map((s) => ({ ...s, values: drawdownSeries(s.values) })),
    prices: DEFAULT_MODEL.assets.map((a, i) => ({
      name: a,
      color: colors[i],
      values: market.prices.map((p) => p[i] / market.prices[0][i]),
    })),
    crash: records.map((r) => r.regime === "crash"),
    rebalanceDays: records.filter((r) => r.rebalanced).map((r) => r.day),
  });
  mkdirSync(opts.outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const reportPath = path.join(opts.outDir, `simulation-${stamp}.html`);
  writeFileSync(reportPath, html);
  return {
    days: records,
    stats,
    rebalances,
    planAttempts,
    ticks,
    tickActions,
    triggersFired,
    targetSources,
    rebalancesBySource,
    localLimits,
    signedPlans,
    localBoundPlans,
    localLimitsBinding,
    planSlippageBps,
    planFailures,
    gasUsed,
    turnover: to,
    breaches,
    partialCures,
    navMismatches,
    deposits,
    redemptionRequests,
    redemptionsClaimed,
    arbSwaps,
    lpRecenters,
    breakerTrips,
    wallSeconds,
    vault: vaultAddr,
    finalTotalAssets,
    reportPath,
    summary,
    source,
    scenario:
      sc === undefined
        ? undefined
        : {
            name: sc.name,
            description: sc.description,
            expected: sc.expected,
            start: sc.start,
            end: sc.end,
            days: scenarioDays,
          },
  };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  process.chdir(ROOT);
  const res = await runSimulation(opts);
  if (opts.json) {
    console.log(
      JSON.stringify(
        { ...res, days: undefined, summary: undefined },
        (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
        2,
      ),
    );
  } else {
    console.log(`\nBallast market simulation — ${res.source}\n`);
    console.log(res.summary);
    if (res.planFailures.length > 0)
      console.log(`\nkeeper plans not executed:\n  ${res.planFailures.join("\n  ")}`);
    if (res.partialCures.length > 0)
      console.log(
        `\npartial cures (the pool could not take the whole sell; the weight fell, still above its max):\n  ${res.partialCures.join("\n  ")}`,
      );
    if (res.breaches.length > 0) console.log(`\nBREACHES:\n  ${res.breaches.join("\n  ")}`);
    console.log(`\nHTML report: ${path.relative(process.cwd(), res.reportPath)}`);
  }
  process.exit(res.breaches.length === 0 ? 0 : 2);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`simulate failed: ${message}`);
    if (!(err instanceof SimulateError)) console.error(err);
    process.exit(1);
  });
}
