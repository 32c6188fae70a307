import { expect } from "chai";
import { strategyWeights, StrategyError } from "../../../keeper/src/strategy/targets.ts";
import type { StrategySpec } from "../../../keeper/src/strategy/targets.ts";
import {
  createHighs,
  minVariance,
  riskContributions,
  sharpeRatio,
} from "../../../keeper/src/optimize/index.ts";
import {
  estimateCovariance,
  ledoitWolfConstantCorrelation,
} from "../../../keeper/src/risk/covariance.ts";
import { expectedReturns } from "../../../keeper/src/risk/expected-returns.ts";
// float closeTo (Hardhat's chai matchers replace it with a bigint-only one once a network connects)
import "../../helpers/float-matchers.ts";

/**
 * The quant step of `ballast plan` and the keeper loop: each configured model and estimator is
 * the one that runs (checked against the optimizer called directly), caps and the annualised
 * volatility target hold, and the documented fallbacks and errors happen.
 */

/** Seeded one-factor daily returns: asset i = β_i·market + idiosyncratic, vols 2–6 %/day. */
function returns(T: number, N: number, seed = 7, drift = 0.0005): number[][] {
  let x = seed >>> 0;
  const u = () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return (x + 0.5) / 4_294_967_296;
  };
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const rows: number[][] = [];
  for (let t = 0; t < T; t++) {
    const m = 0.02 * g();
    rows.push(
      Array.from(
        { length: N },
        (_, i) => drift * (i + 1) + (0.6 + 0.2 * i) * m + (0.01 + 0.01 * i) * g(),
      ),
    );
  }
  return rows;
}

const R = returns(365, 4);
const CAPS = [0.36, 0.36, 0.135, 0.135];
const DAILY = { periodsPerYear: 365 };
const spec = (over: Partial<StrategySpec>): StrategySpec => ({
  model: "min-variance",
  estimator: "ledoit-wolf",
  ...over,
});
const sum = (w: readonly number[]) => w.reduce((a, b) => a + b, 0);

function annualVol(w: readonly number[], cov: number[][]): number {
  let v = 0;
  for (let i = 0; i < w.length; i++)
    for (let k = 0; k < w.length; k++) v += w[i] * cov[i][k] * w[k];
  return Math.sqrt(v * 365);
}

describe("strategy targets (model, estimator, expected returns, vol target)", function () {
  it("min variance on Ledoit–Wolf equals the optimizer called directly, fully invested within the caps", async function () {
    const r = await strategyWeights(R, spec({}), CAPS, DAILY);
    const cov = ledoitWolfConstantCorrelation(R).cov;
    const direct = minVariance(
      { cov },
      { maxWeight: CAPS, fullyInvested: false, minInvested: sum(CAPS) },
    );
    r.weights.forEach((w, i) => expect(w).to.be.closeTo(direct.weights[i], 1e-9));
    expect(sum(r.weights)).to.be.closeTo(sum(CAPS), 1e-9);
    expect(r.model).to.equal("min-variance");
    expect(r.expectedReturns).to.equal(null);
    expect(r.note).to.include("ledoit-wolf");
  });

  it("the estimator changes the covariance: sample vs EWMA give different weights, each its own optimum", async function () {
    const a = await strategyWeights(R, spec({ estimator: "sample" }), [0.5, 0.5, 0.5, 0.5], DAILY);
    const b = await strategyWeights(
      R,
      spec({ estimator: "ewma", ewmaLambda: 0.9 }),
      [0.5, 0.5, 0.5, 0.5],
      DAILY,
    );
    const maxDiff = Math.max(...a.weights.map((w, i) => Math.abs(w - b.weights[i])));
    expect(maxDiff).to.be.greaterThan(1e-4);
    const covE = estimateCovariance(R, { method: "ewma", lambda: 0.9 });
    expect(annualVol(b.weights, covE)).to.be.at.most(annualVol(a.weights, covE) + 1e-12);
  });

  it("risk parity: equal risk contributions when no cap binds", async function () {
    const r = await strategyWeights(R, spec({ model: "risk-parity" }), [1, 1, 1, 1], DAILY);
    const cov = ledoitWolfConstantCorrelation(R).cov;
    const rc = riskContributions(r.weights, cov);
    const mean = sum(rc) / rc.length;
    for (const c of rc) expect(c / mean).to.be.closeTo(1, 1e-8);
    expect(sum(r.weights)).to.be.closeTo(1, 1e-9);
  });

  it("a target volatility (annualised) caps every model's volatility", async function () {
    for (const model of ["min-variance", "risk-parity", "max-sharpe"] as const) {
      const r = await strategyWeights(R, spec({ model, targetVolatility: 0.2 }), CAPS, DAILY);
      expect(r.volatility, model).to.be.at.most(0.2 + 1e-9);
      // binding for the invested models (the caps alone are riskier); the tangency portfolio of
      // these inputs is calmer than 20 % and keeps its own volatility
      if (model !== "max-sharpe") expect(r.volatility, model).to.be.greaterThan(0.19);
    }
    const mv = await strategyWeights(
      R,
      spec({ model: "mean-variance", targetVolatility: 0.2 }),
      CAPS,
      DAILY,
    );
    expect(mv.volatility).to.be.at.most(0.2 + 1e-8);
  });

  it("max Sharpe uses the configured expected returns and beats min variance on its own objective", async function () {
    const r = await strategyWeights(
      R,
      spec({ model: "max-sharpe", expectedReturns: "shrunk-mean" }),
      CAPS,
      DAILY,
    );
    expect(r.model).to.equal("max-sharpe");
    expect(r.expectedReturns).to.equal("shrunk-mean");
    const cov = ledoitWolfConstantCorrelation(R).cov;
    const mu = expectedReturns(R, { method: "shrunk-mean" }).mu;
    const mv = await strategyWeights(R, spec({}), CAPS, DAILY);
    expect(sharpeRatio(r.weights, mu, cov)).to.be.at.least(
      sharpeRatio(mv.weights, mu, cov) - 1e-12,
    );
  });

  it("max Sharpe with no positive expected return falls back to min variance and says so", async function () {
    const down = returns(365, 4, 11, -0.004);
    const r = await strategyWeights(
      down,
      spec({ model: "max-sharpe", expectedReturns: "shrunk-mean" }),
      CAPS,
      DAILY,
    );
    expect(r.model).to.equal("min-variance");
    expect(r.fallback).to.match(/no asset has a positive expected return/);
  });

  it("mean-variance: higher risk aversion gives lower volatility", async function () {
    const lo = await strategyWeights(
      R,
      spec({ model: "mean-variance", riskAversion: 1 }),
      CAPS,
      DAILY,
    );
    const hi = await strategyWeights(
      R,
      spec({ model: "mean-variance", riskAversion: 200 }),
      CAPS,
      DAILY,
    );
    expect(hi.volatility).to.be.lessThan(lo.volatility);
    for (const r of [lo, hi]) r.weights.forEach((w, i) => expect(w).to.be.at.most(CAPS[i] + 1e-12));
  });

  it("min CVaR (HiGHS LP) invests within the caps", async function () {
    const highs = await createHighs();
    const r = await strategyWeights(
      R.slice(0, 200),
      spec({ model: "min-cvar", cvarAlpha: 0.9 }),
      CAPS,
      {
        ...DAILY,
        highs,
      },
    );
    expect(r.status).to.equal("optimal");
    expect(sum(r.weights)).to.be.closeTo(sum(CAPS), 1e-7);
    r.weights.forEach((w, i) => expect(w).to.be.at.most(CAPS[i] + 1e-9));
  });

  it("a disabled asset (cap 0) gets no weight", async function () {
    const r = await strategyWeights(R, spec({ model: "risk-parity" }), [0.5, 0, 0.5, 0.5], DAILY);
    expect(r.weights[1]).to.equal(0);
  });

  it("refuses malformed inputs with a typed error naming the problem", async function () {
    const bad = async (f: () => Promise<unknown>, re: RegExp) => {
      let err: unknown = null;
      try {
        await f();
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(StrategyError);
      expect((err as StrategyError).code).to.equal("BAD_INPUT");
      expect((err as Error).message).to.match(re);
    };
    await bad(() => strategyWeights([R[0]], spec({}), CAPS, DAILY), /at least 2 returns/);
    await bad(() => strategyWeights(R, spec({}), [0.5, 0.5], DAILY), /2 columns/);
    await bad(
      () => strategyWeights(R, spec({}), [0.5, 1.5, 0.5, 0.5], DAILY),
      /caps must be in \[0, 1\]/,
    );
    await bad(() => strategyWeights(R, spec({}), CAPS, { periodsPerYear: 0 }), /periodsPerYear/);
  });
});
