/**
 * Initialises the local Uniswap V3 pools at the config prices and mints concentrated liquidity
 * through the NonfungiblePositionManager. Runs AFTER the Ignition deployment of
 * `deploy/modules/UniswapV3.ts` (which creates the pools): the initial sqrtPriceX96 and the
 * mint's token0/token1 depend on the token addresses' order, unknown when the module is built.
 * Idempotent: an initialised pool is not re-initialised, a pool with liquidity is not re-funded.
 */
import { Contract, MaxUint256 } from "ethers";
import type { ContractTransactionResponse, Signer } from "ethers";
import { LOCAL_STACK } from "../config/local.ts";
import type { AssetKey, LocalStackConfig, RiskAssetKey } from "../config/local.ts";
import { encodeSqrtPriceX96, sortTokens, sqrtPriceX96ToTick, tickRange } from "./uniswapMath.ts";
import type { PricedToken } from "./uniswapMath.ts";

const ERC20_ABI = [
  "function approve(address spender, uint256 amount) returns (bool)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function balanceOf(address owner) view returns (uint256)",
  "function mint(address to, uint256 amount)",
  "function deposit() payable",
];

const POOL_ABI = [
  "function token0() view returns (address)",
  "function token1() view returns (address)",
  "function liquidity() view returns (uint128)",
  "function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)",
  "function initialize(uint160 sqrtPriceX96)",
];

const POSITION_MANAGER_ABI = [
  "function mint((address token0, address token1, uint24 fee, int24 tickLower, int24 tickUpper, uint256 amount0Desired, uint256 amount1Desired, uint256 amount0Min, uint256 amount1Min, address recipient, uint256 deadline) params) payable returns (uint256 tokenId, uint128 liquidity, uint256 amount0, uint256 amount1)",
  "event IncreaseLiquidity(uint256 indexed tokenId, uint128 liquidity, uint256 amount0, uint256 amount1)",
];

/** Raised when seeding cannot proceed (e.g. the pool's tokens are not the expected pair). */
export class SeedError extends Error {
  readonly code: "SEED_POOL_MISMATCH" | "SEED_TX_FAILED";
  constructor(code: SeedError["code"], message: string) {
    super(message);
    this.name = "SeedError";
    this.code = code;
  }
}

/** Addresses the seeding needs, all already deployed. */
export interface SeedUniswapInput {
  /** Liquidity provider; receives the position NFTs. Must hold ETH for WETH (wrapped here). */
  readonly lp: Signer;
  readonly tokens: Readonly<Record<AssetKey, string>>;
  readonly positionManager: string;
  readonly pools: Readonly<Record<RiskAssetKey, string>>;
  readonly config?: LocalStackConfig;
}

/** What was done to one pool. */
export interface SeededPool {
  readonly asset: RiskAssetKey;
  readonly pool: string;
  readonly token0: string;
  readonly token1: string;
  readonly sqrtPriceX96: bigint;
  readonly tickLower: number;
  readonly tickUpper: number;
  /** Position NFT id, or undefined when the pool already had liquidity and was left alone. */
  readonly tokenId: bigint | undefined;
  readonly liquidity: bigint;
}

async function send(tx: Promise<ContractTransactionResponse>, what: string) {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) {
    throw new SeedError("SEED_TX_FAILED", `${what} failed`);
  }
  return receipt;
}

/** Makes sure `lp` holds at least `amount` of the token (minting, or wrapping ETH for WETH). */
async function fund(token: Contract, lp: string, amount: bigint, isWeth: boolean): Promise<void> {
  const balance = (await token.balanceOf(lp)) as bigint;
  if (balance >= amount) return;
  const missing = amount - balance;
  if (isWeth) await send(token.deposit({ value: missing }), "WETH deposit");
  else await send(token.mint(lp, missing), "token mint");
}

/** Approves the position manager for `token` once (max allowance). */
async function approveOnce(token: Contract, lp: string, spender: string): Promise<void> {
  const allowance = (await token.allowance(lp, spender)) as bigint;
  if (allowance < MaxUint256 / 2n) await send(token.approve(spender, MaxUint256), "approve");
}

/**
 * Initialises every asset/USDC pool at the config's USD prices (sqrtPriceX96 for the actual
 * token order and decimals) and mints a position of the config's depth within ±rangeBps of the
 * price, from `lp`. Returns one record per pool.
 */
export async function seedUniswapPools(input: SeedUniswapInput): Promise<SeededPool[]> {
  const config = input.config ?? LOCAL_STACK;
  const lpAddress = await input.lp.getAddress();
  const npm = new Contract(input.positionManager, POSITION_MANAGER_ABI, input.lp);
  const usdc: PricedToken = {
    address: input.tokens.usdc,
    decimals: config.tokens.usdc.decimals,
    usdPrice: config.oracles.prices.usdc,
  };
  const usdcToken = new Contract(input.tokens.usdc, ERC20_ABI, input.lp);
  await approveOnce(usdcToken, lpAddress, input.positionManager);

  const assets = Object.keys(config.uniswap.pools) as RiskAssetKey[];
  const results: SeededPool[] = [];
  for (const asset of assets) {
    const poolConfig = config.uniswap.pools[asset];
    const pool = new Contract(input.pools[asset], POOL_ABI, input.lp);
    const priced: PricedToken = {
      address: input.tokens[asset],
      decimals: config.tokens[asset].decimals,
      usdPrice: config.oracles.prices[asset],
    };
    const [t0, t1] = sortTokens(priced, usdc);
    const [onChain0, onChain1] = [(await pool.token0()) as string, (await pool.token1()) as string];
    if (
      onChain0.toLowerCase() !== t0.address.toLowerCase() ||
      onChain1.toLowerCase() !== t1.address.toLowerCase()
    ) {
      throw new SeedError("SEED_POOL_MISMATCH", `pool ${input.pools[asset]} is not ${asset}/USDC`);
    }

    const sqrtPriceX96 = encodeSqrtPriceX96(t0, t1);
    const slot0 = (await pool.slot0()) as { sqrtPriceX96: bigint };
    if (slot0.sqrtPriceX96 === 0n) {
      await send(pool.initialize(sqrtPriceX96), `initialize ${asset}/USDC`);
    }
    const currentSqrt = slot0.sqrtPriceX96 === 0n ? sqrtPriceX96 : slot0.sqrtPriceX96;
    const [tickLower, tickUpper] = tickRange(
      sqrtPriceX96ToTick(currentSqrt),
      poolConfig.tickSpacing,
      poolConfig.rangeBps,
    );

    const existing = (await pool.liquidity()) as bigint;
    if (existing > 0n) {
      results.push({
        asset,
        pool: input.pools[asset],
        token0: t0.address,
        token1: t1.address,
        sqrtPriceX96: currentSqrt,
        tickLower,
        tickUpper,
        tokenId: undefined,
        liquidity: existing,
      });
      continue;
    }

    const assetToken = new Contract(input.tokens[asset], ERC20_ABI, input.lp);
    await fund(usdcToken, lpAddress, poolConfig.usdcAmount, false);
    await fund(assetToken, lpAddress, poolConfig.assetAmount, asset === "weth");
    await approveOnce(assetToken, lpAddress, input.positionManager);

    const usdcIs0 = t0.address === usdc.address;
    const receipt = await send(
      npm.mint({
        token0: t0.address,
        token1: t1.address,
        fee: poolConfig.fee,
        tickLower,
        tickUpper,
        amount0Desired: usdcIs0 ? poolConfig.usdcAmount : poolConfig.assetAmount,
        amount1Desired: usdcIs0 ? poolConfig.assetAmount : poolConfig.usdcAmount,
        amount0Min: 0n,
        amount1Min: 0n,
        recipient: lpAddress,
        deadline: MaxUint256,
      }),
      `mint ${asset}/USDC position`,
    );
    let tokenId: bigint | undefined;
    for (const log of receipt.logs) {
      const parsed = npm.interface.parseLog(log);
      if (parsed?.name === "IncreaseLiquidity") tokenId = parsed.args.tokenId as bigint;
    }
    results.push({
      asset,
      pool: input.pools[asset],
      token0: t0.address,
      token1: t1.address,
      sqrtPriceX96: currentSqrt,
      tickLower,
      tickUpper,
      tokenId,
      liquidity: (await pool.liquidity()) as bigint,
    });
  }
  return results;
}
