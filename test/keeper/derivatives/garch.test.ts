import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  ewmaVolatility,
  fitGarch,
  garchFilter,
  garchVarianceForecast,
  garchVolForecast,
  logReturns,
  simulateGarch,
} from "../../../keeper/src/derivatives/garch.ts";
import { mulberry32, normalGenerator } from "../../../keeper/src/derivatives/rng.ts";
import { flatSmile } from "../../../keeper/src/derivatives/smile.ts";
import { volArbAtTenor, volArbSignal } from "../../../keeper/src/derivatives/vol-arb.ts";

const DATA_DIR = process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
const DAILY_CSV = path.join(DATA_DIR, "crypto_daily_usd.csv");

function btcCloses(): number[] {
  const lines = readFileSync(DAILY_CSV, "utf8").trim().split("\n");
  const h = lines[0].split(",");
  const si = h.indexOf("symbol");
  const ci = h.indexOf("close");
  const di = h.indexOf("date");
  return lines
    .slice(1)
    .map((l) => l.split(","))
    .filter((f) => f[si] === "BTC")
    .sort((a, b) => (a[di] < b[di] ? -1 : 1))
    .map((f) => Number(f[ci]));
}

describe("derivatives/garch", () => {
  it("recovers GARCH(1,1) parameters from simulated data (α+β within 0.05)", () => {
    for (const [seed, truth] of [
      [7, { omega: 2e-5, alpha: 0.1, beta: 0.85 }],
      [11, { omega: 5e-6, alpha: 0.05, beta: 0.93 }],
    ] as const) {
      const r = simulateGarch(truth, 4000, normalGenerator(mulberry32(seed)));
      const fit = fitGarch(r);
      expect(Math.abs(fit.persistence - (truth.alpha + truth.beta)), `seed ${seed}`).to.be.below(
        0.05,
      );
      expect(Math.abs(fit.alpha - truth.alpha)).to.be.below(0.05);
      expect(fit.omega).to.be.above(0);
      expect(fit.persistence).to.be.below(1);
      // The optimum beats the truth on the sample likelihood.
      const mean = r.reduce((s, x) => s + x, 0) / r.length;
      const eps = r.map((x) => x - mean);
      const v0 = eps.reduce((s, e) => s + e * e, 0) / eps.length;
      expect(garchFilter(eps, fit, v0).negLogLik).to.be.at.most(
        garchFilter(eps, truth, v0).negLogLik + 1e-6,
      );
    }
  });

  it("h-step forecast: one step = next variance, mean-reverts to ω/(1−α−β)", () => {
    const p = { omega: 1e-5, alpha: 0.1, beta: 0.8 };
    const V = p.omega / (1 - 0.9);
    const f = garchVarianceForecast(p, 4 * V, 200);
    expect(f.perPeriod[0]).to.equal(4 * V);
    expect(f.perPeriod[1]).to.be.closeTo(V + 0.9 * 3 * V, 1e-18);
    expect(f.perPeriod[199]).to.be.closeTo(V, 1e-12);
    expect(f.total).to.be.closeTo(
      f.perPeriod.reduce((s, x) => s + x, 0),
      1e-15,
    );
  });

  it("EWMA: constant returns give a constant variance; λ weights recent shocks", () => {
    const flat = ewmaVolatility(new Array(100).fill(0.01), 0.94, 365);
    expect(flat.variances.at(-1)).to.be.closeTo(1e-4, 1e-16);
    expect(flat.annualizedVol).to.be.closeTo(0.01 * Math.sqrt(365), 1e-12);
    const shock = ewmaVolatility([...new Array(60).fill(0.01), 0.1], 0.94);
    expect(shock.variances.at(-1)).to.be.closeTo(0.94 * 1e-4 + 0.06 * 0.01, 1e-15);
  });

  it("real BTC daily returns (2014–2023): α + β < 1, and a plausible vol level", function () {
    if (!existsSync(DAILY_CSV)) {
      console.log(`skipping: ${DAILY_CSV} not found (set BALLAST_DATA_DIR)`);
      this.skip();
    }
    const closes = btcCloses();
    const r = logReturns(closes);
    expect(r.length).to.be.greaterThan(3000);
    const fit = fitGarch(r);
    // Measured: ω ≈ 6.4e-5, α ≈ 0.131, β ≈ 0.836, α + β ≈ 0.967; long-run vol ≈ 84 %/yr.
    expect(fit.persistence).to.be.below(1);
    expect(fit.persistence).to.be.above(0.85);
    expect(fit.alpha).to.be.within(0.02, 0.3);
    const longRunVol = Math.sqrt(fit.longRunVariance * 365);
    expect(longRunVol).to.be.within(0.4, 1.2);
    expect(garchVolForecast(fit, 30)).to.be.within(0.2, 1.5);
  });
});

describe("derivatives/vol-arb", () => {
  it("spread, z-score and signal", () => {
    const s = volArbSignal({ impliedVol: 0.65, forecastVol: 0.5, horizonPeriods: 30 });
    expect(s.spread).to.be.closeTo(0.15, 1e-15);
    expect(s.standardError).to.be.closeTo(0.5 / Math.sqrt(60), 1e-15);
    expect(s.z).to.be.closeTo(0.15 / (0.5 / Math.sqrt(60)), 1e-12);
    expect(s.signal).to.equal("implied-rich");
    expect(volArbSignal({ impliedVol: 0.6, forecastVol: 0.5, horizonPeriods: 30 }).signal).to.equal(
      "neutral",
    ); // z ≈ 1.55
    expect(
      volArbSignal({ impliedVol: 0.35, forecastVol: 0.5, horizonPeriods: 30 }).signal,
    ).to.equal("implied-cheap");
  });

  it("at a tenor: ATM vol from the smiles vs the GARCH forecast over the same number of days", () => {
    const r = simulateGarch(
      { omega: 2e-5, alpha: 0.1, beta: 0.85 },
      2000,
      normalGenerator(mulberry32(3)),
    );
    const g = fitGarch(r);
    const smiles = [flatSmile(10 / 365, 100, 0.5), flatSmile(60 / 365, 100, 0.5)];
    const s = volArbAtTenor(smiles, g, 30);
    expect(s.impliedVol).to.be.closeTo(0.5, 1e-12);
    expect(s.forecastVol).to.be.closeTo(garchVolForecast(g, 30), 1e-15);
    expect(s.horizonDays).to.equal(30);
  });
});
