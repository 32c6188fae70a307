/**
 * Optimizer benchmark: median warm wall time of each optimizer at N = 5/10/50/200 with each QP
 * solver (the box + budget active-set solver, HiGHS, quadprog), the objective reached and the constraint violation; the npm package
 * `portfolio-allocation` (0.0.11) on the problems both solve (min variance, ERC, max Sharpe,
 * fully invested long-only) on the same inputs; and N = 200 minimum CVaR over T = 730 scenarios.
 *
 * Inputs: real daily data 2022–2023 (N = 5, 10; ../shared/data/crypto_daily_usd.csv, or
 * $BALLAST_DATA_DIR) and a seeded one-factor synthetic covariance (N = 50, 200).
 *
 * Fairness of the portfolio-allocation comparison: its function and our fastest implementation
 * of the same problem are timed interleaved (alternating order each repetition, so machine load
 * hits both alike), with the same warm-up and the same number of repetitions, on the same inputs;
 * the ratio is of the two medians of that paired run ("ours ms" in the PA row). Targets (issue 5):
 * ratio ≥ 5 at N ≥ 50 and ≥ 1 at N ≤ 10, objective at least as good within 1e-8 relative (for
 * ERC, whose objective is the dispersion of the risk contributions, both at ≤ 1e-10 also counts:
 * relative gaps between round-off-level numbers mean nothing).
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
  /** For portfolio-allocation rows: our median in the paired (interleaved) run. */
  readonly oursMs?: number;
  /** For portfolio-allocation rows: whether the issue-5 targets hold (speed and objective). */
  readonly target?: "PASS" | "FAIL";
  readonly note?: string;
}

/**
 * How many warm-up calls and timed repetitions a call of `firstMs` gets: at least `warm` and
 * `reps`, raised for cheap calls so that warm-up lasts ~0.2 s (V8 only reaches its optimising
 * tier after many calls: a 20 µs function timed after two calls is measured in the interpreter)
 * and timing ~0.3 s (≤ 300 warm-ups, ≤ 2000 repetitions).
 */
function budget(firstMs: number, reps: number, warm: number): { reps: number; warm: number } {
  const per = Math.max(firstMs, 1e-3);
  return {
    warm: Math.max(warm, Math.min(300, Math.ceil(200 / per))),
    reps: Math.max(reps, Math.min(2000, Math.ceil(300 / per))),
  };
}

/**
 * Median wall time (ms) of `fn` after at least `warm` warm-up calls (more for cheap calls, see
 * `budget`) over at least `reps` repetitions; returns the last value too.
 */
export function timeMedian<T>(fn: () => T, reps: number, warm = 2): { ms: number; value: T } {
  const t0 = performance.now();
  let value = fn();
  const b = budget(performance.now() - t0, reps, warm);
  for (let i = 1; i < b.warm; i++) value = fn();
  const times: number[] = [];
  for (let i = 0; i < b.reps; i++) {
    const t1 = performance.now();
    value = fn();
    times.push(performance.now() - t1);
  }
  times.sort((a, c) => a - c);
  return { ms: times[Math.floor(times.length / 2)], value };
}

/**
 * Median wall times (ms) of `a` and `b` timed interleaved: warm-up calls of each (at least `warm`,
 * more for cheap calls, see `budget`), then at least `reps` rounds that call both, alternating
 * which goes first. Returns both medians and last values.
 */
export function timePair<A, B>(
  a: () => A,
  b: () => B,
  minReps: number,
  minWarm = 2,
): { a: { ms: number; value: A }; b: { ms: number; value: B } } {
  const t0 = performance.now();
  let va = a();
  let vb = b();
  const { reps, warm } = budget(performance.now() - t0, minReps, minWarm);
  for (let i = 1; i < warm; i++) {
    va = a();
    vb = b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < reps; i++) {
    for (const first of i % 2 === 0 ? [true, false] : [false, true]) {
      const t0 = performance.now();
      if (first) va = a();
      else vb = b();
      (first ? ta : tb).push(performance.now() - t0);
    }
  }
  const med = (t: number[]) => t.sort((x, y) => x - y)[Math.floor(t.length / 2)];
  return { a: { ms: med(ta), value: va }, b: { ms: med(tb), value: vb } };
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
    const reps = opts.quick ? 3 : n >= 200 ? 9 : 25;
    const runs = new Map<BenchRow, () => OptimizerResult>();
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
      runs.set(row, run);
      return row;
    };
    const versus = (
      problem: string,
      best: BenchRow,
      run: () => number[],
      objective: (w: number[]) => number,
      higherBetter: boolean,
    ) => {
      const mine = runs.get(best);
      if (!mine) throw new Error(`no run recorded for ${problem}`);
      let pair;
      try {
        // Max Sharpe at N = 200 takes ~0.4 s per call in portfolio-allocation: fewer rounds.
        const r = problem === "max Sharpe" && n >= 200 ? Math.min(reps, 5) : reps;
        pair = timePair(mine, run, r);
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
      const t = pair.b;
      const obj = objective(t.value);
      // Both objectives recomputed from the returned weights by the same function (never the
      // value a solver reports about itself).
      const oursObj = objective(pair.a.value.weights);
      const gap = (higherBetter ? oursObj - obj : obj - oursObj) / Math.abs(obj);
      const speedup = t.ms / pair.a.ms;
      const objOk = gap >= -1e-8 || (problem === "ERC" && oursObj <= 1e-10 && obj <= 1e-10);
      const fastOk = speedup >= (n >= 50 ? 5 : 1);
      rows.push({
        problem,
        n,
        impl: "portfolio-allocation",
        medianMs: t.ms,
        objective: obj,
        violation: simplexViolation(t.value),
        speedup,
        gap,
        oursMs: pair.a.ms,
        target: objOk && fastOk ? "PASS" : "FAIL",
        note: `${src}; vs ${best.impl}`,
      });
    };

    const mv = qpSolvers.map((s) =>
      ours("min variance", s, () =>
        minVariance({ cov }, { fullyInvested: true }, { solver: s, highs }),
      ),
    );
    // Compared with the default back end (active-set), not the noisy fastest of three.
    const mvBest = mv[0];
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
    "Rows without a ratio: each implementation timed alone (median after a warm-up long enough for V8's optimising tier). " +
      "portfolio-allocation rows: its function and our default implementation of the same problem (active-set for minimum " +
      "variance, the faster of HiGHS/quadprog for maximum Sharpe, scale-free CCD for ERC) timed interleaved in one loop, same " +
      "inputs, warm-up and repetitions; `ours ms (paired)` is our median in that loop and the ratio uses it. " +
      "target = issue 5: ratio ≥ 5 at N ≥ 50, ≥ 1 at N ≤ 10, objective gap ≥ −1e-8 (ERC: or both dispersions ≤ 1e-10). " +
      "The machine is shared: ratios move by ±50 % between runs.",
    "",
    "| problem | N | impl | median ms | objective | violation | ours ms (paired) | PA time / ours | objective gap (+ = ours better) | target | note |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.problem} | ${r.n} | ${r.impl} | ${f(r.medianMs, 3)} | ${e(r.objective)} | ${e(r.violation)} | ${f(r.oursMs, 3)} | ${f(r.speedup)} | ${e(r.gap)} | ${r.target ?? ""} | ${r.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = await runOptimizerBench({ quick: process.argv.includes("--quick") });
  console.log(benchTable(rows));
}
