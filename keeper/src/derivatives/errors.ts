/**
 * Typed errors of the derivatives analytics. Every error carries a machine-readable `code` and
 * the offending values, so callers (chain processing, the keeper's risk loop) can decide whether to
 * drop a quote, skip an expiry or stop.
 */

/** Codes of {@link DerivativesError}. */
export type DerivativesErrorCode =
  | "INVALID_INPUT"
  | "PRICE_OUTSIDE_ARBITRAGE_BOUNDS"
  | "IV_NOT_CONVERGED"
  | "CHAIN_PARSE"
  | "FIT_FAILED"
  | "ROOT_NOT_BRACKETED";

/** Base class: every error thrown by keeper/src/derivatives is a DerivativesError. */
export class DerivativesError extends Error {
  readonly code: DerivativesErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: DerivativesErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "DerivativesError";
    this.code = code;
    this.details = details;
  }
}

/**
 * An option price outside the static no-arbitrage bounds, so no implied volatility exists.
 * For Black-76: call ∈ [DF·max(F−K,0), DF·F), put ∈ [DF·max(K−F,0), DF·K).
 */
export class ArbitrageBoundsError extends DerivativesError {
  readonly price: number;
  readonly lower: number;
  readonly upper: number;
  readonly side: "below-intrinsic" | "above-upper-bound";

  constructor(price: number, lower: number, upper: number, context: Record<string, unknown> = {}) {
    const side = price < lower ? "below-intrinsic" : "above-upper-bound";
    super(
      "PRICE_OUTSIDE_ARBITRAGE_BOUNDS",
      `option price ${price} is outside the no-arbitrage bounds [${lower}, ${upper}) (${side})`,
      { price, lower, upper, side, ...context },
    );
    this.name = "ArbitrageBoundsError";
    this.price = price;
    this.lower = lower;
    this.upper = upper;
    this.side = side;
  }
}

/** Throw INVALID_INPUT unless `cond` holds. */
export function ensure(
  cond: boolean,
  message: string,
  details: Record<string, unknown> = {},
): void {
  if (!cond) throw new DerivativesError("INVALID_INPUT", message, details);
}
