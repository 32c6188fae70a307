import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import { existsSync } from "node:fs";
import path from "node:path";
import { alignSeries, logReturns } from "../../../keeper/src/data/align.ts";
import { loadPriceCsvFile } from "../../../keeper/src/data/csv.ts";
import { mulberry32, normal, standardNormal } from "../../../keeper/src/math/stats.ts";
import { RiskError } from "../../../keeper/src/risk/errors.ts";
import { portfolioReturns } from "../../../keeper/src/risk/measures.ts";
import {
  averagePairwiseCorrelation,
  correlationRegime,
  volatilityRegime,
} from "../../../keeper/src/risk/regimes.ts";

const DATA_DIR = process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
const DAILY = path.join(DATA_DIR, "crypto_daily_usd.csv");
const utc = (s: string): number => Date.parse(s) / 1000;

/** N assets, one common factor with correlation rho, T rows. */
function factorReturns(T: number, N: number, rho: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  return Array.from({ length: T }, () => {
    const f = standardNormal(rng);
    return Array.from(
      { length: N },
      () => 0.02 * (Math.sqrt(rho) * f + Math.sqrt(1 - rho) * standardNormal(rng)),
    );
  });
}

describe("risk/regimes", () => {
  it("volatility regime: calm, normal and stressed with the numbers attached", () => {
    const rng = mulberry32(1);
    const base = Array.from({ length: 400 }, () => normal(rng, 0, 0.02));
    const normalR = volatilityRegime(base);
    expect(normalR.kind).to.equal("volatility-regime");
    expect(normalR.details.regime).to.equal("normal");
    expect(normalR.fired).to.equal(false);

    const stressed = volatilityRegime([
      ...base,
      ...Array.from({ length: 15 }, () => normal(rng, 0, 0.08)),
    ]);
    expect(stressed.details.regime).to.equal("stressed");
    expect(stressed.fired).to.equal(true);
    expect(stressed.value).to.equal(stressed.details.shortVol / stressed.details.longVol);
    expect(stressed.value).to.be.greaterThan(stressed.threshold);
    expect(stressed.threshold).to.equal(1.3);

    const calm = volatilityRegime([
      ...base,
      ...Array.from({ length: 40 }, () => normal(rng, 0, 0.004)),
    ]);
    expect(calm.details.regime).to.equal("calm");
    expect(calm.fired).to.equal(false);
    expect(calm.value).to.be.lessThan(0.8);

    const custom = volatilityRegime(base, { calmBelow: 0.2, stressedAbove: 0.3 });
    expect(custom.fired).to.equal(true);
    expect(() => volatilityRegime(base, { calmBelow: 2, stressedAbove: 1 })).to.throw(RiskError);
    expect(() => volatilityRegime([0.01])).to.throw(RiskError);
  });

  it("correlation regime fires on a correlation jump", () => {
    expect(averagePairwiseCorrelation(factorReturns(20000, 4, 0.5, 2))).to.be.closeTo(0.5, 0.03);
    const low = factorReturns(300, 6, 0.2, 3);
    const calm = correlationRegime(low);
    expect(calm.kind).to.equal("correlation-regime");
    expect(calm.fired).to.equal(false);
    expect(Math.abs(calm.value)).to.be.lessThan(0.15);
    const jump = correlationRegime([...low, ...factorReturns(30, 6, 0.9, 4)]);
    expect(jump.fired).to.equal(true);
    expect(jump.value).to.be.closeTo(
      jump.details.shortAverageCorrelation - jump.details.longAverageCorrelation,
      1e-15,
    );
    expect(jump.details.shortAverageCorrelation).to.be.greaterThan(0.75);
    expect(jump.threshold).to.equal(0.15);
    expect(() => correlationRegime(low.slice(0, 100))).to.throw(RiskError);
  });

  describe("real data", () => {
    before(function () {
      if (!existsSync(DAILY)) {
        console.log(`skipping real-data tests: ${DAILY} is absent`);
        this.skip();
      }
    });

    it("flags the March-2020 COVID crash as a stressed volatility regime", async () => {
      const syms = ["BTC", "ETH", "LTC", "XRP"];
      const d = await loadPriceCsvFile(DAILY, {
        symbols: syms,
        from: utc("2019-06-01"),
        to: utc("2020-03-13"),
      });
      const R = logReturns(alignSeries(d, { bucket: "daily", symbols: syms })).returns;
      const rp = portfolioReturns(R, [0.25, 0.25, 0.25, 0.25]);
      const v = volatilityRegime(rp);
      expect(v.fired).to.equal(true);
      expect(v.details.regime).to.equal("stressed");
      const before = volatilityRegime(rp.slice(0, rp.length - 10));
      expect(before.fired).to.equal(false);
    });
  });
});
