/**
 * Loading protocols' own npm artifacts (abi + bytecode exactly as published, never recompiled)
 * in the shape Hardhat Ignition 3 expects. Ignition stores an artifact's `_format` in its
 * journal and refuses a second deployment to a live node when it is not `hh3-artifact-1`
 * (HHE10002), so every external artifact is relabelled here.
 */
import { createRequire } from "node:module";
import type { Abi, Artifact, LinkReferences } from "@nomicfoundation/ignition-core";

const require = createRequire(import.meta.url);

/** Raised when an npm artifact is missing or lacks abi/bytecode. */
export class ArtifactError extends Error {
  readonly code: "ARTIFACT_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "ArtifactError";
    this.code = "ARTIFACT_INVALID";
  }
}

interface RawArtifact {
  readonly contractName?: string;
  readonly sourceName?: string;
  readonly abi?: Abi;
  readonly bytecode?: string;
  readonly deployedBytecode?: string;
  readonly linkReferences?: LinkReferences;
  readonly deployedLinkReferences?: LinkReferences;
}

/**
 * Relabels a Hardhat 2 (`hh-sol-artifact-1`) or Truffle artifact object as an Ignition
 * `hh3-artifact-1` artifact, keeping abi and bytecode byte for byte.
 */
export function toHh3Artifact(raw: RawArtifact, fallbackName: string): Artifact {
  if (raw.abi === undefined || raw.bytecode === undefined) {
    throw new ArtifactError(`artifact ${fallbackName} has no abi or bytecode`);
  }
  const contractName = raw.contractName ?? fallbackName;
  return {
    _format: "hh3-artifact-1",
    contractName,
    sourceName: raw.sourceName ?? `npm/${contractName}.sol`,
    abi: raw.abi,
    bytecode: raw.bytecode,
    deployedBytecode: raw.deployedBytecode ?? "0x",
    linkReferences: raw.linkReferences ?? {},
    deployedLinkReferences: raw.deployedLinkReferences ?? {},
  };
}

/**
 * Loads an artifact JSON from an npm package (e.g.
 * `@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json`) and
 * relabels it with {@link toHh3Artifact}.
 */
export function loadNpmArtifact(specifier: string): Artifact {
  const fallbackName =
    specifier
      .split("/")
      .pop()
      ?.replace(/\.json$/, "") ?? specifier;
  const raw = require(specifier) as RawArtifact | Abi;
  // Some packages (e.g. @chainlink/contracts/abi/...) ship a bare ABI array: an interface
  // artifact with no bytecode, usable with `m.contractAt` only.
  if (Array.isArray(raw)) return toHh3Artifact({ abi: raw, bytecode: "0x" }, fallbackName);
  return toHh3Artifact(raw as RawArtifact, fallbackName);
}

/** npm paths of the artifacts the local stack deploys. */
export const NPM_ARTIFACTS = {
  weth9: "canonical-weth/build/contracts/WETH9.json",
  uniswapV3Factory:
    "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
  uniswapV3Pool: "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json",
  nonfungiblePositionManager:
    "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
  swapRouter02:
    "@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json",
  quoterV2: "@uniswap/swap-router-contracts/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json",
} as const;

/** npm paths of interface artifacts (abi only) used to attach to real-network contracts. */
export const NPM_INTERFACES = {
  erc20: "@openzeppelin/contracts/build/contracts/IERC20Metadata.json",
  aggregatorV3: "@chainlink/contracts/abi/v0.8/AggregatorV3Interface.json",
  uniswapV3Factory:
    "@uniswap/v3-core/artifacts/contracts/interfaces/IUniswapV3Factory.sol/IUniswapV3Factory.json",
  swapRouter02:
    "@uniswap/swap-router-contracts/artifacts/contracts/interfaces/ISwapRouter02.sol/ISwapRouter02.json",
  quoterV2:
    "@uniswap/swap-router-contracts/artifacts/contracts/interfaces/IQuoterV2.sol/IQuoterV2.json",
  nonfungiblePositionManager:
    "@uniswap/v3-periphery/artifacts/contracts/interfaces/INonfungiblePositionManager.sol/INonfungiblePositionManager.json",
  aavePool: "@aave/core-v3/artifacts/contracts/interfaces/IPool.sol/IPool.json",
  aavePoolAddressesProvider:
    "@aave/core-v3/artifacts/contracts/interfaces/IPoolAddressesProvider.sol/IPoolAddressesProvider.json",
} as const;
