/**
 * One call that brings up the Ballast vault on the local replica stack: the `Vault` Ignition
 * module (LocalStack + vault system), then the Uniswap pool seeding that Ignition cannot express
 * (deploy/lib/seedUniswap.ts), exactly as `deployLocalStack` does for the bare stack.
 */
import type { NetworkConnection } from "hardhat/types/network";
import VaultModule from "../modules/Vault.ts";
import { seedStackPools } from "./localStack.ts";

/** Options of {@link deployLocalVault}. */
export interface DeployLocalVaultOptions {
  /** Ignition deployment id (persisted journals only, e.g. on `localhost`). */
  readonly deploymentId?: string;
  /** Show Ignition's progress UI (default false). */
  readonly displayUi?: boolean;
  /** `Vault` module parameters (see deploy/modules/Vault.ts). */
  readonly parameters?: Record<string, string | number | bigint>;
}

/** Deploys the Vault module and seeds the Uniswap pools; returns the contracts. */
export async function deployLocalVault(
  connection: NetworkConnection,
  options: DeployLocalVaultOptions = {},
) {
  const contracts = await connection.ignition.deploy(VaultModule, {
    deploymentId: options.deploymentId,
    displayUi: options.displayUi ?? false,
    parameters: options.parameters === undefined ? undefined : { Vault: options.parameters },
  });
  const seeded = await seedStackPools(connection, contracts);
  return { ...contracts, seeded };
}

/** The resolved type of {@link deployLocalVault}. */
export type LocalVault = Awaited<ReturnType<typeof deployLocalVault>>;
