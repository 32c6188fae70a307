/**
 * `ballast status`: NAV, weights vs max, limits and the configuration changes queued behind the
 * curator timelock, loss budget left, pending redemptions (and whether their epoch is locked
 * against cancelling), the last rebalances (from `Rebalanced` events) and keeper health, read at
 * one block. `runStatus` returns
 * a JSON-able object (bigints as decimal strings); `formatStatus` renders it as a table, with the
 * tokens' symbols that `runStatusView` reads besides (the JSON carries none). While a
 * feed fails (stale, out of band, … or its call reverts) the NAV is unavailable: status still
 * reports, with the holdings from the lens; the figures that need a price a failed feed call
 * cannot give, or a base feed answering zero or less (every value divides by it), are null
 * ("n/a").
 */
import { Contract } from "ethers";
import type { Provider } from "ethers";
import { npmAbi, projectAbi } from "../chain/abis.ts";
import { describeRevert } from "../chain/errors.ts";
import { callFailureDetail, feedFailure, navUnavailableReason } from "../chain/feeds.ts";
import type { FeedCallFailure } from "../chain/feeds.ts";
import {
  readCancelLockedUntil,
  readPendingChanges,
  readSnapshot,
  readTryAssetStates,
} from "../chain/reader.ts";
import type {
  ConfigFields,
  LensAssetTry,
  PendingChangeRead,
  PendingKind,
} from "../chain/reader.ts";
import type { VaultSnapshot } from "../planner/types.ts";
import { ResilientProvider } from "../chain/rpc.ts";
import type { RpcStats } from "../chain/rpc.ts";
import {
  lossBudgetLeftWad,
  navOf,
  netDeltaBps,
  ppsWad,
  previewRedeem,
  px,
  pxAll,
  bpsDown,
  accrueFees,
  value,
} from "../planner/checks.ts";
import type { NavBreakdown } from "../planner/checks.ts";
import {
  duration,
  isoSeconds,
  relativeTime,
  timeAt,
  units,
  wadDecimal,
  wadPercent,
} from "../planner/text.ts";
import { resolveVault } from "./context.ts";
import type { CommandContext } from "./context.ts";

/** Options of {@link runStatus}. */
export interface StatusOptions {
  /** Config vault name or address. */
  vault: string;
  /** BallastLens address (overrides the config). */
  lens?: string;
  /** Blocks scanned for `Rebalanced` events (default 10 000). */
  eventLookbackBlocks?: number;
  /** Number of last rebalances shown (default 5). */
  lastRebalances?: number;
}

/** OracleLib.tryPrice status codes, as {@link AssetHolding.feedStatus} names them. */
export const FEED_STATUS = ["ok", "not-positive", "stale", "out-of-band", "call-failed"] as const;

/** A feed's state as the lens reports it. */
export type FeedStatus = (typeof FEED_STATUS)[number] | "unknown";

/**
 * One asset's holdings while the NAV is unavailable, from `BallastLens.tryAssetStates` (raw
 * integers as decimal strings, plus whole-token renderings of the balance and debt). `value` and
 * `debtValue` (base token units) are null unless the sequencer, the base feed and this asset's
 * feed are good; `weightBps` and `netDeltaBps` are null while the NAV does not price.
 */
export interface AssetHolding {
  index: number;
  token: string;
  /** The token's decimals (the snapshot's). */
  decimals: number;
  balance: string;
  debt: string;
  /** `balance` in whole tokens ("1.5"). */
  balanceTokens: string;
  /** `debt` in whole tokens. */
  debtTokens: string;
  feed: string;
  /** The lens's OracleLib status code (0 OK, 1 not positive, 2 stale, 3 out of band, 4 call failed). */
  feedStatusCode: number;
  feedStatus: FeedStatus;
  /** The feed's state in words: "ok", or the failure as `status` names it elsewhere. */
  feedState: string;
  /** What the feed answered and when (0 when its call failed). */
  answer: string;
  updatedAt: string;
  value: string | null;
  debtValue: string | null;
  weightBps: string | null;
  netDeltaBps: string | null;
}

/**
 * JSON-able status (every chain quantity as a decimal string). Null marks a figure that needs a
 * price no answer gives: while a feed's call fails, the NAV and what derives from it; that feed's
 * price, age and value; every value when the base feed's call fails or its answer is not
 * positive (the NAV and what derives from it too).
 */
export interface VaultStatus {
  vault: string;
  name: string;
  chainId: string;
  blockNumber: number;
  timestamp: string;
  /**
   * The NAV at the feeds' latest answers (not the vault's NAV while `navAvailable` is false);
   * null while a feed's call fails or a feed's answer is not positive.
   */
  nav: string | null;
  /** False while a feed fails: the vault itself cannot price its NAV (deposits, redeems, plans). */
  navAvailable: boolean;
  /** Why the NAV is unavailable (the failing feeds, or the vault's revert), else null. */
  navUnavailable: string | null;
  lensNav: string | null;
  /**
   * Only while the NAV is unavailable: the per-asset holdings the lens reads without the failing
   * feed (`BallastLens.tryAssetStates`). Absent while the NAV prices, without a lens, and with an
   * older lens that lacks `tryAssetStates` (a warning says so).
   */
  holdings?: AssetHolding[];
  totalSupply: string;
  pricePerShareWad: string | null;
  /** Decimals of the base token and of the vault's shares (base + decimals offset). */
  baseDecimals: number;
  shareDecimals: number;
  idle: string;
  reservedAssets: string;
  lendingCollateral: string;
  leverageBps: string | null;
  flags: { paused: boolean; defensive: boolean; shutdown: boolean; navUnavailable: boolean };
  assets: {
    index: number;
    token: string;
    enabled: boolean;
    balance: string;
    debt: string;
    price: string | null;
    value: string | null;
    weightBps: string | null;
    maxWeightBps: string;
    weightHeadroomBps: string | null;
    netDeltaBps: string | null;
    netDeltaBand: [string, string];
    feedAgeSeconds: string | null;
    heartbeat: string;
  }[];
  limits: Record<string, string>;
  /**
   * The configuration changes queued behind the curator timelock, in the order limits, fees,
   * assets by index, adapters by id (empty when nothing is queued); null when the vault does not
   * answer `pendingChange` (an older deployment: a warning says so).
   */
  pendingChanges: PendingChangeStatus[] | null;
  /**
   * Whether `pendingChanges` covers the adapters: only the lens lists them
   * (`BallastLens.pendingChanges`); false without a lens or with an older lens (the limits, fees
   * and assets are then read from the vault, and a warning says so), and while `pendingChanges`
   * is null.
   */
  pendingAdaptersChecked: boolean;
  lossBudget: { usedWad: string; capWad: string; leftWad: string; leftBps: string };
  redemptions: {
    epoch: string;
    pendingShares: string;
    pendingAssetsEstimate: string | null;
    /**
     * The vault's `cancelLockedUntil()` (unix seconds): set when a fulfilment found the epoch's
     * pending redemptions larger than the idle funds; before it nobody in the epoch can cancel.
     * "0" when the epoch is not locked; at or before `timestamp` once the lock has expired; null
     * when the vault does not answer it (a deployment older than the lock).
     */
    cancelLockedUntil: string | null;
    /**
     * Whether the epoch's requests cannot be cancelled at this block: `cancelLockedUntil` after
     * `timestamp` and the vault not shut down (shutdown lifts the lock). Null when unknown.
     */
    cancelLocked: boolean | null;
  };
  nextNonce: string;
  lastRebalanceAt: string;
  cooldownReadyAt: string;
  lastRebalances: {
    nonce: string;
    blockNumber: number;
    txHash: string;
    planHash: string;
    navBefore: string;
    navAfter: string;
    turnoverBps: string;
    lossBps: string;
  }[];
  keeper: {
    signer: string | null;
    signerHasRole: boolean | null;
    rpc: RpcStats | null;
    journalPending: number | null;
    warnings: string[];
  };
}

/** One field of a queued change that differs from the value in force (raw values as strings). */
export interface FieldChange {
  field: string;
  /** The value in force: null for every field of an asset being added. */
  from: string | null;
  to: string;
}

/** One change queued behind the curator timelock ({@link VaultStatus.pendingChanges}). */
export interface PendingChangeStatus {
  kind: PendingKind;
  /** 0 for the limits and the fees; the asset index (the registry's length: being added); the adapter id. */
  key: number;
  /** Unix seconds from which anyone may accept it (as `timestamp`). */
  validAt: string;
  /** `validAt` in ISO-8601 UTC ("2026-12-08T12:00:00Z"). */
  validAtIso: string;
  /** `validAt` at or before `timestamp`: anyone may accept (apply) it at any moment. */
  acceptable: boolean;
  /** The fields that differ from the value in force, in ABI order. */
  changes: FieldChange[];
}

/**
 * Token symbols for the text form of a status (never in its JSON): the base token's and each
 * asset's, registry order, from `symbol()` at the status block; null where the call fails (the
 * text falls back to the address) or answers no printable string.
 */
export interface StatusLabels {
  baseSymbol: string | null;
  symbols: (string | null)[];
}

/** A status with the symbols its text form names the tokens by ({@link runStatusView}). */
export interface StatusView {
  status: VaultStatus;
  labels: StatusLabels;
}

/** Reads the status of one vault (see the module comment). */
export async function runStatus(ctx: CommandContext, opts: StatusOptions): Promise<VaultStatus> {
  return (await readStatus(ctx, opts, false)).status;
}

/**
 * {@link runStatus} plus the token symbols for {@link formatStatus}: one `symbol()` call per
 * token (the base token and each asset) at the same block. The status is the same as
 * {@link runStatus}'s (the JSON form carries no symbols).
 */
export async function runStatusView(ctx: CommandContext, opts: StatusOptions): Promise<StatusView> {
  const v = await readStatus(ctx, opts, true);
  return { status: v.status, labels: v.labels ?? { baseSymbol: null, symbols: [] } };
}

/** `symbol()` of each token at `blockTag` (null where the call fails), in parallel. */
export async function readSymbols(
  provider: Provider,
  tokens: readonly string[],
  blockTag: number,
): Promise<(string | null)[]> {
  return Promise.all(
    tokens.map(async (token) => {
      try {
        const c = new Contract(token, npmAbi("erc20"), provider);
        return cleanSymbol(await c.symbol({ blockTag }));
      } catch {
        return null;
      }
    }),
  );
}

/**
 * A token's `symbol()` answer fit for one table cell: whitespace, control and format characters
 * (bidirectional overrides, …) removed, at most 24 characters; null for anything else or nothing left. Pure.
 */
export function cleanSymbol(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  const t = raw.replace(/[\s\p{Cc}\p{Cf}]/gu, "");
  return t === "" ? null : Array.from(t).slice(0, 24).join("");
}

async function readStatus(
  ctx: CommandContext,
  opts: StatusOptions,
  withLabels: boolean,
): Promise<{ status: VaultStatus; labels: StatusLabels | null }> {
  const rv = resolveVault(ctx, opts.vault, opts.lens);
  // a feed whose call fails does not stop status: it is named, and what needs no price is shown
  const { snapshot: s, extras } = await readSnapshot(ctx.provider, rv.address, rv.lens, "latest", {
    feedCallFailures: "collect",
  });
  const calls = extras.feedCallFailures;
  const at = { blockTag: extras.blockNumber };
  const fig = pricedFigures(s, calls);
  const nav = fig.nav;
  const now = s.timestamp;
  const warnings: string[] = [];
  const v = new Contract(rv.address, projectAbi("BallastVault"), ctx.provider);
  // the vault's own NAV (reverts naming the failing feed while one fails), and the off-chain
  // checks of every feed, which name each failing one
  let navRevert: string | null = null;
  try {
    await v.totalAssets(at);
  } catch (e) {
    navRevert = describeRevert(e);
  }
  const chainUnavailable = navRevert !== null || extras.navAvailable === false;
  const navUnavailable = navUnavailableReason(
    s,
    chainUnavailable,
    navRevert ?? "the lens reports the NAV unavailable",
    calls,
  );

  // during an outage: what the vault holds, from the lens that survives a failing feed
  let holdings: AssetHolding[] | undefined;
  if (rv.lens === null) warnings.push(NO_LENS_WARNING);
  else if (navUnavailable !== null) {
    const rows = await readTryAssetStates(ctx.provider, rv.lens, rv.address, extras.blockNumber);
    if (rows === null)
      warnings.push(
        `lens ${rv.lens} does not answer tryAssetStates (an older deployment): per-asset holdings during the outage are not shown`,
      );
    else holdings = holdingsOf(rows, s, calls);
  }

  const lookback = opts.eventLookbackBlocks ?? 10_000;
  const logs = await ctx.provider.getLogs({
    address: rv.address,
    topics: [v.interface.getEvent("Rebalanced")?.topicHash ?? null],
    fromBlock: Math.max(0, extras.blockNumber - lookback),
    toBlock: extras.blockNumber,
  });
  const last = logs
    .slice(-(opts.lastRebalances ?? 5))
    .reverse()
    .map((l) => {
      const ev = v.interface.parseLog(l);
      const a = ev?.args;
      return {
        nonce: String(a?.nonce),
        blockNumber: l.blockNumber,
        txHash: l.transactionHash,
        planHash: String(a?.planHash),
        navBefore: String(a?.navBefore),
        navAfter: String(a?.navAfter),
        turnoverBps: String(a?.turnoverBps),
        lossBps: String(a?.lossBps),
      };
    });

  let signer: string | null = null;
  let signerHasRole: boolean | null = null;
  if (ctx.signer !== undefined) {
    signer = await ctx.signer.getAddress();
    const role = (await v.KEEPER_SIGNER_ROLE(at)) as string;
    signerHasRole = (await v.hasRole(role, signer, at)) as boolean;
    if (!signerHasRole) warnings.push(`signer ${signer} lacks KEEPER_SIGNER_ROLE`);
  }
  const assets = s.assets.map((a, i) => {
    const w = nav === null ? null : nav.nav === 0n ? 0n : bpsDown(nav.values[i], nav.nav);
    const callFailed = calls.some((c) => c.asset === i);
    const hb = a.feedInfo?.heartbeat ?? 0n;
    if (w !== null && w > a.maxWeightBps)
      warnings.push(`asset ${i} weight ${w} bps above max ${a.maxWeightBps}`);
    return {
      index: i,
      token: a.token,
      enabled: a.enabled,
      balance: String(s.positions.balances[i]),
      debt: String(s.positions.debts[i]),
      price: callFailed ? null : String(a.price),
      value: str(fig.values[i]),
      weightBps: str(w),
      maxWeightBps: String(a.maxWeightBps),
      weightHeadroomBps: str(w === null ? null : a.maxWeightBps - w),
      netDeltaBps: str(
        nav === null
          ? null
          : nav.nav === 0n
            ? 0n
            : netDeltaBps(nav.values[i], nav.debtValues[i], nav.nav),
      ),
      netDeltaBand: [String(a.minNetDeltaBps), String(a.maxNetDeltaBps)] as [string, string],
      feedAgeSeconds: callFailed ? null : String(now - extras.assetFeeds[i].updatedAt),
      heartbeat: String(hb),
    };
  });
  const cap = extras.lossBudgetCapWad;
  const left = lossBudgetLeftWad(s, now);
  const pendingAssets =
    s.pendingShares === 0n
      ? 0n
      : nav === null
        ? null
        : previewRedeem(
            s.pendingShares,
            nav.nav,
            accrueFees(s.totalSupply, nav.nav, s.fees, now, s.decimalsOffset).supplyAfter,
            s.fees.exitFeeBps,
            s.decimalsOffset,
          );
  const lockedUntil = await readCancelLockedUntil(ctx.provider, rv.address, extras.blockNumber);
  const pending = await readPendingChanges(ctx.provider, rv.address, rv.lens, extras.blockNumber);
  const pendingChanges =
    pending === null ? null : pending.changes.map((c) => pendingChangeStatus(c, now));
  if (pending === null)
    warnings.push(
      `vault ${rv.address} does not answer pendingChange (an older deployment): the changes queued behind the curator timelock are not shown`,
    );
  // without any lens, NO_LENS_WARNING already asks for one: the queued changes' header and
  // `pendingAdaptersChecked` say that the adapters were not checked
  else if (pending.source === "vault" && rv.lens !== null)
    warnings.push(
      `lens ${rv.lens} does not answer pendingChanges (an older deployment): queued adapter changes were not checked (the limits, fees and assets were read from the vault)`,
    );
  warnings.push(...pendingChangeWarnings(pendingChanges ?? []));
  const lock = cancelLockOf(lockedUntil, now, s.shutdown);
  warnings.push(
    ...redemptionWarnings({
      epoch: extras.currentEpoch,
      pendingShares: s.pendingShares,
      pendingAssets,
      idle: fig.idle,
      lock,
    }),
  );
  if (s.paused) warnings.push("vault is paused");
  if (s.defensive) warnings.push("vault is in defensive mode");
  if (s.shutdown) warnings.push("vault is shut down");
  if (extras.lensNav !== null && nav !== null && extras.lensNav !== nav.nav)
    warnings.push(`lens NAV ${extras.lensNav} differs from the recomputed NAV ${nav.nav}`);
  const journalPending =
    ctx.journal === undefined
      ? null
      : ctx.journal
          .pendingSubmissions()
          .filter((r) => r.vault.toLowerCase() === rv.address.toLowerCase()).length;
  let labels: StatusLabels | null = null;
  if (withLabels) {
    const [baseSymbol, ...symbols] = await readSymbols(
      ctx.provider,
      [s.base.token, ...s.assets.map((a) => a.token)],
      extras.blockNumber,
    );
    labels = { baseSymbol, symbols };
  }
  const rpc = ctx.provider instanceof ResilientProvider ? ctx.provider.client.stats() : null;
  const status: VaultStatus = {
    vault: rv.address,
    name: rv.name,
    chainId: String(s.chainId),
    blockNumber: extras.blockNumber,
    timestamp: String(now),
    nav: str(nav?.nav ?? null),
    navAvailable: navUnavailable === null,
    navUnavailable,
    lensNav: extras.lensNav === null ? null : String(extras.lensNav),
    ...(holdings === undefined ? {} : { holdings }),
    totalSupply: String(s.totalSupply),
    pricePerShareWad: str(nav === null ? null : ppsWad(nav.nav, s.totalSupply, s.decimalsOffset)),
    baseDecimals: s.base.decimals,
    shareDecimals: s.base.decimals + Number(s.decimalsOffset),
    idle: String(fig.idle),
    reservedAssets: String(s.reservedAssets),
    lendingCollateral: String(s.positions.collateral),
    leverageBps: str(nav === null ? null : nav.nav === 0n ? 0n : bpsDown(nav.gross, nav.nav)),
    flags: {
      paused: s.paused,
      defensive: s.defensive,
      shutdown: s.shutdown,
      navUnavailable: navUnavailable !== null,
    },
    assets,
    limits: {
      ...Object.fromEntries(Object.entries(s.limits).map(([k, x]) => [k, String(x)])),
      depositCap: String(extras.depositCap),
      circuitBreakerDropBps: String(extras.circuitBreakerDropBps),
      circuitBreakerWindow: String(extras.circuitBreakerWindow),
    },
    pendingChanges,
    pendingAdaptersChecked: pending?.source === "lens",
    lossBudget: {
      usedWad: String(s.lossBudget.usedWad),
      capWad: String(cap),
      leftWad: String(left),
      leftBps: String(left / 10n ** 14n),
    },
    redemptions: {
      epoch: String(extras.currentEpoch),
      pendingShares: String(s.pendingShares),
      pendingAssetsEstimate: str(pendingAssets),
      cancelLockedUntil: str(lockedUntil),
      cancelLocked: lock.state === "unknown" ? null : lock.state === "locked",
    },
    nextNonce: String(s.nextNonce),
    lastRebalanceAt: String(s.lastRebalanceAt),
    cooldownReadyAt: String(
      s.lastRebalanceAt === 0n ? 0n : s.lastRebalanceAt + s.limits.rebalanceCooldown,
    ),
    lastRebalances: last,
    keeper: { signer, signerHasRole, rpc, journalPending, warnings },
  };
  return { status, labels };
}

/** Warning of a status read without a lens (a vault given by address, not configured). */
export const NO_LENS_WARNING =
  "no lens: per-asset holdings during a feed outage need a BallastLens (tryAssetStates); set its address in the config field vaults[].lens, or pass --lens";

/** A raw config value as a string: bigints in decimal, addresses (already checksummed) as is. */
function rawString(x: bigint | string | boolean): string {
  return String(x);
}

/**
 * The fields of `queued` that differ from `current` (same struct, ABI order), raw values as
 * strings; every field, `from` null, when `current` is null (an asset being added). Pure.
 */
export function diffConfig(current: ConfigFields | null, queued: ConfigFields): FieldChange[] {
  return Object.entries(queued).flatMap(([field, to]) => {
    if (current === null) return [{ field, from: null, to: rawString(to) }];
    const from = current[field];
    if (from !== undefined && rawString(from) === rawString(to)) return [];
    return [{ field, from: from === undefined ? null : rawString(from), to: rawString(to) }];
  });
}

/** {@link PendingChangeStatus} of a change read at a block of time `now` (unix seconds). Pure. */
export function pendingChangeStatus(c: PendingChangeRead, now: bigint): PendingChangeStatus {
  return {
    kind: c.kind,
    key: c.key,
    validAt: String(c.validAt),
    validAtIso: isoSeconds(c.validAt),
    acceptable: c.validAt <= now,
    changes: diffConfig(c.current, c.value),
  };
}

/** An asset being added: every field new (`from` null). */
function addsAsset(c: PendingChangeStatus): boolean {
  return c.kind === "asset" && c.changes.length > 0 && c.changes.every((x) => x.from === null);
}

/** What a queued change configures: "limits", "fees", "asset 2", "asset 4 (new)", "adapter 3". */
function pendingLabel(c: PendingChangeStatus): string {
  if (c.kind === "limits" || c.kind === "fees") return c.kind;
  return `${c.kind} ${c.key}${addsAsset(c) ? " (new)" : ""}`;
}

/** The call that applies a queued change (anyone may make it once `validAt` has passed). */
function acceptCall(c: PendingChangeStatus): string {
  switch (c.kind) {
    case "limits":
      return "acceptLimits()";
    case "fees":
      return "acceptFees()";
    case "asset":
      return `acceptAsset(${c.key})`;
    case "adapter":
      return `acceptAdapter(${c.key})`;
  }
}

/**
 * "maxSlippageBps 100 → 200, …"; "token 0x…, feed 0x…, …" for a new asset. Raw values (the
 * warnings, which `--json` carries too); with `base`, the limits' health factor, durations and
 * deposit cap as {@link formatLimit} renders them (the text lines).
 */
function fieldChangesText(c: PendingChangeStatus, base?: BaseUnits): string {
  if (c.changes.length === 0) return "no field differs from the value in force";
  const v = (field: string, raw: string) =>
    base === undefined || c.kind !== "limits" || field.endsWith("Bps")
      ? raw
      : formatLimit(field, raw, base);
  return c.changes
    .map((x) =>
      x.from === null
        ? `${x.field} ${v(x.field, x.to)}`
        : `${x.field} ${v(x.field, x.from)} → ${v(x.field, x.to)}`,
    )
    .join(", ");
}

/** The base token's decimals and symbol (null: unknown), to render base amounts. */
export interface BaseUnits {
  decimals: number;
  symbol: string | null;
}

/** The limits (and queued limit fields) that are durations in seconds. */
const DURATION_LIMITS = new Set(["lossWindow", "rebalanceCooldown", "circuitBreakerWindow"]);

/**
 * One limit's raw value (as `VaultStatus.limits` holds it) for the text form: bps fields with
 * their unit ("100 bps"), `minHealthFactor` as a decimal ("1.5"), the windows and the cooldown
 * as durations ("10 min", "30 d"), `depositCap` in whole base tokens with the symbol ("10000000
 * USDC"; "… base tokens" without it); anything else raw. Pure.
 */
export function formatLimit(field: string, raw: string, base: BaseUnits): string {
  if (field.endsWith("Bps")) return `${raw} bps`;
  if (field === "minHealthFactor") return wadDecimal(raw);
  if (DURATION_LIMITS.has(field)) return duration(raw, true);
  if (field === "depositCap") return `${units(raw, base.decimals)} ${base.symbol ?? "base tokens"}`;
  return raw;
}

/**
 * The lines of the queued changes at `now` (unix seconds): "queued changes: none", or a header
 * and one line per change, `  limits: maxSlippageBps 100 → 200 (from <UTC>; can be accepted
 * now)` / `(from <UTC>; in 23 h 59 min)`; the header says when adapters were not checked, "n/a"
 * when the vault does not say (null). With `base`, the limit fields that are not bps read as in
 * the `limits:` line ({@link formatLimit}). Pure.
 */
export function formatPendingChanges(
  list: PendingChangeStatus[] | null,
  adaptersChecked: boolean,
  now: bigint,
  base?: BaseUnits,
): string[] {
  if (list === null) return ["queued changes: n/a (the vault does not answer pendingChange)"];
  const unchecked = adaptersChecked
    ? ""
    : "adapters not checked: they need BallastLens.pendingChanges";
  if (list.length === 0)
    return [`queued changes: none${unchecked === "" ? "" : ` (${unchecked})`}`];
  return [
    `queued changes (${list.length}${unchecked === "" ? "" : `; ${unchecked}`}):`,
    ...list.map((c) => {
      const when = c.acceptable ? "can be accepted now" : relativeTime(c.validAt, now);
      return `  ${pendingLabel(c)}: ${fieldChangesText(c, base)} (from ${c.validAtIso}; ${when})`;
    }),
  ];
}

/**
 * One warning per queued change that can already be accepted: anyone may apply it at any
 * moment (naming the call and what it changes). Pure.
 */
export function pendingChangeWarnings(list: readonly PendingChangeStatus[]): string[] {
  return list
    .filter((c) => c.acceptable)
    .map(
      (c) =>
        `queued ${pendingLabel(c)} change can be accepted now (valid from ${c.validAtIso}): anyone may apply it at any moment with ${acceptCall(c)}: ${fieldChangesText(c)}`,
    );
}

/**
 * The current epoch's cancel lock at the snapshot's block (`now`): "unknown" when the vault does
 * not answer `cancelLockedUntil()` (null); "none" when it answers 0; "locked" while its time is
 * after `now` (the vault's `block.timestamp < lockedAt + CANCEL_LOCK`); "not-enforced" while it is
 * but the vault is shut down (cancelling is allowed then); "expired" once `now` reached it.
 */
export type CancelLock =
  { state: "unknown" | "none" } | { state: "locked" | "not-enforced" | "expired"; until: bigint };

/** {@link CancelLock} of `cancelLockedUntil` (seconds, null unknown) at `now`. Pure. */
export function cancelLockOf(
  cancelLockedUntil: bigint | null,
  now: bigint,
  shutdown: boolean,
): CancelLock {
  if (cancelLockedUntil === null) return { state: "unknown" };
  if (cancelLockedUntil === 0n) return { state: "none" };
  if (cancelLockedUntil <= now) return { state: "expired", until: cancelLockedUntil };
  return { state: shutdown ? "not-enforced" : "locked", until: cancelLockedUntil };
}

/** Unix seconds as an ISO-8601 UTC time without milliseconds (keeper/src/planner/text.ts). */
export { isoSeconds };

/**
 * The warnings of the pending redemptions (raw base units; `pendingAssets` null while the NAV
 * does not price): their estimate above the idle funds (a plan must raise cash), naming the cancel
 * lock and its end while it holds; a locked epoch whose estimate the NAV cannot give; a locked
 * epoch the idle funds now cover. Pure.
 */
export function redemptionWarnings(r: {
  epoch: bigint;
  pendingShares: bigint;
  pendingAssets: bigint | null;
  idle: bigint;
  lock: CancelLock;
}): string[] {
  if (r.pendingShares === 0n) return [];
  const locked = r.lock.state === "locked" ? isoSeconds(r.lock.until) : null;
  if (r.pendingAssets !== null && r.pendingAssets > r.idle)
    return [
      `pending redemptions (${r.pendingAssets}) exceed idle (${r.idle}): a plan must raise cash` +
        (locked === null
          ? ""
          : `; epoch ${r.epoch} is locked until ${locked} (its requests cannot be cancelled before then)`),
    ];
  if (locked === null) return [];
  if (r.pendingAssets === null)
    return [
      `redemption epoch ${r.epoch} is locked until ${locked} (a fulfilment found its pending redemptions above idle; their estimate needs the NAV): a plan must raise cash`,
    ];
  return [
    `redemption epoch ${r.epoch} is locked until ${locked} but idle (${r.idle}) now covers its pending redemptions (${r.pendingAssets}): fulfilRedemptions() or the next rebalance settles it`,
  ];
}

/**
 * The redemptions line's note on the cancel lock at `timestamp` (`st.redemptions`, `st.flags`):
 * ", locked until …" while it holds, ", lock expired at …" once past, ", lock until … not
 * enforced" in shutdown; "" when the epoch is not locked or the vault does not say. Pure.
 */
export function cancelLockNote(st: VaultStatus): string {
  const raw = st.redemptions.cancelLockedUntil;
  const lock = cancelLockOf(
    raw === null ? null : BigInt(raw),
    BigInt(st.timestamp),
    st.flags.shutdown,
  );
  switch (lock.state) {
    case "unknown":
    case "none":
      return "";
    case "expired":
      return `, lock expired at ${isoSeconds(lock.until)} (requests can be cancelled)`;
    case "not-enforced":
      return `, lock until ${isoSeconds(lock.until)} not enforced (shut down: requests can be cancelled)`;
    case "locked": {
      const est = st.redemptions.pendingAssetsEstimate;
      const covered = est !== null && BigInt(est) <= BigInt(st.idle);
      return (
        `, locked until ${isoSeconds(lock.until)} (requests cannot be cancelled; ` +
        (covered
          ? "idle now covers them: a fulfilment settles the epoch)"
          : "free liquidity to fulfil)")
      );
    }
  }
}

function str(x: bigint | null): string | null {
  return x === null ? null : String(x);
}

/** The price-dependent figures of {@link pricedFigures}. */
export interface PricedFigures {
  /**
   * The NAV breakdown at the feeds' answers; null while a feed's call fails (no answer) or a
   * feed's answer is not positive.
   */
  nav: NavBreakdown | null;
  /**
   * Each asset's value at its feed's answer; null where its or the base feed's call failed or its
   * answer is not positive, and every one while the base feed's answer is not positive.
   */
  values: (bigint | null)[];
  /** The base token balance above the reserved assets (needs no price). */
  idle: bigint;
}

/**
 * The figures of `s` that need prices, at the feeds' answers (stale or out-of-band answers too,
 * as the vault would compute with them), leaving out what a feed whose call failed (`calls`, the
 * snapshot holds zeros for it) or an asset feed answering zero or less would have to price, and
 * every value while the base feed answers zero or less (each divides by that answer:
 * OracleAnswerNotPositive on chain). Pure.
 */
export function pricedFigures(s: VaultSnapshot, calls: readonly FeedCallFailure[]): PricedFigures {
  const failed = (who: number | "base") => calls.some((c) => c.asset === who);
  const baseUnpriced = failed("base") || s.base.price <= 0n;
  // an asset answering zero or less has no value (the vault refuses it: OracleAnswerNotPositive);
  // priced at its answer it would count negatively into the NAV
  const unpriced = (i: number) => failed(i) || s.assets[i].price <= 0n;
  if (calls.length === 0 && !baseUnpriced && !s.assets.some((_, i) => unpriced(i))) {
    const nav = navOf(s.positions, s.reservedAssets, pxAll(s));
    return { nav, values: nav.values, idle: nav.idle };
  }
  const { baseBalance, balances } = s.positions;
  return {
    nav: null,
    values: s.assets.map((a, i) =>
      baseUnpriced || unpriced(i) ? null : value(balances[i], px(a, s.base)),
    ),
    // as navOf
    idle: baseBalance > s.reservedAssets ? baseBalance - s.reservedAssets : 0n,
  };
}

/**
 * The feed state of a `tryAssetStates` row in words (the off-chain check's wording; a failed call
 * in the reader's words when it saw the same feed fail, `calls`).
 */
function feedStateOf(
  row: LensAssetTry,
  s: VaultSnapshot,
  i: number,
  calls: readonly FeedCallFailure[],
): { status: FeedStatus; words: string } {
  const status: FeedStatus = FEED_STATUS[row.status] ?? "unknown";
  if (status === "ok") return { status, words: "ok" };
  if (status === "call-failed") {
    const c = calls.find((x) => x.asset === i);
    return {
      status,
      words:
        c === undefined
          ? "call failed: the feed does not answer latestRoundData() (OracleCallFailed)"
          : callFailureDetail(c),
    };
  }
  const info = s.assets[i]?.feedInfo;
  const f =
    info === undefined
      ? null
      : feedFailure({ ...info, updatedAt: row.updatedAt }, row.answer, s.timestamp);
  if (f !== null && f.reason === status) return { status, words: f.detail };
  // the lens and the off-chain check disagree (should not happen at one block): the lens's code
  const words = {
    "not-positive": `answer ${row.answer} is not positive`,
    stale: `stale: updated at ${row.updatedAt}`,
    "out-of-band": `answer ${row.answer} outside the feed's band`,
    unknown: `unknown status ${row.status}`,
  }[status];
  return { status, words };
}

/**
 * The holdings of {@link VaultStatus.holdings} from `BallastLens.tryAssetStates` rows and the
 * snapshot read at the same block (token decimals, feed heartbeats and bands, the block time,
 * the feeds whose call failed). Pure.
 */
export function holdingsOf(
  rows: LensAssetTry[],
  s: VaultSnapshot,
  calls: readonly FeedCallFailure[] = [],
): AssetHolding[] {
  return rows.map((r, i) => {
    const decimals = s.assets[i]?.decimals ?? 18;
    const feed = feedStateOf(r, s, i, calls);
    return {
      index: i,
      token: r.token,
      decimals,
      balance: String(r.balance),
      debt: String(r.debt),
      balanceTokens: units(String(r.balance), decimals),
      debtTokens: units(String(r.debt), decimals),
      feed: r.feed,
      feedStatusCode: r.status,
      feedStatus: feed.status,
      feedState: feed.words,
      answer: String(r.answer),
      updatedAt: String(r.updatedAt),
      value: r.valueOk ? String(r.value) : null,
      debtValue: r.valueOk ? String(r.debtValue) : null,
      weightBps: r.weightOk ? String(r.weightBps) : null,
      netDeltaBps: r.weightOk ? String(r.netDeltaBps) : null,
    };
  });
}

/**
 * The holdings table of the outage view: balance and debt in whole tokens, value and debt value
 * in whole base tokens, weight and net delta, then the feed's state ("n/a" where the lens could
 * not price). With `labels`, each token by its symbol ("n/a" where `symbol()` failed) next to its
 * address. Pure.
 */
export function formatHoldings(
  holdings: AssetHolding[],
  baseDecimals: number,
  labels?: StatusLabels,
): string[] {
  const b = (raw: string | null) => (raw === null ? "n/a" : units(raw, baseDecimals));
  const bps = (x: string | null) => (x === null ? "n/a" : `${x} bps`);
  return [
    "holdings (whole tokens; value and debt value in base token amounts, n/a without a good price):",
    ...table([
      [
        "#",
        ...tokenHeader(labels),
        "balance",
        "debt",
        "value",
        "debt value",
        "weight",
        "net delta",
        "feed",
      ],
      ...holdings.map((h) => [
        String(h.index),
        ...tokenCells(h.index, h.token, labels),
        h.balanceTokens,
        h.debtTokens,
        b(h.value),
        b(h.debtValue),
        bps(h.weightBps),
        bps(h.netDeltaBps),
        h.feedState,
      ]),
    ]).map((l) => `  ${l}`),
  ];
}

/** The token columns' header: "token" (the address), or "token", "address" with symbols. */
function tokenHeader(labels: StatusLabels | undefined): string[] {
  return labels === undefined ? ["token"] : ["token", "address"];
}

/** The token cells of asset `i`: its address, or its symbol ("n/a": unknown) and address. */
function tokenCells(i: number, token: string, labels: StatusLabels | undefined): string[] {
  return labels === undefined ? [token] : [labels.symbols[i] ?? "n/a", token];
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]))
      .join("  ")
      .trimEnd(),
  );
}

/**
 * The line of the next nonce, the last rebalance and its cooldown at the status block, in UTC and
 * relative to the block ("never" for a vault that never rebalanced: no cooldown to wait). Pure.
 */
export function cooldownLine(st: VaultStatus): string {
  const now = BigInt(st.timestamp);
  const cd = st.limits.rebalanceCooldown;
  const cooldown = cd === undefined ? "cooldown" : `cooldown ${duration(cd, true)}`;
  const head = `next nonce ${st.nextNonce}, last rebalance`;
  if (BigInt(st.lastRebalanceAt) === 0n) return `${head} never, ${cooldown}: no wait`;
  const ready = BigInt(st.cooldownReadyAt);
  const state = ready > now ? `runs until ${timeAt(ready, now)}` : `ended at ${timeAt(ready, now)}`;
  return `${head} ${timeAt(st.lastRebalanceAt, now)}, ${cooldown}: ${state}`;
}

/**
 * The `limits:` line: each limit as {@link formatLimit} renders it ("maxSlippageBps=100 bps,
 * minHealthFactor=1.5, rebalanceCooldown=10 min, depositCap=10000000 USDC, …"). Pure.
 */
export function limitsLine(limits: Record<string, string>, base: BaseUnits): string {
  const list = Object.entries(limits).map(([k, x]) => `${k}=${formatLimit(k, x, base)}`);
  return `limits: ${list.join(", ")}`;
}

/**
 * A readable multi-line rendering of {@link VaultStatus}: amounts in whole base tokens and
 * shares, times in UTC and relative to the block, the health factor as a decimal, fractions as
 * percentages (the JSON form keeps the raw integers). With `labels` ({@link runStatusView}),
 * tokens by their symbol next to their address, and base amounts named by the base token's symbol.
 */
export function formatStatus(st: VaultStatus, labels?: StatusLabels): string {
  const out: string[] = [];
  const base: BaseUnits = { decimals: st.baseDecimals, symbol: labels?.baseSymbol ?? null };
  out.push(`Vault ${st.name} (${st.vault}) on chain ${st.chainId} at block ${st.blockNumber}`);
  if (st.navUnavailable !== null) {
    out.push("NAV unavailable:");
    for (const reason of st.navUnavailable.split("; ")) out.push(`  ${reason}`);
    if (st.holdings !== undefined)
      out.push(...formatHoldings(st.holdings, st.baseDecimals, labels));
    out.push(
      st.nav === null
        ? "the figures below are at the feeds' last answers, which the vault refuses; n/a where a feed's call fails or its answer is not positive:"
        : "the figures below are at the feeds' last answers, which the vault refuses:",
    );
  }
  const b = (raw: string | null) => (raw === null ? "n/a" : units(raw, st.baseDecimals));
  const bps = (x: string | null) => (x === null ? "n/a" : `${x} bps`);
  // pps(WAD) is base units per share unit × 1e18: per whole share, × 10^(shareDec − baseDec)
  const perShare =
    st.pricePerShareWad === null
      ? "n/a"
      : units(st.pricePerShareWad, 18 + st.baseDecimals - st.shareDecimals);
  const baseName =
    base.symbol === null ? "base token amounts" : `base token amounts in ${base.symbol}`;
  out.push(
    `NAV ${b(st.nav)}  supply ${units(st.totalSupply, st.shareDecimals)} shares  price per share ${perShare}  idle ${b(st.idle)}  reserved ${b(st.reservedAssets)}  collateral ${b(st.lendingCollateral)}  leverage ${bps(st.leverageBps)}  (${baseName}, ${st.baseDecimals} decimals)`,
  );
  const flags = Object.entries(st.flags)
    .filter(([, on]) => on)
    .map(([k]) => (k === "navUnavailable" ? "nav-unavailable" : k));
  out.push(`flags: ${flags.length === 0 ? "none" : flags.join(", ")}`);
  out.push("");
  out.push(
    ...table([
      [
        "#",
        ...tokenHeader(labels),
        "weight",
        "max",
        "headroom",
        "net delta",
        "band",
        "value",
        "feed age",
      ],
      ...st.assets.map((a) => [
        String(a.index),
        ...tokenCells(a.index, a.token, labels),
        bps(a.weightBps),
        `${a.maxWeightBps} bps`,
        bps(a.weightHeadroomBps),
        bps(a.netDeltaBps),
        `[${a.netDeltaBand[0]}, ${a.netDeltaBand[1]}]`,
        b(a.value),
        `${a.feedAgeSeconds === null ? "n/a/" : `${a.feedAgeSeconds}s/`}${a.heartbeat}s`,
      ]),
    ]),
  );
  out.push("");
  out.push(limitsLine(st.limits, base));
  out.push(
    ...formatPendingChanges(
      st.pendingChanges,
      st.pendingAdaptersChecked,
      BigInt(st.timestamp),
      base,
    ),
  );
  out.push(
    `loss budget: used ${wadPercent(st.lossBudget.usedWad)} / cap ${wadPercent(st.lossBudget.capWad)} of NAV, left ${st.lossBudget.leftBps} bps`,
  );
  out.push(
    `redemptions: epoch ${st.redemptions.epoch}, pending ${units(st.redemptions.pendingShares, st.shareDecimals)} shares (~${b(st.redemptions.pendingAssetsEstimate)} ${base.symbol ?? "base"})${cancelLockNote(st)}`,
  );
  out.push(cooldownLine(st));
  out.push(`last rebalances (${st.lastRebalances.length}):`);
  for (const r of st.lastRebalances)
    out.push(
      `  nonce ${r.nonce} block ${r.blockNumber} NAV ${b(r.navBefore)} → ${b(r.navAfter)} turnover ${r.turnoverBps} bps loss ${r.lossBps} bps tx ${r.txHash}`,
    );
  const k = st.keeper;
  out.push(
    `keeper: signer ${k.signer ?? "none"}${k.signerHasRole === null ? "" : k.signerHasRole ? " (has role)" : " (NO ROLE)"}, journal pending ${k.journalPending ?? "n/a"}` +
      (k.rpc === null
        ? ""
        : `, rpc requests ${k.rpc.requests} retries ${k.rpc.retries} failovers ${k.rpc.failovers} errors ${JSON.stringify(k.rpc.errorsByUrl)}`),
  );
  for (const w of k.warnings) out.push(`WARNING: ${w}`);
  return out.join("\n");
}
