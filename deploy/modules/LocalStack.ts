import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import AaveV3Module from "./AaveV3.ts";
import OraclesModule from "./Oracles.ts";
import TokensModule from "./Tokens.ts";
import UniswapV3Module from "./UniswapV3.ts";

/**
 * The whole local replica stack: tokens, Chainlink mock feeds, Uniswap V3 and Aave V3. The Uniswap
 * pools come out created but empty; `deployLocalStack` (deploy/lib/localStack.ts) deploys this
 * module AND seeds the pools — use it rather than deploying this module alone.
 */
export default buildModule("LocalStack", (m) => {
  const tokens = m.useModule(TokensModule);
  const oracles = m.useModule(OraclesModule);
  const uniswap = m.useModule(UniswapV3Module);
  const aave = m.useModule(AaveV3Module);
  return { ...tokens, ...oracles, ...uniswap, ...aave };
});
