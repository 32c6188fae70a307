/**
 * The shared command context: everything a command needs, passed explicitly (no globals):
 * providers, the plan signer (EIP-712), an optional relayer wallet, the parsed config, a logger,
 * and optional journal / chain addresses that the config does not carry yet (QuoterV2).
 */
import { getAddress, isAddress } from "ethers";
import type { Provider, Signer } from "ethers";
import type { KeeperConfig, VaultConfig } from "../config/schema.ts";
import type { Journal } from "../journal/journal.ts";
import type { HighsLike } from "../optimize/types.ts";

/** The logger methods commands use (a pino Logger satisfies it). */
export interface CommandLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (tests, `--json` runs). */
export const silentLogger: CommandLogger = {
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
  error: () => undefined,
};

/** Context of one command run. */
export interface CommandContext {
  /** Read provider (normally a ResilientProvider over the network's rpcUrls). */
  provider: Provider;
  /** The KEEPER_SIGNER (signs plans; plan simulations use its signature). */
  signer?: Signer;
  /** Relayer wallet (pays gas; any account may relay). */
  relayer?: Signer;
  config?: KeeperConfig;
  logger: CommandLogger;
  journal?: Journal;
  /** Uniswap QuoterV2 address (per chain); without it `plan` quotes at oracle prices. */
  quoter?: string;
  /** Swap fee tier per registry index (default 3000). */
  feeTier?: (assetIndex: number) => number;
  /** A loaded HiGHS runtime for min-cvar targets (default: loaded when needed). */
  highs?: HighsLike;
}

/** A vault the command acts on, resolved from a config name or an address. */
export interface ResolvedVault {
  address: string;
  lens: string | null;
  name: string;
  config: VaultConfig | null;
}

/**
 * A command input the chain data refuses: a vault name that is neither configured nor an
 * address, targets whose count is not the vault's asset count, a missing signer or relayer.
 */
export class CommandError extends Error {
  readonly code: "UNKNOWN_VAULT" | "BAD_TARGETS" | "NO_SIGNER" | "NO_RELAYER";

  constructor(code: CommandError["code"], message: string) {
    super(message);
    this.name = "CommandError";
    this.code = code;
  }
}

/**
 * Resolves `vault` (a config vault name or an address) to its address and lens; `lens`
 * overrides the configured one.
 */
export function resolveVault(ctx: CommandContext, vault: string, lens?: string): ResolvedVault {
  const cfg = ctx.config?.vaults.find(
    (v) => v.name === vault || (isAddress(vault) && sameAddress(v.address, vault)),
  );
  if (cfg !== undefined) {
    return {
      address: getAddress(cfg.address),
      lens: getAddress(lens ?? cfg.lens),
      name: cfg.name,
      config: cfg,
    };
  }
  if (!isAddress(vault)) {
    const known = ctx.config?.vaults.map((v) => v.name).join(", ") ?? "none";
    throw new CommandError("UNKNOWN_VAULT", `unknown vault "${vault}" (configured: ${known})`);
  }
  return {
    address: getAddress(vault),
    lens: lens === undefined ? null : getAddress(lens),
    name: getAddress(vault),
    config: null,
  };
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
