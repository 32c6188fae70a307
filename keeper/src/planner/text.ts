/**
 * Renderings of chain quantities for the keeper's human-readable output (`status`, `plan`, the
 * planner's notes): unix seconds as UTC times and relative to a block's time, durations, WAD
 * decimals and fractions, counted nouns. The JSON output keeps the raw integers. Pure.
 */
import { formatUnits } from "ethers";

/** Unix seconds as an ISO-8601 UTC time without milliseconds ("2026-12-10T21:00:00Z"). */
export function isoSeconds(t: bigint | string): string {
  return new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z");
}

const UNITS: readonly [string, bigint][] = [
  ["d", 86_400n],
  ["h", 3_600n],
  ["min", 60n],
  ["s", 1n],
];

/**
 * A non-negative number of seconds in days, hours, minutes and seconds: every non-zero unit
 * ("1 d 2 h 3 min 4 s") when `exact`, else the two largest from the first non-zero one, the
 * rest dropped ("23 h 59 min" for 86 398 s; "9 min 53 s"; "10 min"). "0 s" for zero; a negative
 * duration is rendered as its magnitude.
 */
export function duration(seconds: bigint | string | number, exact = false): string {
  let left = BigInt(seconds);
  if (left < 0n) left = -left;
  if (left === 0n) return "0 s";
  const parts: string[] = [];
  let started = false;
  let used = 0;
  for (const [name, size] of UNITS) {
    const n = left / size;
    left %= size;
    if (started) used++;
    if (n > 0n) {
      if (!started) {
        started = true;
        used = 1;
      }
      parts.push(`${n} ${name}`);
    }
    if (!exact && started && used >= 2) break;
  }
  return parts.join(" ");
}

/** `t` relative to `now` (both unix seconds): "in 9 min 53 s", "5 min ago", "now". */
export function relativeTime(t: bigint | string, now: bigint | string): string {
  const d = BigInt(t) - BigInt(now);
  if (d === 0n) return "now";
  return d > 0n ? `in ${duration(d)}` : `${duration(d)} ago`;
}

/** `t` as UTC and relative to `now`: "2026-12-08T00:10:00Z (in 4 min)". */
export function timeAt(t: bigint | string, now: bigint | string): string {
  return `${isoSeconds(t)} (${relativeTime(t, now)})`;
}

/** A raw integer amount with `decimals` decimals, trailing zeros trimmed ("1000000" → "1"). */
export function units(raw: bigint | string, decimals: number): string {
  const t = formatUnits(BigInt(raw), decimals);
  return t.endsWith(".0") ? t.slice(0, -2) : t;
}

/**
 * A WAD decimal ("1500000000000000000" → "1.5"), as the vault's health factors; "max" for
 * type(uint256).max and the like (the health factor without debt).
 */
export function wadDecimal(wad: bigint | string): string {
  const x = BigInt(wad);
  if (x >= 1n << 255n) return "max";
  return units(x, 18);
}

/**
 * A WAD fraction as a percentage with at most `places` decimals, rounded half up
 * ("1675590365316807" → "0.1676%", "30000000000000000" → "3%"); a positive fraction below the
 * last place is "<0.0001%", never "0%".
 */
export function wadPercent(wad: bigint | string, places = 4): string {
  const x = BigInt(wad);
  const neg = x < 0n;
  const mag = neg ? -x : x;
  // percent = wad / 1e16; `places` decimals of it = wad / 10^(16 − places)
  const step = 10n ** BigInt(16 - places);
  const r = (mag + step / 2n) / step;
  if (r === 0n && mag > 0n) return `${neg ? ">-" : "<"}${units(1n, places)}%`;
  return `${neg && r > 0n ? "-" : ""}${units(r, places)}%`;
}

/** "1 feed round", "21 feed rounds": `n` and the noun, plural unless n is 1. */
export function counted(n: number | bigint, singular: string, plural = `${singular}s`): string {
  return `${n} ${BigInt(n) === 1n ? singular : plural}`;
}
