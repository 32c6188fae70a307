/**
 * Types of the keeper's rebalance planner. They mirror the vault state read at the chain edge
 * (docs/plan-format.md, contracts/interfaces/IBallastVault.sol). Every chain quantity is a
 * bigint; token/feed decimals and adapter ids (uint8) are plain numbers.
 */

/** `IBallastVault.Action`: the vault calls `IAdapter(adapter(adapterId)).execute(data)`. */
export interface Action {
  /** uint8 adapter id (1 = swap, 2 = lending on this repo's deployments; never 0). */
  adapterId: number;
  /** ABI-encoded adapter call data, 0x-prefixed hex. */
  data: string;
}

/** `IBallastVault.Plan` (the signature travels separately). */
export interface Plan {
  nonce: bigint;
  deadline: bigint;
  actions: Action[];
  /** uint16 per registered asset, registry order. */
  expectedWeightsBps: bigint[];
  /** uint16. */
  weightToleranceBps: bigint;
  /** uint16; the vault uses min(slippageBps, limits.maxSlippageBps). */
  slippageBps: bigint;
}

/** A plan with its 65-byte (or signer-prefixed) signature, ready for `rebalance(plan, sig)`. */
export interface SignedPlan {
  plan: Plan;
  signature: string;
  planHash: string;
  digest: string;
}

/** Optional Chainlink feed data to replay the §4 oracle checks off-chain. */
export interface FeedInfo {
  feed: string;
  updatedAt: bigint;
  heartbeat: bigint;
  minPrice: bigint;
  maxPrice: bigint;
}

/** The base token and its USD feed. */
export interface BaseConfig {
  token: string;
  decimals: number;
  feedDecimals: number;
  /** Base/USD feed answer (> 0). */
  price: bigint;
  feedInfo?: FeedInfo;
}

/** One registered risk asset (registry order = `vault.assets()` order). */
export interface AssetConfig {
  token: string;
  decimals: number;
  feedDecimals: number;
  /** Raw feed answer (asset/USD). */
  price: bigint;
  enabled: boolean;
  maxWeightBps: bigint;
  /** int16. */
  minNetDeltaBps: bigint;
  /** int16. */
  maxNetDeltaBps: bigint;
  feedInfo?: FeedInfo;
}

/** `IBallastVault.Limits` (the fields the planner needs; all bigint). */
export interface Limits {
  maxSlippageBps: bigint;
  maxLossPerRebalanceBps: bigint;
  lossBudgetBps: bigint;
  lossWindow: bigint;
  maxTurnoverBps: bigint;
  maxLeverageBps: bigint;
  /** WAD (Aave health factor units). */
  minHealthFactor: bigint;
  rebalanceCooldown: bigint;
}

/** `LossBudget.State`. */
export interface LossBudgetState {
  usedWad: bigint;
  updatedAt: bigint;
}

/** Fee state needed to replay the fee accrual before a redemption fulfilment (§7, §8). */
export interface FeeState {
  /** Fee recipient; the zero address disables fee accrual. */
  recipient: string;
  entryFeeBps: bigint;
  exitFeeBps: bigint;
  managementFeeBps: bigint;
  performanceFeeBps: bigint;
  highWaterMarkWad: bigint;
  /** Timestamp of the last fee accrual. */
  lastAccruedAt: bigint;
}

/** Token positions of the vault (the part of the state a plan changes). */
export interface Positions {
  /** `base.balanceOf(vault)` (includes `reservedAssets`). */
  baseBalance: bigint;
  /** `lendingAdapter.collateralOf(base)` (0 without a lending adapter). */
  collateral: bigint;
  /** `asset_i.balanceOf(vault)`, registry order. */
  balances: bigint[];
  /** `lendingAdapter.debtOf(asset_i)`, registry order. */
  debts: bigint[];
}

/** Lending adapter data the planner needs for hedges. */
export interface LendingInfo {
  /** Adapter address (`vault.lendingAdapter()`), or null when none is active. */
  adapter: string | null;
  /** Current Aave health factor of the adapter, WAD (type(uint256).max with no debt). */
  healthFactor: bigint;
  /** Liquidation threshold of base collateral, bps (for the default health factor estimate). */
  liquidationThresholdBps: bigint;
}

/** Everything the planner reads from the chain, at one block. */
export interface VaultSnapshot {
  chainId: bigint;
  vault: string;
  base: BaseConfig;
  assets: AssetConfig[];
  positions: Positions;
  reservedAssets: bigint;
  lending: LendingInfo;
  limits: Limits;
  lossBudget: LossBudgetState;
  totalSupply: bigint;
  /** Shares escrowed in the current redemption epoch. */
  pendingShares: bigint;
  /** Vault decimals offset (6 in BallastVault). */
  decimalsOffset: bigint;
  fees: FeeState;
  nextNonce: bigint;
  lastRebalanceAt: bigint;
  paused: boolean;
  defensive: boolean;
  shutdown: boolean;
  /** Block timestamp of the snapshot. */
  timestamp: bigint;
}

/** A swap as the vault measures it: spent of tokenIn, received of tokenOut. */
export interface SwapFill {
  /** Index of the action in the plan. */
  actionIndex: number;
  tokenIn: string;
  tokenOut: string;
  spent: bigint;
  received: bigint;
}
