/**
 * The keeper's local limits must sit inside the vault's on-chain limits: a local maximum may not
 * exceed the on-chain one, a local minimum (health factor) may not fall below it. The chain edge
 * reads the on-chain limits and calls {@link checkLimitsInside}; a non-empty result means the
 * keeper refuses to start (CLI exit code 4).
 */
import type { Limits } from "../planner/types.ts";
import type { LocalLimits } from "./schema.ts";

/** One local limit looser than its on-chain counterpart. */
export interface LimitIssue {
  /** Config path, e.g. `vaults[0].limits.maxTurnoverBps` (or `limits.maxTurnoverBps` without a prefix). */
  path: string;
  field: keyof LocalLimits;
  /** Local value as configured (bps, or WAD for the health factor). */
  local: bigint;
  /** The vault's value. */
  onchain: bigint;
  message: string;
}

const MAX_FIELDS = [
  "maxTurnoverBps",
  "maxSlippageBps",
  "maxLossPerRebalanceBps",
  "maxLeverageBps",
] as const;

/**
 * Compares the local limits with the on-chain ones. Returns one issue per local limit looser
 * than the vault's (empty = inside). `pathPrefix` names the vault entry, e.g. `vaults[0]`.
 */
export function checkLimitsInside(
  local: LocalLimits,
  onchain: Pick<Limits, (typeof MAX_FIELDS)[number] | "minHealthFactor">,
  pathPrefix = "",
): LimitIssue[] {
  const base = pathPrefix ? `${pathPrefix}.limits` : "limits";
  const issues: LimitIssue[] = [];
  for (const field of MAX_FIELDS) {
    const l = BigInt(local[field]);
    const o = onchain[field];
    if (l > o)
      issues.push({
        path: `${base}.${field}`,
        field,
        local: l,
        onchain: o,
        message: `local ${field} ${l} is looser than the vault's ${o} (must be <= ${o})`,
      });
  }
  if (local.minHealthFactor < onchain.minHealthFactor)
    issues.push({
      path: `${base}.minHealthFactor`,
      field: "minHealthFactor",
      local: local.minHealthFactor,
      onchain: onchain.minHealthFactor,
      message: `local minHealthFactor ${formatWad(local.minHealthFactor)} is looser than the vault's ${formatWad(onchain.minHealthFactor)} (must be >= it)`,
    });
  return issues;
}

/** WAD bigint → decimal string without trailing zeros (1.5e18 → "1.5"). */
export function formatWad(wad: bigint): string {
  const neg = wad < 0n;
  const a = neg ? -wad : wad;
  const whole = a / 10n ** 18n;
  const frac = (a % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}
