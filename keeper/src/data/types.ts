/** Shared types and the error class of the market-data layer. */

/** One price observation: `t` is unix time in SECONDS (UTC), `price` a positive finite number. */
export interface PricePoint {
  t: number;
  price: number;
}

/** Price series per symbol, each sorted by strictly increasing `t`. */
export type SeriesBySymbol = Record<string, PricePoint[]>;

/** Error codes of the market-data layer. */
export type DataErrorCode =
  | "CSV_HEADER"
  | "CSV_ROW"
  | "DUPLICATE_TIMESTAMP"
  | "INVALID_ARGUMENT"
  | "EMPTY_SERIES"
  | "CHAINLINK_ROUND";

/** Typed error of the market-data layer; `line` is the 1-based CSV line when relevant. */
export class DataError extends Error {
  readonly code: DataErrorCode;
  readonly line: number | undefined;
  constructor(code: DataErrorCode, message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = "DataError";
    this.code = code;
    this.line = line;
  }
}

/** Seconds per hour. */
export const HOUR = 3600;
/** Seconds per day. */
export const DAY = 86400;
