/**
 * Aave V3 parameters of the LOCAL replica stack that `deploy/config/local.ts` does not hold
 * (the reserve risk parameters, rate strategies, base currency and flash-loan premium live there).
 * Kept in a separate file so the lead can merge it into `LOCAL_STACK.aave`.
 */
import type { AssetKey } from "./local.ts";

/** Assets listed as Aave reserves (a subset of the local stack's tokens). */
export type AaveListedAsset = Extract<AssetKey, "usdc" | "weth" | "wbtc">;

/** Aave-specific deployment settings of the local stack. */
export const AAVE_LOCAL = {
  /** `PoolAddressesProvider` market id. */
  marketId: "Ballast Local",
  /** Reserves listed by `initReserves`, in listing order. */
  listedAssets: ["usdc", "weth", "wbtc"] as const satisfies readonly AaveListedAsset[],
  /**
   * Hardhat account index that supplies each reserve's `seedSupply` (it wraps ETH for the WETH
   * seed). Not the deployer, so the deployer keeps its ETH for the Uniswap WETH liquidity, and
   * high enough to stay out of the way of tests' usual signers 0-5; every default Hardhat node
   * has 20 accounts.
   */
  seederAccountIndex: 9,
  /** Prefixes of the aToken / debt token names and symbols ("Aave Local USDC", "aLocUSDC"). */
  tokenNamePrefix: "Aave Local",
  tokenSymbolPrefix: "Loc",
} as const;

/** Type of {@link AAVE_LOCAL}. */
export type AaveLocalConfig = typeof AAVE_LOCAL;
