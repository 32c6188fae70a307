/**
 * Configuration of the Ballast vault deployments (deploy/modules/Vault.ts on the local stack,
 * deploy/modules/VaultRealNetwork.ts on mainnet / Arbitrum): the risk-asset registry, limits,
 * fees, adapter ids and the Chainlink staleness thresholds per network. Addresses live in
 * `deploy/addresses.ts` (real networks) or come from the LocalStack module.
 *
 * Units: bps = 1/10 000; `minHealthFactor` is WAD (1e18 = 1.0); times are seconds; the deposit
 * cap is in base units (USDC, 6 decimals).
 */

/** Risk assets of the registry, in registry order (= `assetConfigs()` order, plan weights order). */
export const VAULT_ASSET_KEYS = ["weth", "wbtc", "link", "uni"] as const;

/** One of {@link VAULT_ASSET_KEYS}. */
export type VaultAssetKey = (typeof VAULT_ASSET_KEYS)[number];

/** Per-asset risk configuration (the registry entry without token, feed and heartbeat). */
export interface VaultAssetRisk {
  /** Maximum post-rebalance weight, bps of NAV. */
  readonly maxWeightBps: number;
  /** Net delta band (holdings − debt) / NAV, bps, signed. */
  readonly minNetDeltaBps: number;
  readonly maxNetDeltaBps: number;
}

/** Adapter ids (docs/plan-format.md §3 conventional ids) and kinds. */
export const ADAPTERS = {
  swap: { id: 1, kind: 1 },
  lending: { id: 2, kind: 2 },
} as const;

/**
 * Registry risk settings. WETH and WBTC may be hedged on Aave down to −20 % net delta; LINK and
 * UNI are long-only satellites (no negative net delta).
 */
export const VAULT_ASSET_RISK: Record<VaultAssetKey, VaultAssetRisk> = {
  weth: { maxWeightBps: 4_000, minNetDeltaBps: -2_000, maxNetDeltaBps: 4_000 },
  wbtc: { maxWeightBps: 4_000, minNetDeltaBps: -2_000, maxNetDeltaBps: 4_000 },
  link: { maxWeightBps: 1_500, minNetDeltaBps: 0, maxNetDeltaBps: 1_500 },
  uni: { maxWeightBps: 1_500, minNetDeltaBps: 0, maxNetDeltaBps: 1_500 },
};

/** `IBallastVault.Limits` as the constructor takes it. */
export const VAULT_LIMITS = {
  depositCap: 10_000_000n * 10n ** 6n,
  maxSlippageBps: 100,
  maxLossPerRebalanceBps: 50,
  lossBudgetBps: 200,
  lossWindow: 86_400,
  maxTurnoverBps: 5_000,
  maxLeverageBps: 15_000,
  minHealthFactor: 1_500_000_000_000_000_000n,
  rebalanceCooldown: 600,
  circuitBreakerDropBps: 1_000,
  circuitBreakerWindow: 86_400,
} as const;

/** Entry/exit fees (bps) sized against the feeds' deviation thresholds (docs/vault.md "Fees"). */
export const VAULT_FEES = {
  entryFeeBps: 10,
  exitFeeBps: 10,
  managementFeeBps: 100,
  performanceFeeBps: 1_000,
} as const;

/** ERC-20 metadata of the vault shares. */
export const VAULT_TOKEN = { name: "Ballast USDC", symbol: "bUSDC" } as const;

/** Default delays (seconds): TimelockController min delay and the vault's curator timelock. */
export const VAULT_DELAYS = {
  local: { timelockMinDelay: 60, curatorTimelock: 0 },
  realNetwork: { timelockMinDelay: 2 * 86_400, curatorTimelock: 86_400 },
} as const;

/** Staleness threshold of the local mock feeds (they only move when a test updates them). */
export const LOCAL_HEARTBEAT = 86_400;

/**
 * Staleness thresholds (seconds) on the real networks: each feed's Chainlink heartbeat (docs.chain.link
 * "Price Feed Addresses", from memory — NOT re-checked here, no internet) plus a 30-minute margin so
 * that a slightly late round does not stop the vault. Verify before deploying.
 * `wbtc` on mainnet uses BTC/USD (there is no WBTC/USD feed there; the WBTC/BTC peg is NOT priced —
 * the asset's price band is the guard), on Arbitrum the direct WBTC/USD feed.
 */
export const REAL_NETWORK_HEARTBEATS = {
  mainnet: {
    usdc: 86_400 + 1_800,
    weth: 3_600 + 1_800,
    wbtc: 3_600 + 1_800,
    link: 3_600 + 1_800,
    uni: 3_600 + 1_800,
  },
  arbitrum: {
    usdc: 86_400 + 1_800,
    weth: 86_400 + 1_800,
    wbtc: 86_400 + 1_800,
    link: 3_600 + 1_800,
    uni: 86_400 + 1_800,
  },
} as const;

/** L2 sequencer grace period after the sequencer comes back up (seconds). */
export const SEQUENCER_GRACE_PERIOD = 3_600;

/**
 * Role parameters of VaultRealNetwork that the committed parameter files deliberately LEAVE OUT:
 * a real deployment fails with a missing-parameter error until the operator adds them.
 */
export const REAL_NETWORK_ROLE_PARAMETERS = [
  "curator",
  "guardian",
  "keeperSigner",
  "timelockProposer",
  "timelockExecutor",
  "feeRecipient",
] as const;
