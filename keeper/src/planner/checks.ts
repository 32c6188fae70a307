/**
 * Bit-exact TypeScript port of the vault's rebalance validation (docs/plan-format.md §4–§9;
 * contracts/libraries/NavMath.sol, RiskChecks.sol, LossBudget.sol, OracleLib.sol). Pure
 * functions over bigint: given the state before a plan, the positions after it and the swap
 * fills, `checkRebalance` evaluates every bound in the contract's order, reports each with its
 * margin, and names the first failing one with the Solidity custom error and its arguments.
 */
import type {
  AssetConfig,
  BaseConfig,
  FeeState,
  FeedInfo,
  LossBudgetState,
  Plan,
  Positions,
  SwapFill,
  VaultSnapshot,
} from "./types.ts";
import { duration, isoSeconds, timeAt, wadDecimal, wadPercent } from "./text.ts";

export const BPS = 10_000n;
export const WAD = 10n ** 18n;
export const UINT256_MAX = (1n << 256n) - 1n;
export const YEAR = 365n * 24n * 3600n;

/** Names of the vault's custom errors the planner can predict (plus the arithmetic panic). */
export type VaultErrorName =
  | "EnforcedPause"
  | "PlanExpired"
  | "InvalidNonce"
  | "RebalanceCooldown"
  | "WeightsLengthMismatch"
  | "OracleAnswerNotPositive"
  | "OracleStale"
  | "OraclePriceOutOfBand"
  | "SlippageExceeded"
  | "LossPerRebalanceExceeded"
  | "LossBudgetExceeded"
  | "TurnoverExceeded"
  | "WeightAboveMax"
  | "WeightAboveMaxRose"
  | "WeightOffTarget"
  | "NetDeltaOutOfBand"
  | "NetDeltaOutOfBandGrew"
  | "LeverageExceeded"
  | "HealthFactorTooLow"
  | "ExposureNotReduced"
  | "ReservedAssetsSpent";

/**
 * The vault's checks of a plan's header (`rebalance` step 1): they fail the same at every trade
 * size, so scaling the trades down cannot make a plan pass.
 */
export const HEADER_CHECKS: readonly VaultErrorName[] = [
  "EnforcedPause",
  "PlanExpired",
  "InvalidNonce",
  "RebalanceCooldown",
  "WeightsLengthMismatch",
];

/** The first bound a plan fails, with the on-chain error name and its arguments in ABI order. */
export class VaultCheckError extends Error {
  readonly code = "VAULT_CHECK_FAILED";
  readonly errorName: VaultErrorName;
  readonly args: readonly (bigint | string)[];

  constructor(errorName: VaultErrorName, args: readonly (bigint | string)[]) {
    super(`${errorName}(${args.map((a) => a.toString()).join(", ")})`);
    this.name = "VaultCheckError";
    this.errorName = errorName;
    this.args = args;
  }
}

/** Unit of a bound's value, limit and margin. */
export type BoundUnit = "bps" | "base" | "wad" | "seconds" | "count" | "flag";

/** One evaluated bound. `margin` >= 0 iff ok (distance to failing, in `unit`). */
export interface BoundReport {
  bound: string;
  /** Asset index (per-asset bounds) or action index (swaps). */
  index?: number;
  value: bigint;
  /** Upper limit (or the lower limit for `>=` bounds such as slippage and loss). */
  limit: bigint;
  /** Lower limit of a two-sided bound (net delta). */
  lower?: bigint;
  margin: bigint;
  unit: BoundUnit;
  ok: boolean;
  /** False when the value is an off-chain estimate (health factor). */
  exact: boolean;
  /** The on-chain error this bound raises when violated. */
  error: VaultErrorName;
}

// ---------------------------------------------------------------- integer helpers

/** floor(a * b / c) (Math.mulDiv). */
export function mulDivDown(a: bigint, b: bigint, c: bigint): bigint {
  return (a * b) / c;
}

/** ceil(a * b / c) (Math.mulDiv with Rounding.Ceil). */
export function mulDivUp(a: bigint, b: bigint, c: bigint): bigint {
  return (a * b + c - 1n) / c;
}

/** Minimum of two bigints. */
export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** Maximum of two bigints. */
export function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

// ---------------------------------------------------------------- §4 prices and values

/** Conversion factors of one asset into base units: value = amount * num / den (NavMath.Px). */
export interface Px {
  num: bigint;
  den: bigint;
}

/** NavMath.px: num = p * 10^(d_b + f_b), den = p_b * 10^(d_i + f_i). */
export function px(asset: AssetConfig, base: BaseConfig): Px {
  return {
    num: asset.price * 10n ** BigInt(base.decimals + base.feedDecimals),
    den: base.price * 10n ** BigInt(asset.decimals + asset.feedDecimals),
  };
}

/** Conversion factors of every registered asset, registry order. */
export function pxAll(s: Pick<VaultSnapshot, "assets" | "base">): Px[] {
  return s.assets.map((a) => px(a, s.base));
}

/** value_i(amount) = floor(amount * num / den): holdings, rounded down. */
export function value(amount: bigint, x: Px): bigint {
  return mulDivDown(amount, x.num, x.den);
}

/** debtValue_i(amount) = ceil(amount * num / den): debts, rounded up. */
export function debtValue(amount: bigint, x: Px): bigint {
  return mulDivUp(amount, x.num, x.den);
}

/** Smallest token amount whose `value` is >= v: ceil(v * den / num). */
export function tokensForValueUp(v: bigint, x: Px): bigint {
  return mulDivUp(v, x.den, x.num);
}

/** Largest token amount whose `value` is <= v (value(floor(v*den/num)) <= v). */
export function tokensForValueDown(v: bigint, x: Px): bigint {
  return mulDivDown(v, x.den, x.num);
}

/** NavMath.bpsDown: floor(part * 10000 / whole), 0 when whole == 0. */
export function bpsDown(part: bigint, whole: bigint): bigint {
  return whole === 0n ? 0n : mulDivDown(part, BPS, whole);
}

/** NavMath.bpsUp: ceil(part * 10000 / whole), 0 when whole == 0. */
export function bpsUp(part: bigint, whole: bigint): bigint {
  return whole === 0n ? 0n : mulDivUp(part, BPS, whole);
}

// ---------------------------------------------------------------- §5 NAV

/** The NAV decomposition of §5 plus per-asset values (holdings floor, debts ceil). */
export interface NavBreakdown {
  idle: bigint;
  collateral: bigint;
  values: bigint[];
  debtValues: bigint[];
  pos: bigint;
  neg: bigint;
  nav: bigint;
  /** Σ (v_i + b_i) (step 8). */
  gross: bigint;
}

/**
 * NAV of `positions` at the snapshot's oracle prices (§5). Idle saturates at 0 like the vault's
 * `_idle()` (a rebalance that spends reserved assets reverts ReservedAssetsSpent before this).
 */
export function navOf(
  positions: Positions,
  reservedAssets: bigint,
  pxs: readonly Px[],
): NavBreakdown {
  const idle = positions.baseBalance > reservedAssets ? positions.baseBalance - reservedAssets : 0n;
  const collateral = positions.collateral;
  const values = pxs.map((x, i) => value(positions.balances[i], x));
  const debtValues = pxs.map((x, i) => debtValue(positions.debts[i], x));
  const pos = values.reduce((a, b) => a + b, idle + collateral);
  const neg = debtValues.reduce((a, b) => a + b, 0n);
  const gross = values.reduce((a, v, i) => a + v + debtValues[i], 0n);
  return { idle, collateral, values, debtValues, pos, neg, nav: pos > neg ? pos - neg : 0n, gross };
}

/** RiskChecks.leverageBps: floor(gross * 10000 / nav), type(uint256).max when nav == 0 < gross. */
export function leverageBps(gross: bigint, nav: bigint): bigint {
  if (nav === 0n) return gross === 0n ? 0n : UINT256_MAX;
  return bpsDown(gross, nav);
}

/**
 * §6 step 8: the weight a plan may leave asset i at — its max, or its weight before the plan
 * (`w0`, on navBefore) when a market move had already taken it above the max (the plan may not
 * raise it further). RiskChecks.aboveMaxWeight.
 */
export function weightCapBps(maxBps: bigint, w0: bigint): bigint {
  return w0 > maxBps ? w0 : maxBps;
}

/**
 * §6 step 8: the net-delta range a plan may leave asset i in — its band widened only to include
 * its net delta before the plan (`nd0`, on navBefore). RiskChecks.outsideNetDeltaBand.
 */
export function netDeltaRangeBps(minBps: bigint, maxBps: bigint, nd0: bigint): [bigint, bigint] {
  return [nd0 < minBps ? nd0 : minBps, nd0 > maxBps ? nd0 : maxBps];
}

/** RiskChecks.netDeltaBps: sign(v - b) * floor(|v - b| * 10000 / nav), toward zero. */
export function netDeltaBps(v: bigint, b: bigint, nav: bigint): bigint {
  return v >= b ? bpsDown(v - b, nav) : -bpsDown(b - v, nav);
}

// ---------------------------------------------------------------- §8 fees, §7 redemptions

/** Result of the fee accrual of §8. */
export interface FeeAccrual {
  managementShares: bigint;
  performanceShares: bigint;
  supplyAfter: bigint;
  highWaterMarkWad: bigint;
}

/** ppsWad = floor((nav + 1) * WAD / (supply + 10^o)). */
export function ppsWad(nav: bigint, supply: bigint, decimalsOffset: bigint): bigint {
  return mulDivDown(nav + 1n, WAD, supply + 10n ** decimalsOffset);
}

/** Seconds that must pass since the last management-fee charge before the next one (§8). */
export const MGMT_FEE_INTERVAL = 3600n;

/** The performance fee is charged only when the price per share is more than this many bps above
 *  the high-water mark (§8). */
export const PERF_FEE_STEP_BPS = 1n;

/**
 * Fee accrual of §8 at `now` on `nav`, as BallastVault._feesDue: without a fee recipient both
 * fees count as 0 (the high-water mark still rises); management shares on the supply, only once
 * `MGMT_FEE_INTERVAL` has passed since `lastAccruedAt` (then for the whole `dt`); then, only if
 * hwm != 0 and the performance fee is set, the performance fee on the pps (after the management
 * mint) above the high-water mark. The vault's fast path (plan-format §8: no fee can be due while
 * the pps is at most 1 bp above its last good pps) mints the same shares; only the high-water
 * mark it stores may lag this one by up to 1 bp while no performance fee is in force.
 */
export function accrueFees(
  supply: bigint,
  nav: bigint,
  fees: FeeState,
  now: bigint,
  decimalsOffset: bigint,
): FeeAccrual {
  // no recipient: both fees count as 0, but the high-water mark still rises
  const off = /^0x0{40}$/i.test(fees.recipient);
  const managementFeeBps = off ? 0n : fees.managementFeeBps;
  const performanceFeeBps = off ? 0n : fees.performanceFeeBps;
  const dt = now > fees.lastAccruedAt ? now - fees.lastAccruedAt : 0n;
  const managementShares =
    dt >= MGMT_FEE_INTERVAL ? mulDivDown(supply, managementFeeBps * dt, BPS * YEAR) : 0n;
  let s = supply + managementShares;
  const virt = 10n ** decimalsOffset;
  let hwm = fees.highWaterMarkWad;
  let performanceShares = 0n;
  let pps = ppsWad(nav, s, decimalsOffset);
  // with a performance fee in force, it is charged (and the mark moves) only once the price per
  // share is more than PERF_FEE_STEP_BPS above the mark; below that the mark stays
  const perfOn = hwm !== 0n && performanceFeeBps !== 0n;
  if (perfOn && pps > hwm + (hwm * PERF_FEE_STEP_BPS) / BPS) {
    const profit = mulDivDown(pps - hwm, s + virt, WAD);
    const feeAssets = mulDivDown(profit, performanceFeeBps, BPS);
    if (feeAssets < nav + 1n) {
      performanceShares = mulDivDown(feeAssets, s + virt, nav + 1n - feeAssets);
    }
    s += performanceShares;
    pps = ppsWad(nav, s, decimalsOffset);
  }
  if (pps > hwm && (!perfOn || performanceShares !== 0n)) hwm = pps;
  return { managementShares, performanceShares, supplyAfter: s, highWaterMarkWad: hwm };
}

/** previewRedeem(s) = x - feeOnTotal(x, exit), x = floor(s * (nav + 1) / (supply + 10^o)). */
export function previewRedeem(
  shares: bigint,
  nav: bigint,
  supply: bigint,
  exitFeeBps: bigint,
  decimalsOffset: bigint,
): bigint {
  const x = mulDivDown(shares, nav + 1n, supply + 10n ** decimalsOffset);
  return x - mulDivUp(x, exitFeeBps, exitFeeBps + BPS);
}

// ---------------------------------------------------------------- §6.5 loss budget

/** LossBudget.used: used budget at `now` after the linear refill (0 when window == 0). */
export function lossBudgetUsed(
  s: LossBudgetState,
  capWad: bigint,
  window: bigint,
  now: bigint,
): bigint {
  if (window === 0n) return 0n;
  const decay = mulDivDown(capWad, now - s.updatedAt, window);
  return s.usedWad > decay ? s.usedWad - decay : 0n;
}

/** Remaining loss budget at `now`, WAD fraction of NAV. */
export function lossBudgetLeftWad(s: VaultSnapshot, now: bigint): bigint {
  const cap = s.limits.lossBudgetBps * 10n ** 14n;
  const used = lossBudgetUsed(s.lossBudget, cap, s.limits.lossWindow, now);
  return cap > used ? cap - used : 0n;
}

// ---------------------------------------------------------------- §4 oracle checks

/** OracleLib.tryPrice replayed: null when the feed passes, else the error it raises. */
export function checkFeed(info: FeedInfo, answer: bigint, now: bigint): VaultCheckError | null {
  if (answer <= 0n) return new VaultCheckError("OracleAnswerNotPositive", [info.feed, answer]);
  if (info.updatedAt === 0n || info.updatedAt > now || now - info.updatedAt > info.heartbeat) {
    return new VaultCheckError("OracleStale", [info.feed, info.updatedAt, info.heartbeat, now]);
  }
  if (
    (info.minPrice !== 0n && answer < info.minPrice) ||
    (info.maxPrice !== 0n && answer > info.maxPrice)
  ) {
    return new VaultCheckError("OraclePriceOutOfBand", [
      info.feed,
      answer,
      info.minPrice,
      info.maxPrice,
    ]);
  }
  return null;
}

// ---------------------------------------------------------------- §6 rebalance validation

/** Inputs of `checkRebalance`. */
export interface RebalanceCheckInput {
  /** State before the plan (positions, limits, budget, supply, flags). */
  pre: VaultSnapshot;
  /** Positions after every action (same prices). */
  post: Positions;
  /** Every swap of the plan as the vault measures it, in action order. */
  swaps: readonly SwapFill[];
  plan: Pick<
    Plan,
    "nonce" | "deadline" | "expectedWeightsBps" | "weightToleranceBps" | "slippageBps"
  >;
  /** block.timestamp of the rebalance. */
  now: bigint;
  /** Health factor after the plan (WAD) if the adapter has debt; an estimate off-chain. */
  healthFactorAfter?: bigint;
}

/** Everything `checkRebalance` computed, the bounds in contract order, and the first error. */
export interface CheckReport {
  ok: boolean;
  error: VaultCheckError | null;
  bounds: BoundReport[];
  navBefore: bigint;
  navAfter: bigint;
  navFinal: bigint;
  traded: bigint;
  loss: bigint;
  lossWad: bigint;
  lossBps: bigint;
  turnoverBps: bigint;
  budgetAfter: LossBudgetState;
  redemptionFulfilled: boolean;
  assetsSetAside: bigint;
  weightsBps: bigint[];
  netDeltasBps: bigint[];
  /** Weights before the plan, on navBefore (step 8 compares an asset above its max with them). */
  weightsBeforeBps: bigint[];
  /** Net deltas before the plan, on navBefore. */
  netDeltasBeforeBps: bigint[];
  grossBefore: bigint;
  grossAfter: bigint;
  levBefore: bigint;
  levAfter: bigint;
  before: NavBreakdown;
  after: NavBreakdown;
}

function sameAddr(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Registry index of `token`, -1 for the base asset; throws for an unknown token. */
export function tokenIndex(s: Pick<VaultSnapshot, "assets" | "base">, token: string): number {
  if (sameAddr(token, s.base.token)) return -1;
  const i = s.assets.findIndex((a) => sameAddr(a.token, token));
  if (i < 0) throw new Error(`token ${token} is neither the base asset nor registered`);
  return i;
}

/** Oracle value in base units of `amount` of `token` (base counts 1:1), rounded down. */
export function tokenValue(
  s: Pick<VaultSnapshot, "assets" | "base">,
  pxs: readonly Px[],
  token: string,
  amount: bigint,
): bigint {
  const i = tokenIndex(s, token);
  return i < 0 ? amount : value(amount, pxs[i]);
}

/** Helper that records bounds and remembers the first failure (the on-chain revert). */
class Recorder {
  bounds: BoundReport[] = [];
  error: VaultCheckError | null = null;

  add(b: Omit<BoundReport, "exact"> & { exact?: boolean }, err: () => VaultCheckError): void {
    this.bounds.push({ exact: true, ...b });
    if (!b.ok && this.error === null) this.error = err();
  }
}

/**
 * Replays §6 steps 1–9 of `rebalance` for a proposed post-state. Every bound is evaluated (the
 * report keeps going after a failure, for dry runs); `error` is the revert the vault would raise
 * first, `ok` is true iff there is none. The signature (step 1) and the circuit breaker (step 10,
 * which never reverts) are not replayed; the health factor only when `healthFactorAfter` is set.
 */
export function checkRebalance(input: RebalanceCheckInput): CheckReport {
  const { pre, post, swaps, plan, now } = input;
  const L = pre.limits;
  const K = pre.assets.length;
  const rec = new Recorder();

  // step 1: preflight
  rec.add(
    {
      bound: "notPaused",
      value: pre.paused ? 1n : 0n,
      limit: 0n,
      margin: pre.paused ? -1n : 0n,
      unit: "flag",
      ok: !pre.paused,
      error: "EnforcedPause",
    },
    () => new VaultCheckError("EnforcedPause", []),
  );
  rec.add(
    {
      bound: "deadline",
      value: now,
      limit: plan.deadline,
      margin: plan.deadline - now,
      unit: "seconds",
      ok: now <= plan.deadline,
      error: "PlanExpired",
    },
    () => new VaultCheckError("PlanExpired", [plan.deadline, now]),
  );
  rec.add(
    {
      bound: "nonce",
      value: plan.nonce,
      limit: pre.nextNonce,
      margin: plan.nonce === pre.nextNonce ? 0n : -1n,
      unit: "count",
      ok: plan.nonce === pre.nextNonce,
      error: "InvalidNonce",
    },
    () => new VaultCheckError("InvalidNonce", [plan.nonce, pre.nextNonce]),
  );
  const readyAt = pre.lastRebalanceAt + L.rebalanceCooldown;
  const cooldownOk = pre.lastRebalanceAt === 0n || now >= readyAt;
  rec.add(
    {
      bound: "cooldown",
      value: now,
      limit: readyAt,
      margin: pre.lastRebalanceAt === 0n ? 0n : now - readyAt,
      unit: "seconds",
      ok: cooldownOk,
      error: "RebalanceCooldown",
    },
    () => new VaultCheckError("RebalanceCooldown", [readyAt, now]),
  );
  const wl = BigInt(plan.expectedWeightsBps.length);
  rec.add(
    {
      bound: "weightsLength",
      value: wl,
      limit: BigInt(K),
      margin: wl === BigInt(K) ? 0n : -1n,
      unit: "count",
      ok: wl === BigInt(K),
      error: "WeightsLengthMismatch",
    },
    () => new VaultCheckError("WeightsLengthMismatch", [wl, BigInt(K)]),
  );

  // step 2: oracles (when feed data is known) and NAV before
  const feeds: [string, FeedInfo | undefined, bigint, number | undefined][] = [
    ["oracle.base", pre.base.feedInfo, pre.base.price, undefined],
    ...pre.assets.map((a, i): [string, FeedInfo | undefined, bigint, number] => [
      "oracle",
      a.feedInfo,
      a.price,
      i,
    ]),
  ];
  for (const [bound, info, answer, index] of feeds) {
    if (info === undefined) continue;
    const e = checkFeed(info, answer, now);
    rec.add(
      {
        bound,
        index,
        value: now - info.updatedAt,
        limit: info.heartbeat,
        margin: info.heartbeat - (now - info.updatedAt),
        unit: "seconds",
        ok: e === null,
        error: e?.errorName ?? "OracleStale",
      },
      () => e as VaultCheckError,
    );
  }
  const pxs = pxAll(pre);
  const before = navOf(pre.positions, pre.reservedAssets, pxs);
  const navBefore = before.nav;
  const grossBefore = before.gross;
  const levBefore = leverageBps(grossBefore, navBefore);

  // step 3: swaps
  const slip = minBig(plan.slippageBps, L.maxSlippageBps);
  let traded = 0n;
  for (const f of swaps) {
    const inValue = tokenValue(pre, pxs, f.tokenIn, f.spent);
    const outValue = tokenValue(pre, pxs, f.tokenOut, f.received);
    const need = mulDivUp(inValue, BPS - slip, BPS);
    rec.add(
      {
        bound: "slippage",
        index: f.actionIndex,
        value: outValue,
        limit: need,
        margin: outValue - need,
        unit: "base",
        ok: outValue * BPS >= inValue * (BPS - slip),
        error: "SlippageExceeded",
      },
      () =>
        new VaultCheckError("SlippageExceeded", [BigInt(f.actionIndex), inValue, outValue, slip]),
    );
    traded += inValue;
  }

  // end of step 3: the actions must not have spent reserved (fulfilled, unclaimed) assets
  const bal = post.baseBalance;
  const res = pre.reservedAssets;
  rec.add(
    {
      bound: "reservedAssets",
      value: bal,
      limit: res,
      margin: bal - res,
      unit: "base",
      ok: bal >= res,
      error: "ReservedAssetsSpent",
    },
    () => new VaultCheckError("ReservedAssetsSpent", [bal, res]),
  );

  // step 4: loss per rebalance
  const after = navOf(post, pre.reservedAssets, pxs);
  const navAfter = after.nav;
  const loss = navBefore > navAfter ? navBefore - navAfter : 0n;
  const maxLoss = minBig(L.maxLossPerRebalanceBps, BPS);
  const lossFloor = mulDivUp(navBefore, BPS - maxLoss, BPS);
  rec.add(
    {
      bound: "lossPerRebalance",
      value: navAfter,
      limit: lossFloor,
      margin: navAfter - lossFloor,
      unit: "base",
      ok: navAfter * BPS >= navBefore * (BPS - maxLoss),
      error: "LossPerRebalanceExceeded",
    },
    () =>
      new VaultCheckError("LossPerRebalanceExceeded", [
        navBefore,
        navAfter,
        L.maxLossPerRebalanceBps,
      ]),
  );

  // step 5: loss budget
  const capWad = L.lossBudgetBps * 10n ** 14n;
  const lossWad = navBefore === 0n ? 0n : mulDivUp(loss, WAD, navBefore);
  const used = lossBudgetUsed(pre.lossBudget, capWad, L.lossWindow, now) + lossWad;
  rec.add(
    {
      bound: "lossBudget",
      value: used,
      limit: capWad,
      margin: capWad - used,
      unit: "wad",
      ok: used <= capWad,
      error: "LossBudgetExceeded",
    },
    () => new VaultCheckError("LossBudgetExceeded", [used, capWad]),
  );
  const lossBps = bpsUp(loss, navBefore);

  // step 6: turnover
  const turnoverBps = bpsDown(traded, navBefore);
  rec.add(
    {
      bound: "turnover",
      value: turnoverBps,
      limit: L.maxTurnoverBps,
      margin: L.maxTurnoverBps - turnoverBps,
      unit: "bps",
      ok: turnoverBps <= L.maxTurnoverBps,
      error: "TurnoverExceeded",
    },
    () => new VaultCheckError("TurnoverExceeded", [turnoverBps, L.maxTurnoverBps]),
  );

  // step 7: redemptions (fees accrued first, on navAfter, only when something is pending;
  // previewRedeem on navAfter)
  let assetsSetAside = 0n;
  let redemptionFulfilled = false;
  if (pre.pendingShares > 0n) {
    const acc = accrueFees(pre.totalSupply, navAfter, pre.fees, now, pre.decimalsOffset);
    const assets = previewRedeem(
      pre.pendingShares,
      navAfter,
      acc.supplyAfter,
      pre.fees.exitFeeBps,
      pre.decimalsOffset,
    );
    if (assets <= after.idle) {
      assetsSetAside = assets;
      redemptionFulfilled = true;
    }
  }
  const navFinal = navAfter > assetsSetAside ? navAfter - assetsSetAside : 0n;

  // step 8: weights, net deltas, leverage, health factor
  const weightsBps: bigint[] = [];
  const netDeltasBps: bigint[] = [];
  const weightsBeforeBps = before.values.map((v) => bpsDown(v, navBefore));
  const netDeltasBeforeBps = before.values.map((v, i) =>
    netDeltaBps(v, before.debtValues[i], navBefore),
  );
  const tol = plan.weightToleranceBps;
  for (let i = 0; i < K; i++) {
    const a = pre.assets[i];
    const v = after.values[i];
    const b = after.debtValues[i];
    const expected = plan.expectedWeightsBps[i] ?? 0n;
    if (navFinal === 0n && v !== 0n) {
      rec.add(
        {
          bound: "weightMax",
          index: i,
          value: UINT256_MAX,
          limit: a.maxWeightBps,
          margin: -1n,
          unit: "bps",
          ok: false,
          error: "WeightAboveMax",
        },
        () => new VaultCheckError("WeightAboveMax", [BigInt(i), UINT256_MAX, a.maxWeightBps]),
      );
    }
    const w = navFinal === 0n ? 0n : bpsDown(v, navFinal);
    weightsBps.push(w);
    const w0 = weightsBeforeBps[i];
    const cap = weightCapBps(a.maxWeightBps, w0);
    const rose = w0 > a.maxWeightBps;
    rec.add(
      {
        bound: "weightMax",
        index: i,
        value: w,
        limit: cap,
        margin: cap - w,
        unit: "bps",
        ok: w <= cap,
        error: rose ? "WeightAboveMaxRose" : "WeightAboveMax",
      },
      () =>
        rose
          ? new VaultCheckError("WeightAboveMaxRose", [BigInt(i), w, w0, a.maxWeightBps])
          : new VaultCheckError("WeightAboveMax", [BigInt(i), w, a.maxWeightBps]),
    );
    const diff = w > expected ? w - expected : expected - w;
    rec.add(
      {
        bound: "weightTarget",
        index: i,
        value: diff,
        limit: tol,
        margin: tol - diff,
        unit: "bps",
        ok: diff <= tol,
        error: "WeightOffTarget",
      },
      () => new VaultCheckError("WeightOffTarget", [BigInt(i), w, expected, tol]),
    );
    const nd = netDeltaBps(v, b, navFinal);
    netDeltasBps.push(nd);
    if (navFinal === 0n) continue; // the vault skips the net-delta check on a zero NAV
    const nd0 = netDeltasBeforeBps[i];
    const [lo, hi] = netDeltaRangeBps(a.minNetDeltaBps, a.maxNetDeltaBps, nd0);
    // the error the vault raises: Grew when nd is out on the side where nd0 already was
    const grew =
      (nd > a.maxNetDeltaBps && nd0 > a.maxNetDeltaBps) ||
      (nd < a.minNetDeltaBps && nd0 < a.minNetDeltaBps);
    rec.add(
      {
        bound: "netDelta",
        index: i,
        value: nd,
        limit: hi,
        lower: lo,
        margin: minBig(nd - lo, hi - nd),
        unit: "bps",
        ok: nd >= lo && nd <= hi,
        error: grew ? "NetDeltaOutOfBandGrew" : "NetDeltaOutOfBand",
      },
      () =>
        grew
          ? new VaultCheckError("NetDeltaOutOfBandGrew", [
              BigInt(i),
              nd,
              nd0,
              a.minNetDeltaBps,
              a.maxNetDeltaBps,
            ])
          : new VaultCheckError("NetDeltaOutOfBand", [
              BigInt(i),
              nd,
              a.minNetDeltaBps,
              a.maxNetDeltaBps,
            ]),
    );
  }
  const grossAfter = after.gross;
  const levAfter = leverageBps(grossAfter, navFinal);
  rec.add(
    {
      bound: "leverage",
      value: levAfter,
      limit: L.maxLeverageBps,
      margin: L.maxLeverageBps - levAfter,
      unit: "bps",
      ok: levAfter <= L.maxLeverageBps,
      error: "LeverageExceeded",
    },
    () => new VaultCheckError("LeverageExceeded", [levAfter, L.maxLeverageBps]),
  );
  const hasDebt = post.debts.some((d) => d > 0n);
  if (hasDebt && input.healthFactorAfter !== undefined) {
    const hf = input.healthFactorAfter;
    rec.add(
      {
        bound: "healthFactor",
        value: hf,
        limit: L.minHealthFactor,
        margin: hf - L.minHealthFactor,
        unit: "wad",
        ok: hf >= L.minHealthFactor,
        exact: false,
        error: "HealthFactorTooLow",
      },
      () => new VaultCheckError("HealthFactorTooLow", [hf, L.minHealthFactor]),
    );
  }

  // step 9: defensive mode / shutdown; leverage after on navAfter (before the fulfilment of
  // step 7), like levBefore on navBefore: redemptions must not block a de-risking plan
  if (pre.defensive || pre.shutdown) {
    const levPlanAfter = leverageBps(grossAfter, navAfter);
    const err = (): VaultCheckError =>
      new VaultCheckError("ExposureNotReduced", [grossBefore, grossAfter, levBefore, levPlanAfter]);
    rec.add(
      {
        bound: "exposureGross",
        value: grossAfter,
        limit: grossBefore,
        margin: grossBefore - grossAfter,
        unit: "base",
        ok: grossAfter <= grossBefore,
        error: "ExposureNotReduced",
      },
      err,
    );
    rec.add(
      {
        bound: "exposureLeverage",
        value: levPlanAfter,
        limit: levBefore,
        margin: levBefore - levPlanAfter,
        unit: "bps",
        ok: levPlanAfter <= levBefore,
        error: "ExposureNotReduced",
      },
      err,
    );
  }

  return {
    ok: rec.error === null,
    error: rec.error,
    bounds: rec.bounds,
    navBefore,
    navAfter,
    navFinal,
    traded,
    loss,
    lossWad,
    lossBps,
    turnoverBps,
    budgetAfter: { usedWad: used, updatedAt: now },
    redemptionFulfilled,
    assetsSetAside,
    weightsBps,
    netDeltasBps,
    weightsBeforeBps,
    netDeltasBeforeBps,
    grossBefore,
    grossAfter,
    levBefore,
    levAfter,
    before,
    after,
  };
}

/**
 * One line per bound (for the CLI's dry run): name, value, limit, margin, ok. Readable where the
 * raw integers are not: the deadline as a UTC time relative to the block's; the cooldown, given
 * the vault's `lastRebalanceAt`, as the last rebalance ("never") and the cooldown's end; health
 * factors as decimals; the loss budget as percentages of the NAV.
 */
export function formatReport(
  r: Pick<CheckReport, "bounds">,
  opts: { lastRebalanceAt?: bigint } = {},
): string[] {
  return r.bounds.map((b) => {
    const name = b.index === undefined ? b.bound : `${b.bound}[${b.index}]`;
    const head = `${b.ok ? "ok  " : "FAIL"} ${name}:`;
    const est = b.exact ? "" : " (estimate)";
    // value: the block time; limit: the deadline, or the end of the cooldown
    if (b.bound === "deadline") {
      const d = b.limit - b.value;
      const rel = d === 0n ? "at" : `${duration(d)} ${d > 0n ? "after" : "before"}`;
      return `${head} ${isoSeconds(b.limit)}, ${rel} the block time ${isoSeconds(b.value)}${est}`;
    }
    if (b.bound === "cooldown" && opts.lastRebalanceAt !== undefined) {
      const last = opts.lastRebalanceAt;
      if (last === 0n)
        return `${head} last rebalance never, cooldown ${duration(b.limit, true)}: no wait${est}`;
      const state = b.limit > b.value ? "runs until" : "ended at";
      return (
        `${head} last rebalance ${timeAt(last, b.value)}, cooldown ${duration(b.limit - last, true)}: ` +
        `${state} ${timeAt(b.limit, b.value)}${est}`
      );
    }
    if (b.unit === "wad") {
      const f = b.bound === "lossBudget" ? wadPercent : wadDecimal;
      const unit = b.bound === "lossBudget" ? " of NAV" : "";
      return `${head} value ${f(b.value)} limit ${f(b.limit)} margin ${f(b.margin)}${unit}${est}`;
    }
    const lim = b.lower === undefined ? `${b.limit}` : `[${b.lower}, ${b.limit}]`;
    return `${head} value ${b.value} limit ${lim} margin ${b.margin} ${b.unit}${est}`;
  });
}
