import { network } from "hardhat";
import { connectFork, forkConfigFromEnv, forkTarget, skipMessage } from "./forkSetup.ts";
import { hedgeScenarios, newScenarioContext } from "./forkScenarios.ts";

/**
 * Forked Ethereum mainnet: a hedge through the real Aave V3 Pool in one keeper-signed plan (buy
 * WETH on Uniswap, supply USDC, borrow WETH); health factor read from the real pool; NAV = idle +
 * collateral + holdings − debt (docs/plan-format.md §5).
 */

describe("fork (mainnet): Aave V3 hedge (supply USDC, borrow WETH)", function () {
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

  hedgeScenarios(ctx);
});
