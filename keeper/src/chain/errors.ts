/**
 * Decoding of revert data: the custom errors of the vault, its linked libraries and the adapters
 * (docs/plan-format.md §10), plus Solidity's `Error(string)` and `Panic(uint256)`, into
 * `{ name, args }` with bigints as decimal strings (log-friendly, JSON-able).
 */
import { Interface, isError, isHexString } from "ethers";
import type { ErrorFragment, Result } from "ethers";
import { projectAbi } from "./abis.ts";
import type { ProjectContract } from "./abis.ts";

/** A decoded revert. `args` are in ABI order; `named` by parameter name when the ABI names them. */
export interface DecodedRevert {
  name: string;
  signature: string;
  selector: string;
  args: string[];
  named: Record<string, string>;
}

const SOURCES: ProjectContract[] = [
  "BallastVault",
  "RiskChecks",
  "LossBudget",
  "RebalanceLib",
  "PlanHashing",
  "ConfigLib",
  "OracleLib",
  "PriceLib",
  "NavMath",
  "Tightening",
  "AaveV3Adapter",
  "UniswapV3SwapAdapter",
];

let union: Map<string, { iface: Interface; fragment: ErrorFragment }> | null = null;

/** Selector → (interface, fragment) over every project ABI (built once, lazily). */
function errorTable(): Map<string, { iface: Interface; fragment: ErrorFragment }> {
  if (union !== null) return union;
  const table = new Map<string, { iface: Interface; fragment: ErrorFragment }>();
  for (const src of SOURCES) {
    const iface = new Interface(projectAbi(src));
    iface.forEachError((fragment) => {
      if (!table.has(fragment.selector)) table.set(fragment.selector, { iface, fragment });
    });
  }
  union = table;
  return table;
}

/** Converts decoded ABI values to log-friendly strings (bigint → decimal, arrays JSON). */
function show(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return JSON.stringify(v.map(show));
  return String(v);
}

function fromResult(
  name: string,
  signature: string,
  selector: string,
  r: Result,
  fragment?: ErrorFragment,
): DecodedRevert {
  const args = [...r].map(show);
  const named: Record<string, string> = {};
  fragment?.inputs.forEach((p, i) => {
    if (p.name !== "") named[p.name] = args[i];
  });
  return { name, signature, selector, args, named };
}

const STD = new Interface(["error Error(string message)", "error Panic(uint256 code)"]);

/**
 * Decodes revert `data` (0x-hex). Returns null for empty data or an unknown selector (the
 * selector is then still in the result of {@link describeRevert}).
 */
export function decodeRevertData(data: string | null | undefined): DecodedRevert | null {
  if (typeof data !== "string" || !isHexString(data) || data.length < 10) return null;
  const selector = data.slice(0, 10).toLowerCase();
  const std = STD.getError(selector);
  if (std !== null) {
    try {
      return fromResult(std.name, std.format(), selector, STD.decodeErrorResult(std, data), std);
    } catch {
      return null;
    }
  }
  const hit = errorTable().get(selector);
  if (hit === undefined) return null;
  try {
    const r = hit.iface.decodeErrorResult(hit.fragment, data);
    return fromResult(hit.fragment.name, hit.fragment.format(), selector, r, hit.fragment);
  } catch {
    return null;
  }
}

/**
 * Finds revert data in an ethers / JSON-RPC error (`data`, `info.error.data`, `error.data`,
 * nested `cause`s; a string or `{ data }`). Returns null when there is none.
 */
export function extractRevertData(err: unknown, depth = 0): string | null {
  if (err === null || err === undefined || depth > 6) return null;
  if (typeof err === "string") return isHexString(err) && err.length >= 10 ? err : null;
  if (typeof err !== "object") return null;
  const o = err as Record<string, unknown>;
  for (const k of ["data", "revert", "info", "error", "cause", "payload"]) {
    if (k === "revert" && o.revert !== undefined && o.revert !== null) continue;
    const v = o[k];
    const found = extractRevertData(v, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** Decodes the revert carried by an error thrown by ethers or the RPC client, if any. */
export function decodeError(err: unknown): DecodedRevert | null {
  return decodeRevertData(extractRevertData(err));
}

/**
 * One line for logs: `Name(arg0, arg1)`, the raw selector, or the error message (ethers'
 * `shortMessage` when it has one).
 */
export function describeRevert(err: unknown): string {
  const d = decodeError(err);
  if (d !== null) return `${d.name}(${d.args.join(", ")})`;
  const data = extractRevertData(err);
  if (data !== null) return `unknown revert ${data.slice(0, 10)}`;
  // ethers' shortMessage: the reason without the echoed transaction (kilobytes of calldata)
  const short = (err as { shortMessage?: unknown } | null)?.shortMessage;
  if (typeof short === "string" && short !== "") return short;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Whether `err` is a contract's own answer to a call: a revert (ethers `CALL_EXCEPTION` carrying
 * revert data, "0x" included) or a result that does not decode (`BAD_DATA`). ethers also turns
 * any JSON-RPC error of an eth_call (rate limit, "header not found") into `CALL_EXCEPTION`, but
 * without revert data: those are the node's failures, not the contract's, and must not be read
 * as "this is not a vault" or "this feed does not answer".
 */
export function isContractAnswer(err: unknown): boolean {
  if (isError(err, "BAD_DATA")) return true;
  return isError(err, "CALL_EXCEPTION") && typeof err.data === "string";
}
