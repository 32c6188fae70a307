/**
 * Writes `deploy/parameters/mainnet.json` and `arbitrum.json` (Ignition parameter files for
 * `deploy/modules/RealNetwork.ts`) from `deploy/addresses.ts`. Run:
 * `node deploy/lib/write-parameters.ts` (Node 22, from the repository root).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ARBITRUM, MAINNET, realNetworkParameters } from "../addresses.ts";
import type { RealNetworkAddresses } from "../addresses.ts";

/** Directory of the parameter files. */
export const PARAMETERS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../parameters",
);

/** The exact text of the parameter file for `network` (2-space JSON + newline). */
export function parametersFileText(network: RealNetworkAddresses): string {
  return `${JSON.stringify(realNetworkParameters(network), null, 2)}\n`;
}

/** Path of the parameter file for `network`. */
export function parametersFilePath(network: RealNetworkAddresses): string {
  return path.join(PARAMETERS_DIR, `${network.name}.json`);
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  mkdirSync(PARAMETERS_DIR, { recursive: true });
  for (const network of [MAINNET, ARBITRUM]) {
    writeFileSync(parametersFilePath(network), parametersFileText(network));
    console.log(`wrote ${parametersFilePath(network)}`);
  }
}
