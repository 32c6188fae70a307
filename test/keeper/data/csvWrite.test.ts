import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadPriceCsvFile, parsePriceCsv } from "../../../keeper/src/data/csv.ts";
import type { PriceField } from "../../../keeper/src/data/csv.ts";
import {
  formatPriceCsv,
  formatTimeCell,
  seriesToOhlcv,
  writeTextFileAtomic,
} from "../../../keeper/src/data/csvWrite.ts";
import type { CsvTimeFormat, OhlcvPoint } from "../../../keeper/src/data/csvWrite.ts";
import { DataError } from "../../../keeper/src/data/types.ts";
import type { SeriesBySymbol } from "../../../keeper/src/data/types.ts";

const utc = (s: string): number => Date.parse(s) / 1000;
const FIELDS: PriceField[] = ["open", "high", "low", "close"];

/** Any positive finite double, including subnormals and huge values. */
const price = fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true });
const symbol = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,7}$/);

/** Random series: distinct symbols, each with distinct times produced by `time`. */
function seriesArb(time: fc.Arbitrary<number>): fc.Arbitrary<SeriesBySymbol> {
  return fc
    .uniqueArray(symbol, { minLength: 1, maxLength: 4 })
    .chain((syms) =>
      fc.tuple(
        ...syms.map((s) =>
          fc
            .uniqueArray(fc.record({ t: time, price }), {
              minLength: 1,
              maxLength: 12,
              selector: (p) => p.t,
            })
            .map((pts) => [s, pts] as const),
        ),
      ),
    )
    .map((entries) => Object.fromEntries(entries));
}

function sorted(s: SeriesBySymbol): SeriesBySymbol {
  const out: SeriesBySymbol = {};
  for (const k of Object.keys(s)) out[k] = [...s[k]].sort((a, b) => a.t - b.t);
  return out;
}

const TIMES: Record<CsvTimeFormat, fc.Arbitrary<number>> = {
  iso: fc.integer({ min: 0, max: 1e11 - 1 }),
  unix: fc.integer({ min: 0, max: 1e11 - 1 }),
  date: fc.integer({ min: 0, max: 1_000_000 }).map((d) => d * 86400),
};

describe("data/csvWrite", () => {
  describe("formatPriceCsv → parsePriceCsv round trip", () => {
    for (const format of ["iso", "date", "unix"] as const) {
      it(`gives back exactly the written series (time format ${format})`, () => {
        fc.assert(
          fc.property(seriesArb(TIMES[format]), (series) => {
            const text = formatPriceCsv(seriesToOhlcv(series), { time: format });
            expect(parsePriceCsv(text)).to.deep.equal(sorted(series));
          }),
          { numRuns: 200 },
        );
      });
    }

    it("round-trips every OHLC field exactly, writes empty cells for missing values", () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(
            fc.record({
              t: TIMES.iso,
              open: price,
              high: price,
              low: price,
              close: price,
              volume: fc.option(fc.double({ min: 0, max: 1e30, noNaN: true }), { nil: undefined }),
            }),
            { minLength: 1, maxLength: 20, selector: (p) => p.t },
          ),
          (points) => {
            const text = formatPriceCsv({ ETH: points });
            for (const f of FIELDS) {
              const want = [...points]
                .sort((a, b) => a.t - b.t)
                .map((p) => ({ t: p.t, price: p[f] }));
              expect(parsePriceCsv(text, { field: f })).to.deep.equal({ ETH: want });
            }
          },
        ),
        { numRuns: 100 },
      );
    });

    it("writes a NaN field as an empty cell: the close still reads, that field does not", () => {
      const text = formatPriceCsv({ BTC: [{ t: 0, open: NaN, close: 5, volume: Infinity }] });
      expect(text).to.equal(
        "ts_utc,symbol,open,high,low,close,volume\n1970-01-01T00:00:00Z,BTC,,,,5,\n",
      );
      expect(parsePriceCsv(text)).to.deep.equal({ BTC: [{ t: 0, price: 5 }] });
      expect(() => parsePriceCsv(text, { field: "open" }))
        .to.throw(DataError)
        .with.property("code", "CSV_ROW");
    });
  });

  it("sorts rows by time, then in symbolOrder, with the documented header and time cells", () => {
    const d1 = utc("2024-01-01T00:00:00Z");
    const d2 = utc("2024-01-02T00:00:00Z");
    const data = {
      WBTC: [
        { t: d2, close: 43000.5 },
        { t: d1, close: 42000.25, open: 41000, high: 42500, low: 40900, volume: 12.5 },
      ],
      WETH: [{ t: d1, close: 2300.1 }],
    };
    expect(formatPriceCsv(data, { time: "date", symbolOrder: ["WETH", "WBTC"] })).to.equal(
      [
        "date,symbol,open,high,low,close,volume",
        "2024-01-01,WETH,,,,2300.1,",
        "2024-01-01,WBTC,41000,42500,40900,42000.25,12.5",
        "2024-01-02,WBTC,,,,43000.5,",
        "",
      ].join("\n"),
    );
    expect(formatPriceCsv(data, { time: "unix" }).split("\n")[0]).to.equal(
      "timestamp,symbol,open,high,low,close,volume",
    );
    expect(formatPriceCsv(data).split("\n")[1]).to.equal(
      "2024-01-01T00:00:00Z,WBTC,41000,42500,40900,42000.25,12.5",
    );
  });

  it("formatTimeCell writes each format and rejects times the reader would misread", () => {
    const t = utc("2024-03-05T07:08:09Z");
    expect(formatTimeCell(t)).to.equal("2024-03-05T07:08:09Z");
    expect(formatTimeCell(t, "unix")).to.equal(String(t));
    expect(formatTimeCell(utc("2024-03-05"), "date")).to.equal("2024-03-05");
    expect(() => formatTimeCell(t, "date")).to.throw(DataError, /not 00:00 UTC/);
    expect(() => formatTimeCell(t + 0.5)).to.throw(DataError, /integer/);
    expect(() => formatTimeCell(-1)).to.throw(DataError);
    expect(() => formatTimeCell(1e11, "unix")).to.throw(DataError); // would be read as ms
  });

  it("rejects what the reader would reject or misread: duplicates, bad prices, unsafe symbols", () => {
    const bad = (data: Record<string, OhlcvPoint[]>, re: RegExp) =>
      expect(() => formatPriceCsv(data))
        .to.throw(DataError, re)
        .with.property("code", "INVALID_ARGUMENT");
    bad(
      {
        ETH: [
          { t: 0, close: 1 },
          { t: 0, close: 2 },
        ],
      },
      /duplicate ETH/,
    );
    bad({ ETH: [{ t: 0, close: 0 }] }, /bad close 0/);
    bad({ ETH: [{ t: 0, close: NaN }] }, /bad close NaN/);
    bad({ ETH: [{ t: 0 }] }, /bad close undefined/);
    bad({ "E,TH": [{ t: 0, close: 1 }] }, /symbol/);
    bad({ 'E"TH': [{ t: 0, close: 1 }] }, /symbol/);
    bad({ " ETH": [{ t: 0, close: 1 }] }, /symbol/);
    bad({ "": [{ t: 0, close: 1 }] }, /symbol/);
    expect(() =>
      formatPriceCsv({ ETH: [{ t: 0, close: 1 }] }, { required: ["close", "open"] }),
    ).to.throw(DataError, /bad open/);
  });

  it("writeTextFileAtomic writes a file loadPriceCsvFile reads, refuses to overwrite unless asked", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ballast-csvwrite-"));
    const file = path.join(dir, "sub", "prices.csv");
    const series = { WETH: [{ t: utc("2024-01-01"), price: 2281.87 }] };
    await writeTextFileAtomic(file, formatPriceCsv(seriesToOhlcv(series)));
    expect(await loadPriceCsvFile(file)).to.deep.equal(series);
    let err: unknown;
    try {
      await writeTextFileAtomic(file, "other");
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).to.equal("EEXIST");
    expect(readFileSync(file, "utf8")).to.contain("2281.87");
    await writeTextFileAtomic(file, "replaced\n", { overwrite: true });
    expect(readFileSync(file, "utf8")).to.equal("replaced\n");
    expect(readdirSync(path.dirname(file))).to.deep.equal(["prices.csv"]); // no temp file left
    writeFileSync(path.join(dir, "keep.txt"), "x");
    expect(readdirSync(dir).sort()).to.deep.equal(["keep.txt", "sub"]);
  });
});
