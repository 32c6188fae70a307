import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import { existsSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import {
  decodeCsvBytes,
  loadPriceCsvFile,
  parsePriceCsv,
  parseTimeCell,
} from "../../../keeper/src/data/csv.ts";
import { DataError } from "../../../keeper/src/data/types.ts";

const DATA_DIR = process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
const DAILY = path.join(DATA_DIR, "crypto_daily_usd.csv");
const HOURLY = path.join(DATA_DIR, "btc_eth_hourly_binance_spot.csv.gz");
const utc = (s: string): number => Date.parse(s) / 1000;

describe("data/csv", () => {
  describe("parseTimeCell", () => {
    it("accepts dates, ISO date-times and unix seconds / milliseconds", () => {
      expect(parseTimeCell("2021-04-14")).to.equal(utc("2021-04-14T00:00:00Z"));
      expect(parseTimeCell("2017-08-17T05:00:00Z")).to.equal(utc("2017-08-17T05:00:00Z"));
      expect(parseTimeCell("2017-08-17 05:00")).to.equal(utc("2017-08-17T05:00:00Z"));
      expect(parseTimeCell("2017-08-17T05:00:00+00:00")).to.equal(utc("2017-08-17T05:00:00Z"));
      expect(parseTimeCell("1700000000")).to.equal(1700000000);
      expect(parseTimeCell("1700000000000")).to.equal(1700000000);
    });
    it("rejects impossible or zoned dates", () => {
      expect(parseTimeCell("2021-02-30")).to.be.NaN;
      expect(parseTimeCell("2021-01-01T25:00:00Z")).to.be.NaN;
      expect(parseTimeCell("2021-01-01T05:00:00+02:00")).to.be.NaN;
      expect(parseTimeCell("yesterday")).to.be.NaN;
    });
  });

  describe("parsePriceCsv", () => {
    const text =
      "\uFEFFdate,symbol,open,high,low,close,volume\r\n" +
      "2020-01-02,BTC,1,1,1,11,5\r\n" +
      "2020-01-01,BTC,1,1,1,10,5\r\n" +
      "2020-01-01,ETH,1,1,1,1.5,5\r\n" +
      "\r\n";

    it("splits the long format into sorted per-symbol series", () => {
      const s = parsePriceCsv(text);
      expect(Object.keys(s)).to.deep.equal(["BTC", "ETH"]);
      expect(s.BTC).to.deep.equal([
        { t: utc("2020-01-01T00:00:00Z"), price: 10 },
        { t: utc("2020-01-02T00:00:00Z"), price: 11 },
      ]);
      expect(s.ETH).to.deep.equal([{ t: utc("2020-01-01T00:00:00Z"), price: 1.5 }]);
    });

    it("honours field, symbol and time filters", () => {
      const s = parsePriceCsv(text, { field: "open", symbols: ["BTC"], from: utc("2020-01-02") });
      expect(s).to.deep.equal({ BTC: [{ t: utc("2020-01-02"), price: 1 }] });
    });

    it("accepts the hourly layout with an extra source column", () => {
      const s = parsePriceCsv(
        "ts_utc,symbol,open,high,low,close,volume,source\n" +
          "2017-08-17T05:00:00Z,BTC,4308.83,4328.69,4291.37,4315.32,23.23,andrewsiah/x\n",
      );
      expect(s.BTC).to.deep.equal([{ t: utc("2017-08-17T05:00:00Z"), price: 4315.32 }]);
    });

    it("throws typed errors with line numbers", () => {
      const bad = (body: string) => () => parsePriceCsv("date,symbol,close\n" + body);
      expect(() => parsePriceCsv("foo,bar\n1,2"))
        .to.throw(DataError)
        .with.property("code", "CSV_HEADER");
      expect(bad("2020-01-01,BTC,-1")).to.throw(DataError).with.property("line", 2);
      expect(bad("2020-01-01,BTC,abc")).to.throw(DataError).with.property("code", "CSV_ROW");
      expect(bad("2020-01-01,BTC,")).to.throw(DataError).with.property("code", "CSV_ROW");
      expect(bad("2020-13-01,BTC,1")).to.throw(DataError).with.property("code", "CSV_ROW");
      expect(bad("2020-01-01,BTC,1,2")).to.throw(DataError).with.property("code", "CSV_ROW");
      expect(bad('2020-01-01,"BTC",1')).to.throw(DataError).with.property("code", "CSV_ROW");
      expect(bad("2020-01-01,BTC,1\n2020-01-01,BTC,2"))
        .to.throw(DataError)
        .with.property("code", "DUPLICATE_TIMESTAMP");
      const kept = parsePriceCsv("date,symbol,close\n2020-01-01,BTC,1\n2020-01-01,BTC,2", {
        duplicates: "keep-last",
      });
      expect(kept.BTC).to.deep.equal([{ t: utc("2020-01-01"), price: 2 }]);
    });

    it("decodes gzip by magic bytes and plain text otherwise", () => {
      const plain = "date,symbol,close\n2020-01-01,BTC,1\n";
      expect(decodeCsvBytes(gzipSync(Buffer.from(plain)))).to.equal(plain);
      expect(decodeCsvBytes(Buffer.from(plain))).to.equal(plain);
    });
  });

  describe("real files in ../shared/data", () => {
    before(function () {
      if (!existsSync(DAILY) || !existsSync(HOURLY)) {
        console.log(`skipping real-data tests: ${DATA_DIR} has no crypto files`);
        this.skip();
      }
    });

    it("loads the daily file: 12 symbols, 25,745 rows, README spot checks", async () => {
      const s = await loadPriceCsvFile(DAILY);
      expect(Object.keys(s)).to.have.length(12);
      const rows = Object.values(s).reduce((a, v) => a + v.length, 0);
      expect(rows).to.equal(25745);
      expect(s.BTC[0].t).to.equal(utc("2014-09-17"));
      expect(s.BTC[s.BTC.length - 1].t).to.equal(utc("2023-12-31"));
      const at = (sym: string, d: string) => s[sym].find((p) => p.t === utc(d))!.price;
      expect(at("BTC", "2021-04-13")).to.be.closeTo(63503, 1);
      expect(at("BTC", "2021-04-14")).to.be.closeTo(63110, 1);
      expect(at("ETH", "2020-03-12")).to.be.closeTo(112.3, 0.1);
      expect(at("BTC", "2022-11-09")).to.be.closeTo(15881, 1);
      // no missing calendar days (README): consecutive dates 86400 s apart
      for (const series of Object.values(s)) {
        for (let k = 1; k < series.length; k++)
          expect(series[k].t - series[k - 1].t).to.equal(86400);
      }
    });

    it("loads the gzipped hourly file: BTC and ETH, 55,220 rows each", async () => {
      const s = await loadPriceCsvFile(HOURLY);
      expect(Object.keys(s)).to.deep.equal(["BTC", "ETH"]);
      expect(s.BTC).to.have.length(55220);
      expect(s.ETH).to.have.length(55220);
      expect(s.BTC[0].t).to.equal(utc("2017-08-17T05:00:00Z"));
      expect(s.BTC[s.BTC.length - 1].t).to.equal(utc("2023-12-31T23:00:00Z"));
      const eth = s.ETH.find((p) => p.t === utc("2022-06-15T23:00:00Z"))!;
      expect(eth.price).to.be.within(1200, 1260);
    });
  });
});
