import { expect } from "chai";
import {
  drawdownSeries,
  equalWeightHold,
  normalize,
  pct,
  perfStats,
  singleAssetHold,
  textTable,
  turnover,
} from "../../../keeper/src/sim/report.ts";

describe("sim/report maths", function () {
  it("perfStats: total return, drawdown, zero-vol Sharpe", function () {
    const s = perfStats([100, 120, 90, 135]);
    expect(s.totalReturn).to.be.closeTo(0.35, 1e-12);
    expect(s.maxDrawdown).to.be.closeTo(0.25, 1e-12);
    expect(s.annualizedVol).to.be.greaterThan(0);
    const flat = perfStats([1, 1, 1]);
    expect(flat.sharpe).to.equal(0);
    expect(flat.annualizedVol).to.equal(0);
  });

  it("perfStats: vol and Sharpe annualize daily log returns with √365", function () {
    const path = [1, Math.exp(0.01), Math.exp(0.01 - 0.01), Math.exp(0.02)];
    const r = [0.01, -0.01, 0.02];
    const mean = r.reduce((a, b) => a + b) / 3;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
    const s = perfStats(path);
    expect(s.annualizedVol).to.be.closeTo(sd * Math.sqrt(365), 1e-12);
    expect(s.sharpe).to.be.closeTo((mean / sd) * Math.sqrt(365), 1e-9);
  });

  it("benchmarks: 1/N buy-and-hold and single-asset hold", function () {
    const prices = [
      [10, 100],
      [20, 50],
    ];
    expect(equalWeightHold(prices)).to.deep.equal([1, 1.25]);
    expect(singleAssetHold(prices, 1)).to.deep.equal([1, 0.5]);
  });

  it("drawdown series, normalize, turnover, formatting", function () {
    expect(drawdownSeries([1, 2, 1, 3])).to.deep.equal([0, 0, 0.5, 0]);
    expect(normalize([2, 4])).to.deep.equal([1, 2]);
    expect(turnover([50, 50], [100, 100])).to.equal(1);
    expect(pct(-0.1234)).to.equal("-12.3%");
    const t = textTable([
      ["a", "bb"],
      ["ccc", "d"],
    ]);
    expect(t.split("\n")).to.deep.equal(["a    bb", "---  --", "ccc   d"]);
  });

  it("rejects non-positive paths", function () {
    expect(() => perfStats([1, 0])).to.throw(/non-positive/);
  });
});
