import { network } from "hardhat";
import { forkedContext, hedgeScenarios } from "./forkScenarios.ts";

/**
 * Forked Ethereum mainnet: a hedge through the real Aave V3 Pool in one keeper-signed plan (buy
 * WETH on Uniswap, supply USDC, borrow WETH); health factor read from the real pool; NAV = idle +
 * collateral + holdings − debt (docs/plan-format.md §5).
 */

describe("fork (mainnet): Aave V3 hedge (supply USDC, borrow WETH)", function () {
  this.timeout(1_800_000);
  const ctx = forkedContext(network, "mainnet");

  hedgeScenarios(ctx);
});
