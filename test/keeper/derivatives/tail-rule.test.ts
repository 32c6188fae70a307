import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import fc from "fast-check";
import { DerivativesError } from "../../../keeper/src/derivatives/errors.ts";
import { fitGarch, simulateGarch } from "../../../keeper/src/derivatives/garch.ts";
import { mulberry32, normalGenerator } from "../../../keeper/src/derivatives/rng.ts";
import { flatSmile, smileFromSvi } from "../../../keeper/src/derivatives/smile.ts";
import {
  empiricalFallProbability,
  forecastFallProbability,
  tailRiskAction,
  tailRiskFromSmiles,
} from "../../../keeper/src/derivatives/tail-rule.ts";

const prob = fc.double({ min: 0, max: 1, noNaN: true });

describe("derivatives/tail-rule", () => {
  it("property: a fatter implied left tail never loosens risk (monotone in the implied probability)", () => {
    const config = fc.record({
      triggerRatio: fc.double({ min: 0.5, max: 3, noNaN: true }),
      extra: fc.double({ min: 0.1, max: 5, noNaN: true }),
      maxHedgeRatioIncrease: fc.double({ min: 0, max: 1, noNaN: true }),
      minGrossExposureMultiplier: fc.double({ min: 0.01, max: 1, noNaN: true }),
      abs: fc.option(
        fc.tuple(
          fc.double({ min: 0, max: 0.5, noNaN: true }),
          fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        ),
      ),
    });
    fc.assert(
      fc.property(prob, prob, prob, config, (q1, q2, p, c) => {
        const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1];
        const cfg = {
          triggerRatio: c.triggerRatio,
          fullRatio: c.triggerRatio + c.extra,
          maxHedgeRatioIncrease: c.maxHedgeRatioIncrease,
          minGrossExposureMultiplier: c.minGrossExposureMultiplier,
          ...(c.abs ? { absoluteStart: c.abs[0], absoluteFull: c.abs[0] + c.abs[1] } : {}),
        };
        const a = tailRiskAction(
          { impliedProb: lo, baselineProb: p, fall: 0.2, horizonDays: 30 },
          cfg,
        );
        const b = tailRiskAction(
          { impliedProb: hi, baselineProb: p, fall: 0.2, horizonDays: 30 },
          cfg,
        );
        expect(b.hedgeRatioIncrease).to.be.at.least(a.hedgeRatioIncrease);
        expect(b.grossExposureMultiplier).to.be.at.most(a.grossExposureMultiplier);
        for (const x of [a, b]) {
          expect(x.grossExposureMultiplier).to.be.above(0).and.at.most(1);
          expect(x.grossExposureMultiplier).to.be.at.least(cfg.minGrossExposureMultiplier - 1e-15);
          expect(x.hedgeRatioIncrease).to.be.within(0, cfg.maxHedgeRatioIncrease);
        }
      }),
      { numRuns: 2000, seed: 20251205 },
    );
  });

  it("no tightening below the trigger, full tightening above the full ratio, linear in between", () => {
    const base = { baselineProb: 0.05, fall: 0.2, horizonDays: 30 };
    const none = tailRiskAction({ ...base, impliedProb: 0.07 });
    expect(none.severity).to.equal(0);
    expect(none.grossExposureMultiplier).to.equal(1);
    expect(none.reason).to.match(/^no tightening/);
    const full = tailRiskAction({ ...base, impliedProb: 0.25 });
    expect(full.severity).to.equal(1);
    expect(full.hedgeRatioIncrease).to.equal(0.5);
    expect(full.grossExposureMultiplier).to.equal(0.5);
    const half = tailRiskAction({ ...base, impliedProb: 0.05 * 2.75 }); // ratio 2.75, halfway 1.5→4
    expect(half.severity).to.be.closeTo(0.5, 1e-12);
    expect(half.reason).to.contain("tighten");
    expect(half.numbers.ratio).to.be.closeTo(2.75, 1e-12);
    // Absolute threshold dominates when configured.
    const abs = tailRiskAction(
      { ...base, impliedProb: 0.07 },
      { absoluteStart: 0.05, absoluteFull: 0.09 },
    );
    expect(abs.severity).to.be.closeTo(0.5, 1e-12);
    expect(() => tailRiskAction({ ...base, impliedProb: 1.5 })).to.throw(DerivativesError);
    expect(() =>
      tailRiskAction({ ...base, impliedProb: 0.1 }, { minGrossExposureMultiplier: 0 }),
    ).to.throw(DerivativesError);
  });

  it("baselines: GARCH forecast probability and empirical frequency", () => {
    const r = simulateGarch(
      { omega: 2e-5, alpha: 0.1, beta: 0.85 },
      3000,
      normalGenerator(mulberry32(5)),
    );
    const g = fitGarch(r);
    const p10 = forecastFallProbability(g, 30, 0.1);
    const p30 = forecastFallProbability(g, 30, 0.3);
    expect(p10).to.be.within(0, 1);
    expect(p30).to.be.below(p10);
    expect(forecastFallProbability(g, 90, 0.1)).to.be.above(p10);
    const prices = [100, 90, 70, 80, 100, 60];
    expect(empiricalFallProbability(prices, 1, 0.2)).to.be.closeTo(2 / 5, 1e-15); // 90→70, 100→60
  });

  it("end to end from smiles: a steeper put skew tightens at least as much", () => {
    const r = simulateGarch(
      { omega: 2e-5, alpha: 0.1, beta: 0.85 },
      3000,
      normalGenerator(mulberry32(9)),
    );
    const g = fitGarch(r);
    const T = 30 / 365;
    const mild = [smileFromSvi(T, 100, { a: 0.012, b: 0.05, rho: -0.2, m: 0, sigma: 0.1 })];
    const steep = [smileFromSvi(T, 100, { a: 0.012, b: 0.05, rho: -0.9, m: 0, sigma: 0.1 })];
    const a = tailRiskFromSmiles(mild, g, 0.2, 30);
    const b = tailRiskFromSmiles(steep, g, 0.2, 30);
    expect(b.impliedDetail.probability).to.be.above(a.impliedDetail.probability);
    expect(b.severity).to.be.at.least(a.severity);
    expect(b.grossExposureMultiplier).to.be.at.most(a.grossExposureMultiplier);
    const flat = tailRiskFromSmiles([flatSmile(T, 100, 0.3)], g, 0.2, 30);
    expect(flat.numbers.baselineProb).to.be.closeTo(forecastFallProbability(g, 30, 0.2), 1e-15);
  });
});
