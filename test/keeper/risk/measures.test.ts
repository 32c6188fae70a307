import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import fc from "fast-check";
import { existsSync } from "node:fs";
import path from "node:path";
import { alignSeries, logReturns } from "../../../keeper/src/data/align.ts";
import { loadPriceCsvFile } from "../../../keeper/src/data/csv.ts";
import { mulberry32, normalQuantile, normal, studentT } from "../../../keeper/src/math/stats.ts";
import { sampleCovariance } from "../../../keeper/src/risk/covariance.ts";
import { RiskError } from "../../../keeper/src/risk/errors.ts";
import {
  beta,
  betasTo,
  fitStudentT,
  historicalVaR,
  maxDrawdown,
  portfolioReturns,
  portfolioVolatility,
  riskContributions,
  studentTVaR,
} from "../../../keeper/src/risk/measures.ts";

const DATA_DIR = process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
const DAILY = path.join(DATA_DIR, "crypto_daily_usd.csv");
const utc = (s: string): number => Date.parse(s) / 1000;

const COV = [
  [0.0004, 0.0003, 0.0001],
  [0.0003, 0.0009, 0.0002],
  [0.0001, 0.0002, 0.0016],
];

describe("risk/measures", () => {
  it("portfolio volatility and returns", () => {
    expect(portfolioVolatility([1, 0, 0], COV)).to.be.closeTo(0.02, 1e-15);
    const w = [0.5, 0.3, 0.2];
    const v =
      0.25 * 0.0004 +
      0.09 * 0.0009 +
      0.04 * 0.0016 +
      2 * (0.15 * 0.0003 + 0.1 * 0.0001 + 0.06 * 0.0002);
    expect(portfolioVolatility(w, COV)).to.be.closeTo(Math.sqrt(v), 1e-15);
    expect(portfolioReturns([[0.1, 0.2, 0.3]], w)).to.deep.equal([0.05 + 0.06 + 0.06]);
    expect(() => portfolioVolatility([1, 0], COV)).to.throw(RiskError);
  });

  it("historical VaR/CVaR: losses positive, type-7 quantile, known example", () => {
    // returns −1%..−10% and +1%..+90% ⇒ losses 1..10% and negatives
    const r = Array.from({ length: 100 }, (_, i) => (i < 10 ? -(i + 1) / 100 : (i - 9) / 100));
    const res = historicalVaR(r, 0.95);
    // losses sorted: −0.90..−0.01, 0.01..0.10 ; h = 99·0.95 = 94.05 → between 0.05 and 0.06
    expect(res.var).to.be.closeTo(0.05 + 0.05 * 0.01, 1e-12);
    expect(res.cvar).to.be.closeTo((0.06 + 0.07 + 0.08 + 0.09 + 0.1) / 5, 1e-12);
    expect(() => historicalVaR([], 0.95)).to.throw(RiskError);
    expect(() => historicalVaR([0.1], 1)).to.throw(RiskError);
  });

  it("property: historical CVaR ≥ VaR for any sample and α", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0.5, max: 0.999, noNaN: true }),
        (r, alpha) => {
          const res = historicalVaR(r, alpha);
          return res.cvar >= res.var - 1e-15;
        },
      ),
      { numRuns: 500 },
    );
  });

  it("Student-t VaR/CVaR match known quantiles (scipy.stats.t) and the normal limit", () => {
    const a = studentTVaR({ nu: 5, loc: 0, scale: 1 }, 0.99);
    expect(a.var).to.be.closeTo(3.3649299989072174, 1e-9); // t.ppf(0.99, 5)
    expect(a.cvar).to.be.closeTo(4.452429111817974, 1e-8); // ∫ x t5(x) dx / 0.01 (scipy.quad)
    const b = studentTVaR({ nu: 3, loc: 0.001, scale: 0.02 }, 0.95);
    expect(b.var).to.be.closeTo(-0.001 + 0.02 * 2.3533634348018233, 1e-11);
    expect(b.cvar).to.be.closeTo(-0.001 + 0.02 * 3.874267517719303, 1e-10);
    const n = studentTVaR({ nu: 1e7, loc: 0, scale: 1 }, 0.99);
    expect(n.var).to.be.closeTo(normalQuantile(0.99), 1e-5);
    expect(n.cvar).to.be.closeTo(2.665214220345808, 1e-5); // φ(z)/(1−α)
    expect(() => studentTVaR({ nu: 1, loc: 0, scale: 1 })).to.throw(RiskError);
  });

  it("Student-t VaR agrees with the empirical quantile of a large t sample", () => {
    const rng = mulberry32(99);
    const x = Array.from({ length: 100000 }, () => 0.0005 + 0.03 * studentT(rng, 4));
    const h = historicalVaR(x, 0.99);
    const t = studentTVaR({ nu: 4, loc: 0.0005, scale: 0.03 }, 0.99);
    expect(h.var / t.var).to.be.closeTo(1, 0.03);
    expect(h.cvar / t.cvar).to.be.closeTo(1, 0.05);
  });

  it("fits ν by MLE and by moments on seeded t data", () => {
    const rng = mulberry32(5);
    const x = Array.from({ length: 20000 }, () => -0.001 + 0.02 * studentT(rng, 5));
    const mle = fitStudentT(x);
    expect(mle.nu).to.be.within(4.3, 5.8);
    expect(mle.loc).to.be.closeTo(-0.001, 0.0005);
    expect(mle.scale).to.be.closeTo(0.02, 0.001);
    const mom = fitStudentT(x, { method: "moments" });
    expect(mom.nu).to.be.within(4.2, 9); // noisier: kurtosis of t5 has infinite variance
    expect(mom.loc).to.be.closeTo(-0.001, 0.0005);
    // Gaussian data → large ν
    const g = Array.from({ length: 20000 }, () => normal(rng, 0, 1));
    expect(fitStudentT(g).nu).to.be.greaterThan(30);
    expect(() => fitStudentT([1, 2, 3])).to.throw(RiskError);
  });

  it("max drawdown of a path", () => {
    const dd = maxDrawdown([100, 120, 90, 130, 65, 80]);
    expect(dd.maxDrawdown).to.be.closeTo(0.5, 1e-15);
    expect(dd.peakIndex).to.equal(3);
    expect(dd.troughIndex).to.equal(4);
    expect(maxDrawdown([1, 2, 3]).maxDrawdown).to.equal(0);
    expect(() => maxDrawdown([1, 0])).to.throw(RiskError);
  });

  it("beta recovers a seeded one-factor loading", () => {
    const rng = mulberry32(3);
    const m = Array.from({ length: 20000 }, () => normal(rng, 0, 0.03));
    const a = m.map((v) => 1.4 * v + normal(rng, 0, 0.02));
    expect(beta(a, m)).to.be.closeTo(1.4, 0.03);
    const b = betasTo(
      m.map((v, i) => [v, a[i]]),
      0,
    );
    expect(b[0]).to.be.closeTo(1, 1e-12);
    expect(b[1]).to.be.closeTo(1.4, 0.03);
  });

  it("component risk contributions sum to the portfolio volatility", () => {
    const w = [0.5, 0.3, 0.2];
    const rc = riskContributions(w, COV);
    expect(rc.volatility).to.be.closeTo(portfolioVolatility(w, COV), 1e-15);
    expect(rc.component.reduce((a, b) => a + b, 0)).to.be.closeTo(rc.volatility, 1e-15);
    expect(rc.percent.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-14);
    // marginal = numerical gradient of σ
    const h = 1e-7;
    for (let i = 0; i < 3; i++) {
      const up = w.slice();
      up[i] += h;
      const dn = w.slice();
      dn[i] -= h;
      const g = (portfolioVolatility(up, COV) - portfolioVolatility(dn, COV)) / (2 * h);
      expect(rc.marginal[i]).to.be.closeTo(g, 1e-7);
    }
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (ws) => {
          if (ws.every((v) => Math.abs(v) < 1e-3)) return true;
          const r = riskContributions(ws, COV);
          return (
            Math.abs(r.component.reduce((a, b) => a + b, 0) - r.volatility) <=
            1e-12 * (1 + r.volatility)
          );
        },
      ),
    );
  });

  describe("real data", () => {
    before(function () {
      if (!existsSync(DAILY)) {
        console.log(`skipping real-data tests: ${DAILY} is absent`);
        this.skip();
      }
    });

    it("BTC max drawdown from the 2017-12 peak to the 2018-12 trough is ≈ 83–84%", async () => {
      const d = await loadPriceCsvFile(DAILY, {
        symbols: ["BTC"],
        from: utc("2017-06-01"),
        to: utc("2019-06-30"),
      });
      const path_ = d.BTC.map((p) => p.price);
      const dd = maxDrawdown(path_);
      expect(dd.maxDrawdown).to.be.within(0.83, 0.84);
      expect(new Date(d.BTC[dd.peakIndex].t * 1000).toISOString().slice(0, 7)).to.equal("2017-12");
      expect(new Date(d.BTC[dd.troughIndex].t * 1000).toISOString().slice(0, 7)).to.equal(
        "2018-12",
      );
    });

    it("betas to BTC, t-fit and VaR ordering on 2022–2023 daily returns", async () => {
      const syms = ["BTC", "ETH", "DOGE", "LTC"];
      const d = await loadPriceCsvFile(DAILY, { symbols: syms, from: utc("2022-01-01") });
      const R = logReturns(alignSeries(d, { bucket: "daily", symbols: syms })).returns;
      const b = betasTo(R, 0);
      expect(b[0]).to.be.closeTo(1, 1e-12);
      expect(b[1]).to.be.within(0.9, 1.6); // ETH is a high-beta BTC
      const w = [0.25, 0.25, 0.25, 0.25];
      const rp = portfolioReturns(R, w);
      const fit = fitStudentT(rp);
      expect(fit.nu).to.be.within(2.05, 10); // fat tails
      const t99 = studentTVaR(fit, 0.99);
      const h99 = historicalVaR(rp, 0.99);
      expect(t99.cvar).to.be.greaterThan(t99.var);
      expect(h99.cvar).to.be.at.least(h99.var);
      expect(t99.var / h99.var).to.be.within(0.7, 1.4);
      const rc = riskContributions(w, sampleCovariance(R));
      expect(rc.component.reduce((a, c) => a + c, 0)).to.be.closeTo(rc.volatility, 1e-15);
    });
  });
});
