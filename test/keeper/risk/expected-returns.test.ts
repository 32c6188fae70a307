import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import fc from "fast-check";
import { mulberry32, normal } from "../../../keeper/src/math/stats.ts";
import { RiskError } from "../../../keeper/src/risk/errors.ts";
import {
  ewmaMomentum,
  expectedReturns,
  jamesSteinIntensity,
  shrunkMean,
} from "../../../keeper/src/risk/expected-returns.ts";

function simulate(T: number, mus: number[], sigma: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  return Array.from({ length: T }, () => mus.map((m) => normal(rng, m, sigma)));
}

describe("risk/expected-returns", () => {
  it("zero returns zeros of the right length", () => {
    const r = expectedReturns([[0.1, 0.2, 0.3]], { method: "zero" });
    expect(r).to.deep.equal({ mu: [0, 0, 0], method: "zero", intensity: 0 });
  });

  it("shrunk mean: fixed intensity is a convex combination toward the grand mean", () => {
    const R = [
      [0.01, 0.03, 0.05, 0.07],
      [0.03, 0.05, 0.07, 0.09],
    ];
    const { mu } = shrunkMean(R, 0.5); // means .02 .04 .06 .08, grand .05
    expect(mu[0]).to.be.closeTo(0.035, 1e-15);
    expect(mu[3]).to.be.closeTo(0.065, 1e-15);
    expect(shrunkMean(R, 0).mu[1]).to.be.closeTo(0.04, 1e-15);
    expect(shrunkMean(R, 1).mu[2]).to.be.closeTo(0.05, 1e-15);
    expect(() => shrunkMean(R, 1.5)).to.throw(RiskError);
  });

  it("James–Stein intensity: ≈1 when means are equal (noise only), small when they differ a lot", () => {
    const equal = simulate(250, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.04, 1);
    expect(jamesSteinIntensity(equal)).to.be.greaterThan(0.6);
    const spread = simulate(
      250,
      [-0.02, -0.015, -0.01, -0.005, 0, 0.005, 0.01, 0.015, 0.02, 0.025],
      0.04,
      2,
    );
    expect(jamesSteinIntensity(spread)).to.be.lessThan(0.2);
    expect(jamesSteinIntensity(simulate(50, [0, 1, 2], 1, 3))).to.equal(1); // N ≤ 3
  });

  it("James–Stein beats the raw sample mean in squared error on average (seeded)", () => {
    const truth = [0.001, -0.002, 0.0005, 0.0015, -0.001, 0.002, 0, -0.0005, 0.0025, -0.0015];
    let errRaw = 0;
    let errJs = 0;
    for (let k = 0; k < 40; k++) {
      const R = simulate(180, truth, 0.04, 100 + k);
      const raw = shrunkMean(R, 0).mu;
      const js = expectedReturns(R, { method: "shrunk-mean" });
      expect(js.method).to.equal("shrunk-mean");
      expect(js.intensity).to.be.within(0, 1);
      for (let i = 0; i < truth.length; i++) {
        errRaw += (raw[i] - truth[i]) ** 2;
        errJs += (js.mu[i] - truth[i]) ** 2;
      }
    }
    expect(errJs).to.be.lessThan(errRaw);
  });

  it("EWMA momentum weights recent returns more", () => {
    const R = [
      ...Array.from({ length: 50 }, () => [0]),
      ...Array.from({ length: 10 }, () => [0.01]),
    ];
    const m = ewmaMomentum(R, 5)[0];
    // weight of the last 10 rows = (1 − 2^(−10/5)) / (1 − 2^(−60/5)) ≈ 0.75
    expect(m).to.be.closeTo((0.01 * (1 - 2 ** -2)) / (1 - 2 ** -12), 1e-15);
    expect(expectedReturns(R, { method: "ewma-momentum", halfLife: 5 }).mu[0]).to.equal(m);
    expect(ewmaMomentum(R, 1e9)[0]).to.be.closeTo(0.1 / 60, 1e-9); // → plain mean
  });

  it("NO LOOK-AHEAD: estimates from rows ≤ t do not move when later rows change", () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 40 }), fc.nat(), (t, seed) => {
        const R = simulate(40, [0, 0.001, 0.002, -0.001, 0.0005], 0.03, seed);
        const past = R.slice(0, t);
        const a = [
          expectedReturns(past, { method: "shrunk-mean" }),
          expectedReturns(past, { method: "ewma-momentum" }),
        ];
        const R2 = [...past, ...simulate(40 - t, [1, 1, 1, 1, 1], 0.5, seed + 1)];
        const b = [
          expectedReturns(R2.slice(0, t), { method: "shrunk-mean" }),
          expectedReturns(R2.slice(0, t), { method: "ewma-momentum" }),
        ];
        return JSON.stringify(a) === JSON.stringify(b);
      }),
      { numRuns: 50 },
    );
  });
});
