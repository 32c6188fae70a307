import { expect } from "chai";
import { costGate, DEFAULT_GATE_GAMMA } from "../../../keeper/src/loop/costGate.ts";
import type { CostGateInput } from "../../../keeper/src/loop/costGate.ts";
import { horizonCe } from "../../../keeper/src/costs/noTrade.ts";
// float closeTo (Hardhat's chai matchers replace it with a bigint-only one once a network connects)
import "../../helpers/float-matchers.ts";

/**
 * The loop's cost–benefit gate: gain = NAV · ΔCE over the schedule horizon against the plan's
 * expected swap cost plus gas; safety triggers bypass it. Two assets, daily buckets, zero means:
 * CE_H(w) = −γ/2 · H · wᵀΣw.
 */

const COV = [
  [0.0016, 0.0004],
  [0.0004, 0.0009],
];
const NAV = 1_000_000n * 10n ** 6n; // 1M USDC (6 decimals)
const base = (over: Partial<CostGateInput> = {}): CostGateInput => ({
  fired: ["drift"],
  current: [0.6, 0.1],
  expected: [0.35, 0.35],
  navBefore: NAV,
  navAfterExpected: NAV,
  gasCostBase: 0n,
  estimates: { cov: COV, mu: [0, 0], periodsPerYear: 365 },
  gamma: DEFAULT_GATE_GAMMA,
  horizonSeconds: 7 * 86_400,
  ...over,
});

describe("keeper loop cost–benefit gate", function () {
  const H = 7;
  const gainOf = (x: CostGateInput) =>
    Number(x.navBefore) *
    (horizonCe([...x.expected], [0, 0], COV, x.gamma, H) -
      horizonCe([...x.current], [0, 0], COV, x.gamma, H));

  it("gain = NAV · ΔCE over the horizon in buckets; cost = expected swap loss + gas", function () {
    const x = base({ navAfterExpected: NAV - 1_000n * 10n ** 6n, gasCostBase: 5n * 10n ** 6n });
    const d = costGate(x);
    expect(d.horizonBuckets).to.be.closeTo(H, 1e-12);
    expect(d.gain).to.be.closeTo(gainOf(x), 1e-3);
    expect(d.gain).to.be.greaterThan(0); // less variance
    expect(d.cost).to.equal(1_005 * 1e6);
  });

  it("sends exactly when the gain beats the cost (boundary at the gain, in base units)", function () {
    const gain = gainOf(base());
    const at = BigInt(Math.floor(gain)); // cost just below the gain
    expect(costGate(base({ navAfterExpected: NAV - at })).send).to.equal(true);
    const over = costGate(base({ navAfterExpected: NAV - at - 1n }));
    expect(over).to.include({ send: false, reason: "gain-below-cost" });
  });

  it("a plan that adds risk for no expected return never passes on a discretionary trigger", function () {
    const d = costGate(base({ current: [0.35, 0.35], expected: [0.6, 0.1] }));
    expect(d.gain).to.be.lessThan(0);
    expect(d).to.include({ send: false, reason: "gain-below-cost" });
  });

  it("safety triggers bypass it (redemptions, health factor, net delta, drawdown, breaker)", function () {
    for (const k of [
      "redemptions",
      "health-factor",
      "net-delta",
      "drawdown",
      "circuit-breaker",
    ] as const) {
      const d = costGate(base({ fired: ["drift", k], navAfterExpected: 0n }));
      expect(d, k).to.include({ send: true, reason: "safety-trigger" });
    }
  });

  it("expected returns count: a momentum view can justify a riskier move", function () {
    const x = base({
      current: [0.35, 0.35],
      expected: [0.6, 0.1],
      estimates: { cov: COV, mu: [0.01, 0], periodsPerYear: 365 },
    });
    expect(costGate(x).gain).to.be.greaterThan(0);
    expect(costGate(x).send).to.equal(true);
  });
});
