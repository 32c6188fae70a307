import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { DEFAULT_OPTIONS, parseArgs, runSimulation } from "../../scripts/simulate.ts";
import type { SimulationResult } from "../../scripts/simulate.ts";

/**
 * The main job end to end, in-process: a short seeded simulation on the local system (stack +
 * vault), with the keeper planning, signing and submitting; checks rebalances, NAV consistency,
 * zero risk-bound breaches and the HTML report.
 */
describe("npm run simulate (short run, in-process)", function () {
  this.timeout(120_000);
  const out = mkdtempSync(path.join(tmpdir(), "ballast-sim-"));
  let res: SimulationResult;

  before(async function () {
    const connection = await network.create();
    res = await runSimulation({
      ...DEFAULT_OPTIONS,
      days: 10,
      seed: 7,
      build: false,
      progress: false,
      outDir: out,
      connection,
    });
  });

  after(function () {
    rmSync(out, { recursive: true, force: true });
  });

  it("the keeper rebalanced (initial allocation + schedule/drift) and the vault got invested", function () {
    expect(res.rebalances).to.be.greaterThanOrEqual(2);
    expect(res.days.length).to.equal(11);
    expect(res.days[0].rebalanced).to.equal(true);
    const invested = res.days[res.days.length - 1].weights.reduce((a, b) => a + b, 0);
    expect(invested).to.be.greaterThan(0.3);
    expect(res.gasUsed > 0n).to.equal(true);
    expect(res.turnover).to.be.greaterThan(0);
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
    const o = parseArgs(["--days", "30", "--seed=9", "--prices", "x.csv", "--columns", "A,B,C,D"]);
    expect(o.days).to.equal(30);
    expect(o.seed).to.equal(9);
    expect(o.prices).to.equal(path.resolve("x.csv"));
    expect(o.columns).to.deep.equal(["A", "B", "C", "D"]);
    expect(() => parseArgs(["--days", "0"])).to.throw(/--days/);
    expect(() => parseArgs(["--bogus"])).to.throw(/unknown option/);
  });
});
