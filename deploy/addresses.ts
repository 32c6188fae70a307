/**
 * Real-network addresses the Ballast vault builds on: Ethereum mainnet (chain 1) and Arbitrum
 * One (chain 42161). Every address is checksummed and each line says where it was confirmed:
 *
 * - "Uniswap docs": docs.uniswap.org, "Ethereum Deployments" / "Arbitrum Deployments" pages
 *   (v3 contract deployments), which also list the WETH9 each chain's periphery uses.
 * - "Aave address book": bgd-labs/aave-address-book `AaveV3Ethereum.ts` / `AaveV3Arbitrum.ts`
 *   (generated from the Aave governance deployments; the "Aave V3 deployed contracts" docs page
 *   links to it). Its per-asset UNDERLYING and ORACLE entries confirm token and feed addresses.
 * - "Chainlink docs": docs.chain.link "Price Feed Addresses" (Data Feeds) and "L2 Sequencer
 *   Uptime Feeds" pages.
 *
 * Feeds are the Chainlink AggregatorV3 PROXIES (8-decimal USD answers; WBTC/BTC is 8-decimal
 * BTC). A zero address means "no such feed on this chain" (mainnet has no sequencer feed and no
 * direct WBTC/USD feed; Arbitrum has no WBTC/BTC feed and prices WBTC through WBTC/USD).
 *
 * `deploy/parameters/{mainnet,arbitrum}.json` are generated from this file with
 * `node deploy/lib/write-parameters.ts`; test/stack/addresses.test.ts checks they match.
 */

/** The zero address: "not available on this chain". */
export const NONE = "0x0000000000000000000000000000000000000000";

/** Addresses on one real network. */
export interface RealNetworkAddresses {
  readonly chainId: number;
  readonly name: "mainnet" | "arbitrum";
  readonly tokens: {
    readonly usdc: string;
    readonly weth: string;
    readonly wbtc: string;
    readonly link: string;
    readonly uni: string;
  };
  readonly uniswap: {
    readonly factory: string;
    readonly swapRouter02: string;
    readonly quoterV2: string;
    readonly positionManager: string;
  };
  readonly aave: {
    readonly pool: string;
    readonly poolAddressesProvider: string;
  };
  readonly chainlink: {
    readonly ethUsd: string;
    readonly btcUsd: string;
    /** WBTC/BTC (mainnet) — multiply by BTC/USD. NONE where absent. */
    readonly wbtcBtc: string;
    /** Direct WBTC/USD (Arbitrum). NONE where absent. */
    readonly wbtcUsd: string;
    readonly usdcUsd: string;
    readonly linkUsd: string;
    readonly uniUsd: string;
    /** L2 sequencer uptime feed (answer 0 = up). NONE on L1. */
    readonly sequencerUptime: string;
  };
}

/** Ethereum mainnet (chain 1). */
export const MAINNET: RealNetworkAddresses = {
  chainId: 1,
  name: "mainnet",
  tokens: {
    // Aave address book AaveV3Ethereum ASSETS.USDC.UNDERLYING (Circle's native USDC).
    usdc: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    // Uniswap docs "Ethereum Deployments", Wrapped Native Token table; Aave ASSETS.WETH.
    weth: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
    // Aave address book ASSETS.WBTC.UNDERLYING.
    wbtc: "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599",
    // Aave address book ASSETS.LINK.UNDERLYING.
    link: "0x514910771AF9Ca656af840dff83E8264EcF986CA",
    // Aave address book ASSETS.UNI.UNDERLYING.
    uni: "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984",
  },
  uniswap: {
    // Uniswap docs "Ethereum Deployments": UniswapV3Factory.
    factory: "0x1F98431c8aD98523631AE4a59f267346ea31F984",
    // Uniswap docs "Ethereum Deployments": SwapRouter02.
    swapRouter02: "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",
    // Uniswap docs "Ethereum Deployments": QuoterV2.
    quoterV2: "0x61fFE014bA17989E743c5F6cB21bF9697530B21e",
    // Uniswap docs "Ethereum Deployments": NonfungiblePositionManager.
    positionManager: "0xC36442b4a4522E871399CD717aBDD847Ab11FE88",
  },
  aave: {
    // Aave address book AaveV3Ethereum POOL (proxy).
    pool: "0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2",
    // Aave address book AaveV3Ethereum POOL_ADDRESSES_PROVIDER.
    poolAddressesProvider: "0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e",
  },
  chainlink: {
    // Chainlink docs Price Feed Addresses, Ethereum mainnet "ETH / USD". (Aave's WETH ORACLE is
    // now a wrapper around it, so the address book does not list this proxy directly.)
    ethUsd: "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419",
    // Chainlink docs Price Feed Addresses, Ethereum mainnet "BTC / USD".
    btcUsd: "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c",
    // Chainlink docs Price Feed Addresses, Ethereum mainnet "WBTC / BTC".
    wbtcBtc: "0xfdFD9C85aD200c506Cf9e21F1FD8dd01932FBB23",
    wbtcUsd: NONE,
    // Chainlink docs Price Feed Addresses, Ethereum mainnet "USDC / USD".
    usdcUsd: "0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6",
    // Chainlink docs Price Feed Addresses, Ethereum mainnet "LINK / USD".
    linkUsd: "0x2c1d072e956AFFC0D435Cb7AC38EF18d24d9127c",
    // Aave address book AaveV3Ethereum ASSETS.UNI.ORACLE = Chainlink "UNI / USD".
    uniUsd: "0x553303d460EE0afB37EdFf9bE42922D8FF63220e",
    sequencerUptime: NONE,
  },
};

/** Arbitrum One (chain 42161). */
export const ARBITRUM: RealNetworkAddresses = {
  chainId: 42161,
  name: "arbitrum",
  tokens: {
    // Native USDC: Aave address book AaveV3Arbitrum ASSETS.USDCn.UNDERLYING (USDC.e, the
    // bridged 0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8, is deliberately NOT used).
    usdc: "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
    // Uniswap docs "Arbitrum Deployments", Wrapped Native Token table; Aave ASSETS.WETH.
    weth: "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1",
    // Aave address book AaveV3Arbitrum ASSETS.WBTC.UNDERLYING.
    wbtc: "0x2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f",
    // Aave address book AaveV3Arbitrum ASSETS.LINK.UNDERLYING.
    link: "0xf97f4df75117a78c1A5a0DBb814Af92458539FB4",
    // Arbitrum bridged UNI: corroborated by several public codebases (one reads its
    // l1Address() = mainnet UNI) but NOT confirmed on an official docs page — verify on arbiscan.
    uni: "0xFa7F8980b0f1E64A2062791cc3b0871572f1F7f0",
  },
  uniswap: {
    // Uniswap docs "Arbitrum Deployments": UniswapV3Factory.
    factory: "0x1F98431c8aD98523631AE4a59f267346ea31F984",
    // Uniswap docs "Arbitrum Deployments": SwapRouter02.
    swapRouter02: "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",
    // Uniswap docs "Arbitrum Deployments": QuoterV2.
    quoterV2: "0x61fFE014bA17989E743c5F6cB21bF9697530B21e",
    // Uniswap docs "Arbitrum Deployments": NonfungiblePositionManager.
    positionManager: "0xC36442b4a4522E871399CD717aBDD847Ab11FE88",
  },
  aave: {
    // Aave address book AaveV3Arbitrum POOL (proxy).
    pool: "0x794a61358D6845594F94dc1DB02A252b5b4814aD",
    // Aave address book AaveV3Arbitrum POOL_ADDRESSES_PROVIDER.
    poolAddressesProvider: "0xa97684ead0e402dC232d5A977953DF7ECBaB3CDb",
  },
  chainlink: {
    // Chainlink docs Price Feed Addresses, Arbitrum "ETH / USD" (= Aave ASSETS.WETH.ORACLE).
    ethUsd: "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612",
    // Chainlink docs Price Feed Addresses, Arbitrum "BTC / USD" (= Aave ASSETS.WBTC.ORACLE).
    btcUsd: "0x6ce185860a4963106506C203335A2910413708e9",
    wbtcBtc: NONE,
    // Chainlink docs Price Feed Addresses, Arbitrum "WBTC / USD" (corroborated by public code,
    // not by the Aave address book, which prices WBTC with BTC / USD).
    wbtcUsd: "0xd0C7101eACbB49F3deCcCc166d238410D6D46d57",
    // Chainlink docs Price Feed Addresses, Arbitrum "USDC / USD" (= Aave ASSETS.USDCn.ORACLE).
    usdcUsd: "0x50834F3163758fcC1Df9973b6e91f0F0F0434aD3",
    // Chainlink docs Price Feed Addresses, Arbitrum "LINK / USD" (= Aave ASSETS.LINK.ORACLE).
    linkUsd: "0x86E53CF1B870786351Da77A57575e79CB55812CB",
    // Chainlink docs Price Feed Addresses, Arbitrum "UNI / USD" (corroborated by public code
    // only; Aave Arbitrum does not list UNI).
    uniUsd: "0x9C917083fDb403ab5ADbEC26Ee294f6EcAda2720",
    // Chainlink docs "L2 Sequencer Uptime Feeds", Arbitrum mainnet.
    sequencerUptime: "0xFdB631F5EE196F0ed6FAa767959853A9F217697D",
  },
};

/** All supported real networks by chain id. */
export const REAL_NETWORKS: Readonly<Record<number, RealNetworkAddresses>> = {
  [MAINNET.chainId]: MAINNET,
  [ARBITRUM.chainId]: ARBITRUM,
};

/** Raised for a chain id without known addresses. */
export class UnknownChainError extends Error {
  readonly code: "UNKNOWN_CHAIN";
  readonly chainId: number;
  constructor(chainId: number) {
    super(`no real-network addresses for chain ${chainId}`);
    this.name = "UnknownChainError";
    this.code = "UNKNOWN_CHAIN";
    this.chainId = chainId;
  }
}

/** The addresses for `chainId`, or throws {@link UnknownChainError}. */
export function addressesFor(chainId: number): RealNetworkAddresses {
  const found = REAL_NETWORKS[chainId];
  if (found === undefined) throw new UnknownChainError(chainId);
  return found;
}

/** Ignition module id whose parameters {@link realNetworkParameters} fills. */
export const REAL_NETWORK_MODULE_ID = "RealNetwork";

/**
 * The Ignition parameters file content for `deploy/modules/RealNetwork.ts` on `network`:
 * `{ RealNetwork: { chainId, usdc, weth, ..., sequencerUptimeFeed } }` (flat names).
 */
export function realNetworkParameters(network: RealNetworkAddresses): {
  RealNetwork: Record<string, string | number>;
} {
  const { tokens, uniswap, aave, chainlink } = network;
  return {
    [REAL_NETWORK_MODULE_ID]: {
      chainId: network.chainId,
      usdc: tokens.usdc,
      weth: tokens.weth,
      wbtc: tokens.wbtc,
      link: tokens.link,
      uni: tokens.uni,
      uniswapV3Factory: uniswap.factory,
      swapRouter02: uniswap.swapRouter02,
      quoterV2: uniswap.quoterV2,
      positionManager: uniswap.positionManager,
      aavePool: aave.pool,
      aavePoolAddressesProvider: aave.poolAddressesProvider,
      ethUsdFeed: chainlink.ethUsd,
      btcUsdFeed: chainlink.btcUsd,
      wbtcBtcFeed: chainlink.wbtcBtc,
      wbtcUsdFeed: chainlink.wbtcUsd,
      usdcUsdFeed: chainlink.usdcUsd,
      linkUsdFeed: chainlink.linkUsd,
      uniUsdFeed: chainlink.uniUsd,
      sequencerUptimeFeed: chainlink.sequencerUptime,
    },
  };
}
