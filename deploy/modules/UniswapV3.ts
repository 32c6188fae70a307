import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { LOCAL_STACK } from "../config/local.ts";
import type { RiskAssetKey } from "../config/local.ts";
import { loadNpmArtifact, NPM_ARTIFACTS } from "../lib/artifacts.ts";
import TokensModule from "./Tokens.ts";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * Uniswap V3 from the protocols' own npm artifacts (never recompiled, so the periphery's
 * hard-coded POOL_INIT_CODE_HASH matches the pool bytecode): UniswapV3Factory (v3-core),
 * NonfungiblePositionManager (v3-periphery, no token descriptor), SwapRouter02 and QuoterV2
 * (swap-router-contracts; no V2 factory), and one pool per asset against USDC at the config's
 * fee tier.
 *
 * The pools are CREATED here but not initialised or funded: their price depends on which token
 * sorts first, which is only known once the tokens exist. `seedUniswapPools` in
 * `deploy/lib/seedUniswap.ts` initialises them at the config prices and mints the concentrated
 * liquidity; `deployLocalStack` in `deploy/lib/localStack.ts` runs both steps.
 */
export default buildModule("UniswapV3", (m) => {
  const tokens = m.useModule(TokensModule);
  const poolArtifact = loadNpmArtifact(NPM_ARTIFACTS.uniswapV3Pool);

  const factory = m.contract("UniswapV3Factory", loadNpmArtifact(NPM_ARTIFACTS.uniswapV3Factory));
  const positionManager = m.contract(
    "NonfungiblePositionManager",
    loadNpmArtifact(NPM_ARTIFACTS.nonfungiblePositionManager),
    [factory, tokens.weth, ZERO_ADDRESS],
  );
  const swapRouter02 = m.contract("SwapRouter02", loadNpmArtifact(NPM_ARTIFACTS.swapRouter02), [
    ZERO_ADDRESS,
    factory,
    positionManager,
    tokens.weth,
  ]);
  const quoterV2 = m.contract("QuoterV2", loadNpmArtifact(NPM_ARTIFACTS.quoterV2), [
    factory,
    tokens.weth,
  ]);

  const createPool = (asset: RiskAssetKey) => {
    const id = `${asset.toUpperCase()}_USDC`;
    const create = m.call(
      factory,
      "createPool",
      [tokens[asset], tokens.usdc, LOCAL_STACK.uniswap.pools[asset].fee],
      { id: `createPool_${id}` },
    );
    const address = m.readEventArgument(create, "PoolCreated", "pool", { id: `${id}_address` });
    return m.contractAt("UniswapV3Pool", poolArtifact, address, { id: `${id}_pool` });
  };

  const wethUsdcPool = createPool("weth");
  const wbtcUsdcPool = createPool("wbtc");
  const linkUsdcPool = createPool("link");
  const uniUsdcPool = createPool("uni");

  return {
    factory,
    swapRouter02,
    quoterV2,
    positionManager,
    wethUsdcPool,
    wbtcUsdcPool,
    linkUsdcPool,
    uniUsdcPool,
  };
});
