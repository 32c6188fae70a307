/**
 * European option prices and Greeks.
 *
 * - Black–Scholes(–Merton) on a spot `S` with continuously-compounded rate `r` and dividend /
 *   carry yield `q`.
 * - Black-76 on a forward `F` with a discount factor `DF` (the Deribit convention: the option
 *   is written on the per-expiry forward; Deribit itself uses DF = 1).
 *
 * Units (both models):
 * - `vol` is annualised (0.5 = 50 %), `T` is in years (ACT/365 in this package);
 * - `delta` = ∂V/∂S (BS) or ∂V/∂F (Black-76); `gamma` = second derivative w.r.t. the same;
 * - `vega` = ∂V/∂σ per 1.00 of vol (divide by 100 for "per vol point");
 * - `theta` = ∂V/∂t per YEAR of calendar time (= −∂V/∂T; divide by 365 for per day);
 * - `rho` = ∂V/∂r per 1.00 of rate. For Black-76 the rate is r = −ln(DF)/T and the forward is
 *   held fixed, so rho = −T·V and theta = r·V − DF·F·φ(d1)·σ/(2√T).
 */
import { ensure } from "./errors.ts";
import { normCdf, normPdf } from "./normal.ts";

/** Call or put. */
export type OptionType = "call" | "put";

/** Price and first-order Greeks (units in the module doc). */
export interface Greeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  rho: number;
}

/** Inputs of {@link black76Price} / {@link black76Greeks}. */
export interface Black76Input {
  type: OptionType;
  forward: number;
  strike: number;
  /** Years to expiry. */
  T: number;
  /** Annualised volatility. */
  vol: number;
  /** Discount factor to expiry, in (0, 1]; default 1. */
  df?: number;
}

/** Inputs of {@link bsPrice} / {@link bsGreeks}. */
export interface BlackScholesInput {
  type: OptionType;
  spot: number;
  strike: number;
  T: number;
  vol: number;
  /** Continuously-compounded risk-free rate; default 0. */
  r?: number;
  /** Continuously-compounded dividend / carry yield; default 0. */
  q?: number;
}

function checkCommon(strike: number, T: number, vol: number): void {
  ensure(Number.isFinite(strike) && strike > 0, "strike must be a positive finite number", {
    strike,
  });
  ensure(Number.isFinite(T) && T >= 0, "T must be a non-negative finite number of years", { T });
  ensure(Number.isFinite(vol) && vol >= 0, "vol must be a non-negative finite number", { vol });
}

/** d1 and d2 of Black-76: d1 = (ln(F/K) + σ²T/2)/(σ√T), d2 = d1 − σ√T. */
export function black76D1D2(
  forward: number,
  strike: number,
  T: number,
  vol: number,
): { d1: number; d2: number } {
  const s = vol * Math.sqrt(T);
  const d1 = Math.log(forward / strike) / s + 0.5 * s;
  return { d1, d2: d1 - s };
}

/**
 * Undiscounted Black-76 price per unit of forward notional (DF = 1). Out-of-the-money side is
 * computed directly and the in-the-money side by put–call parity, so prices keep their relative
 * accuracy in the far tails. Zero total volatility returns the intrinsic value.
 */
export function black76Undiscounted(
  type: OptionType,
  forward: number,
  strike: number,
  totalStd: number,
): number {
  const intrinsicCall = Math.max(forward - strike, 0);
  const intrinsicPut = Math.max(strike - forward, 0);
  if (totalStd === 0) return type === "call" ? intrinsicCall : intrinsicPut;
  const d1 = Math.log(forward / strike) / totalStd + 0.5 * totalStd;
  const d2 = d1 - totalStd;
  if (strike >= forward) {
    // OTM call, ITM put.
    const call = Math.max(forward * normCdf(d1) - strike * normCdf(d2), 0);
    return type === "call" ? call : call + (strike - forward);
  }
  const put = Math.max(strike * normCdf(-d2) - forward * normCdf(-d1), 0);
  return type === "put" ? put : put + (forward - strike);
}

/** Black-76 price: DF·[F·N(d1) − K·N(d2)] (call), DF·[K·N(−d2) − F·N(−d1)] (put). */
export function black76Price(input: Black76Input): number {
  const { type, forward, strike, T, vol } = input;
  const df = input.df ?? 1;
  checkCommon(strike, T, vol);
  ensure(Number.isFinite(forward) && forward > 0, "forward must be positive", { forward });
  ensure(df > 0 && df <= 1.5, "discount factor must be in (0, 1.5]", { df });
  return df * black76Undiscounted(type, forward, strike, vol * Math.sqrt(T));
}

/** Black-76 price and Greeks (w.r.t. the forward; see the module doc for units). */
export function black76Greeks(input: Black76Input): Greeks {
  const { type, forward, strike, T, vol } = input;
  const df = input.df ?? 1;
  const price = black76Price(input);
  const r = T > 0 ? -Math.log(df) / T : 0;
  const s = vol * Math.sqrt(T);
  const sign = type === "call" ? 1 : -1;
  if (s === 0) {
    const itm = sign * (forward - strike) > 0;
    return {
      price,
      delta: itm ? sign * df : 0,
      gamma: 0,
      vega: 0,
      theta: r * price,
      rho: -T * price,
    };
  }
  const { d1 } = black76D1D2(forward, strike, T, vol);
  const pdf = normPdf(d1);
  const delta = sign * df * normCdf(sign * d1);
  const gamma = (df * pdf) / (forward * s);
  const vega = df * forward * pdf * Math.sqrt(T);
  const theta = r * price - (df * forward * pdf * vol) / (2 * Math.sqrt(T));
  return { price, delta, gamma, vega, theta, rho: -T * price };
}

/** Black–Scholes–Merton price: S·e^{−qT}·N(d1) − K·e^{−rT}·N(d2) for a call, parity for a put. */
export function bsPrice(input: BlackScholesInput): number {
  const { type, spot, strike, T, vol } = input;
  const r = input.r ?? 0;
  const q = input.q ?? 0;
  checkCommon(strike, T, vol);
  ensure(Number.isFinite(spot) && spot > 0, "spot must be positive", { spot });
  const forward = spot * Math.exp((r - q) * T);
  return Math.exp(-r * T) * black76Undiscounted(type, forward, strike, vol * Math.sqrt(T));
}

/** Black–Scholes–Merton price and Greeks w.r.t. spot, σ, calendar time and r (module doc for units). */
export function bsGreeks(input: BlackScholesInput): Greeks {
  const { type, spot, strike, T, vol } = input;
  const r = input.r ?? 0;
  const q = input.q ?? 0;
  const price = bsPrice(input);
  const dq = Math.exp(-q * T);
  const dr = Math.exp(-r * T);
  const s = vol * Math.sqrt(T);
  const sign = type === "call" ? 1 : -1;
  if (s === 0) {
    const forward = spot * Math.exp((r - q) * T);
    const itm = sign * (forward - strike) > 0;
    return {
      price,
      delta: itm ? sign * dq : 0,
      gamma: 0,
      vega: 0,
      theta: itm ? sign * (q * spot * dq - r * strike * dr) : 0,
      rho: itm ? sign * strike * T * dr : 0,
    };
  }
  const d1 = (Math.log(spot / strike) + (r - q) * T) / s + 0.5 * s;
  const d2 = d1 - s;
  const pdf = normPdf(d1);
  const nd1 = normCdf(sign * d1);
  const nd2 = normCdf(sign * d2);
  const delta = sign * dq * nd1;
  const gamma = (dq * pdf) / (spot * s);
  const vega = spot * dq * pdf * Math.sqrt(T);
  const theta =
    -(spot * dq * pdf * vol) / (2 * Math.sqrt(T)) -
    sign * r * strike * dr * nd2 +
    sign * q * spot * dq * nd1;
  const rho = sign * strike * T * dr * nd2;
  return { price, delta, gamma, vega, theta, rho };
}
