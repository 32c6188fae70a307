import { expect } from "chai";
import { formatReport } from "../../../keeper/src/planner/checks.ts";
import type { BoundReport } from "../../../keeper/src/planner/checks.ts";
import {
  counted,
  duration,
  isoSeconds,
  relativeTime,
  timeAt,
  wadDecimal,
  wadPercent,
} from "../../../keeper/src/planner/text.ts";

/** The keeper's readable renderings of times, durations, WAD figures, and the dry run's bounds. */

const NOW = 1_796_687_689n; // 2026-12-07T23:54:49Z

describe("text: readable chain quantities (pure)", function () {
  it("duration: the two largest units from the first non-zero one, or every unit when exact", function () {
    expect(
      [0n, 1n, 60n, 593n, 600n, 3_601n, 86_398n, 90_061n, 2_592_000n].map((x) => duration(x)),
    ).to.deep.equal([
      "0 s",
      "1 s",
      "1 min",
      "9 min 53 s",
      "10 min",
      "1 h",
      "23 h 59 min",
      "1 d 1 h",
      "30 d",
    ]);
    expect(duration(90_061n, true)).to.equal("1 d 1 h 1 min 1 s");
    expect(duration(-593n)).to.equal("9 min 53 s");
    expect(duration("600")).to.equal("10 min");
  });

  it("relativeTime and timeAt: in …, … ago, now; UTC without milliseconds", function () {
    expect(relativeTime(NOW + 593n, NOW)).to.equal("in 9 min 53 s");
    expect(relativeTime(NOW - 300n, NOW)).to.equal("5 min ago");
    expect(relativeTime(NOW, NOW)).to.equal("now");
    expect(isoSeconds(NOW)).to.equal("2026-12-07T23:54:49Z");
    expect(timeAt(NOW + 240n, NOW)).to.equal("2026-12-07T23:58:49Z (in 4 min)");
  });

  it("wadDecimal and wadPercent: 1.5, max; at most 4 decimals, half up, never 0% for a positive fraction", function () {
    expect(wadDecimal(15n * 10n ** 17n)).to.equal("1.5");
    expect(wadDecimal("1000000000000000000")).to.equal("1");
    expect(wadDecimal((1n << 256n) - 1n)).to.equal("max");
    expect(wadPercent(1_675_590_365_316_807n)).to.equal("0.1676%");
    expect(wadPercent(3n * 10n ** 16n)).to.equal("3%");
    expect(wadPercent(0n)).to.equal("0%");
    expect(wadPercent(1n)).to.equal("<0.0001%");
    expect(wadPercent(5n * 10n ** 11n)).to.equal("0.0001%");
    expect(wadPercent(-1_675_590_365_316_807n)).to.equal("-0.1676%");
  });

  it("counted: singular for 1 only", function () {
    expect([counted(0, "round"), counted(1, "round"), counted(21n, "round")]).to.deep.equal([
      "0 rounds",
      "1 round",
      "21 rounds",
    ]);
  });
});

describe("formatReport: the dry run's bound lines (pure)", function () {
  const bound = (over: Partial<BoundReport>): BoundReport => ({
    bound: "turnover",
    value: 6000n,
    limit: 20_000n,
    margin: 14_000n,
    unit: "bps",
    ok: true,
    exact: true,
    error: "TurnoverExceeded",
    ...over,
  });
  // what checkRebalance records: the cooldown's value is the block time, its limit
  // lastRebalanceAt + cooldown (the cooldown alone on a vault that never rebalanced)
  const neverCooldown = bound({
    bound: "cooldown",
    value: NOW,
    limit: 600n,
    margin: 0n,
    unit: "seconds",
    error: "RebalanceCooldown",
  });
  const LAST = NOW - 7n;
  const runningCooldown = bound({
    bound: "cooldown",
    value: NOW,
    limit: LAST + 600n,
    margin: NOW - LAST - 600n,
    unit: "seconds",
    ok: false,
    error: "RebalanceCooldown",
  });

  it("the cooldown: the last rebalance (never) and the cooldown's end, not a raw timestamp against 600", function () {
    expect(formatReport({ bounds: [neverCooldown] }, { lastRebalanceAt: 0n })).to.deep.equal([
      "ok   cooldown: last rebalance never, cooldown 10 min: no wait",
    ]);
    expect(formatReport({ bounds: [runningCooldown] }, { lastRebalanceAt: LAST })).to.deep.equal([
      "FAIL cooldown: last rebalance 2026-12-07T23:54:42Z (7 s ago), cooldown 10 min: runs until 2026-12-08T00:04:42Z (in 9 min 53 s)",
    ]);
    const ended = { ...runningCooldown, value: LAST + 900n, margin: 300n, ok: true };
    expect(formatReport({ bounds: [ended] }, { lastRebalanceAt: LAST })).to.deep.equal([
      "ok   cooldown: last rebalance 2026-12-07T23:54:42Z (15 min ago), cooldown 10 min: ended at 2026-12-08T00:04:42Z (5 min ago)",
    ]);
    // without the vault's lastRebalanceAt: the raw line, as before
    expect(formatReport({ bounds: [neverCooldown] })).to.deep.equal([
      `ok   cooldown: value ${NOW} limit 600 margin 0 seconds`,
    ]);
  });

  it("the deadline in UTC against the block time; the health factor as a decimal; the loss budget in % of NAV; the rest raw with its unit", function () {
    const lines = formatReport(
      {
        bounds: [
          bound({
            bound: "deadline",
            value: NOW,
            limit: NOW + 600n,
            margin: 600n,
            unit: "seconds",
          }),
          bound({
            bound: "deadline",
            value: NOW,
            limit: NOW - 60n,
            margin: -60n,
            unit: "seconds",
            ok: false,
          }),
          bound({
            bound: "healthFactor",
            value: 16n * 10n ** 17n,
            limit: 15n * 10n ** 17n,
            margin: 10n ** 17n,
            unit: "wad",
            exact: false,
          }),
          bound({
            bound: "lossBudget",
            value: 1_675_590_365_316_807n,
            limit: 3n * 10n ** 16n,
            margin: 3n * 10n ** 16n - 1_675_590_365_316_807n,
            unit: "wad",
          }),
          bound({}),
          bound({
            bound: "netDelta",
            index: 1,
            value: 10n,
            lower: -2000n,
            limit: 4000n,
            margin: 2010n,
          }),
        ],
      },
      { lastRebalanceAt: 0n },
    );
    expect(lines).to.deep.equal([
      "ok   deadline: 2026-12-08T00:04:49Z, 10 min after the block time 2026-12-07T23:54:49Z",
      "FAIL deadline: 2026-12-07T23:53:49Z, 1 min before the block time 2026-12-07T23:54:49Z",
      "ok   healthFactor: value 1.6 limit 1.5 margin 0.1 (estimate)",
      "ok   lossBudget: value 0.1676% limit 3% margin 2.8324% of NAV",
      "ok   turnover: value 6000 limit 20000 margin 14000 bps",
      "ok   netDelta[1]: value 10 limit [-2000, 4000] margin 2010 bps",
    ]);
  });
});
