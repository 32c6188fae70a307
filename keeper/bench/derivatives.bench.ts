/**
 * Benchmark of the derivatives analytics: median wall time of an implied-vol solve, an SVI fit per
 * expiry, a full chain processing (parse → USD → bid/ask/mid IVs → SVI per expiry → arbitrage
 * checks) and a GARCH(1,1) fit.
 *
 * Run standalone: `node keeper/bench/derivatives.bench.ts` (Node 22, type stripping). Uses the
 * real Deribit snapshot and BTC daily closes from $BALLAST_DATA_DIR (default ../shared/data) when
 * present, synthetic stand-ins otherwise (the table says which).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { black76Price } from "../src/derivatives/black.ts";
import { parseDeribitCsv, processChain, smilePoints } from "../src/derivatives/chain.ts";
import { fitGarch, logReturns, simulateGarch } from "../src/derivatives/garch.ts";
import { solveImpliedVolBlack76 } from "../src/derivatives/implied-vol.ts";
import { fitChainSmiles } from "../src/derivatives/pipeline.ts";
import { mulberry32, normalGenerator } from "../src/derivatives/rng.ts";
import { fitSvi, sviTotalVariance } from "../src/derivatives/svi.ts";

/** One benchmark row (times in milliseconds). */
export interface BenchRow {
  name: string;
  medianMs: number;
  p90Ms: number;
  runs: number;
  note: string;
}

function timeIt(fn: () => void, runs: number, warmup = 2): { median: number; p90: number } {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return {
    median: t[Math.floor(t.length / 2)],
    p90: t[Math.min(t.length - 1, Math.floor(t.length * 0.9))],
  };
}

function syntheticChainCsv(): string {
  const header =
    "snapshot_utc,underlying,instrument_name,expiry_utc,strike,option_type,underlying_price,mark_price,bid_price,ask_price,mark_iv,open_interest";
  const lines = [header];
  const t0 = Date.parse("2025-12-05T01:10Z");
  for (const days of [7, 21, 56, 112, 203]) {
    const exp = new Date(t0 + days * 86400e3);
    exp.setUTCHours(8, 0, 0, 0);
    const T = (exp.getTime() - t0) / (365 * 86400e3);
    const F = 93000;
    const p = { a: 0.6 * 0.2 * T, b: 0.3 * Math.sqrt(T), rho: -0.3, m: 0.02, sigma: 0.2 };
    for (let K = 60000; K <= 140000; K += 4000) {
      for (const type of ["call", "put"] as const) {
        const vol = Math.sqrt(sviTotalVariance(p, Math.log(K / F)) / T);
        const mid = black76Price({ type, forward: F, strike: K, T, vol }) / F;
        const name = `BTC-SYN${days}-${K}-${type === "call" ? "C" : "P"}`;
        lines.push(
          `2025-12-05T01:10Z,BTC,${name},${exp.toISOString()},${K},${type},${F},${mid},${mid * 0.98},${mid * 1.02},${vol * 100},0`,
        );
      }
    }
  }
  return lines.join("\n");
}

/**
 * Run the measurements and return the rows. `dataDir` defaults to $BALLAST_DATA_DIR or
 * ../shared/data relative to the working directory.
 */
export function measureDerivatives(opts: { dataDir?: string; runs?: number } = {}): BenchRow[] {
  const dataDir =
    opts.dataDir ?? process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
  const runs = opts.runs ?? 15;
  const chainPath = path.join(dataDir, "deribit_btc_options_2025-12-05.csv");
  const dailyPath = path.join(dataDir, "crypto_daily_usd.csv");
  const realChain = existsSync(chainPath);
  const csv = realChain ? readFileSync(chainPath, "utf8") : syntheticChainCsv();
  const rows: BenchRow[] = [];

  // 1. IV solves over a spread of strikes / maturities (median per solve).
  const cases: {
    type: "call" | "put";
    price: number;
    forward: number;
    strike: number;
    T: number;
  }[] = [];
  for (const T of [1 / 365, 7 / 365, 0.1, 0.5, 1]) {
    for (const K of [60000, 80000, 90000, 93000, 96000, 110000, 150000]) {
      for (const type of ["call", "put"] as const) {
        cases.push({
          type,
          price: black76Price({ type, forward: 93000, strike: K, T, vol: 0.5 }),
          forward: 93000,
          strike: K,
          T,
        });
      }
    }
  }
  const ivT = timeIt(() => {
    for (const c of cases) solveImpliedVolBlack76(c);
  }, runs);
  rows.push({
    name: "IV solve (Black-76)",
    medianMs: ivT.median / cases.length,
    p90Ms: ivT.p90 / cases.length,
    runs,
    note: `mean over ${cases.length} strikes × maturities per run`,
  });

  // 2. SVI fit per expiry.
  const chain = processChain(parseDeribitCsv(csv));
  const points = chain
    .map((e) => ({ T: e.T, pts: smilePoints(e) }))
    .filter((x) => x.pts.length >= 8);
  const per: number[] = [];
  for (const { T, pts } of points)
    per.push(timeIt(() => fitSvi(pts, T), Math.max(3, Math.floor(runs / 3)), 1).median);
  per.sort((a, b) => a - b);
  rows.push({
    name: "SVI fit, one expiry",
    medianMs: per[Math.floor(per.length / 2)],
    p90Ms: per[Math.min(per.length - 1, Math.floor(per.length * 0.9))],
    runs: per.length,
    note: `median / p90 across ${per.length} ${realChain ? "real Deribit" : "synthetic"} expiries`,
  });

  // 3. Full chain processing.
  const full = timeIt(
    () => fitChainSmiles(processChain(parseDeribitCsv(csv))),
    Math.max(3, Math.floor(runs / 3)),
    1,
  );
  rows.push({
    name: "Full chain (parse, IVs, SVI ×n, checks)",
    medianMs: full.median,
    p90Ms: full.p90,
    runs: Math.max(3, Math.floor(runs / 3)),
    note: realChain
      ? "deribit_btc_options_2025-12-05.csv (676 rows, 11 expiries)"
      : "synthetic 5-expiry chain",
  });

  // 4. GARCH fit.
  let returns: number[];
  let gNote: string;
  if (existsSync(dailyPath)) {
    const lines = readFileSync(dailyPath, "utf8").trim().split("\n");
    const h = lines[0].split(",");
    const closes = lines
      .slice(1)
      .map((l) => l.split(","))
      .filter((f) => f[h.indexOf("symbol")] === "BTC")
      .map((f) => Number(f[h.indexOf("close")]));
    returns = logReturns(closes);
    gNote = `real BTC daily, ${returns.length} returns`;
  } else {
    returns = simulateGarch(
      { omega: 2e-5, alpha: 0.1, beta: 0.85 },
      3000,
      normalGenerator(mulberry32(1)),
    );
    gNote = "simulated, 3000 returns";
  }
  const g = timeIt(() => fitGarch(returns), Math.max(3, Math.floor(runs / 3)), 1);
  rows.push({
    name: "GARCH(1,1) MLE fit",
    medianMs: g.median,
    p90Ms: g.p90,
    runs: Math.max(3, Math.floor(runs / 3)),
    note: gNote,
  });
  return rows;
}

/** Render rows as a markdown table. */
export function toMarkdown(rows: readonly BenchRow[]): string {
  const fmt = (ms: number): string =>
    ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`;
  const out = ["| benchmark | median | p90 | runs | note |", "|---|---|---|---|---|"];
  for (const r of rows)
    out.push(`| ${r.name} | ${fmt(r.medianMs)} | ${fmt(r.p90Ms)} | ${r.runs} | ${r.note} |`);
  return out.join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`derivatives benchmark — node ${process.version}\n`);
  console.log(toMarkdown(measureDerivatives()));
}
