/**
 * Builds the {@link CommandContext} of the chain commands (status, plan, run) from the validated
 * config: the vault entry, a failover provider over its network's RPC URLs, the signer, a
 * logger and the journal. The chain modules are imported lazily so that a build without them
 * reports "not available" (exit 3) instead of failing at start-up.
 */
import { existsSync } from "node:fs";
import type { Logger } from "pino";
import type { KeeperConfig, NetworkConfig, VaultConfig } from "../src/config/schema.ts";
import { checkLimitsInside } from "../src/config/limits.ts";
import type { LimitIssue } from "../src/config/limits.ts";
import { loadSigner } from "../src/keys/keystore.ts";
import { openJournal } from "../src/journal/journal.ts";
import type { Journal } from "../src/journal/journal.ts";
import type { CommandContext } from "../src/commands/context.ts";
import type { makeProvider as MakeProvider } from "../src/chain/rpc.ts";
import type { readOnchainLimits as ReadOnchainLimits } from "../src/chain/reader.ts";
import type { preflightNetwork as PreflightNetwork } from "../src/chain/preflight.ts";
import { CliError, EXIT, importOptional } from "./runtime.ts";
import type { CliIo } from "./runtime.ts";

/** A module path of this build, as an import specifier. */
export function srcModule(rel: string): string {
  return new URL(`../src/${rel}`, import.meta.url).href;
}

/**
 * Picks the vault a command acts on: `name` (config name or address) or, when omitted, the
 * only configured vault. Throws CliError (exit 2) when ambiguous or unknown.
 */
export function selectVault(
  cfg: KeeperConfig,
  name: string | undefined,
): { vault: VaultConfig; index: number } {
  const names = cfg.vaults.map((v) => v.name).join(", ");
  if (name === undefined) {
    if (cfg.vaults.length === 1) return { vault: cfg.vaults[0], index: 0 };
    throw new CliError(
      "VAULT_REQUIRED",
      EXIT.USAGE,
      `several vaults configured, name one: ${names}`,
    );
  }
  const index = cfg.vaults.findIndex(
    (v) => v.name === name || v.address.toLowerCase() === name.toLowerCase(),
  );
  if (index < 0)
    throw new CliError(
      "UNKNOWN_VAULT",
      EXIT.USAGE,
      `unknown vault "${name}" (configured: ${names})`,
    );
  return { vault: cfg.vaults[index], index };
}

/** Options of {@link buildContext}. */
export interface BuildContextOptions {
  vaultName: string | undefined;
  logger: Logger;
  /** Load the signer (plan, run). */
  needSigner: boolean;
  /** Open the journal (created if missing) — otherwise only when the file already exists. */
  openJournal: boolean;
  quoter?: string;
  /** `--lens`: overrides the vault's configured lens (checked like it). */
  lens?: string;
}

/** The command context plus what the command needs to clean up. */
export interface BuiltContext {
  ctx: CommandContext;
  vault: VaultConfig;
  vaultIndex: number;
  network: NetworkConfig;
  close: () => void;
}

/** Builds the context (see the module comment). */
export async function buildContext(
  cfg: KeeperConfig,
  io: CliIo,
  opts: BuildContextOptions,
): Promise<BuiltContext> {
  const { vault, index } = selectVault(cfg, opts.vaultName);
  const network = cfg.networks[vault.network];
  const makeProvider = await importOptional<typeof MakeProvider>(
    srcModule("chain/rpc.ts"),
    "makeProvider",
    "chain access",
  );
  const preflight = await importOptional<typeof PreflightNetwork>(
    srcModule("chain/preflight.ts"),
    "preflightNetwork",
    "chain access",
  );
  const provider = makeProvider(network.rpcUrls, network.chainId);
  try {
    // before anything is read or signed: the RPC serves the configured chain, the vault and lens
    // addresses hold a Ballast vault and a BallastLens (typed errors naming the field, exit 2)
    await preflight(provider, {
      chainId: network.chainId,
      chainIdField: `networks.${vault.network}.chainId`,
      vaults: [
        {
          path: `vaults[${index}]`,
          address: vault.address,
          lens: opts.lens ?? vault.lens,
          lensField: opts.lens === undefined ? undefined : "--lens",
        },
      ],
    });
  } catch (e) {
    provider.destroy();
    throw e;
  }
  let signer: CommandContext["signer"];
  if (opts.needSigner) {
    let loaded: Awaited<ReturnType<typeof loadSigner>>;
    try {
      loaded = await loadSigner(cfg.signer, io.env);
    } catch (e) {
      provider.destroy();
      throw e;
    }
    for (const w of loaded.warnings) io.stderr(`ballast: warning: ${w}\n`);
    signer = loaded.wallet.connect(provider);
  }
  let journal: Journal | undefined;
  if (opts.openJournal || existsSync(cfg.journal.path)) journal = openJournal(cfg.journal.path);
  const ctx: CommandContext = {
    provider,
    signer,
    config: cfg,
    logger: opts.logger,
    journal,
    // --quoter wins over the network's quoterV2; fee tiers come from the vault entry
    quoter: opts.quoter ?? network.quoterV2,
    feeTier: (i) => vault.feeTiers?.[i] ?? vault.defaultFeeTier,
  };
  return {
    ctx,
    vault,
    vaultIndex: index,
    network,
    close: () => {
      journal?.close();
      provider.destroy();
    },
  };
}

/**
 * Reads the vault's on-chain limits and refuses (CliError REFUSED, exit 4) when a local limit
 * is looser, naming each field with both values.
 */
export async function enforceLimitsInside(built: BuiltContext): Promise<void> {
  const readOnchainLimits = await importOptional<typeof ReadOnchainLimits>(
    srcModule("chain/reader.ts"),
    "readOnchainLimits",
    "chain access",
  );
  const onchain = await readOnchainLimits(built.ctx.provider, built.vault.address);
  const issues: LimitIssue[] = checkLimitsInside(
    built.vault.limits,
    onchain,
    `vaults[${built.vaultIndex}]`,
  );
  if (issues.length > 0)
    throw new CliError(
      "LIMITS_LOOSER_THAN_ONCHAIN",
      EXIT.REFUSED,
      `refusing: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      {
        issues: issues.map((i) => ({
          path: i.path,
          message: i.message,
          local: i.local.toString(),
          onchain: i.onchain.toString(),
        })),
      },
    );
}
