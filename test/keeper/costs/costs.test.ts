import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import { mulberry32, standardNormal } from "../../../keeper/src/math/stats.ts";
import {
  bestPartialRebalance,
  decideRebalance,
  fitImpactModel,
  fromUnits,
  optimalSplit,
  optimalSplitGeneric,
  quotedCost,
  splitCost,
  sqrtImpact,
  toUnits,
  tradeCost,
} from "../../../keeper/src/costs/index.ts";
import type { RebalanceInput, TradeCostParams } from "../../../keeper/src/costs/index.ts";

const P: TradeCostParams = {
  a: 0.0005,
  b: 1,
  sigma: 0.04,
  volume: 5e6,
  poolFee: 0.003,
  gasCost: 2,
};

describe("keeper/costs", () => {
  describe("square-root impact", () => {
    it("follows a|x| + bσ|x|^1.5/√V and adds fee and gas per trade", () => {
      const x = -40_000;
      const imp = 0.0005 * 40_000 + (0.04 * 40_000 ** 1.5) / Math.sqrt(5e6);
      expect(sqrtImpact(x, P)).to.be.closeTo(imp, 1e-9);
      expect(tradeCost(x, P)).to.be.closeTo(imp + 0.003 * 40_000 + 2, 1e-9);
      expect(tradeCost(0, P)).to.equal(0);
    });

    it("fits a and b by least squares (exact data and noisy data)", () => {
      const sizes = [1e3, 5e3, 1e4, 5e4, 1e5, 3e5];
      const exact = sizes.map((s) => ({
        size: s,
        cost: sqrtImpact(s, { a: 0.001, b: 0.7, sigma: 0.05, volume: 2e7 }),
      }));
      const f = fitImpactModel(exact, 0.05, 2e7);
      expect(f.a).to.be.closeTo(0.001, 1e-12);
      expect(f.b).to.be.closeTo(0.7, 1e-9);
      expect(f.r2).to.be.closeTo(1, 1e-12);
      const rng = mulberry32(9);
      const noisy = exact.map((o) => ({
        size: o.size,
        cost: o.cost * (1 + 0.02 * standardNormal(rng)),
      }));
      const g = fitImpactModel(noisy, 0.05, 2e7);
      expect(g.b).to.be.closeTo(0.7, 0.1);
      expect(g.a).to.be.at.least(0);
    });

    it("keeps coefficients non-negative", () => {
      // Costs that are purely linear with a slightly concave bump: b would come out negative.
      const obs = [1e3, 1e4, 1e5].map((s) => ({ size: s, cost: 0.002 * s - 1e-9 * s ** 1.5 }));
      const f = fitImpactModel(obs, 0.05, 1e7);
      expect(f.a).to.be.at.least(0);
      expect(f.b).to.be.at.least(0);
    });

    it("measures cost from an injected quote function (bigint units)", async () => {
      // 1 ETH (18 decimals) at mid 2000 USDC; the fake pool pays 0.5% less.
      const quote = async (amountIn: bigint) => ({
        amountOut: (amountIn * 2000n * 995n) / 1000n / 10n ** 12n,
        gasEstimate: 100_000n,
      });
      const cost = await quotedCost(
        quote,
        1,
        { decimalsIn: 18, decimalsOut: 6, midPrice: 2000, outValueInBase: 1 },
        1e-5,
      );
      expect(cost).to.be.closeTo(10 + 1, 1e-6);
      expect(toUnits(1.5, 6)).to.equal(1_500_000n);
      expect(fromUnits(1_500_000n, 6)).to.equal(1.5);
    });
  });

  describe("no-trade rule", () => {
    const base: Omit<RebalanceInput, "cost"> = {
      mu: [0.001, 0.0005],
      cov: [
        [0.0016, 0.0004],
        [0.0004, 0.0009],
      ],
      gamma: 3,
      horizon: 30,
      current: [0.5, 0.4],
      // Unconstrained CE optimum (γΣ)⁻¹μ.
      target: [0.0021 / 0.01152, 0.0012 / 0.01152],
      nav: 1e6,
    };
    it("trades when the CE gain beats the cost", () => {
      const d = decideRebalance({ ...base, cost: (_i, v) => tradeCost(v, P) });
      expect(d.gain).to.be.above(d.cost);
      expect(d.kind).to.equal("trade");
      expect(d.gain).to.be.closeTo(
        1e6 * 30 * (0.5 * (0.001 * base.target[0] + 0.0005 * base.target[1]) + 0.000356),
        1e-6,
      );
      if (d.kind === "trade") {
        d.legs.forEach((l, i) =>
          expect(l.value).to.be.closeTo((base.target[i] - base.current[i]) * 1e6, 1e-6),
        );
      }
    });
    it("does not trade when the cost exceeds the gain, and reports the numbers", () => {
      const d = decideRebalance({ ...base, cost: (_i, v) => 0.05 * Math.abs(v) });
      expect(d.kind).to.equal("no-trade");
      if (d.kind === "no-trade") expect(d.reason).to.equal("gain-below-cost");
      const traded = base.target.reduce((t, w, i) => t + Math.abs(w - base.current[i]), 0) * 1e6;
      expect(d.cost).to.be.closeTo(0.05 * traded, 1e-6);
      expect(d.net).to.be.below(0);
      const same = decideRebalance({ ...base, target: base.current, cost: () => 1 });
      expect(same.kind).to.equal("no-trade");
    });
    it("finds a partial move that beats both no trade and the full move", () => {
      // Large convex costs: going all the way is too expensive, a partial step pays.
      const x: RebalanceInput = { ...base, cost: (_i, v) => 1e-6 * v * v };
      const full = decideRebalance(x);
      const { theta, decision } = bestPartialRebalance(x);
      expect(theta).to.be.above(0).and.below(1);
      expect(decision.net).to.be.above(Math.max(0, full.net));
    });
  });

  describe("trade splitting", () => {
    it("closed-form chunk count equals the brute-force optimum", () => {
      for (const X of [1e3, 1e5, 1e6, 1e7]) {
        const a = optimalSplit(X, P, 50);
        const b = optimalSplitGeneric(X, (x) => tradeCost(x, P), 50);
        expect(a.chunks).to.equal(b.chunks);
        expect(a.totalCost).to.be.closeTo(b.totalCost, 1e-9 * b.totalCost);
        expect(a.totalCost).to.be.at.most(a.singleCost);
      }
    });
    it("does not split small trades and respects the chunk cap", () => {
      expect(optimalSplit(500, P, 20).chunks).to.equal(1);
      const big = optimalSplit(5e7, { ...P, gasCost: 0.01 }, 8);
      expect(big.chunks).to.equal(8);
      expect(big.totalCost).to.be.closeTo(splitCost(5e7, 8, { ...P, gasCost: 0.01 }), 1e-6);
    });
  });
});
