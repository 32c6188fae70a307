/**
 * Everything the page reads from the chain, through any ethers provider (a JsonRpcProvider on the
 * configured RPC URL without a wallet): the vault's configuration (base token, share token,
 * registry, limits, fees), its state (BallastLens.vaultState, or the vault's own getters when no
 * lens is configured), holdings (BallastLens.tryAssetStates: balances always, values where the
 * feeds answer, the failing feed named), exposure and leverage (BallastLens.exposure), the
 * connected depositor's position, and the latest vault events. DOM-free.
 */
import { AbiCoder, Contract, getAddress, isAddress } from "ethers";
import type { ContractRunner, InterfaceAbi, ParamType, Provider } from "ethers";
import { shortAddress } from "./amounts.ts";
import type { RevertDecoder } from "./errors.ts";
import { describeFeedFailure, extractRevertData, feedStatusRevert } from "./errors.ts";
import type {
  AssetConfigView,
  ExposureInput,
  FeesView,
  HoldingInput,
  InKindLine,
  LimitsView,
  PendingChange,
  PendingScan,
  Position,
  TokenMeta,
  VaultEvent,
  VaultSnapshot,
} from "./state.ts";
import { HISTORY_EVENTS } from "./state.ts";

export type { AssetConfigView, FeesView, LimitsView } from "./state.ts";

/** A config.json field that is missing or wrong. */
export class ConfigError extends Error {
  readonly code: "BAD_CONFIG";
  readonly field: string;

  constructor(field: string, reason: string) {
    super(`config.json ${field}: ${reason}`);
    this.name = "ConfigError";
    this.code = "BAD_CONFIG";
    this.field = field;
  }
}

/** What /config.json says. */
export interface AppConfig {
  readonly chainId: number;
  readonly rpcUrl: string;
  readonly vault: string;
  readonly lens: string | null;
}

/** Validates the JSON served at /config.json. Throws {@link ConfigError}. */
export function parseAppConfig(json: unknown): AppConfig {
  if (typeof json !== "object" || json === null) throw new ConfigError("(root)", "not an object");
  const o = json as Record<string, unknown>;
  if (typeof o.chainId !== "number" || !Number.isSafeInteger(o.chainId) || o.chainId <= 0) {
    throw new ConfigError("chainId", "must be a positive integer");
  }
  if (typeof o.rpcUrl !== "string" || !/^https?:\/\//.test(o.rpcUrl)) {
    throw new ConfigError("rpcUrl", "must be an http(s) URL");
  }
  if (typeof o.vault !== "string" || !isAddress(o.vault)) {
    throw new ConfigError("vault", "must be an address");
  }
  if (
    o.lens !== null &&
    o.lens !== undefined &&
    (typeof o.lens !== "string" || !isAddress(o.lens))
  ) {
    throw new ConfigError("lens", "must be an address or null");
  }
  return {
    chainId: o.chainId,
    rpcUrl: o.rpcUrl,
    vault: getAddress(o.vault),
    lens: typeof o.lens === "string" ? getAddress(o.lens) : null,
  };
}

/** The ABIs the server hands out under /abi/<Name>.json. */
export interface Abis {
  readonly vault: InterfaceAbi;
  readonly lens: InterfaceAbi;
  readonly erc20: InterfaceAbi;
  /**
   * Where the rest of the errors a vault call can revert with are declared: the linked libraries
   * and the module the vault delegates to (docs/plan-format.md §10). Used for decoding only.
   */
  readonly errorSources: readonly InterfaceAbi[];
}

/** Names of the ABIs under /abi/ (see scripts/app.ts): vault, lens, ERC-20, then error sources. */
export const ABI_NAMES = [
  "BallastVault",
  "BallastLens",
  "ERC20",
  "ConfigLib",
  "PriceLib",
  "RebalanceLib",
  "PlanHashing",
  "VaultModule",
  "VaultRebalancer",
] as const;

/** Loads the ABIs with `getJson(url)` (the page passes a fetch wrapper). */
export async function loadAbis(getJson: (url: string) => Promise<unknown>): Promise<Abis> {
  const [vault, lens, erc20, ...errorSources] = await Promise.all(
    ABI_NAMES.map((n) => getJson(`/abi/${n}.json`) as Promise<InterfaceAbi>),
  );
  return { vault, lens, erc20, errorSources };
}

/** The decoder's ABIs: every custom error a vault call can revert with, vault's first. */
export function errorAbis(abis: Abis): InterfaceAbi[] {
  return [abis.vault, abis.lens, ...abis.errorSources, abis.erc20];
}

/** Contracts bound to a runner (provider for reads, signer for writes). */
export interface Contracts {
  readonly vault: Contract;
  readonly lens: Contract | null;
  readonly base: Contract;
}

/** Configuration read once per refresh cycle (cheap, rarely changes). */
export interface VaultInfo {
  readonly base: TokenMeta;
  readonly share: TokenMeta & { readonly name: string };
  readonly assets: readonly AssetConfigView[];
  readonly limits: LimitsView;
  readonly fees: FeesView;
  /** Feed address (lower case) → what it prices, e.g. "WETH/USD feed" (for error messages). */
  readonly feedLabels: Readonly<Record<string, string>>;
}

/** Binds the vault, lens and base token to `runner`. */
export function bindContracts(
  cfg: AppConfig,
  abis: Abis,
  baseAddress: string,
  runner: ContractRunner,
): Contracts {
  return {
    vault: new Contract(cfg.vault, abis.vault, runner),
    lens: cfg.lens === null ? null : new Contract(cfg.lens, abis.lens, runner),
    base: new Contract(baseAddress, abis.erc20, runner),
  };
}

/** Token facts by address (the caller owns it; symbol and decimals never change). */
export type MetaCache = Map<string, TokenMeta>;

/** Symbol and decimals of an ERC-20, memoised in `cache`. */
export async function tokenMeta(
  address: string,
  erc20: InterfaceAbi,
  runner: ContractRunner,
  cache: MetaCache,
): Promise<TokenMeta> {
  const hit = cache.get(address);
  if (hit !== undefined) return hit;
  const t = new Contract(address, erc20, runner);
  const [symbol, decimals] = await Promise.all([
    t.getFunction("symbol")() as Promise<string>,
    t.getFunction("decimals")() as Promise<bigint>,
  ]);
  const meta = { address, symbol, decimals: Number(decimals) };
  cache.set(address, meta);
  return meta;
}

function num(r: Record<string, unknown>, k: string): bigint {
  const v = r[k];
  return typeof v === "bigint" ? v : BigInt(Number(v));
}

const LIMIT_KEYS = [
  "depositCap",
  "maxSlippageBps",
  "maxLossPerRebalanceBps",
  "lossBudgetBps",
  "lossWindow",
  "maxTurnoverBps",
  "maxLeverageBps",
  "minHealthFactor",
  "rebalanceCooldown",
  "circuitBreakerDropBps",
  "circuitBreakerWindow",
] as const;

/** `Limits` as ethers decodes it (named fields) → LimitsView. */
function limitsView(r: Record<string, unknown>): LimitsView {
  return Object.fromEntries(LIMIT_KEYS.map((k) => [k, num(r, k)])) as unknown as LimitsView;
}

/** `FeeConfig` as ethers decodes it → FeesView. */
function feesView(r: Record<string, unknown>): FeesView {
  return {
    recipient: String(r.recipient),
    entryFeeBps: num(r, "entryFeeBps"),
    exitFeeBps: num(r, "exitFeeBps"),
    managementFeeBps: num(r, "managementFeeBps"),
    performanceFeeBps: num(r, "performanceFeeBps"),
  };
}

/** `AssetConfig` as ethers decodes it, with its token's facts → AssetConfigView. */
function assetView(r: Record<string, unknown>, token: TokenMeta): AssetConfigView {
  return {
    token,
    enabled: Boolean(r.enabled),
    maxWeightBps: num(r, "maxWeightBps"),
    minNetDeltaBps: num(r, "minNetDeltaBps"),
    maxNetDeltaBps: num(r, "maxNetDeltaBps"),
    feed: String(r.feed),
    heartbeat: num(r, "heartbeat"),
    minPrice: num(r, "minPrice"),
    maxPrice: num(r, "maxPrice"),
  };
}

/** The vault's base token, share token, registry, limits and fees. */
export async function readVaultInfo(
  cfg: AppConfig,
  abis: Abis,
  provider: Provider,
  cache: MetaCache,
): Promise<VaultInfo> {
  const vault = new Contract(cfg.vault, abis.vault, provider);
  const [baseAddr, name, symbol, decimals, regRaw, limRaw, feeRaw, oracles] = await Promise.all([
    vault.getFunction("asset")() as Promise<string>,
    vault.getFunction("name")() as Promise<string>,
    vault.getFunction("symbol")() as Promise<string>,
    vault.getFunction("decimals")() as Promise<bigint>,
    vault.getFunction("assetConfigs")() as Promise<Record<string, unknown>[]>,
    vault.getFunction("limits")() as Promise<Record<string, unknown>>,
    vault.getFunction("fees")() as Promise<Record<string, unknown>>,
    vault.getFunction("oracleConfig")() as Promise<[{ feed: string }, { feed: string }]>,
  ]);
  const base = await tokenMeta(baseAddr, abis.erc20, provider, cache);
  const assets = await Promise.all(
    regRaw.map(async (a) =>
      assetView(a, await tokenMeta(String(a.token), abis.erc20, provider, cache)),
    ),
  );
  const limits = limitsView(limRaw);
  const fees = feesView(feeRaw);
  const feedLabels: Record<string, string> = {
    [String(oracles[0].feed).toLowerCase()]: `${base.symbol}/USD feed`,
    [String(oracles[1].feed).toLowerCase()]: "sequencer uptime feed",
  };
  regRaw.forEach((a, i) => {
    feedLabels[String(a.feed).toLowerCase()] = `${assets[i].token.symbol}/USD feed`;
  });
  return {
    base,
    share: { address: cfg.vault, name, symbol, decimals: Number(decimals) },
    assets,
    limits,
    fees,
    feedLabels,
  };
}

/**
 * Why `totalAssets()` reverts now, in words naming the feed (see describeFeedFailure), or null
 * when it answers.
 */
export async function navFailure(
  vault: Contract,
  decode: RevertDecoder,
  feedLabels: Readonly<Record<string, string>>,
): Promise<string | null> {
  try {
    await vault.getFunction("totalAssets").staticCall();
    return null;
  } catch (err) {
    return describeFeedFailure(decode(extractRevertData(err)), feedLabels);
  }
}

/**
 * The vault's state: BallastLens.vaultState when a lens is configured, else the same fields from
 * the vault's getters; the last good price and the cancel lock (`cancelLockedUntil`) always from
 * the vault. `navAvailable` is false (and `navError` says why) while a feed fails.
 */
export async function readSnapshot(
  c: Contracts,
  decode: RevertDecoder,
  feedLabels: Readonly<Record<string, string>>,
): Promise<VaultSnapshot> {
  if (c.lens !== null) {
    const [s, lastGood, lockedUntil] = (await Promise.all([
      c.lens.getFunction("vaultState")(await c.vault.getAddress()),
      c.vault.getFunction("lastGoodPpsWad")(),
      c.vault.getFunction("cancelLockedUntil")(),
    ])) as [Record<string, unknown>, bigint, bigint];
    const navAvailable = Boolean(s.navAvailable);
    return {
      navAvailable,
      nav: num(s, "nav"),
      idle: num(s, "idle"),
      reservedAssets: num(s, "reservedAssets"),
      lendingCollateral: num(s, "lendingCollateral"),
      totalSupply: num(s, "totalSupply"),
      pricePerShareWad: num(s, "pricePerShareWad"),
      lastGoodPpsWad: lastGood,
      lastRebalanceAt: num(s, "lastRebalanceAt"),
      lossBudgetUsedWad: num(s, "lossBudgetUsedWad"),
      lossBudgetCapWad: num(s, "lossBudgetCapWad"),
      pendingShares: num(s, "pendingShares"),
      currentEpoch: num(s, "currentEpoch"),
      cancelLockedUntil: lockedUntil,
      paused: Boolean(s.paused),
      shutdown: Boolean(s.shutdown),
      defensive: Boolean(s.defensive),
      navError: navAvailable ? null : await navFailure(c.vault, decode, feedLabels),
    };
  }
  const v = c.vault;
  const call = (name: string, ...args: unknown[]) => v.getFunction(name)(...args);
  const navError = await navFailure(v, decode, feedLabels);
  const [
    reserved,
    supply,
    last,
    budget,
    pending,
    epoch,
    paused,
    shutdown,
    defensive,
    bal,
    lastGood,
    lockedUntil,
  ] = (await Promise.all([
    call("reservedAssets"),
    call("totalSupply"),
    call("lastRebalanceAt"),
    call("lossBudget"),
    call("pendingShares"),
    call("currentEpoch"),
    call("paused"),
    call("shutdown"),
    call("defensive"),
    c.base.getFunction("balanceOf")(await v.getAddress()),
    call("lastGoodPpsWad"),
    call("cancelLockedUntil"),
  ])) as [
    bigint,
    bigint,
    bigint,
    [bigint, bigint],
    bigint,
    bigint,
    boolean,
    boolean,
    boolean,
    bigint,
    bigint,
    bigint,
  ];
  const nav = navError === null ? ((await call("totalAssets")) as bigint) : 0n;
  return {
    navAvailable: navError === null,
    nav,
    idle: bal > reserved ? bal - reserved : 0n,
    reservedAssets: reserved,
    lendingCollateral: 0n, // not read without the lens (it is part of the NAV)
    totalSupply: supply,
    pricePerShareWad: navError === null ? ((nav + 1n) * 10n ** 18n) / (supply + 10n ** 6n) : 0n,
    lastGoodPpsWad: lastGood,
    lastRebalanceAt: last,
    lossBudgetUsedWad: budget[0],
    lossBudgetCapWad: budget[1],
    pendingShares: pending,
    currentEpoch: epoch,
    cancelLockedUntil: lockedUntil,
    paused,
    shutdown,
    defensive,
    navError,
  };
}

/**
 * Holdings per registered asset: BallastLens.tryAssetStates — balances and debts always; values
 * where the asset's feed and the base feed answer; weights and net deltas while the NAV prices;
 * and, for an asset whose own feed fails, why in words (`feedError`, labelled by `feedLabels`).
 * A lens without tryAssetStates falls back to assetStates (which reverts while a feed fails);
 * then — or without a lens — the vault's token balances only.
 */
export async function readHoldings(
  c: Contracts,
  info: VaultInfo,
  erc20: InterfaceAbi,
  runner: ContractRunner,
  provider: Provider,
): Promise<HoldingInput[]> {
  const vaultAddr = await c.vault.getAddress();
  if (c.lens !== null) {
    try {
      const block = await provider.getBlock("latest");
      if (block === null) throw new Error("the node has no latest block");
      const states = (await c.lens.getFunction("tryAssetStates")(vaultAddr, {
        blockTag: block.number,
      })) as Record<string, unknown>[];
      return info.assets.map((a, i) => holdingFromTry(a, states[i], BigInt(block.timestamp), info));
    } catch {
      // an older lens without tryAssetStates: the reverting view, then balances only
    }
    try {
      const states = (await c.lens.getFunction("assetStates")(vaultAddr)) as Record<
        string,
        unknown
      >[];
      return info.assets.map((a, i) => ({
        token: a.token,
        enabled: a.enabled,
        maxWeightBps: a.maxWeightBps,
        balance: num(states[i], "balance"),
        debt: num(states[i], "debt"),
        value: num(states[i], "value"),
        debtValue: num(states[i], "debtValue"),
        weightBps: num(states[i], "weightBps"),
        netDeltaBps: num(states[i], "netDeltaBps"),
      }));
    } catch {
      // a feed fails: fall through to balances only
    }
  }
  return Promise.all(
    info.assets.map(async (a) => ({
      token: a.token,
      enabled: a.enabled,
      maxWeightBps: a.maxWeightBps,
      balance: (await new Contract(a.token.address, erc20, runner).getFunction("balanceOf")(
        vaultAddr,
      )) as bigint,
      debt: 0n,
      value: null,
      debtValue: null,
      weightBps: null,
      netDeltaBps: null,
    })),
  );
}

/**
 * One holding from a BallastLens.tryAssetStates entry `t` read at a block with timestamp `nowTs`:
 * value and debt value when `valueOk`, weight and net delta when `weightOk`, and the asset's
 * failed feed in words (errors.ts describeFeedFailure on the error OracleLib would raise).
 */
export function holdingFromTry(
  a: AssetConfigView,
  t: Record<string, unknown>,
  nowTs: bigint,
  info: Pick<VaultInfo, "feedLabels">,
): HoldingInput {
  const valueOk = Boolean(t.valueOk);
  const weightOk = Boolean(t.weightOk);
  const failed = feedStatusRevert({
    status: num(t, "status"),
    feed: String(t.feed),
    answer: num(t, "answer"),
    updatedAt: num(t, "updatedAt"),
    heartbeat: a.heartbeat,
    minPrice: a.minPrice,
    maxPrice: a.maxPrice,
    nowTs,
  });
  return {
    token: a.token,
    enabled: a.enabled,
    maxWeightBps: a.maxWeightBps,
    balance: num(t, "balance"),
    debt: num(t, "debt"),
    value: valueOk ? num(t, "value") : null,
    debtValue: valueOk ? num(t, "debtValue") : null,
    weightBps: weightOk ? num(t, "weightBps") : null,
    netDeltaBps: weightOk ? num(t, "netDeltaBps") : null,
    feedError: failed === null ? null : describeFeedFailure(failed, info.feedLabels),
  };
}

/**
 * Gross exposure and leverage as the vault's leverage bound computes them (BallastLens.exposure);
 * null without a lens or with a lens that lacks the view.
 */
export async function readExposure(c: Contracts): Promise<ExposureInput | null> {
  if (c.lens === null) return null;
  try {
    const x = (await c.lens.getFunction("exposure")(await c.vault.getAddress())) as Record<
      string,
      unknown
    >;
    return {
      ok: Boolean(x.ok),
      gross: num(x, "gross"),
      nav: num(x, "nav"),
      leverageBps: num(x, "leverageBps"),
      maxLeverageBps: num(x, "maxLeverageBps"),
    };
  } catch {
    return null;
  }
}

/** One queued change as the vault (or the lens) answers it: the value still ABI-encoded. */
interface RawPending {
  readonly what: number;
  readonly key: bigint;
  readonly validAt: bigint;
  readonly value: string;
}

/**
 * The changes queued behind the curator timelock, each new value decoded with the vault ABI's own
 * struct types (an asset's with its token's facts, an adapter's next to the current one): from
 * BallastLens.pendingChanges (every kind) when a lens is configured and has the view, else from
 * the vault's `pendingChange` for the limits, the fees and every asset index (the registry's
 * length included: an asset being added) — adapter ids are not scanned then
 * (`adaptersChecked` false). Null when the vault has no `pendingChange` (an older deployment).
 */
export async function readPendingChanges(
  c: Contracts,
  info: Pick<VaultInfo, "assets">,
  erc20: InterfaceAbi,
  runner: ContractRunner,
  cache: MetaCache,
): Promise<PendingScan | null> {
  let raw: RawPending[] | null = null;
  if (c.lens !== null) {
    try {
      const rows = (await c.lens.getFunction("pendingChanges")(
        await c.vault.getAddress(),
      )) as Record<string, unknown>[];
      raw = rows.map((r) => ({
        what: Number(r.what),
        key: num(r, "key"),
        validAt: num(r, "validAt"),
        value: String(r.value),
      }));
    } catch {
      raw = null; // an older lens: ask the vault
    }
  }
  const adaptersChecked = raw !== null;
  if (raw === null) {
    const keys: [number, bigint][] = [
      [1, 0n],
      [2, 0n],
    ];
    for (let i = 0; i <= info.assets.length; i++) keys.push([3, BigInt(i)]);
    try {
      const answers = await Promise.all(
        keys.map(
          ([what, key]) =>
            c.vault.getFunction("pendingChange")(what, key) as Promise<[bigint, string]>,
        ),
      );
      raw = answers.flatMap(([validAt, value], i) =>
        validAt === 0n ? [] : [{ what: keys[i][0], key: keys[i][1], validAt, value }],
      );
    } catch {
      return null;
    }
  }
  const output = (name: string) => c.vault.interface.getFunction(name)!.outputs[0];
  const decode = (type: ParamType, data: string) =>
    AbiCoder.defaultAbiCoder().decode([type], data)[0] as Record<string, unknown>;
  const changes = await Promise.all(
    raw.map(async (r): Promise<PendingChange> => {
      const head = { key: Number(r.key), validAt: r.validAt };
      if (r.what === 1)
        return { ...head, kind: "limits", value: limitsView(decode(output("limits"), r.value)) };
      if (r.what === 2)
        return { ...head, kind: "fees", value: feesView(decode(output("fees"), r.value)) };
      if (r.what === 3) {
        const a = decode(output("assetConfigs").arrayChildren!, r.value);
        const token = await tokenMeta(String(a.token), erc20, runner, cache).catch(() => ({
          address: String(a.token),
          symbol: shortAddress(String(a.token)),
          decimals: 18,
        }));
        return { ...head, kind: "asset", value: assetView(a, token) };
      }
      const v = decode(output("adapter"), r.value);
      const cur = (await c.vault.getFunction("adapter")(r.key)) as Record<string, unknown>;
      return {
        ...head,
        kind: "adapter",
        value: { adapter: String(v.adapter), kind: Number(v.kind) },
        current: { adapter: String(cur.adapter), kind: Number(cur.kind) },
      };
    }),
  );
  return { changes, adaptersChecked };
}

/**
 * What `exitInKind(shares)` would pay now, from BallastLens.previewExitInKind (the vault's own
 * pro-rata formula and rounding, the debt-free lending collateral included): the base token,
 * then the registered assets, zero lines left out. Reverts as the exit does (e.g.
 * `LendingPositionOpen` while a debt is open). Null without a lens, or when the lens has no such
 * view (a call that reverts without data), so that the caller can estimate instead.
 */
export async function readInKindPreview(
  c: Contracts,
  info: Pick<VaultInfo, "base" | "assets">,
  shares: bigint,
): Promise<InKindLine[] | null> {
  if (c.lens === null) return null;
  let res: [string[], bigint[]];
  try {
    res = (await c.lens.getFunction("previewExitInKind")(await c.vault.getAddress(), shares)) as [
      string[],
      bigint[],
    ];
  } catch (err) {
    if (extractRevertData(err) !== null) throw err;
    return null;
  }
  const metas = [info.base, ...info.assets.map((a) => a.token)];
  const [tokens, amounts] = res;
  const lines: InKindLine[] = [];
  tokens.forEach((t, i) => {
    const meta = metas.find((m) => m.address.toLowerCase() === t.toLowerCase());
    if (meta === undefined) throw new Error(`previewExitInKind named an unknown token ${t}`);
    if (amounts[i] !== 0n) lines.push({ token: meta, amount: amounts[i] });
  });
  return lines;
}

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch {
    return null;
  }
}

/** The depositor's position (each view that reverts — NAV down — reads as 0 / null). */
export async function readPosition(c: Contracts, account: string): Promise<Position> {
  const v = c.vault;
  const f = (name: string, ...args: unknown[]) =>
    orNull(v.getFunction(name)(...args) as Promise<bigint>);
  const vaultAddr = await v.getAddress();
  const [
    shares,
    baseBalance,
    allowance,
    maxDeposit,
    maxWithdraw,
    maxRedeem,
    pending,
    claimable,
    claimAssets,
  ] = await Promise.all([
    f("balanceOf", account),
    orNull(c.base.getFunction("balanceOf")(account) as Promise<bigint>),
    orNull(c.base.getFunction("allowance")(account, vaultAddr) as Promise<bigint>),
    f("maxDeposit", account),
    f("maxWithdraw", account),
    f("maxRedeem", account),
    f("pendingRedeemRequest", 0n, account),
    f("claimableRedeemRequest", 0n, account),
    f("claimableAssets", account),
  ]);
  const value = shares === null || shares === 0n ? shares : await f("convertToAssets", shares);
  return {
    account,
    shares: shares ?? 0n,
    value,
    baseBalance: baseBalance ?? 0n,
    allowance: allowance ?? 0n,
    maxDeposit: maxDeposit ?? 0n,
    maxWithdraw: maxWithdraw ?? 0n,
    maxRedeem: maxRedeem ?? 0n,
    pendingShares: pending ?? 0n,
    claimableShares: claimable ?? 0n,
    claimableAssets: claimAssets ?? 0n,
  };
}

/** How far back the history looks, in blocks (public RPCs cap eth_getLogs ranges). */
export const HISTORY_BLOCKS = 50_000;

/** The vault events read so far and the block they were read up to (see {@link readHistory}). */
export interface HistoryScan {
  /** The last block read and its hash (another hash there later means the chain changed). */
  readonly toBlock: number;
  readonly toHash: string;
  readonly events: readonly VaultEvent[];
}

/**
 * The vault events of the kinds in HISTORY_EVENTS in the last {@link HISTORY_BLOCKS} blocks.
 * Given the previous scan, reads only the blocks after it, unless the block it ended at is no
 * longer on the chain (a reorg, a restarted node): then the whole range again.
 */
export async function readHistory(
  vault: Contract,
  provider: Provider,
  prev: HistoryScan | null = null,
): Promise<HistoryScan> {
  const [head, prevEnd] = await Promise.all([
    provider.getBlock("latest"),
    prev === null ? null : provider.getBlock(prev.toBlock),
  ]);
  if (head === null || head.hash === null) throw new Error("the node has no latest block");
  const latest = head.number;
  const windowStart = Math.max(0, latest - HISTORY_BLOCKS);
  const resumed = prev !== null && prevEnd?.hash === prev.toHash ? prev : null;
  const fromBlock = resumed === null ? windowStart : Math.max(windowStart, resumed.toBlock + 1);
  const kept = (resumed?.events ?? []).filter((e) => e.blockNumber >= windowStart);
  const fresh = fromBlock > latest ? [] : await readEvents(vault, provider, fromBlock, latest);
  return { toBlock: latest, toHash: head.hash, events: [...kept, ...fresh] };
}

/** The vault events of the kinds in HISTORY_EVENTS in blocks `fromBlock`…`toBlock`. */
async function readEvents(
  vault: Contract,
  provider: Provider,
  fromBlock: number,
  toBlock: number,
): Promise<VaultEvent[]> {
  const topics: string[] = [];
  for (const name of Object.keys(HISTORY_EVENTS)) {
    const ev = vault.interface.getEvent(name);
    if (ev !== null) topics.push(ev.topicHash);
  }
  const logs = await provider.getLogs({
    address: await vault.getAddress(),
    fromBlock,
    toBlock,
    topics: [topics],
  });
  const out: VaultEvent[] = [];
  for (const log of logs) {
    const parsed = vault.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed === null) continue;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((p, i) => (args[p.name] = parsed.args[i] as unknown));
    out.push({
      name: parsed.name,
      blockNumber: log.blockNumber,
      logIndex: log.index,
      txHash: log.transactionHash,
      args,
    });
  }
  return out;
}
