// Shared, side-effect-free fixtures for the planner tests (no describe/it here).
import type { AssetConfig, VaultSnapshot } from "../../../keeper/src/planner/types.ts";

export const BASE = "0x00000000000000000000000000000000000000b0";
export const VAULT = "0x000000000000000000000000000000000000Ba11";

/** Deterministic address for asset `i`. */
export function assetAddr(i: number): string {
  return "0x" + (0xa0 + i).toString(16).padStart(40, "0");
}

/** An asset with sensible defaults (18 decimals, 8-decimal feed). */
export function asset(i: number, over: Partial<AssetConfig> = {}): AssetConfig {
  return {
    token: assetAddr(i),
    decimals: 18,
    feedDecimals: 8,
    price: 2000n * 10n ** 8n,
    enabled: true,
    maxWeightBps: 10_000n,
    minNetDeltaBps: -10_000n,
    maxNetDeltaBps: 10_000n,
    ...over,
  };
}

/** A vault snapshot: USDC-like base (6 decimals, feed 8 at $1) and the given assets. */
export function snapshot(assets: AssetConfig[], over: Partial<VaultSnapshot> = {}): VaultSnapshot {
  return {
    chainId: 31337n,
    vault: VAULT,
    base: { token: BASE, decimals: 6, feedDecimals: 8, price: 10n ** 8n },
    assets,
    positions: {
      baseBalance: 1_000_000n * 10n ** 6n,
      collateral: 0n,
      balances: assets.map(() => 0n),
      debts: assets.map(() => 0n),
    },
    reservedAssets: 0n,
    lending: { adapter: null, healthFactor: (1n << 256n) - 1n, liquidationThresholdBps: 8000n },
    limits: {
      maxSlippageBps: 100n,
      maxLossPerRebalanceBps: 100n,
      lossBudgetBps: 300n,
      lossWindow: 7n * 86400n,
      maxTurnoverBps: 20_000n,
      maxLeverageBps: 10_000n,
      minHealthFactor: 15n * 10n ** 17n,
      rebalanceCooldown: 3600n,
    },
    lossBudget: { usedWad: 0n, updatedAt: 0n },
    totalSupply: 10n ** 18n,
    pendingShares: 0n,
    decimalsOffset: 6n,
    fees: {
      recipient: "0x0000000000000000000000000000000000000000",
      entryFeeBps: 0n,
      exitFeeBps: 0n,
      managementFeeBps: 0n,
      performanceFeeBps: 0n,
      highWaterMarkWad: 0n,
      lastAccruedAt: 1_700_000_000n,
    },
    nextNonce: 7n,
    lastRebalanceAt: 0n,
    paused: false,
    defensive: false,
    shutdown: false,
    timestamp: 1_700_000_000n,
    ...over,
  };
}
