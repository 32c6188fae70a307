/**
 * Parsers of command options. Each throws commander's InvalidArgumentError, which the CLI reports
 * as a usage error (exit 2) naming the option and the value: `option '--ttl <seconds>' argument
 * 'abc' is invalid. expected an integer in 30…86400`.
 */
import { InvalidArgumentError } from "commander";
import { isAddress } from "ethers";

/** A parser of integers in [min, max] (both inclusive). */
export function intInRange(
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): (v: string) => number {
  return (v) => {
    const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected an integer ≥ ${min}`
          : `expected an integer in ${min}…${max}`,
      );
    return n;
  };
}

/** Parses a 0x address (any case). */
export function parseAddress(v: string): string {
  if (!isAddress(v)) throw new InvalidArgumentError("not a valid address (0x + 40 hex digits)");
  return v;
}

/**
 * Parses comma-separated target weights: fractions in [0, 1] whose sum is at most 1 (the rest is
 * cash). The count is checked against the vault's registry once it is read.
 */
export function parseTargets(v: string): number[] {
  const parts = v.split(",").map((s) => s.trim());
  const xs = parts.map((s) => (s === "" ? NaN : Number(s)));
  if (xs.some((x) => !Number.isFinite(x) || x < 0 || x > 1))
    throw new InvalidArgumentError("expected comma-separated fractions in [0, 1]");
  const sum = xs.reduce((a, b) => a + b, 0);
  if (sum > 1 + 1e-9)
    throw new InvalidArgumentError(
      `the weights sum to ${Math.round(sum * 10_000) / 100} %, more than 100 % of NAV`,
    );
  return xs;
}
