import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { black76Price } from "../../../keeper/src/derivatives/black.ts";
import {
  expiryFromInstrumentName,
  parseDeribitCsv,
  processChain,
  smilePoints,
} from "../../../keeper/src/derivatives/chain.ts";
import { DerivativesError } from "../../../keeper/src/derivatives/errors.ts";
import type { FittedChain } from "../../../keeper/src/derivatives/pipeline.ts";
import { fitChainSmiles } from "../../../keeper/src/derivatives/pipeline.ts";
import { skewMeasures } from "../../../keeper/src/derivatives/skew.ts";
import type { SviParams } from "../../../keeper/src/derivatives/svi.ts";
import {
  checkButterfly,
  checkCalendar,
  fitSvi,
  gatheralG,
  sviConstraintViolations,
  sviTotalVariance,
} from "../../../keeper/src/derivatives/svi.ts";

const DATA_DIR = process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
const CHAIN_CSV = path.join(DATA_DIR, "deribit_btc_options_2025-12-05.csv");

describe("derivatives/chain: CSV parsing and processing", () => {
  const header =
    "snapshot_utc,underlying,instrument_name,expiry_utc,strike,option_type,underlying_price,mark_price,bid_price,ask_price,mark_iv,open_interest";
  const F = 100000;
  const T =
    (Date.parse("2026-01-05T08:00:00Z") - Date.parse("2025-12-06T08:00Z")) / (365 * 86400e3);
  const coin = (type: "call" | "put", K: number, vol: number): number =>
    black76Price({ type, forward: F, strike: K, T, vol }) / F;
  const csv = [
    header,
    `2025-12-06T08:00Z,BTC,BTC-5JAN26-90000-P,2026-01-05T08:00:00Z,90000,put,${F},,${coin("put", 90000, 0.5)},${coin("put", 90000, 0.52)},51,10`,
    `2025-12-06T08:00Z,BTC,BTC-5JAN26-110000-C,2026-01-05T08:00:00Z,110000,call,${F},,${coin("call", 110000, 0.45)},${coin("call", 110000, 0.47)},46,3`,
    `2025-12-06T08:00Z,BTC,BTC-5JAN26-120000-C,2026-01-05T08:00:00Z,120000,call,${F},,,0.001,50,0`,
    `2025-12-06T08:00Z,BTC,BTC-5JAN26-60000-C,2026-01-05T08:00:00Z,60000,C,${F},,0.3,0.41,80,1`,
  ].join("\n");

  it("parses the documented columns, converts coin prices to USD and inverts bid/ask/mid IVs", () => {
    const rows = parseDeribitCsv(csv);
    expect(rows).to.have.length(4);
    expect(rows[3].type).to.equal("call");
    expect(rows[2].bidPrice).to.equal(null);
    const [e] = processChain(rows);
    expect(e.T).to.be.closeTo(T, 1e-12);
    expect(e.forward).to.equal(F);
    expect(e.droppedNoQuote).to.equal(1); // the 120000 call has no bid
    const put = e.quotes.find((q) => q.strike === 90000)!;
    expect(put.bidUsd).to.be.closeTo(coin("put", 90000, 0.5) * F, 1e-9);
    expect(put.ivBid!).to.be.closeTo(0.5, 1e-9);
    expect(put.ivAsk!).to.be.closeTo(0.52, 1e-9);
    expect(put.ivMid!).to.be.within(0.5, 0.52);
    expect(put.otm).to.equal(true);
    expect(put.ivMark).to.be.closeTo(0.51, 1e-12);
    // Deep ITM call whose bid (0.3 BTC = 30000 USD) is below intrinsic (40000): bid IV null + reason.
    const itm = e.quotes.find((q) => q.strike === 60000)!;
    expect(itm.ivBid).to.equal(null);
    expect(itm.ivIssues.join()).to.contain("PRICE_OUTSIDE_ARBITRAGE_BOUNDS");
    expect(smilePoints(e).map((p) => p.k)).to.deep.equal([Math.log(0.9), Math.log(1.1)]);
  });

  it("rejects malformed input with CHAIN_PARSE and reads the expiry from the instrument name", () => {
    expect(() => parseDeribitCsv("strike,option_type\n1,call"))
      .to.throw(DerivativesError)
      .with.property("code", "CHAIN_PARSE");
    expect(() => parseDeribitCsv(csv.replace(",put,", ",straddle,")))
      .to.throw(DerivativesError)
      .with.property("code", "CHAIN_PARSE");
    expect(() => parseDeribitCsv(csv.replace(",90000,put", ",abc,put"))).to.throw(/not a number/);
    expect(expiryFromInstrumentName("BTC-26DEC25-90000-C")).to.equal("2025-12-26T08:00:00.000Z");
    const noExpiryCol =
      "instrument_name,strike,option_type,underlying_price,bid_price,ask_price\nBTC-6DEC25-90000-P,90000,put,92000,0.001,0.002";
    expect(parseDeribitCsv(noExpiryCol)[0].expiryUtc).to.equal("2025-12-06T08:00:00.000Z");
  });
});

describe("derivatives/svi: fit and arbitrage checks (synthetic)", () => {
  const truth: SviParams = { a: 0.01, b: 0.12, rho: -0.4, m: 0.05, sigma: 0.2 };
  const T = 0.25;

  it("recovers a known SVI smile from exact vols", () => {
    const pts = Array.from({ length: 25 }, (_, i) => {
      const k = -0.6 + (1.0 * i) / 24;
      return { k, iv: Math.sqrt(sviTotalVariance(truth, k) / T) };
    });
    const fit = fitSvi(pts, T);
    expect(fit.rmseVol).to.be.below(1e-6);
    for (const key of ["a", "b", "rho", "m", "sigma"] as const) {
      expect(fit.params[key], key).to.be.closeTo(truth[key], 1e-3);
    }
    expect(sviConstraintViolations(fit.params)).to.deep.equal([]);
    expect(fit.leeOk).to.equal(true);
  });

  it("flags parameter violations and butterfly arbitrage (g < 0) on a known-bad slice", () => {
    expect(sviConstraintViolations({ a: -0.1, b: 0.1, rho: 0, m: 0, sigma: 0.1 })).to.have.length(
      1,
    );
    expect(sviConstraintViolations({ a: 0.1, b: -1, rho: 1.2, m: 0, sigma: 0 })).to.have.length(4); // incl. the NaN minimum
    // Axel Vogt's example (Gatheral & Jacquier 2014): raw SVI with butterfly arbitrage.
    const vogt: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };
    const rep = checkButterfly(vogt, -1.5, 1.5);
    expect(rep.ok).to.equal(false);
    expect(rep.violationCount).to.be.greaterThan(0);
    expect(rep.minG).to.be.below(0);
    expect(gatheralG(vogt, rep.kAtMinG)).to.equal(rep.minG);
    expect(checkButterfly(truth, -1.5, 1.5).ok).to.equal(true);
  });

  it("detects calendar arbitrage when total variance decreases in T", () => {
    const near = { T: 0.1, params: truth };
    const farOk = { T: 0.2, params: { ...truth, a: truth.a + 0.01 } };
    const farBad = { T: 0.2, params: { ...truth, a: truth.a - 0.005 } };
    expect(checkCalendar([near, farOk], -1, 1).ok).to.equal(true);
    const bad = checkCalendar([farBad, near], -1, 1);
    expect(bad.ok).to.equal(false);
    expect(bad.violations[0].w2).to.be.below(bad.violations[0].w1);
  });

  it("needs at least 5 points", () => {
    expect(() => fitSvi([{ k: 0, iv: 0.5 }], 0.1))
      .to.throw(DerivativesError)
      .with.property("code", "INVALID_INPUT");
  });
});

describe("derivatives/svi: real Deribit BTC snapshot 2025-12-05", function () {
  let fitted: FittedChain;
  before(function () {
    if (!existsSync(CHAIN_CSV)) {
      console.log(`skipping: ${CHAIN_CSV} not found (set BALLAST_DATA_DIR)`);
      this.skip();
    }
    const chain = processChain(parseDeribitCsv(readFileSync(CHAIN_CSV, "utf8")));
    fitted = fitChainSmiles(chain);
  });

  // Measured RMSE (mid IV, OTM quotes, equal weights): 19DEC25 0.12, 30JAN26 0.17, 27MAR26 0.30 vol pts;
  // worst of all 11 expiries 1.09 (6DEC25, 1 day, wide spreads) and 0.97 (26DEC25, 47 strikes from k = −0.84 to +0.45).
  const chosen: [string, number][] = [
    ["2025-12-19", 0.005],
    ["2026-01-30", 0.005],
    ["2026-03-27", 0.005],
  ];
  for (const [day, bound] of chosen) {
    it(`fits SVI to ${day} with RMSE < ${bound * 100} vol pts and no butterfly violation on the quoted range`, () => {
      const e = fitted.expiries.find((x) => x.expiryUtc.startsWith(day))!;
      expect(e, day).to.not.equal(undefined);
      expect(e.fit.n).to.be.at.least(20);
      expect(e.fit.rmseVol).to.be.below(bound);
      expect(sviConstraintViolations(e.fit.params)).to.deep.equal([]);
      expect(e.butterfly.ok, JSON.stringify(e.butterfly.violations)).to.equal(true);
    });
  }

  it("fits all 11 expiries under 1.5 vol pts RMSE, butterfly-free on the quoted range, calendar-free on overlaps", () => {
    expect(fitted.expiries).to.have.length(11);
    expect(fitted.skipped).to.deep.equal([]);
    for (const e of fitted.expiries) {
      expect(e.fit.rmseVol, e.expiryUtc).to.be.below(0.015);
      expect(e.butterfly.ok, e.expiryUtc).to.equal(true);
    }
    expect(fitted.calendar.ok, JSON.stringify(fitted.calendar.violations.slice(0, 3))).to.equal(
      true,
    );
  });

  it("shows puts richer than calls: 25Δ risk reversal (call − put) is negative on every expiry", () => {
    // Measured: RR25 from −3.2 (25SEP26) to −6.5 (19DEC25) vol pts; BF25 +0.7..+1.0 vol pts.
    for (const e of fitted.expiries) {
      const s = skewMeasures(e.smile);
      expect(s.riskReversal, e.expiryUtc).to.be.below(-0.02);
      expect(s.butterfly, e.expiryUtc).to.be.within(0, 0.03);
      expect(s.putStrike).to.be.below(e.forward);
      expect(s.callStrike).to.be.above(e.forward);
    }
  });
});
