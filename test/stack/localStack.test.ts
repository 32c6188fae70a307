import { expect } from "chai";
import { Contract } from "ethers";
import type { Signer } from "ethers";
import { createRequire } from "node:module";
import { network } from "hardhat";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import type { RiskAssetKey } from "../../deploy/config/local.ts";
import { deployLocalStack, stackAddresses } from "../../deploy/lib/localStack.ts";
import {
  computePoolAddress,
  POOL_INIT_CODE_HASH,
  sqrtPriceX96ToPrice,
} from "../../deploy/lib/uniswapMath.ts";

const require = createRequire(import.meta.url);
const AGGREGATOR_V3_ABI = require("@chainlink/contracts/abi/v0.8/AggregatorV3Interface.json");
const POOL_BYTECODE: string =
  require("@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json").bytecode;

const { pools: POOLS } = LOCAL_STACK.uniswap;
const ASSETS = Object.keys(POOLS) as RiskAssetKey[];

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** The whole stack, deployed once; `loadFixture` reverts to this snapshot for each test. */
async function deployStack() {
  return deployLocalStack(connection);
}

function as(contract: Contract, signer: Signer): Contract {
  return contract.connect(signer) as Contract;
}

/** Pool contract of `asset`/USDC in the deployed stack. */
function poolOf(stack: Awaited<ReturnType<typeof deployStack>>, asset: RiskAssetKey): Contract {
  const byAsset = {
    weth: stack.wethUsdcPool,
    wbtc: stack.wbtcUsdcPool,
    link: stack.linkUsdcPool,
    uni: stack.uniUsdcPool,
  };
  return byAsset[asset] as Contract;
}

/** USDC price of one whole `asset` as the pool currently quotes it. */
async function poolUsdPrice(
  stack: Awaited<ReturnType<typeof deployStack>>,
  asset: RiskAssetKey,
): Promise<number> {
  const pool = poolOf(stack, asset);
  const { sqrtPriceX96 } = (await pool.slot0()) as { sqrtPriceX96: bigint };
  const usdcIs0 = ((await pool.token0()) as string) === (await stack.usdc.getAddress());
  const dUsdc = LOCAL_STACK.tokens.usdc.decimals;
  const dAsset = LOCAL_STACK.tokens[asset].decimals;
  return usdcIs0
    ? 1 / sqrtPriceX96ToPrice(sqrtPriceX96, dUsdc, dAsset)
    : sqrtPriceX96ToPrice(sqrtPriceX96, dAsset, dUsdc);
}

describe("local stack (LocalStack module + pool seeding)", function () {
  it("deploys every contract with code, Aave included", async function () {
    const stack = await networkHelpers.loadFixture(deployStack);
    const addresses = await stackAddresses(stack);
    for (const key of ["usdc", "weth", "wethUsd", "factory", "swapRouter02", "quoterV2"]) {
      expect(addresses, key).to.have.property(key);
    }
    expect(addresses).to.have.property("pool"); // Aave V3 Pool proxy
    for (const [key, address] of Object.entries(addresses)) {
      expect(await ethers.provider.getCode(address), key).to.not.equal("0x");
    }
    expect(await stack.weth.symbol()).to.equal("WETH");
    expect(await stack.usdc.decimals()).to.equal(6n);
    expect(await stack.wbtc.decimals()).to.equal(8n);
  });

  it("the npm pool bytecode hashes to the periphery's POOL_INIT_CODE_HASH", function () {
    expect(ethers.keccak256(POOL_BYTECODE)).to.equal(POOL_INIT_CODE_HASH);
  });

  it("each pool sits at the periphery-computed address (= factory.getPool)", async function () {
    const stack = await networkHelpers.loadFixture(deployStack);
    const factory = await stack.factory.getAddress();
    const usdc = await stack.usdc.getAddress();
    for (const asset of ASSETS) {
      const token = await stack[asset].getAddress();
      const fee = POOLS[asset].fee;
      const expected = computePoolAddress(factory, token, usdc, fee);
      expect(await stack.factory.getPool(token, usdc, fee), asset).to.equal(expected);
      expect(await stack.factory.getPool(usdc, token, fee), asset).to.equal(expected);
      expect(await poolOf(stack, asset).getAddress(), asset).to.equal(expected);
    }
  });

  it("pools start at the config price with in-range liquidity", async function () {
    const stack = await networkHelpers.loadFixture(deployStack);
    for (const asset of ASSETS) {
      const expected = Number(LOCAL_STACK.oracles.prices[asset]) / 1e8;
      const price = await poolUsdPrice(stack, asset);
      expect(Math.abs(price / expected - 1), `${asset} price ${price}`).to.be.lessThan(1e-9);
      const pool = poolOf(stack, asset);
      expect((await pool.liquidity()) as bigint, asset).to.be.greaterThan(0n);
      const seeded = stack.seeded.find((s) => s.asset === asset);
      const { tick } = (await pool.slot0()) as { tick: bigint };
      expect(Number(tick)).to.be.within(seeded!.tickLower, seeded!.tickUpper - 1);
    }
  });

  it("exactInputSingle of ~1% of depth moves the price the right way, by a realistic amount", async function () {
    const stack = await networkHelpers.loadFixture(deployStack);
    const [, trader] = await ethers.getSigners();
    const router = await stack.swapRouter02.getAddress();
    for (const asset of ASSETS) {
      const pool = poolOf(stack, asset);
      const amountIn = POOLS[asset].usdcAmount / 100n; // 1% of the USDC side
      await (await as(stack.usdc, trader).mint(trader.address, amountIn)).wait();
      await (await as(stack.usdc, trader).approve(router, amountIn)).wait();

      const before = (await pool.slot0()) as { sqrtPriceX96: bigint };
      const priceBefore = await poolUsdPrice(stack, asset);
      const balanceBefore = (await stack[asset].balanceOf(trader.address)) as bigint;
      await (
        await as(stack.swapRouter02, trader).exactInputSingle({
          tokenIn: await stack.usdc.getAddress(),
          tokenOut: await stack[asset].getAddress(),
          fee: POOLS[asset].fee,
          recipient: trader.address,
          amountIn,
          amountOutMinimum: 1n,
          sqrtPriceLimitX96: 0n,
        })
      ).wait();
      const after = (await pool.slot0()) as { sqrtPriceX96: bigint };
      const priceAfter = await poolUsdPrice(stack, asset);
      const received = ((await stack[asset].balanceOf(trader.address)) as bigint) - balanceBefore;

      // Buying the asset with USDC: USDC/asset price rises. In raw sqrtPrice terms it goes
      // down when USDC is token0 (token1 per token0 falls) and up otherwise.
      const usdcIs0 = ((await pool.token0()) as string) === (await stack.usdc.getAddress());
      if (usdcIs0) expect(after.sqrtPriceX96 < before.sqrtPriceX96, asset).to.equal(true);
      else expect(after.sqrtPriceX96 > before.sqrtPriceX96, asset).to.equal(true);
      expect(priceAfter, asset).to.be.greaterThan(priceBefore);
      const impact = priceAfter / priceBefore - 1;
      expect(impact, `${asset} impact`).to.be.within(1e-4, 0.05);
      // Output ≈ amountIn / price, less the fee and the impact.
      const whole = Number(received) / 10 ** LOCAL_STACK.tokens[asset].decimals;
      const fair = Number(amountIn) / 1e6 / priceBefore;
      expect(whole / fair, `${asset} output ratio`).to.be.within(0.94, 1);
    }
  });

  it("QuoterV2 quotes the exact output and amountOutMinimum is enforced", async function () {
    const stack = await networkHelpers.loadFixture(deployStack);
    const [, trader] = await ethers.getSigners();
    const weth = await stack.weth.getAddress();
    const usdc = await stack.usdc.getAddress();
    const router = as(stack.swapRouter02, trader);
    // Sell 50 WETH for USDC (the other direction from the previous test).
    const amountIn = 50n * 10n ** 18n;
    await (await as(stack.weth, trader).deposit({ value: amountIn })).wait();
    await (await as(stack.weth, trader).approve(await router.getAddress(), amountIn)).wait();

    const quote = await stack.quoterV2.quoteExactInputSingle.staticCall({
      tokenIn: weth,
      tokenOut: usdc,
      amountIn,
      fee: POOLS.weth.fee,
      sqrtPriceLimitX96: 0n,
    });
    const [quotedOut, sqrtPriceAfter] = [quote[0] as bigint, quote[1] as bigint];
    expect(quotedOut).to.be.greaterThan(140_000n * 10n ** 6n);

    const params = {
      tokenIn: weth,
      tokenOut: usdc,
      fee: POOLS.weth.fee,
      recipient: trader.address,
      amountIn,
      amountOutMinimum: quotedOut + 1n,
      sqrtPriceLimitX96: 0n,
    };
    await expect(router.exactInputSingle(params)).to.be.revertedWith("Too little received");

    const before = (await stack.usdc.balanceOf(trader.address)) as bigint;
    await (await router.exactInputSingle({ ...params, amountOutMinimum: quotedOut })).wait();
    const received = ((await stack.usdc.balanceOf(trader.address)) as bigint) - before;
    expect(received).to.equal(quotedOut);
    const { sqrtPriceX96 } = (await stack.wethUsdcPool.slot0()) as { sqrtPriceX96: bigint };
    expect(sqrtPriceX96).to.equal(sqrtPriceAfter);
  });

  it("a feed update is read back through Chainlink's AggregatorV3Interface", async function () {
    const stack = await networkHelpers.loadFixture(deployStack);
    const feed = new Contract(await stack.wethUsd.getAddress(), AGGREGATOR_V3_ABI, ethers.provider);
    expect(await feed.decimals()).to.equal(8n);
    const [round0, answer0] = (await feed.latestRoundData()) as [bigint, bigint];
    expect(answer0).to.equal(LOCAL_STACK.oracles.prices.weth);

    const newPrice = 3_123_45000000n;
    const receipt = await (await stack.wethUsd.updateAnswer(newPrice)).wait();
    const block = await ethers.provider.getBlock(receipt!.blockNumber);
    const [roundId, answer, startedAt, updatedAt, answeredInRound] =
      (await feed.latestRoundData()) as [bigint, bigint, bigint, bigint, bigint];
    expect(roundId).to.equal(round0 + 1n);
    expect(answer).to.equal(newPrice);
    expect(updatedAt).to.equal(BigInt(block!.timestamp));
    expect(startedAt).to.equal(updatedAt);
    expect(answeredInRound).to.equal(roundId);

    const sequencer = new Contract(
      await stack.sequencerUptime.getAddress(),
      AGGREGATOR_V3_ABI,
      ethers.provider,
    );
    const [, status] = (await sequencer.latestRoundData()) as [bigint, bigint];
    expect(status).to.equal(0n); // 0 = sequencer up
  });

  it("seeding is idempotent: a second run leaves the pools untouched", async function () {
    const stack = await networkHelpers.loadFixture(deployStack);
    const { seedUniswapPools } = await import("../../deploy/lib/seedUniswap.ts");
    const addresses = await stackAddresses(stack);
    const lp = (await ethers.getSigners())[LOCAL_STACK.uniswap.lpAccountIndex];
    const again = await seedUniswapPools({
      lp,
      tokens: {
        usdc: addresses.usdc,
        weth: addresses.weth,
        wbtc: addresses.wbtc,
        link: addresses.link,
        uni: addresses.uni,
      },
      positionManager: addresses.positionManager,
      pools: {
        weth: addresses.wethUsdcPool,
        wbtc: addresses.wbtcUsdcPool,
        link: addresses.linkUsdcPool,
        uni: addresses.uniUsdcPool,
      },
    });
    for (const result of again) {
      expect(result.tokenId, result.asset).to.equal(undefined);
      const first = stack.seeded.find((s) => s.asset === result.asset)!;
      expect(result.liquidity, result.asset).to.equal(first.liquidity);
    }
  });
});
