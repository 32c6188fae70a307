import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import fc from "fast-check";
import { existsSync } from "node:fs";
import path from "node:path";
import {
  alignSeries,
  bucketSeconds,
  forwardFill,
  logReturns,
  logReturnsOf,
  resampleLast,
} from "../../../keeper/src/data/align.ts";
import type { AlignedPanel } from "../../../keeper/src/data/align.ts";
import { loadPriceCsvFile } from "../../../keeper/src/data/csv.ts";
import { DataError, DAY, HOUR } from "../../../keeper/src/data/types.ts";
import { quantile } from "../../../keeper/src/math/stats.ts";

const DATA_DIR = process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
const DAILY = path.join(DATA_DIR, "crypto_daily_usd.csv");
const HOURLY = path.join(DATA_DIR, "btc_eth_hourly_binance_spot.csv.gz");
const utc = (s: string): number => Date.parse(s) / 1000;

function panelOf(t: number[], cols: Record<string, (number | null)[]>): AlignedPanel {
  const symbols = Object.keys(cols);
  return {
    t,
    symbols,
    prices: t.map((_, k) => symbols.map((s) => cols[s][k])),
    bucketSeconds: HOUR,
  };
}

describe("data/align", () => {
  it("resamples to the last price of each bucket, labelled by bucket start", () => {
    const s = [
      { t: 3 * HOUR + 60, price: 2 },
      { t: 3 * HOUR + 10, price: 1 },
      { t: 4 * HOUR - 1, price: 3 },
      { t: 6 * HOUR, price: 4 },
    ];
    expect(resampleLast(s, "hourly")).to.deep.equal([
      { t: 3 * HOUR, price: 3 },
      { t: 6 * HOUR, price: 4 },
    ]);
    expect(resampleLast(s, "daily")).to.deep.equal([{ t: 0, price: 4 }]);
    expect(bucketSeconds(900)).to.equal(900);
    expect(() => bucketSeconds(0)).to.throw(DataError);
  });

  it("aligns on the intersection or union grid with nulls where missing", () => {
    const series = {
      A: [
        { t: 0, price: 1 },
        { t: 2 * HOUR, price: 3 },
        { t: 3 * HOUR, price: 4 },
      ],
      B: [
        { t: HOUR, price: 10 },
        { t: 2 * HOUR, price: 11 },
        { t: 4 * HOUR, price: 12 },
      ],
    };
    const inter = alignSeries(series, { bucket: "hourly" });
    expect(inter.t).to.deep.equal([HOUR, 2 * HOUR, 3 * HOUR]);
    expect(inter.prices).to.deep.equal([
      [null, 10],
      [3, 11],
      [4, null],
    ]);
    const uni = alignSeries(series, { bucket: "hourly", range: "union", symbols: ["B", "A"] });
    expect(uni.symbols).to.deep.equal(["B", "A"]);
    expect(uni.t).to.have.length(5);
    expect(uni.prices[0]).to.deep.equal([null, 1]);
    const clamped = alignSeries(series, {
      bucket: "hourly",
      range: "union",
      start: 1,
      end: 3 * HOUR,
    });
    expect(clamped.t).to.deep.equal([HOUR, 2 * HOUR, 3 * HOUR]);
    expect(() => alignSeries({ A: [] }, { bucket: "hourly" })).to.throw(DataError);
  });

  it("forward-fills gaps up to maxGap and reports every gap", () => {
    const t = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => k * HOUR);
    const p = panelOf(t, {
      A: [1, null, 2, null, null, null, 3, null],
      B: [null, 5, 6, 7, 8, 9, 10, 11],
    });
    const { panel, report } = forwardFill(p, 1);
    expect(panel.prices.map((r) => r[0])).to.deep.equal([1, 1, 2, null, null, null, 3, 3]);
    expect(panel.prices.map((r) => r[1])).to.deep.equal([null, 5, 6, 7, 8, 9, 10, 11]);
    expect(report.filled).to.deep.equal([
      { symbol: "A", startT: HOUR, endT: HOUR, buckets: 1 },
      { symbol: "A", startT: 7 * HOUR, endT: 7 * HOUR, buckets: 1 },
    ]);
    expect(report.unfilled).to.deep.equal([
      { symbol: "A", startT: 3 * HOUR, endT: 5 * HOUR, buckets: 3, reason: "longer-than-maxGap" },
      { symbol: "B", startT: 0, endT: 0, buckets: 1, reason: "no-prior-value" },
    ]);
    // input untouched
    expect(p.prices[1][0]).to.equal(null);

    const causal = forwardFill(p, 2, "causal");
    expect(causal.panel.prices.map((r) => r[0])).to.deep.equal([1, 1, 2, 2, 2, null, 3, 3]);
    expect(causal.report.unfilled[0]).to.deep.equal({
      symbol: "A",
      startT: 5 * HOUR,
      endT: 5 * HOUR,
      buckets: 1,
      reason: "longer-than-maxGap",
    });
    expect(() => forwardFill(p, -1)).to.throw(DataError);
  });

  it("log returns never span a gap", () => {
    const t = [0, 1, 2, 3].map((k) => k * HOUR);
    const p = panelOf(t, { A: [1, 2, null, 4], B: [1, 1, 1, Math.E] });
    const r = logReturns(p);
    expect(r.t).to.deep.equal([HOUR]);
    expect(r.returns[0][0]).to.be.closeTo(Math.log(2), 1e-15);
    expect(r.returns[0][1]).to.equal(0);
    expect(r.droppedT).to.deep.equal([2 * HOUR, 3 * HOUR]);
    expect(logReturnsOf([1, Math.E, 1])).to.deep.equal([1, -1]);
  });

  it("NO LOOK-AHEAD: causal fill and log returns at t ignore data after t", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.double({ min: 1, max: 100, noNaN: true }), { nil: null }), {
          minLength: 4,
          maxLength: 40,
        }),
        fc.nat(),
        fc.array(fc.option(fc.double({ min: 1, max: 100, noNaN: true }), { nil: null }), {
          minLength: 40,
          maxLength: 40,
        }),
        fc.integer({ min: 0, max: 5 }),
        (col, cut, replacement, maxGap) => {
          const k = cut % col.length;
          const t = col.map((_, i) => i * HOUR);
          const altered = col.map((v, i) => (i > k ? replacement[i] : v));
          const a = forwardFill(panelOf(t, { A: col }), maxGap, "causal").panel;
          const b = forwardFill(panelOf(t, { A: altered }), maxGap, "causal").panel;
          for (let i = 0; i <= k; i++) if (a.prices[i][0] !== b.prices[i][0]) return false;
          const ra = logReturns(a);
          const rb = logReturns(b);
          const upTo = (r: typeof ra) => r.returns.filter((_, i) => r.t[i] <= t[k]);
          return JSON.stringify(upTo(ra)) === JSON.stringify(upTo(rb));
        },
      ),
      { numRuns: 300 },
    );
  });

  describe("real files", () => {
    before(function () {
      if (!existsSync(DAILY) || !existsSync(HOURLY)) {
        console.log(`skipping real-data tests: ${DATA_DIR} has no crypto files`);
        this.skip();
      }
    });

    it("reports the Dec-2021 hourly gap (624 h) as unfilled when maxGap is small", async () => {
      const s = await loadPriceCsvFile(HOURLY);
      const panel = alignSeries(s, { bucket: "hourly" });
      const { report, panel: filled } = forwardFill(panel, 6);
      const dec = report.unfilled.filter((g) => g.startT === utc("2021-12-06T00:00:00Z"));
      expect(dec.map((g) => g.symbol)).to.deep.equal(["BTC", "ETH"]);
      for (const g of dec) {
        expect(g.buckets).to.equal(624);
        expect(g.endT).to.equal(utc("2021-12-31T23:00:00Z"));
        expect(g.reason).to.equal("longer-than-maxGap");
      }
      expect(report.unfilled).to.have.length(2);
      // the 23 short outage hours (README) are filled for each asset
      const hoursFilled = (sym: string) =>
        report.filled.filter((g) => g.symbol === sym).reduce((a, g) => a + g.buckets, 0);
      expect(hoursFilled("BTC")).to.equal(23);
      expect(hoursFilled("ETH")).to.equal(23);
      const k = filled.t.indexOf(utc("2021-12-15T00:00:00Z"));
      expect(filled.prices[k]).to.deep.equal([null, null]);
    });

    it("daily closes resampled from hourly bars match the daily file (median |diff| < 0.3%)", async () => {
      const h = await loadPriceCsvFile(HOURLY, { symbols: ["BTC"], from: utc("2019-01-01") });
      const d = await loadPriceCsvFile(DAILY, { symbols: ["BTC"], from: utc("2019-01-01") });
      const fromHourly = new Map(resampleLast(h.BTC, "daily").map((p) => [p.t, p.price]));
      const diffs = d.BTC.filter((p) => fromHourly.has(p.t)).map((p) =>
        Math.abs(fromHourly.get(p.t)! / p.price - 1),
      );
      expect(diffs.length).to.be.greaterThan(1500);
      expect(quantile(diffs, 0.5)).to.be.lessThan(0.003);
      expect(DAY).to.equal(86400);
    });
  });
});
