/**
 * Revert decoding for the page: finds revert data in an error thrown by ethers or a wallet,
 * decodes it against the custom errors of the ABIs the server hands out (vault, lens — which
 * carries the oracle errors —, ConfigLib, ERC-20), plus `Error(string)` and `Panic(uint256)`,
 * and explains the errors a depositor can meet in plain language with formatted values.
 * DOM-free (ethers only), so the unit tests decode real vault errors in Node.
 */
import { id, Interface, isHexString } from "ethers";
import type { ErrorFragment, InterfaceAbi } from "ethers";
import { formatAmount, formatDuration, formatTimestamp } from "./amounts.ts";

/** One decoded argument. bigints stay bigints. */
export interface RevertArg {
  readonly name: string;
  readonly type: string;
  readonly value: unknown;
}

/** A decoded custom error. */
export interface DecodedRevert {
  readonly name: string;
  readonly selector: string;
  readonly args: readonly RevertArg[];
}

/** Decodes revert data; null when empty or unknown. */
export type RevertDecoder = (data: string | null) => DecodedRevert | null;

const STD_ERRORS = ["error Error(string message)", "error Panic(uint256 code)"];

/**
 * Builds a decoder over the custom errors of `abis` (first declaration of a selector wins) plus
 * Solidity's `Error(string)` and `Panic(uint256)`.
 */
export function makeDecoder(abis: readonly InterfaceAbi[]): RevertDecoder {
  const table = new Map<string, { iface: Interface; fragment: ErrorFragment }>();
  for (const abi of [STD_ERRORS, ...abis]) {
    const iface = new Interface(abi);
    iface.forEachError((fragment) => {
      if (!table.has(fragment.selector)) table.set(fragment.selector, { iface, fragment });
    });
  }
  return (data) => {
    if (data === null || !isHexString(data) || data.length < 10) return null;
    const selector = data.slice(0, 10).toLowerCase();
    const hit = table.get(selector);
    if (hit === undefined) return null;
    try {
      const values = hit.iface.decodeErrorResult(hit.fragment, data);
      const args = hit.fragment.inputs.map((p, i) => ({
        name: p.name,
        type: p.type,
        value: values[i] as unknown,
      }));
      return { name: hit.fragment.name, selector, args };
    } catch {
      return null;
    }
  };
}

/**
 * Finds revert data (0x-hex, at least a selector) in an error from ethers, a JSON-RPC node or an
 * EIP-1193 wallet: `data`, `info.error.data`, `error.data`, `data.originalError.data`, nested
 * `cause`s. Null when none.
 */
export function extractRevertData(err: unknown, depth = 0): string | null {
  if (err === null || err === undefined || depth > 6) return null;
  if (typeof err === "string") return isHexString(err) && err.length >= 10 ? err : null;
  if (typeof err !== "object") return null;
  const o = err as Record<string, unknown>;
  // MetaMask nests the node's error as data.originalError; ethers as info.error / error
  for (const k of ["data", "info", "error", "cause", "payload", "originalError"]) {
    const found = extractRevertData(o[k], depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** Token facts used to format the values of an error. */
export interface ErrorContext {
  readonly baseSymbol: string;
  readonly baseDecimals: number;
  readonly shareSymbol: string;
  readonly shareDecimals: number;
  /**
   * Which token the OpenZeppelin ERC-20 errors (balance, allowance) of this call are about:
   * "base" for an approve or a deposit (the base token's transferFrom), "share" for the vault's
   * own share token (withdraw, redeem, requestRedeem, in-kind exit). Default "base".
   */
  readonly erc20Unit?: "base" | "share";
}

function argValue(d: DecodedRevert, name: string): bigint {
  const a = d.args.find((x) => x.name === name);
  return typeof a?.value === "bigint" ? a.value : 0n;
}

/** The argument `name` as text ("" when missing), e.g. an address. */
function argText(d: DecodedRevert, name: string): string {
  return String(d.args.find((x) => x.name === name)?.value ?? "");
}

/** `Name(arg=value, …)` with bigints in decimal and addresses in full. */
export function formatRevert(d: DecodedRevert): string {
  const shown = d.args.map((a) => {
    const v = typeof a.value === "bigint" ? a.value.toString() : String(a.value);
    return a.name === "" ? v : `${a.name}=${v}`;
  });
  return `${d.name}(${shown.join(", ")})`;
}

/**
 * A plain-language sentence for the errors a depositor can meet (deposit/withdraw limits, pauses,
 * feeds, balances, allowances, redemptions, shutdown); a generic sentence otherwise.
 */
export function explainRevert(d: DecodedRevert, ctx: ErrorContext): string {
  const base = (n: bigint) => `${formatAmount(n, ctx.baseDecimals)} ${ctx.baseSymbol}`;
  const shares = (n: bigint) => `${formatAmount(n, ctx.shareDecimals)} ${ctx.shareSymbol}`;
  switch (d.name) {
    case "ERC4626ExceededMaxDeposit":
      return `The vault accepts at most ${base(argValue(d, "max"))} now (deposit cap, pause, defensive mode, shutdown or a failed feed); you asked for ${base(argValue(d, "assets"))}.`;
    case "ERC4626ExceededMaxMint":
      return `The vault mints at most ${shares(argValue(d, "max"))} now.`;
    case "ERC4626ExceededMaxWithdraw":
      return `You can withdraw at most ${base(argValue(d, "max"))} now (your position, net of the exit fee, capped by the idle funds or your claim); you asked for ${base(argValue(d, "assets"))}. Request a redemption for the rest.`;
    case "ERC4626ExceededMaxRedeem":
      return `You can redeem at most ${shares(argValue(d, "max"))} now (your shares, capped by the idle funds or your claim); you asked for ${shares(argValue(d, "shares"))}. Request a redemption for the rest.`;
    case "ERC20InsufficientBalance": {
      const unit = ctx.erc20Unit === "share" ? shares : base;
      return `Balance too low: ${unit(argValue(d, "balance"))} available, ${unit(argValue(d, "needed"))} needed.`;
    }
    case "ERC20InsufficientAllowance": {
      const unit = ctx.erc20Unit === "share" ? shares : base;
      return `Allowance too low: ${unit(argValue(d, "allowance"))} approved, ${unit(argValue(d, "needed"))} needed.`;
    }
    case "InvalidOperator":
      return "You cannot name yourself as your own operator.";
    case "EnforcedPause":
      return "The vault is paused: deposits and rebalances are stopped (withdrawals stay open).";
    case "ZeroShares":
      return "The amount is zero shares.";
    case "NoPendingRequest":
      return "You have no pending redemption request to cancel (it may have just been fulfilled: check Claimable).";
    case "RedeemRequestLocked":
      return `Your redemption request (epoch ${argValue(d, "epoch").toString()}) is locked until ${formatTimestamp(argValue(d, "unlocksAt"))}: a fulfilment found the queue larger than the idle funds, so it waits to be fulfilled at the next rebalance. You can cancel it from then on (at once if the vault is shut down).`;
    case "NotController":
      return `Only the request's controller ${argText(d, "controller")} (or an operator it approved) can act on it; this call came from ${argText(d, "caller")}.`;
    case "NotShutDown":
      return "The in-kind exit opens only after the guardian shuts the vault down.";
    case "LendingPositionOpen":
      return `The in-kind exit waits until the lending position is unwound (collateral ${base(argValue(d, "collateral"))}, debt ${argValue(d, "debt").toString()} units).`;
    case "OracleStale":
      return `A price feed is stale: last update ${new Date(Number(argValue(d, "updatedAt")) * 1000).toISOString()}, heartbeat ${argValue(d, "heartbeat").toString()} s. NAV-priced actions wait for the feed.`;
    case "OracleAnswerNotPositive":
      return "A price feed answers zero or less; NAV-priced actions wait for the feed.";
    case "OraclePriceOutOfBand":
      return "A price feed answers outside its configured band; NAV-priced actions wait for the feed.";
    case "SequencerDown":
      return "The L2 sequencer is down; NAV-priced actions wait for it.";
    case "SequencerGracePeriodNotOver":
      return "The L2 sequencer restarted recently; NAV-priced actions wait for its grace period.";
    case "OracleCallFailed":
      return "A price feed does not answer (its call fails); NAV-priced actions wait for the feed.";
    case "ReservedAssetsSpent":
      return "The vault's balance is below the assets reserved for redemptions.";
    case "Error": {
      const msg = d.args[0]?.value;
      return `Reverted: ${String(msg)}`;
    }
    case "Panic":
      return `The contract panicked (code 0x${argValue(d, "code").toString(16)}).`;
    default:
      return "The contract rejected the call.";
  }
}

/**
 * Why the NAV cannot be priced, in words, from the revert of `totalAssets()`: which feed (by its
 * label in `labels`, lower-case address → e.g. "WETH/USD feed") and what is wrong with it, then
 * the decoded error for reference. `d` null: the revert did not decode.
 */
export function describeFeedFailure(
  d: DecodedRevert | null,
  labels: Readonly<Record<string, string>>,
): string {
  if (d === null) return "a price check failed with an unknown error";
  const feed = (name: string) =>
    labels[argText(d, name).toLowerCase()] ?? `feed ${argText(d, name)}`;
  let words: string;
  switch (d.name) {
    case "OracleStale":
      words = `the ${feed("feed")} is stale: its last answer is from ${formatTimestamp(argValue(d, "updatedAt"))}, older than its heartbeat of ${formatDuration(argValue(d, "heartbeat"))}`;
      break;
    case "OracleAnswerNotPositive":
      words = `the ${feed("feed")} answers ${argValue(d, "answer")}, not a positive price`;
      break;
    case "OraclePriceOutOfBand":
      words = `the ${feed("feed")} answers ${argValue(d, "answer")}, outside its accepted band ${argValue(d, "minPrice")}–${argValue(d, "maxPrice")}`;
      break;
    case "SequencerDown":
      words = "the L2 sequencer is down";
      break;
    case "OracleCallFailed":
      words = `the ${feed("feed")} does not answer (its call fails)`;
      break;
    case "SequencerGracePeriodNotOver":
      words = `the L2 sequencer restarted at ${formatTimestamp(argValue(d, "startedAt"))} and its grace period of ${formatDuration(argValue(d, "gracePeriod"))} is not over`;
      break;
    default:
      words = "a price check failed";
  }
  return `${words} [${formatRevert(d)}]`;
}

/** One feed's check as BallastLens.tryAssetStates reports it (OracleLib.tryPrice). */
export interface FeedStatus {
  /** OracleLib status: 0 OK, 1 answer not positive, 2 stale, 3 out of band, 4 call failed. */
  readonly status: bigint;
  readonly feed: string;
  readonly answer: bigint;
  readonly updatedAt: bigint;
  /** From the registry entry. */
  readonly heartbeat: bigint;
  readonly minPrice: bigint;
  readonly maxPrice: bigint;
  /** Timestamp of the block the status was read at. */
  readonly nowTs: bigint;
}

/** OracleLib's errors by tryPrice status, with their parameters (as `price` reverts with them). */
const FEED_ERRORS: Readonly<Record<string, readonly [string, readonly [string, string][]]>> = {
  "1": [
    "OracleAnswerNotPositive",
    [
      ["feed", "address"],
      ["answer", "int256"],
    ],
  ],
  "2": [
    "OracleStale",
    [
      ["feed", "address"],
      ["updatedAt", "uint256"],
      ["heartbeat", "uint256"],
      ["nowTs", "uint256"],
    ],
  ],
  "3": [
    "OraclePriceOutOfBand",
    [
      ["feed", "address"],
      ["answer", "int256"],
      ["minPrice", "uint256"],
      ["maxPrice", "uint256"],
    ],
  ],
  "4": ["OracleCallFailed", [["feed", "address"]]],
};

/**
 * The error OracleLib's `price` reverts with for a failed status (same name, selector and
 * arguments), so that {@link describeFeedFailure} words it as it words a revert; null when the
 * status is OK (0) or unknown.
 */
export function feedStatusRevert(f: FeedStatus): DecodedRevert | null {
  const e = FEED_ERRORS[f.status.toString()];
  if (e === undefined) return null;
  const [name, params] = e;
  const values: Readonly<Record<string, unknown>> = {
    feed: f.feed,
    answer: f.answer,
    updatedAt: f.updatedAt,
    heartbeat: f.heartbeat,
    nowTs: f.nowTs,
    minPrice: f.minPrice,
    maxPrice: f.maxPrice,
  };
  return {
    name,
    selector: id(`${name}(${params.map(([, t]) => t).join(",")})`).slice(0, 10),
    args: params.map(([n, type]) => ({ name: n, type, value: values[n] })),
  };
}

/** What the page shows for a failed simulation, signature or transaction. */
export interface ErrorReport {
  /** "Name(arg=value, …)" when the revert decodes, else null. */
  readonly decoded: string | null;
  /** A sentence for the depositor. */
  readonly message: string;
  /** True when the user declined in the wallet (not a contract error). */
  readonly rejected: boolean;
}

function messageOf(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const o = err as { shortMessage?: unknown; message?: unknown };
    if (typeof o.shortMessage === "string") return o.shortMessage;
    if (typeof o.message === "string") return o.message;
  }
  return String(err);
}

/** True when the user declined in the wallet (ethers' ACTION_REJECTED, EIP-1193 code 4001). */
export function isRejection(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const o = err as { code?: unknown; error?: { code?: unknown } };
  return o.code === "ACTION_REJECTED" || o.code === 4001 || o.error?.code === 4001;
}

/** Turns any thrown value into an {@link ErrorReport} using `decode` and `ctx`. */
export function reportError(err: unknown, decode: RevertDecoder, ctx: ErrorContext): ErrorReport {
  if (isRejection(err)) {
    return { decoded: null, message: "You declined the request in your wallet.", rejected: true };
  }
  const data = extractRevertData(err);
  const d = decode(data);
  if (d !== null)
    return { decoded: formatRevert(d), message: explainRevert(d, ctx), rejected: false };
  if (data !== null) {
    return {
      decoded: null,
      message: `The call would revert with an unknown error ${data.slice(0, 10)}.`,
      rejected: false,
    };
  }
  return { decoded: null, message: messageOf(err), rejected: false };
}
