import { expect } from "chai";
import {
  formatPlan,
  planReport,
  planRunJson,
  shortReturnsReason,
  shortRoundsReason,
} from "../../../keeper/src/commands/plan.ts";
import type { PlanRun } from "../../../keeper/src/commands/plan.ts";
import { buildPlan } from "../../../keeper/src/planner/planner.ts";
import type { VaultSnapshot } from "../../../keeper/src/planner/types.ts";
import { asset, snapshot } from "../planner/fixtures.ts";

/**
 * The text of `ballast plan` without a chain: the planner on a fixture snapshot (oracle quotes),
 * rendered as the CLI prints it; the JSON summary keeps the planner's raw reason.
 */

const NOW = 1_796_687_689n; // 2026-12-07T23:54:49Z

async function dryRun(s: VaultSnapshot): Promise<PlanRun> {
  const bps = [3000n, 3000n];
  const result = await buildPlan(s, bps, {});
  return {
    vault: s.vault,
    blockNumber: 42,
    targets: { bps, source: "explicit", model: null, note: "targets given on the command line" },
    quotes: "oracle",
    result,
    bounds: [],
    report: planReport(result, s),
    simulation: null,
    signed: null,
    signer: null,
    snapshot: s,
  };
}

describe("plan: the dry run's text (pure)", function () {
  it("during the cooldown: says plainly when it ends and that no plan can pass before then; the bound as the last rebalance and the cooldown", async function () {
    const s = snapshot([asset(0), asset(1)], {
      timestamp: NOW,
      lastRebalanceAt: NOW - 7n,
      limits: { ...snapshot([]).limits, rebalanceCooldown: 600n },
    });
    const r = await dryRun(s);
    expect(r.result.feasible).to.equal(false);
    const text = formatPlan(r).split("\n");
    expect(text.slice(2)).to.deep.equal([
      "infeasible: the vault's rebalance cooldown runs until 2026-12-08T00:04:42Z (in 9 min 53 s); no plan can pass before then",
      "bounds (worst admissible fill, then mixed-fill bounds):",
      "  FAIL cooldown: last rebalance 2026-12-07T23:54:42Z (7 s ago), cooldown 10 min: runs until 2026-12-08T00:04:42Z (in 9 min 53 s)",
      "nothing was sent",
    ]);
    expect(text.join("\n")).to.not.match(/ppm of the trades|RebalanceCooldown\(/);
    // the JSON keeps the planner's reason, raw; no scale-down search for a header check
    const j = planRunJson(r) as { reason: string; feasible: boolean };
    expect(j.feasible).to.equal(false);
    expect(j.reason).to.equal("expected fill fails RebalanceCooldown(1796688282, 1796687689)");
  });

  it("a vault that never rebalanced: the cooldown bound reads never, the deadline in UTC", async function () {
    const s = snapshot([asset(0), asset(1)], { timestamp: NOW });
    const r = await dryRun(s);
    expect(r.result.feasible).to.equal(true);
    const text = formatPlan(r);
    expect(text).to.match(
      /^nonce 7 deadline 2026-12-08T00:04:49Z \(in 10 min\) actions 2 tolerance \d+ bps slippage \d+ bps$/m,
    );
    expect(text).to.contain("\n  ok   cooldown: last rebalance never, cooldown 1 h: no wait\n");
    expect(text).to.contain(
      "\n  ok   deadline: 2026-12-08T00:04:49Z, 10 min after the block time 2026-12-07T23:54:49Z\n",
    );
    expect(text).to.not.match(/cooldown: value \d+ limit/);
    expect(
      (planRunJson(r) as { plan: { deadline: string } }).plan.deadline,
      "the JSON keeps the raw deadline",
    ).to.equal(String(NOW + 600n));
  });

  it("too little history: counted nouns, the number needed", function () {
    expect(shortRoundsReason(1, 30, 21)).to.equal("only 1 feed round in 30 days (21 needed)");
    expect(shortRoundsReason(5, 1, 31)).to.equal("only 5 feed rounds in 1 day (31 needed)");
    expect(shortReturnsReason(1, 3600, 30)).to.equal(
      "only 1 aligned return at 3600 s buckets (30 needed)",
    );
    expect(shortReturnsReason(0, 86_400, 30)).to.equal(
      "only 0 aligned returns at 86400 s buckets (30 needed)",
    );
  });
});
