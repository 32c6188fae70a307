import { expect } from "chai";
import { VaultCheckError } from "../../../keeper/src/planner/checks.ts";
import { headerCheckText, planNotes } from "../../../keeper/src/planner/notes.ts";
import type { PlanInfeasible } from "../../../keeper/src/planner/planner.ts";

describe("planNotes: what a plan leaves out, in words", function () {
  const base = {
    feasible: false,
    code: "SLIPPAGE_FLOOR",
    reason: "no swap passes the slippage floor",
    binding: null,
    error: null,
    skipped: [],
    reduced: [],
    targetsBps: [],
    limits: { limits: {}, localBinding: [] },
  } as unknown as PlanInfeasible;

  it("names the infeasible class, reduced and skipped trades, and binding local limits", function () {
    const notes = planNotes({
      ...base,
      reduced: [
        {
          assetIndex: 3,
          side: "buy",
          requestedIn: 150_000_000_000n,
          plannedIn: 40_000_000_000n,
          requestedValue: 150_000_000_000n,
          plannedValue: 40_000_000_000n,
          reason: "full size quoted below the slippage floor",
        },
      ],
      skipped: [
        {
          assetIndex: 2,
          side: "sell",
          code: "QUOTE_FAILED",
          valueBase: 5n,
          reason: "quoter reverted",
        },
      ],
      limits: { ...base.limits, localBinding: ["maxSlippageBps", "maxTurnoverBps"] },
    });
    expect(notes).to.deep.equal([
      "infeasible (SLIPPAGE_FLOOR): no swap passes the slippage floor",
      "reduced: buy asset 3 from 150000000000 to 40000000000 (value 150000000000 → 40000000000 base units): full size quoted below the slippage floor",
      "skipped (QUOTE_FAILED): sell asset 2 worth 5 base units: quoter reverted",
      "local limits tighter than the vault's: maxSlippageBps, maxTurnoverBps",
    ]);
  });

  it("is empty for a full plan under the vault's own limits", function () {
    expect(planNotes({ ...base, feasible: true } as never)).to.deep.equal([]);
  });

  it("a header check no trade size fixes says so plainly, times in UTC and relative to the block, not the ppm search", function () {
    // the walkthrough: RebalanceCooldown(readyAt, now) at the full and at the smallest scale
    const cooldown = new VaultCheckError("RebalanceCooldown", [1_796_688_282n, 1_796_687_689n]);
    const notes = planNotes({
      ...base,
      code: "VAULT_CHECK",
      reason:
        "expected fill fails RebalanceCooldown(1796688282, 1796687689); still infeasible at 15 ppm of the trades: expected fill fails RebalanceCooldown(1796688282, 1796687689)",
      error: cooldown,
    });
    expect(notes).to.deep.equal([
      "infeasible: the vault's rebalance cooldown runs until 2026-12-08T00:04:42Z (in 9 min 53 s); no plan can pass before then",
    ]);
    expect(notes.join("\n")).to.not.match(/ppm|RebalanceCooldown\(/);
    expect(headerCheckText(new VaultCheckError("EnforcedPause", []))).to.equal(
      "the vault is paused; no plan can pass until it is unpaused",
    );
    expect(headerCheckText(new VaultCheckError("InvalidNonce", [8n, 7n]))).to.equal(
      "the plan's nonce 8 is not the vault's next nonce 7; no plan with this nonce can pass",
    );
    expect(
      headerCheckText(new VaultCheckError("PlanExpired", [1_796_687_629n, 1_796_687_689n])),
    ).to.equal(
      "the plan's deadline 2026-12-07T23:53:49Z is 1 min before the block time 2026-12-07T23:54:49Z; no plan with this deadline can pass (give it a longer validity)",
    );
    expect(headerCheckText(new VaultCheckError("WeightsLengthMismatch", [1n, 4n]))).to.equal(
      "the plan lists 1 expected weight but the vault registers 4 assets; no such plan can pass",
    );
  });

  it("any other vault check keeps the planner's class and reason (a trade size may fix it)", function () {
    const err = new VaultCheckError("TurnoverExceeded", [6000n, 5000n]);
    expect(headerCheckText(err)).to.equal(null);
    expect(
      planNotes({
        ...base,
        code: "VAULT_CHECK",
        reason: "expected fill fails TurnoverExceeded(6000, 5000)",
        error: err,
      }),
    ).to.deep.equal(["infeasible (VAULT_CHECK): expected fill fails TurnoverExceeded(6000, 5000)"]);
  });
});
