import { expect } from "chai";
import {
  VaultCheckError,
  MGMT_FEE_INTERVAL,
  accrueFees,
  checkFeed,
  checkRebalance,
  debtValue,
  formatReport,
  lossBudgetUsed,
  navOf,
  netDeltaBps,
  netDeltaRangeBps,
  previewRedeem,
  px,
  pxAll,
  tokensForValueUp,
  value,
  weightCapBps,
} from "../../../keeper/src/planner/checks.ts";
import type { CheckReport, RebalanceCheckInput } from "../../../keeper/src/planner/checks.ts";
import type { Positions, SwapFill, VaultSnapshot } from "../../../keeper/src/planner/types.ts";
import { BASE, asset, snapshot } from "./fixtures.ts";

const E6 = 10n ** 6n;
const E18 = 10n ** 18n;
const NOW = 1_700_000_000n;

// base USDC (6 dec, $1 feed 8); WETH 18 dec $2000; WBTC 8 dec $30000; a 6-dec token on an 18-dec feed at $0.5
function state(over: Partial<VaultSnapshot> = {}): VaultSnapshot {
  return snapshot(
    [
      asset(0),
      asset(1, { decimals: 8, price: 30_000n * 10n ** 8n }),
      asset(2, { decimals: 6, feedDecimals: 18, price: 5n * 10n ** 17n }),
    ],
    over,
  );
}

function plan(
  s: VaultSnapshot,
  over: Partial<RebalanceCheckInput["plan"]> = {},
): RebalanceCheckInput["plan"] {
  return {
    nonce: s.nextNonce,
    deadline: NOW + 600n,
    expectedWeightsBps: s.assets.map(() => 0n),
    weightToleranceBps: 10_000n,
    slippageBps: 50n,
    ...over,
  };
}

function run(
  s: VaultSnapshot,
  post: Positions,
  swaps: SwapFill[] = [],
  p: Partial<RebalanceCheckInput["plan"]> = {},
  hf?: bigint,
): CheckReport {
  return checkRebalance({ pre: s, post, swaps, plan: plan(s, p), now: NOW, healthFactorAfter: hf });
}

function withPos(s: VaultSnapshot, f: (p: Positions) => void): Positions {
  const p: Positions = {
    ...s.positions,
    balances: [...s.positions.balances],
    debts: [...s.positions.debts],
  };
  f(p);
  return p;
}

function expectError(r: CheckReport, name: string, args: readonly (bigint | string)[]): void {
  expect(r.ok).to.equal(false);
  expect(r.error).to.be.instanceOf(VaultCheckError);
  expect(r.error?.errorName).to.equal(name);
  expect(r.error?.code).to.equal("VAULT_CHECK_FAILED");
  expect(r.error?.args).to.deep.equal(args);
}

describe("planner/checks: §4 values", () => {
  const s = state();
  const [pxEth, pxBtc, pxHalf] = pxAll(s);

  it("builds the conversion factors of NavMath.px", () => {
    expect(pxEth).to.deep.equal({
      num: 2000n * 10n ** 8n * 10n ** 14n,
      den: 10n ** 8n * 10n ** 26n,
    });
    expect(px(s.assets[2], s.base)).to.deep.equal({
      num: 5n * 10n ** 17n * 10n ** 14n,
      den: 10n ** 8n * 10n ** 24n,
    });
  });

  it("rounds holdings down and debts up", () => {
    // 1 WETH = 2000 USDC exactly; 5e8 wei = 1e-6 USDC exactly; one wei more is not a full unit
    expect(value(E18, pxEth)).to.equal(2000n * E6);
    expect(value(5n * 10n ** 8n, pxEth)).to.equal(1n);
    expect(debtValue(5n * 10n ** 8n, pxEth)).to.equal(1n);
    expect(value(5n * 10n ** 8n + 1n, pxEth)).to.equal(1n);
    expect(debtValue(5n * 10n ** 8n + 1n, pxEth)).to.equal(2n);
    expect(value(1n, pxEth)).to.equal(0n);
    expect(debtValue(1n, pxEth)).to.equal(1n);
    // 1 sat of BTC = 0.0003 USDC -> 300 units
    expect(value(1n, pxBtc)).to.equal(300n);
    // 3 units of a $0.5 6-dec token = 1.5 units of base
    expect(value(3n, pxHalf)).to.equal(1n);
    expect(debtValue(3n, pxHalf)).to.equal(2n);
  });

  it("tokensForValueUp is the smallest amount reaching a value", () => {
    for (const v of [1n, 7n, 1999n * E6 + 3n]) {
      const a = tokensForValueUp(v, pxEth);
      expect(value(a, pxEth) >= v).to.equal(true);
      expect(value(a - 1n, pxEth) < v).to.equal(true);
    }
  });

  it("computes the NAV of §5 with reserved assets, collateral and debts", () => {
    const p: Positions = {
      baseBalance: 1000n * E6,
      collateral: 500n * E6,
      balances: [E18, 10n ** 8n, 3n],
      debts: [5n * 10n ** 8n + 1n, 0n, 0n],
    };
    const n = navOf(p, 100n * E6, pxAll(s));
    expect(n.idle).to.equal(900n * E6);
    expect(n.pos).to.equal(900n * E6 + 500n * E6 + 2000n * E6 + 30_000n * E6 + 1n);
    expect(n.neg).to.equal(2n);
    expect(n.nav).to.equal(n.pos - 2n);
    expect(n.gross).to.equal(2000n * E6 + 30_000n * E6 + 1n + 2n);
    expect(navOf({ ...p, baseBalance: 99n }, 100n, pxAll(s)).idle).to.equal(0n); // saturates like _idle()
  });

  it("rounds the signed net delta toward zero", () => {
    expect(netDeltaBps(0n, 12_345n, 10n ** 6n)).to.equal(-123n);
    expect(netDeltaBps(12_345n, 0n, 10n ** 6n)).to.equal(123n);
    expect(netDeltaBps(5n, 5n, 10n ** 6n)).to.equal(0n);
  });
});

describe("planner/checks: §6 bounds at the edge", () => {
  const s = state(); // NAV = 1,000,000 USDC (1e12)
  const nav = 10n ** 12n;

  it("accepts the unchanged state and reports every bound", () => {
    const r = run(s, s.positions);
    expect(r.ok).to.equal(true);
    expect(r.navBefore).to.equal(nav);
    expect(r.navAfter).to.equal(nav);
    const names = r.bounds.map((b) => b.bound);
    expect(names).to.include.members([
      "deadline",
      "nonce",
      "lossPerRebalance",
      "lossBudget",
      "turnover",
      "weightMax",
      "weightTarget",
      "netDelta",
      "leverage",
    ]);
    expect(formatReport(r).every((l) => l.startsWith("ok"))).to.equal(true);
  });

  it("slippage: a fill exactly at the bound passes, one unit less fails", () => {
    // buy WETH with 2000 USDC; slip = min(50, 100) = 50 -> out value >= ceil(2000e6 * 9950 / 10000) = 1990e6
    const minTok = tokensForValueUp(1990n * E6, pxAll(s)[0]);
    const mk = (received: bigint): CheckReport =>
      run(
        s,
        withPos(s, (p) => {
          p.baseBalance -= 2000n * E6;
          p.balances[0] += received;
        }),
        [
          {
            actionIndex: 3,
            tokenIn: BASE,
            tokenOut: s.assets[0].token,
            spent: 2000n * E6,
            received,
          },
        ],
      );
    const ok = mk(minTok);
    expect(ok.ok).to.equal(true);
    expect(ok.bounds.find((b) => b.bound === "slippage")?.margin).to.equal(0n);
    expectError(mk(minTok - 1n), "SlippageExceeded", [3n, 2000n * E6, 1990n * E6 - 1n, 50n]);
  });

  it("slippage uses min(plan.slippageBps, limits.maxSlippageBps)", () => {
    const post = withPos(s, (p) => {
      p.baseBalance -= 2000n * E6 - 1980n * E6;
    });
    const fill: SwapFill[] = [
      { actionIndex: 0, tokenIn: BASE, tokenOut: BASE, spent: 2000n * E6, received: 1980n * E6 },
    ];
    expect(run(s, post, fill, { slippageBps: 100n }).ok).to.equal(true);
    expectError(run(s, post, fill, { slippageBps: 99n }), "SlippageExceeded", [
      0n,
      2000n * E6,
      1980n * E6,
      99n,
    ]);
    expect(run(s, post, fill, { slippageBps: 500n }).ok).to.equal(true);
  });

  it("loss per rebalance: exactly maxLoss passes, one unit more fails", () => {
    const t = state({
      limits: { ...s.limits, maxLossPerRebalanceBps: 100n, lossBudgetBps: 10_000n },
    });
    const at = withPos(t, (p) => {
      p.baseBalance -= 10n ** 10n; // 1 %
    });
    expect(run(t, at).ok).to.equal(true);
    const over = withPos(t, (p) => {
      p.baseBalance -= 10n ** 10n + 1n;
    });
    expectError(run(t, over), "LossPerRebalanceExceeded", [nav, nav - 10n ** 10n - 1n, 100n]);
  });

  it("loss budget: decays linearly; exactly the cap passes, one unit of loss more fails", () => {
    const W = 7n * 86400n;
    const t = state({
      limits: { ...s.limits, maxLossPerRebalanceBps: 300n, lossBudgetBps: 300n, lossWindow: W },
      lossBudget: { usedWad: 2n * 10n ** 16n, updatedAt: NOW - W / 2n },
    });
    // cap 3e16, decay 1.5e16, used 0.5e16 -> room 2.5e16 = 2.5 % of 1e12 = 2.5e10
    expect(lossBudgetUsed(t.lossBudget, 3n * 10n ** 16n, W, NOW)).to.equal(5n * 10n ** 15n);
    const at = run(
      t,
      withPos(t, (p) => {
        p.baseBalance -= 25n * 10n ** 9n;
      }),
    );
    expect(at.ok).to.equal(true);
    expect(at.lossWad).to.equal(25n * 10n ** 15n);
    expect(at.budgetAfter).to.deep.equal({ usedWad: 3n * 10n ** 16n, updatedAt: NOW });
    expect(at.lossBps).to.equal(250n);
    const over = run(
      t,
      withPos(t, (p) => {
        p.baseBalance -= 25n * 10n ** 9n + 1n;
      }),
    );
    // lossWad = ceil((2.5e10 + 1) * 1e18 / 1e12) = 2.5e16 + 1e6
    expectError(over, "LossBudgetExceeded", [3n * 10n ** 16n + 10n ** 6n, 3n * 10n ** 16n]);
    expect(over.lossBps).to.equal(251n); // ceil
    expect(lossBudgetUsed({ usedWad: 5n, updatedAt: 0n }, 100n, 0n, NOW)).to.equal(0n); // window 0
  });

  it("turnover: floored bps; 5000.99 bps passes a 5000 limit, 5001 fails", () => {
    const t = state({ limits: { ...s.limits, maxTurnoverBps: 5000n } });
    const mk = (traded: bigint): CheckReport =>
      run(t, t.positions, [
        { actionIndex: 0, tokenIn: BASE, tokenOut: BASE, spent: traded, received: traded },
      ]);
    expect(mk(5n * 10n ** 11n + 10n ** 8n - 1n).ok).to.equal(true);
    expect(mk(5n * 10n ** 11n + 10n ** 8n - 1n).turnoverBps).to.equal(5000n);
    expectError(mk(5n * 10n ** 11n + 10n ** 8n), "TurnoverExceeded", [5001n, 5000n]);
  });

  it("weights: floor bps vs max and vs expected ± tolerance", () => {
    // 125 WETH = 250,000 USDC = 2500 bps; plus 99.999999 USDC more is still 2500 (floor)
    const post = withPos(s, (p) => {
      p.baseBalance -= 250_000n * E6;
      p.balances[0] = 125n * E18;
    });
    const tMax = (m: bigint): VaultSnapshot => ({
      ...s,
      assets: s.assets.map((a, i) => (i === 0 ? { ...a, maxWeightBps: m } : a)),
    });
    expect(run(tMax(2500n), post).ok).to.equal(true);
    expectError(run(tMax(2499n), post), "WeightAboveMax", [0n, 2500n, 2499n]);
    const exp = (e: bigint, tol: bigint): CheckReport =>
      run(s, post, [], { expectedWeightsBps: [e, 0n, 0n], weightToleranceBps: tol });
    expect(exp(2510n, 10n).ok).to.equal(true);
    expect(exp(2490n, 10n).ok).to.equal(true);
    expectError(exp(2511n, 10n), "WeightOffTarget", [0n, 2500n, 2511n, 10n]);
    expectError(exp(2489n, 10n), "WeightOffTarget", [0n, 2500n, 2489n, 10n]);
    const almost = withPos(s, (p) => {
      p.baseBalance -= 250_000n * E6 + 99_999_999n;
      p.balances[0] = 125n * E18 + tokensForValueUp(99_999_999n, pxAll(s)[0]);
    });
    expect(run(s, almost).weightsBps[0]).to.equal(2500n);
  });

  it("weights are measured on navFinal (after redemptions set aside)", () => {
    // pending shares = 10 % of the supply; no fees -> assets = floor(0.1e18 * (1e12 + 1) / (1e18 + 1e6))
    const t = state({ pendingShares: 10n ** 17n });
    const post = withPos(t, (p) => {
      p.baseBalance -= 250_000n * E6;
      p.balances[0] = 125n * E18;
    });
    const r = run(t, post);
    const assets = (10n ** 17n * (nav + 1n)) / (10n ** 18n + 10n ** 6n);
    expect(r.redemptionFulfilled).to.equal(true);
    expect(r.assetsSetAside).to.equal(assets);
    expect(r.navFinal).to.equal(nav - assets);
    expect(r.weightsBps[0]).to.equal((250_000n * E6 * 10_000n) / (nav - assets));
    // not enough idle: nothing is set aside
    const poor = withPos(t, (p) => {
      p.baseBalance = 1n;
      p.balances[0] = 500n * E18;
    });
    expect(run(t, poor).redemptionFulfilled).to.equal(false);
  });

  it("net delta band and leverage, with debts rounded up", () => {
    const t = state({
      lending: {
        adapter: "0x0000000000000000000000000000000000000aaa",
        healthFactor: 0n,
        liquidationThresholdBps: 8000n,
      },
    });
    // short 50 WETH (100,000 USDC = 1000 bps of NAV) with collateral
    const post = withPos(t, (p) => {
      p.baseBalance -= 200_000n * E6;
      p.collateral = 200_000n * E6;
      p.debts[0] = 50n * E18;
      p.baseBalance += 100_000n * E6; // sold the borrowed WETH
    });
    const r = run(t, post);
    expect(r.navAfter).to.equal(nav);
    expect(r.netDeltasBps[0]).to.equal(-1000n);
    expect(r.levAfter).to.equal(1000n);
    const band = (min: bigint): VaultSnapshot => ({
      ...t,
      assets: t.assets.map((a, i) => (i === 0 ? { ...a, minNetDeltaBps: min } : a)),
    });
    expect(run(band(-1000n), post).ok).to.equal(true);
    expectError(run(band(-999n), post), "NetDeltaOutOfBand", [0n, -1000n, -999n, 10_000n]);
    const lev = (m: bigint): VaultSnapshot => ({
      ...t,
      limits: { ...t.limits, maxLeverageBps: m },
    });
    expect(run(lev(1000n), post).ok).to.equal(true);
    expectError(run(lev(999n), post), "LeverageExceeded", [1000n, 999n]);
    expect(run(t, post, [], {}, 15n * 10n ** 17n).ok).to.equal(true);
    expectError(run(t, post, [], {}, 15n * 10n ** 17n - 1n), "HealthFactorTooLow", [
      15n * 10n ** 17n - 1n,
      15n * 10n ** 17n,
    ]);
    const hfBound = run(t, post, [], {}, 2n * E18).bounds.find((b) => b.bound === "healthFactor");
    expect(hfBound?.exact).to.equal(false);
  });

  it("a max weight the market had already broken: the plan may not raise the weight further", () => {
    // a rally left 300 WETH = 600,000 of a 1,000,000 NAV (6000 bps)
    const held = (m: bigint): VaultSnapshot =>
      state({
        assets: s.assets.map((a, i) => (i === 0 ? { ...a, maxWeightBps: m } : a)),
        positions: { ...s.positions, baseBalance: 400_000n * E6, balances: [300n * E18, 0n, 0n] },
      });
    const t = held(4000n);
    const trade = (weth: bigint): Positions =>
      withPos(t, (p) => {
        p.balances[0] += weth * E18;
        p.baseBalance -= weth * 2000n * E6;
      });
    const r0 = run(t, t.positions); // unchanged: accepted
    expect(r0.ok).to.equal(true);
    expect(r0.weightsBeforeBps[0]).to.equal(6000n);
    const b0 = r0.bounds.find((b) => b.bound === "weightMax" && b.index === 0);
    expect([b0?.limit, b0?.margin, b0?.error]).to.deep.equal([6000n, 0n, "WeightAboveMaxRose"]);
    expect(run(t, trade(-50n)).ok).to.equal(true); // a partial cure: 5000 bps, still above 4000
    expectError(run(t, trade(1n)), "WeightAboveMaxRose", [0n, 6020n, 6000n, 4000n]);
    // at the max before (not above it), the plain bound applies
    expectError(run(held(6000n), trade(1n)), "WeightAboveMax", [0n, 6020n, 6000n]);
    expect(weightCapBps(4000n, 6000n)).to.equal(6000n);
    expect(weightCapBps(4000n, 3000n)).to.equal(4000n);
  });

  it("a net-delta band the market had already broken: no further out on that side", () => {
    const t = state({
      assets: s.assets.map((a, i) =>
        i === 0 ? { ...a, minNetDeltaBps: -500n, maxNetDeltaBps: 5000n } : a,
      ),
      lending: {
        adapter: "0x0000000000000000000000000000000000000aaa",
        healthFactor: 0n,
        liquidationThresholdBps: 8000n,
      },
      // long 300 WETH (+6000 bps, band top 5000)
      positions: { ...s.positions, baseBalance: 400_000n * E6, balances: [300n * E18, 0n, 0n] },
    });
    const buy = (weth: bigint): Positions =>
      withPos(t, (p) => {
        p.balances[0] += weth * E18;
        p.baseBalance -= weth * 2000n * E6;
      });
    expect(run(t, t.positions).ok).to.equal(true);
    expect(run(t, buy(-10n)).ok).to.equal(true); // 5800: closer
    expectError(run(t, buy(1n)), "NetDeltaOutOfBandGrew", [0n, 6020n, 6000n, -500n, 5000n]);
    // the other side was never broken: short past -500 is the plain bound
    // sold the 300 WETH, supplied 200,000 as collateral, borrowed 3 WETH and sold them: -60 bps
    const flip = withPos(t, (p) => {
      p.balances[0] = 0n;
      p.baseBalance += 600_000n * E6 - 200_000n * E6 + 6000n * E6;
      p.collateral = 200_000n * E6;
      p.debts[0] = 3n * E18;
    });
    expect(run(t, flip).ok).to.equal(true);
    const shortMore: Positions = {
      ...flip,
      debts: [30n * E18, 0n, 0n], // 27 WETH more borrowed and sold: -600 bps
      baseBalance: flip.baseBalance + 54_000n * E6,
    };
    expectError(run(t, shortMore), "NetDeltaOutOfBand", [0n, -600n, -500n, 5000n]);
    // short before, past the bottom: may stay short, not go shorter
    const short = state({ ...t, positions: shortMore });
    expect(run(short, shortMore).ok).to.equal(true);
    const shorter: Positions = {
      ...shortMore,
      debts: [31n * E18, 0n, 0n],
      baseBalance: shortMore.baseBalance + 2000n * E6,
    };
    expectError(run(short, shorter), "NetDeltaOutOfBandGrew", [0n, -620n, -600n, -500n, 5000n]);
    expect(netDeltaRangeBps(-500n, 5000n, -600n)).to.deep.equal([-600n, 5000n]);
    expect(netDeltaRangeBps(-500n, 5000n, 6000n)).to.deep.equal([-500n, 6000n]);
    expect(netDeltaRangeBps(-500n, 5000n, 100n)).to.deep.equal([-500n, 5000n]);
  });

  it("defensive mode: gross and leverage must not rise", () => {
    const pre = withPos(state(), (p) => {
      p.baseBalance -= 200_000n * E6;
      p.balances[0] = 100n * E18;
    });
    const t = state({ defensive: true, positions: pre });
    const more = withPos(t, (p) => {
      p.baseBalance -= 2000n * E6;
      p.balances[0] += E18;
    });
    expectError(run(t, more), "ExposureNotReduced", [200_000n * E6, 202_000n * E6, 2000n, 2020n]);
    const less = withPos(t, (p) => {
      p.baseBalance += 2000n * E6;
      p.balances[0] -= E18;
    });
    expect(run(t, less).ok).to.equal(true);
    expect(run(t, t.positions).ok).to.equal(true); // equal is allowed
  });

  it("spending reserved assets reverts ReservedAssetsSpent (before the loss check)", () => {
    const t = state({ reservedAssets: 500n * E6 });
    const at = withPos(t, (p) => {
      p.baseBalance = 500n * E6;
      p.balances[0] = (499_750n * E18) / 1000n;
    });
    expect(run(t, at).bounds.find((b) => b.bound === "reservedAssets")?.ok).to.equal(true);
    const r = run(
      t,
      withPos(t, (p) => (p.baseBalance = 500n * E6 - 1n)),
    );
    expectError(r, "ReservedAssetsSpent", [500n * E6 - 1n, 500n * E6]);
  });

  it("a zero navFinal: any holding fails WeightAboveMax(max), net delta is not checked", () => {
    const empty = state();
    const t = state({ positions: { ...empty.positions, baseBalance: 0n } });
    const zero = withPos(t, (p) => {
      p.baseBalance = 0n;
      p.balances[0] = 1n; // worth 0 base units
    });
    const r = run(t, zero);
    expect(r.navFinal).to.equal(0n);
    expect(r.ok).to.equal(true);
    expect(r.bounds.some((b) => b.bound === "netDelta")).to.equal(false);
    const some = withPos(t, (p) => {
      p.baseBalance = 0n;
      p.balances[0] = E18;
      p.debts[0] = 2n * E18;
    });
    expectError(run(t, some), "WeightAboveMax", [0n, (1n << 256n) - 1n, 10_000n]);
  });

  it("preflight: pause, deadline, nonce, cooldown, weights length — in that order", () => {
    expectError(run(state({ paused: true }), s.positions, [], { nonce: 0n }), "EnforcedPause", []);
    expect(run(s, s.positions, [], { deadline: NOW }).ok).to.equal(true);
    expectError(run(s, s.positions, [], { deadline: NOW - 1n }), "PlanExpired", [NOW - 1n, NOW]);
    expectError(run(s, s.positions, [], { nonce: 8n }), "InvalidNonce", [8n, 7n]);
    const cd = state({ lastRebalanceAt: NOW - 3600n });
    expect(run(cd, s.positions).ok).to.equal(true);
    expectError(run(state({ lastRebalanceAt: NOW - 3599n }), s.positions), "RebalanceCooldown", [
      NOW + 1n,
      NOW,
    ]);
    expectError(run(s, s.positions, [], { expectedWeightsBps: [0n] }), "WeightsLengthMismatch", [
      1n,
      3n,
    ]);
  });

  it("reports the first failing bound in contract order (slippage before turnover)", () => {
    const t = state({ limits: { ...s.limits, maxTurnoverBps: 1n } });
    const r = run(
      t,
      withPos(t, (p) => (p.baseBalance -= 2n * 10n ** 10n)),
      [
        {
          actionIndex: 0,
          tokenIn: BASE,
          tokenOut: BASE,
          spent: 10n ** 10n,
          received: 9n * 10n ** 9n,
        },
      ],
    );
    expect(r.error?.errorName).to.equal("SlippageExceeded");
    expect(r.bounds.filter((b) => !b.ok).map((b) => b.bound)).to.deep.equal([
      "slippage",
      "lossPerRebalance",
      "turnover",
    ]);
  });
});

describe("planner/checks: oracle, fees, redemptions", () => {
  const info = {
    feed: "0x0000000000000000000000000000000000000fee",
    updatedAt: NOW - 3600n,
    heartbeat: 3600n,
    minPrice: 100n,
    maxPrice: 1000n,
  };

  it("replays OracleLib.tryPrice in order", () => {
    expect(checkFeed(info, 500n, NOW)).to.equal(null);
    expect(checkFeed(info, 0n, NOW)?.errorName).to.equal("OracleAnswerNotPositive");
    expect(checkFeed(info, 500n, NOW + 1n)?.args).to.deep.equal([
      info.feed,
      NOW - 3600n,
      3600n,
      NOW + 1n,
    ]);
    expect(checkFeed({ ...info, updatedAt: NOW + 1n }, 500n, NOW)?.errorName).to.equal(
      "OracleStale",
    );
    expect(checkFeed({ ...info, updatedAt: 0n }, 500n, NOW)?.errorName).to.equal("OracleStale");
    expect(checkFeed(info, 100n, NOW)).to.equal(null);
    expect(checkFeed(info, 99n, NOW)?.errorName).to.equal("OraclePriceOutOfBand");
    expect(checkFeed(info, 1001n, NOW)?.args).to.deep.equal([info.feed, 1001n, 100n, 1000n]);
    expect(checkFeed({ ...info, minPrice: 0n, maxPrice: 0n }, 10n ** 30n, NOW)).to.equal(null);
  });

  it("an oracle failure in the snapshot is reported before any swap bound", () => {
    const s = state();
    const t: VaultSnapshot = {
      ...s,
      base: {
        ...s.base,
        feedInfo: { ...info, minPrice: 0n, maxPrice: 0n, updatedAt: NOW - 3601n },
      },
    };
    expect(run(t, t.positions).error?.errorName).to.equal("OracleStale");
  });

  it("performance fee only above a non-zero high-water mark; none without a recipient", () => {
    const base = {
      recipient: "0x0000000000000000000000000000000000000001",
      entryFeeBps: 0n,
      exitFeeBps: 0n,
      managementFeeBps: 0n,
      performanceFeeBps: 2000n,
      lastAccruedAt: NOW,
    };
    const supply = 10n ** 18n;
    const nav = 1_100_000n * E6; // pps ≈ 1.1e-6 base units per share unit, WAD-scaled
    const pps = ((nav + 1n) * E18) / (supply + 10n ** 6n);
    const hwm = (pps * 10n) / 11n; // a 10 % gain above the mark
    const a = accrueFees(supply, nav, { ...base, highWaterMarkWad: hwm }, NOW, 6n);
    const profit = ((pps - hwm) * (supply + 10n ** 6n)) / E18;
    const feeAssets = (profit * 2000n) / 10_000n;
    expect(a.performanceShares).to.equal(
      (feeAssets * (supply + 10n ** 6n)) / (nav + 1n - feeAssets),
    );
    expect(a.highWaterMarkWad).to.equal(
      ((nav + 1n) * E18) / (supply + a.performanceShares + 10n ** 6n),
    );
    expect(
      accrueFees(supply, nav, { ...base, highWaterMarkWad: 0n }, NOW, 6n).performanceShares,
    ).to.equal(0n);
    expect(
      accrueFees(supply, nav, { ...base, highWaterMarkWad: 0n }, NOW, 6n).highWaterMarkWad,
    ).to.equal(pps);
    const off = accrueFees(
      supply,
      nav,
      { ...base, recipient: "0x0000000000000000000000000000000000000000", highWaterMarkWad: hwm },
      NOW,
      6n,
    );
    expect(off.performanceShares + off.managementShares).to.equal(0n);
    // no recipient: nothing is charged, but the high-water mark still rises to pps (§8)
    expect(off.highWaterMarkWad).to.equal(pps);
  });

  it("fee accrual and previewRedeem follow §8", () => {
    const fees = {
      recipient: "0x0000000000000000000000000000000000000001",
      entryFeeBps: 0n,
      exitFeeBps: 50n,
      managementFeeBps: 200n,
      performanceFeeBps: 0n,
      highWaterMarkWad: 0n,
      lastAccruedAt: NOW - 365n * 86400n,
    };
    const a = accrueFees(10n ** 18n, 10n ** 12n, fees, NOW, 6n);
    expect(a.managementShares).to.equal(2n * 10n ** 16n); // 2 % of a year
    expect(a.performanceShares).to.equal(0n);
    const x = (10n ** 17n * (10n ** 12n + 1n)) / (10n ** 18n + 10n ** 6n);
    const fee = (x * 50n + 10_049n) / 10_050n;
    expect(previewRedeem(10n ** 17n, 10n ** 12n, 10n ** 18n, 50n, 6n)).to.equal(x - fee);
  });

  it("charges the management fee only once an hour has passed, then for the whole dt", () => {
    const fees = {
      recipient: "0x0000000000000000000000000000000000000001",
      entryFeeBps: 0n,
      exitFeeBps: 0n,
      managementFeeBps: 500n,
      performanceFeeBps: 0n,
      highWaterMarkWad: 0n,
      lastAccruedAt: NOW - MGMT_FEE_INTERVAL + 1n,
    };
    const supply = 10n ** 24n;
    expect(accrueFees(supply, 10n ** 12n, fees, NOW, 6n).managementShares).to.equal(0n);
    const due = accrueFees(supply, 10n ** 12n, fees, NOW + 1n, 6n).managementShares;
    expect(due).to.equal((supply * 500n * MGMT_FEE_INTERVAL) / (10_000n * 365n * 86_400n));
    expect(due).to.be.greaterThan(0n);
  });
});
