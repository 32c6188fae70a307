import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import { existsSync } from "node:fs";
import path from "node:path";
import { mulberry32, standardNormal } from "../../../keeper/src/math/stats.ts";
import type { Rng } from "../../../keeper/src/math/stats.ts";
import { loadPriceCsvFile } from "../../../keeper/src/data/csv.ts";
import { alignSeries, logReturns } from "../../../keeper/src/data/align.ts";
import { columnMeans, sampleCovariance } from "../../../keeper/src/risk/covariance.ts";
import {
  bpsToFractions,
  certaintyEquivalent,
  createHighs,
  empiricalCvar,
  ercCcd,
  ercDispersion,
  kktMax,
  maxSharpe,
  meanVariance,
  minCvar,
  minVariance,
  portfolioVol,
  riskContributions,
  riskParity,
  scenarioLosses,
  sharpeRatio,
  spinuNewton,
} from "../../../keeper/src/optimize/index.ts";
import type {
  HighsLike,
  OptimizerResult,
  PortfolioConstraints,
  QpSolverName,
} from "../../../keeper/src/optimize/index.ts";

const SOLVERS: QpSolverName[] = ["highs", "quadprog"];
const DATA_DIR = process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
const DAILY = path.join(DATA_DIR, "crypto_daily_usd.csv");
const TEN = ["BTC", "ETH", "XRP", "BNB", "ADA", "DOGE", "LINK", "MATIC", "SOL", "LTC"];

/** Seeded random covariance: one market factor plus idiosyncratic noise, annual scale. */
function randomProblem(rng: Rng, n: number): { mu: number[]; cov: number[][] } {
  const beta = Array.from({ length: n }, () => 0.5 + rng());
  const idio = Array.from({ length: n }, () => 0.2 + 0.4 * rng());
  const extra = Array.from({ length: n }, () =>
    Array.from({ length: 2 }, () => 0.1 * standardNormal(rng)),
  );
  const cov = beta.map((bi, i) =>
    beta.map(
      (bj, j) =>
        0.36 * bi * bj +
        extra[i][0] * extra[j][0] +
        extra[i][1] * extra[j][1] +
        (i === j ? idio[i] ** 2 : 0),
    ),
  );
  const mu = Array.from({ length: n }, () => 0.02 + 0.3 * rng());
  return { mu, cov };
}

async function loadReal(
  symbols: string[],
  from: string,
  to: string,
): Promise<{ returns: number[][]; mu: number[]; cov: number[][] }> {
  const series = await loadPriceCsvFile(DAILY, {
    symbols,
    from: Date.parse(from) / 1000,
    to: Date.parse(to) / 1000,
  });
  const r = logReturns(alignSeries(series, { bucket: "daily", symbols })).returns;
  return { returns: r, mu: columnMeans(r), cov: sampleCovariance(r) };
}

function expectFeasible(r: OptimizerResult, c: PortfolioConstraints, tol = 1e-9): void {
  expect(r.status).to.equal("optimal");
  expect(r.constraintViolation).to.be.at.most(tol);
  const u = c.maxWeight ?? 1;
  r.weights.forEach((w, i) => {
    expect(w).to.be.at.least(-tol);
    expect(w).to.be.at.most((typeof u === "number" ? u : u[i]) + tol);
  });
  const sum = r.weights.reduce((a, b) => a + b, 0);
  if (c.fullyInvested) expect(Math.abs(sum - 1)).to.be.at.most(tol);
  else expect(sum).to.be.at.most(1 + tol);
  if (c.turnover) {
    const to = r.weights.reduce((s, w, i) => s + Math.abs(w - c.turnover!.current[i]), 0);
    expect(to).to.be.at.most(c.turnover.limit + tol);
  }
}

function maxDiff(a: number[], b: number[]): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe("keeper/optimize", function () {
  this.timeout(120_000);
  let highs: HighsLike;
  before(async () => {
    highs = await createHighs();
  });

  describe("minimum variance", () => {
    it("matches the two-asset closed form with both solvers", () => {
      const s1 = 0.6;
      const s2 = 0.9;
      const rho = 0.4;
      const cov = [
        [s1 * s1, rho * s1 * s2],
        [rho * s1 * s2, s2 * s2],
      ];
      const w1 = (s2 * s2 - rho * s1 * s2) / (s1 * s1 + s2 * s2 - 2 * rho * s1 * s2);
      for (const solver of SOLVERS) {
        const r = minVariance({ cov }, { fullyInvested: true }, { solver, highs });
        expect(r.weights[0]).to.be.closeTo(w1, 1e-9);
        expect(r.weights[1]).to.be.closeTo(1 - w1, 1e-9);
        expect(r.objective).to.be.closeTo(portfolioVol(r.weights, cov) ** 2, 1e-15);
      }
    });

    it("satisfies KKT to 1e-6 and agrees across solvers (box, cash floor, turnover)", () => {
      const rng = mulberry32(11);
      for (let trial = 0; trial < 4; trial++) {
        const { cov } = randomProblem(rng, 12);
        const current = Array.from({ length: 12 }, () => 1 / 12);
        const cases: PortfolioConstraints[] = [
          { fullyInvested: true, maxWeight: 0.25 },
          { minInvested: 0.8, maxWeight: 0.15 },
          { fullyInvested: true, maxWeight: 0.3, turnover: { current, limit: 0.2 } },
        ];
        for (const c of cases) {
          const res = SOLVERS.map((solver) => minVariance({ cov }, c, { solver, highs }));
          for (const r of res) {
            expectFeasible(r, c);
            expect(kktMax(r.kkt!)).to.be.at.most(1e-6);
          }
          expect(maxDiff(res[0].weights, res[1].weights)).to.be.at.most(1e-6);
          expect(Math.abs(res[0].objective - res[1].objective)).to.be.at.most(1e-9);
        }
      }
    });

    it("respects a return floor", () => {
      const rng = mulberry32(5);
      const { mu, cov } = randomProblem(rng, 6);
      const minReturn = 0.2;
      for (const solver of SOLVERS) {
        const r = minVariance({ cov, mu, minReturn }, { maxWeight: 0.5 }, { solver, highs });
        const ret = r.weights.reduce((s, w, i) => s + w * mu[i], 0);
        expect(ret).to.be.at.least(minReturn - 1e-9);
        expect(kktMax(r.kkt!)).to.be.at.most(1e-6);
      }
    });
  });

  describe("mean-variance", () => {
    it("satisfies KKT to 1e-6 and agrees across solvers", () => {
      const rng = mulberry32(21);
      for (let trial = 0; trial < 4; trial++) {
        const { mu, cov } = randomProblem(rng, 10);
        const current = Array.from({ length: 10 }, (_, i) => (i < 5 ? 0.15 : 0.02));
        const cases: PortfolioConstraints[] = [
          { maxWeight: 0.3 },
          { fullyInvested: true, maxWeight: bpsToFractions(new Array(10).fill(2500n)) },
          { maxWeight: 0.4, turnover: { current, limit: 0.3 } },
        ];
        for (const c of cases) {
          const res = SOLVERS.map((solver) =>
            meanVariance({ mu, cov, gamma: 4, riskFree: 0.01 }, c, { solver, highs }),
          );
          for (const r of res) {
            expectFeasible(r, c);
            expect(kktMax(r.kkt!)).to.be.at.most(1e-6);
            expect(r.objective).to.be.closeTo(
              certaintyEquivalent(r.weights, mu, cov, 4, 0.01),
              1e-12,
            );
          }
          expect(maxDiff(res[0].weights, res[1].weights)).to.be.at.most(1e-6);
        }
      }
    });

    it("caps volatility exactly by bisection on gamma", () => {
      const rng = mulberry32(3);
      const { mu, cov } = randomProblem(rng, 8);
      for (const solver of SOLVERS) {
        const free = meanVariance({ mu, cov, gamma: 1 }, { maxWeight: 0.5 }, { solver, highs });
        const target = 0.6 * free.volatility;
        const r = meanVariance(
          { mu, cov, gamma: 1 },
          { maxWeight: 0.5, targetVol: target },
          { solver, highs },
        );
        expect(r.targetVol?.action).to.equal("gamma-bisection");
        expect(r.volatility).to.be.at.most(target * (1 + 1e-9));
        expect(r.volatility).to.be.at.least(target * (1 - 1e-6));
        expect(r.objective).to.be.below(free.objective);
      }
    });
  });

  describe("maximum Sharpe", () => {
    it("agrees across solvers (fully invested, cash, caps, turnover)", () => {
      const rng = mulberry32(31);
      for (let trial = 0; trial < 3; trial++) {
        const { mu, cov } = randomProblem(rng, 10);
        const current = new Array(10).fill(0.1);
        const cases: PortfolioConstraints[] = [
          { fullyInvested: true },
          { fullyInvested: true, maxWeight: 0.2, turnover: { current, limit: 0.4 } },
          { maxWeight: 0.25 },
          { maxWeight: 0.3, turnover: { current, limit: 0.3 } },
        ];
        for (const c of cases) {
          const res = SOLVERS.map((solver) =>
            maxSharpe({ mu, cov, riskFree: 0.01 }, c, { solver, highs }),
          );
          for (const r of res) expectFeasible(r, c);
          expect(maxDiff(res[0].weights, res[1].weights)).to.be.at.most(1e-6);
          expect(res[0].objective).to.be.closeTo(res[1].objective, 1e-8);
        }
      }
    });

    it("beats a seeded random search and a grid on small N", () => {
      const rng = mulberry32(41);
      const { mu, cov } = randomProblem(rng, 3);
      const best = maxSharpe(
        { mu, cov, riskFree: 0.02 },
        { fullyInvested: true },
        { solver: "highs", highs },
      );
      let grid = -Infinity;
      const steps = 200;
      for (let a = 0; a <= steps; a++) {
        for (let b = 0; a + b <= steps; b++) {
          const w = [a / steps, b / steps, (steps - a - b) / steps];
          grid = Math.max(grid, sharpeRatio(w, mu, cov, 0.02));
        }
      }
      expect(best.objective).to.be.at.least(grid - 1e-12);
    });

    it("beats a random search on real 2023 daily data (N = 5)", async function () {
      if (!existsSync(DAILY)) {
        console.log(`skip: ${DAILY} not found`);
        this.skip();
      }
      const { mu, cov } = await loadReal(
        ["BTC", "ETH", "SOL", "LINK", "XRP"],
        "2023-01-01",
        "2023-12-31",
      );
      const r = maxSharpe(
        { mu, cov },
        { fullyInvested: true, maxWeight: 0.6 },
        { solver: "quadprog" },
      );
      expectFeasible(r, { fullyInvested: true, maxWeight: 0.6 });
      const rng = mulberry32(1);
      let best = -Infinity;
      for (let k = 0; k < 20_000; k++) {
        const g = mu.map(() => -Math.log(1 - rng()));
        const s = g.reduce((a, b) => a + b, 0);
        const w = g.map((v) => v / s);
        if (w.some((v) => v > 0.6)) continue;
        best = Math.max(best, sharpeRatio(w, mu, cov));
      }
      expect(r.objective).to.be.at.least(best - 1e-12);
    });

    it("returns all cash when nothing beats the risk-free rate", () => {
      const r = maxSharpe(
        {
          mu: [0.01, 0.02],
          cov: [
            [0.1, 0],
            [0, 0.1],
          ],
          riskFree: 0.05,
        },
        {},
        { solver: "quadprog" },
      );
      expect(r.status).to.equal("no-positive-excess-return");
      expect(r.cash).to.equal(1);
    });
  });

  describe("risk parity (ERC)", () => {
    it("equalises risk contributions to 1e-8 on seeded data", () => {
      const rng = mulberry32(51);
      for (const n of [5, 30, 80]) {
        const { cov } = randomProblem(rng, n);
        const r = riskParity({ cov }, { fullyInvested: true });
        expect(r.status).to.equal("optimal");
        expect(ercDispersion(r.weights, cov)).to.be.at.most(1e-8);
        expect(r.weights.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-12);
      }
    });

    it("the Newton fallback alone also reaches equal contributions", () => {
      const { cov } = randomProblem(mulberry32(52), 25);
      const b = new Array(25).fill(1 / 25);
      const { x } = spinuNewton(cov, b);
      expect(ercDispersion(x, cov)).to.be.at.most(1e-8);
      const ccd = ercCcd(cov, b, 1e-14, 3);
      expect(ccd.converged).to.equal(false);
      const polished = spinuNewton(cov, b, 1e-14, 100, ccd.x);
      expect(ercDispersion(polished.x, cov)).to.be.at.most(1e-8);
    });

    it("gives weights ∝ 1/σ for a diagonal covariance", () => {
      const sig = [0.2, 0.5, 0.9, 1.3];
      const cov = sig.map((s, i) => sig.map((_, j) => (i === j ? s * s : 0)));
      const r = riskParity({ cov }, { fullyInvested: true });
      const inv = sig.map((s) => 1 / s);
      const tot = inv.reduce((a, b) => a + b, 0);
      r.weights.forEach((w, i) => expect(w).to.be.closeTo(inv[i] / tot, 1e-12));
    });

    it("equalises contributions on real 2022–2023 data (N = 10)", async function () {
      if (!existsSync(DAILY)) {
        console.log(`skip: ${DAILY} not found`);
        this.skip();
      }
      const { cov } = await loadReal(TEN, "2022-01-01", "2023-12-31");
      const r = riskParity({ cov }, { fullyInvested: true });
      const rc = riskContributions(r.weights, cov);
      const mean = rc.reduce((a, b) => a + b, 0) / rc.length;
      rc.forEach((v) => expect(Math.abs(v / mean - 1)).to.be.at.most(1e-8));
    });

    it("handles caps: scales to cash, or constrained risk budgeting when fully invested", () => {
      const sig = [0.1, 0.5, 0.9];
      const cov = sig.map((s, i) => sig.map((_, j) => (i === j ? s * s : 0)));
      const cash = riskParity({ cov }, { maxWeight: 0.5 });
      expect(cash.constraintViolation).to.equal(0);
      expect(ercDispersion(cash.weights, cov)).to.be.at.most(1e-8);
      expect(cash.cash).to.be.above(0);
      const fi = riskParity({ cov }, { maxWeight: 0.5, fullyInvested: true });
      expect(fi.constraintViolation).to.be.at.most(1e-9);
      expect(fi.weights[0]).to.be.closeTo(0.5, 1e-9);
    });
  });

  describe("minimum CVaR", () => {
    it("LP objective equals the empirical CVaR of the returned weights; constraints hold", () => {
      const rng = mulberry32(61);
      const n = 8;
      const T = 400;
      const scenarios = Array.from({ length: T }, () => {
        const f = 0.03 * standardNormal(rng);
        return Array.from(
          { length: n },
          (_, i) => 0.001 * i + f * (0.5 + i / n) + 0.02 * standardNormal(rng),
        );
      });
      const current = new Array(n).fill(1 / n);
      for (const c of [
        { fullyInvested: true, maxWeight: 0.3 },
        { fullyInvested: true, maxWeight: 0.4, turnover: { current, limit: 0.25 } },
      ] as PortfolioConstraints[]) {
        const r = minCvar({ scenarios, beta: 0.95 }, c, { solver: "highs", highs });
        expectFeasible(r, c);
        const cvar = empiricalCvar(scenarioLosses(scenarios, r.weights), 0.95);
        expect(r.objective).to.be.closeTo(cvar, 1e-12);
        expect(kktMax(r.kkt!)).to.be.at.most(1e-6);
        // Better than equal weight and than any single asset within the cap.
        expect(r.objective).to.be.at.most(
          empiricalCvar(scenarioLosses(scenarios, current), 0.95) + 1e-12,
        );
      }
    });

    it("empiricalCvar is the Rockafellar–Uryasev minimum", () => {
      const rng = mulberry32(71);
      const L = Array.from({ length: 97 }, () => standardNormal(rng));
      const beta = 0.9;
      const F = (a: number) =>
        a + L.reduce((s, l) => s + Math.max(0, l - a), 0) / ((1 - beta) * L.length);
      let best = Infinity;
      for (const a of L) best = Math.min(best, F(a));
      expect(empiricalCvar(L, beta)).to.be.closeTo(best, 1e-12);
    });
  });

  describe("target volatility by scaling toward cash", () => {
    it("scales min-CVaR/max-Sharpe weights so vol = target", () => {
      const rng = mulberry32(81);
      const { mu, cov } = randomProblem(rng, 6);
      const r = maxSharpe({ mu, cov }, { targetVol: 0.2 }, { solver: "quadprog" });
      expect(r.targetVol?.action).to.equal("scaled-to-cash");
      expect(r.volatility).to.be.closeTo(0.2, 1e-12);
      const unscaled = maxSharpe({ mu, cov }, {}, { solver: "quadprog" });
      expect(r.objective).to.be.closeTo(unscaled.objective, 1e-9);
    });
  });
});
