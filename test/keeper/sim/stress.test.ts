import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import {
  SCENARIOS,
  ScenarioError,
  inWindow,
  scenario,
  shockPrices,
} from "../../../keeper/src/sim/stress.ts";

describe("sim: stress scenarios", function () {
  it("flash-crash: 40–50 % down on the shock day, recovering over two more, the path unchanged after", function () {
    const s = scenario("flash-crash", 10);
    expect([s.start, s.end]).to.deep.equal([10, 12]);
    expect(s.at(9).priceFactor).to.deep.equal([1, 1, 1, 1]);
    expect(s.at(10).priceFactor).to.deep.equal([0.6, 0.6, 0.5, 0.5]);
    expect(s.at(11).priceFactor).to.deep.equal([0.78, 0.78, 0.7, 0.7]);
    expect(s.at(12).priceFactor).to.deep.equal([0.92, 0.92, 0.85, 0.85]);
    expect(s.at(13).priceFactor).to.deep.equal([1, 1, 1, 1]);
    for (const d of [9, 10, 13]) {
      expect(s.at(d).staleFeeds).to.deep.equal([]);
      expect(s.at(d).basePrice).to.equal(1);
      expect(s.at(d).liquidityOut).to.equal(0);
    }
  });

  it("liquidity-crunch: 95 % of the liquidity out for 5 days; the price fall stays after it", function () {
    const s = scenario("liquidity-crunch", 3);
    expect([s.start, s.end]).to.deep.equal([3, 7]);
    expect([2, 3, 7, 8].map((d) => s.at(d).liquidityOut)).to.deep.equal([0, 0.95, 0.95, 0]);
    expect(s.at(2).priceFactor).to.deep.equal([1, 1, 1, 1]);
    expect(s.at(3).priceFactor).to.deep.equal([0.88, 0.88, 0.8, 0.8]);
    expect(s.at(40).priceFactor).to.deep.equal([0.88, 0.88, 0.8, 0.8]);
  });

  it("oracle-outage: only the WBTC feed (index 1) skips its updates, for 3 days", function () {
    const s = scenario("oracle-outage", 5);
    expect([4, 5, 6, 7, 8].map((d) => s.at(d).staleFeeds)).to.deep.equal([[], [1], [1], [1], []]);
    expect(s.at(6).priceFactor).to.deep.equal([1, 1, 1, 1]);
    expect([inWindow(s, 4), inWindow(s, 5), inWindow(s, 7), inWindow(s, 8)]).to.deep.equal([
      false,
      true,
      true,
      false,
    ]);
  });

  it("depeg: USDC at 0.97, 0.93, 0.88, 0.95, then back at 1", function () {
    const s = scenario("depeg", 2);
    expect([1, 2, 3, 4, 5, 6].map((d) => s.at(d).basePrice)).to.deep.equal([
      1, 0.97, 0.93, 0.88, 0.95, 1,
    ]);
    expect(s.end).to.equal(5);
  });

  it("applies the price factors to the market path from day 1, leaving day 0 and the input alone", function () {
    const prices = [
      [3000, 60000, 15, 8],
      [3000, 60000, 15, 8],
      [3100, 61000, 16, 9],
    ];
    const out = shockPrices(prices, scenario("flash-crash", 1));
    expect(out[0]).to.deep.equal([3000, 60000, 15, 8]);
    expect(out[1]).to.deep.equal([1800, 36000, 7.5, 4]);
    expect(out[2][0]).to.be.closeTo(3100 * 0.78, 1e-9);
    expect(prices[1]).to.deep.equal([3000, 60000, 15, 8]);
  });

  it("refuses an unknown name, a shock before day 1 and fewer than 2 assets", function () {
    expect(() => scenario("meteor", 5)).to.throw(ScenarioError, /unknown scenario "meteor"/);
    expect(() => scenario("depeg", 0)).to.throw(ScenarioError, /whole day ≥ 1, got 0/);
    expect(() => scenario("depeg", 2.5)).to.throw(ScenarioError, /got 2.5/);
    expect(() => scenario("depeg", 2, 1)).to.throw(ScenarioError, /at least 2 risk assets/);
    expect(SCENARIOS).to.deep.equal(["flash-crash", "liquidity-crunch", "oracle-outage", "depeg"]);
  });
});
