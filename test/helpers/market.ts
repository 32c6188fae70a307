/**
 * Market moves for the tests that run the keeper on the local vault (deployLocalVault): a feed
 * shock followed by the arbitrage that brings the local pool to the new feed price.
 */
import { expect } from "chai";
import type { NetworkConnection } from "hardhat/types/network";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import { encodeSqrtPriceX96, sortTokens } from "../../deploy/lib/uniswapMath.ts";
import type { deployLocalVault } from "../../deploy/lib/vaultLocal.ts";
import { dyn } from "./rpc.ts";

/** What {@link shockWeth} reads of the local deployment. */
type LocalVault = Awaited<ReturnType<typeof deployLocalVault>>;

const WETH_FEE = LOCAL_STACK.uniswap.pools.weth.fee;

/**
 * Moves the WETH/USD feed by `bps` (signed) and arbitrages the WETH/USDC pool to the new price
 * from Hardhat account #7: USDC in for a rally, WETH (wrapped ETH) in for a fall, stopped at the
 * price limit. Asserts that the pool then quotes within 20 bp of the feed.
 */
export async function shockWeth(
  connection: NetworkConnection,
  d: LocalVault,
  bps: bigint,
): Promise<void> {
  const { ethers, networkHelpers } = connection;
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
  const arb = (await ethers.getSigners())[7];
  const router = dyn(dyn(d.swapRouter02).connect(arb));
  const routerAddress = await router.getAddress();
  let tokenIn: string;
  let tokenOut: string;
  let amountIn: bigint;
  if (bps > 0n) {
    [tokenIn, tokenOut, amountIn] = [usdc, weth, 100_000_000n * 10n ** 6n];
    await dyn(d.usdc).mint(arb.address, amountIn);
    await dyn(dyn(d.usdc).connect(arb)).approve(routerAddress, amountIn);
  } else {
    [tokenIn, tokenOut, amountIn] = [weth, usdc, 100_000n * 10n ** 18n];
    await networkHelpers.setBalance(arb.address, 200_000n * 10n ** 18n);
    await dyn(dyn(d.weth).connect(arb)).deposit({ value: amountIn });
    await dyn(dyn(d.weth).connect(arb)).approve(routerAddress, amountIn);
  }
  await router.exactInputSingle({
    tokenIn,
    tokenOut,
    fee: WETH_FEE,
    recipient: arb.address,
    amountIn,
    amountOutMinimum: 0n,
    sqrtPriceLimitX96: encodeSqrtPriceX96(t0, t1),
  });
  // the pool now quotes within a few bps of the feed
  const [qp] = (await dyn(d.quoterV2).quoteExactInputSingle.staticCall({
    tokenIn: weth,
    tokenOut: usdc,
    amountIn: 10n ** 18n,
    fee: WETH_FEE,
    sqrtPriceLimitX96: 0n,
  })) as bigint[];
  const feedUsdc = (next * 10n ** 6n) / usdAnswer;
  expect(
    qp * 10_000n > feedUsdc * 9_980n && qp * 10_000n < feedUsdc * 10_020n,
    `pool ${qp} vs feed ${feedUsdc}`,
  ).to.equal(true);
}
