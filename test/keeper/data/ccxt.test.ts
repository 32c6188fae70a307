import { expect } from "chai";
import { alignSeries, forwardFill, logReturns } from "../../../keeper/src/data/align.ts";
import {
  CCXT_INSTALL_COMMAND,
  CcxtError,
  candlesToSeries,
  createCcxtExchange,
  createRequestSpacer,
  fetchCcxtSeries,
  fetchOhlcvCandles,
  isTransientCcxtError,
  loadCcxt,
  marketSymbolFor,
  timeframeSeconds,
} from "../../../keeper/src/data/ccxt.ts";
import type { CcxtExchangeLike, OhlcvRow } from "../../../keeper/src/data/ccxt.ts";
import { parsePriceCsv } from "../../../keeper/src/data/csv.ts";
import { HOUR } from "../../../keeper/src/data/types.ts";

// Everything here is offline: exchanges are fakes with a ccxt-shaped fetchOHLCV.

const utc = (s: string): number => Date.parse(s) / 1000;
const T0 = utc("2023-03-01T00:00:00Z");
const FAR_FUTURE_MS = utc("2030-01-01T00:00:00Z") * 1000;
const noSleep = async (): Promise<void> => {};
const fast = { now: () => FAR_FUTURE_MS, sleep: noSleep, minIntervalMs: 0 };

/** Deterministic close of `market` at open time t (seconds). */
function closeAt(market: string, t: number): number {
  const k = (t - T0) / HOUR;
  const base = market.startsWith("BTC") ? 20000 : 1500;
  return Math.round(base * (1 + 0.05 * Math.sin(k / 7) + 0.0001 * k) * 100) / 100;
}

function row(t: number, close: number): OhlcvRow {
  return [t * 1000, close * 0.999, close * 1.01, close * 0.99, close, 12.5];
}

interface Call {
  symbol: string;
  timeframe?: string;
  since?: number;
  limit?: number;
}

interface FakeOptions {
  /** Open times (seconds) the exchange has, per market; default hourly [T0, T0 + n h). */
  times?: Record<string, number[]>;
  /** Candles to repeat from before `since` (overlapping pages). */
  overlap?: number;
  /** Also repeat each page's first candle inside the page. */
  dupInPage?: boolean;
  /** Ignore `since` and always return the first page. */
  ignoreSince?: boolean;
  rateLimit?: number;
  timeframes?: Record<string, string>;
  markets?: Record<string, unknown>;
  /** Called before each answer; may throw. */
  hook?: (call: Call, n: number) => void;
  /** Adds to the close of every candle served after the first request (a refetch has new values). */
  refetchBump?: number;
}

function fakeExchange(opts: FakeOptions = {}): CcxtExchangeLike & { calls: Call[] } {
  const calls: Call[] = [];
  const hourly = (n: number) => Array.from({ length: n }, (_, i) => T0 + i * HOUR);
  const times = opts.times ?? { "ETH/USDT": hourly(48), "BTC/USDT": hourly(48) };
  return {
    id: "fakeex",
    rateLimit: opts.rateLimit ?? 0,
    timeframes: opts.timeframes ?? { "1h": "1h", "1d": "1d" },
    has: { fetchOHLCV: true },
    markets: opts.markets,
    calls,
    async fetchOHLCV(symbol, timeframe, since, limit) {
      const call = { symbol, timeframe, since, limit };
      calls.push(call);
      opts.hook?.(call, calls.length);
      const ts = times[symbol] ?? [];
      let start = opts.ignoreSince ? 0 : ts.findIndex((t) => t * 1000 >= (since ?? 0));
      if (start < 0) return [];
      start = Math.max(0, start - (opts.overlap ?? 0));
      const slice = ts.slice(start, start + (limit ?? 500));
      const bump = calls.length > 1 ? (opts.refetchBump ?? 0) : 0;
      const rows = slice.map((t) => row(t, closeAt(symbol, t) + bump));
      if (opts.dupInPage && rows.length > 0) rows.splice(1, 0, rows[0]);
      return rows;
    },
  };
}

async function expectCcxtError(p: Promise<unknown>, code: string): Promise<CcxtError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(CcxtError);
    expect((e as CcxtError).code).to.equal(code);
    return e as CcxtError;
  }
  expect.fail(`expected CcxtError ${code}`);
}

describe("data/ccxt", () => {
  describe("timeframes and market symbols", () => {
    it("knows 1h and 1d and rejects unknown timeframes with a typed error", () => {
      expect(timeframeSeconds("1h")).to.equal(3600);
      expect(timeframeSeconds("1d")).to.equal(86400);
      for (const bad of ["3h", "1w", "", "1H", "constructor"]) {
        expect(() => timeframeSeconds(bad))
          .to.throw(CcxtError)
          .with.property("code", "CCXT_TIMEFRAME");
      }
    });

    it("rejects a timeframe the exchange does not publish, naming the exchange", () => {
      const ex = fakeExchange({ timeframes: { "1h": "60" } });
      expect(timeframeSeconds("1h", ex)).to.equal(3600);
      expect(() => timeframeSeconds("1d", ex))
        .to.throw(CcxtError, /exchange=fakeex/)
        .with.property("code", "CCXT_TIMEFRAME");
    });

    it("maps assets to markets: wrapped tokens, overrides, quote, pass-through", () => {
      expect(marketSymbolFor("WETH")).to.equal("ETH/USDT");
      expect(marketSymbolFor("WBTC")).to.equal("BTC/USDT");
      expect(marketSymbolFor("LINK")).to.equal("LINK/USDT");
      expect(marketSymbolFor("LINK", {}, "USD")).to.equal("LINK/USD");
      expect(marketSymbolFor("WETH", { WETH: "ETH/USDC" })).to.equal("ETH/USDC");
      expect(marketSymbolFor("ETH/BTC")).to.equal("ETH/BTC");
      expect(() => marketSymbolFor(" "))
        .to.throw(CcxtError)
        .with.property("code", "CCXT_INVALID_ARGUMENT");
    });
  });

  describe("fetchOhlcvCandles", () => {
    it("paginates by since across pages until the requested end", async () => {
      const n = 2500;
      const times = Array.from({ length: n + 100 }, (_, i) => T0 + i * HOUR);
      const ex = fakeExchange({ times: { "ETH/USDT": times } });
      const to = T0 + (n - 1) * HOUR;
      const res = await fetchOhlcvCandles(ex, "ETH/USDT", { ...fast, from: T0, to, limit: 1000 });
      expect(res.candles.length).to.equal(n);
      expect(res.candles[0].t).to.equal(T0);
      expect(res.candles[n - 1].t).to.equal(to);
      expect(res.pages).to.equal(3);
      expect(res.stoppedBecause).to.equal("reachedEnd");
      expect(ex.calls.map((c) => c.since)).to.deep.equal([
        T0 * 1000,
        (T0 + 1000 * HOUR) * 1000,
        (T0 + 2000 * HOUR) * 1000,
      ]);
      expect(ex.calls.every((c) => c.timeframe === "1h" && c.limit === 1000)).to.equal(true);
      // the third page returned 100 candles past `to`; they were dropped, not kept
      expect(res.outOfRange).to.equal(100);
      expect(res.missing).to.equal(0);
      expect(res.candles[17].close).to.equal(closeAt("ETH/USDT", T0 + 17 * HOUR));
    });

    it("deduplicates overlapping pages and in-page repeats, keeping the later copy, sorted", async () => {
      const ex = fakeExchange({ overlap: 3, dupInPage: true, refetchBump: 1 });
      const res = await fetchOhlcvCandles(ex, "ETH/USDT", {
        ...fast,
        from: T0,
        to: T0 + 47 * HOUR,
        limit: 10,
      });
      const ts = res.candles.map((c) => c.t);
      expect(ts).to.deep.equal(Array.from({ length: 48 }, (_, i) => T0 + i * HOUR));
      expect(res.duplicates).to.be.greaterThan(0);
      // pages 2+ start 3 candles back: each overlap candle was refetched, with the bumped close
      expect(ex.calls.length).to.be.greaterThan(4);
      expect(res.candles[9].close).to.equal(closeAt("ETH/USDT", T0 + 9 * HOUR) + 1);
      expect(res.candles[0].close).to.equal(closeAt("ETH/USDT", T0));
    });

    it("sorts candles an exchange returns out of order", async () => {
      const ex = fakeExchange();
      const inner = ex.fetchOHLCV.bind(ex);
      ex.fetchOHLCV = async (...a) => [...(await inner(...a))].reverse();
      const res = await fetchOhlcvCandles(ex, "BTC/USDT", {
        ...fast,
        from: T0,
        to: T0 + 47 * HOUR,
      });
      const ts = res.candles.map((c) => c.t);
      expect(ts).to.deep.equal([...ts].sort((a, b) => a - b));
      expect(ts.length).to.equal(48);
    });

    it("terminates on an empty page when the exchange has no more data", async () => {
      const ex = fakeExchange();
      const res = await fetchOhlcvCandles(ex, "ETH/USDT", {
        ...fast,
        from: T0,
        to: T0 + 1000 * HOUR,
        limit: 20,
      });
      expect(res.candles.length).to.equal(48);
      expect(res.stoppedBecause).to.equal("emptyPage");
      expect(res.pages).to.equal(4); // 20 + 20 + 8 + empty
    });

    it("returns an empty result for an unknown range and reports it", async () => {
      const ex = fakeExchange();
      const res = await fetchOhlcvCandles(ex, "ETH/USDT", {
        ...fast,
        from: T0 + 500 * HOUR,
        to: T0 + 600 * HOUR,
      });
      expect(res.candles).to.deep.equal([]);
      expect(res.stoppedBecause).to.equal("emptyPage");
      expect(res.pages).to.equal(1);
    });

    it("stops instead of looping when the exchange ignores since", async () => {
      const ex = fakeExchange({ ignoreSince: true });
      const res = await fetchOhlcvCandles(ex, "ETH/USDT", {
        ...fast,
        from: T0,
        to: T0 + 47 * HOUR,
        limit: 10,
      });
      expect(res.stoppedBecause).to.equal("noProgress");
      expect(res.pages).to.equal(2);
      expect(res.candles.length).to.equal(10);
    });

    it("honours maxPages", async () => {
      const ex = fakeExchange();
      const res = await fetchOhlcvCandles(ex, "ETH/USDT", {
        ...fast,
        from: T0,
        to: T0 + 47 * HOUR,
        limit: 5,
        maxPages: 2,
      });
      expect(res.stoppedBecause).to.equal("maxPages");
      expect(res.candles.length).to.equal(10);
      expect(ex.calls.length).to.equal(2);
    });

    it("counts missing candle slots (exchange outages)", async () => {
      const times = Array.from({ length: 48 }, (_, i) => T0 + i * HOUR).filter(
        (t) => t < T0 + 10 * HOUR || t >= T0 + 15 * HOUR,
      );
      const ex = fakeExchange({ times: { "ETH/USDT": times } });
      const res = await fetchOhlcvCandles(ex, "ETH/USDT", {
        ...fast,
        from: T0,
        to: T0 + 47 * HOUR,
      });
      expect(res.missing).to.equal(5);
      expect(res.candles.length).to.equal(43);
    });

    it("drops the candle still forming at `now`", async () => {
      const ex = fakeExchange();
      const now = (T0 + 47 * HOUR + 1800) * 1000; // half-way through the 47th candle
      const res = await fetchOhlcvCandles(ex, "ETH/USDT", {
        ...fast,
        now: () => now,
        from: T0,
      });
      expect(res.candles[res.candles.length - 1].t).to.equal(T0 + 46 * HOUR);
      expect(res.outOfRange).to.equal(1);
      const keep = await fetchOhlcvCandles(fakeExchange(), "ETH/USDT", {
        ...fast,
        now: () => now,
        from: T0,
        dropIncomplete: false,
      });
      expect(keep.candles[keep.candles.length - 1].t).to.equal(T0 + 47 * HOUR);
    });

    it("spaces requests by the exchange rateLimit", async () => {
      let clock = 1_000_000;
      const sleeps: number[] = [];
      const ex = fakeExchange({
        rateLimit: 250,
        hook: () => {
          clock += 50; // each request takes 50 ms
        },
      });
      const res = await fetchOhlcvCandles(ex, "ETH/USDT", {
        now: () => clock,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock += ms;
        },
        dropIncomplete: false,
        from: T0,
        to: T0 + 47 * HOUR,
        limit: 20,
      });
      expect(res.pages).to.equal(3);
      expect(sleeps).to.deep.equal([200, 200]);
    });

    it("a shared spacer spaces requests across calls", async () => {
      let clock = 0;
      const sleeps: number[] = [];
      const spacer = createRequestSpacer(100, {
        now: () => clock,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock += ms;
        },
      });
      await spacer.wait();
      clock += 30;
      await spacer.wait();
      clock += 500;
      await spacer.wait();
      expect(sleeps).to.deep.equal([70]);
      expect(() => createRequestSpacer(-1)).to.throw(CcxtError);
    });

    it("retries transient ccxt errors, then succeeds", async () => {
      class NetworkError extends Error {}
      class RequestTimeout extends NetworkError {}
      const sleeps: number[] = [];
      const ex = fakeExchange({
        hook: (_c, n) => {
          if (n === 1) throw new RequestTimeout("timed out");
        },
      });
      const res = await fetchOhlcvCandles(ex, "ETH/USDT", {
        ...fast,
        minIntervalMs: 100,
        sleep: async (ms) => void sleeps.push(ms),
        from: T0,
        to: T0 + 47 * HOUR,
      });
      expect(res.candles.length).to.equal(48);
      expect(ex.calls.length).to.equal(2);
      expect(sleeps[0]).to.equal(100); // back-off before the retry
      expect(isTransientCcxtError(new RequestTimeout("x"))).to.equal(true);
      expect(isTransientCcxtError(Object.assign(new Error("x"), { name: "RateLimitExceeded" }))).to
        .be.true;
      expect(isTransientCcxtError(new Error("x"))).to.equal(false);
    });

    it("wraps a failed request with exchange, symbol and since", async () => {
      class BadSymbol extends Error {}
      const ex = fakeExchange({
        hook: (_c, n) => {
          if (n === 2) throw new BadSymbol("binance does not have market symbol");
        },
      });
      const err = await expectCcxtError(
        fetchOhlcvCandles(ex, "ETH/USDT", { ...fast, from: T0, to: T0 + 47 * HOUR, limit: 10 }),
        "CCXT_FETCH",
      );
      expect(err.context).to.deep.equal({
        exchangeId: "fakeex",
        symbol: "ETH/USDT",
        timeframe: "1h",
        since: (T0 + 10 * HOUR) * 1000,
      });
      expect(err.message).to.include("exchange=fakeex");
      expect(err.message).to.include("symbol=ETH/USDT");
      expect(err.message).to.include("since=2023-03-01T10:00:00.000Z");
      expect(err.message).to.include("does not have market symbol");
      expect(err.cause).to.be.instanceOf(BadSymbol);
      expect(ex.calls.length).to.equal(2); // not transient: no retry
    });

    it("gives up after the retry budget on persistent transient errors", async () => {
      const ex = fakeExchange({
        hook: () => {
          throw Object.assign(new Error("503"), { name: "ExchangeNotAvailable" });
        },
      });
      const err = await expectCcxtError(
        fetchOhlcvCandles(ex, "ETH/USDT", { ...fast, from: T0, to: T0 + HOUR, retries: 2 }),
        "CCXT_FETCH",
      );
      expect(ex.calls.length).to.equal(3);
      expect(err.message).to.include("after 3 attempt(s)");
    });

    it("rejects bad candles and bad arguments with typed errors", async () => {
      const bad = (rows: OhlcvRow[]): CcxtExchangeLike => ({
        id: "badex",
        fetchOHLCV: async () => rows,
      });
      const o = { ...fast, from: T0, to: T0 + HOUR };
      await expectCcxtError(fetchOhlcvCandles(bad([row(T0, 0)]), "X/Y", o), "CCXT_BAD_CANDLE");
      await expectCcxtError(
        fetchOhlcvCandles(bad([[T0 * 1000, 1, 1, 1, undefined, 1]]), "X/Y", o),
        "CCXT_BAD_CANDLE",
      );
      await expectCcxtError(
        fetchOhlcvCandles(bad([[T0 * 1000 + 0.5, 1, 1, 1, 1, 1]]), "X/Y", o),
        "CCXT_BAD_CANDLE",
      );
      // open is not validated when the close is asked for (ccxt may leave fields undefined)
      const ok = await fetchOhlcvCandles(bad([[T0 * 1000, null, 1, 1, 2, 1]]), "X/Y", o);
      expect(ok.candles[0].close).to.equal(2);
      expect(ok.candles[0].open).to.be.NaN;
      await expectCcxtError(
        fetchOhlcvCandles(bad([]), "X/Y", { ...o, to: T0 - 1 }),
        "CCXT_INVALID_ARGUMENT",
      );
      await expectCcxtError(
        fetchOhlcvCandles(bad([]), "X/Y", { ...o, timeframe: "7m" }),
        "CCXT_TIMEFRAME",
      );
      await expectCcxtError(
        fetchOhlcvCandles({ ...bad([]), has: { fetchOHLCV: false } }, "X/Y", o),
        "CCXT_NO_OHLCV",
      );
    });
  });

  describe("loading ccxt", () => {
    it("throws CCXT_NOT_INSTALLED with the install command when the module is missing", async () => {
      const loader = async () => {
        throw Object.assign(new Error("Cannot find package 'ccxt'"), {
          code: "ERR_MODULE_NOT_FOUND",
        });
      };
      const err = await expectCcxtError(loadCcxt(loader), "CCXT_NOT_INSTALLED");
      expect(err.message).to.include(CCXT_INSTALL_COMMAND);
      expect(CCXT_INSTALL_COMMAND).to.equal("npx -y -p node@22 npm install ccxt");
      await expectCcxtError(createCcxtExchange("binance", { loader }), "CCXT_NOT_INSTALLED");
    });

    it("reports other load failures as CCXT_LOAD_FAILED", async () => {
      const err = await expectCcxtError(
        loadCcxt(async () => {
          throw new SyntaxError("boom");
        }),
        "CCXT_LOAD_FAILED",
      );
      expect(err.message).to.include("boom");
      await expectCcxtError(
        loadCcxt(async () => undefined),
        "CCXT_LOAD_FAILED",
      );
    });

    it("the default loader either loads the real ccxt or says how to install it", async () => {
      try {
        const lib = await loadCcxt();
        expect(lib).to.have.property("binance").that.is.a("function");
      } catch (e) {
        expect(e).to.be.instanceOf(CcxtError);
        expect((e as CcxtError).code).to.equal("CCXT_NOT_INSTALLED");
      }
    });

    it("constructs an exchange by id from the (default export of the) module", async () => {
      const seen: Record<string, unknown>[] = [];
      class fakeex {
        readonly id = "fakeex";
        readonly has = { fetchOHLCV: true };
        constructor(cfg: Record<string, unknown>) {
          seen.push(cfg);
        }
        async fetchOHLCV(): Promise<OhlcvRow[]> {
          return [];
        }
      }
      class noohlcv extends fakeex {
        override readonly has = { fetchOHLCV: false };
      }
      const loader = async () => ({ default: { fakeex, noohlcv, version: "4.0.0" } });
      const ex = await createCcxtExchange("fakeex", { loader, config: { timeout: 5000 } });
      expect(ex.id).to.equal("fakeex");
      expect(seen[0]).to.deep.equal({ enableRateLimit: true, timeout: 5000 });
      await expectCcxtError(createCcxtExchange("nope", { loader }), "CCXT_UNKNOWN_EXCHANGE");
      await expectCcxtError(createCcxtExchange("version", { loader }), "CCXT_UNKNOWN_EXCHANGE");
      await expectCcxtError(createCcxtExchange("noohlcv", { loader }), "CCXT_NO_OHLCV");
      // a namespace without a default export works too
      const ns = await loadCcxt(async () => ({ fakeex }));
      expect(ns.fakeex).to.equal(fakeex);
    });
  });

  describe("fetchCcxtSeries", () => {
    const assets = ["WETH", "WBTC"];
    const markets = { "ETH/USDT": {}, "BTC/USDT": {} };

    it("returns series keyed by asset, with a report per asset", async () => {
      const ex = fakeExchange({ markets });
      const res = await fetchCcxtSeries(ex, assets, { ...fast, from: T0, to: T0 + 47 * HOUR });
      expect(Object.keys(res.series)).to.deep.equal(["WETH", "WBTC"]);
      expect(res.series.WETH[3]).to.deep.equal({
        t: T0 + 3 * HOUR,
        price: closeAt("ETH/USDT", T0 + 3 * HOUR),
      });
      expect(res.reports.map((r) => [r.asset, r.symbol, r.count, r.firstT, r.lastT])).to.deep.equal(
        [
          ["WETH", "ETH/USDT", 48, T0, T0 + 47 * HOUR],
          ["WBTC", "BTC/USDT", 48, T0, T0 + 47 * HOUR],
        ],
      );
      expect(new Set(ex.calls.map((c) => c.symbol))).to.deep.equal(
        new Set(["ETH/USDT", "BTC/USDT"]),
      );
    });

    it("spaces requests across assets with one shared spacer", async () => {
      let clock = 0;
      const sleeps: number[] = [];
      const ex = fakeExchange({ markets, rateLimit: 300 });
      await fetchCcxtSeries(ex, assets, {
        now: () => clock,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock += ms;
        },
        dropIncomplete: false,
        from: T0,
        to: T0 + 47 * HOUR,
      });
      // 1 page per asset: the second asset's first request waits for the first's spacing
      expect(ex.calls.length).to.equal(2);
      expect(sleeps).to.deep.equal([300]);
    });

    it("takes another field, and a market override", async () => {
      const ex = fakeExchange({
        markets: { ...markets, "ETH/USDC": {} },
        times: { "ETH/USDC": [T0, T0 + HOUR] },
      });
      const res = await fetchCcxtSeries(ex, ["WETH"], {
        ...fast,
        from: T0,
        to: T0 + HOUR,
        field: "open",
        markets: { WETH: "ETH/USDC" },
      });
      expect(res.reports[0].symbol).to.equal("ETH/USDC");
      expect(res.series.WETH[0].price).to.be.closeTo(closeAt("ETH/USDC", T0) * 0.999, 1e-9);
    });

    it("checks markets before fetching and rejects unknown ones", async () => {
      let loaded = 0;
      const ex = { ...fakeExchange({ markets }), loadMarkets: async () => void loaded++ };
      const err = await expectCcxtError(
        fetchCcxtSeries(ex, ["WETH", "DOGE"], { ...fast, from: T0, to: T0 + HOUR }),
        "CCXT_UNKNOWN_MARKET",
      );
      expect(loaded).to.equal(1);
      expect(err.context.symbol).to.equal("DOGE/USDT");
      expect(ex.calls.length).to.equal(0);
      await expectCcxtError(
        fetchCcxtSeries(ex, ["WETH", "WETH"], { ...fast, from: T0 }),
        "CCXT_INVALID_ARGUMENT",
      );
      await expectCcxtError(
        fetchCcxtSeries(ex, ["WETH"], { ...fast, from: T0, timeframe: "1w" }),
        "CCXT_TIMEFRAME",
      );
    });

    it("aligns, fills and returns exactly like the same data read from CSV", async () => {
      // 3 days of hourly candles, with a 4-hour outage for ETH and a 1-hour one for BTC
      const all = Array.from({ length: 72 }, (_, i) => T0 + i * HOUR);
      const eth = all.filter((t) => t < T0 + 20 * HOUR || t >= T0 + 24 * HOUR);
      const btc = all.filter((t) => t !== T0 + 40 * HOUR);
      const ex = fakeExchange({ markets, times: { "ETH/USDT": eth, "BTC/USDT": btc } });
      const { series, reports } = await fetchCcxtSeries(ex, assets, {
        ...fast,
        from: T0,
        to: T0 + 71 * HOUR,
        limit: 25,
      });
      expect(reports.map((r) => r.missing)).to.deep.equal([4, 1]);

      const csvLines = ["ts_utc,symbol,open,high,low,close,volume"];
      for (const [asset, market, ts] of [
        ["WETH", "ETH/USDT", eth],
        ["WBTC", "BTC/USDT", btc],
      ] as const) {
        for (const t of ts) {
          const iso = new Date(t * 1000).toISOString().replace(".000Z", "Z");
          const c = closeAt(market, t);
          csvLines.push(`${iso},${asset},${c},${c},${c},${c},1`);
        }
      }
      const fromCsv = parsePriceCsv(csvLines.join("\n"));
      expect(series).to.deep.equal(fromCsv);

      for (const bucket of ["hourly", "daily"] as const) {
        const a = alignSeries(series, { bucket });
        const b = alignSeries(fromCsv, { bucket });
        expect(a).to.deep.equal(b);
        const fa = forwardFill(a, 2);
        expect(fa).to.deep.equal(forwardFill(b, 2));
        expect(logReturns(fa.panel)).to.deep.equal(logReturns(forwardFill(b, 2).panel));
      }
      const hourly = forwardFill(alignSeries(series, { bucket: "hourly" }), 2);
      expect(hourly.report.unfilled).to.deep.equal([
        {
          symbol: "WETH",
          startT: T0 + 20 * HOUR,
          endT: T0 + 23 * HOUR,
          buckets: 4,
          reason: "longer-than-maxGap",
        },
      ]);
      expect(hourly.report.filled.map((g) => [g.symbol, g.startT])).to.deep.equal([
        ["WBTC", T0 + 40 * HOUR],
      ]);
      // daily bucket value = close of the 23:00 candle, as for the hourly CSV
      const daily = alignSeries(series, { bucket: "daily" });
      expect(daily.symbols).to.deep.equal(["WBTC", "WETH"]);
      expect(daily.prices[0][0]).to.equal(closeAt("BTC/USDT", T0 + 23 * HOUR));
      expect(candlesToSeries([])).to.deep.equal([]);
    });
  });
});
