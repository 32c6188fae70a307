/**
 * `ballast data fetch`: exchange candles through ccxt (keeper/src/data/ccxt.ts) written as the
 * long price CSV that `parsePriceCsv` / `loadPriceCsvFile` read and that
 * `npm run simulate -- --prices <file> --columns <assets>` replays (keeper/README-data.md).
 * Prints a per-asset fetch report (market, candles, pages, duplicates, gaps, stop reason).
 *
 * ccxt is optional: without it the command exits 3 (not available in this build) with the install
 * command. {@link runDataFetch} takes the exchange factory as a dependency, so tests run it offline
 * against a fake exchange.
 */
import { stat } from "node:fs/promises";
import type { Command } from "commander";
import {
  CcxtError,
  TIMEFRAME_SECONDS,
  createCcxtExchange,
  createRequestSpacer,
  fetchOhlcvCandles,
  marketSymbolFor,
  timeframeSeconds,
} from "../../src/data/ccxt.ts";
import type { CcxtErrorCode, CcxtExchangeLike, FetchStopReason } from "../../src/data/ccxt.ts";
import { parseTimeCell } from "../../src/data/csv.ts";
import { formatPriceCsv, writeTextFileAtomic } from "../../src/data/csvWrite.ts";
import type { CsvTimeFormat, OhlcvPoint } from "../../src/data/csvWrite.ts";
import { DataError } from "../../src/data/types.ts";
import { CliError, EXIT, emit, globalOptions } from "../runtime.ts";
import type { CliIo, ExitCode } from "../runtime.ts";

/** Validated options of `data fetch`. Times are unix SECONDS. */
export interface DataFetchOptions {
  /** ccxt exchange id, e.g. "binance". */
  exchange: string;
  /** CSV symbols, in order (e.g. WETH, WBTC, LINK, UNI). */
  assets: readonly string[];
  /** Asset → market overrides (e.g. WETH → ETH/USDC); defaults in `marketSymbolFor`. */
  markets: Readonly<Record<string, string>>;
  /** Quote currency of assets without a mapping. */
  quote: string;
  /** Unified timeframe, a key of TIMEFRAME_SECONDS. */
  timeframe: string;
  /** First candle open time (inclusive). */
  since: number;
  /** Last candle open time (inclusive); undefined = now. */
  until: number | undefined;
  /** CSV file to write. */
  out: string;
  /** Overwrite an existing `out`. */
  force: boolean;
  /** Candles per request (default 1000). */
  limit: number | undefined;
  /** Request cap per asset (default 10,000). */
  maxPages: number | undefined;
  /** Minimum ms between requests (default: the exchange's rateLimit). */
  minIntervalMs: number | undefined;
}

/** What {@link runDataFetch} needs from the outside world. */
export interface DataFetchDeps {
  /** Builds the exchange (default: `createCcxtExchange`, which loads ccxt lazily). */
  createExchange: (exchangeId: string) => Promise<CcxtExchangeLike>;
  /** Wall clock in ms (default Date.now). */
  now?: () => number;
  /** Sleep used by the request spacer and retries (default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Receives one progress line per asset (default: none). */
  progress?: (line: string) => void;
}

/** Fetch report of one asset. */
export interface AssetFetchReport {
  asset: string;
  /** Exchange market, e.g. "ETH/USDT". */
  market: string;
  /** Candles written. */
  candles: number;
  /** First and last candle open time (unix seconds), null when none. */
  firstT: number | null;
  lastT: number | null;
  /** Requests made. */
  pages: number;
  /** Candles returned more than once (kept once). */
  duplicates: number;
  /** Timeframe slots between first and last candle that the exchange did not return. */
  gaps: number;
  /** Candles outside [since, until], or still forming, dropped. */
  outOfRange: number;
  stoppedBecause: FetchStopReason;
}

/** Result of {@link runDataFetch}. */
export interface DataFetchResult {
  /** The file written (as given). */
  file: string;
  exchange: string;
  timeframe: string;
  /** Time column written: `date` for 1d candles, `ts_utc` otherwise. */
  timeColumn: string;
  /** Requested range, unix seconds. */
  since: number;
  until: number;
  /** Data rows in the CSV (all assets). */
  rows: number;
  /** Time stamps present for every asset: what a replay uses (it steps between them). */
  commonTimestamps: number;
  assets: AssetFetchReport[];
}

/** The default dependencies: real ccxt, wall clock. */
export const DEFAULT_DATA_FETCH_DEPS: DataFetchDeps = {
  createExchange: (id) => createCcxtExchange(id),
};

/** Exit code of each ccxt error: bad input exits 2, missing ccxt 3, exchange trouble 1. */
const CCXT_EXIT: Record<CcxtErrorCode, ExitCode> = {
  CCXT_NOT_INSTALLED: EXIT.UNAVAILABLE,
  CCXT_LOAD_FAILED: EXIT.FAILURE,
  CCXT_UNKNOWN_EXCHANGE: EXIT.USAGE,
  CCXT_NO_OHLCV: EXIT.USAGE,
  CCXT_TIMEFRAME: EXIT.USAGE,
  CCXT_UNKNOWN_MARKET: EXIT.USAGE,
  CCXT_FETCH: EXIT.FAILURE,
  CCXT_BAD_CANDLE: EXIT.FAILURE,
  CCXT_INVALID_ARGUMENT: EXIT.USAGE,
};

/** Maps a thrown value of the fetch to a {@link CliError} (other values are returned as they are). */
export function toCliError(e: unknown): unknown {
  if (e instanceof CliError) return e;
  if (e instanceof CcxtError) return new CliError(e.code, CCXT_EXIT[e.code], e.message);
  if (e instanceof DataError) return new CliError(e.code, EXIT.FAILURE, e.message);
  return e;
}

const ASSET_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

function usage(message: string): CliError {
  return new CliError("BAD_OPTION", EXIT.USAGE, message);
}

/** Raw flag values as commander hands them to the action. */
export interface DataFetchFlags {
  exchange: string;
  assets: string;
  markets?: string;
  quote?: string;
  timeframe?: string;
  since: string;
  until?: string;
  out: string;
  force?: boolean;
  limit?: string;
  maxPages?: string;
  minInterval?: string;
}

function parseTime(flag: string, v: string): number {
  const t = parseTimeCell(v);
  if (!Number.isFinite(t)) {
    throw usage(
      `${flag}: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or unix seconds (got "${v}")`,
    );
  }
  return t;
}

function parseIntFlag(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < min)
    throw usage(`${flag}: expected an integer >= ${min} (got "${v}")`);
  return n;
}

/**
 * Validates the raw flags of `data fetch` into {@link DataFetchOptions}; any problem is a
 * CliError BAD_OPTION (exit 2) naming the flag. Checks: assets non-empty, unique and CSV-safe;
 * `--markets` entries `ASSET=MARKET` for listed assets; a supported timeframe; since ≤ until.
 */
export function parseDataFetchFlags(f: DataFetchFlags): DataFetchOptions {
  const exchange = f.exchange.trim();
  if (!/^[a-z0-9_]+$/i.test(exchange))
    throw usage(`--exchange: expected a ccxt exchange id such as binance (got "${f.exchange}")`);
  const assets = f.assets.split(",").map((s) => s.trim());
  for (const a of assets)
    if (!ASSET_RE.test(a))
      throw usage(`--assets: bad symbol "${a}" (comma-separated, e.g. WETH,WBTC,LINK,UNI)`);
  const dup = assets.find((a, i) => assets.indexOf(a) !== i);
  if (dup !== undefined) throw usage(`--assets: "${dup}" is listed twice`);
  const markets: Record<string, string> = {};
  if (f.markets !== undefined) {
    for (const entry of f.markets.split(",")) {
      const m = /^\s*([^=\s]+)\s*=\s*([^=\s]+)\s*$/.exec(entry);
      if (!m) throw usage(`--markets: expected ASSET=MARKET,… e.g. WETH=ETH/USDC (got "${entry}")`);
      if (!assets.includes(m[1])) throw usage(`--markets: "${m[1]}" is not one of --assets`);
      if (Object.hasOwn(markets, m[1])) throw usage(`--markets: "${m[1]}" is mapped twice`);
      markets[m[1]] = m[2];
    }
  }
  const quote = (f.quote ?? "USDT").trim();
  if (!/^[A-Za-z0-9]+$/.test(quote)) throw usage(`--quote: bad currency "${f.quote}"`);
  const timeframe = f.timeframe ?? "1d";
  if (!Object.hasOwn(TIMEFRAME_SECONDS, timeframe))
    throw usage(
      `--timeframe: "${timeframe}" is not supported (one of ${Object.keys(TIMEFRAME_SECONDS).join(", ")})`,
    );
  const since = parseTime("--since", f.since);
  const until = f.until === undefined ? undefined : parseTime("--until", f.until);
  if (until !== undefined && until < since)
    throw usage(`--until (${f.until}) is before --since (${f.since})`);
  if (f.out.trim() === "") throw usage("--out: empty file name");
  return {
    exchange,
    assets,
    markets,
    quote,
    timeframe,
    since,
    until,
    out: f.out,
    force: f.force === true,
    limit: parseIntFlag("--limit", f.limit, 1),
    maxPages: parseIntFlag("--max-pages", f.maxPages, 1),
    minIntervalMs: parseIntFlag("--min-interval", f.minInterval, 0),
  };
}

/** Time column format for a timeframe: daily candles as dates (like the daily file), else ISO. */
export function timeFormatFor(timeframe: string): CsvTimeFormat {
  return timeframe === "1d" ? "date" : "iso";
}

/**
 * Fetches every asset's candles from one exchange and writes them as a long price CSV.
 * Steps: refuse an existing `out` unless `force` (exit 2); build the exchange (ccxt missing →
 * exit 3); check the timeframe and (when the exchange has `loadMarkets`) every market; paginate
 * each asset with one request spacer shared by all; refuse to write when an asset has no candles
 * (exit 1); write the file atomically. Errors are {@link CliError}s with the exit codes above.
 */
export async function runDataFetch(
  opts: DataFetchOptions,
  deps: DataFetchDeps = DEFAULT_DATA_FETCH_DEPS,
): Promise<DataFetchResult> {
  try {
    return await fetchAndWrite(opts, deps);
  } catch (e) {
    throw toCliError(e);
  }
}

async function outExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function fetchAndWrite(
  opts: DataFetchOptions,
  deps: DataFetchDeps,
): Promise<DataFetchResult> {
  if (!opts.force && (await outExists(opts.out)))
    throw new CliError(
      "OUT_EXISTS",
      EXIT.USAGE,
      `${opts.out} already exists (use --force to overwrite)`,
    );
  const now = deps.now ?? Date.now;
  const ex = await deps.createExchange(opts.exchange);
  timeframeSeconds(opts.timeframe, ex);
  const pairs = opts.assets.map((asset) => ({
    asset,
    market: marketSymbolFor(asset, opts.markets, opts.quote),
  }));
  if (typeof ex.loadMarkets === "function") {
    try {
      await ex.loadMarkets();
    } catch (e) {
      throw new CcxtError(
        "CCXT_FETCH",
        `loadMarkets failed: ${e instanceof Error ? e.message : String(e)}`,
        { exchangeId: ex.id },
        e,
      );
    }
    const known = ex.markets;
    if (known && Object.keys(known).length > 0) {
      const bad = pairs.filter((p) => !Object.hasOwn(known, p.market));
      if (bad.length > 0)
        throw new CcxtError(
          "CCXT_UNKNOWN_MARKET",
          `no market ${bad.map((p) => `${p.market} (for ${p.asset})`).join(", ")}; map assets with --markets ASSET=BASE/QUOTE`,
          { exchangeId: ex.id },
        );
    }
  }
  const until = opts.until ?? Math.floor(now() / 1000);
  const interval = opts.minIntervalMs ?? ex.rateLimit ?? 1000;
  const spacer = createRequestSpacer(interval, { now, sleep: deps.sleep });
  const data: Record<string, OhlcvPoint[]> = {};
  const reports: AssetFetchReport[] = [];
  for (const { asset, market } of pairs) {
    const r = await fetchOhlcvCandles(
      ex,
      market,
      {
        timeframe: opts.timeframe,
        from: opts.since,
        to: until,
        limit: opts.limit,
        maxPages: opts.maxPages,
        minIntervalMs: interval,
        now,
        sleep: deps.sleep,
      },
      spacer,
    );
    data[asset] = r.candles.map((c) => ({ ...c }));
    const report: AssetFetchReport = {
      asset,
      market,
      candles: r.candles.length,
      firstT: r.candles.length > 0 ? r.candles[0].t : null,
      lastT: r.candles.length > 0 ? r.candles[r.candles.length - 1].t : null,
      pages: r.pages,
      duplicates: r.duplicates,
      gaps: r.missing,
      outOfRange: r.outOfRange,
      stoppedBecause: r.stoppedBecause,
    };
    reports.push(report);
    deps.progress?.(
      `${asset} (${market}): ${report.candles} candles, ${report.pages} pages, stopped: ${report.stoppedBecause}`,
    );
  }
  const empty = reports.filter((r) => r.candles === 0);
  if (empty.length > 0)
    throw new CliError(
      "NO_CANDLES",
      EXIT.FAILURE,
      `no candles in range for ${empty.map((r) => `${r.asset} (${r.market}, stopped: ${r.stoppedBecause})`).join(", ")}; nothing written`,
    );
  const format = timeFormatFor(opts.timeframe);
  const text = formatPriceCsv(data, { time: format, symbolOrder: opts.assets });
  try {
    await writeTextFileAtomic(opts.out, text, { overwrite: opts.force });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "EEXIST")
      throw new CliError("OUT_EXISTS", EXIT.USAGE, `${opts.out} already exists (use --force)`);
    throw new CliError(
      "WRITE_FAILED",
      EXIT.FAILURE,
      `cannot write ${opts.out}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const sets = Object.values(data).map((pts) => new Set(pts.map((p) => p.t)));
  const common = [...sets[0]].filter((t) => sets.every((s) => s.has(t))).length;
  return {
    file: opts.out,
    exchange: ex.id,
    timeframe: opts.timeframe,
    timeColumn: format === "date" ? "date" : "ts_utc",
    since: opts.since,
    until,
    rows: reports.reduce((s, r) => s + r.candles, 0),
    commonTimestamps: common,
    assets: reports,
  };
}

function fmtT(t: number | null, timeframe: string): string {
  if (t === null) return "-";
  const iso = new Date(t * 1000).toISOString();
  return timeframe === "1d" ? iso.slice(0, 10) : `${iso.slice(0, 16)}Z`;
}

/** Text report of a fetch: one summary line, then a table with one row per asset. */
export function formatDataFetch(r: DataFetchResult): string {
  const head = [
    "asset",
    "market",
    "candles",
    "first",
    "last",
    "pages",
    "dups",
    "gaps",
    "dropped",
    "stop",
  ];
  const body = r.assets.map((a) => [
    a.asset,
    a.market,
    String(a.candles),
    fmtT(a.firstT, r.timeframe),
    fmtT(a.lastT, r.timeframe),
    String(a.pages),
    String(a.duplicates),
    String(a.gaps),
    String(a.outOfRange),
    a.stoppedBecause,
  ]);
  const numeric = new Set([2, 5, 6, 7, 8]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const replay = r.assets.map((a) => a.asset).join(",");
  return [
    `wrote ${r.file}: ${r.rows} rows, ${r.assets.length} assets, ${r.timeframe} candles from ${r.exchange} (${fmtT(r.since, r.timeframe)} → ${fmtT(r.until, r.timeframe)})`,
    line(head),
    ...body.map(line),
    `${r.commonTimestamps} time stamps common to all assets; replay: npm run simulate -- --prices ${r.file} --columns ${replay}`,
  ].join("\n");
}

/** Registers `data fetch`. `deps` replaces the exchange factory and clock (tests). */
export function registerData(
  program: Command,
  io: CliIo,
  deps: DataFetchDeps = DEFAULT_DATA_FETCH_DEPS,
): void {
  const data = program
    .command("data")
    .description("market data: fetch exchange candles (ccxt) into the price CSV format");
  data
    .command("fetch")
    .description(
      "fetch OHLCV candles through ccxt (optional dependency) and write a long price CSV that the simulator replays",
    )
    .requiredOption("--exchange <id>", "ccxt exchange id, e.g. binance")
    .requiredOption("--assets <list>", "CSV symbols, comma-separated, e.g. WETH,WBTC,LINK,UNI")
    .option(
      "--markets <map>",
      "asset→market overrides, e.g. WETH=ETH/USDC,LINK=LINK/USDC (default WETH=ETH/USDT, WBTC=BTC/USDT, X=X/<quote>)",
    )
    .option("--quote <currency>", "quote currency of unmapped assets", "USDT")
    .option("--timeframe <tf>", `candle length: ${Object.keys(TIMEFRAME_SECONDS).join(", ")}`, "1d")
    .requiredOption(
      "--since <time>",
      "first candle open time, inclusive: YYYY-MM-DD, ISO UTC or unix seconds",
    )
    .option("--until <time>", "last candle open time, inclusive (default: now)")
    .requiredOption("--out <file>", "CSV file to write")
    .option("--force", "overwrite an existing --out file", false)
    .option("--limit <n>", "candles per request (default 1000)")
    .option("--max-pages <n>", "request cap per asset (default 10000)")
    .option(
      "--min-interval <ms>",
      "minimum ms between requests (default: the exchange's rateLimit)",
    )
    .addHelpText(
      "after",
      `\nccxt is not a dependency: install it with \`npx -y -p node@22 npm install ccxt\`; without it this command exits 3.\n` +
        `Example: ballast data fetch --exchange binance --assets WETH,WBTC,LINK,UNI --since 2024-01-01 --out prices.csv`,
    )
    .action(async (flags: DataFetchFlags, cmd: Command) => {
      const g = globalOptions(cmd);
      const opts = parseDataFetchFlags(flags);
      const progress = g.json ? undefined : (l: string) => io.stderr(`ballast: ${l}\n`);
      const r = await runDataFetch(opts, { ...deps, progress: deps.progress ?? progress });
      emit(io, g.json, { fetch: r }, () => formatDataFetch(r));
    });
}
