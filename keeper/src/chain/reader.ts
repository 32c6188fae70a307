/**
 * Reads everything the planner needs (`VaultSnapshot`) at ONE block: the block tag is resolved
 * to a number first, then every `eth_call` of a phase is issued at once (Promise.all, which
 * ethers batches into JSON-RPC batches) at that block. Prices come from the vault's own feed
 * configuration (`assetConfigs()[i].feed`, `oracleConfig().baseFeed`), read with
 * `latestRoundData()`; no pool price is ever read. ABIs are the run-time artifacts (abis.ts).
 * A feed whose call fails is a {@link FeedCallError}, or, with `feedCallFailures: "collect"`, a
 * {@link FeedCallFailure} in the extras (for `status`, which still shows what needs no price).
 * A base feed answering zero or less is a {@link FeedAnswerError} (no asset can be valued in
 * base units), or, with "collect", left to the caller (feeds.ts names it; status prices nothing).
 */
import { AbiCoder, Contract, getAddress, isError } from "ethers";
import type { BlockTag, Interface, ParamType, Provider } from "ethers";
import { npmAbi, projectAbi } from "./abis.ts";
import { describeRevert, isContractAnswer } from "./errors.ts";
import type { FeedCallFailure, FeedFailure } from "./feeds.ts";
import type { Limits, VaultSnapshot } from "../planner/types.ts";

/** The chain answered something the reader cannot use. */
export class ReaderError extends Error {
  readonly code: "READER";

  constructor(message: string) {
    super(message);
    this.name = "ReaderError";
    this.code = "READER";
  }
}

/** A feed's own call failed (it reverted or answered data that does not decode). */
export class FeedCallError extends ReaderError {
  readonly failure: FeedCallFailure;

  constructor(message: string, failure: FeedCallFailure) {
    super(message);
    this.name = "FeedCallError";
    this.failure = failure;
  }
}

/**
 * A feed answered zero or a negative number (the vault's OracleAnswerNotPositive) where the
 * keeper must divide by it: the base feed's answer divides every value in base units, so
 * `readSnapshot` refuses it; an asset's answer divides the token amount of any trade in it, so
 * `plan` refuses it.
 */
export class FeedAnswerError extends ReaderError {
  /** The failing feed as feeds.ts names it (reason "not-positive"). */
  readonly failure: FeedFailure;
  readonly answer: bigint;

  constructor(failure: FeedFailure, answer: bigint) {
    const base = failure.asset === "base";
    super(
      `the ${base ? "base token's" : `asset ${failure.asset}'s`} feed ${failure.feed} answers ` +
        `${answer}, which is not positive: ` +
        (base ? "no asset can be valued in base units" : "no trade in that asset can be sized") +
        ` and the vault cannot price its NAV (OracleAnswerNotPositive) until it answers a positive price`,
    );
    this.name = "FeedAnswerError";
    this.failure = failure;
    this.answer = answer;
  }
}

/** Options of {@link readSnapshot}. */
export interface ReadSnapshotOptions {
  /**
   * A feed whose `decimals()` or `latestRoundData()` call fails: "throw" (default) a
   * {@link FeedCallError} naming it; "collect" it in {@link SnapshotExtras.feedCallFailures} and
   * read on. The snapshot then holds zeros in place of that feed's decimals and round (its
   * price, `feedDecimals` and `feedInfo.updatedAt`, and the extras' round): never price with them.
   * The same switch covers a base feed answering zero or less: "throw" a {@link FeedAnswerError};
   * "collect" returns the snapshot with that answer (price nothing in base units with it).
   */
  feedCallFailures?: "throw" | "collect";
}

/** Raw oracle round of one feed at the snapshot block. */
export interface FeedRound {
  feed: string;
  answer: bigint;
  updatedAt: bigint;
  decimals: number;
}

/** Extra chain data beside the snapshot (status and config checks use it). */
export interface SnapshotExtras {
  blockNumber: number;
  blockHash: string;
  depositCap: bigint;
  circuitBreakerDropBps: bigint;
  circuitBreakerWindow: bigint;
  lossBudgetCapWad: bigint;
  currentEpoch: bigint;
  baseFeed: FeedRound;
  assetFeeds: FeedRound[];
  /** Adapter ids 1..2 as configured on the vault (address 0 = none). */
  adapters: { id: number; adapter: string; kind: number }[];
  vaultDecimals: number;
  /** `BallastLens.vaultState` NAV (null without a lens or while a feed fails). */
  lensNav: bigint | null;
  /** `BallastLens.vaultState` navAvailable: false while a feed fails (null without a lens). */
  navAvailable: boolean | null;
  /** Feeds whose call failed, base first then registry order (empty unless "collect"). */
  feedCallFailures: FeedCallFailure[];
}

/** `readSnapshot` result. */
export interface SnapshotRead {
  snapshot: VaultSnapshot;
  extras: SnapshotExtras;
}

const ZERO = "0x0000000000000000000000000000000000000000";
const LT_MASK = 0xffffn;

function big(x: unknown): bigint {
  return BigInt(x as bigint);
}

/** The on-chain limits a keeper config must sit inside (issue 6, "local limits"). */
export interface OnchainLimits extends Limits {
  depositCap: bigint;
  circuitBreakerDropBps: bigint;
  circuitBreakerWindow: bigint;
  assets: { token: string; maxWeightBps: bigint; minNetDeltaBps: bigint; maxNetDeltaBps: bigint }[];
}

function limitsOf(l: Record<string, unknown>): Limits {
  return {
    maxSlippageBps: big(l.maxSlippageBps),
    maxLossPerRebalanceBps: big(l.maxLossPerRebalanceBps),
    lossBudgetBps: big(l.lossBudgetBps),
    lossWindow: big(l.lossWindow),
    maxTurnoverBps: big(l.maxTurnoverBps),
    maxLeverageBps: big(l.maxLeverageBps),
    minHealthFactor: big(l.minHealthFactor),
    rebalanceCooldown: big(l.rebalanceCooldown),
  };
}

/** Reads the vault's limits and per-asset bands (for the config check) at `blockTag`. */
export async function readOnchainLimits(
  provider: Provider,
  vault: string,
  blockTag: BlockTag = "latest",
): Promise<OnchainLimits> {
  const v = new Contract(vault, projectAbi("BallastVault"), provider);
  const [l, cfgs] = (await Promise.all([v.limits({ blockTag }), v.assetConfigs({ blockTag })])) as [
    Record<string, unknown>,
    Record<string, unknown>[],
  ];
  return {
    ...limitsOf(l),
    depositCap: big(l.depositCap),
    circuitBreakerDropBps: big(l.circuitBreakerDropBps),
    circuitBreakerWindow: big(l.circuitBreakerWindow),
    assets: cfgs.map((c) => ({
      token: getAddress(c.token as string),
      maxWeightBps: big(c.maxWeightBps),
      minNetDeltaBps: big(c.minNetDeltaBps),
      maxNetDeltaBps: big(c.maxNetDeltaBps),
    })),
  };
}

/** How a feed's call failed, in a few words (`reverted without data`, `reverted: Error(…)`). */
function callFailureWhy(e: unknown): string {
  if (isError(e, "BAD_DATA")) return "its answer does not decode";
  const data = (e as { data?: unknown }).data;
  return data === "0x" ? "reverted without data" : `reverted: ${describeRevert(e)}`;
}

/**
 * Reads a {@link VaultSnapshot} of `vault` at `blockTag` (default "latest", resolved to a number
 * once). `lens` (BallastLens) is used for the epoch and cross-checks; pass null to skip it.
 */
export async function readSnapshot(
  provider: Provider,
  vault: string,
  lens: string | null,
  blockTag: BlockTag = "latest",
  opts: ReadSnapshotOptions = {},
): Promise<SnapshotRead> {
  const block = await provider.getBlock(blockTag);
  if (block === null) throw new ReaderError(`block ${String(blockTag)} not found`);
  const at = { blockTag: block.number };
  const vaultAddr = getAddress(vault);
  const v = new Contract(vaultAddr, projectAbi("BallastVault"), provider);
  const erc20 = (a: string) => new Contract(a, npmAbi("erc20"), provider);
  const feedC = (a: string) => new Contract(a, npmAbi("aggregatorV3"), provider);
  const failed = new Map<number | "base", FeedCallFailure>();
  /**
   * `method()` of the feed at `a` (`decimals` or `latestRoundData`); a call the feed itself fails
   * (reverts or answers too little data) is a FeedCallError naming it, as the vault's
   * OracleCallFailed does, or with "collect" recorded in `failed` and answered by `zero`. The
   * node's own failures (no revert data) pass through unchanged.
   */
  const feedCall = async <T>(
    a: string,
    asset: number | "base",
    method: "decimals" | "latestRoundData",
    zero: T,
  ): Promise<T> => {
    try {
      return (await feedC(a).getFunction(method)(at)) as T;
    } catch (e) {
      if (!isContractAnswer(e)) throw e; // the node failed, not the feed
      const failure: FeedCallFailure = {
        asset,
        feed: getAddress(a),
        methods: [method],
        why: callFailureWhy(e),
      };
      if (opts.feedCallFailures !== "collect") {
        const what = asset === "base" ? "base token's" : `asset ${asset}'s`;
        throw new FeedCallError(
          `the ${what} feed ${a} does not answer ${method}() (${(e as { shortMessage?: string }).shortMessage ?? String(e)}): the vault ` +
            `cannot price its NAV (OracleCallFailed) until it does`,
          failure,
        );
      }
      const prev = failed.get(asset);
      // latestRoundData (the price) first, and its reason
      if (prev === undefined) failed.set(asset, failure);
      else if (method === "latestRoundData")
        failed.set(asset, { ...failure, methods: [method, ...prev.methods] });
      else prev.methods.push(method);
      return zero;
    }
  };
  const NO_ROUND = [0n, 0n, 0n, 0n, 0n];

  // phase 1: the vault's own getters
  const [
    network,
    baseToken,
    cfgs,
    l,
    f,
    hwm,
    lastAccrual,
    budget,
    nextNonce,
    lastRebalanceAt,
    reserved,
    pendingShares,
    supply,
    paused,
    shutdown,
    defensive,
    lendingAdapter,
    oracle,
    vaultDecimals,
    currentEpoch,
    lensState,
    ad1,
    ad2,
  ] = (await Promise.all([
    provider.getNetwork(),
    v.asset(at),
    v.assetConfigs(at),
    v.limits(at),
    v.fees(at),
    v.highWaterMarkWad(at),
    v.lastFeeAccrual(at),
    v.lossBudget(at),
    v.nextNonce(at),
    v.lastRebalanceAt(at),
    v.reservedAssets(at),
    v.pendingShares(at),
    v.totalSupply(at),
    v.paused(at),
    v.shutdown(at),
    v.defensive(at),
    v.lendingAdapter(at),
    v.oracleConfig(at),
    v.decimals(at),
    v.currentEpoch(at),
    lens === null
      ? Promise.resolve(null)
      : new Contract(lens, projectAbi("BallastLens"), provider).vaultState(vaultAddr, at),
    v.adapter(1, at),
    v.adapter(2, at),
  ])) as unknown[] as [
    { chainId: bigint },
    string,
    Record<string, unknown>[],
    Record<string, unknown>,
    Record<string, unknown>,
    bigint,
    bigint,
    [bigint, bigint],
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    boolean,
    boolean,
    boolean,
    string,
    [Record<string, unknown>, Record<string, unknown>],
    bigint,
    bigint,
    Record<string, unknown> | null,
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  const baseFeedCfg = oracle[0];
  const tokens = cfgs.map((c) => c.token as string);
  const feeds = cfgs.map((c) => c.feed as string);
  const la = lendingAdapter === ZERO ? null : getAddress(lendingAdapter);
  const adapterC = la === null ? null : new Contract(la, projectAbi("AaveV3Adapter"), provider);

  // phase 2: tokens, feeds, lending positions (addresses from phase 1), same block
  const baseFeedAddr = baseFeedCfg.feed as string;
  const [
    baseDec,
    baseBal,
    baseFeedDec,
    baseRound,
    decs,
    bals,
    fdecs,
    rounds,
    debts,
    collateral,
    pool,
  ] = await Promise.all([
    erc20(baseToken).decimals(at) as Promise<bigint>,
    erc20(baseToken).balanceOf(vaultAddr, at) as Promise<bigint>,
    feedCall<bigint>(baseFeedAddr, "base", "decimals", 0n),
    feedCall<bigint[]>(baseFeedAddr, "base", "latestRoundData", NO_ROUND),
    Promise.all(tokens.map((t) => erc20(t).decimals(at) as Promise<bigint>)),
    Promise.all(tokens.map((t) => erc20(t).balanceOf(vaultAddr, at) as Promise<bigint>)),
    Promise.all(feeds.map((x, i) => feedCall<bigint>(x, i, "decimals", 0n))),
    Promise.all(feeds.map((x, i) => feedCall<bigint[]>(x, i, "latestRoundData", NO_ROUND))),
    Promise.all(
      tokens.map((t) =>
        adapterC === null ? Promise.resolve(0n) : (adapterC.debtOf(t, at) as Promise<bigint>),
      ),
    ),
    adapterC === null
      ? Promise.resolve(0n)
      : (adapterC.collateralOf(baseToken, at) as Promise<bigint>),
    adapterC === null ? Promise.resolve(ZERO) : (adapterC.pool(at) as Promise<string>),
  ]);

  // phase 3: Aave account data + base reserve configuration; last fee accrual
  let healthFactor = (1n << 256n) - 1n;
  let liquidationThresholdBps = 0n;
  if (la !== null && pool !== ZERO) {
    const p = new Contract(pool, npmAbi("aavePool"), provider);
    const [acct, conf] = (await Promise.all([
      p.getUserAccountData(la, at),
      p.getConfiguration(baseToken, at),
    ])) as [bigint[], { data: bigint } | bigint[]];
    healthFactor = big(acct[5]);
    const data = Array.isArray(conf) ? big(conf[0]) : big(conf.data);
    liquidationThresholdBps = (data >> 16n) & LT_MASK;
  }
  const ts = BigInt(block.timestamp);
  const lastAccruedAt = big(lastAccrual);

  const feedInfo = (c: Record<string, unknown>, round: bigint[]) => ({
    feed: getAddress(c.feed as string),
    updatedAt: big(round[3]),
    heartbeat: big(c.heartbeat),
    minPrice: big(c.minPrice),
    maxPrice: big(c.maxPrice),
  });
  const limits = limitsOf(l);
  const snapshot: VaultSnapshot = {
    chainId: network.chainId,
    vault: vaultAddr,
    base: {
      token: getAddress(baseToken),
      decimals: Number(baseDec),
      feedDecimals: Number(baseFeedDec),
      price: big(baseRound[1]),
      feedInfo: feedInfo(baseFeedCfg, baseRound),
    },
    assets: cfgs.map((c, i) => ({
      token: getAddress(tokens[i]),
      decimals: Number(decs[i]),
      feedDecimals: Number(fdecs[i]),
      price: big(rounds[i][1]),
      enabled: Boolean(c.enabled),
      maxWeightBps: big(c.maxWeightBps),
      minNetDeltaBps: big(c.minNetDeltaBps),
      maxNetDeltaBps: big(c.maxNetDeltaBps),
      feedInfo: feedInfo(c, rounds[i]),
    })),
    positions: {
      baseBalance: big(baseBal),
      collateral: big(collateral),
      balances: bals.map(big),
      debts: debts.map(big),
    },
    reservedAssets: big(reserved),
    lending: { adapter: la, healthFactor, liquidationThresholdBps },
    limits,
    // the vault exposes the used budget after the refill at this block: restart the decay here
    // (sum of floors ≤ floor of the sum, so the estimate never under-states the used budget)
    lossBudget: { usedWad: big(budget[0]), updatedAt: ts },
    totalSupply: big(supply),
    pendingShares: big(pendingShares),
    decimalsOffset: big(vaultDecimals) - big(baseDec),
    fees: {
      recipient: getAddress(f.recipient as string),
      entryFeeBps: big(f.entryFeeBps),
      exitFeeBps: big(f.exitFeeBps),
      managementFeeBps: big(f.managementFeeBps),
      performanceFeeBps: big(f.performanceFeeBps),
      highWaterMarkWad: big(hwm),
      lastAccruedAt,
    },
    nextNonce: big(nextNonce),
    lastRebalanceAt: big(lastRebalanceAt),
    paused: Boolean(paused),
    defensive: Boolean(defensive),
    shutdown: Boolean(shutdown),
    timestamp: ts,
  };
  // every base-unit value divides by the base answer: refuse one that is not positive, naming it
  if (opts.feedCallFailures !== "collect" && snapshot.base.price <= 0n)
    throw new FeedAnswerError(
      {
        asset: "base",
        token: snapshot.base.token,
        feed: getAddress(baseFeedAddr),
        reason: "not-positive",
        detail: `answer ${snapshot.base.price} is not positive`,
      },
      snapshot.base.price,
    );
  const round = (feed: string, r: bigint[], d: bigint): FeedRound => ({
    feed: getAddress(feed),
    answer: big(r[1]),
    updatedAt: big(r[3]),
    decimals: Number(d),
  });
  return {
    snapshot,
    extras: {
      blockNumber: block.number,
      blockHash: block.hash ?? "",
      depositCap: big(l.depositCap),
      circuitBreakerDropBps: big(l.circuitBreakerDropBps),
      circuitBreakerWindow: big(l.circuitBreakerWindow),
      lossBudgetCapWad: big(budget[1]),
      currentEpoch: big(currentEpoch),
      baseFeed: round(baseFeedAddr, baseRound, baseFeedDec),
      assetFeeds: feeds.map((x, i) => round(x, rounds[i], fdecs[i])),
      adapters: [ad1, ad2].map((a, i) => ({
        id: i + 1,
        adapter: getAddress(a.adapter as string),
        kind: Number(a.kind),
      })),
      vaultDecimals: Number(vaultDecimals),
      lensNav: lensState !== null && Boolean(lensState.navAvailable) ? big(lensState.nav) : null,
      navAvailable: lensState === null ? null : Boolean(lensState.navAvailable),
      feedCallFailures: [failed.get("base"), ...feeds.map((_, i) => failed.get(i))].filter(
        (c): c is FeedCallFailure => c !== undefined,
      ),
    },
  };
}

/**
 * One row of `BallastLens.tryAssetStates` (the lens's `AssetStateTry`, same field names): per
 * asset in registry order, the balance and debt always, the feed's OracleLib status code (0 OK,
 * 1 answer not positive, 2 stale, 3 out of band, 4 call failed) with what it answered, the
 * values when `valueOk`, the weight and net delta when `weightOk` (fields not ok are 0).
 */
export interface LensAssetTry {
  token: string;
  feed: string;
  balance: bigint;
  debt: bigint;
  priceOk: boolean;
  status: number;
  answer: bigint;
  updatedAt: bigint;
  valueOk: boolean;
  value: bigint;
  debtValue: bigint;
  weightOk: boolean;
  weightBps: bigint;
  netDeltaBps: bigint;
}

/**
 * The vault's `cancelLockedUntil()` at `blockTag`: the time (unix seconds) before which the
 * current epoch's pending redemption requests cannot be cancelled, set when a fulfilment found
 * them larger than the idle funds; 0 when the epoch is not locked, a time at or before the block's
 * once the lock has expired; not enforced while the vault is shut down. Null when the vault
 * answers with a revert or undecodable data (a deployment older than the lock); the node's own
 * failures (no revert data) pass through unchanged. Read by `status` only (no planning input).
 */
export async function readCancelLockedUntil(
  provider: Provider,
  vault: string,
  blockTag: BlockTag = "latest",
): Promise<bigint | null> {
  const v = new Contract(getAddress(vault), projectAbi("BallastVault"), provider);
  try {
    return big(await v.cancelLockedUntil({ blockTag }));
  } catch (e) {
    if (isContractAnswer(e)) return null; // no such function on this vault
    throw e;
  }
}

/**
 * `BallastLens.tryAssetStates(vault)` at `blockTag` (never reverts while a feed fails), or null
 * when the lens answers it with a revert or undecodable data: an older lens deployment without
 * the function. The node's own failures (no revert data) pass through unchanged.
 */
export async function readTryAssetStates(
  provider: Provider,
  lens: string,
  vault: string,
  blockTag: BlockTag = "latest",
): Promise<LensAssetTry[] | null> {
  const l = new Contract(lens, projectAbi("BallastLens"), provider);
  let rows: Record<string, unknown>[];
  try {
    rows = (await l.tryAssetStates(getAddress(vault), { blockTag })) as Record<string, unknown>[];
  } catch (e) {
    if (isContractAnswer(e)) return null; // no such function on this lens
    throw e;
  }
  return rows.map((r) => ({
    token: getAddress(r.token as string),
    feed: getAddress(r.feed as string),
    balance: big(r.balance),
    debt: big(r.debt),
    priceOk: Boolean(r.priceOk),
    status: Number(r.status),
    answer: big(r.answer),
    updatedAt: big(r.updatedAt),
    valueOk: Boolean(r.valueOk),
    value: big(r.value),
    debtValue: big(r.debtValue),
    weightOk: Boolean(r.weightOk),
    weightBps: big(r.weightBps),
    netDeltaBps: big(r.netDeltaBps),
  }));
}

/** What a queued change configures, by `pendingChange`'s `what` − 1 (1 limits … 4 adapter). */
export const PENDING_KINDS = ["limits", "fees", "asset", "adapter"] as const;

/** The kind of a queued change. */
export type PendingKind = (typeof PENDING_KINDS)[number];

/**
 * A configuration struct by field name in ABI order (`Limits`, `FeeConfig`, `AssetConfig`,
 * `AdapterConfig`): integers as bigints, addresses checksummed, booleans.
 */
export type ConfigFields = Record<string, bigint | string | boolean>;

/** One change queued behind the curator timelock, decoded, with the value it would replace. */
export interface PendingChangeRead {
  kind: PendingKind;
  /**
   * 0 for the limits and the fees; the asset's registry index (the registry's length: an asset
   * being added); the adapter id (1..255).
   */
  key: number;
  /** Unix seconds from which anyone may accept it (the vault refuses while `block.timestamp < validAt`). */
  validAt: bigint;
  /** The complete queued value. */
  value: ConfigFields;
  /**
   * The value in force at the same block (`limits()`, `fees()`, `assetConfigs()[key]`,
   * `adapter(key)`); null for an asset being added.
   */
  current: ConfigFields | null;
}

/** {@link readPendingChanges} result. */
export interface PendingChangesRead {
  /**
   * "lens": every queued change (`BallastLens.pendingChanges`); "vault": the vault's own
   * `pendingChange` for the limits, the fees and each asset index up to the registry's length,
   * adapter ids NOT checked (no lens, or a lens older than `pendingChanges`).
   */
  source: "lens" | "vault";
  /** In the lens's order: limits, fees, assets by index, adapters by id. */
  changes: PendingChangeRead[];
}

/**
 * The ABI type of the value a queued change of `kind` carries, from the vault's own getters
 * (`limits()`, `fees()`, an element of `assetConfigs()`, `adapter(uint8)`): never hand-written.
 */
function pendingValueType(v: Interface, kind: PendingKind): ParamType {
  const getter = { limits: "limits", fees: "fees", asset: "assetConfigs", adapter: "adapter" }[
    kind
  ];
  const out = v.getFunction(getter)?.outputs[0];
  const t = kind === "asset" ? out?.arrayChildren : out;
  if (t === undefined || t === null || !t.isTuple())
    throw new ReaderError(`the BallastVault ABI has no struct output for ${getter}()`);
  return t;
}

/** `r` (a decoded struct of type `t`) as {@link ConfigFields}. */
function configFields(t: ParamType, r: ArrayLike<unknown>): ConfigFields {
  const out: ConfigFields = {};
  (t.components ?? []).forEach((c, i) => {
    const x = r[i];
    out[c.name] =
      c.baseType === "address"
        ? getAddress(x as string)
        : typeof x === "boolean"
          ? x
          : typeof x === "bigint" || typeof x === "number"
            ? BigInt(x)
            : String(x);
  });
  return out;
}

/** `call()`, or null when the contract answers with a revert or undecodable data. */
async function contractAnswerOrNull<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (e) {
    if (isContractAnswer(e)) return null; // no such function on this deployment
    throw e; // the node failed, not the contract
  }
}

/**
 * The configuration changes queued on `vault` behind the curator timelock at `blockTag` (pass a
 * block number: status reads everything at one block), each decoded with the vault ABI's own
 * struct types beside the value in force. With a `lens`, `BallastLens.pendingChanges(vault)` (every
 * change, adapters included); without one, or when the lens answers it with a revert or
 * undecodable data (an older lens), the vault's `pendingChange(what, key)` for the limits (1, 0),
 * the fees (2, 0) and the assets 0..registry length (3, i): adapter ids are then not checked
 * (`source` "vault"). Null when the vault itself does not answer `pendingChange` (a deployment
 * older than the view). The node's own failures (no revert data) pass through unchanged; a queued
 * value that does not decode as its struct is a {@link ReaderError}. Read by `status` only.
 */
export async function readPendingChanges(
  provider: Provider,
  vault: string,
  lens: string | null,
  blockTag: BlockTag = "latest",
): Promise<PendingChangesRead | null> {
  const vaultAddr = getAddress(vault);
  const v = new Contract(vaultAddr, projectAbi("BallastVault"), provider);
  const at = { blockTag };
  const [limits, fees, cfgs] = (await Promise.all([
    v.limits(at),
    v.fees(at),
    v.assetConfigs(at),
  ])) as [ArrayLike<unknown>, ArrayLike<unknown>, ArrayLike<unknown>[]];

  type Raw = { what: number; key: bigint; validAt: bigint; value: string };
  let source: PendingChangesRead["source"] = "vault";
  let raw: Raw[] | null = null;
  if (lens !== null) {
    const l = new Contract(lens, projectAbi("BallastLens"), provider);
    const rows = await contractAnswerOrNull(
      () => l.pendingChanges(vaultAddr, at) as Promise<ArrayLike<unknown>[]>,
    );
    if (rows !== null) {
      source = "lens";
      raw = Array.from(rows, (r) => ({
        what: Number(r[0]),
        key: big(r[1]),
        validAt: big(r[2]),
        value: String(r[3]),
      }));
    }
  }
  if (raw === null) {
    // the asset keys are bounded (the registry's length is the one being added); adapter ids
    // 1..255 are not worth 255 calls per status: the lens reads them in one
    const keys: [number, number][] = [
      [1, 0],
      [2, 0],
      ...Array.from({ length: cfgs.length + 1 }, (_, i): [number, number] => [3, i]),
    ];
    const answers = await contractAnswerOrNull(() =>
      Promise.all(keys.map(([w, k]) => v.pendingChange(w, k, at) as Promise<ArrayLike<unknown>>)),
    );
    if (answers === null) return null; // a vault older than pendingChange
    raw = keys.map(([what, key], i) => ({
      what,
      key: BigInt(key),
      validAt: big(answers[i][0]),
      value: String(answers[i][1]),
    }));
  }

  const queued = raw.filter((r) => r.validAt !== 0n);
  const coder = AbiCoder.defaultAbiCoder();
  const adapters = await Promise.all(
    queued.map((r) =>
      r.what === 4 ? (v.adapter(r.key, at) as Promise<ArrayLike<unknown>>) : Promise.resolve(null),
    ),
  );
  const changes = queued.map((r, i): PendingChangeRead => {
    const kind = PENDING_KINDS[r.what - 1];
    if (kind === undefined)
      throw new ReaderError(
        `pendingChanges lists an unknown kind of change ${r.what} (key ${r.key})`,
      );
    const t = pendingValueType(v.interface, kind);
    let value: ConfigFields;
    try {
      value = configFields(t, coder.decode([t], r.value)[0] as ArrayLike<unknown>);
    } catch {
      throw new ReaderError(
        `the queued ${kind} change (pendingChange(${r.what}, ${r.key})) holds ${r.value}, which does not decode as ${t.format("sighash")}`,
      );
    }
    const key = Number(r.key);
    const current =
      kind === "limits"
        ? limits
        : kind === "fees"
          ? fees
          : kind === "asset"
            ? (cfgs[key] ?? null) // key == length: an asset being added
            : adapters[i];
    return {
      kind,
      key,
      validAt: r.validAt,
      value,
      current: current === null ? null : configFields(t, current),
    };
  });
  return { source, changes };
}
