/**
 * What the page shows, derived from what it read: the status banner, which depositor actions are
 * open (and why not), how a withdrawal splits between "now from idle funds" and a queued
 * redemption request, holdings rows and history rows. Pure and DOM-free.
 */
import {
  formatAmount,
  formatBps,
  formatDuration,
  formatTimestamp,
  shortAddress,
} from "./amounts.ts";

/** The vault as read from BallastLens.vaultState (or the vault's own getters). */
export interface VaultSnapshot {
  readonly navAvailable: boolean;
  readonly nav: bigint;
  readonly idle: bigint;
  readonly reservedAssets: bigint;
  readonly lendingCollateral: bigint;
  readonly totalSupply: bigint;
  readonly pricePerShareWad: bigint;
  /** The vault's last good price per share (WAD; `lastGoodPpsWad()`): while a feed fails, a
   *  withdrawal of idle funds is priced at most at this (and at most pro rata of the idle funds). */
  readonly lastGoodPpsWad: bigint;
  readonly lastRebalanceAt: bigint;
  readonly lossBudgetUsedWad: bigint;
  readonly lossBudgetCapWad: bigint;
  readonly pendingShares: bigint;
  readonly currentEpoch: bigint;
  /**
   * The vault's `cancelLockedUntil()` (seconds): from when the current epoch's pending requests
   * can be cancelled again. 0 when the epoch is not locked; a past time once the lock expired.
   * Set by a fulfilment that found the epoch larger than the idle funds; ignored in shutdown.
   */
  readonly cancelLockedUntil: bigint;
  readonly paused: boolean;
  readonly shutdown: boolean;
  readonly defensive: boolean;
  /** Why `totalAssets` reverts, in words naming the feed (errors.ts describeFeedFailure). */
  readonly navError: string | null;
}

/** The connected depositor's position. */
export interface Position {
  readonly account: string;
  readonly shares: bigint;
  /** convertToAssets(shares); null while the NAV cannot be priced. */
  readonly value: bigint | null;
  readonly baseBalance: bigint;
  readonly allowance: bigint;
  readonly maxDeposit: bigint;
  readonly maxWithdraw: bigint;
  readonly maxRedeem: bigint;
  readonly pendingShares: bigint;
  readonly claimableShares: bigint;
  readonly claimableAssets: bigint;
}

/** The status banner. */
export interface Banner {
  readonly level: "ok" | "warn" | "danger";
  readonly title: string;
  readonly text: string;
}

/** Plain-language banner for the vault's flags and feed state (most severe first). */
export function deriveBanner(s: VaultSnapshot): Banner {
  const parts: string[] = [];
  let level: Banner["level"] = "ok";
  let title = "Open";
  if (s.shutdown) {
    level = "danger";
    title = "Shut down";
    parts.push(
      "The guardian shut the vault down for good: no new deposits; the keeper may only reduce risk. " +
        "You can leave with your pro-rata share of every token (in-kind exit, no oracle needed) or withdraw idle funds.",
    );
  }
  if (!s.navAvailable) {
    level = "danger";
    if (!s.shutdown) title = "Price feed down";
    parts.push(
      `A price feed fails${s.navError === null ? "" : ` (${s.navError})`}, so the NAV cannot be priced: ` +
        "deposits (and their previews) wait for it. Withdrawing idle funds still works, at a conservative price " +
        "(at most your pro-rata share of the idle funds, capped by the last good price)" +
        (s.shutdown ? "; so does the in-kind exit." : "; or wait for the feed to recover."),
    );
  }
  if (s.defensive) {
    if (level === "ok") level = "warn";
    if (title === "Open") title = "Defensive mode";
    parts.push(
      "The circuit breaker tripped after a fall in the price per share: deposits are closed and " +
        "rebalances may only reduce risk until the admin lifts it. Withdrawals and redemption requests stay open.",
    );
  }
  if (s.paused) {
    if (level === "ok") level = "warn";
    if (title === "Open") title = "Paused";
    parts.push(
      "The guardian paused deposits and rebalances. Withdrawals and redemption requests stay open.",
    );
  }
  if (parts.length === 0) {
    parts.push(
      "Deposits and withdrawals are open. This page talks only to the vault and the chain: it works even when the keeper is down.",
    );
  }
  return { level, title, text: parts.join(" ") };
}

/** Whether an action is open, and the reason when it is not. */
export interface ActionState {
  readonly enabled: boolean;
  readonly reason: string;
}

/** Every depositor action of the page. */
export interface Actions {
  readonly deposit: ActionState;
  readonly withdrawNow: ActionState;
  readonly requestRedeem: ActionState;
  readonly cancelRequest: ActionState;
  readonly claim: ActionState;
  readonly fulfil: ActionState;
  readonly exitInKind: ActionState;
}

const open: ActionState = { enabled: true, reason: "" };
const closed = (reason: string): ActionState => ({ enabled: false, reason });

/**
 * When the lock on cancelling the current epoch's requests ends, if it holds at `nowTs`
 * (seconds): `s.cancelLockedUntil`; null when the epoch is not locked, the lock has expired or
 * the vault is shut down (a shutdown lifts it).
 */
export function cancelLockEnd(s: VaultSnapshot, nowTs: bigint): bigint | null {
  return !s.shutdown && s.cancelLockedUntil > nowTs ? s.cancelLockedUntil : null;
}

/** Why a pending request cannot be cancelled before `until` (the lock's end), at `nowTs`. */
export function cancelLockReason(until: bigint, nowTs: bigint): string {
  return (
    `Your request is locked until ${formatTimestamp(until)} (${formatDuration(until - nowTs)} from now): ` +
    "a fulfilment found the queue larger than the idle funds, so it waits to be fulfilled at the next rebalance."
  );
}

/**
 * What the overview says of the waiting redemptions while the cancel lock holds at `nowTs`; ""
 * when it does not.
 */
export function queueLockNote(s: VaultSnapshot, nowTs: bigint): string {
  const end = cancelLockEnd(s, nowTs);
  return end === null
    ? ""
    : `locked until ${formatTimestamp(end)}: a fulfilment found them larger than the idle funds, so they wait for the next rebalance and cannot be cancelled before then`;
}

/**
 * Which actions are open for `p` (null: no wallet) on `s` at `nowTs` (seconds, for the cancel
 * lock); `chainOk` false when the wallet is on another chain.
 */
export function deriveActions(
  s: VaultSnapshot,
  p: Position | null,
  chainOk: boolean,
  nowTs: bigint,
): Actions {
  const wallet =
    p === null
      ? closed("Connect a wallet first.")
      : !chainOk
        ? closed("Switch your wallet to the vault's network.")
        : null;
  const gate = (a: ActionState): ActionState => wallet ?? a;
  let deposit: ActionState = open;
  if (s.shutdown) deposit = closed("Deposits are closed: the vault is shut down.");
  else if (s.paused) deposit = closed("Deposits are paused.");
  else if (s.defensive)
    deposit = closed("Deposits are closed while the vault is in defensive mode.");
  else if (!s.navAvailable) deposit = closed("Deposits wait for the price feeds.");
  else if (p !== null && p.maxDeposit === 0n) deposit = closed("The deposit cap is reached.");
  const hasClaim = p !== null && p.claimableShares > 0n;
  const noShares = p !== null && p.shares === 0n ? closed("You hold no shares.") : null;
  const withdrawNow = hasClaim
    ? closed("Claim your fulfilled redemption first (withdrawals address the claim until then).")
    : (noShares ??
      (p !== null && p.maxWithdraw === 0n
        ? closed("No idle funds to withdraw from now: request a redemption instead.")
        : open));
  const requestRedeem = noShares ?? open;
  const lockEnd = cancelLockEnd(s, nowTs);
  const cancelRequest =
    p !== null && p.pendingShares === 0n
      ? closed("You have no pending request.")
      : lockEnd !== null
        ? closed(cancelLockReason(lockEnd, nowTs))
        : open;
  const claim = p !== null && !hasClaim ? closed("Nothing to claim yet.") : open;
  const fulfil =
    s.pendingShares === 0n
      ? closed("No redemption request is waiting.")
      : !s.navAvailable
        ? closed("Fulfilment prices at the NAV: it waits for the feeds.")
        : open;
  const exitInKind = !s.shutdown
    ? closed("The in-kind exit opens only after a shutdown.")
    : (noShares ?? open);
  return {
    deposit: gate(deposit),
    withdrawNow: gate(withdrawNow),
    requestRedeem: gate(requestRedeem),
    cancelRequest: gate(cancelRequest),
    claim: gate(claim),
    fulfil: gate(fulfil),
    exitInKind: gate(exitInKind),
  };
}

/** How a wish to redeem `shares` is served: at once from idle funds, queued, or both. */
export interface RedeemSplit {
  /** Shares redeemed now (≤ maxRedeem). */
  readonly now: bigint;
  /** Shares to queue with requestRedeem. */
  readonly queued: bigint;
}

/**
 * Splits a redemption of `shares` (≤ the holder's balance) into what `redeem` pays now
 * (`maxRedeem` from idle funds) and the rest for `requestRedeem`.
 */
export function splitRedeem(shares: bigint, maxRedeem: bigint): RedeemSplit {
  const now = shares < maxRedeem ? shares : maxRedeem;
  return { now, queued: shares - now };
}

/** Token facts for display. */
export interface TokenMeta {
  readonly address: string;
  readonly symbol: string;
  readonly decimals: number;
}

/** One registered asset as read: config plus (when the feeds answer) the lens's valuation. */
export interface HoldingInput {
  readonly token: TokenMeta;
  readonly enabled: boolean;
  readonly maxWeightBps: bigint;
  readonly balance: bigint;
  readonly debt: bigint;
  /** null while a feed fails (BallastLens.assetStates reverts). */
  readonly value: bigint | null;
  /** Oracle value of the debt in base units (rounded up, as the vault does); null while a feed fails. */
  readonly debtValue: bigint | null;
  readonly weightBps: bigint | null;
  readonly netDeltaBps: bigint | null;
  /**
   * Why this asset's own feed fails, in words naming it (errors.ts describeFeedFailure of the
   * status BallastLens.tryAssetStates reports); null or absent when it answers or is not known.
   */
  readonly feedError?: string | null;
}

/**
 * The note under the holdings table: empty when every value and weight is known; otherwise what
 * is missing and why — no lens; or the failing feeds by asset (from tryAssetStates), else the
 * reason the NAV cannot be priced (`navError`, e.g. the base feed or the sequencer).
 */
export function holdingsNote(
  rows: readonly HoldingInput[],
  hasLens: boolean,
  navError: string | null,
): string {
  if (rows.every((h) => h.value !== null && h.weightBps !== null)) return "";
  if (!hasLens)
    return "Oracle values and weights need the lens (start the page with --lens <address>): balances only.";
  const failing = rows.filter((h) => typeof h.feedError === "string");
  // the NAV's reason too, unless it is one of the asset feeds already listed (the base feed or
  // the sequencer, which no asset entry names)
  const navFeed =
    navError === null ? null : (/feed=(0x[0-9a-fA-F]{40})/.exec(navError)?.[1] ?? null);
  const navListed =
    navFeed !== null &&
    failing.some((h) =>
      String(h.feedError).toLowerCase().includes(`feed=${navFeed.toLowerCase()}`),
    );
  const reasons = [
    ...(navError !== null && !navListed ? [navError] : []),
    ...failing.map((h) => `${h.token.symbol}: ${String(h.feedError)}`),
  ];
  const what = rows.some((h) => h.value !== null)
    ? "balances are current; values only where the asset's and the base feed answer; no weights while the NAV cannot be priced."
    : "balances only, no oracle values or weights.";
  return `A price feed fails${reasons.length > 0 ? ` (${reasons.join("; ")})` : ""}: ${what}`;
}

/** A display row of the holdings table. */
export interface HoldingRow {
  readonly asset: string;
  readonly balance: string;
  readonly value: string;
  readonly weight: string;
  readonly maxWeight: string;
  readonly headroom: "ok" | "near" | "over" | "unknown";
}

/**
 * Holdings rows: balance, oracle value in base units (formatted without the symbol), "weight /
 * max weight" ("near" within 5 % of the maximum, "over" above it, said in words too).
 */
export function holdingRows(rows: readonly HoldingInput[], base: TokenMeta): HoldingRow[] {
  return rows.map((r) => {
    const debt = r.debt === 0n ? "" : ` (debt ${formatAmount(r.debt, r.token.decimals, 6)})`;
    let headroom: HoldingRow["headroom"] = "unknown";
    if (r.weightBps !== null) {
      headroom =
        r.weightBps > r.maxWeightBps
          ? "over"
          : r.weightBps * 100n >= r.maxWeightBps * 95n && r.weightBps > 0n
            ? "near"
            : "ok";
    }
    return {
      asset: `${r.token.symbol}${r.enabled ? "" : " (disabled)"}`,
      balance: `${formatAmount(r.balance, r.token.decimals, 6)}${debt}`,
      // in base units; the column header names the base token
      value: r.value === null ? "unavailable" : formatAmount(r.value, base.decimals, 2),
      // weight / max weight; the state is in words too, not only in colour
      weight: `${r.weightBps === null ? "—" : formatBps(r.weightBps)} / ${formatBps(r.maxWeightBps)}${headroom === "over" ? " (above max)" : headroom === "near" ? " (near max)" : ""}`,
      maxWeight: formatBps(r.maxWeightBps),
      headroom,
    };
  });
}

/** A vault event as read from the logs. */
export interface VaultEvent {
  readonly name: string;
  readonly blockNumber: number;
  readonly logIndex: number;
  readonly txHash: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/** A display row of the history table. */
export interface HistoryRow {
  readonly block: number;
  readonly kind: string;
  readonly detail: string;
  readonly txHash: string;
}

/** The vault events the history shows, with their labels. */
export const HISTORY_EVENTS: Readonly<Record<string, string>> = {
  Deposit: "Deposit",
  Withdraw: "Withdraw",
  RedeemRequested: "Redemption requested",
  RedeemRequestCanceled: "Request canceled",
  RedemptionsLocked: "Redemptions locked",
  RedemptionsFulfilled: "Redemptions fulfilled",
  RedemptionClaimed: "Redemption claimed",
  Rebalanced: "Rebalanced",
  ExitedInKind: "In-kind exit",
  ShutDown: "Shut down",
  DefensiveModeEntered: "Defensive mode",
  LimitsSubmitted: "Limits change queued",
  LimitsSet: "Risk limits set",
  FeesSubmitted: "Fee change queued",
  FeesSet: "Fees set",
  AssetSubmitted: "Asset change queued",
  AssetSet: "Asset set",
  AdapterSubmitted: "Adapter queued",
  AdapterSet: "Adapter set",
  PendingRevoked: "Queued change revoked",
};

/** What `PendingRevoked(what, key)` and `pendingChange(what, key)` name, in words. */
function queuedItem(what: bigint, key: bigint): string {
  if (what === 1n) return "the risk limits";
  if (what === 2n) return "the fees";
  if (what === 3n) return `asset #${key}`;
  return `adapter #${key}`;
}

/** A struct argument of a decoded event (ethers Result: named fields) as a record. */
function struct(v: unknown): Readonly<Record<string, unknown>> {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
}

function big(v: unknown): bigint {
  return typeof v === "bigint" ? v : 0n;
}

/**
 * History rows, newest first (block, then log index), at most `limit`; amounts formatted with
 * the base and share decimals.
 */
export function historyRows(
  events: readonly VaultEvent[],
  base: TokenMeta,
  share: TokenMeta,
  limit = 20,
): HistoryRow[] {
  const a = (v: unknown) => `${formatAmount(big(v), base.decimals, 2)} ${base.symbol}`;
  const s = (v: unknown) => `${formatAmount(big(v), share.decimals, 4)} ${share.symbol}`;
  const who = (v: unknown) => shortAddress(String(v));
  const sorted = [...events].sort((x, y) =>
    x.blockNumber !== y.blockNumber ? y.blockNumber - x.blockNumber : y.logIndex - x.logIndex,
  );
  const rows: HistoryRow[] = [];
  for (const e of sorted) {
    const kind = HISTORY_EVENTS[e.name];
    if (kind === undefined) continue;
    const g = e.args;
    // a queued configuration change: from when anyone may apply it
    const queued = e.name.endsWith("Submitted")
      ? `; anyone may apply it from ${formatTimestamp(big(g.validAt))}`
      : "";
    let detail: string;
    switch (e.name) {
      case "Deposit":
        detail = `${who(g.owner)} deposited ${a(g.assets)} for ${s(g.shares)}`;
        break;
      case "Withdraw":
        detail = `${who(g.owner)} withdrew ${a(g.assets)} for ${s(g.shares)}`;
        break;
      case "RedeemRequested":
        detail = `${who(g.controller)} requested ${s(g.shares)} (epoch ${big(g.epoch)})`;
        break;
      case "RedeemRequestCanceled":
        detail = `${who(g.controller)} took back ${s(g.shares)} (epoch ${big(g.epoch)})`;
        break;
      case "RedemptionsLocked":
        detail = `epoch ${big(g.epoch)}: ${a(g.assetsNeeded)} needed, ${a(g.idle)} idle; requests cannot be cancelled until ${formatTimestamp(big(g.unlocksAt))}`;
        break;
      case "RedemptionsFulfilled":
        detail = `epoch ${big(g.epoch)}: ${s(g.shares)} burnt, ${a(g.assets)} set aside`;
        break;
      case "RedemptionClaimed":
        detail = `${who(g.controller)} claimed ${a(g.assets)} for ${s(g.shares)}`;
        break;
      case "Rebalanced":
        detail = `plan #${big(g.nonce)}: NAV ${a(g.navBefore)} → ${a(g.navAfter)}, turnover ${formatBps(big(g.turnoverBps))}, loss ${formatBps(big(g.lossBps))}`;
        break;
      case "ExitedInKind":
        detail = `${who(g.owner)} left in kind with ${s(g.shares)}`;
        break;
      case "ShutDown":
        detail = `by ${who(g.by)}: deposits stopped for good, in-kind exit open`;
        break;
      case "LimitsSubmitted":
      case "LimitsSet": {
        const l = struct(g.limits);
        detail =
          `max slippage ${formatBps(big(l.maxSlippageBps))}, loss per rebalance ${formatBps(big(l.maxLossPerRebalanceBps))}, ` +
          `loss budget ${formatBps(big(l.lossBudgetBps))} per ${formatDuration(big(l.lossWindow))}, max leverage ${formatBps(big(l.maxLeverageBps))}, ` +
          `deposit cap ${a(l.depositCap)}` +
          queued;
        break;
      }
      case "FeesSubmitted":
      case "FeesSet": {
        const f = struct(g.fees);
        detail =
          `entry ${formatBps(big(f.entryFeeBps))}, exit ${formatBps(big(f.exitFeeBps))}, management ${formatBps(big(f.managementFeeBps))} / year, performance ${formatBps(big(f.performanceFeeBps))}` +
          queued;
        break;
      }
      case "AssetSubmitted":
      case "AssetSet": {
        const c = struct(g.config);
        detail =
          `#${big(g.index)} ${who(c.token)}: max weight ${formatBps(big(c.maxWeightBps))}, ${c.enabled === true ? "enabled" : "disabled"}, feed ${who(c.feed)}` +
          queued;
        break;
      }
      case "AdapterSubmitted":
      case "AdapterSet": {
        const kind = ADAPTER_KINDS[Number(big(g.kind))] ?? `kind ${big(g.kind)}`;
        detail = /^0x0{40}$/i.test(String(g.adapter))
          ? `#${big(g.id)} removed`
          : `#${big(g.id)} ${who(g.adapter)} (${kind})` + queued;
        break;
      }
      case "PendingRevoked":
        detail = `the queued change of ${queuedItem(big(g.what), big(g.key))} will not apply`;
        break;
      case "DefensiveModeEntered":
        detail = "the price per share fell past the circuit breaker: deposits closed";
        break;
      default:
        detail = "";
    }
    rows.push({ block: e.blockNumber, kind, detail, txHash: e.txHash });
    if (rows.length >= limit) break;
  }
  return rows;
}

/** Limits of the vault as displayed. */
export interface LimitsView {
  readonly depositCap: bigint;
  readonly maxSlippageBps: bigint;
  readonly maxLossPerRebalanceBps: bigint;
  readonly lossBudgetBps: bigint;
  readonly lossWindow: bigint;
  readonly maxTurnoverBps: bigint;
  readonly maxLeverageBps: bigint;
  readonly minHealthFactor: bigint;
  readonly rebalanceCooldown: bigint;
  readonly circuitBreakerDropBps: bigint;
  readonly circuitBreakerWindow: bigint;
}

/** Fees of the vault. */
export interface FeesView {
  readonly recipient: string;
  readonly entryFeeBps: bigint;
  readonly exitFeeBps: bigint;
  readonly managementFeeBps: bigint;
  readonly performanceFeeBps: bigint;
}

/** One registry entry. */
export interface AssetConfigView {
  readonly token: TokenMeta;
  readonly enabled: boolean;
  readonly maxWeightBps: bigint;
  readonly minNetDeltaBps: bigint;
  readonly maxNetDeltaBps: bigint;
  /** The asset's price feed and its checks (to word a failed feed). */
  readonly feed: string;
  readonly heartbeat: bigint;
  readonly minPrice: bigint;
  readonly maxPrice: bigint;
}

/** One adapter registration (`vault.adapter(id)`); adapter 0 = none. */
export interface AdapterView {
  readonly adapter: string;
  /** 1 swap, 2 lending. */
  readonly kind: number;
}

/** A change queued behind the curator timelock (BallastVault.pendingChange), its value decoded. */
export type PendingChange = { readonly key: number; readonly validAt: bigint } & (
  | { readonly kind: "limits"; readonly value: LimitsView }
  | { readonly kind: "fees"; readonly value: FeesView }
  | { readonly kind: "asset"; readonly value: AssetConfigView }
  | { readonly kind: "adapter"; readonly value: AdapterView; readonly current: AdapterView }
);

/** What the page read of the queue; `adaptersChecked` false without a lens (ids are not listed). */
export interface PendingScan {
  readonly changes: readonly PendingChange[];
  readonly adaptersChecked: boolean;
}

/** Label and displayed value, as the facts lists show them. */
export type Fact = readonly [string, string];

/** The configured limits as the page lists them; `base` formats base-asset units. */
export function limitFacts(l: LimitsView, base: (units: bigint) => string): Fact[] {
  return [
    ["Deposit cap", base(l.depositCap)],
    ["Max loss per rebalance", formatBps(l.maxLossPerRebalanceBps)],
    ["Loss budget", `${formatBps(l.lossBudgetBps)} per ${formatDuration(l.lossWindow)}`],
    ["Max turnover per rebalance", formatBps(l.maxTurnoverBps)],
    ["Max leverage", formatBps(l.maxLeverageBps)],
    ["Max slippage", formatBps(l.maxSlippageBps)],
    ["Min health factor", formatAmount(l.minHealthFactor, 18, 2)],
    ["Rebalance cooldown", formatDuration(l.rebalanceCooldown)],
    [
      "Circuit breaker",
      `${formatBps(l.circuitBreakerDropBps)} drop within ${formatDuration(l.circuitBreakerWindow)}`,
    ],
  ];
}

/** The fees as the page lists them (management and performance are 0 without a recipient). */
export function feeFacts(f: FeesView): Fact[] {
  const noRecipient = /^0x0{40}$/i.test(f.recipient);
  return [
    ["Entry fee", formatBps(f.entryFeeBps)],
    ["Exit fee", formatBps(f.exitFeeBps)],
    ["Management fee", `${formatBps(noRecipient ? 0n : f.managementFeeBps)} / year`],
    [
      "Performance fee",
      `${formatBps(noRecipient ? 0n : f.performanceFeeBps)} over the high-water mark`,
    ],
    ["Fee recipient", noRecipient ? "none" : f.recipient],
  ];
}

/** One registry entry's settings (the price band in the feed's raw answer units). */
export function assetFacts(a: AssetConfigView): Fact[] {
  return [
    ["enabled", a.enabled ? "yes" : "no (may only be sold)"],
    ["max weight", formatBps(a.maxWeightBps)],
    ["net delta band", `${formatBps(a.minNetDeltaBps)} to ${formatBps(a.maxNetDeltaBps)}`],
    ["price feed", a.feed],
    ["heartbeat", formatDuration(a.heartbeat)],
    [
      "price band",
      a.minPrice === 0n && a.maxPrice === 0n
        ? "none"
        : `${a.minPrice.toString()} to ${a.maxPrice === 0n ? "no maximum" : a.maxPrice.toString()} (feed units)`,
    ],
  ];
}

/** "label old → new" for every fact whose displayed value differs; "no change" when none does. */
function factDiff(before: readonly Fact[], after: readonly Fact[]): string {
  const parts = after.flatMap(([label, v], i) =>
    before[i][1] === v ? [] : [`${label} ${before[i][1]} → ${v}`],
  );
  return parts.length === 0 ? "no change" : parts.join("; ");
}

/** One row of the "Queued changes" table. */
export interface PendingRow {
  readonly what: string;
  readonly change: string;
  readonly from: string;
}

const ADAPTER_KINDS: Readonly<Record<number, string>> = { 1: "swap", 2: "lending" };

/**
 * The queued changes as rows, in the order read (limits, fees, assets, adapters): what changes
 * from what to what, and from when anyone may apply it (judged by the chain time `nowTs`).
 */
export function pendingRows(
  changes: readonly PendingChange[],
  current: {
    readonly limits: LimitsView;
    readonly fees: FeesView;
    readonly assets: readonly AssetConfigView[];
  },
  base: (units: bigint) => string,
  nowTs: bigint,
): PendingRow[] {
  return changes.map((c) => {
    let what: string;
    let change: string;
    switch (c.kind) {
      case "limits":
        what = "Risk limits";
        change = factDiff(limitFacts(current.limits, base), limitFacts(c.value, base));
        break;
      case "fees":
        what = "Fees";
        change = factDiff(feeFacts(current.fees), feeFacts(c.value));
        break;
      case "asset": {
        const old = current.assets[c.key] as AssetConfigView | undefined;
        what = `Asset ${c.value.token.symbol}`;
        change =
          old === undefined
            ? `added to the basket: ${assetFacts(c.value)
                .map(([l, v]) => `${l} ${v}`)
                .join("; ")}`
            : factDiff(assetFacts(old), assetFacts(c.value));
        break;
      }
      case "adapter": {
        what = `Adapter #${c.key}`;
        const kind = ADAPTER_KINDS[c.value.kind] ?? `kind ${c.value.kind}`;
        change = /^0x0{40}$/i.test(c.current.adapter)
          ? `new ${kind} adapter ${c.value.adapter}`
          : `${c.current.adapter} replaced by ${kind} adapter ${c.value.adapter}`;
        break;
      }
    }
    const from =
      c.validAt <= nowTs
        ? `${formatTimestamp(c.validAt)} — anyone may apply it now`
        : `${formatTimestamp(c.validAt)} (in ${formatDuration(c.validAt - nowTs)})`;
    return { what, change, from };
  });
}

/** The limits the risk section compares the current state against (from `vault.limits()`). */
export interface RiskLimitsInput {
  readonly depositCap: bigint;
  readonly maxLeverageBps: bigint;
  readonly lossBudgetBps: bigint;
  readonly lossWindow: bigint;
  readonly circuitBreakerDropBps: bigint;
  readonly circuitBreakerWindow: bigint;
}

/** What BallastLens.exposure reports: gross exposure and leverage as the vault's bound computes them. */
export interface ExposureInput {
  /** false while a feed fails (the figures are then 0). */
  readonly ok: boolean;
  readonly gross: bigint;
  readonly nav: bigint;
  /** floor(gross × 10000 / nav); type(uint256).max when nav = 0 < gross. */
  readonly leverageBps: bigint;
  readonly maxLeverageBps: bigint;
}

/** The vault's "unbounded" leverage (nav = 0 < gross). */
export const MAX_UINT256 = 2n ** 256n - 1n;

/** Current risk figures next to their limits. */
export interface RiskView {
  /** floor(Σ (value + debtValue) × 10000 / NAV) as the vault checks it (§6); null when unknown. */
  readonly leverageBps: bigint | null;
  /** Σ (value + debtValue) in base units (the lens's figure); null when unknown or without it. */
  readonly grossExposure: bigint | null;
  /** The leverage limit the figure is compared with (the lens's reading when there is one). */
  readonly maxLeverageBps: bigint;
  /** Whether the leverage came from BallastLens.exposure (else computed here from the holdings). */
  readonly fromLens: boolean;
  /** Room left under the deposit cap: cap − NAV (0 when over); null while the NAV is unknown. */
  readonly capRoom: bigint | null;
  /** Loss budget left in the window, WAD fraction of the NAV (cap − used, 0 when spent). */
  readonly lossBudgetLeftWad: bigint;
  /** "open", "paused", "defensive", "shut down" — the strictest that applies. */
  readonly mode: "open" | "paused" | "defensive" | "shut down";
}

/**
 * Current leverage, deposit-cap room, loss budget left and operating mode. Leverage uses the
 * lens's per-asset values (holdings rounded down, debts up, as the vault values them) and the
 * NAV, with the vault's formula `floor(gross × 10000 / nav)`; a vault with no NAV but gross
 * exposure has unbounded leverage (the vault uses type(uint256).max), shown as null here. With
 * `exposure` (BallastLens.exposure, the vault's own computation) its figures are used instead.
 */
export function riskView(
  s: VaultSnapshot,
  holdings: readonly HoldingInput[],
  l: RiskLimitsInput,
  exposure: ExposureInput | null = null,
): RiskView {
  let leverageBps: bigint | null = null;
  let grossExposure: bigint | null = null;
  if (exposure !== null) {
    if (exposure.ok) {
      grossExposure = exposure.gross;
      leverageBps = exposure.leverageBps === MAX_UINT256 ? null : exposure.leverageBps;
    }
  } else if (s.navAvailable && holdings.every((h) => h.value !== null && h.debtValue !== null)) {
    const gross = holdings.reduce((acc, h) => acc + (h.value ?? 0n) + (h.debtValue ?? 0n), 0n);
    leverageBps = s.nav === 0n ? (gross === 0n ? 0n : null) : (gross * 10_000n) / s.nav;
  }
  const capRoom = s.navAvailable ? (l.depositCap > s.nav ? l.depositCap - s.nav : 0n) : null;
  const left =
    s.lossBudgetCapWad > s.lossBudgetUsedWad ? s.lossBudgetCapWad - s.lossBudgetUsedWad : 0n;
  const mode = s.shutdown ? "shut down" : s.defensive ? "defensive" : s.paused ? "paused" : "open";
  return {
    leverageBps,
    grossExposure,
    maxLeverageBps: exposure?.maxLeverageBps ?? l.maxLeverageBps,
    fromLens: exposure !== null,
    capRoom,
    lossBudgetLeftWad: left,
    mode,
  };
}

/** One token an in-kind exit pays. */
export interface InKindLine {
  readonly token: TokenMeta;
  readonly amount: bigint;
}

/**
 * What `exitInKind(shares)` pays on the state read (RebalanceLib.payInKind):
 * floor(idle × shares / supply) + floor(collateral × shares / supply) of the base token (idle =
 * balance − reserved; the exit withdraws the holder's share of a debt-free lending position's
 * collateral — with a debt open it reverts) and floor(balance × shares / supply) of every
 * registered token.
 * Zero lines are left out.
 */
export function inKindPreview(
  shares: bigint,
  s: VaultSnapshot,
  holdings: readonly HoldingInput[],
  base: TokenMeta,
): InKindLine[] {
  if (s.totalSupply === 0n || shares === 0n) return [];
  const debtFree = holdings.every((h) => h.debt === 0n);
  const collShare = debtFree ? (s.lendingCollateral * shares) / s.totalSupply : 0n;
  const lines: InKindLine[] = [
    { token: base, amount: (s.idle * shares) / s.totalSupply + collShare },
  ];
  for (const h of holdings)
    lines.push({ token: h.token, amount: (h.balance * shares) / s.totalSupply });
  return lines.filter((x) => x.amount !== 0n);
}
