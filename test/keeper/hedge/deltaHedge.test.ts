import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import { healthFactor, planHedge } from "../../../keeper/src/hedge/index.ts";
import type { HedgeAsset, HedgeConfig } from "../../../keeper/src/hedge/index.ts";

const ETH: HedgeAsset = { symbol: "ETH", spot: 10, price: 2000, debt: 0, targetFraction: 0 };
const BTC: HedgeAsset = { symbol: "BTC", spot: 1, price: 40_000, debt: 0.2, targetFraction: 0.5 };

function hfAfter(assets: HedgeAsset[], cfg: HedgeConfig, borrows: number[]): number {
  const debt = assets.reduce((s, a, i) => s + (a.debt + borrows[i]) * a.price, 0);
  const added = assets.reduce((s, a, i) => s + borrows[i] * a.price, 0);
  const coll = [
    ...cfg.collateral,
    ...(cfg.proceedsLt ? [{ value: added, lt: cfg.proceedsLt }] : []),
  ];
  return healthFactor(coll, debt);
}

describe("keeper/hedge", () => {
  it("hits a delta-neutral and a fractional target when the health factor allows", () => {
    const cfg: HedgeConfig = { collateral: [{ value: 200_000, lt: 0.8 }], hfMin: 1.5 };
    const plan = planHedge([ETH, BTC], cfg);
    expect(plan.targetReached).to.equal(true);
    expect(plan.assets[0].borrow).to.be.closeTo(10, 1e-12);
    expect(plan.assets[0].achievedDelta).to.be.closeTo(0, 1e-12);
    expect(plan.assets[1].borrow).to.be.closeTo(0.3, 1e-12);
    expect(plan.assets[1].achievedDelta).to.be.closeTo(0.5, 1e-12);
    expect(plan.hfAfter).to.be.at.least(1.5);
    expect(plan.hfAfter).to.be.closeTo(
      hfAfter(
        [ETH, BTC],
        cfg,
        plan.assets.map((a) => a.borrow),
      ),
      1e-9,
    );
  });

  it("caps borrowing at hfMin and says why", () => {
    const cfg: HedgeConfig = {
      collateral: [{ value: 30_000, lt: 0.8 }],
      hfMin: 1.2,
      proceedsLt: 0.5,
    };
    const plan = planHedge([ETH, BTC], cfg);
    expect(plan.targetReached).to.equal(false);
    expect(plan.hfAfter).to.be.closeTo(1.2, 1e-9);
    expect(plan.hfAfter).to.be.closeTo(
      hfAfter(
        [ETH, BTC],
        cfg,
        plan.assets.map((a) => a.borrow),
      ),
      1e-9,
    );
    expect(plan.borrowScale).to.be.above(0).and.below(1);
    for (const a of plan.assets) {
      expect(a.reason).to.equal("hf-cap");
      expect(a.gap).to.be.above(0);
    }
  });

  it("repays when over-hedged and routes the remaining gap to a perp", () => {
    const over: HedgeAsset = { symbol: "ETH", spot: 10, price: 2000, debt: 12, targetFraction: 0 };
    const p1 = planHedge([over], { collateral: [{ value: 100_000, lt: 0.8 }], hfMin: 1.5 });
    expect(p1.assets[0].borrow).to.be.closeTo(-2, 1e-12);
    expect(p1.assets[0].achievedDelta).to.be.closeTo(0, 1e-12);
    const cfg: HedgeConfig = {
      collateral: [{ value: 10_000, lt: 0.8 }],
      hfMin: 1.5,
      perp: { maxNotional: 1e6 },
    };
    const p2 = planHedge([ETH], cfg);
    expect(p2.hfAfter).to.be.at.least(1.5 - 1e-12);
    expect(p2.assets[0].perpChange).to.be.below(0);
    expect(p2.assets[0].achievedDelta).to.be.closeTo(0, 1e-9);
    expect(p2.targetReached).to.equal(true);
  });

  it("reports an HF already below the floor with the repay needed", () => {
    const levered: HedgeAsset = {
      symbol: "ETH",
      spot: 10,
      price: 2000,
      debt: 5,
      targetFraction: 0,
    };
    const plan = planHedge([levered], { collateral: [{ value: 12_000, lt: 0.8 }], hfMin: 1.2 });
    expect(plan.hfBefore).to.be.below(1.2);
    expect(plan.borrowScale).to.equal(0);
    expect(plan.assets[0].reason).to.equal("hf-below-min");
    // Repaying that much debt value restores HF = hfMin.
    const repay = plan.repayNeededForHf!;
    expect((12_000 * 0.8) / (10_000 - repay)).to.be.closeTo(1.2, 1e-9);
  });
});
