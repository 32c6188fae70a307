import { expect } from "chai";
import {
  AmountError,
  assetsPerShare,
  formatAmount,
  formatBps,
  formatDuration,
  formatTimestamp,
  formatWadPercent,
  parseAmount,
  shortAddress,
} from "../../app/src/amounts.ts";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(AmountError);
    return (e as AmountError).code;
  }
  throw new Error("did not throw");
}

describe("app amounts: parseAmount", function () {
  it("parses whole numbers, fractions and grouped thousands into units", function () {
    expect(parseAmount("1000", 6)).to.equal(1_000_000_000n);
    expect(parseAmount(" 0.5 ", 6)).to.equal(500_000n);
    expect(parseAmount(".25", 6)).to.equal(250_000n);
    expect(parseAmount("1.", 6)).to.equal(1_000_000n);
    expect(parseAmount("1,000.000001", 6)).to.equal(1_000_000_001n);
    expect(parseAmount("12,345,678", 0)).to.equal(12_345_678n);
    expect(parseAmount("1.5", 18)).to.equal(15n * 10n ** 17n);
    expect(parseAmount("0.000000000001", 12)).to.equal(1n);
  });

  it("accepts trailing zeros beyond the decimals (no precision lost)", function () {
    expect(parseAmount("1.2300000", 2)).to.equal(123n);
    expect(parseAmount("5.000", 0)).to.equal(5n);
  });

  it("rejects empty, negative, malformed and over-precise input with a reason", function () {
    expect(codeOf(() => parseAmount("", 6))).to.equal("EMPTY");
    expect(codeOf(() => parseAmount("   ", 6))).to.equal("EMPTY");
    expect(codeOf(() => parseAmount("-1", 6))).to.equal("NEGATIVE");
    expect(codeOf(() => parseAmount("1e6", 6))).to.equal("NOT_A_NUMBER");
    expect(codeOf(() => parseAmount("0x10", 6))).to.equal("NOT_A_NUMBER");
    expect(codeOf(() => parseAmount("1.2.3", 6))).to.equal("NOT_A_NUMBER");
    expect(codeOf(() => parseAmount(".", 6))).to.equal("NOT_A_NUMBER");
    expect(codeOf(() => parseAmount("1,00", 6))).to.equal("NOT_A_NUMBER");
    expect(codeOf(() => parseAmount("1,000,00.5", 6))).to.equal("NOT_A_NUMBER");
    expect(codeOf(() => parseAmount("1 000", 6))).to.equal("NOT_A_NUMBER");
    expect(codeOf(() => parseAmount("1.0000001", 6))).to.equal("TOO_MANY_DECIMALS");
    expect(codeOf(() => parseAmount("1.5", 0))).to.equal("TOO_MANY_DECIMALS");
    expect(codeOf(() => parseAmount("1", -1))).to.equal("BAD_DECIMALS");
    expect(() => parseAmount("1.0000001", 6, { symbol: "USDC" })).to.throw(
      "USDC has at most 6 decimal places",
    );
  });

  it("rejects zero unless allowed, and values above the maximum", function () {
    expect(codeOf(() => parseAmount("0", 6))).to.equal("ZERO");
    expect(codeOf(() => parseAmount("0.000000", 6))).to.equal("ZERO");
    expect(parseAmount("0", 6, { allowZero: true })).to.equal(0n);
    expect(codeOf(() => parseAmount("10.000001", 6, { max: 10_000_000n }))).to.equal("TOO_LARGE");
    expect(parseAmount("10", 6, { max: 10_000_000n })).to.equal(10_000_000n);
    const maxUint = (1n << 256n) - 1n;
    expect(parseAmount(maxUint.toString(), 0)).to.equal(maxUint);
    expect(codeOf(() => parseAmount((maxUint + 1n).toString(), 0))).to.equal("TOO_LARGE");
  });

  it("round-trips with formatAmount for any units and decimals", function () {
    for (const decimals of [0, 1, 6, 12, 18]) {
      for (const units of [
        1n,
        9n,
        10n,
        999_999n,
        1_000_000n,
        123_456_789_012_345n,
        10n ** 30n + 7n,
      ]) {
        const text = formatAmount(units, decimals);
        expect(parseAmount(text, decimals), `${units} @ ${decimals}: ${text}`).to.equal(units);
      }
    }
  });
});

describe("app amounts: formatting", function () {
  it("formats units with grouping, truncating (never rounding up) the fraction", function () {
    expect(formatAmount(0n, 6)).to.equal("0");
    expect(formatAmount(1_000_000_000n, 6)).to.equal("1,000");
    expect(formatAmount(1_234_567_891n, 6, 2)).to.equal("1,234.56");
    expect(formatAmount(999_999n, 6, 2)).to.equal("0.99");
    expect(formatAmount(1_500_000n, 6)).to.equal("1.5");
    expect(formatAmount(-2_500_000n, 6)).to.equal("-2.5");
    expect(formatAmount(123n, 0)).to.equal("123");
    expect(formatAmount(999_000_999_000_000n, 12, 6)).to.equal("999.000999");
  });

  it("shows dust below the shown precision as '< 0.0…1' instead of 0", function () {
    expect(formatAmount(1n, 6, 2)).to.equal("< 0.01");
    expect(formatAmount(1n, 18, 6)).to.equal("< 0.000001");
    expect(formatAmount(-1n, 6, 2)).to.equal("> -0.01");
    expect(formatAmount(5n, 2, 0)).to.equal("< 1");
  });

  it("formats bps, WAD percentages, price per share, durations and addresses", function () {
    expect(formatBps(0n)).to.equal("0.00 %");
    expect(formatBps(1234n)).to.equal("12.34 %");
    expect(formatBps(5)).to.equal("0.05 %");
    expect(formatBps(-250n)).to.equal("-2.50 %");
    expect(formatBps(12000n)).to.equal("120.00 %");
    expect(formatWadPercent(2n * 10n ** 16n)).to.equal("2 %");
    expect(formatWadPercent(123_456_789n * 10n ** 8n)).to.equal("1.2345 %");
    expect(formatWadPercent(0n)).to.equal("0 %");
    // 1 USDC (6 dp) per whole share (12 dp): ppsWad = 1e6 × 1e18 / 1e12
    expect(assetsPerShare(10n ** 12n, 12)).to.equal(1_000_000n);
    expect(formatDuration(86400)).to.equal("1 d");
    expect(formatDuration(600n)).to.equal("10 min");
    expect(formatDuration(3725)).to.equal("1 h 2 min");
    expect(formatDuration(45)).to.equal("45 s");
    expect(formatDuration(0)).to.equal("0 s");
    expect(formatTimestamp(1_700_000_000n)).to.equal("2023-11-14T22:13:20Z");
    expect(formatTimestamp(0)).to.equal("1970-01-01T00:00:00Z");
    expect(shortAddress("0x99bbA657f2BbC93c02D617f8bA121cB8Fc104Acf")).to.equal("0x99bb…4Acf");
  });
});
