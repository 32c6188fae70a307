/**
 * Aave V3 (`@aave/core-v3` 1.19.3, the v3.0 line) artifacts exactly as published on npm, relabelled
 * for Hardhat Ignition 3 by {@link loadNpmArtifact}. Nothing here is recompiled.
 */
import type { Artifact } from "@nomicfoundation/ignition-core";
import { loadNpmArtifact } from "./artifacts.ts";

const ROOT = "@aave/core-v3/artifacts/contracts";

/** npm specifiers of every Aave artifact the local stack deploys or attaches to. */
export const AAVE_ARTIFACT_PATHS = {
  poolAddressesProvider: `${ROOT}/protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider.json`,
  aclManager: `${ROOT}/protocol/configuration/ACLManager.sol/ACLManager.json`,
  supplyLogic: `${ROOT}/protocol/libraries/logic/SupplyLogic.sol/SupplyLogic.json`,
  borrowLogic: `${ROOT}/protocol/libraries/logic/BorrowLogic.sol/BorrowLogic.json`,
  liquidationLogic: `${ROOT}/protocol/libraries/logic/LiquidationLogic.sol/LiquidationLogic.json`,
  eModeLogic: `${ROOT}/protocol/libraries/logic/EModeLogic.sol/EModeLogic.json`,
  bridgeLogic: `${ROOT}/protocol/libraries/logic/BridgeLogic.sol/BridgeLogic.json`,
  flashLoanLogic: `${ROOT}/protocol/libraries/logic/FlashLoanLogic.sol/FlashLoanLogic.json`,
  poolLogic: `${ROOT}/protocol/libraries/logic/PoolLogic.sol/PoolLogic.json`,
  configuratorLogic: `${ROOT}/protocol/libraries/logic/ConfiguratorLogic.sol/ConfiguratorLogic.json`,
  pool: `${ROOT}/protocol/pool/Pool.sol/Pool.json`,
  poolConfigurator: `${ROOT}/protocol/pool/PoolConfigurator.sol/PoolConfigurator.json`,
  aaveOracle: `${ROOT}/misc/AaveOracle.sol/AaveOracle.json`,
  poolDataProvider: `${ROOT}/misc/AaveProtocolDataProvider.sol/AaveProtocolDataProvider.json`,
  rateStrategy: `${ROOT}/protocol/pool/DefaultReserveInterestRateStrategy.sol/DefaultReserveInterestRateStrategy.json`,
  aToken: `${ROOT}/protocol/tokenization/AToken.sol/AToken.json`,
  stableDebtToken: `${ROOT}/protocol/tokenization/StableDebtToken.sol/StableDebtToken.json`,
  variableDebtToken: `${ROOT}/protocol/tokenization/VariableDebtToken.sol/VariableDebtToken.json`,
} as const;

/** Key of an Aave artifact in {@link AAVE_ARTIFACT_PATHS}. */
export type AaveArtifactKey = keyof typeof AAVE_ARTIFACT_PATHS;

/** Loads every Aave artifact the local stack needs, as Ignition `hh3-artifact-1` artifacts. */
export function loadAaveArtifacts(): Record<AaveArtifactKey, Artifact> {
  const entries = Object.entries(AAVE_ARTIFACT_PATHS).map(
    ([key, specifier]) => [key, loadNpmArtifact(specifier)] as const,
  );
  return Object.fromEntries(entries) as Record<AaveArtifactKey, Artifact>;
}
