/**
 * Writes `deploy/parameters/vault-mainnet.json` and `vault-arbitrum.json` (Ignition parameter
 * files for `deploy/modules/VaultRealNetwork.ts`) from `deploy/addresses.ts` and
 * `deploy/lib/vaultConfig.ts`. Run: `node deploy/lib/vault-parameters.ts` (Node 22, repository
 * root). The role parameters (`REAL_NETWORK_ROLE_PARAMETERS`) are left out on purpose.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ARBITRUM, MAINNET, NONE, realNetworkParameters } from "../addresses.ts";
import type { RealNetworkAddresses } from "../addresses.ts";
import { REAL_NETWORK_HEARTBEATS, SEQUENCER_GRACE_PERIOD } from "./vaultConfig.ts";

/** Directory of the parameter files. */
export const VAULT_PARAMETERS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../parameters",
);

/** Parameters of the `VaultRealNetwork` module section for `network` (roles excluded). */
export function vaultRealNetworkParameters(network: RealNetworkAddresses) {
  const hb = REAL_NETWORK_HEARTBEATS[network.name];
  const { wbtcUsd, btcUsd, sequencerUptime } = network.chainlink;
  return {
    // WBTC priced by a direct WBTC/USD feed where one exists, else by BTC/USD.
    wbtcFeed: wbtcUsd !== NONE ? wbtcUsd : btcUsd,
    usdcHeartbeat: hb.usdc,
    wethHeartbeat: hb.weth,
    wbtcHeartbeat: hb.wbtc,
    linkHeartbeat: hb.link,
    uniHeartbeat: hb.uni,
    sequencerGracePeriod: sequencerUptime !== NONE ? SEQUENCER_GRACE_PERIOD : 0,
  };
}

/** The whole parameter file: the `RealNetwork` section plus the `VaultRealNetwork` section. */
export function vaultParametersFile(network: RealNetworkAddresses) {
  return {
    ...realNetworkParameters(network),
    VaultRealNetwork: vaultRealNetworkParameters(network),
  };
}

/** Path of the vault parameter file for `network`. */
export function vaultParametersFilePath(network: RealNetworkAddresses): string {
  return path.join(VAULT_PARAMETERS_DIR, `vault-${network.name}.json`);
}

/** The exact text of the vault parameter file (2-space JSON + newline). */
export function vaultParametersFileText(network: RealNetworkAddresses): string {
  return `${JSON.stringify(vaultParametersFile(network), null, 2)}\n`;
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  mkdirSync(VAULT_PARAMETERS_DIR, { recursive: true });
  for (const network of [MAINNET, ARBITRUM]) {
    writeFileSync(vaultParametersFilePath(network), vaultParametersFileText(network));
    console.log(`wrote ${vaultParametersFilePath(network)}`);
  }
}
