/**
 * Covariance-estimation benchmark: median warm wall time of the sample, EWMA, Ledoit–Wolf and
 * regime-adjusted EWMA estimators for T = 730 rows and N = 10 / 50 / 200 assets.
 *
 * N = 10 uses real daily log returns of 10 coins from ../shared/data/crypto_daily_usd.csv (the
 * 730 returns ending 2023-12-31) when the file is present, else the synthetic generator; N = 50
 * and 200 use a seeded one-factor synthetic model. Run: `node keeper/bench/risk.bench.ts`.
 * `measureRiskBench()` is exported so a lead script can call it and print `formatRiskBench()`.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { alignSeries, logReturns } from "../src/data/align.ts";
import { loadPriceCsvFile } from "../src/data/csv.ts";
import { mulberry32, standardNormal } from "../src/math/stats.ts";
import { estimateCovariance } from "../src/risk/covariance.ts";
import type { CovarianceConfig } from "../src/risk/covariance.ts";

/** One benchmark row. */
export interface RiskBenchRow {
  estimator: CovarianceConfig["method"];
  T: number;
  N: number;
  data: string;
  medianMs: number;
  runs: number;
}

/** Options of {@link measureRiskBench}. */
export interface RiskBenchOptions {
  T?: number;
  sizes?: number[];
  /** Directory with crypto_daily_usd.csv; default $BALLAST_DATA_DIR or ../shared/data. */
  dataDir?: string;
  /** Wall-time budget per (estimator, N) cell in ms; default 400. */
  budgetMs?: number;
}

const ESTIMATORS: CovarianceConfig[] = [
  { method: "sample" },
  { method: "ewma" },
  { method: "ledoit-wolf" },
  { method: "regime-adjusted-ewma" },
];
const TEN = ["ADA", "BNB", "BTC", "DOGE", "DOT", "ETH", "LINK", "LTC", "MATIC", "SOL"];

/** Seeded one-factor returns: r_ti = β_i f_t + ε_ti, daily-crypto-like scales. */
export function oneFactorReturns(T: number, N: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  const betas = Array.from({ length: N }, () => 0.6 + 0.8 * rng());
  const idio = Array.from({ length: N }, () => 0.01 + 0.03 * rng());
  return Array.from({ length: T }, () => {
    const f = 0.03 * standardNormal(rng);
    return betas.map((b, i) => b * f + idio[i] * standardNormal(rng));
  });
}

async function realTen(T: number, dataDir: string): Promise<number[][] | undefined> {
  const file = path.join(dataDir, "crypto_daily_usd.csv");
  if (!existsSync(file)) return undefined;
  const d = await loadPriceCsvFile(file, { symbols: TEN, to: Date.UTC(2023, 11, 31) / 1000 });
  const R = logReturns(alignSeries(d, { bucket: "daily", symbols: TEN })).returns;
  return R.length >= T ? R.slice(R.length - T) : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function timeIt(fn: () => unknown, budgetMs: number): { medianMs: number; runs: number } {
  for (let i = 0; i < 3; i++) fn(); // warm-up (JIT)
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 5 || (times.length < 200 && performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), runs: times.length };
}

/** Measure median warm times of the four covariance estimators (see the file header). */
export async function measureRiskBench(opts: RiskBenchOptions = {}): Promise<RiskBenchRow[]> {
  const T = opts.T ?? 730;
  const sizes = opts.sizes ?? [10, 50, 200];
  const dataDir =
    opts.dataDir ?? process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
  const budgetMs = opts.budgetMs ?? 400;
  const rows: RiskBenchRow[] = [];
  for (const N of sizes) {
    let R: number[][] | undefined;
    let data = `synthetic one-factor (seed ${N})`;
    if (N === 10) {
      R = await realTen(T, dataDir);
      if (R) data = "real: 10 coins daily to 2023-12-31";
    }
    R ??= oneFactorReturns(T, N, N);
    for (const cfg of ESTIMATORS) {
      const rows_ = R;
      const { medianMs, runs } = timeIt(() => estimateCovariance(rows_, cfg), budgetMs);
      rows.push({ estimator: cfg.method, T, N, data, medianMs, runs });
    }
  }
  return rows;
}

/** Render benchmark rows as a markdown table. */
export function formatRiskBench(rows: readonly RiskBenchRow[]): string {
  const lines = [
    "| estimator | T | N | data | median warm time (ms) | runs |",
    "|---|---:|---:|---|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.estimator} | ${r.T} | ${r.N} | ${r.data} | ${r.medianMs.toFixed(3)} | ${r.runs} |`,
    ),
  ];
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const rows = await measureRiskBench();
  console.log(`Covariance estimation, node ${process.version}\n`);
  console.log(formatRiskBench(rows));
}
