/**
 * What a plan result leaves out or changes, in words, for the `plan` output and the loop's logs:
 * trades dropped (and why), swaps sized down to pass the slippage floor, the local limits that
 * bind instead of the vault's, and the class of an infeasible result. Pure.
 */
import type { PlanResult } from "./planner.ts";

/** One line per note; [] when the plan is exactly the full trade set under the vault's limits. */
export function planNotes(r: PlanResult): string[] {
  const out: string[] = [];
  if (!r.feasible) out.push(`infeasible (${r.code}): ${r.reason}`);
  for (const t of r.reduced)
    out.push(
      `reduced: ${t.side} asset ${t.assetIndex} from ${t.requestedIn} to ${t.plannedIn} ` +
        `(value ${t.requestedValue} → ${t.plannedValue} base units): ${t.reason}`,
    );
  for (const t of r.skipped)
    out.push(
      `skipped (${t.code}): ${t.side} asset ${t.assetIndex} worth ${t.valueBase} base units: ${t.reason}`,
    );
  if (r.limits.localBinding.length > 0)
    out.push(`local limits tighter than the vault's: ${r.limits.localBinding.join(", ")}`);
  return out;
}
