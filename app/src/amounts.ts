/**
 * Amounts at the chain boundary are bigints in token units. This module turns what a depositor
 * types ("1000", "0.5", "1,000.25") into units with the token's decimals, rejecting anything
 * ambiguous with a clear message, and formats units, basis points and WAD fractions for display.
 * DOM-free: used by the page and by the unit tests in Node.
 */

/** Why a typed amount was rejected. */
export type AmountErrorCode =
  | "EMPTY"
  | "NOT_A_NUMBER"
  | "NEGATIVE"
  | "TOO_MANY_DECIMALS"
  | "ZERO"
  | "TOO_LARGE"
  | "BAD_DECIMALS";

/** A typed amount that cannot be turned into token units. */
export class AmountError extends Error {
  readonly code: AmountErrorCode;

  constructor(code: AmountErrorCode, message: string) {
    super(message);
    this.name = "AmountError";
    this.code = code;
  }
}

const MAX_UINT256 = (1n << 256n) - 1n;
const PLAIN = /^(\d*)(?:\.(\d*))?$/;
const GROUPED = /^\d{1,3}(,\d{3})+(\.\d*)?$/;

/** Options of {@link parseAmount}. */
export interface ParseOptions {
  /** Accept "0" (default false: an amount to send must be positive). */
  readonly allowZero?: boolean;
  /** Largest accepted value in units (default 2^256 − 1). */
  readonly max?: bigint;
  /** Unit name for messages, e.g. "USDC". */
  readonly symbol?: string;
}

/**
 * Parses a decimal string into token units with `decimals` decimals. Accepts digits with one
 * optional decimal point and optional comma thousands separators in groups of three
 * ("1,000.5"); surrounding spaces are ignored. Never rounds: more fractional digits than
 * `decimals` is an error. Throws {@link AmountError}.
 */
export function parseAmount(text: string, decimals: number, options: ParseOptions = {}): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 77) {
    throw new AmountError("BAD_DECIMALS", `token decimals ${decimals} are not supported`);
  }
  const unit = options.symbol === undefined ? "" : ` ${options.symbol}`;
  const raw = text.trim();
  if (raw === "") throw new AmountError("EMPTY", "enter an amount");
  if (raw.startsWith("-")) throw new AmountError("NEGATIVE", "the amount cannot be negative");
  let body = raw;
  if (body.includes(",")) {
    if (!GROUPED.test(body)) {
      throw new AmountError(
        "NOT_A_NUMBER",
        `"${raw}" is not a number: use a dot for decimals and commas only between groups of three digits`,
      );
    }
    body = body.replace(/,/g, "");
  }
  const m = PLAIN.exec(body);
  if (m === null || (m[1] === "" && (m[2] === undefined || m[2] === ""))) {
    throw new AmountError("NOT_A_NUMBER", `"${raw}" is not a number (example: 1000.50)`);
  }
  const whole = m[1] === "" ? "0" : m[1];
  const frac = (m[2] ?? "").replace(/0+$/, "");
  if (frac.length > decimals) {
    throw new AmountError(
      "TOO_MANY_DECIMALS",
      decimals === 0
        ? `the amount must be a whole number${unit === "" ? "" : ` of${unit}`}`
        : `${options.symbol ?? "this token"} has at most ${decimals} decimal places`,
    );
  }
  const units = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
  if (units === 0n && options.allowZero !== true) {
    throw new AmountError("ZERO", "the amount must be greater than 0");
  }
  const max = options.max ?? MAX_UINT256;
  if (units > max) {
    throw new AmountError(
      "TOO_LARGE",
      `the amount is larger than the maximum of ${formatAmount(max, decimals)}${unit}`,
    );
  }
  return units;
}

/** Inserts comma thousands separators into a string of digits. */
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Formats `units` (a bigint, may be negative) with `decimals` decimals: thousands separators,
 * at most `maxFraction` fractional digits (truncated toward zero, never rounded up, so a
 * displayed balance is never more than what is there), trailing zeros dropped. A non-zero value
 * that truncates to 0 is shown as "< 0.000001" (with `maxFraction` digits).
 */
export function formatAmount(units: bigint, decimals: number, maxFraction = decimals): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  const shown = Math.min(maxFraction, decimals);
  let frac = (abs % scale).toString().padStart(decimals, "0").slice(0, shown).replace(/0+$/, "");
  if (whole === 0n && frac === "" && abs !== 0n) {
    const tiny = shown === 0 ? "1" : `0.${"0".repeat(shown - 1)}1`;
    return `${neg ? "> -" : "< "}${tiny}`;
  }
  if (frac !== "") frac = `.${frac}`;
  return `${neg ? "-" : ""}${group(whole.toString())}${frac}`;
}

/** Basis points as a percentage with two decimals: 1234n → "12.34 %". */
export function formatBps(bps: bigint | number): string {
  const b = BigInt(bps);
  const neg = b < 0n;
  const abs = neg ? -b : b;
  return `${neg ? "-" : ""}${group((abs / 100n).toString())}.${(abs % 100n).toString().padStart(2, "0")} %`;
}

/** A WAD fraction (1e18 = 100 %) as a percentage with up to `maxFraction` decimals (truncated). */
export function formatWadPercent(wad: bigint, maxFraction = 4): string {
  // percent = wad / 1e16; show as an amount with 16 decimals
  return `${formatAmount(wad, 16, maxFraction)} %`;
}

/**
 * Assets (in base units) one whole share is worth at `ppsWad` = (NAV + 1) × 1e18 / (supply + 10^6)
 * (BallastLens.vaultState), i.e. ppsWad × 10^shareDecimals / 1e18, rounded down.
 */
export function assetsPerShare(ppsWad: bigint, shareDecimals: number): bigint {
  return (ppsWad * 10n ** BigInt(shareDecimals)) / 10n ** 18n;
}

/** A duration in seconds as "3 d 4 h", "2 h 5 min", "45 s" (for windows and cooldowns). */
export function formatDuration(seconds: bigint | number): string {
  let s = Number(seconds);
  if (!Number.isFinite(s) || s < 0) return String(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: string[] = [];
  if (d > 0) parts.push(`${d} d`);
  if (h > 0) parts.push(`${h} h`);
  if (m > 0 && d === 0) parts.push(`${m} min`);
  if (s > 0 && d === 0 && h === 0) parts.push(`${s} s`);
  return parts.length === 0 ? "0 s" : parts.join(" ");
}

/**
 * A chain timestamp (seconds since the epoch) as a UTC time to the second: 1700000000n →
 * "2023-11-14T22:13:20Z".
 */
export function formatTimestamp(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

/** A short address for tables: 0x1234…abcd. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}
