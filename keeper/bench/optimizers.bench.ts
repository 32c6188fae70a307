/**
 * Optimizer benchmark: median warm wall time of each optimizer at N = 5/10/50/200 with each QP
 * solver (the box + budget active-set solver, HiGHS, quadprog), the objective reached and the constraint violation; the npm package
 * `portfolio-allocation` (0.0.11) on the problems both solve (min variance, ERC, max Sharpe,
 * fully invested long-only) on the same inputs; and N = 200 minimum CVaR over T = 730 scenarios.
 *
 * Inputs: real daily data 2022–2023 (N = 5, 10; ../shared/data/crypto_daily_usd.csv, or
 * $BALLAST_DATA_DIR) and a seeded one-factor synthetic covariance (N = 50, 200).
 *
 * Run: `node keeper/bench/optimizers.bench.ts` (prints a markdown table). `runOptimizerBench`
 * is exported for programmatic use.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { alignSeries, logReturns } from "../src/data/align.ts";
import { loadPriceCsvFile } from "../src/data/csv.ts";
import { mulberry32, standardNormal, studentT } from "../src/math/stats.ts";
import { columnMeans, sampleCovariance } from "../src/risk/covariance.ts";
import {
  createHighs,
  ercDispersion,
  maxSharpe,
  meanVariance,
  minCvar,
  minVariance,
  portfolioVol,
  riskParity,
  sharpeRatio,
} from "../src/optimize/index.ts";
import type { HighsLike, OptimizerResult, QpSolverName } from "../src/optimize/index.ts";

interface PortfolioAllocation {
  globalMinimumVarianceWeights(sigma: number[][], opt?: object): number[];
  equalRiskContributionWeights(sigma: number[][], opt?: object): number[];
  maximumSharpeRatioWeights(mu: number[], sigma: number[][], rf: number, opt?: object): number[];
}

/** One benchmark row. */
export interface BenchRow {
  readonly problem: string;
  readonly n: number;
  readonly impl: string;
  readonly medianMs: number;
  /** Objective in the problem's own terms (variance, CE, Sharpe, ERC dispersion, CVaR). */
  readonly objective: number;
  readonly violation: number;
  /** For portfolio-allocation rows: their time / our best time, and the relative objective gap (+ = ours better). */
  readonly speedup?: number;
  readonly gap?: number;
  readonly note?: string;
}

/** Median wall time (ms) of `fn` after `warm` warm-up calls; returns the last value too. */
export function timeMedian<T>(fn: () => T, reps: number, warm = 2): { ms: number; value: T } {
  let value = fn();
  for (let i = 1; i < warm; i++) value = fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    value = fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], value };
}

function oneFactor(n: number, seed: number): { mu: number[]; cov: number[][] } {
  const rng = mulberry32(seed);
  const beta = Array.from({ length: n }, () => 0.5 + rng());
  const idio = Array.from({ length: n }, () => 0.02 + 0.03 * rng());
  const fv = 0.03 ** 2;
  const cov = beta.map((bi, i) => beta.map((bj, j) => fv * bi * bj + (i === j ? idio[i] ** 2 : 0)));
  const mu = beta.map((b) => 0.0002 + 0.0006 * b + 0.0004 * (rng() - 0.5));
  return { mu, cov };
}

function simplexViolation(w: number[]): number {
  const s = w.reduce((a, b) => a + b, 0);
  return Math.max(Math.abs(s - 1), ...w.map((v) => -v), 0);
}

async function realProblem(
  n: number,
  dataDir: string,
): Promise<{ mu: number[]; cov: number[][]; R: number[][] } | undefined> {
  const file = path.join(dataDir, "crypto_daily_usd.csv");
  if (!existsSync(file)) return undefined;
  const symbols = ["BTC", "ETH", "XRP", "BNB", "ADA", "DOGE", "LINK", "MATIC", "SOL", "LTC"].slice(
    0,
    n,
  );
  const series = await loadPriceCsvFile(file, {
    symbols,
    from: Date.parse("2022-01-01") / 1000,
    to: Date.parse("2023-12-31") / 1000,
  });
  const R = logReturns(alignSeries(series, { bucket: "daily", symbols })).returns;
  return { mu: columnMeans(R), cov: sampleCovariance(R), R };
}

/** Run the whole benchmark; `quick` lowers repetition counts. */
export async function runOptimizerBench(
  opts: { dataDir?: string; quick?: boolean } = {},
): Promise<BenchRow[]> {
  const dataDir =
    opts.dataDir ?? process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
  const highs: HighsLike = await createHighs();
  const PA = createRequire(import.meta.url)("portfolio-allocation") as PortfolioAllocation;
  const rows: BenchRow[] = [];
  const solvers: QpSolverName[] = ["highs", "quadprog"];
  // Box + budget problems (min variance, mean-variance) also run on the active-set solver.
  const qpSolvers: QpSolverName[] = ["active-set", "highs", "quadprog"];
  for (const n of [5, 10, 50, 200]) {
    const real = n <= 10 ? await realProblem(n, dataDir) : undefined;
    const { mu, cov } = real ?? oneFactor(n, 1000 + n);
    const src = real ? "real 2022–23" : "1-factor synthetic";
    const reps = opts.quick ? 3 : n >= 200 ? 5 : 15;
    const ours = (problem: string, impl: string, run: () => OptimizerResult) => {
      const t = timeMedian(run, reps);
      const row: BenchRow = {
        problem,
        n,
        impl,
        medianMs: t.ms,
        objective: t.value.objective,
        violation: t.value.constraintViolation,
        note: t.value.status === "optimal" ? src : `${src}; ${t.value.status}`,
      };
      rows.push(row);
      return row;
    };
    const versus = (
      problem: string,
      best: BenchRow,
      run: () => number[],
      objective: (w: number[]) => number,
      higherBetter: boolean,
    ) => {
      let t;
      try {
        t = timeMedian(run, Math.min(reps, 5), 1);
      } catch (e) {
        rows.push({
          problem,
          n,
          impl: "portfolio-allocation",
          medianMs: NaN,
          objective: NaN,
          violation: NaN,
          note: `threw: ${(e as Error).message}`,
        });
        return;
      }
      const obj = objective(t.value);
      const gap = (higherBetter ? best.objective - obj : obj - best.objective) / Math.abs(obj);
      rows.push({
        problem,
        n,
        impl: "portfolio-allocation",
        medianMs: t.ms,
        objective: obj,
        violation: simplexViolation(t.value),
        speedup: t.ms / best.medianMs,
        gap,
        note: src,
      });
    };

    const mv = qpSolvers.map((s) =>
      ours("min variance", s, () =>
        minVariance({ cov }, { fullyInvested: true }, { solver: s, highs }),
      ),
    );
    const mvBest = mv.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
    versus(
      "min variance",
      mvBest,
      () => PA.globalMinimumVarianceWeights(cov),
      (w) => portfolioVol(w, cov) ** 2,
      false,
    );

    const gamma = 5 / Math.max(...cov.map((r, i) => r[i]));
    for (const s of qpSolvers)
      ours("mean-variance γ", s, () =>
        meanVariance({ mu, cov, gamma }, { maxWeight: 0.3 }, { solver: s, highs }),
      );

    const ms = solvers.map((s) =>
      ours("max Sharpe", s, () =>
        maxSharpe({ mu, cov }, { fullyInvested: true }, { solver: s, highs }),
      ),
    );
    const msBest = ms.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
    if (mu.some((m) => m > 0)) {
      versus(
        "max Sharpe",
        msBest,
        () => PA.maximumSharpeRatioWeights(mu, cov, 0),
        (w) => sharpeRatio(w, mu, cov),
        true,
      );
    }

    const erc = ours("ERC", "ccd-newton", () => riskParity({ cov }, { fullyInvested: true }));
    versus(
      "ERC",
      erc,
      () => PA.equalRiskContributionWeights(cov),
      (w) => ercDispersion(w, cov),
      false,
    );
  }

  // Minimum CVaR, N = 200, T = 730 one-factor Student-t scenarios.
  const n = 200;
  const T = 730;
  const rng = mulberry32(4242);
  const beta = Array.from({ length: n }, () => 0.5 + rng());
  const scenarios = Array.from({ length: T }, () => {
    const f = 0.03 * studentT(rng, 4) * Math.sqrt(0.5);
    return beta.map((b) => 0.0005 * b + b * f + 0.025 * standardNormal(rng));
  });
  const t = timeMedian(
    () =>
      minCvar(
        { scenarios, beta: 0.95 },
        { fullyInvested: true, maxWeight: 0.05 },
        { solver: "highs", highs },
      ),
    opts.quick ? 2 : 3,
    1,
  );
  rows.push({
    problem: "min CVaR 95% (T=730)",
    n,
    impl: "highs",
    medianMs: t.ms,
    objective: t.value.objective,
    violation: t.value.constraintViolation,
    note: "1-factor t(4) synthetic",
  });
  return rows;
}

/** Markdown table of the rows. */
export function benchTable(rows: readonly BenchRow[]): string {
  const f = (x: number | undefined, d = 2) =>
    x === undefined ? "" : Number.isFinite(x) ? x.toFixed(d) : String(x);
  const e = (x: number | undefined) =>
    x === undefined ? "" : Number.isFinite(x) ? x.toExponential(3) : String(x);
  const lines = [
    "| problem | N | impl | median ms | objective | violation | PA time / ours | objective gap (+ = ours better) | note |",
    "|---|---:|---|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.problem} | ${r.n} | ${r.impl} | ${f(r.medianMs)} | ${e(r.objective)} | ${e(r.violation)} | ${f(r.speedup)} | ${e(r.gap)} | ${r.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = await runOptimizerBench({ quick: process.argv.includes("--quick") });
  console.log(benchTable(rows));
}
