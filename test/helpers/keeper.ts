/**
 * The keeper loop worker the end-to-end tests run on the local stack (no side effects on import):
 * Hardhat account #3 (KEEPER_SIGNER_ROLE on the local vault) signs, another account relays, fixed
 * targets, quotes from the local QuoterV2 at the local pools' fee tiers, a 30-day schedule with a
 * 50 bp drift band, and submit settings that poll fast under a 200 gwei fee cap.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Provider } from "ethers";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import { VAULT_ASSET_KEYS } from "../../deploy/lib/vaultConfig.ts";
import { silentLogger } from "../../keeper/src/commands/context.ts";
import type { CommandLogger } from "../../keeper/src/commands/context.ts";
import { openJournal } from "../../keeper/src/journal/journal.ts";
import type { Journal } from "../../keeper/src/journal/journal.ts";
import type { TriggerConfig } from "../../keeper/src/loop/triggers.ts";
import { createWorker } from "../../keeper/src/loop/worker.ts";
import type { SubmitSettings, Worker, WorkerOptions } from "../../keeper/src/loop/worker.ts";
import type { LocalVault } from "../../deploy/lib/vaultLocal.ts";
import { dyn, walletAt } from "./rpc.ts";

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

/** The tests' keeper config strategy: min variance on the sample covariance, 50 bp drift band. */
export const TEST_CONFIG_STRATEGY = {
  model: "min-variance",
  estimator: "sample",
  lookbackDays: 30,
  driftBandBps: 50,
  scheduleSeconds: 86_400,
} as const;

/** The tests' keeper config limits: the local vault's on-chain limits (none binds locally). */
export const TEST_CONFIG_LIMITS = {
  maxTurnoverBps: 5_000,
  maxSlippageBps: 100,
  maxLossPerRebalanceBps: 50,
  maxLeverageBps: 15_000,
  minHealthFactor: "1.5",
} as const;

/** Config fields a test adds to or overrides in an entry. */
type ConfigFields = Record<string, unknown>;

/** What differs between the tests' keeper configs. */
export interface TestKeeperConfigSpec {
  /** Network entries; each gets a 200 gwei fee cap unless it sets `maxFeePerGasGwei`. */
  networks: Record<string, { chainId: number; rpcUrls: string[] } & ConfigFields>;
  /**
   * Vault entries; each gets {@link TEST_CONFIG_STRATEGY} and {@link TEST_CONFIG_LIMITS} unless
   * it sets `strategy` / `limits`.
   */
  vaults: readonly ({
    name: string;
    network: string;
    address: string;
    lens: string;
  } & ConfigFields)[];
  /** Environment variable of the raw signer key (`signer.privateKeyEnv`, allowRawKey). */
  keyEnv: string;
}

/**
 * A keeper config as a file holds it (before `keeperConfigSchema`: the health factor a decimal
 * string): the spec's networks and vaults with the tests' defaults, a raw-key signer, and `extra`
 * top-level fields (journal, metrics, …). Write it as JSON for the CLI, or parse it.
 */
export function testKeeperConfig(
  spec: TestKeeperConfigSpec,
  extra: ConfigFields = {},
): ConfigFields {
  const networks: ConfigFields = {};
  for (const [name, n] of Object.entries(spec.networks))
    networks[name] = { maxFeePerGasGwei: 200, ...n };
  return {
    networks,
    vaults: spec.vaults.map((v) => ({
      strategy: { ...TEST_CONFIG_STRATEGY },
      limits: { ...TEST_CONFIG_LIMITS },
      ...v,
    })),
    signer: { privateKeyEnv: spec.keyEnv, allowRawKey: true },
    ...extra,
  };
}

/**
 * The keeper suites' seed liquidity on a fresh local vault: `holder` (they use Hardhat account #4)
 * mints `amount` test USDC (default 1,000,000), approves the vault and deposits all of it.
 */
export async function seedDeposit(
  d: LocalVault,
  holder: { address: string },
  amount: bigint = 1_000_000n * 10n ** 6n,
): Promise<void> {
  const vault = await d.vault.getAddress();
  await dyn(d.usdc).mint(holder.address, amount);
  await dyn(dyn(d.usdc).connect(holder as never)).approve(vault, amount);
  await dyn(dyn(d.vault).connect(holder as never)).deposit(amount, holder.address);
}

/** Two journal handles (two keeper processes) on one new file; `done` closes and removes it. */
export function sharedJournal(): { mine: Journal; other: Journal; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "ballast-journal-"));
  const file = path.join(dir, "j.sqlite");
  const mine = openJournal(file);
  const other = openJournal(file);
  return {
    mine,
    other,
    done: () => {
      mine.close();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One line a {@link recordingLogger} kept. */
export interface LoggedLine {
  level: "info" | "warn" | "error";
  msg?: string;
  obj: object;
}

/** A logger that keeps every info, warning and error line (message and fields; debug dropped). */
export function recordingLogger(): CommandLogger & {
  lines: LoggedLine[];
  /** The lines of one level, in order. */
  at: (level: LoggedLine["level"]) => LoggedLine[];
} {
  const lines: LoggedLine[] = [];
  const keep = (level: LoggedLine["level"]) => (obj: object, msg?: string) =>
    void lines.push({ level, msg, obj });
  return {
    lines,
    at: (level) => lines.filter((l) => l.level === level),
    info: keep("info"),
    warn: keep("warn"),
    error: keep("error"),
    debug: () => undefined,
  };
}
