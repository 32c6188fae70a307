/**
 * Loader for long ("tidy") OHLCV CSV files: one row per (time, symbol). See keeper/README-data.md
 * for the accepted format. Parsing ({@link parsePriceCsv}) is pure; {@link loadPriceCsvFile} is
 * the thin I/O wrapper (reads the file, gunzips `.gz` / gzip-magic content).
 */
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { DataError } from "./types.ts";
import type { PricePoint, SeriesBySymbol } from "./types.ts";

/** Column to take the price from. */
export type PriceField = "open" | "high" | "low" | "close";

/** Options of {@link parsePriceCsv}. */
export interface ParsePriceCsvOptions {
  /** Price column; default "close". */
  field?: PriceField;
  /** Keep only these symbols (case-sensitive); default all. */
  symbols?: readonly string[];
  /** Keep rows with t ≥ from (unix seconds); default −∞. */
  from?: number;
  /** Keep rows with t ≤ to (unix seconds); default +∞. */
  to?: number;
  /** What to do with a repeated (symbol, t): "error" (default) or "keep-last". */
  duplicates?: "error" | "keep-last";
}

const TIME_COLUMNS = ["date", "ts_utc", "timestamp", "time", "t"] as const;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]00:?00)?$/;

/**
 * Parse one time cell to unix seconds. Accepts `YYYY-MM-DD` (00:00 UTC of that day),
 * ISO-8601 `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z`, `+00:00` or no zone (read as UTC), or an
 * integer unix time in seconds (values ≥ 1e11 are read as milliseconds). Returns NaN if invalid.
 */
export function parseTimeCell(cell: string): number {
  const s = cell.trim();
  let m = DATE_RE.exec(s);
  if (m) return validDate(+m[1], +m[2], +m[3], 0, 0, 0);
  m = ISO_RE.exec(s);
  if (m) return validDate(+m[1], +m[2], +m[3], +m[4], +m[5], m[6] === undefined ? 0 : +m[6]);
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n >= 1e11 ? Math.floor(n / 1000) : n;
  }
  return NaN;
}

function validDate(y: number, mo: number, d: number, h: number, mi: number, se: number): number {
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    se > 59
  ) {
    return NaN;
  }
  return ms / 1000;
}

/**
 * Parse a long-format price CSV into per-symbol series sorted by time.
 *
 * Header (first non-empty line) must contain a time column (`date`, `ts_utc`, `timestamp`,
 * `time` or `t`), a `symbol` column and the requested price column; extra columns (volume,
 * source, …) are ignored; column names are case-insensitive. Fields are split on `,` with no
 * quoting (quoted fields are rejected). CRLF line ends, a UTF-8 BOM and blank lines are accepted.
 * A price that is not a finite number > 0 or an unparsable time throws `DataError` CSV_ROW with
 * its line number; a repeated (symbol, t) throws DUPLICATE_TIMESTAMP unless
 * `duplicates: "keep-last"`.
 */
export function parsePriceCsv(text: string, opts: ParsePriceCsvOptions = {}): SeriesBySymbol {
  const field = opts.field ?? "close";
  const from = opts.from ?? -Infinity;
  const to = opts.to ?? Infinity;
  const keep = opts.symbols ? new Set(opts.symbols) : undefined;
  const dupMode = opts.duplicates ?? "error";
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  let li = 0;
  while (li < lines.length && lines[li].trim() === "") li++;
  if (li >= lines.length) throw new DataError("CSV_HEADER", "empty CSV");
  const header = lines[li].split(",").map((h) => h.trim().toLowerCase());
  const tCol = header.findIndex((h) => (TIME_COLUMNS as readonly string[]).includes(h));
  const sCol = header.indexOf("symbol");
  const pCol = header.indexOf(field);
  if (tCol < 0 || sCol < 0 || pCol < 0) {
    throw new DataError(
      "CSV_HEADER",
      `header needs a time column (${TIME_COLUMNS.join("|")}), "symbol" and "${field}"; got ${header.join(",")}`,
      li + 1,
    );
  }
  const width = header.length;
  const acc = new Map<string, Map<number, number>>();
  for (let i = li + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    if (line.includes('"'))
      throw new DataError("CSV_ROW", "quoted fields are not supported", i + 1);
    const cells = line.split(",");
    if (cells.length !== width) {
      throw new DataError("CSV_ROW", `expected ${width} fields, got ${cells.length}`, i + 1);
    }
    const symbol = cells[sCol].trim();
    if (keep && !keep.has(symbol)) continue;
    if (symbol === "") throw new DataError("CSV_ROW", "empty symbol", i + 1);
    const t = parseTimeCell(cells[tCol]);
    if (!Number.isFinite(t)) throw new DataError("CSV_ROW", `bad time "${cells[tCol]}"`, i + 1);
    if (t < from || t > to) continue;
    const raw = cells[pCol].trim();
    const price = raw === "" ? NaN : Number(raw);
    if (!(Number.isFinite(price) && price > 0)) {
      throw new DataError("CSV_ROW", `bad ${field} "${cells[pCol]}"`, i + 1);
    }
    let m = acc.get(symbol);
    if (!m) {
      m = new Map();
      acc.set(symbol, m);
    }
    if (m.has(t) && dupMode === "error") {
      throw new DataError("DUPLICATE_TIMESTAMP", `duplicate ${symbol} at t=${t}`, i + 1);
    }
    m.set(t, price);
  }
  const out: SeriesBySymbol = {};
  for (const sym of [...acc.keys()].sort()) {
    const pts: PricePoint[] = [...acc.get(sym)!.entries()].map(([t, price]) => ({ t, price }));
    pts.sort((a, b) => a.t - b.t);
    out[sym] = pts;
  }
  return out;
}

/** Decode CSV bytes to text, gunzipping when the buffer starts with the gzip magic 1f 8b. */
export function decodeCsvBytes(bytes: Uint8Array): string {
  const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const raw = isGzip ? gunzipSync(bytes) : bytes;
  return new TextDecoder("utf-8").decode(raw);
}

/** Read a (possibly gzipped) long-format price CSV from disk and parse it with {@link parsePriceCsv}. */
export async function loadPriceCsvFile(
  path: string,
  opts: ParsePriceCsvOptions = {},
): Promise<SeriesBySymbol> {
  const bytes = await readFile(path);
  return parsePriceCsv(decodeCsvBytes(bytes), opts);
}
