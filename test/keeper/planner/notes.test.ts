import { expect } from "chai";
import { planNotes } from "../../../keeper/src/planner/notes.ts";
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
});
