import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { loadNpmArtifact, NPM_INTERFACES } from "../lib/artifacts.ts";

/**
 * The real protocols on Ethereum mainnet or Arbitrum One, attached (never deployed) from
 * parameters: run with `--parameters deploy/parameters/mainnet.json` or `arbitrum.json`
 * (generated from `deploy/addresses.ts`). Vault modules build on it with
 * `m.useModule(RealNetworkModule)`. A feed parameter that is the zero address is absent on
 * that chain (e.g. `sequencerUptimeFeed` on mainnet); its future then points at address 0.
 *
 * Every parameter is required except the chain-specific feeds, which default to address 0.
 */
export default buildModule("RealNetwork", (m) => {
  const erc20 = loadNpmArtifact(NPM_INTERFACES.erc20);
  const feed = loadNpmArtifact(NPM_INTERFACES.aggregatorV3);
  const zero = "0x0000000000000000000000000000000000000000";

  const at = (id: string, artifact: ReturnType<typeof loadNpmArtifact>, optional = false) =>
    m.contractAt(
      artifact.contractName,
      artifact,
      optional ? m.getParameter<string>(id, zero) : m.getParameter<string>(id),
      { id },
    );

  return {
    usdc: at("usdc", erc20),
    weth: at("weth", erc20),
    wbtc: at("wbtc", erc20),
    link: at("link", erc20),
    uni: at("uni", erc20),
    uniswapV3Factory: at("uniswapV3Factory", loadNpmArtifact(NPM_INTERFACES.uniswapV3Factory)),
    swapRouter02: at("swapRouter02", loadNpmArtifact(NPM_INTERFACES.swapRouter02)),
    quoterV2: at("quoterV2", loadNpmArtifact(NPM_INTERFACES.quoterV2)),
    positionManager: at(
      "positionManager",
      loadNpmArtifact(NPM_INTERFACES.nonfungiblePositionManager),
    ),
    aavePool: at("aavePool", loadNpmArtifact(NPM_INTERFACES.aavePool)),
    aavePoolAddressesProvider: at(
      "aavePoolAddressesProvider",
      loadNpmArtifact(NPM_INTERFACES.aavePoolAddressesProvider),
    ),
    ethUsdFeed: at("ethUsdFeed", feed),
    btcUsdFeed: at("btcUsdFeed", feed),
    wbtcBtcFeed: at("wbtcBtcFeed", feed, true),
    wbtcUsdFeed: at("wbtcUsdFeed", feed, true),
    usdcUsdFeed: at("usdcUsdFeed", feed),
    linkUsdFeed: at("linkUsdFeed", feed),
    uniUsdFeed: at("uniUsdFeed", feed),
    sequencerUptimeFeed: at("sequencerUptimeFeed", feed, true),
  };
});
