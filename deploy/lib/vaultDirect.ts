/**
 * BallastVault deployed directly with ethers, without Ignition (tests and benchmarks that need
 * vaults with their own limits, fees or tokens): the four linked libraries, a VaultRebalancer over
 * the same base asset, then the vault. Deployments that go to a real network use the Ignition
 * modules (deploy/lib/vaultModule.ts) instead.
 */
import type { BallastVault } from "../../types/ethers-contracts/index.ts";

/** The linked libraries of BallastVault (and of VaultRebalancer: PriceLib). */
export const VAULT_LIBRARIES = ["ConfigLib", "RebalanceLib", "PriceLib", "PlanHashing"] as const;

/** Library name → deployed address. */
export type VaultLibraries = Record<(typeof VAULT_LIBRARIES)[number], string>;

/** The slice of hardhat-ethers this module uses. */
export interface EthersDeployer {
  deployContract(
    name: string,
    args?: unknown[],
    options?: { libraries?: Record<string, string> },
  ): Promise<unknown>;
}

async function addressOf(c: unknown): Promise<string> {
  return (c as { getAddress(): Promise<string> }).getAddress();
}

/** Deploys the four libraries once; pass the result to every {@link deployVaultDirect}. */
export async function deployVaultLibraries(ethers: EthersDeployer): Promise<VaultLibraries> {
  const libs = {} as VaultLibraries;
  for (const name of VAULT_LIBRARIES)
    libs[name] = await addressOf(await ethers.deployContract(name));
  return libs;
}

/**
 * Deploys a VaultRebalancer over `init.base` and the vault with `init` (BallastVault.Init).
 * Libraries are deployed first when `libs` is not given.
 */
export async function deployVaultDirect(
  ethers: EthersDeployer,
  init: { base: string } & Record<string, unknown>,
  libs?: VaultLibraries,
): Promise<BallastVault> {
  const l = libs ?? (await deployVaultLibraries(ethers));
  const rebalancer = await ethers.deployContract("VaultRebalancer", [init.base], {
    libraries: { PriceLib: l.PriceLib },
  });
  return (await ethers.deployContract("BallastVault", [init, await addressOf(rebalancer)], {
    libraries: { ...l },
  })) as BallastVault;
}

/** Limits for vaults deployed in tests and benchmarks (wide enough for any test plan). */
export const TEST_LIMITS = {
  depositCap: 10n ** 30n,
  maxSlippageBps: 100,
  maxLossPerRebalanceBps: 100,
  lossBudgetBps: 300,
  lossWindow: 86_400,
  maxTurnoverBps: 20_000,
  maxLeverageBps: 20_000,
  minHealthFactor: 1_200_000_000_000_000_000n,
  rebalanceCooldown: 0,
  circuitBreakerDropBps: 1_000,
  circuitBreakerWindow: 86_400,
};

/** No fees, no recipient. */
export const NO_FEES = {
  recipient: "0x0000000000000000000000000000000000000000",
  entryFeeBps: 0,
  exitFeeBps: 0,
  managementFeeBps: 0,
  performanceFeeBps: 0,
};

/**
 * BallastVault.Init for tests and benchmarks: "Ballast USDC" / "bUSDC", curator timelock 0, base
 * feed with a one-day heartbeat and no band, no sequencer; `limits` and `fees` patch
 * {@link TEST_LIMITS} and {@link NO_FEES}.
 */
export function testVaultInit(p: {
  base: string;
  baseFeed: string;
  admin: string;
  limits?: Partial<typeof TEST_LIMITS>;
  fees?: Partial<typeof NO_FEES>;
}) {
  return {
    base: p.base,
    name: "Ballast USDC",
    symbol: "bUSDC",
    admin: p.admin,
    curatorTimelock: 0,
    limits: { ...TEST_LIMITS, ...p.limits },
    fees: { ...NO_FEES, ...p.fees },
    baseFeed: { feed: p.baseFeed, heartbeat: 86_400, minPrice: 0, maxPrice: 0 },
    sequencer: { feed: "0x0000000000000000000000000000000000000000", gracePeriod: 0 },
  };
}

/** Accounts {@link deployTestVault} grants roles to (the deployer, the vault's admin, signs). */
export interface TestVaultRoles {
  curator?: string;
  guardian?: string;
  keeperSigner?: string;
}

/**
 * A test vault in one call: libraries, rebalancer and vault with {@link testVaultInit}`(p)` (the
 * deploying account must be `p.admin`), then CURATOR, GUARDIAN and KEEPER_SIGNER granted to the
 * accounts in `roles`.
 */
export async function deployTestVault(
  ethers: EthersDeployer,
  p: Parameters<typeof testVaultInit>[0],
  roles: TestVaultRoles = {},
): Promise<BallastVault> {
  const vault = await deployVaultDirect(ethers, testVaultInit(p));
  const grants: [Promise<string>, string | undefined][] = [
    [vault.CURATOR_ROLE(), roles.curator],
    [vault.GUARDIAN_ROLE(), roles.guardian],
    [vault.KEEPER_SIGNER_ROLE(), roles.keeperSigner],
  ];
  for (const [role, who] of grants) {
    if (who !== undefined) await (await vault.grantRole(await role, who)).wait();
  }
  return vault;
}
