import { network } from "hardhat";
import { connectFork, forkConfigFromEnv, forkTarget, skipMessage } from "./forkSetup.ts";
import { rebalanceScenarios, newScenarioContext } from "./forkScenarios.ts";

/**
 * Forked Ethereum mainnet: real USDC deposited (funded by a storage write, no whale), then a
 * keeper-signed EIP-712 plan swapping USDC → WETH through the real SwapRouter02 (0.05 % pool)
 * with minOut from the real QuoterV2, checked by the vault against the Chainlink prices.
 */

describe("fork (mainnet): deposit and keeper-signed USDC → WETH rebalance", function () {
  this.timeout(1_800_000);
  const ctx = newScenarioContext();

  before(async function () {
    const cfg = forkConfigFromEnv("mainnet");
    if (cfg === undefined) {
      console.log(skipMessage("mainnet"));
      this.skip();
    }
    ctx.connection = await connectFork(network, cfg);
    ctx.target = forkTarget("mainnet");
  });

  rebalanceScenarios(ctx);
});
