/**
 * One call that brings up the local replica stack on a Hardhat network connection: the
 * `LocalStack` Ignition module, then the Uniswap pool seeding that cannot be expressed in
 * Ignition (see `seedUniswap.ts`).
 */
import type { NetworkConnection } from "hardhat/types/network";
import { LOCAL_STACK } from "../config/local.ts";
import LocalStackModule from "../modules/LocalStack.ts";
import { seedUniswapPools } from "./seedUniswap.ts";
import type { SeededPool } from "./seedUniswap.ts";

/** Options of {@link deployLocalStack}. */
export interface DeployLocalStackOptions {
  /** Ignition deployment id (persisted journals only, e.g. on `localhost`). */
  readonly deploymentId?: string;
  /** Show Ignition's progress UI (default false). */
  readonly displayUi?: boolean;
}

/** Deploys the LocalStack module and seeds the Uniswap pools; returns the contracts. */
export async function deployLocalStack(
  connection: NetworkConnection,
  options: DeployLocalStackOptions = {},
) {
  const contracts = await connection.ignition.deploy(LocalStackModule, {
    deploymentId: options.deploymentId,
    displayUi: options.displayUi ?? false,
  });
  const seeded = await seedStackPools(connection, contracts);
  return { ...contracts, seeded };
}

/** The stack contracts {@link seedStackPools} needs (tokens, position manager, pools). */
interface Addressable {
  getAddress(): Promise<string>;
}
export interface SeedableStack {
  usdc: Addressable;
  weth: Addressable;
  wbtc: Addressable;
  link: Addressable;
  uni: Addressable;
  positionManager: Addressable;
  wethUsdcPool: Addressable;
  wbtcUsdcPool: Addressable;
  linkUsdcPool: Addressable;
  uniUsdcPool: Addressable;
}

/**
 * Initialises and funds every asset/USDC pool of a deployed stack from the configured LP account
 * (`LOCAL_STACK.uniswap.lpAccountIndex`); idempotent. Shared by every local deployment path.
 */
export async function seedStackPools(
  connection: NetworkConnection,
  contracts: SeedableStack,
): Promise<SeededPool[]> {
  const signers = await connection.ethers.getSigners();
  const lp = signers[LOCAL_STACK.uniswap.lpAccountIndex];
  const addr = (c: Addressable) => c.getAddress();
  return seedUniswapPools({
    lp,
    tokens: {
      usdc: await addr(contracts.usdc),
      weth: await addr(contracts.weth),
      wbtc: await addr(contracts.wbtc),
      link: await addr(contracts.link),
      uni: await addr(contracts.uni),
    },
    positionManager: await addr(contracts.positionManager),
    pools: {
      weth: await addr(contracts.wethUsdcPool),
      wbtc: await addr(contracts.wbtcUsdcPool),
      link: await addr(contracts.linkUsdcPool),
      uni: await addr(contracts.uniUsdcPool),
    },
  });
}

/** The resolved type of {@link deployLocalStack}. */
export type LocalStack = Awaited<ReturnType<typeof deployLocalStack>>;

/** `key → address` of every contract in a deployed {@link LocalStack} (no seeding info). */
export async function stackAddresses(stack: LocalStack): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(stack)) {
    if (key === "seeded") continue;
    out[key] = await (value as { getAddress(): Promise<string> }).getAddress();
  }
  return out;
}
