import { network } from "hardhat";
import { forkedContext, manipulationScenarios } from "./forkScenarios.ts";

/**
 * Forked Ethereum mainnet: an attacker moving the real USDC/WETH 0.05 % pool (both ways) does
 * not move the vault's NAV (Chainlink-priced), and a sandwiched vault swap whose plan has
 * minOut 0 (no pool-side protection at all) is stopped by the oracle slippage check.
 */

describe("fork (mainnet): pool-price manipulation and sandwiches", function () {
  this.timeout(1_800_000);
  const ctx = forkedContext(network, "mainnet");

  manipulationScenarios(ctx);
});
