/**
 * Optional market-data source: OHLCV candles from a centralized exchange through ccxt.
 *
 * ccxt is NOT a dependency of this project. It is loaded lazily with a dynamic `import()` of a
 * module name held in a variable (so the typechecker never resolves it); when it is missing,
 * {@link loadCcxt} throws `CcxtError` CCXT_NOT_INSTALLED with the install command. Everything
 * else works on the small {@link CcxtExchangeLike} interface, so callers (and the tests) can
 * inject any object with a ccxt-shaped `fetchOHLCV` — no network is needed below the loader.
 *
 * Time convention: ccxt stamps a candle with its OPEN time (ms). The output series use the same
 * convention as the shared hourly CSV: `t` = candle open time in unix SECONDS and `price` = the
 * close (by default), i.e. the price at `t + timeframe`. `alignSeries` / `resampleLast` therefore
 * treat ccxt data exactly as they treat the CSV data (see keeper/README-data.md).
 */
import type { PriceField } from "./csv.ts";
import type { PricePoint, SeriesBySymbol } from "./types.ts";

/** Error codes of the ccxt source. */
export type CcxtErrorCode =
  | "CCXT_NOT_INSTALLED"
  | "CCXT_LOAD_FAILED"
  | "CCXT_UNKNOWN_EXCHANGE"
  | "CCXT_NO_OHLCV"
  | "CCXT_TIMEFRAME"
  | "CCXT_UNKNOWN_MARKET"
  | "CCXT_FETCH"
  | "CCXT_BAD_CANDLE"
  | "CCXT_INVALID_ARGUMENT";

/** Where an error happened: exchange id, market symbol, timeframe and the page's `since` (ms). */
export interface CcxtErrorContext {
  exchangeId?: string;
  symbol?: string;
  timeframe?: string;
  /** `since` of the failing request, unix MILLISECONDS (as passed to `fetchOHLCV`). */
  since?: number;
}

/** Typed error of the ccxt source; `context` says which exchange/market/page failed. */
export class CcxtError extends Error {
  readonly code: CcxtErrorCode;
  readonly context: CcxtErrorContext;
  constructor(
    code: CcxtErrorCode,
    message: string,
    context: CcxtErrorContext = {},
    cause?: unknown,
  ) {
    super(withContext(message, context), cause === undefined ? undefined : { cause });
    this.name = "CcxtError";
    this.code = code;
    this.context = context;
  }
}

function withContext(message: string, c: CcxtErrorContext): string {
  const parts: string[] = [];
  if (c.exchangeId !== undefined) parts.push(`exchange=${c.exchangeId}`);
  if (c.symbol !== undefined) parts.push(`symbol=${c.symbol}`);
  if (c.timeframe !== undefined) parts.push(`timeframe=${c.timeframe}`);
  if (c.since !== undefined) parts.push(`since=${isoMs(c.since)}`);
  return parts.length === 0 ? message : `${message} [${parts.join(" ")}]`;
}

function isoMs(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

/** The command that installs ccxt (it is deliberately not in package.json). */
export const CCXT_INSTALL_COMMAND = "npx -y -p node@22 npm install ccxt";

/**
 * One candle as ccxt returns it: [timestamp ms, open, high, low, close, volume]. ccxt types every
 * entry as `number | undefined`; some exchanges send null.
 */
export type OhlcvRow = readonly (number | null | undefined)[];

/** The part of a ccxt `Exchange` this module uses. Any object of this shape can be injected. */
export interface CcxtExchangeLike {
  /** Exchange id, e.g. "binance" (used in error messages). */
  readonly id: string;
  /** Unified timeframes the exchange supports (keys such as "1h", "1d"); undefined if unknown. */
  readonly timeframes?: Readonly<Record<string, unknown>> | undefined;
  /** Minimum spacing between requests in milliseconds, as ccxt publishes it. */
  readonly rateLimit?: number | undefined;
  /** Capability flags; `has.fetchOHLCV` false means the exchange cannot serve candles. */
  readonly has?: Readonly<Record<string, unknown>> | undefined;
  /** Markets after `loadMarkets()`, keyed by unified symbol ("ETH/USDT"). */
  readonly markets?: Readonly<Record<string, unknown>> | undefined;
  /** Loads `markets` (ccxt caches it). Optional. */
  loadMarkets?(): Promise<unknown>;
  /** ccxt `fetchOHLCV(symbol, timeframe, since ms, limit)`. */
  fetchOHLCV(
    symbol: string,
    timeframe?: string,
    since?: number,
    limit?: number,
    params?: Record<string, unknown>,
  ): Promise<readonly OhlcvRow[]>;
}

/** Dynamic-import function returning the ccxt module namespace (injectable for tests). */
export type CcxtLoader = () => Promise<unknown>;

// Held in a variable so `tsc` does not try to resolve the (absent) module.
const CCXT_MODULE: string = "ccxt";

/** Default loader: `import("ccxt")` resolved from this file (i.e. the project's node_modules). */
export const defaultCcxtLoader: CcxtLoader = () => import(CCXT_MODULE);

/**
 * Load the ccxt library through `loader` (default: dynamic `import("ccxt")`) and return its
 * namespace object (the default export when there is one). Throws CCXT_NOT_INSTALLED, with the
 * install command, when the module cannot be found, and CCXT_LOAD_FAILED for any other failure.
 */
export async function loadCcxt(
  loader: CcxtLoader = defaultCcxtLoader,
): Promise<Record<string, unknown>> {
  let mod: unknown;
  try {
    mod = await loader();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new CcxtError(
        "CCXT_NOT_INSTALLED",
        `ccxt is not installed (it is optional); run \`${CCXT_INSTALL_COMMAND}\` to use the ccxt data source`,
        {},
        e,
      );
    }
    throw new CcxtError("CCXT_LOAD_FAILED", `loading ccxt failed: ${errMessage(e)}`, {}, e);
  }
  if (mod === null || (typeof mod !== "object" && typeof mod !== "function")) {
    throw new CcxtError("CCXT_LOAD_FAILED", "loading ccxt returned no module");
  }
  const def = (mod as { default?: unknown }).default;
  const lib = def !== null && (typeof def === "object" || typeof def === "function") ? def : mod;
  return lib as Record<string, unknown>;
}

/** Options of {@link createCcxtExchange}. */
export interface CreateExchangeOptions {
  /** Constructor options passed to ccxt (merged over `{ enableRateLimit: true }`). */
  config?: Record<string, unknown>;
  /** Module loader; default {@link defaultCcxtLoader}. */
  loader?: CcxtLoader;
}

/**
 * Instantiate a ccxt exchange by id (`new ccxt[exchangeId]({ enableRateLimit: true, ...config })`).
 * Only public endpoints are needed for OHLCV, so no API keys. Throws CCXT_NOT_INSTALLED,
 * CCXT_UNKNOWN_EXCHANGE, or CCXT_NO_OHLCV when the exchange reports `has.fetchOHLCV === false`.
 */
export async function createCcxtExchange(
  exchangeId: string,
  opts: CreateExchangeOptions = {},
): Promise<CcxtExchangeLike> {
  const lib = await loadCcxt(opts.loader);
  const Ctor = lib[exchangeId];
  if (typeof Ctor !== "function") {
    throw new CcxtError("CCXT_UNKNOWN_EXCHANGE", `ccxt has no exchange "${exchangeId}"`, {
      exchangeId,
    });
  }
  const ex = new (Ctor as new (cfg: Record<string, unknown>) => CcxtExchangeLike)({
    enableRateLimit: true,
    ...opts.config,
  });
  if (typeof ex.fetchOHLCV !== "function" || ex.has?.fetchOHLCV === false) {
    throw new CcxtError("CCXT_NO_OHLCV", "exchange does not support fetchOHLCV", { exchangeId });
  }
  return ex;
}

/** Timeframes this module can paginate and align, with their length in seconds. */
export const TIMEFRAME_SECONDS: Readonly<Record<string, number>> = {
  "1m": 60,
  "5m": 300,
  "15m": 900,
  "30m": 1800,
  "1h": 3600,
  "2h": 7200,
  "4h": 14400,
  "6h": 21600,
  "12h": 43200,
  "1d": 86400,
};

/**
 * Length in seconds of a unified ccxt timeframe. Throws CCXT_TIMEFRAME if the module does not
 * know it, or if `exchange.timeframes` is published and lacks it.
 */
export function timeframeSeconds(timeframe: string, exchange?: CcxtExchangeLike): number {
  const s = Object.hasOwn(TIMEFRAME_SECONDS, timeframe) ? TIMEFRAME_SECONDS[timeframe] : undefined;
  if (s === undefined) {
    throw new CcxtError(
      "CCXT_TIMEFRAME",
      `unsupported timeframe "${timeframe}" (supported: ${Object.keys(TIMEFRAME_SECONDS).join(", ")})`,
      { timeframe, exchangeId: exchange?.id },
    );
  }
  const tfs = exchange?.timeframes;
  if (tfs && Object.keys(tfs).length > 0 && !Object.hasOwn(tfs, timeframe)) {
    throw new CcxtError(
      "CCXT_TIMEFRAME",
      `exchange does not offer timeframe "${timeframe}" (it has: ${Object.keys(tfs).join(", ")})`,
      { timeframe, exchangeId: exchange?.id },
    );
  }
  return s;
}

/** Default asset → market mapping: wrapped tokens trade as their underlying coin. */
export const DEFAULT_MARKETS: Readonly<Record<string, string>> = {
  WETH: "ETH/USDT",
  WBTC: "BTC/USDT",
};

/**
 * Market symbol for an asset: `overrides[asset]`, else {@link DEFAULT_MARKETS}`[asset]`, else the
 * asset itself when it already is a market ("ETH/USDC"), else `${asset}/${quote}` (quote default
 * "USDT"). Lookup is case-sensitive.
 */
export function marketSymbolFor(
  asset: string,
  overrides: Readonly<Record<string, string>> = {},
  quote = "USDT",
): string {
  if (asset.trim() === "") throw new CcxtError("CCXT_INVALID_ARGUMENT", "empty asset symbol");
  if (Object.hasOwn(overrides, asset)) return overrides[asset];
  if (Object.hasOwn(DEFAULT_MARKETS, asset)) return DEFAULT_MARKETS[asset];
  if (asset.includes("/")) return asset;
  return `${asset}/${quote}`;
}

/** One candle; `t` = open time in unix SECONDS. Fields other than the requested one may be NaN. */
export interface Candle {
  t: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Injected time: `now()` in ms and `sleep(ms)`. Defaults are the wall clock and setTimeout. */
export interface CcxtTiming {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Options of {@link fetchOhlcvCandles}. */
export interface FetchCandlesOptions extends CcxtTiming {
  /** Unified timeframe; default "1h". */
  timeframe?: string;
  /** First candle open time wanted, unix seconds (inclusive). */
  from: number;
  /** Last candle open time wanted, unix seconds (inclusive); default now. */
  to?: number;
  /** Candles per request; default 1000. */
  limit?: number;
  /** Hard cap on requests; default 10,000. Reaching it ends with stoppedBecause "maxPages". */
  maxPages?: number;
  /** Minimum ms between request starts; default `exchange.rateLimit`, else 1000. 0 disables. */
  minIntervalMs?: number;
  /** Extra attempts for transient ccxt errors (NetworkError family); default 2. */
  retries?: number;
  /** Drop candles still forming (open time + timeframe > now); default true. */
  dropIncomplete?: boolean;
  /** Price field validated here (must be finite > 0); default "close". */
  field?: PriceField;
  /** Extra params passed to `fetchOHLCV` (exchange-specific). */
  params?: Record<string, unknown>;
}

/** Why pagination ended. */
export type FetchStopReason = "reachedEnd" | "emptyPage" | "noProgress" | "maxPages";

/** Result of {@link fetchOhlcvCandles}. */
export interface FetchCandlesResult {
  exchangeId: string;
  symbol: string;
  timeframe: string;
  /** Candles in [from, to], strictly ascending by `t`, one per open time (the last fetched wins). */
  candles: Candle[];
  /** Requests that returned (retries not counted). */
  pages: number;
  /** Candles returned more than once (page overlaps); the later copy was kept. */
  duplicates: number;
  /** Candles returned outside [from, to], or still forming, and dropped. */
  outOfRange: number;
  /** Timeframe slots between the first and last candle with no candle (exchange gaps). */
  missing: number;
  stoppedBecause: FetchStopReason;
}

/**
 * Spaces request starts by at least `intervalMs`. One per fetch call (or shared across the assets
 * of one {@link fetchCcxtSeries} call); no global state.
 */
export interface RequestSpacer {
  wait(): Promise<void>;
}

/** Create a {@link RequestSpacer}: the first `wait()` is immediate, later ones sleep as needed. */
export function createRequestSpacer(intervalMs: number, timing: CcxtTiming = {}): RequestSpacer {
  if (!(Number.isFinite(intervalMs) && intervalMs >= 0)) {
    throw new CcxtError("CCXT_INVALID_ARGUMENT", `bad request interval ${intervalMs}`);
  }
  const now = timing.now ?? Date.now;
  const sleep = timing.sleep ?? defaultSleep;
  let last: number | undefined;
  return {
    async wait() {
      if (last !== undefined) {
        const delay = last + intervalMs - now();
        if (delay > 0) await sleep(delay);
      }
      last = now();
    },
  };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const TRANSIENT_ERRORS = new Set([
  "NetworkError",
  "RequestTimeout",
  "ExchangeNotAvailable",
  "RateLimitExceeded",
  "DDoSProtection",
  "OnMaintenance",
]);

/** True for ccxt errors worth retrying: the NetworkError family, by class name along the prototype chain. */
export function isTransientCcxtError(e: unknown): boolean {
  if (e === null || typeof e !== "object") return false;
  if (TRANSIENT_ERRORS.has(String((e as { name?: unknown }).name))) return true;
  for (let p: unknown = Object.getPrototypeOf(e); p; p = Object.getPrototypeOf(p)) {
    const ctor = (p as { constructor?: { name?: unknown } }).constructor;
    if (ctor && TRANSIENT_ERRORS.has(String(ctor.name))) return true;
  }
  return false;
}

function errMessage(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

function num(x: unknown): number {
  return typeof x === "number" ? x : NaN;
}

const FIELD_INDEX: Record<PriceField, number> = { open: 1, high: 2, low: 3, close: 4 };

/**
 * Fetch every candle of `symbol` with open time in [from, to] by paginating `fetchOHLCV` on
 * `since`: each request asks from the cursor (ms), and the next cursor is the newest returned open
 * time + one timeframe. Stops when the cursor passes `to` ("reachedEnd"), on an empty page
 * ("emptyPage"), when a page brings nothing newer than the cursor ("noProgress" — an exchange that
 * ignores `since`), or after `maxPages` requests. Requests are spaced by `minIntervalMs`
 * (default `exchange.rateLimit`) and transient errors are retried with doubling back-off.
 * Candles are deduplicated by open time (the later copy wins: a repeated newest candle has its
 * final values) and sorted. A non-integer timestamp or a non-positive/non-finite `field` value
 * throws CCXT_BAD_CANDLE; a failed request throws CCXT_FETCH; both carry exchange, symbol,
 * timeframe and the page's `since`.
 */
export async function fetchOhlcvCandles(
  exchange: CcxtExchangeLike,
  symbol: string,
  opts: FetchCandlesOptions,
  spacer?: RequestSpacer,
): Promise<FetchCandlesResult> {
  const timeframe = opts.timeframe ?? "1h";
  const tf = timeframeSeconds(timeframe, exchange);
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const ctx: CcxtErrorContext = { exchangeId: exchange.id, symbol, timeframe };
  const limit = opts.limit ?? 1000;
  const maxPages = opts.maxPages ?? 10_000;
  const retries = opts.retries ?? 2;
  const field = opts.field ?? "close";
  const fieldIndex = FIELD_INDEX[field];
  const interval = opts.minIntervalMs ?? exchange.rateLimit ?? 1000;
  const from = opts.from;
  const to = opts.to ?? Math.floor(now() / 1000);
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new CcxtError("CCXT_INVALID_ARGUMENT", what, ctx);
  };
  check(Number.isFinite(from), `bad from ${from}`);
  check(Number.isFinite(to) && to >= from, `bad to ${to} (from ${from})`);
  check(Number.isInteger(limit) && limit > 0, `bad limit ${limit}`);
  check(Number.isInteger(maxPages) && maxPages > 0, `bad maxPages ${maxPages}`);
  check(Number.isInteger(retries) && retries >= 0, `bad retries ${retries}`);
  check(fieldIndex !== undefined, `bad field ${field}`);
  if (exchange.has?.fetchOHLCV === false) {
    throw new CcxtError("CCXT_NO_OHLCV", "exchange does not support fetchOHLCV", ctx);
  }
  const space = spacer ?? createRequestSpacer(interval, { now, sleep });
  const dropIncomplete = opts.dropIncomplete ?? true;
  const tfMs = tf * 1000;
  const toMs = to * 1000;
  const byT = new Map<number, Candle>();
  let duplicates = 0;
  let outOfRange = 0;
  let pages = 0;
  let cursor = Math.ceil(from) * 1000;
  let stoppedBecause: FetchStopReason;
  for (;;) {
    if (cursor > toMs) {
      stoppedBecause = "reachedEnd";
      break;
    }
    if (pages >= maxPages) {
      stoppedBecause = "maxPages";
      break;
    }
    const since = cursor;
    let page: readonly OhlcvRow[] | undefined;
    for (let attempt = 0; ; attempt++) {
      await space.wait();
      try {
        page = await exchange.fetchOHLCV(symbol, timeframe, since, limit, opts.params);
        break;
      } catch (e) {
        if (attempt < retries && isTransientCcxtError(e)) {
          await sleep(Math.max(interval, 1) * 2 ** attempt);
          continue;
        }
        throw new CcxtError(
          "CCXT_FETCH",
          `fetchOHLCV failed after ${attempt + 1} attempt(s): ${errMessage(e)}`,
          { ...ctx, since },
          e,
        );
      }
    }
    pages++;
    if (!Array.isArray(page)) {
      throw new CcxtError("CCXT_FETCH", "fetchOHLCV returned a non-array", { ...ctx, since });
    }
    if (page.length === 0) {
      stoppedBecause = "emptyPage";
      break;
    }
    const nowMs = now();
    let newest = -Infinity;
    for (const row of page) {
      const ms = Array.isArray(row) ? num(row[0]) : NaN;
      const price = Array.isArray(row) ? num(row[fieldIndex]) : NaN;
      if (!Number.isInteger(ms) || ms % 1000 !== 0) {
        throw new CcxtError("CCXT_BAD_CANDLE", `bad candle timestamp ${String(row?.[0])}`, {
          ...ctx,
          since,
        });
      }
      if (!(Number.isFinite(price) && price > 0)) {
        throw new CcxtError(
          "CCXT_BAD_CANDLE",
          `bad ${field} ${String(row[fieldIndex])} at ${isoMs(ms)}`,
          { ...ctx, since },
        );
      }
      newest = Math.max(newest, ms);
      if (ms < from * 1000 || ms > toMs || (dropIncomplete && ms + tfMs > nowMs)) {
        outOfRange++;
        continue;
      }
      if (byT.has(ms)) duplicates++;
      byT.set(ms, {
        t: ms / 1000,
        open: num(row[1]),
        high: num(row[2]),
        low: num(row[3]),
        close: num(row[4]),
        volume: num(row[5]),
      });
    }
    const next = newest + tfMs;
    if (next <= cursor) {
      stoppedBecause = "noProgress";
      break;
    }
    cursor = next;
  }
  const candles = [...byT.values()].sort((a, b) => a.t - b.t);
  let missing = 0;
  for (let k = 1; k < candles.length; k++) {
    missing += Math.max(0, Math.round((candles[k].t - candles[k - 1].t) / tf) - 1);
  }
  return {
    exchangeId: exchange.id,
    symbol,
    timeframe,
    candles,
    pages,
    duplicates,
    outOfRange,
    missing,
    stoppedBecause,
  };
}

/** Candles → price series (`t` = open time in seconds, `price` = `field`, default close). */
export function candlesToSeries(
  candles: readonly Candle[],
  field: PriceField = "close",
): PricePoint[] {
  return candles.map((c) => ({ t: c.t, price: c[field] }));
}

/** Options of {@link fetchCcxtSeries}. */
export interface FetchSeriesOptions extends Omit<FetchCandlesOptions, "field"> {
  /** Price field of the output series; default "close". */
  field?: PriceField;
  /** Asset → market overrides, merged over {@link DEFAULT_MARKETS}. */
  markets?: Readonly<Record<string, string>>;
  /** Quote currency for assets without a mapping; default "USDT". */
  quote?: string;
  /**
   * Check each market exists via `loadMarkets()` before fetching (when the exchange has it);
   * default true. An unknown market throws CCXT_UNKNOWN_MARKET.
   */
  checkMarkets?: boolean;
}

/** Per-asset fetch report of {@link fetchCcxtSeries}. */
export interface CcxtSeriesReport extends Omit<FetchCandlesResult, "candles"> {
  asset: string;
  /** Number of candles kept. */
  count: number;
  /** First and last candle open time (unix seconds), or null when nothing was returned. */
  firstT: number | null;
  lastT: number | null;
}

/** Result of {@link fetchCcxtSeries}: series keyed by ASSET symbol (e.g. "WETH"), and reports. */
export interface CcxtSeriesResult {
  series: SeriesBySymbol;
  reports: CcxtSeriesReport[];
}

/**
 * Fetch price histories for `assets` from one exchange: maps each asset to a market
 * ({@link marketSymbolFor}), optionally checks the market exists, paginates its candles
 * ({@link fetchOhlcvCandles}) one asset after another with one request spacer shared by all, and
 * returns `SeriesBySymbol` keyed by asset (the shape `parsePriceCsv` gives, ready for
 * `alignSeries`) plus a report per asset. An asset with no candles gets an empty series (its
 * report says why); `alignSeries` then throws EMPTY_SERIES for it, as for a CSV.
 */
export async function fetchCcxtSeries(
  exchange: CcxtExchangeLike,
  assets: readonly string[],
  opts: FetchSeriesOptions,
): Promise<CcxtSeriesResult> {
  if (assets.length === 0) throw new CcxtError("CCXT_INVALID_ARGUMENT", "no assets");
  if (new Set(assets).size !== assets.length) {
    throw new CcxtError("CCXT_INVALID_ARGUMENT", `duplicate assets in ${assets.join(",")}`);
  }
  const timeframe = opts.timeframe ?? "1h";
  timeframeSeconds(timeframe, exchange);
  const field = opts.field ?? "close";
  const pairs = assets.map((a) => ({
    asset: a,
    market: marketSymbolFor(a, opts.markets, opts.quote),
  }));
  if ((opts.checkMarkets ?? true) && typeof exchange.loadMarkets === "function") {
    try {
      await exchange.loadMarkets();
    } catch (e) {
      throw new CcxtError(
        "CCXT_FETCH",
        `loadMarkets failed: ${errMessage(e)}`,
        { exchangeId: exchange.id },
        e,
      );
    }
    const markets = exchange.markets;
    if (markets && Object.keys(markets).length > 0) {
      for (const { asset, market } of pairs) {
        if (!Object.hasOwn(markets, market)) {
          throw new CcxtError("CCXT_UNKNOWN_MARKET", `no market ${market} for asset ${asset}`, {
            exchangeId: exchange.id,
            symbol: market,
          });
        }
      }
    }
  }
  const interval = opts.minIntervalMs ?? exchange.rateLimit ?? 1000;
  const spacer = createRequestSpacer(interval, { now: opts.now, sleep: opts.sleep });
  const series: SeriesBySymbol = {};
  const reports: CcxtSeriesReport[] = [];
  for (const { asset, market } of pairs) {
    const { candles, ...rest } = await fetchOhlcvCandles(
      exchange,
      market,
      { ...opts, timeframe, field },
      spacer,
    );
    series[asset] = candlesToSeries(candles, field);
    reports.push({
      ...rest,
      asset,
      count: candles.length,
      firstT: candles.length > 0 ? candles[0].t : null,
      lastT: candles.length > 0 ? candles[candles.length - 1].t : null,
    });
  }
  return { series, reports };
}
