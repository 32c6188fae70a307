/**
 * Market moves for the tests that run the keeper on the local vault (deployLocalVault): a feed
 * shock followed by the arbitrage that brings the local pool to the new feed price
 * (deploy/lib/marketMoves.ts), funded per swap, and a check that the pool then quotes the feed.
 */
import { expect } from "chai";
import type { NetworkConnection } from "hardhat/types/network";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import { shockWethAndArbitrage } from "../../deploy/lib/marketMoves.ts";
import type { ArbLeg } from "../../deploy/lib/marketMoves.ts";
import type { LocalVault } from "../../deploy/lib/vaultLocal.ts";
import { dyn } from "./rpc.ts";

const WETH_FEE = LOCAL_STACK.uniswap.pools.weth.fee;

/**
 * Moves the WETH/USD feed by `bps` (signed) and arbitrages the WETH/USDC pool to the new price
 * from Hardhat account #7: USDC (minted for the swap) in for a rally, WETH (ETH wrapped for the
 * swap) in for a fall, stopped at the price limit. Asserts that the pool then quotes within 20 bp
 * of the feed.
 */
export async function shockWeth(
  connection: NetworkConnection,
  d: LocalVault,
  bps: bigint,
): Promise<void> {
  const { ethers, networkHelpers } = connection;
  const arb = (await ethers.getSigners())[7];
  const fund = async ({ tokenIn, amountIn, router }: ArbLeg): Promise<void> => {
    if (tokenIn === "usdc") {
      await dyn(d.usdc).mint(arb.address, amountIn);
      await dyn(dyn(d.usdc).connect(arb)).approve(router, amountIn);
    } else {
      await networkHelpers.setBalance(arb.address, 2n * amountIn); // the swap + gas
      await dyn(dyn(d.weth).connect(arb)).deposit({ value: amountIn });
      await dyn(dyn(d.weth).connect(arb)).approve(router, amountIn);
    }
  };
  const { wethUsd, usdcUsd } = await shockWethAndArbitrage(d, { bps, arb, fund });
  // the pool now quotes within a few bps of the feed
  const [qp] = (await dyn(d.quoterV2).quoteExactInputSingle.staticCall({
    tokenIn: await d.weth.getAddress(),
    tokenOut: await d.usdc.getAddress(),
    amountIn: 10n ** 18n,
    fee: WETH_FEE,
    sqrtPriceLimitX96: 0n,
  })) as bigint[];
  const feedUsdc = (wethUsd * 10n ** 6n) / usdcUsd;
  expect(
    qp * 10_000n > feedUsdc * 9_980n && qp * 10_000n < feedUsdc * 10_020n,
    `pool ${qp} vs feed ${feedUsdc}`,
  ).to.equal(true);
}
