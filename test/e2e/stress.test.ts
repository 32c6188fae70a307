import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { DEFAULT_OPTIONS, runSimulation } from "../../scripts/simulate.ts";
import type { SimulationResult } from "../../scripts/simulate.ts";
import {
  StressArgsError,
  checkScenario,
  parseStressArgs,
  stressReport,
} from "../../scripts/stress.ts";
import { scenario } from "../../keeper/src/sim/stress.ts";

/**
 * `npm run stress`, short: the market simulation (the keeper's run loop on the real local stack)
 * through the oracle-outage and flash-crash scenarios, and the verdict logic on their results —
 * including that a result which broke an expectation is judged FAILED.
 */
describe("npm run stress (short runs, in-process)", function () {
  this.timeout(180_000);
  const out = mkdtempSync(path.join(tmpdir(), "ballast-stress-"));
  const run = async (name: string): Promise<SimulationResult> =>
    runSimulation({
      ...DEFAULT_OPTIONS,
      days: 12,
      seed: 7,
      minHistory: 4,
      build: false,
      progress: false,
      outDir: out,
      connection: await network.create(),
      scenario: scenario(name, 6),
    });
  let outage: SimulationResult;
  let crash: SimulationResult;

  before(async function () {
    outage = await run("oracle-outage");
    crash = await run("flash-crash");
  });

  after(function () {
    rmSync(out, { recursive: true, force: true });
  });

  it("oracle outage: no NAV, deposits closed and no rebalance while stale; idle withdrawals work; all back after", function () {
    const sc = outage.scenario!;
    expect([sc.start, sc.end]).to.deep.equal([6, 8]);
    expect(sc.days.map((d) => d.day)).to.deep.equal([6, 7, 8, 9, 10, 11]);
    expect(sc.days.map((d) => d.navAvailable)).to.deep.equal([
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(sc.days.map((d) => d.depositsOpen)).to.deep.equal([
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(sc.days.every((d) => d.withdrawOk && d.maxWithdraw > 0n)).to.equal(true);
    expect(sc.days.slice(0, 3).some((d) => d.rebalanced)).to.equal(false);
    const checks = checkScenario(outage);
    expect(checks.map((c) => c.ok)).to.deep.equal([true, true, true, true, true]);
  });

  it("flash crash: the breaker trips (defensive, deposits closed), bounds hold, idle withdrawals work", function () {
    const sc = crash.scenario!;
    expect(sc.days.some((d) => d.defensive && !d.depositsOpen)).to.equal(true);
    expect(crash.breakerTrips).to.be.greaterThan(0);
    expect(crash.breaches).to.deep.equal([]);
    const checks = checkScenario(crash);
    expect(
      checks.every((c) => c.ok),
      JSON.stringify(checks),
    ).to.equal(true);
    const md = stressReport([
      { result: outage, checks: checkScenario(outage) },
      { result: crash, checks },
    ]);
    expect(md).to.match(/\| oracle-outage \| HELD \|/);
    expect(md).to.match(/\| flash-crash \| HELD \|/);
    expect(md).to.match(/\| 6 \| no \| closed \| ok \|/);
  });

  it("judges a run that broke an expectation FAILED", function () {
    const days = outage.scenario!.days;
    const broken: SimulationResult = {
      ...outage,
      breaches: ["day 7: leverage 20001 bps"],
      scenario: {
        ...outage.scenario!,
        days: days.map((d) => (d.day === 7 ? { ...d, depositsOpen: true, withdrawOk: false } : d)),
      },
    };
    const checks = checkScenario(broken);
    expect(checks.filter((c) => !c.ok).map((c) => c.what)).to.deep.equal([
      "every on-chain bound held (recomputed after each rebalance and each day)",
      "a depositor could withdraw idle funds every probed day",
      "while the feed was stale: no NAV, deposits closed, no rebalance",
    ]);
    expect(stressReport([{ result: broken, checks }])).to.match(/\| oracle-outage \| FAILED \|/);
    const noTrip = checkScenario({
      ...crash,
      scenario: {
        ...crash.scenario!,
        days: crash.scenario!.days.map((d) => ({ ...d, defensive: false })),
      },
    });
    expect(noTrip.find((c) => /circuit breaker/.test(c.what))!.ok).to.equal(false);
  });

  it("parses its options and refuses bad ones with the option named", function () {
    const o = parseStressArgs([
      "--scenario",
      "depeg,flash-crash",
      "--days=40",
      "--shock-day",
      "20",
    ]);
    if (o === "help") throw new Error("help");
    expect([o.scenarios, o.days, o.shockDay, o.build]).to.deep.equal([
      ["depeg", "flash-crash"],
      40,
      20,
      true,
    ]);
    expect(parseStressArgs(["--help"])).to.equal("help");
    expect(() => parseStressArgs(["--scenario", "meteor"])).to.throw(
      StressArgsError,
      /--scenario: unknown "meteor"/,
    );
    expect(() => parseStressArgs(["--days"])).to.throw(StressArgsError, /--days needs a value/);
    expect(() => parseStressArgs(["--days", "1"])).to.throw(
      StressArgsError,
      /--days: a whole number ≥ 2, got 1/,
    );
    expect(() => parseStressArgs(["--days", "31", "--shock-day", "30"])).to.throw(
      StressArgsError,
      /scenario flash-crash shocks days 30–32; run at least to day 33/,
    );
    expect(() => parseStressArgs(["--bogus"])).to.throw(StressArgsError, /unknown option --bogus/);
  });
});
