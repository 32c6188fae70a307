import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";
import {
  DEFAULT_OPTIONS,
  SimulateError,
  csvSymbols,
  parseArgs,
  replayFile,
  runSimulation,
} from "../../scripts/simulate.ts";
import type { SimulationResult } from "../../scripts/simulate.ts";
import { resampleBucketSeconds } from "../../keeper/src/commands/plan.ts";
import { VAULT_LIMITS } from "../../deploy/lib/vaultConfig.ts";
import "../helpers/float-matchers.ts";

/**
 * The main job end to end, in-process: a short seeded simulation on the local system (stack +
 * vault), with the keeper's run-loop worker ticking once a day (triggers, strategy targets, plan,
 * sign, submit); checks that the loop's tick ran, that the quant targets replaced the equal-weight
 * fallback once the feed history was long enough, that the plans were held to the keeper config's
 * local limits, rebalances, NAV consistency, zero risk-bound breaches and the HTML report.
 */
describe("npm run simulate (short run, in-process)", function () {
  this.timeout(120_000);
  const out = mkdtempSync(path.join(tmpdir(), "ballast-sim-"));
  let res: SimulationResult;

  before(async function () {
    const connection = await network.create();
    res = await runSimulation({
      ...DEFAULT_OPTIONS,
      days: 12,
      seed: 7,
      minHistory: 8,
      build: false,
      progress: false,
      outDir: out,
      connection,
    });
  });

  after(function () {
    rmSync(out, { recursive: true, force: true });
  });

  it("the keeper loop's tick ran once a day and evaluated the loop's triggers", function () {
    expect(res.ticks).to.equal(13);
    const actions = Object.values(res.tickActions).reduce((a, b) => a + b, 0);
    expect(actions).to.equal(13);
    expect(res.tickActions.submitted ?? 0).to.be.greaterThanOrEqual(1);
    // day 0: the schedule trigger fires for a vault that never rebalanced
    expect(res.triggersFired.schedule ?? 0).to.be.greaterThanOrEqual(1);
    expect(res.summary).to.include("keeper loop ticks");
  });

  it("the strategy's quant targets were used once the feed history was long enough", function () {
    expect(res.targetSources.fallback).to.be.greaterThanOrEqual(1); // day 0: no history yet
    expect(res.targetSources.quant).to.be.greaterThanOrEqual(1);
    expect(res.rebalancesBySource.quant + res.rebalancesBySource.fallback).to.equal(res.rebalances);
    expect(res.summary).to.match(/targets used \(quant \/ fallback\)\s+computed [1-9]/);
  });

  it("the keeper rebalanced (initial allocation + loop triggers) and the vault got invested", function () {
    expect(res.rebalances).to.be.greaterThanOrEqual(2);
    expect(res.days.length).to.equal(13);
    expect(res.days[0].rebalanced).to.equal(true);
    const invested = res.days[res.days.length - 1].weights.reduce((a, b) => a + b, 0);
    expect(invested).to.be.greaterThan(0.3);
    expect(res.gasUsed > 0n).to.equal(true);
    expect(res.turnover).to.be.greaterThan(0);
  });

  it("the worker plans with the keeper config's local limits, tighter than the vault's, as `ballast run` does", function () {
    // deploy/lib/keeperConfig.ts: 80 % of each on-chain maximum, the health factor 10 % above
    const l = VAULT_LIMITS;
    expect(res.localLimits).to.deep.equal({
      maxTurnoverBps: Math.floor(l.maxTurnoverBps * 0.8),
      maxSlippageBps: Math.floor(l.maxSlippageBps * 0.8),
      maxLossPerRebalanceBps: Math.floor(l.maxLossPerRebalanceBps * 0.8),
      maxLeverageBps: Math.floor(l.maxLeverageBps * 0.8),
      minHealthFactor: (l.minHealthFactor * 11n) / 10n,
    });
    expect(res.localLimits.maxSlippageBps).to.be.lessThan(l.maxSlippageBps);
    // the planner's notes of every signed plan name the local limits that bind instead
    expect(res.rebalances).to.be.greaterThan(0);
    expect(res.signedPlans).to.be.greaterThanOrEqual(res.rebalances);
    expect(res.localBoundPlans).to.equal(res.signedPlans);
    for (const f of [
      "maxSlippageBps",
      "maxTurnoverBps",
      "maxLossPerRebalanceBps",
      "maxLeverageBps",
      "minHealthFactor",
    ])
      expect(res.localLimitsBinding[f], f).to.equal(res.signedPlans);
    // every mined plan commits to the local slippage cap, not the vault's
    expect(res.planSlippageBps).to.have.length(res.rebalances);
    for (const x of res.planSlippageBps)
      expect(x <= BigInt(res.localLimits.maxSlippageBps), String(x)).to.equal(true);
    expect(res.summary).to.match(
      /keeper local limits \(config\)\s+slippage 80 \/ turnover 4000 .* in \d+ of \d+ signed plans/,
    );
  });

  it("NAV is consistent with totalAssets and no risk bound was breached", function () {
    expect(res.navMismatches).to.equal(0);
    const last = res.days[res.days.length - 1];
    expect(Math.abs(last.nav - Number(res.finalTotalAssets) / 1e6)).to.be.lessThan(1e-6);
    expect(res.breaches).to.deep.equal([]);
    expect(res.arbSwaps).to.be.greaterThan(0);
  });

  it("writes a self-contained HTML report with the charts and the summary", function () {
    expect(existsSync(res.reportPath)).to.equal(true);
    const html = readFileSync(res.reportPath, "utf8");
    for (const id of ["chart-nav", "chart-weights", "chart-drawdown", "chart-prices"])
      expect(html).to.include(`id="${id}"`);
    expect(html).to.include("<polyline");
    expect(html).to.include("1/N buy-and-hold");
    expect(html).to.not.match(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(res.summary).to.include("Sharpe");
    expect(res.summary).to.include("risk-bound breaches");
  });

  it("parses the CLI options", function () {
    const o = parseArgs([
      "--days",
      "30",
      "--seed=9",
      "--prices",
      "x.csv",
      "--columns",
      "A,B,C,D",
      "--min-history",
      "12",
    ]);
    expect(o.minHistory).to.equal(12);
    expect(o.days).to.equal(30);
    expect(o.seed).to.equal(9);
    expect(o.prices).to.equal(path.resolve("x.csv"));
    expect(o.columns).to.deep.equal(["A", "B", "C", "D"]);
    expect(() => parseArgs(["--days", "0"])).to.throw(/--days/);
    expect(() => parseArgs(["--bogus"])).to.throw(/unknown option/);
    expect(() => parseArgs(["--seed", "1.5"])).to.throw(/--seed 1\.5 \(must be a whole number/);
  });

  it("refuses an unreadable --prices file or missing --columns symbols, listing the file's symbols", function () {
    const init = [1, 1, 1, 1];
    expect(() => replayFile("/nonexistent/prices.csv", ["A", "B", "C", "D"], init, 10)).to.throw(
      SimulateError,
      /--prices \/nonexistent\/prices\.csv: cannot read the file \(ENOENT\)/,
    );
    const dir = mkdtempSync(path.join(tmpdir(), "ballast-sim-"));
    const file = path.join(dir, "p.csv");
    writeFileSync(
      file,
      "date,symbol,close\n2024-01-01,ETH,1\n2024-01-01,BTC,2\n2024-01-02,ETH,1.1\n2024-01-02,BTC,2.1\n",
    );
    try {
      expect(csvSymbols(readFileSync(file, "utf8"))).to.deep.equal(["BTC", "ETH"]);
      expect(() => replayFile(file, ["ETH", "BTC", "LINK", "UNI"], init, 10)).to.throw(
        SimulateError,
        /no rows for symbol "LINK" in the CSV; the file's symbols: BTC,ETH/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("chooseTargets resampling bucket (daily simulated feeds)", function () {
  const day = (k: number, jitter = 0) => ({
    t: 1_700_000_000 + k * 86_400 + jitter * 37,
    price: 1,
  });

  it("follows the observed round spacing: daily rounds → daily buckets, hourly or faster → hourly", function () {
    const daily = [0, 1, 2, 3, 4].map((k) => day(k, k));
    expect(resampleBucketSeconds([daily, daily])).to.equal(86_400);
    const hourly = [0, 1, 2, 3].map((k) => ({ t: 1_700_000_000 + k * 3_600, price: 1 }));
    expect(resampleBucketSeconds([hourly])).to.equal(3_600);
    const minutes = [0, 1, 2, 3].map((k) => ({ t: 1_700_000_000 + k * 60, price: 1 }));
    expect(resampleBucketSeconds([minutes])).to.equal(3_600);
    expect(resampleBucketSeconds([[day(0)]])).to.equal(3_600);
  });
});
