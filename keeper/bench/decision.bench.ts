/**
 * Decision-latency benchmark: one complete keeper decision at N = 10 assets, warm —
 * estimation (Ledoit–Wolf constant-correlation covariance on T = 730 daily log returns, shrunk
 * historical mean) + optimization (long-only mean-variance with 30 % max weight, HiGHS) +
 * planning (`buildPlan` on a vault snapshot of the same 10 assets, quotes at oracle price minus a
 * 30 bps fee). The project's target: median < 50 ms on the 2-core reference machine.
 *
 * Data: the last 730 daily returns to 2023-12-31 of 10 coins from ../shared/data when present,
 * else a seeded one-factor synthetic panel (the table says which). Run:
 * `node keeper/bench/decision.bench.ts`; `measureDecision()` is exported for `npm run bench`.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { alignSeries, logReturns } from "../src/data/align.ts";
import { loadPriceCsvFile } from "../src/data/csv.ts";
import { createHighs } from "../src/optimize/highs.ts";
import { meanVariance } from "../src/optimize/meanVariance.ts";
import { buildPlan } from "../src/planner/planner.ts";
import type { AssetConfig, VaultSnapshot } from "../src/planner/types.ts";
import { ledoitWolfConstantCorrelation } from "../src/risk/covariance.ts";
import { expectedReturns } from "../src/risk/expected-returns.ts";
import { oneFactorReturns } from "./risk.bench.ts";

const TEN = ["ADA", "BNB", "BTC", "DOGE", "DOT", "ETH", "LINK", "LTC", "MATIC", "SOL"];
const T = 730;

/** Result of {@link measureDecision}. */
export interface DecisionBench {
  data: string;
  runs: number;
  medianMs: number;
  p90Ms: number;
  stagesMs: { estimation: number; optimization: number; planning: number };
  planActions: number;
}

function snapshotFor(prices: readonly number[]): VaultSnapshot {
  const assets: AssetConfig[] = prices.map((p, i) => ({
    token: "0x" + (0xa0 + i).toString(16).padStart(40, "0"),
    decimals: i % 3 === 0 ? 8 : 18,
    feedDecimals: 8,
    price: BigInt(Math.round(p * 1e8)),
    enabled: true,
    maxWeightBps: 3_000n,
    minNetDeltaBps: -10_000n,
    maxNetDeltaBps: 10_000n,
  }));
  const now = 1_700_000_000n;
  return {
    chainId: 31337n,
    vault: "0x000000000000000000000000000000000000Ba11",
    base: {
      token: "0x00000000000000000000000000000000000000b0",
      decimals: 6,
      feedDecimals: 8,
      price: 10n ** 8n,
    },
    assets,
    positions: {
      baseBalance: 10_000_000n * 10n ** 6n,
      collateral: 0n,
      balances: assets.map(() => 0n),
      debts: assets.map(() => 0n),
    },
    reservedAssets: 0n,
    lending: { adapter: null, healthFactor: (1n << 256n) - 1n, liquidationThresholdBps: 8000n },
    limits: {
      maxSlippageBps: 100n,
      maxLossPerRebalanceBps: 100n,
      lossBudgetBps: 300n,
      lossWindow: 86_400n,
      maxTurnoverBps: 20_000n,
      maxLeverageBps: 10_000n,
      minHealthFactor: 15n * 10n ** 17n,
      rebalanceCooldown: 0n,
    },
    lossBudget: { usedWad: 0n, updatedAt: 0n },
    totalSupply: 10_000_000n * 10n ** 12n,
    pendingShares: 0n,
    decimalsOffset: 6n,
    fees: {
      recipient: "0x0000000000000000000000000000000000000000",
      entryFeeBps: 0n,
      exitFeeBps: 0n,
      managementFeeBps: 0n,
      performanceFeeBps: 0n,
      highWaterMarkWad: 0n,
      lastAccruedAt: now,
    },
    nextNonce: 1n,
    lastRebalanceAt: 0n,
    paused: false,
    defensive: false,
    shutdown: false,
    timestamp: now,
  };
}

async function panel(dataDir: string): Promise<{ R: number[][]; prices: number[]; data: string }> {
  const file = path.join(dataDir, "crypto_daily_usd.csv");
  if (existsSync(file)) {
    const d = await loadPriceCsvFile(file, { symbols: TEN, to: Date.UTC(2023, 11, 31) / 1000 });
    const aligned = alignSeries(d, { bucket: "daily", symbols: TEN });
    const R = logReturns(aligned).returns.slice(-T);
    const prices = TEN.map((s) => d[s][d[s].length - 1].price);
    return { R, prices, data: "real: 10 coins, 730 daily returns to 2023-12-31" };
  }
  return {
    R: oneFactorReturns(T, 10, 10),
    prices: TEN.map((_, i) => 10 ** (i % 5)),
    data: "synthetic one-factor (seed 10): ../shared/data absent",
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

/** Times complete N = 10 decisions (see the file header). */
export async function measureDecision(
  opts: { dataDir?: string; runs?: number } = {},
): Promise<DecisionBench> {
  const dataDir =
    opts.dataDir ?? process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
  const { R, prices, data } = await panel(dataDir);
  const highs = await createHighs();
  const snap = snapshotFor(prices);
  const totals = { estimation: 0, optimization: 0, planning: 0 };
  const times: number[] = [];
  let actions = 0;
  const runs = opts.runs ?? 40;
  for (let k = 0; k < runs + 3; k++) {
    const t0 = performance.now();
    const { cov } = ledoitWolfConstantCorrelation(R);
    const { mu } = expectedReturns(R, { method: "shrunk-mean" });
    const t1 = performance.now();
    // A positive tilt so that the mean-variance answer is invested (2022-23 means were negative).
    const tilted = mu.map((m) => m + 0.002);
    const res = meanVariance(
      { mu: tilted, cov, gamma: 5 },
      { maxWeight: 0.3 },
      { solver: "highs", highs },
    );
    const t2 = performance.now();
    const targets = res.weights.map((w) => BigInt(Math.floor(w * 10_000)));
    // Default quotes: oracle price minus a 30 bps pool fee (`oracleQuote`).
    const plan = await buildPlan(snap, targets);
    const t3 = performance.now();
    if (k < 3) continue; // warm-up
    times.push(t3 - t0);
    totals.estimation += t1 - t0;
    totals.optimization += t2 - t1;
    totals.planning += t3 - t2;
    if (!plan.feasible) throw new Error(`decision bench: planner found no plan: ${plan.reason}`);
    actions = plan.plan.actions.length;
  }
  return {
    data,
    runs,
    medianMs: median(times),
    p90Ms: p90(times),
    stagesMs: {
      estimation: totals.estimation / runs,
      optimization: totals.optimization / runs,
      planning: totals.planning / runs,
    },
    planActions: actions,
  };
}

/** Markdown table of a {@link DecisionBench}. */
export function decisionTable(b: DecisionBench): string {
  const f = (x: number) => x.toFixed(2);
  return [
    "| decision (N = 10) | median ms | p90 ms | mean estimation ms | mean optimization ms | mean planning ms | plan actions | target | data |",
    "|---|---:|---:|---:|---:|---:|---:|---|---|",
    `| Ledoit–Wolf + shrunk mean → mean-variance (HiGHS) → buildPlan | ${f(b.medianMs)} | ${f(b.p90Ms)} | ${f(b.stagesMs.estimation)} | ${f(b.stagesMs.optimization)} | ${f(b.stagesMs.planning)} | ${b.planActions} | < 50 ms: ${b.medianMs < 50 ? "PASS" : "FAIL"} | ${b.data} |`,
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(decisionTable(await measureDecision()));
}
