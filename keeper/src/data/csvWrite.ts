/**
 * Writer for the long ("tidy") price CSV that {@link parsePriceCsv} reads (keeper/README-data.md):
 * one row per (time, symbol), header `ts_utc|date|timestamp,symbol,open,high,low,close,volume`.
 * {@link formatPriceCsv} is pure; {@link writeTextFileAtomic} is the thin I/O wrapper.
 *
 * Numbers are written with `String(n)`, the shortest text that parses back to the same double,
 * so `parsePriceCsv(formatPriceCsv(x))` returns exactly the written prices. A value that is not a
 * finite number is written as an empty cell (the reader rejects an empty cell only in the column
 * it is asked for), so the required columns (`close` by default) are checked here instead.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PriceField } from "./csv.ts";
import { DataError } from "./types.ts";
import type { SeriesBySymbol } from "./types.ts";

/** One row's values; `t` = unix SECONDS (integer). Missing or non-finite fields become empty cells. */
export interface OhlcvPoint {
  t: number;
  open?: number;
  high?: number;
  low?: number;
  close?: number;
  volume?: number;
}

/** Rows to write, keyed by the CSV `symbol` (e.g. "WETH"). */
export type OhlcvBySymbol = Readonly<Record<string, readonly OhlcvPoint[]>>;

/**
 * How the time cell is written:
 * - `"iso"` (default): column `ts_utc`, `YYYY-MM-DDTHH:MM:SSZ` (like the shared hourly file);
 * - `"date"`: column `date`, `YYYY-MM-DD`; every `t` must be 00:00 UTC (like the daily file);
 * - `"unix"`: column `timestamp`, integer unix seconds.
 */
export type CsvTimeFormat = "iso" | "date" | "unix";

/** Options of {@link formatPriceCsv}. */
export interface FormatPriceCsvOptions {
  /** Time cell format; default "iso". */
  time?: CsvTimeFormat;
  /** Fields every row must carry as a finite number > 0; default ["close"]. */
  required?: readonly PriceField[];
  /** Symbol order within one time stamp; default the key order of the input. */
  symbolOrder?: readonly string[];
}

const PRICE_COLUMNS = ["open", "high", "low", "close", "volume"] as const;
const TIME_HEADER: Record<CsvTimeFormat, string> = {
  iso: "ts_utc",
  date: "date",
  unix: "timestamp",
};
// parseTimeCell reads only non-negative integers, and reads integers >= 1e11 as milliseconds.
const MAX_T = 1e11 - 1;

/** Format one unix-seconds time cell (see {@link CsvTimeFormat}). */
export function formatTimeCell(t: number, format: CsvTimeFormat = "iso"): string {
  if (!Number.isInteger(t) || t < 0 || t > MAX_T) {
    throw new DataError("INVALID_ARGUMENT", `time ${t} is not an integer unix second in [0, 1e11)`);
  }
  if (format === "unix") return String(t);
  const iso = new Date(t * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  if (format === "date") {
    if (t % 86400 !== 0) {
      throw new DataError("INVALID_ARGUMENT", `time ${iso} is not 00:00 UTC (date format)`);
    }
    return iso.slice(0, 10);
  }
  return `${iso.slice(0, 19)}Z`;
}

function cell(x: number | undefined): string {
  return typeof x === "number" && Number.isFinite(x) ? String(x) : "";
}

function checkSymbol(symbol: string): void {
  if (symbol.trim() === "" || symbol !== symbol.trim() || /[,"\r\n]/.test(symbol)) {
    throw new DataError(
      "INVALID_ARGUMENT",
      `symbol ${JSON.stringify(symbol)} is empty, padded or contains , " or a line break`,
    );
  }
}

/**
 * Render rows as a long-format price CSV (LF line ends, trailing newline) that
 * {@link parsePriceCsv} reads back exactly. Rows are sorted by time, then by `symbolOrder`.
 * Throws `DataError` INVALID_ARGUMENT for a bad symbol, a non-integer or out-of-range `t`, a
 * `t` not at 00:00 UTC with `time: "date"`, a required field that is not finite > 0, or a repeated
 * (symbol, t).
 */
export function formatPriceCsv(data: OhlcvBySymbol, opts: FormatPriceCsvOptions = {}): string {
  const format = opts.time ?? "iso";
  const required = opts.required ?? ["close"];
  const order = opts.symbolOrder ?? Object.keys(data);
  const rank = new Map(order.map((s, i) => [s, i]));
  for (const s of Object.keys(data)) {
    if (!rank.has(s)) rank.set(s, rank.size);
  }
  const rows: { t: number; r: number; line: string }[] = [];
  for (const [symbol, points] of Object.entries(data)) {
    checkSymbol(symbol);
    const seen = new Set<number>();
    for (const p of points) {
      const time = formatTimeCell(p.t, format);
      if (seen.has(p.t)) {
        throw new DataError("INVALID_ARGUMENT", `duplicate ${symbol} at ${time}`);
      }
      seen.add(p.t);
      for (const f of required) {
        const v = p[f];
        if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) {
          throw new DataError("INVALID_ARGUMENT", `bad ${f} ${String(v)} for ${symbol} at ${time}`);
        }
      }
      const line = [time, symbol, ...PRICE_COLUMNS.map((c) => cell(p[c]))].join(",");
      rows.push({ t: p.t, r: rank.get(symbol) as number, line });
    }
  }
  rows.sort((a, b) => a.t - b.t || a.r - b.r);
  const header = [TIME_HEADER[format], "symbol", ...PRICE_COLUMNS].join(",");
  return [header, ...rows.map((r) => r.line)].join("\n") + "\n";
}

/** Price series (`{ t, price }`) → rows with `price` in column `field` (default "close"). */
export function seriesToOhlcv(series: SeriesBySymbol, field: PriceField = "close"): OhlcvBySymbol {
  const out: Record<string, OhlcvPoint[]> = {};
  for (const [symbol, pts] of Object.entries(series)) {
    out[symbol] = pts.map((p) => ({ t: p.t, [field]: p.price }));
  }
  return out;
}

/**
 * Write `text` to `file` atomically: into a temporary file in the same folder (created if
 * needed), then renamed over `file`, so a reader never sees a half-written file. With
 * `overwrite: false` (default) an existing `file` is an error (`EEXIST`).
 */
export async function writeTextFileAtomic(
  file: string,
  text: string,
  opts: { overwrite?: boolean } = {},
): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  await mkdir(dir, { recursive: true });
  if (!opts.overwrite) {
    // Claim the name first so a concurrent writer cannot slip in between check and rename.
    await writeFile(file, "", { flag: "wx" });
  }
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(tmp, text, { flag: "wx" });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    if (!opts.overwrite) await rm(file, { force: true });
    throw e;
  }
}
