/**
 * The keeper loop worker the end-to-end tests run on the local stack (no side effects on import):
 * Hardhat account #3 (KEEPER_SIGNER_ROLE on the local vault) signs, another account relays, fixed
 * targets, quotes from the local QuoterV2 at the local pools' fee tiers, a 30-day schedule with a
 * 50 bp drift band, and submit settings that poll fast under a 200 gwei fee cap.
 */
import type { Provider } from "ethers";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import { VAULT_ASSET_KEYS } from "../../deploy/lib/vaultConfig.ts";
import { silentLogger } from "../../keeper/src/commands/context.ts";
import type { Journal } from "../../keeper/src/journal/journal.ts";
import type { TriggerConfig } from "../../keeper/src/loop/triggers.ts";
import { createWorker } from "../../keeper/src/loop/worker.ts";
import type { SubmitSettings, Worker, WorkerOptions } from "../../keeper/src/loop/worker.ts";
import { walletAt } from "./rpc.ts";

/** The schedule and drift band of the tests' workers. */
export const TEST_TRIGGERS: TriggerConfig = { scheduleSeconds: 30 * 86_400, driftBandBps: 50 };

/** The tests' submit settings: 200 gwei fee cap, 1 gwei tip, 50 ms polls. */
export const TEST_SUBMIT: SubmitSettings = {
  maxFeePerGas: 200n * 10n ** 9n,
  priorityFee: 10n ** 9n,
  feeBumpPercent: 15,
  receiptTimeoutMs: 30_000,
  stuckAfterMs: 120_000,
  pollMs: 50,
};

/** Fee tier of the local Uniswap pool of registry asset `i`. */
export const localFeeTier = (i: number): number =>
  LOCAL_STACK.uniswap.pools[VAULT_ASSET_KEYS[i]].fee;

/** What differs between the tests' workers. */
export interface LocalWorkerSpec {
  name: string;
  chainId: bigint;
  vault: string;
  lens: string;
  provider: Provider;
  journal: Journal;
  /** The local QuoterV2. */
  quoter: string;
  /** Hardhat account that pays the gas. */
  relayer: number;
  /** Fixed targets, bps of NAV in registry order. */
  targets: readonly bigint[];
}

/** A loop worker on the local vault; `extra` adds or overrides options (triggers, hedge, …). */
export function localWorker(spec: LocalWorkerSpec, extra: Partial<WorkerOptions> = {}): Worker {
  const { name, chainId, vault, lens, provider, journal, quoter } = spec;
  return createWorker({
    name,
    chainId,
    vault,
    lens,
    provider,
    signer: walletAt(3, provider), // KEEPER_SIGNER_ROLE
    relayer: walletAt(spec.relayer, provider),
    journal,
    logger: silentLogger,
    triggers: TEST_TRIGGERS,
    submit: TEST_SUBMIT,
    targets: { kind: "fixed", bps: spec.targets },
    quoter,
    feeTier: localFeeTier,
    ...extra,
  });
}
