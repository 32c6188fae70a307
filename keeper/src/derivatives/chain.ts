/**
 * Option-chain input: parse a Deribit-style CSV snapshot, convert coin-quoted prices to USD,
 * keep two-sided quotes, and invert bid / ask / mid (and mark) implied vols with Black-76 on the
 * per-expiry forward. The accepted columns are documented in keeper/README-derivatives.md.
 *
 * Conventions (Deribit): option prices are quoted in the underlying coin, so
 * USD premium = coin price × underlying_price; `underlying_price` is the forward for that expiry;
 * `mark_iv` is in percent; expiries settle 08:00 UTC; T is ACT/365 from the snapshot time.
 */
import type { OptionType } from "./black.ts";
import { DerivativesError, ensure } from "./errors.ts";
import { ArbitrageBoundsError } from "./errors.ts";
import { solveImpliedVolBlack76 } from "./implied-vol.ts";
import type { SmilePoint } from "./svi.ts";

/** One parsed CSV row. Prices are in the underlying coin; missing numbers are null. */
export interface ChainRow {
  snapshotUtc: string | null;
  underlying: string | null;
  instrumentName: string;
  expiryUtc: string;
  strike: number;
  type: OptionType;
  /** Per-expiry forward in USD. */
  underlyingPrice: number;
  markPrice: number | null;
  bidPrice: number | null;
  askPrice: number | null;
  /** Mark implied vol in percent, as Deribit publishes it. */
  markIv: number | null;
  openInterest: number | null;
}

const REQUIRED = [
  "instrument_name",
  "strike",
  "option_type",
  "underlying_price",
  "bid_price",
  "ask_price",
] as const;

/** Split one CSV line (RFC 4180 double-quote escaping supported). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

const MONTHS: Record<string, number> = {
  JAN: 0,
  FEB: 1,
  MAR: 2,
  APR: 3,
  MAY: 4,
  JUN: 5,
  JUL: 6,
  AUG: 7,
  SEP: 8,
  OCT: 9,
  NOV: 10,
  DEC: 11,
};

/** Expiry (08:00 UTC) encoded in a Deribit instrument name such as BTC-26DEC25-90000-C, or null. */
export function expiryFromInstrumentName(name: string): string | null {
  const m = /^[A-Z]+-(\d{1,2})([A-Z]{3})(\d{2})-/.exec(name);
  if (!m || MONTHS[m[2]] === undefined) return null;
  return new Date(Date.UTC(2000 + Number(m[3]), MONTHS[m[2]], Number(m[1]), 8)).toISOString();
}

/**
 * Parse a Deribit-style option-chain CSV (header row required; column order free; unknown
 * columns ignored). Throws CHAIN_PARSE with the line number on a malformed row.
 */
export function parseDeribitCsv(text: string): ChainRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new DerivativesError("CHAIN_PARSE", "empty CSV", {});
  const header = splitCsvLine(lines[0]).map((h) => h.toLowerCase());
  const col = (name: string): number => header.indexOf(name);
  for (const r of REQUIRED) {
    if (col(r) < 0)
      throw new DerivativesError("CHAIN_PARSE", `missing required column ${r}`, { header });
  }
  const rows: ChainRow[] = [];
  for (let li = 1; li < lines.length; li++) {
    const f = splitCsvLine(lines[li]);
    const get = (name: string): string => {
      const i = col(name);
      return i >= 0 && i < f.length ? f[i] : "";
    };
    const num = (name: string, required: boolean): number | null => {
      const s = get(name);
      if (s === "") {
        if (required)
          throw new DerivativesError("CHAIN_PARSE", `line ${li + 1}: empty ${name}`, {
            line: li + 1,
          });
        return null;
      }
      const v = Number(s);
      if (!Number.isFinite(v)) {
        throw new DerivativesError("CHAIN_PARSE", `line ${li + 1}: ${name} is not a number`, {
          line: li + 1,
          value: s,
        });
      }
      return v;
    };
    const instrumentName = get("instrument_name");
    const rawType = get("option_type").toLowerCase();
    const type: OptionType | null =
      rawType === "call" || rawType === "c"
        ? "call"
        : rawType === "put" || rawType === "p"
          ? "put"
          : null;
    if (!type) {
      throw new DerivativesError("CHAIN_PARSE", `line ${li + 1}: option_type must be call/put`, {
        line: li + 1,
        value: rawType,
      });
    }
    const expiryUtc = get("expiry_utc") || expiryFromInstrumentName(instrumentName);
    if (!expiryUtc || Number.isNaN(Date.parse(expiryUtc))) {
      throw new DerivativesError("CHAIN_PARSE", `line ${li + 1}: no valid expiry`, {
        line: li + 1,
        instrumentName,
      });
    }
    const strike = num("strike", true) as number;
    const underlyingPrice = num("underlying_price", true) as number;
    if (!(strike > 0) || !(underlyingPrice > 0)) {
      throw new DerivativesError(
        "CHAIN_PARSE",
        `line ${li + 1}: strike and underlying_price must be positive`,
        {
          line: li + 1,
          strike,
          underlyingPrice,
        },
      );
    }
    rows.push({
      snapshotUtc: get("snapshot_utc") || null,
      underlying: get("underlying") || null,
      instrumentName,
      expiryUtc: new Date(Date.parse(expiryUtc)).toISOString(),
      strike,
      type,
      underlyingPrice,
      markPrice: num("mark_price", false),
      bidPrice: num("bid_price", false),
      askPrice: num("ask_price", false),
      markIv: num("mark_iv", false),
      openInterest: num("open_interest", false),
    });
  }
  return rows;
}

/** A two-sided quote with USD prices and inverted implied vols (null when not invertible). */
export interface ChainQuote {
  instrumentName: string;
  type: OptionType;
  strike: number;
  /** Row forward (USD). */
  forward: number;
  /** ln(K/F) with the expiry's (median) forward. */
  k: number;
  bidUsd: number;
  askUsd: number;
  midUsd: number;
  ivBid: number | null;
  ivAsk: number | null;
  ivMid: number | null;
  /** Deribit mark IV as a fraction (mark_iv / 100), or null. */
  ivMark: number | null;
  /** Out of the money w.r.t. the forward (put with K < F, call with K ≥ F). */
  otm: boolean;
  /** Why an IV is null (e.g. PRICE_OUTSIDE_ARBITRAGE_BOUNDS for a bid below intrinsic). */
  ivIssues: string[];
}

/** All two-sided quotes of one expiry. */
export interface ChainExpiry {
  expiryUtc: string;
  /** Years, ACT/365, from the valuation time. */
  T: number;
  /** Median of the rows' underlying_price. */
  forward: number;
  df: number;
  quotes: ChainQuote[];
  /** Rows of this expiry dropped for a missing / crossed / zero quote. */
  droppedNoQuote: number;
}

/** Options of {@link processChain}. */
export interface ProcessChainOptions {
  /** Valuation time (ISO string or ms); default: the rows' snapshot_utc (must be unique). */
  valuationTime?: string | number;
  /** Continuously-compounded USD rate used for DF = e^{−rT} (default 0, as Deribit). */
  rate?: number;
  /** Drop expiries closer than this many years (default 1 hour). */
  minT?: number;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

function tryIv(
  type: OptionType,
  priceUsd: number,
  forward: number,
  strike: number,
  T: number,
  df: number,
  label: string,
  issues: string[],
): number | null {
  try {
    const r = solveImpliedVolBlack76({ type, price: priceUsd, forward, strike, T, df });
    if (r.vol > 0) return r.vol;
    issues.push(`${label}: at intrinsic`);
    return null;
  } catch (e) {
    if (e instanceof ArbitrageBoundsError) issues.push(`${label}: ${e.code} (${e.side})`);
    else if (e instanceof DerivativesError) issues.push(`${label}: ${e.code}`);
    else throw e;
    return null;
  }
}

/**
 * Group rows by expiry, keep two-sided quotes (bid > 0, ask > 0, ask ≥ bid), convert to USD with
 * the row's underlying_price, and invert bid / ask / mid implied vols with Black-76.
 * Expiries are returned in increasing T.
 */
export function processChain(
  rows: readonly ChainRow[],
  opts: ProcessChainOptions = {},
): ChainExpiry[] {
  let t0: number;
  if (opts.valuationTime !== undefined) {
    t0 =
      typeof opts.valuationTime === "number" ? opts.valuationTime : Date.parse(opts.valuationTime);
  } else {
    const snaps = [...new Set(rows.map((r) => r.snapshotUtc).filter((s): s is string => !!s))];
    ensure(snaps.length === 1, "valuationTime needed: rows carry no single snapshot_utc", {
      snapshots: snaps,
    });
    t0 = Date.parse(snaps[0]);
  }
  ensure(Number.isFinite(t0), "invalid valuation time", { valuationTime: opts.valuationTime });
  const rate = opts.rate ?? 0;
  const minT = opts.minT ?? 1 / (365 * 24);
  const byExpiry = new Map<string, ChainRow[]>();
  for (const r of rows) {
    const list = byExpiry.get(r.expiryUtc) ?? [];
    list.push(r);
    byExpiry.set(r.expiryUtc, list);
  }
  const out: ChainExpiry[] = [];
  for (const [expiryUtc, list] of byExpiry) {
    const T = (Date.parse(expiryUtc) - t0) / YEAR_MS;
    if (!(T >= minT)) continue;
    const forward = median(list.map((r) => r.underlyingPrice));
    const df = Math.exp(-rate * T);
    const quotes: ChainQuote[] = [];
    let dropped = 0;
    for (const r of list) {
      if (
        r.bidPrice === null ||
        r.askPrice === null ||
        !(r.bidPrice > 0) ||
        !(r.askPrice >= r.bidPrice)
      ) {
        dropped++;
        continue;
      }
      const F = r.underlyingPrice;
      const bidUsd = r.bidPrice * F;
      const askUsd = r.askPrice * F;
      const midUsd = 0.5 * (bidUsd + askUsd);
      const issues: string[] = [];
      quotes.push({
        instrumentName: r.instrumentName,
        type: r.type,
        strike: r.strike,
        forward: F,
        k: Math.log(r.strike / forward),
        bidUsd,
        askUsd,
        midUsd,
        ivBid: tryIv(r.type, bidUsd, F, r.strike, T, df, "bid", issues),
        ivAsk: tryIv(r.type, askUsd, F, r.strike, T, df, "ask", issues),
        ivMid: tryIv(r.type, midUsd, F, r.strike, T, df, "mid", issues),
        ivMark: r.markIv === null ? null : r.markIv / 100,
        otm: r.type === "put" ? r.strike < forward : r.strike >= forward,
        ivIssues: issues,
      });
    }
    quotes.sort((a, b) => a.strike - b.strike || (a.type < b.type ? -1 : 1));
    out.push({ expiryUtc, T, forward, df, quotes, droppedNoQuote: dropped });
  }
  return out.sort((a, b) => a.T - b.T);
}

/** Options of {@link smilePoints}. */
export interface SmilePointOptions {
  /** "otm" (default): out-of-the-money quotes only, one per strike; "all": every quote with a mid IV. */
  select?: "otm" | "all";
  /** Weight each point by 1/max(ivAsk − ivBid, floor)² (default false: equal weights). */
  spreadWeights?: boolean;
  /** Floor of the IV spread used for weights (default 0.005). */
  spreadFloor?: number;
  /** Drop quotes whose bid-ask IV spread exceeds this (default: keep all; needs both IVs). */
  maxIvSpread?: number;
}

/** Mid-IV smile points (log-moneyness, IV, weight) of one expiry for {@link fitSvi}. */
export function smilePoints(expiry: ChainExpiry, opts: SmilePointOptions = {}): SmilePoint[] {
  const select = opts.select ?? "otm";
  const floor = opts.spreadFloor ?? 0.005;
  const pts: SmilePoint[] = [];
  for (const q of expiry.quotes) {
    if (q.ivMid === null) continue;
    if (select === "otm" && !q.otm) continue;
    const spread = q.ivBid !== null && q.ivAsk !== null ? q.ivAsk - q.ivBid : null;
    if (opts.maxIvSpread !== undefined && (spread === null || spread > opts.maxIvSpread)) continue;
    const weight = opts.spreadWeights ? 1 / Math.max(spread ?? 10 * floor, floor) ** 2 : 1;
    pts.push({ k: q.k, iv: q.ivMid, weight });
  }
  return pts.sort((a, b) => a.k - b.k);
}
