import { network } from "hardhat";
import { connectFork, forkConfigFromEnv, forkTarget, skipMessage } from "./forkSetup.ts";
import { oracleScenarios, newScenarioContext } from "./forkScenarios.ts";

/**
 * Forked Ethereum mainnet: the vault, deployed through the VaultRealNetwork Ignition module with
 * deploy/parameters/vault-mainnet.json, prices its NAV from the real Chainlink feeds (ETH/USD,
 * BTC/USD for WBTC, LINK/USD, UNI/USD over USDC/USD) through its oracle checks; NAV equals the
 * bigint computation of docs/plan-format.md §4–§5; a feed past its heartbeat stops pricing with
 * OracleStale naming it.
 */

describe("fork (mainnet): Chainlink feeds through the vault's oracle checks", function () {
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

  oracleScenarios(ctx);
});
