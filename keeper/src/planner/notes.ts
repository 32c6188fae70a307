/**
 * What a plan result leaves out or changes, in words, for the `plan` output and the loop's logs:
 * trades dropped (and why), swaps sized down to pass the slippage floor, the local limits that
 * bind instead of the vault's, and the class of an infeasible result — in plain words, with the
 * times in UTC, when a check of the plan's header fails that no trade size can fix (the
 * cooldown, a pause, …). Pure.
 */
import { HEADER_CHECKS } from "./checks.ts";
import type { VaultCheckError } from "./checks.ts";
import type { PlanResult } from "./planner.ts";
import { counted, duration, isoSeconds, timeAt } from "./text.ts";

/**
 * Why no plan can pass, in words, when `error` is one of {@link HEADER_CHECKS} (its arguments as
 * the vault's custom error has them); null for any other error. Pure.
 */
export function headerCheckText(error: VaultCheckError | null): string | null {
  if (error === null || !HEADER_CHECKS.includes(error.errorName)) return null;
  const [a, b] = error.args.map((x) => BigInt(x));
  switch (error.errorName) {
    case "RebalanceCooldown": // (readyAt, now)
      return `the vault's rebalance cooldown runs until ${timeAt(a, b)}; no plan can pass before then`;
    case "EnforcedPause":
      return "the vault is paused; no plan can pass until it is unpaused";
    case "PlanExpired": // (deadline, now)
      return (
        `the plan's deadline ${isoSeconds(a)} is ${duration(b - a)} before the block time ` +
        `${isoSeconds(b)}; no plan with this deadline can pass (give it a longer validity)`
      );
    case "InvalidNonce": // (nonce, nextNonce)
      return `the plan's nonce ${a} is not the vault's next nonce ${b}; no plan with this nonce can pass`;
    default: // WeightsLengthMismatch (length, assets)
      return `the plan lists ${counted(a, "expected weight")} but the vault registers ${counted(b, "asset")}; no such plan can pass`;
  }
}

/** One line per note; [] when the plan is exactly the full trade set under the vault's limits. */
export function planNotes(r: PlanResult): string[] {
  const out: string[] = [];
  if (!r.feasible) {
    const header = headerCheckText(r.error);
    out.push(header === null ? `infeasible (${r.code}): ${r.reason}` : `infeasible: ${header}`);
  }
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
