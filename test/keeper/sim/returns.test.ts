import { expect } from "chai";
import {
  DEFAULT_MODEL,
  SimError,
  crashCorrelation,
  generateMarket,
  replayMarket,
  sampleCorrelation,
} from "../../../keeper/src/sim/returns.ts";
import type { ReturnModel } from "../../../keeper/src/sim/returns.ts";
import { excessKurtosis, std } from "../../../keeper/src/math/stats.ts";

const INITIAL = [3000, 60000, 15, 8];

/** The default model with the crash regime switched off (calm only). */
const CALM_ONLY: ReturnModel = { ...DEFAULT_MODEL, switching: { calmToCrash: 0, crashToCalm: 1 } };

describe("sim/returns: generated market", function () {
  it("is deterministic for a seed and differs across seeds", function () {
    const a = generateMarket(DEFAULT_MODEL, 50, 7, INITIAL);
    const b = generateMarket(DEFAULT_MODEL, 50, 7, INITIAL);
    const c = generateMarket(DEFAULT_MODEL, 50, 8, INITIAL);
    expect(a).to.deep.equal(b);
    expect(a.returns[0]).to.not.deep.equal(c.returns[0]);
    expect(a.prices.length).to.equal(51);
    expect(a.prices[0]).to.deep.equal(INITIAL);
    a.prices
      .slice(1)
      .forEach((row, t) =>
        row.forEach((p, i) =>
          expect(p).to.be.closeTo(a.prices[t][i] * Math.exp(a.returns[t][i]), 1e-9 * p),
        ),
      );
  });

  it("calm regime: sample vols and correlations match the model within tolerance", function () {
    const m = generateMarket(CALM_ONLY, 20_000, 1, INITIAL);
    expect(m.regimes.every((r) => r === "calm")).to.equal(true);
    const corr = sampleCorrelation(m.returns);
    for (let i = 0; i < 4; i++) {
      const vol = std(m.returns.map((r) => r[i])) * Math.sqrt(365);
      expect(vol).to.be.closeTo(DEFAULT_MODEL.calm.vols[i], 0.06 * DEFAULT_MODEL.calm.vols[i]);
      for (let j = 0; j < i; j++)
        expect(corr[i][j]).to.be.closeTo(DEFAULT_MODEL.calm.corr[i][j], 0.05);
    }
  });

  it("has heavy tails: positive excess kurtosis and more 4-sigma days than a normal", function () {
    const m = generateMarket({ ...CALM_ONLY, nu: 4 }, 20_000, 3, INITIAL);
    const x = m.returns.map((r) => r[0]);
    expect(excessKurtosis(x)).to.be.greaterThan(2);
    const sd = std(x);
    const tail = x.filter((v) => Math.abs(v) > 4 * sd).length / x.length;
    expect(tail).to.be.greaterThan(10 * 6.3e-5); // normal: P(|Z| > 4) ≈ 6.3e-5
    const thin = generateMarket({ ...CALM_ONLY, nu: 200 }, 20_000, 3, INITIAL);
    expect(excessKurtosis(thin.returns.map((r) => r[0]))).to.be.lessThan(0.5);
  });

  it("crash regime is visible: higher vol, higher correlation, negative drift", function () {
    const m = generateMarket(DEFAULT_MODEL, 30_000, 11, INITIAL);
    const calm = m.returns.filter((_, t) => m.regimes[t] === "calm");
    const crash = m.returns.filter((_, t) => m.regimes[t] === "crash");
    const share = crash.length / m.returns.length;
    const p = DEFAULT_MODEL.switching;
    expect(share).to.be.closeTo(p.calmToCrash / (p.calmToCrash + p.crashToCalm), 0.04);
    const vol = (rows: number[][]) => std(rows.map((r) => r[0]));
    expect(vol(crash) / vol(calm)).to.be.closeTo(DEFAULT_MODEL.crash.volMultiplier, 0.3);
    expect(sampleCorrelation(crash)[3][2]).to.be.greaterThan(sampleCorrelation(calm)[3][2] + 0.15);
    const meanCrash = crash.reduce((s, r) => s + r[1], 0) / crash.length;
    const meanCalm = calm.reduce((s, r) => s + r[1], 0) / calm.length;
    expect(meanCrash).to.be.lessThan(0);
    expect(meanCrash).to.be.lessThan(meanCalm);
  });

  it("crashCorrelation lifts off-diagonals only", function () {
    const c = crashCorrelation(DEFAULT_MODEL.calm.corr, 0.9);
    expect(c[0][0]).to.equal(1);
    expect(c[1][0]).to.equal(0.9);
  });

  it("rejects bad models with a typed error", function () {
    const bad = () => generateMarket({ ...DEFAULT_MODEL, nu: 2 }, 5, 1, INITIAL);
    expect(bad).to.throw(SimError);
    try {
      generateMarket({ ...DEFAULT_MODEL, nu: 2 }, 5, 1, INITIAL);
    } catch (e) {
      expect((e as SimError).code).to.equal("BAD_MODEL");
    }
    expect(() => generateMarket(DEFAULT_MODEL, 5, 1, [1, 2, 3])).to.throw(SimError);
  });
});

describe("sim/returns: CSV replay", function () {
  const csv = [
    "date,symbol,close",
    "2024-01-01,ETH,2000",
    "2024-01-01,BTC,40000",
    "2024-01-02,ETH,2200",
    "2024-01-02,BTC,38000",
    "2024-01-03,ETH,1100",
    "2024-01-03,BTC,41000",
    "2024-01-04,ETH,1000",
  ].join("\n");

  it("maps columns, keeps common dates and rescales to the initial prices", function () {
    const m = replayMarket(csv, ["WETH", "WBTC"], ["ETH", "BTC"], [3000, 60000]);
    expect(m.prices.length).to.equal(3);
    expect(m.prices[0]).to.deep.equal([3000, 60000]);
    expect(m.prices[1][0]).to.be.closeTo(3300, 1e-9);
    expect(m.prices[2][1]).to.be.closeTo(61500, 1e-9);
    expect(m.returns[1][0]).to.be.closeTo(Math.log(0.5), 1e-12);
    expect(m.regimes).to.deep.equal(["calm", "calm"]);
    expect(
      replayMarket(csv, ["WETH", "WBTC"], ["ETH", "BTC"], [3000, 60000], 1).returns.length,
    ).to.equal(1);
  });

  it("names a missing symbol", function () {
    expect(() => replayMarket(csv, ["WETH", "WBTC"], ["ETH", "SOL"], [1, 1])).to.throw(/SOL/);
  });
});
