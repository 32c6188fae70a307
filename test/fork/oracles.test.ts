import { network } from "hardhat";
import { forkedContext, oracleScenarios } from "./forkScenarios.ts";

/**
 * Forked Ethereum mainnet: the vault, deployed through the VaultRealNetwork Ignition module with
 * deploy/parameters/vault-mainnet.json, prices its NAV from the real Chainlink feeds (ETH/USD,
 * BTC/USD for WBTC, LINK/USD, UNI/USD over USDC/USD) through its oracle checks; NAV equals the
 * bigint computation of docs/plan-format.md §4–§5; a feed past its heartbeat stops pricing with
 * OracleStale naming it.
 */

describe("fork (mainnet): Chainlink feeds through the vault's oracle checks", function () {
  this.timeout(1_800_000);
  const ctx = forkedContext(network, "mainnet");

  oracleScenarios(ctx);
});
