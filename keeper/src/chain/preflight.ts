/**
 * Start-up checks of what the configuration (or a command-line option) points at, before any
 * snapshot is read or anything is signed: the RPC serves the configured chain id, a vault address
 * holds a Ballast vault, a lens address holds a BallastLens, the plan signer holds
 * KEEPER_SIGNER_ROLE. Each failure is a typed {@link PreflightError} naming the field (config
 * path or option), the address or value, and what is wrong, with the CLI exit code it maps to.
 */
import { Contract, isAddress } from "ethers";
import type { Provider } from "ethers";
import { projectAbi } from "./abis.ts";
import { isContractAnswer } from "./errors.ts";
import { ResilientProvider } from "./rpc.ts";
import { redactUrl } from "../config/load.ts";

/** Error codes of {@link PreflightError}. */
export type PreflightErrorCode =
  | "CHAIN_ID_MISMATCH"
  | "BAD_ADDRESS"
  | "NO_CONTRACT"
  | "NOT_A_VAULT"
  | "NOT_A_LENS"
  | "SIGNER_LACKS_ROLE";

/** Exit codes of keeper/README.md: configuration errors are 2, safety refusals 4. */
const EXIT_OF: Record<PreflightErrorCode, 2 | 4> = {
  CHAIN_ID_MISMATCH: 2,
  BAD_ADDRESS: 2,
  NO_CONTRACT: 2,
  NOT_A_VAULT: 2,
  NOT_A_LENS: 2,
  SIGNER_LACKS_ROLE: 4,
};

/** A failed start-up check. `field` is the config path or option that is wrong. */
export class PreflightError extends Error {
  readonly code: PreflightErrorCode;
  readonly field: string;
  /** The CLI exit code (keeper/README.md: 2 configuration error, 4 refused for safety). */
  readonly exitCode: 2 | 4;

  constructor(code: PreflightErrorCode, field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "PreflightError";
    this.code = code;
    this.field = field;
    this.exitCode = EXIT_OF[code];
  }
}

/** A provider that may also speak raw JSON-RPC (ethers' JsonRpcApiProvider does). */
type MaybeRaw = Provider & { send?: (method: string, params: unknown[]) => Promise<unknown> };

/**
 * The chain id the RPC itself reports (`eth_chainId`, never the provider's pinned network, which
 * is the configured value).
 */
export async function rpcChainId(provider: Provider): Promise<bigint> {
  const p = provider as MaybeRaw;
  if (typeof p.send === "function") return BigInt((await p.send("eth_chainId", [])) as string);
  return (await provider.getNetwork()).chainId;
}

/**
 * Throws CHAIN_ID_MISMATCH when the RPC's chain id differs from `configured` (`field` names it).
 * With several URLs (a ResilientProvider's fallbacks), every URL that answers is asked on its
 * own — a fallback on another chain would otherwise be found only at failover time; a URL that
 * does not answer now is left to the failover logic.
 */
export async function checkChainId(
  provider: Provider,
  configured: bigint | number,
  field: string,
): Promise<void> {
  const want = BigInt(configured);
  const mismatch = (served: bigint, url?: string) =>
    new PreflightError(
      "CHAIN_ID_MISMATCH",
      field,
      `configured chain id ${configured}, but the RPC ${url === undefined ? "" : `URL ${redactUrl(url)} `}serves chain ${served}`,
    );
  if (provider instanceof ResilientProvider && provider.client.urls.length > 1) {
    const answers = (await provider.client.chainIdsByUrl()).filter((r) => r.chainId !== null);
    for (const r of answers) if (r.chainId !== want) throw mismatch(r.chainId as bigint, r.url);
    if (answers.length > 0) return; // none answering: the failover request below says why
  }
  const actual = await rpcChainId(provider);
  if (actual !== want) throw mismatch(actual);
}

/** Throws BAD_ADDRESS unless `value` is a 0x address (any case). */
export function checkAddress(value: string, field: string): string {
  if (!isAddress(value))
    throw new PreflightError("BAD_ADDRESS", field, `"${value}" is not a valid address`);
  return value;
}

async function checkCode(provider: Provider, address: string, field: string): Promise<void> {
  checkAddress(address, field);
  const code = await provider.getCode(address);
  if (code === "0x" || code === "")
    throw new PreflightError("NO_CONTRACT", field, `no contract at ${address}`);
}

/**
 * Throws unless `vault` holds a Ballast vault: NO_CONTRACT (no code), NOT_A_VAULT (its getters
 * `nextNonce`, `assetConfigs`, `oracleConfig` and `KEEPER_SIGNER_ROLE` do not all answer).
 */
export async function checkVault(provider: Provider, vault: string, field: string): Promise<void> {
  await checkCode(provider, vault, field);
  const v = new Contract(vault, projectAbi("BallastVault"), provider);
  try {
    await Promise.all([v.nextNonce(), v.assetConfigs(), v.oracleConfig(), v.KEEPER_SIGNER_ROLE()]);
  } catch (e) {
    if (!isContractAnswer(e)) throw e; // the node failed, not the contract
    throw new PreflightError(
      "NOT_A_VAULT",
      field,
      `the contract at ${vault} is not a Ballast vault (its vault getters do not answer)`,
    );
  }
}

/** Throws unless `lens` holds a BallastLens that answers `vaultState(vault)`. */
export async function checkLens(
  provider: Provider,
  lens: string,
  vault: string,
  field: string,
): Promise<void> {
  await checkCode(provider, lens, field);
  const l = new Contract(lens, projectAbi("BallastLens"), provider);
  try {
    await l.vaultState(vault);
  } catch (e) {
    if (!isContractAnswer(e)) throw e; // the node failed, not the contract
    throw new PreflightError(
      "NOT_A_LENS",
      field,
      `the contract at ${lens} is not a BallastLens (vaultState(${vault}) does not answer)`,
    );
  }
}

/** True when `signer` holds the vault's KEEPER_SIGNER_ROLE. */
export async function hasSignerRole(
  provider: Provider,
  vault: string,
  signer: string,
): Promise<boolean> {
  const v = new Contract(vault, projectAbi("BallastVault"), provider);
  const role = (await v.KEEPER_SIGNER_ROLE()) as string;
  return (await v.hasRole(role, signer)) as boolean;
}

/**
 * Throws SIGNER_LACKS_ROLE (exit 4, field `signer`) unless `signer` holds KEEPER_SIGNER_ROLE on
 * `vault` (`label` names the vault in the message, e.g. `"main" (vaults[0])`).
 */
export async function checkSignerRole(
  provider: Provider,
  vault: string,
  signer: string,
  label: string,
): Promise<void> {
  if (!(await hasSignerRole(provider, vault, signer)))
    throw new PreflightError(
      "SIGNER_LACKS_ROLE",
      "signer",
      `refusing: ${signer} lacks KEEPER_SIGNER_ROLE on vault ${label} at ${vault}; plans it signs cannot execute (grant the role, or configure the keeper's key)`,
    );
}

/** What {@link preflightVault} checks for one configured vault. */
export interface VaultTarget {
  /** Config path of the vault entry, e.g. `vaults[0]`. */
  path: string;
  address: string;
  lens: string | null;
  /** Where the lens came from (default `${path}.lens`; `--lens` when given on the command line). */
  lensField?: string;
}

/** The vault and lens checks of one vault (see {@link checkVault}, {@link checkLens}). */
export async function preflightVault(provider: Provider, t: VaultTarget): Promise<void> {
  await checkVault(provider, t.address, `${t.path}.address`);
  if (t.lens !== null)
    await checkLens(provider, t.lens, t.address, t.lensField ?? `${t.path}.lens`);
}

/** One network's start-up checks: its chain id, then every vault on it. */
export interface NetworkTarget {
  chainId: bigint | number;
  /** Config path of the chain id, e.g. `networks.local.chainId`. */
  chainIdField: string;
  vaults: readonly VaultTarget[];
}

/**
 * The chain id check, then the vault and lens checks of every vault on the network (see the
 * module comment). Throws the first {@link PreflightError}.
 */
export async function preflightNetwork(provider: Provider, t: NetworkTarget): Promise<void> {
  await checkChainId(provider, t.chainId, t.chainIdField);
  for (const v of t.vaults) await preflightVault(provider, v);
}
