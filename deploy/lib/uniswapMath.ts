/**
 * Pure Uniswap V3 helpers for the local stack: token ordering, sqrtPriceX96 from USD prices,
 * price → tick, liquidity ranges and the CREATE2 pool address the periphery computes.
 */
import { AbiCoder, getAddress, getCreate2Address, keccak256 } from "ethers";

/**
 * keccak256 of UniswapV3Pool's creation code as published in `@uniswap/v3-core` 1.0.x; the
 * periphery (PoolAddress.sol) hard-codes it to find pools without calling the factory.
 */
export const POOL_INIT_CODE_HASH =
  "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54";

/** Uniswap V3's global tick bounds (TickMath.MIN_TICK / MAX_TICK). */
export const MIN_TICK = -887272;
export const MAX_TICK = 887272;

const Q96 = 2n ** 96n;

/** Raised on invalid Uniswap math input (non-positive price, bad range, ...). */
export class UniswapMathError extends Error {
  readonly code: "UNISWAP_MATH_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "UniswapMathError";
    this.code = "UNISWAP_MATH_INVALID";
  }
}

/** A token as the math needs it: address, decimals and a USD price (any fixed scale). */
export interface PricedToken {
  readonly address: string;
  readonly decimals: number;
  readonly usdPrice: bigint;
}

/** Returns the two tokens ordered the way Uniswap orders them (token0 = lower address). */
export function sortTokens<T extends { readonly address: string }>(a: T, b: T): [T, T] {
  const x = BigInt(getAddress(a.address));
  const y = BigInt(getAddress(b.address));
  if (x === y) throw new UniswapMathError(`identical token addresses ${a.address}`);
  return x < y ? [a, b] : [b, a];
}

/** Floor square root of a non-negative bigint (Newton's method). */
export function sqrtBigInt(value: bigint): bigint {
  if (value < 0n) throw new UniswapMathError(`sqrt of negative ${value}`);
  if (value < 2n) return value;
  // Newton's method from a power of two above the root decreases monotonically to the floor.
  let x = 1n << BigInt(Math.ceil(value.toString(2).length / 2));
  for (;;) {
    const y = (x + value / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * The pool price as a fraction `num / den` = raw units of token1 per raw unit of token0,
 * where each token's USD price uses the same scale.
 */
export function rawPriceFraction(token0: PricedToken, token1: PricedToken): [bigint, bigint] {
  if (token0.usdPrice <= 0n || token1.usdPrice <= 0n) {
    throw new UniswapMathError("USD prices must be positive");
  }
  // 1 raw token0 = usd0 / 10^d0 USD = (usd0 / 10^d0) / (usd1 / 10^d1) whole... raw token1.
  return [
    token0.usdPrice * 10n ** BigInt(token1.decimals),
    token1.usdPrice * 10n ** BigInt(token0.decimals),
  ];
}

/** sqrt(token1/token0 raw price) in Q64.96, floored, for an already ordered pair. */
export function encodeSqrtPriceX96(token0: PricedToken, token1: PricedToken): bigint {
  const [num, den] = rawPriceFraction(token0, token1);
  return sqrtBigInt((num * Q96 * Q96) / den);
}

/** The tick whose price is at or just below `sqrtPriceX96` (floating-point, exact enough away from boundaries). */
export function sqrtPriceX96ToTick(sqrtPriceX96: bigint): number {
  const sqrtPrice = Number(sqrtPriceX96) / Number(Q96);
  const tick = Math.floor((2 * Math.log(sqrtPrice)) / Math.log(1.0001));
  return Math.max(MIN_TICK, Math.min(MAX_TICK, tick));
}

/**
 * A tick range [lower, upper] on `tickSpacing` that spans at least price/(1+r) .. price*(1+r)
 * around `tick`, with r = rangeBps / 10_000.
 */
export function tickRange(tick: number, tickSpacing: number, rangeBps: number): [number, number] {
  if (rangeBps <= 0 || tickSpacing <= 0) {
    throw new UniswapMathError(`bad range ${rangeBps} bps / spacing ${tickSpacing}`);
  }
  const delta = Math.ceil(Math.log(1 + rangeBps / 10_000) / Math.log(1.0001));
  const minUsable = Math.ceil(MIN_TICK / tickSpacing) * tickSpacing;
  const maxUsable = Math.floor(MAX_TICK / tickSpacing) * tickSpacing;
  const lower = Math.max(minUsable, Math.floor((tick - delta) / tickSpacing) * tickSpacing);
  const upper = Math.min(maxUsable, Math.ceil((tick + delta) / tickSpacing) * tickSpacing);
  return [lower, upper];
}

/**
 * The pool address the periphery derives (PoolAddress.computeAddress): CREATE2 from the
 * factory with salt keccak256(abi.encode(token0, token1, fee)) and {@link POOL_INIT_CODE_HASH}.
 */
export function computePoolAddress(
  factory: string,
  tokenA: string,
  tokenB: string,
  fee: number,
): string {
  const [t0, t1] = sortTokens({ address: tokenA }, { address: tokenB });
  const salt = keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["address", "address", "uint24"],
      [t0.address, t1.address, fee],
    ),
  );
  return getCreate2Address(factory, salt, POOL_INIT_CODE_HASH);
}

/** Price of token0 in token1 as a float, in WHOLE units (for display and tests). */
export function sqrtPriceX96ToPrice(
  sqrtPriceX96: bigint,
  decimals0: number,
  decimals1: number,
): number {
  const sqrtPrice = Number(sqrtPriceX96) / Number(Q96);
  return sqrtPrice * sqrtPrice * 10 ** (decimals0 - decimals1);
}
