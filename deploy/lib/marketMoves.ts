/**
 * Market moves on the local system (`deployLocalVault`): a Chainlink feed shock followed by the
 * arbitrage swap that brings the local Uniswap pool to the new feed price. Used by the tests that
 * run the keeper on the local vault (test/helpers/market.ts) and by the keeper runtime benchmark
 * (keeper/bench/runtime.bench.ts); how the arbitrageur gets its tokens is the caller's (per swap
 * through {@link WethShockOptions.fund}, or once up front).
 */
import type { Contract, Signer } from "ethers";
import { LOCAL_STACK } from "../config/local.ts";
import { encodeSqrtPriceX96, sortTokens } from "./uniswapMath.ts";
import type { LocalVault } from "./vaultLocal.ts";

/** Input of the arbitrage swap: 100M USDC for a rally, 100k WETH for a fall (more than needed). */
export const WETH_ARB_AMOUNT_IN = {
  usdc: 100_000_000n * 10n ** 6n,
  weth: 100_000n * 10n ** 18n,
} as const;

/** What the arbitrageur must hold, and have approved to `router`, before the swap. */
export interface ArbLeg {
  arb: Signer;
  tokenIn: keyof typeof WETH_ARB_AMOUNT_IN;
  amountIn: bigint;
  /** SwapRouter02's address. */
  router: string;
}

/** Options of {@link shockWethAndArbitrage}. */
export interface WethShockOptions {
  /** Move of the WETH/USD feed in bps, signed: +600 = +6 %, -600 = -6 %. */
  bps: bigint;
  /** Sends the arbitrage swap. */
  arb: Signer;
  /**
   * Funds `arb` for the swap, called after the feed moved and before the swap (e.g. mint USDC or
   * wrap ETH, then approve the router). Omit when `arb` already holds and approved enough.
   */
  fund?: (leg: ArbLeg) => Promise<void>;
}

/** The feed answers after the move (8 decimals). */
export interface WethShock {
  wethUsd: bigint;
  usdcUsd: bigint;
}

function dyn(c: unknown): Contract {
  return c as Contract;
}

/**
 * Moves the WETH/USD feed by `bps` (`updateAnswer`) and arbitrages the WETH/USDC pool to the new
 * price from `arb` through SwapRouter02 `exactInputSingle`: USDC in for a rally, WETH in for a
 * fall, {@link WETH_ARB_AMOUNT_IN} stopped at the feed price (`sqrtPriceLimitX96`), so the pool
 * ends at the feed price, never past it. Returns the feed answers it priced the swap with.
 */
export async function shockWethAndArbitrage(
  d: LocalVault,
  opts: WethShockOptions,
): Promise<WethShock> {
  const { bps, arb } = opts;
  const feed = dyn(d.wethUsd);
  const [, answer] = (await feed.latestRoundData()) as bigint[];
  const next = (answer * (10_000n + bps)) / 10_000n;
  await feed.updateAnswer(next);
  const [, usdAnswer] = (await dyn(d.usdcUsd).latestRoundData()) as bigint[];
  const usdc = await d.usdc.getAddress();
  const weth = await d.weth.getAddress();
  const [t0, t1] = sortTokens(
    { address: usdc, decimals: 6, usdPrice: usdAnswer },
    { address: weth, decimals: 18, usdPrice: next },
  );
  const router = dyn(dyn(d.swapRouter02).connect(arb));
  const tokenIn = bps > 0n ? "usdc" : "weth";
  const amountIn = WETH_ARB_AMOUNT_IN[tokenIn];
  await opts.fund?.({ arb, tokenIn, amountIn, router: await router.getAddress() });
  await router.exactInputSingle({
    tokenIn: tokenIn === "usdc" ? usdc : weth,
    tokenOut: tokenIn === "usdc" ? weth : usdc,
    fee: LOCAL_STACK.uniswap.pools.weth.fee,
    recipient: await arb.getAddress(),
    amountIn,
    amountOutMinimum: 0n,
    sqrtPriceLimitX96: encodeSqrtPriceX96(t0, t1),
  });
  return { wethUsd: next, usdcUsd: usdAnswer };
}
