import { expect } from "chai";
import {
  circuitBreakerTrigger,
  cooldownRemaining,
  driftTrigger,
  drawdownTrigger,
  evaluateTriggers,
  healthTrigger,
  markAnswered,
  quietAnswered,
  netDeltaTrigger,
  redemptionTrigger,
  reduceOnlyTargets,
  regimeTrigger,
  scheduleTrigger,
  snapshotPps,
  snapshotWeights,
  volatilityTrigger,
} from "../../../keeper/src/loop/triggers.ts";
import type { TriggerConfig } from "../../../keeper/src/loop/triggers.ts";
import type { Observation } from "../../../keeper/src/loop/history.ts";
import { assetLogReturns, portfolioReturnSeries } from "../../../keeper/src/loop/history.ts";
import { previewRedeem } from "../../../keeper/src/planner/checks.ts";
import { volatilityRegime } from "../../../keeper/src/risk/regimes.ts";
import type { AssetConfig, VaultSnapshot } from "../../../keeper/src/planner/types.ts";
import { asset, snapshot } from "../planner/fixtures.ts";
// float closeTo (Hardhat's chai matchers replace it with a bigint-only one once a network connects)
import "../../helpers/float-matchers.ts";

/**
 * The nine loop triggers and the cooldown check, each at its boundary: the exact threshold and one
 * unit (bps, wei, second) on either side, and the numbers each trigger carries.
 *
 * Fixture: assets priced at $1 with 18 decimals, so an asset balance of `usd · 1e18` wei is worth
 * `usd` USDC and, with a NAV of 10 000 USDC, an asset worth `x` USDC weighs exactly `x` bps.
 */

const T = 1_700_000_000n;
const NAV_USD = 10_000n;
const WEI = 10n ** 18n;
const USDC = 10n ** 6n;
const CFG: TriggerConfig = { scheduleSeconds: 3_600, driftBandBps: 100 };

const usd = (i: number, over: Partial<AssetConfig> = {}) => asset(i, { price: 10n ** 8n, ...over });

/** A vault with NAV 10 000 USDC: `bps[i]` bps in asset i (USD value), the rest idle USDC. */
function vault(
  bps: readonly bigint[],
  over: Partial<VaultSnapshot> = {},
  assets: AssetConfig[] = bps.map((_, i) => usd(i)),
): VaultSnapshot {
  const invested = bps.reduce((a, b) => a + b, 0n);
  const base = snapshot(assets, { timestamp: T, ...over });
  return {
    ...base,
    positions: {
      baseBalance: (NAV_USD - invested) * USDC,
      collateral: 0n,
      balances: bps.map((b) => b * WEI),
      debts: bps.map(() => 0n),
      ...over.positions,
    },
  };
}

/** Observations one day apart with the given asset price rows. */
function history(rows: readonly number[][], ppsWad = 10n ** 18n): Observation[] {
  return rows.map((prices, k) => ({
    timestamp: Number(T) - (rows.length - k) * 86_400,
    prices,
    ppsWad,
  }));
}

function sampleStd(x: readonly number[]): number {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
}

describe("keeper loop triggers (pure, boundary values)", function () {
  describe("schedule", function () {
    it("fires at exactly scheduleSeconds since the last rebalance, not one second before", function () {
      const at = scheduleTrigger(vault([0n], { lastRebalanceAt: T - 3_600n }), CFG);
      expect(at).to.include({ kind: "schedule", fired: true, value: 3_600, threshold: 3_600 });
      const over = scheduleTrigger(vault([0n], { lastRebalanceAt: T - 3_601n }), CFG);
      expect(over).to.include({ fired: true, value: 3_601 });
      const below = scheduleTrigger(vault([0n], { lastRebalanceAt: T - 3_599n }), CFG);
      expect(below).to.include({ fired: false, value: 3_599, threshold: 3_600 });
      expect(below.details).to.deep.equal({
        lastRebalanceAt: (T - 3_599n).toString(),
        never: false,
      });
    });

    it("fires for a vault that never rebalanced", function () {
      const t = scheduleTrigger(vault([0n], { lastRebalanceAt: 0n }), {
        ...CFG,
        scheduleSeconds: 10 ** 12,
      });
      expect(t.fired).to.equal(true);
      expect(t.details.never).to.equal(true);
    });
  });

  describe("drift band", function () {
    const s = vault([3_000n, 2_000n]);

    it("reads the weights in bps of NAV", function () {
      const w = snapshotWeights(s);
      expect(w.nav).to.equal(NAV_USD * USDC);
      expect(w.weightsBps).to.deep.equal([3_000n, 2_000n]);
      expect(w.idle).to.equal(5_000n * USDC);
    });

    it("fires when the worst |weight − target| is over the band, not at it or below", function () {
      const at = driftTrigger(s, [2_900n, 2_000n], CFG);
      expect(at).to.include({ kind: "drift", fired: false, value: 100, threshold: 100 });
      const over = driftTrigger(s, [3_000n, 2_101n], CFG);
      expect(over).to.include({ fired: true, value: 101, threshold: 100 });
      expect(over.details.asset).to.equal(1);
      expect(over.details.weightsBps).to.deep.equal(["3000", "2000"]);
      expect(over.details.targetsBps).to.deep.equal(["3000", "2101"]);
      const below = driftTrigger(s, [2_901n, 2_000n], CFG);
      expect(below).to.include({ fired: false, value: 99 });
    });

    it("does not fire without targets or with zero NAV", function () {
      expect(driftTrigger(s, null, CFG)).to.include({ fired: false, value: 0 });
      expect(driftTrigger(s, null, CFG).details.reason).to.equal("no targets yet");
      const empty = vault([0n], {
        positions: { baseBalance: 0n, collateral: 0n, balances: [0n], debts: [0n] },
      });
      const t = driftTrigger(empty, [5_000n], CFG);
      expect(t.fired).to.equal(false);
      expect(t.details.reason).to.equal("zero NAV");
    });
  });

  describe("volatility over target", function () {
    // one asset, fully invested; daily returns alternating ±2 % plus a small trend
    const rows: number[][] = [[100]];
    for (let k = 1; k <= 30; k++) rows.push([rows[k - 1][0] * (k % 2 === 0 ? 1.02 : 0.985)]);
    const h = history(rows);
    const s = vault([10_000n]);
    const annual = sampleStd(assetLogReturns(h).map((r) => r[0])) * Math.sqrt(365);

    it("is the annualised sample volatility of the history under current weights", function () {
      const t = volatilityTrigger(s, h, { ...CFG, targetVolatility: 10 });
      expect(t.value).to.be.closeTo(annual, 1e-12);
      expect(t.threshold).to.be.closeTo(11, 1e-12); // default tolerance 10 %
      expect(t.details).to.include({ returns: 30, spacingSeconds: 86_400, targetVolatility: 10 });
    });

    it("fires over target · (1 + tolerance), not at it", function () {
      const tol = 0.25;
      const at = volatilityTrigger(s, h, {
        ...CFG,
        targetVolatility: annual / (1 + tol),
        volatilityTolerance: tol,
      });
      expect(at.threshold).to.be.closeTo(annual, 1e-12);
      // rounding of target·(1+tol) may land either side of `value` by an ulp: pin it exactly
      const exact = volatilityTrigger(s, h, {
        ...CFG,
        targetVolatility: at.value,
        volatilityTolerance: 0,
      });
      expect(exact).to.include({ kind: "volatility", fired: false, threshold: at.value });
      const over = volatilityTrigger(s, h, {
        ...CFG,
        targetVolatility: annual * (1 - 1e-9),
        volatilityTolerance: 0,
      });
      expect(over.fired).to.equal(true);
      const under = volatilityTrigger(s, h, {
        ...CFG,
        targetVolatility: annual * (1 + 1e-9),
        volatilityTolerance: 0,
      });
      expect(under.fired).to.equal(false);
    });

    it("is off without a target and with too few returns", function () {
      const off = volatilityTrigger(s, h, CFG);
      expect(off).to.include({ fired: false, threshold: Infinity });
      expect(off.details.reason).to.equal("no targetVolatility");
      const short = volatilityTrigger(s, h.slice(0, 10), { ...CFG, targetVolatility: 1e-9 });
      expect(short.fired).to.equal(false);
      expect(short.details.reason).to.equal("only 9 returns (need 10)");
      const enough = volatilityTrigger(s, h.slice(0, 11), { ...CFG, targetVolatility: 1e-9 });
      expect(enough.fired).to.equal(true);
    });
  });

  describe("net delta outside the band", function () {
    const assets = [usd(0, { minNetDeltaBps: 2_000n, maxNetDeltaBps: 5_000n })];

    it("fires one bps over the upper band, not at it", function () {
      const at = netDeltaTrigger(vault([5_000n], {}, assets), CFG);
      expect(at).to.include({ kind: "net-delta", fired: false, value: 0, threshold: 0 });
      const over = netDeltaTrigger(vault([5_001n], {}, assets), CFG);
      expect(over).to.include({ fired: true, value: 1 });
      expect(over.details).to.deep.include({ asset: 0, netDeltaBps: ["5001"], marginBps: 0 });
    });

    it("fires one bps under the lower band, not at it", function () {
      expect(netDeltaTrigger(vault([2_000n], {}, assets), CFG).fired).to.equal(false);
      expect(netDeltaTrigger(vault([1_999n], {}, assets), CFG)).to.include({
        fired: true,
        value: 1,
      });
    });

    it("shrinks the band by the margin", function () {
      const cfg = { ...CFG, netDeltaMarginBps: 100 };
      expect(netDeltaTrigger(vault([4_900n], {}, assets), cfg).fired).to.equal(false);
      expect(netDeltaTrigger(vault([4_901n], {}, assets), cfg)).to.include({
        fired: true,
        value: 1,
      });
      expect(netDeltaTrigger(vault([2_099n], {}, assets), cfg)).to.include({
        fired: true,
        value: 1,
      });
    });

    it("counts debt against the position (hedged net delta)", function () {
      // 6 000 USDC of the asset, 1 500 borrowed: net delta 4 500 bps of a 10 000 − 1 500 NAV
      const s = vault([6_000n], {}, assets);
      s.positions = { ...s.positions, debts: [1_500n * WEI] };
      const nd = snapshotWeights(s).netDeltaBps[0];
      expect(nd).to.equal((4_500n * 10_000n) / 8_500n);
      expect(netDeltaTrigger(s, CFG).fired).to.equal(nd > 5_000n);
    });
  });

  describe("health factor below the warning level", function () {
    const WAD = 10n ** 18n;
    const warn = (15n * WAD * 10_500n) / 10n / 10_000n; // 1.5 · (1 + 5 %) = 1.575 (default margin)
    const borrowed = (hf: bigint) => {
      const s = vault([5_000n]);
      return {
        ...s,
        lending: {
          ...s.lending,
          adapter: "0x00000000000000000000000000000000000000aa",
          healthFactor: hf,
        },
        positions: { ...s.positions, debts: [1_000n * WEI] },
      };
    };

    it("fires one wei below minHealthFactor · (1 + margin), not at it", function () {
      const at = healthTrigger(borrowed(warn), CFG);
      expect(at).to.include({
        kind: "health-factor",
        fired: false,
        value: 1.575,
        threshold: 1.575,
      });
      const below = healthTrigger(borrowed(warn - 1n), CFG);
      expect(below.fired).to.equal(true);
      expect(below.details).to.deep.equal({
        healthFactorWad: (warn - 1n).toString(),
        warnWad: warn.toString(),
        hasDebt: true,
      });
      expect(healthTrigger(borrowed(warn + 1n), CFG).fired).to.equal(false);
    });

    it("uses the configured margin", function () {
      const cfg = { ...CFG, healthWarnMarginBps: 0 };
      expect(healthTrigger(borrowed(15n * 10n ** 17n), cfg).fired).to.equal(false);
      expect(healthTrigger(borrowed(15n * 10n ** 17n - 1n), cfg)).to.include({
        fired: true,
        threshold: 1.5,
      });
    });

    it("never fires without debt", function () {
      const s = borrowed(1n);
      const t = healthTrigger({ ...s, positions: { ...s.positions, debts: [0n] } }, CFG);
      expect(t).to.include({ fired: false, value: Infinity });
      expect(t.details.hasDebt).to.equal(false);
    });
  });

  describe("drawdown", function () {
    // a NAV whose pps N is divisible by 19, so a peak of 20N/19 is exactly a 500 bps drawdown
    let s = vault([0n]);
    for (let k = 0n; snapshotPps(s) % 19n !== 0n; k++)
      s = vault([0n], {
        positions: { baseBalance: NAV_USD * USDC + k, collateral: 0n, balances: [0n], debts: [0n] },
      });
    const now = snapshotPps(s);
    const peak = (now * 20n) / 19n;

    it("does not fire at exactly the threshold", function () {
      const t = drawdownTrigger(s, history([[1]], peak), CFG);
      expect(t).to.include({ kind: "drawdown", fired: false, value: 500, threshold: 500 });
      expect(t.details).to.deep.equal({
        peakPpsWad: peak.toString(),
        ppsWad: now.toString(),
        since: 0,
      });
    });

    it("fires a fraction of a bp over it (the floored value still reads 500)", function () {
      const t = drawdownTrigger(s, history([[1]], peak + 1n), CFG);
      expect(t).to.include({ fired: true, value: 500, threshold: 500 });
    });

    it("fires a whole bp over it and not a bp under it; honours drawdownBps", function () {
      expect(drawdownTrigger(s, history([[1]], (now * 10_000n + 9_498n) / 9_499n), CFG)).to.include(
        {
          fired: true,
          value: 501,
        },
      );
      expect(drawdownTrigger(s, history([[1]], (now * 10_000n + 9_500n) / 9_501n), CFG)).to.include(
        {
          fired: false,
          value: 499,
        },
      );
      const cfg = { ...CFG, drawdownBps: 400 };
      expect(drawdownTrigger(s, history([[1]], peak), cfg)).to.include({ fired: true });
    });

    it("counts only the peak since the last rebalance (a drawdown is answered once)", function () {
      const h = [
        { timestamp: Number(T) - 2 * 86_400, prices: [1], ppsWad: peak * 2n },
        { timestamp: Number(T) - 86_400, prices: [1], ppsWad: peak },
      ];
      const before = drawdownTrigger({ ...s, lastRebalanceAt: T - 3n * 86_400n }, h, CFG);
      expect(before).to.include({ fired: true, value: 5_250 });
      const after = drawdownTrigger({ ...s, lastRebalanceAt: T - 86_400n }, h, CFG);
      expect(after).to.include({ fired: false, value: 500 });
      const none = drawdownTrigger({ ...s, lastRebalanceAt: T - 60n }, h, CFG);
      expect(none).to.include({ fired: false, value: 0 });
    });

    it("takes the peak over the history and now (no drawdown at a new high)", function () {
      const t = drawdownTrigger(s, history([[1], [1]], now / 2n), CFG);
      expect(t).to.include({ fired: false, value: 0 });
      expect(t.details.peakPpsWad).to.equal(now.toString());
    });
  });

  describe("volatility regime change", function () {
    const rows: number[][] = [[100]];
    for (let k = 1; k <= 40; k++) {
      const r = k <= 32 ? (k % 2 === 0 ? 0.01 : -0.01) : k % 2 === 0 ? 0.06 : -0.06;
      rows.push([rows[k - 1][0] * Math.exp(r)]);
    }
    const h = history(rows);
    const s = vault([10_000n]);
    const expected = volatilityRegime(portfolioReturnSeries(assetLogReturns(h), [1]));

    it("fires when short/long volatility is over stressedAbove and carries the ratio", function () {
      const t = regimeTrigger(s, h, CFG);
      expect(t.kind).to.equal("regime");
      expect(t.value).to.equal(expected.value);
      expect(t.value).to.be.greaterThan(1.3);
      expect(t).to.include({ fired: true, threshold: 1.3 });
      expect(t.details.regime).to.equal("stressed");
    });

    it("does not fire at exactly stressedAbove, fires just under it", function () {
      const at = regimeTrigger(s, h, { ...CFG, regime: { stressedAbove: expected.value } });
      expect(at).to.include({ fired: false, threshold: expected.value });
      const over = regimeTrigger(s, h, {
        ...CFG,
        regime: { stressedAbove: expected.value * (1 - 1e-12) },
      });
      expect(over.fired).to.equal(true);
    });

    it("needs minRegimeReturns returns and survives a flat (all-cash) portfolio", function () {
      const short = regimeTrigger(s, h.slice(0, 20), CFG);
      expect(short.fired).to.equal(false);
      expect(short.details.reason).to.equal("only 19 returns (need 20)");
      const cash = regimeTrigger(vault([0n]), h, CFG);
      expect(cash.fired).to.equal(false);
      expect(String(cash.details.reason)).to.match(/zero long volatility/);
    });
  });

  describe("pending redemptions needing liquidity", function () {
    const supply = 10n ** 22n;
    const pending = 2n * 10n ** 21n; // ~20 % of the shares
    const nav = NAV_USD * USDC;
    const need = previewRedeem(pending, nav, supply, 0n, 6n);
    /** NAV fixed at 10 000 USDC: `idle` base units idle, the rest in the $1 asset. */
    const withIdle = (idle: bigint, pendingShares = pending) =>
      vault([0n], {
        totalSupply: supply,
        pendingShares,
        positions: {
          baseBalance: idle,
          collateral: 0n,
          balances: [(nav - idle) * 10n ** 12n],
          debts: [0n],
        },
      });

    it("fires when idle is one base unit short of what the redemptions need, not when it covers it", function () {
      expect(snapshotWeights(withIdle(need)).nav).to.equal(nav);
      const covered = redemptionTrigger(withIdle(need));
      expect(covered).to.include({ kind: "redemptions", fired: false, value: 0, threshold: 0 });
      const short = redemptionTrigger(withIdle(need - 1n));
      expect(short).to.include({ fired: true, value: 1e-6 });
      expect(short.details).to.deep.equal({
        pendingShares: pending.toString(),
        needed: need.toString(),
        idle: (need - 1n).toString(),
        shortfall: "1",
      });
    });

    it("does not fire without pending shares", function () {
      expect(redemptionTrigger(withIdle(0n, 0n)).fired).to.equal(false);
    });
  });

  describe("circuit breaker / defensive mode", function () {
    it("fires in defensive mode or shutdown, not when merely paused", function () {
      expect(circuitBreakerTrigger(vault([0n], { defensive: true }))).to.include({
        kind: "circuit-breaker",
        fired: true,
        value: 1,
        threshold: 1,
      });
      expect(circuitBreakerTrigger(vault([0n], { shutdown: true })).fired).to.equal(true);
      const paused = circuitBreakerTrigger(vault([0n], { paused: true }));
      expect(paused).to.include({ fired: false, value: 0 });
      expect(paused.details).to.deep.equal({ defensive: false, shutdown: false, paused: true });
    });

    it("makes the evaluation reduce-only and clips targets to the current weights", function () {
      const s = vault([3_000n, 2_000n], { defensive: true, lastRebalanceAt: T - 60n });
      const ev = evaluateTriggers(s, [], [4_000n, 1_000n], CFG);
      expect(ev.reduceOnly).to.equal(true);
      expect(ev.fired.map((t) => t.kind)).to.deep.equal(["drift", "circuit-breaker"]);
      expect(reduceOnlyTargets(s, [4_000n, 1_000n])).to.deep.equal([3_000n, 1_000n]);
      expect(reduceOnlyTargets(s, [0n, 2_500n])).to.deep.equal([0n, 2_000n]);
      expect(evaluateTriggers(vault([0n]), [], null, CFG).reduceOnly).to.equal(false);
    });
  });

  describe("evaluateTriggers", function () {
    it("evaluates all nine triggers and lists exactly the ones that fired", function () {
      const s = vault([3_000n], { lastRebalanceAt: T - 60n });
      const ev = evaluateTriggers(s, [], [3_000n], CFG);
      expect(ev.triggers.map((t) => t.kind)).to.deep.equal([
        "schedule",
        "drift",
        "volatility",
        "net-delta",
        "health-factor",
        "drawdown",
        "regime",
        "redemptions",
        "circuit-breaker",
      ]);
      expect(ev.fired).to.deep.equal([]);
      const due = evaluateTriggers({ ...s, lastRebalanceAt: T - 3_600n }, [], [3_000n], CFG);
      expect(due.fired.map((t) => t.kind)).to.deep.equal(["schedule"]);
    });
  });

  describe("cooldown", function () {
    const cooldown = 3_600n; // fixture limits.rebalanceCooldown

    it("is zero for a vault that never rebalanced and from exactly the end of the cooldown", function () {
      expect(cooldownRemaining(vault([0n], { lastRebalanceAt: 0n }))).to.equal(0);
      expect(cooldownRemaining(vault([0n], { lastRebalanceAt: T - cooldown }))).to.equal(0);
      expect(cooldownRemaining(vault([0n], { lastRebalanceAt: T - cooldown - 1n }))).to.equal(0);
    });

    it("counts the seconds left one second before the end", function () {
      expect(cooldownRemaining(vault([0n], { lastRebalanceAt: T - cooldown + 1n }))).to.equal(1);
      expect(cooldownRemaining(vault([0n], { lastRebalanceAt: T }))).to.equal(3_600);
    });
  });

  describe("drift of a hedged asset's net delta (delta-neutral mode)", function () {
    // asset 0: 3 000 bps held, 1 000 bps borrowed against 1 000 USDC collateral: net delta 2 000
    const hedged = (debtUsd: bigint) => {
      const s0 = vault([3_000n, 0n]);
      return {
        ...s0,
        lending: { ...s0.lending, adapter: "0x00000000000000000000000000000000000000Ad" },
        positions: {
          ...s0.positions,
          collateral: debtUsd * USDC,
          debts: [debtUsd * WEI, 0n],
        },
      };
    };
    it("counts |net delta − its target| for hedged assets only, at the band's boundary", function () {
      const s1 = hedged(1_000n);
      expect(snapshotWeights(s1).netDeltaBps[0]).to.equal(2_000n);
      const t = driftTrigger(s1, [3_000n, 0n], CFG, [0n, null]);
      expect(t).to.include({ fired: true, value: 2_000 });
      expect(t.details).to.include({ asset: 0, hedge: true });
      expect(driftTrigger(s1, [3_000n, 0n], CFG)).to.include({ fired: false, value: 0 });
      // net delta exactly on target ± band: 1 900 target → 100 bps = the band, not over it
      expect(driftTrigger(s1, [3_000n, 0n], CFG, [1_900n, null])).to.include({
        fired: false,
        value: 100,
      });
      expect(driftTrigger(s1, [3_000n, 0n], CFG, [1_899n, null])).to.include({
        fired: true,
        value: 101,
      });
    });
    it("without a lending adapter a hedge target is ignored", function () {
      const s1 = { ...hedged(1_000n), lending: vault([0n]).lending };
      expect(driftTrigger(s1, [3_000n, 0n], CFG, [0n, null])).to.include({ fired: false });
    });
  });

  describe("answered triggers stay quiet until they worsen (quietAnswered / markAnswered)", function () {
    // 3 000 bps in asset 0 against a target of 2 000: drift 1 000 bps; schedule never rebalanced
    const s = vault([3_000n, 2_000n]);
    const targets = [2_000n, 2_000n];
    const ev = () => evaluateTriggers(s, [], targets, CFG);

    it("a plan with nothing to trade answers drift and schedule: both quiet on the next tick", function () {
      const first = ev();
      expect(first.fired.map((t) => t.kind)).to.have.members(["schedule", "drift"]);
      const answered = markAnswered({}, first.fired, T, "no-trade");
      const q = quietAnswered(ev(), answered, s, CFG);
      expect(q.evaluation.fired).to.deep.equal([]);
      expect(q.quieted.map((t) => t.kind)).to.have.members(["schedule", "drift"]);
      expect(Object.keys(q.answered)).to.have.members(["schedule", "drift"]);
    });

    it("a mined rebalance answers only the conditions it may leave in place (not drift/schedule)", function () {
      const answered = markAnswered({}, ev().fired, T, "rebalance");
      expect(answered).to.deep.equal({});
      const q = quietAnswered(ev(), answered, s, CFG);
      expect(q.evaluation.fired.map((t) => t.kind)).to.have.members(["schedule", "drift"]);
    });

    it("re-fires when the value worsens by more than refireWorsening (exact boundary)", function () {
      const answered = { drift: { at: T, value: 800 } }; // 1 000 = 800 · 1.25: still quiet
      const q1 = quietAnswered(ev(), answered, s, CFG);
      expect(q1.evaluation.fired.map((t) => t.kind)).to.deep.equal(["schedule"]);
      const q2 = quietAnswered(ev(), { drift: { at: T, value: 799 } }, s, CFG);
      expect(q2.evaluation.fired.map((t) => t.kind)).to.have.members(["schedule", "drift"]);
      expect(q2.answered).to.deep.equal({}); // the worse value will be answered afresh
      const q3 = quietAnswered(ev(), answered, s, { ...CFG, refireWorsening: 0.2 });
      expect(q3.evaluation.fired.map((t) => t.kind)).to.include("drift");
    });

    it("re-arms after scheduleSeconds, and when the trigger stops firing", function () {
      const answered = markAnswered({}, ev().fired, T, "no-trade");
      const later = { ...s, timestamp: T + BigInt(CFG.scheduleSeconds) };
      const q = quietAnswered(evaluateTriggers(later, [], targets, CFG), answered, later, CFG);
      expect(q.evaluation.fired.map((t) => t.kind)).to.include("drift");
      // drift gone (targets met): its answer is forgotten
      const met = quietAnswered(evaluateTriggers(s, [], [3_000n, 2_000n], CFG), answered, s, CFG);
      expect(Object.keys(met.answered)).to.deep.equal(["schedule"]);
    });

    it("never quiets health factor, redemptions or drawdown", function () {
      const fired = [
        { kind: "health-factor" as const, fired: true, value: 1.1, threshold: 1.2, details: {} },
        { kind: "redemptions" as const, fired: true, value: 5, threshold: 0, details: {} },
        { kind: "drawdown" as const, fired: true, value: 600, threshold: 500, details: {} },
      ];
      const answered = markAnswered({}, fired, T, "no-trade");
      expect(answered).to.deep.equal({});
      const forced = { "health-factor": { at: T, value: 1.1 }, drawdown: { at: T, value: 600 } };
      const q = quietAnswered({ triggers: fired, fired, reduceOnly: false }, forced, s, CFG);
      expect(q.evaluation.fired).to.have.length(3);
    });
  });
});
