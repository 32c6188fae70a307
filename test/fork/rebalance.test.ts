import { network } from "hardhat";
import { forkedContext, rebalanceScenarios } from "./forkScenarios.ts";

/**
 * Forked Ethereum mainnet: real USDC deposited (funded by a storage write, no whale), then a
 * keeper-signed EIP-712 plan swapping USDC → WETH through the real SwapRouter02 (0.05 % pool)
 * with minOut from the real QuoterV2, checked by the vault against the Chainlink prices.
 */

describe("fork (mainnet): deposit and keeper-signed USDC → WETH rebalance", function () {
  this.timeout(1_800_000);
  const ctx = forkedContext(network, "mainnet");

  rebalanceScenarios(ctx);
});
