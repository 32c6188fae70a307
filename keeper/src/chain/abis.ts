/**
 * ABIs of the contracts the keeper talks to, loaded at run time from the Hardhat artifacts
 * (artifacts/contracts/…) and the npm packages, so that struct layouts are never hard-coded here
 * and a recompiled contract is picked up without a keeper change.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { InterfaceAbi } from "ethers";

/** An artifact that cannot be found or parsed. */
export class AbiError extends Error {
  readonly code: "ABI_NOT_FOUND";

  constructor(message: string) {
    super(message);
    this.name = "AbiError";
    this.code = "ABI_NOT_FOUND";
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const require = createRequire(import.meta.url);

/** Project contracts the keeper reads (`contracts/<file>.sol:<name>`). */
export const PROJECT_CONTRACTS = {
  BallastVault: "BallastVault.sol",
  BallastLens: "BallastLens.sol",
  RiskChecks: "libraries/RiskChecks.sol",
  LossBudget: "libraries/LossBudget.sol",
  RebalanceLib: "libraries/RebalanceLib.sol",
  PlanHashing: "libraries/PlanHashing.sol",
  ConfigLib: "libraries/ConfigLib.sol",
  OracleLib: "libraries/OracleLib.sol",
  PriceLib: "libraries/PriceLib.sol",
  NavMath: "libraries/NavMath.sol",
  Tightening: "libraries/Tightening.sol",
  AaveV3Adapter: "adapters/AaveV3Adapter.sol",
  UniswapV3SwapAdapter: "adapters/UniswapV3SwapAdapter.sol",
} as const;

/** Name of a project contract with an artifact. */
export type ProjectContract = keyof typeof PROJECT_CONTRACTS;

const NPM_ABIS = {
  erc20: "@openzeppelin/contracts/build/contracts/IERC20Metadata.json",
  aggregatorV3: "@chainlink/contracts/abi/v0.8/AggregatorV3Interface.json",
  quoterV2:
    "@uniswap/swap-router-contracts/artifacts/contracts/interfaces/IQuoterV2.sol/IQuoterV2.json",
  aavePool: "@aave/core-v3/artifacts/contracts/interfaces/IPool.sol/IPool.json",
} as const;

/** Name of an npm interface ABI. */
export type NpmAbi = keyof typeof NPM_ABIS;

const cache = new Map<string, InterfaceAbi>();

/** ABI of a project contract from `artifacts/contracts/` (cached per process). */
export function projectAbi(name: ProjectContract): InterfaceAbi {
  const key = `project:${name}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const file = path.join(ROOT, "artifacts/contracts", PROJECT_CONTRACTS[name], `${name}.json`);
  let abi: InterfaceAbi;
  try {
    abi = (JSON.parse(readFileSync(file, "utf8")) as { abi: InterfaceAbi }).abi;
  } catch (e) {
    throw new AbiError(
      `artifact of ${name} not found at ${file} (run \`npx hardhat build\`): ${String(e)}`,
    );
  }
  cache.set(key, abi);
  return abi;
}

/** ABI of an npm interface (ERC-20 metadata, Chainlink aggregator, QuoterV2, Aave pool). */
export function npmAbi(name: NpmAbi): InterfaceAbi {
  const key = `npm:${name}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const raw = require(NPM_ABIS[name]) as { abi: InterfaceAbi } | InterfaceAbi;
  const abi = Array.isArray(raw) ? (raw as InterfaceAbi) : (raw as { abi: InterfaceAbi }).abi;
  cache.set(key, abi);
  return abi;
}
