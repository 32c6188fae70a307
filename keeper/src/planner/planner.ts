/**
 * Rebalance planner: on-chain state + oracle prices + target weights → a plan the vault accepts.
 *
 * Trades are sized in base value at ORACLE prices, ordered so that no balance goes negative
 * (sells, collateral supply, borrows, hedge sells, buys, repays, withdraw), turned into adapter
 * actions with `minOut` from an injected quote function, then the plan is evaluated with the
 * bit-exact port of the vault's checks (checks.ts) twice: every swap filled at its quote
 * (expected) and every swap filled at exactly `minOut` (worst admissible). A plan is returned
 * only if both pass, plus a "mixed fills" box bound on weights, net deltas and leverage; if the
 * full trade set does not pass, trades are scaled down (bisection) or an infeasible result names
 * the binding bound. Limits are the tighter of the vault's and the keeper's local ones; a swap
 * whose full size is quoted below the slippage floor is sized down (reported in `reduced`); an
 * asset above its max weight is sold under it at every trade scale.
 */
import {
  BPS,
  UINT256_MAX,
  WAD,
  accrueFees,
  bpsDown,
  checkRebalance,
  debtValue,
  lossBudgetLeftWad,
  maxBig,
  minBig,
  mulDivDown,
  mulDivUp,
  navOf,
  netDeltaBps,
  netDeltaRangeBps,
  previewRedeem,
  pxAll,
  tokensForValueDown,
  tokensForValueUp,
  value,
  leverageBps,
  weightCapBps,
  HEADER_CHECKS,
} from "./checks.ts";
import type { BoundReport, CheckReport, Px, VaultCheckError } from "./checks.ts";
import { LENDING_OP, encodeV3Path, lendingAction, swapAction } from "./eip712.ts";
import type { LendingOp } from "./eip712.ts";
import type { Limits, Plan, Positions, SwapFill, VaultSnapshot } from "./types.ts";

/** Invalid planner input (wrong lengths, out-of-range targets, ...). */
export class PlannerError extends Error {
  readonly code: "PLANNER_INPUT";

  constructor(message: string) {
    super(message);
    this.name = "PlannerError";
    this.code = "PLANNER_INPUT";
  }
}

/** A quote request for one swap (direct or multi-hop path). */
export interface QuoteRequest {
  tokenIn: string;
  tokenOut: string;
  amountIn: bigint;
  /** Packed V3 path that will be executed. */
  path: string;
  /** Registry index of the risk asset traded. */
  assetIndex: number;
  side: "sell" | "buy";
}

/** Expected `amountOut` of a swap (e.g. QuoterV2 at the edge, `oracleQuote` offline). */
export type QuoteFn = (req: QuoteRequest) => bigint | Promise<bigint>;

/** Health factor estimate (WAD) from collateral (base units) and total debt value (base units). */
export type HealthFactorFn = (collateralBase: bigint, debtValueBase: bigint) => bigint;

/** Planner options; every field has a documented default. */
export interface PlannerOptions {
  /** Quote function; default `oracleQuote(snapshot)` (3000 ppm fee, no impact). */
  quote?: QuoteFn;
  /** Swap adapter id (default 1). */
  swapAdapterId?: number;
  /** Lending adapter id (default 2). */
  lendingAdapterId?: number;
  /** V3 fee tier (uint24) of the asset/base pool; default 3000. Ignored when `path` is set. */
  feeTier?: (assetIndex: number) => number;
  /** Custom packed path tokenIn → tokenOut (multi-hop); default a direct pool with `feeTier`. */
  path?: (tokenIn: string, tokenOut: string, assetIndex: number) => string;
  /** minOut = quote · (1 − tol); lowered automatically to fit the loss bounds. Default 30 bps. */
  minOutToleranceBps?: bigint;
  /** Upper bound on plan.slippageBps (further capped by limits.maxSlippageBps). */
  maxSlippageBps?: bigint;
  /** Assumed execution time (default snapshot.timestamp). */
  now?: bigint;
  /** Plan validity in seconds after `now` (default 600). */
  ttlSeconds?: bigint;
  /** Extra weight tolerance on top of the mixed-fill bound (default 2 bps). */
  weightSlackBps?: bigint;
  /** Largest weightToleranceBps the planner will sign (default 500). */
  maxWeightToleranceBps?: bigint;
  /** Headroom kept below max weights, net-delta bands and leverage when clipping targets (default 10 bps). */
  safetyMarginBps?: bigint;
  /** Trades below this base value are skipped (default 0: only zero amounts). */
  minTradeValue?: bigint;
  /** Target net delta per asset (bps of NAV); null/undefined = no hedge for that asset. */
  targetNetDeltaBps?: readonly (bigint | null | undefined)[];
  /** Health factor estimate; default collateral · liquidationThreshold / debt. */
  healthFactor?: HealthFactorFn;
  /** Required headroom above limits.minHealthFactor for the estimate (default 1000 bps = 10 %). */
  healthFactorMarginBps?: bigint;
  /** Extra repaid on full repayments for interest accrued until execution (default 10 bps + 1). */
  repayBufferBps?: bigint;
  /** Keep enough idle base to fulfil pending redemptions (default true). */
  fulfilRedemptions?: boolean;
  /** Bisection steps when the full trade set is infeasible (default 16). */
  searchSteps?: number;
  /**
   * The keeper's own limits (config `limits`). The planner plans against the tighter of each
   * local and on-chain value ({@link effectiveLimits}), so a plan also stays inside these.
   */
  localLimits?: LocalLimits;
  /**
   * Extra quotes per swap whose full-size quote fails the slippage floor: the amount is bisected
   * down to the largest size that passes (default 6, i.e. within 1/64 of the requested size;
   * 0 = skip such a trade).
   */
  sizeDownQuotes?: number;
}

/** Limits an operator may tighten locally (keeper config `limits`). */
export type LocalLimitField =
  | "maxSlippageBps"
  | "maxTurnoverBps"
  | "maxLossPerRebalanceBps"
  | "maxLeverageBps"
  | "minHealthFactor";

/**
 * The keeper's local limits: bps as integers (number or bigint, the config's shape), the health
 * factor as WAD. A missing field leaves the on-chain value alone.
 */
export type LocalLimits = {
  [K in Exclude<LocalLimitField, "minHealthFactor">]?: bigint | number;
} & { minHealthFactor?: bigint };

/** The limits a plan is built and checked against. */
export interface EffectiveLimits {
  /** On-chain limits with every local limit that is tighter substituted. */
  limits: Limits;
  /** Fields where the local limit is tighter than the vault's (the local value binds). */
  localBinding: LocalLimitField[];
}

const LOCAL_MAX_FIELDS = [
  "maxSlippageBps",
  "maxTurnoverBps",
  "maxLossPerRebalanceBps",
  "maxLeverageBps",
] as const;

/**
 * The tighter of each local and on-chain limit: the smaller maximum (slippage, turnover, loss per
 * rebalance, leverage) and the larger minimum health factor. Every local limit is at least as
 * tight as the vault's, so a plan that passes the checks with these passes the vault's own.
 */
export function effectiveLimits(onchain: Limits, local: LocalLimits = {}): EffectiveLimits {
  const limits: Limits = { ...onchain };
  const localBinding: LocalLimitField[] = [];
  for (const f of LOCAL_MAX_FIELDS) {
    const raw = local[f];
    if (raw === undefined) continue;
    if (typeof raw === "number" && !Number.isSafeInteger(raw))
      throw new PlannerError(`local limit ${f} is not an integer: ${raw}`);
    const l = BigInt(raw);
    if (l < 0n) throw new PlannerError(`local limit ${f} is negative: ${l}`);
    if (l < onchain[f]) {
      limits[f] = l;
      localBinding.push(f);
    }
  }
  const hf = local.minHealthFactor;
  if (hf !== undefined && hf > onchain.minHealthFactor) {
    limits.minHealthFactor = hf;
    localBinding.push("minHealthFactor");
  }
  return { limits, localBinding };
}

/** A swap step of a plan, with its sizing. */
export interface PlannedSwap {
  kind: "swap";
  assetIndex: number;
  side: "sell" | "buy";
  tokenIn: string;
  tokenOut: string;
  path: string;
  amountIn: bigint;
  quotedOut: bigint;
  minOut: bigint;
  /** Oracle value of amountIn (what the vault adds to `traded`). */
  inValue: bigint;
}

/** A lending step of a plan. */
export interface PlannedLending {
  kind: "lending";
  op: LendingOp;
  /** Registry index, -1 for the base asset. */
  assetIndex: number;
  token: string;
  amount: bigint;
}

/** One plan step. */
export type PlannedStep = PlannedSwap | PlannedLending;

/** A simulated execution: post positions, fills as the vault measures them, and the check report. */
export interface Simulation {
  positions: Positions;
  swaps: SwapFill[];
  healthFactor: bigint;
  report: CheckReport;
}

/** Why a trade was dropped. */
export type SkipCode =
  /** Worth 0 base units, or below `minTradeValue`. */
  | "DUST"
  /** No idle base left to fund the buy. */
  | "NO_FUNDS"
  /** The quote function threw (e.g. QuoterV2 at a wrong address, a pool without liquidity). */
  | "QUOTE_FAILED"
  /** Even the smallest size tried is quoted below the slippage floor. */
  | "SLIPPAGE_FLOOR"
  /** A repayment with no tokens to repay. */
  | "NO_REPAY_TOKENS";

/** A trade the planner dropped, and why. */
export interface SkippedTrade {
  assetIndex: number;
  side: "sell" | "buy" | "repay";
  code: SkipCode;
  /** Base value of the trade that was dropped (oracle prices). */
  valueBase: bigint;
  reason: string;
}

/**
 * A swap the planner made smaller than requested because the full size was quoted below the
 * slippage floor: `plannedIn` is the largest size found (bisection on amountIn) that passes.
 */
export interface ReducedTrade {
  assetIndex: number;
  side: "sell" | "buy";
  requestedIn: bigint;
  plannedIn: bigint;
  /** Base value (oracle prices) of the requested and the planned amountIn. */
  requestedValue: bigint;
  plannedValue: bigint;
  reason: string;
}

/** Why no plan was produced (the planner's own classification; `error` has the vault's). */
export type InfeasibleCode =
  /** The vault's NAV is zero. */
  | "NAV_ZERO"
  /** Every swap the plan needs failed to quote: a broken quoter, never "no trade needed". */
  | "QUOTES_FAILED"
  /** No swap the plan needs passes the slippage floor at any size tried. */
  | "SLIPPAGE_FLOOR"
  /** Funding, collateral or loss allowance: the planner could not size the trades. */
  | "SIZING"
  /** A vault check (`error` names it) fails at the expected or worst fill. */
  | "VAULT_CHECK"
  /** A planner-side bound (mixed fills, slippage cap, weight tolerance, simulation) fails. */
  | "PLANNER_BOUND";

/** A plan that passes every check in both the expected and the worst admissible fill. */
export interface PlanFeasible {
  feasible: true;
  plan: Plan;
  steps: PlannedStep[];
  expected: Simulation;
  worst: Simulation;
  /** Planner-side bounds over every fill between minOut and the quote (and margins). */
  robust: BoundReport[];
  skipped: SkippedTrade[];
  /** Swaps sized down to pass the slippage floor. */
  reduced: ReducedTrade[];
  /** Fraction of the full trade set executed, parts per million. */
  scalePpm: bigint;
  targetsBps: bigint[];
  /** The limits the plan was built and checked against (tighter of local and on-chain). */
  limits: EffectiveLimits;
}

/**
 * No plan passes: `reason`, `binding` and `error` name the bound that binds at the full trade
 * set; `atSmallestScale` what still fails after scaling the trades down (a bound that scaling
 * cannot fix, e.g. a weight already above its max that the allowed turnover cannot cure).
 */
export interface PlanInfeasible {
  feasible: false;
  code: InfeasibleCode;
  reason: string;
  binding: BoundReport | null;
  error: VaultCheckError | null;
  atSmallestScale?: {
    scalePpm: bigint;
    reason: string;
    binding: BoundReport | null;
    error: VaultCheckError | null;
  };
  skipped: SkippedTrade[];
  reduced: ReducedTrade[];
  targetsBps: bigint[];
  limits: EffectiveLimits;
}

/** Result of `buildPlan`. */
export type PlanResult = PlanFeasible | PlanInfeasible;

const PPM = 1_000_000n;

/**
 * Offline quote: oracle value of amountIn × (1 − fee − impact), converted to tokenOut, rounded
 * down. `feePpm` is the pool fee (3000 = 0.3 %); `impactPpm(inValue)` the price impact in ppm.
 */
export function oracleQuote(
  s: Pick<VaultSnapshot, "assets" | "base">,
  feePpm: bigint | ((assetIndex: number) => bigint) = 3000n,
  impactPpm: (inValue: bigint, assetIndex: number) => bigint = () => 0n,
): QuoteFn {
  const pxs = pxAll(s);
  const base = s.base.token.toLowerCase();
  return (r) => {
    const inBase = r.tokenIn.toLowerCase() === base;
    const inValue = inBase ? r.amountIn : value(r.amountIn, pxs[r.assetIndex]);
    const fee = typeof feePpm === "bigint" ? feePpm : feePpm(r.assetIndex);
    const keep = PPM - fee - impactPpm(inValue, r.assetIndex);
    if (keep <= 0n) return 0n;
    const outValue = mulDivDown(inValue, keep, PPM);
    return inBase ? tokensForValueDown(outValue, pxs[r.assetIndex]) : outValue;
  };
}

/** Default health factor estimate: collateral · LT / debt (WAD), max when there is no debt. */
export function defaultHealthFactor(liquidationThresholdBps: bigint): HealthFactorFn {
  return (c, d) => (d === 0n ? UINT256_MAX : mulDivDown(c * liquidationThresholdBps, WAD, d * BPS));
}

/** Target weights as bps: numbers are fractions (0.25 = 2500 bps, rounded down), bigints bps. */
export function targetsToBps(targets: readonly (number | bigint)[]): bigint[] {
  return targets.map((t, i) => {
    if (typeof t === "number" && !Number.isFinite(t)) {
      throw new PlannerError(`target ${i} is not finite`);
    }
    const b = typeof t === "bigint" ? t : BigInt(Math.floor(t * 10_000 + 1e-9));
    if (b < 0n || b > BPS) throw new PlannerError(`target ${i} out of [0, 10000] bps: ${b}`);
    return b;
  });
}

interface Ctx {
  s: VaultSnapshot;
  pxs: Px[];
  now: bigint;
  quote: QuoteFn;
  swapId: number;
  lendId: number;
  pathOf: (tokenIn: string, tokenOut: string, i: number) => string;
  tolBps: bigint;
  slipCap: bigint;
  slackBps: bigint;
  maxTol: bigint;
  marginBps: bigint;
  minTrade: bigint;
  hf: HealthFactorFn;
  hfMarginBps: bigint;
  repayBufferBps: bigint;
  reserveCash: bigint;
  /** Target balance (tokens) and target debt (tokens) per asset at scale 1. */
  targetBal: bigint[];
  targetDebt: bigint[];
  /** True when the asset is to be fully sold at scale 1. */
  exitAll: boolean[];
  /**
   * Largest balance (tokens) at every scale: the max weight / net-delta band less the margin.
   * An asset above it is sold down to it even when the rest of the trades are scaled down.
   */
  capBal: bigint[];
  navBefore: bigint;
  limits: EffectiveLimits;
  sizeDownQuotes: number;
  /** Per-call memo of quotes by `asset:side:amountIn` (a thrown quote is kept as its message). */
  quotes: Map<string, bigint | { failed: string }>;
  /** Per-call record per `asset:side` of the largest passing and smallest failing amountIn. */
  sizing: Map<string, { pass: bigint; fail: bigint | null }>;
}

/** What a candidate dropped or sized down (collected while it is built). */
interface Notes {
  skipped: SkippedTrade[];
  reduced: ReducedTrade[];
  /** Swaps the targets call for (before quoting). */
  swapsWanted: number;
}

/** Where the base-funding of a candidate fails (a planner-side reason, not a vault error). */
interface CandidateFail extends Notes {
  fail: string;
}

interface Candidate extends Notes {
  steps: PlannedStep[];
}

function scaleToward(from: bigint, to: bigint, ppm: bigint): bigint {
  // rounds toward `from` (never overshoots the target)
  const d = to - from;
  const q = d >= 0n ? (d * ppm) / PPM : -((-d * ppm) / PPM);
  return from + q;
}

/**
 * Highest weight (bps of `nav`) asset `i` may hold after a plan: its max weight and, unhedged,
 * the top of its net-delta band (net delta = weight − debt share), each less `margin`.
 */
function upperWeightBps(
  s: VaultSnapshot,
  i: number,
  nav: bigint,
  debtValue: bigint,
  hedged: boolean,
  margin: bigint,
): bigint {
  const a = s.assets[i];
  let cap = a.maxWeightBps - margin;
  if (!hedged) {
    const debtBps = nav === 0n ? 0n : mulDivUp(debtValue, BPS, nav);
    cap = minBig(cap, a.maxNetDeltaBps - margin + debtBps);
  }
  return maxBig(0n, cap);
}

/** Clips the targets into the per-asset bounds and leverage, with a safety margin. */
function clipTargets(
  s: VaultSnapshot,
  targets: bigint[],
  ctxNav: bigint,
  pxs: Px[],
  hedge: readonly (bigint | null | undefined)[],
  margin: bigint,
): bigint[] {
  const pre = navOf(s.positions, s.reservedAssets, pxs);
  const out = targets.map((t, i) => {
    const a = s.assets[i];
    let w = minBig(t, maxBig(0n, a.maxWeightBps - margin));
    const hedged = hedge[i] !== null && hedge[i] !== undefined && s.lending.adapter !== null;
    if (!hedged) {
      // net delta = w - debt share; keep it inside the band
      const debtBps = ctxNav === 0n ? 0n : mulDivUp(pre.debtValues[i], BPS, ctxNav);
      const hi = a.maxNetDeltaBps - margin + debtBps;
      const lo = a.minNetDeltaBps + margin + debtBps;
      if (w > hi) w = maxBig(0n, hi);
      if (w < lo) w = minBig(lo, maxBig(0n, a.maxWeightBps - margin));
    }
    // no buys of a disabled asset; in defensive mode / shutdown, leverage after (on navFinal)
    // must not exceed leverage before (on navBefore): cap at the current weight of navBefore
    const cur = ctxNav === 0n ? 0n : bpsDown(pre.values[i], ctxNav);
    if (!a.enabled) w = minBig(w, cur);
    if (s.defensive || s.shutdown) {
      const curBefore = bpsDown(pre.values[i], pre.nav);
      w = minBig(w, curBefore > margin ? curBefore - margin : 0n);
    }
    return w;
  });
  // budget and leverage: Σw (+ debts) must fit
  const debtBpsTotal = pre.debtValues.reduce(
    (x, b) => x + (ctxNav === 0n ? 0n : mulDivUp(b, BPS, ctxNav)),
    0n,
  );
  const capLev = s.limits.maxLeverageBps - margin - debtBpsTotal;
  const cap = minBig(BPS, capLev > 0n ? capLev : 0n);
  const sum = out.reduce((x, y) => x + y, 0n);
  if (sum > cap) return out.map((w) => (sum === 0n ? 0n : (w * cap) / sum));
  return out;
}

/**
 * The targets a plan actually trades toward: `targets` (bps of the NAV left after the pending
 * redemptions the plan sets aside) clipped to max weight and net-delta band less the safety
 * margin, to the current weight for disabled assets and in defensive mode / shutdown, and scaled
 * into the budget and leverage cap (the tighter of `localLimits` and the vault's). Shared by
 * {@link buildPlan} and the keeper's drift trigger, so the trigger never fires for a deviation the
 * planner would not trade.
 */
export function effectiveTargets(
  snapshot: VaultSnapshot,
  targets: readonly (number | bigint)[],
  options: Pick<
    PlannerOptions,
    "now" | "safetyMarginBps" | "targetNetDeltaBps" | "fulfilRedemptions" | "localLimits"
  > = {},
): { setAside: bigint; navT: bigint; targetsBps: bigint[] } {
  const eff = effectiveLimits(snapshot.limits, options.localLimits);
  const s: VaultSnapshot = { ...snapshot, limits: eff.limits };
  const pxs = pxAll(s);
  const navBefore = navOf(s.positions, s.reservedAssets, pxs).nav;
  const now = options.now ?? s.timestamp;
  // pending redemptions: estimate the assets set aside at step 7 and target weights of navFinal
  let setAside = 0n;
  if ((options.fulfilRedemptions ?? true) && s.pendingShares > 0n && navBefore > 0n) {
    const acc = accrueFees(s.totalSupply, navBefore, s.fees, now, s.decimalsOffset);
    setAside = previewRedeem(
      s.pendingShares,
      navBefore,
      acc.supplyAfter,
      s.fees.exitFeeBps,
      s.decimalsOffset,
    );
  }
  const navT = navBefore > setAside ? navBefore - setAside : 0n;
  const tBps = clipTargets(
    s,
    targetsToBps(targets),
    navT,
    pxs,
    options.targetNetDeltaBps ?? [],
    options.safetyMarginBps ?? 10n,
  );
  return { setAside, navT, targetsBps: tBps };
}

/**
 * Builds a rebalance plan from `targets` (one per registered asset: a fraction as a number or
 * bps as a bigint; cash is the rest). See the module comment for the method; the result is
 * feasible only if the checks port accepts both the expected and the worst admissible fill.
 */
export async function buildPlan(
  snapshot: VaultSnapshot,
  targets: readonly (number | bigint)[],
  options: PlannerOptions = {},
): Promise<PlanResult> {
  // every bound is planned and checked against the tighter of the local and on-chain limits
  const eff = effectiveLimits(snapshot.limits, options.localLimits);
  const s: VaultSnapshot =
    eff.localBinding.length === 0 ? snapshot : { ...snapshot, limits: eff.limits };
  const K = s.assets.length;
  if (targets.length !== K)
    throw new PlannerError(`targets: ${targets.length} given, ${K} assets registered`);
  if (s.positions.balances.length !== K || s.positions.debts.length !== K) {
    throw new PlannerError("positions: balances/debts length differs from the registry");
  }
  const hedge = options.targetNetDeltaBps ?? [];
  const pxs = pxAll(s);
  const now = options.now ?? s.timestamp;
  const rawTargets = targetsToBps(targets);
  const margin = options.safetyMarginBps ?? 10n;

  const pre = navOf(s.positions, s.reservedAssets, pxs);
  const navBefore = pre.nav;
  if (navBefore === 0n) {
    return {
      feasible: false,
      code: "NAV_ZERO",
      reason: "NAV is zero: nothing to rebalance",
      binding: null,
      error: null,
      skipped: [],
      reduced: [],
      targetsBps: rawTargets,
      limits: eff,
    };
  }
  const { setAside, navT, targetsBps: tBps } = effectiveTargets(s, rawTargets, options);
  // Cure of an asset above its max weight (or net-delta band), kept at every trade scale: its
  // balance after the plan is at most the cap less the safety margin, on the NAV left after the
  // largest loss the plan may take (per-rebalance limit or loss budget left), so no admissible
  // fill — the plan's other trades included — leaves it above the vault's bound.
  const lossRoomBps = minBig(
    s.limits.maxLossPerRebalanceBps,
    mulDivUp(lossBudgetLeftWad(s, now), BPS, WAD),
  );
  const navWorst = mulDivDown(navT, BPS - minBig(lossRoomBps, BPS), BPS);
  const capBal = s.assets.map((_, i) => {
    const hedged = hedge[i] !== null && hedge[i] !== undefined && s.lending.adapter !== null;
    const cap = upperWeightBps(s, i, navT, pre.debtValues[i], hedged, margin);
    const plain = tokensForValueDown(mulDivDown(cap, navT, BPS), pxs[i]);
    // below the cap already: it only stops a scaled-down plan from buying past the target
    return s.positions.balances[i] <= plain
      ? plain
      : tokensForValueDown(mulDivDown(cap, navWorst, BPS), pxs[i]);
  });

  const targetBal: bigint[] = [];
  const targetDebt: bigint[] = [];
  const exitAll: boolean[] = [];
  for (let i = 0; i < K; i++) {
    const T = mulDivDown(tBps[i], navT, BPS);
    targetBal.push(tokensForValueDown(T, pxs[i]));
    exitAll.push(tBps[i] === 0n);
    const nd = hedge[i];
    if (nd !== null && nd !== undefined && s.lending.adapter !== null) {
      const a = s.assets[i];
      const ndc = minBig(maxBig(nd, a.minNetDeltaBps + margin), a.maxNetDeltaBps - margin);
      const dv = T - (ndc >= 0n ? mulDivDown(ndc, navT, BPS) : -mulDivDown(-ndc, navT, BPS));
      let d = dv > 0n ? tokensForValueDown(dv, pxs[i]) : 0n;
      if (!a.enabled || s.defensive || s.shutdown) d = minBig(d, s.positions.debts[i]);
      targetDebt.push(d);
    } else {
      targetDebt.push(s.positions.debts[i]);
    }
  }

  const reserveCash = setAside + mulDivUp(setAside, 200n, BPS);
  const ctx: Ctx = {
    s,
    pxs,
    now,
    quote: options.quote ?? oracleQuote(s),
    swapId: options.swapAdapterId ?? 1,
    lendId: options.lendingAdapterId ?? 2,
    pathOf:
      options.path ??
      ((tin, tout, i) => encodeV3Path([tin, tout], [options.feeTier ? options.feeTier(i) : 3000])),
    tolBps: options.minOutToleranceBps ?? 30n,
    slipCap: minBig(options.maxSlippageBps ?? s.limits.maxSlippageBps, s.limits.maxSlippageBps),
    slackBps: options.weightSlackBps ?? 2n,
    maxTol: minBig(options.maxWeightToleranceBps ?? 500n, 65_535n),
    marginBps: margin,
    minTrade: options.minTradeValue ?? 0n,
    hf: options.healthFactor ?? defaultHealthFactor(s.lending.liquidationThresholdBps),
    hfMarginBps: options.healthFactorMarginBps ?? 1000n,
    repayBufferBps: options.repayBufferBps ?? 10n,
    reserveCash,
    targetBal,
    targetDebt,
    exitAll,
    capBal,
    navBefore,
    limits: eff,
    sizeDownQuotes: options.sizeDownQuotes ?? 6,
    quotes: new Map(),
    sizing: new Map(),
  };
  const ttl = options.ttlSeconds ?? 600n;

  const attempt = async (ppm: bigint): Promise<PlanResult> => {
    const c = await buildCandidate(ctx, ppm);
    const base = { skipped: c.skipped, reduced: c.reduced, targetsBps: tBps, limits: eff };
    if ("fail" in c)
      return {
        feasible: false,
        code: "SIZING",
        reason: c.fail,
        binding: null,
        error: null,
        ...base,
      };
    // the targets call for swaps but none could be quoted (or none passes the slippage floor at
    // any size tried) and nothing else is left to do: an error, never "no trade needed". With
    // lending steps left (a repay or a collateral top-up that restores the health factor), that
    // plan is evaluated on its own and the dropped swaps are reported in `skipped`.
    const quoteSkips = c.skipped.filter(
      (k) => k.code === "QUOTE_FAILED" || k.code === "SLIPPAGE_FLOOR",
    );
    if (c.swapsWanted > 0 && c.steps.length === 0 && quoteSkips.length > 0) {
      const allFailed = quoteSkips.every((k) => k.code === "QUOTE_FAILED");
      return {
        feasible: false,
        code: allFailed ? "QUOTES_FAILED" : "SLIPPAGE_FLOOR",
        reason: allFailed
          ? `every quote failed (${quoteSkips.length} of ${c.swapsWanted} swaps): ${quoteSkips[0].reason}`
          : `no swap passes the slippage floor (${quoteSkips.length} of ${c.swapsWanted} swaps dropped): ${quoteSkips[0].reason}`,
        binding: null,
        error: null,
        ...base,
      };
    }
    return evaluate(ctx, c, ppm, now + ttl, tBps);
  };

  const full = await attempt(PPM);
  if (full.feasible) return full;
  // scaling the trades down cannot repair a quoter that fails or a floor no size passes, nor an
  // asset left above its bound because the market cannot take its sell (the sell that cures it
  // is the same at every scale)
  if (full.code === "QUOTES_FAILED" || full.code === "SLIPPAGE_FLOOR") return full;
  // nor a check of the plan's header (cooldown, pause, nonce, deadline): it fails at every size,
  // and each step of the search would only ask the quoter again
  if (full.error !== null && HEADER_CHECKS.includes(full.error.errorName)) return full;
  if (uncuredSell(full) !== null) return full;
  let smallest: PlanInfeasible | null = null;
  let smallestPpm = PPM;
  let lo = 0n;
  let hi = PPM;
  let best: PlanResult | null = null;
  const steps = options.searchSteps ?? 16;
  for (let k = 0; k < steps && hi - lo > 1n; k++) {
    const mid = (lo + hi) / 2n;
    const r = await attempt(mid);
    if (r.feasible) {
      lo = mid;
      best = r;
    } else {
      hi = mid;
      smallest = r;
      smallestPpm = mid;
    }
  }
  if (best !== null) return best;
  if (smallest !== null) {
    full.reason += `; still infeasible at ${smallestPpm} ppm of the trades: ${smallest.reason}`;
    full.atSmallestScale = {
      scalePpm: smallestPpm,
      reason: smallest.reason,
      binding: smallest.binding,
      error: smallest.error,
    };
  }
  return full;
}

/**
 * When a plan fails because asset i stays above its max weight or net-delta band and the sell of
 * i was dropped or sized down at the slippage floor, says so (the market cannot take the sell
 * that would cure it within the slippage bound); null otherwise.
 */
function uncuredSell(r: PlanInfeasible): string | null {
  const e = r.error;
  if (e === null || (e.errorName !== "WeightAboveMax" && e.errorName !== "NetDeltaOutOfBand"))
    return null;
  const i = Number(e.args[0]);
  const sk = r.skipped.find(
    (k) =>
      k.assetIndex === i &&
      k.side === "sell" &&
      (k.code === "SLIPPAGE_FLOOR" || k.code === "QUOTE_FAILED"),
  );
  if (sk !== undefined)
    return `the sell of asset ${i} that would bring it under its bound was dropped (${sk.reason})`;
  const rd = r.reduced.find((d) => d.assetIndex === i && d.side === "sell");
  if (rd !== undefined)
    return `the sell of asset ${i} that would bring it under its bound (${rd.requestedValue} base units) passes the slippage floor only up to ${rd.plannedValue}`;
  return null;
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 200);
}

/**
 * Quotes one swap (memoized per {@link buildPlan} call, so the scale search does not ask the
 * quoter twice for the same size); throws what the quote function threw.
 */
async function quoteSwap(
  ctx: Ctx,
  i: number,
  side: "sell" | "buy",
  amountIn: bigint,
): Promise<PlannedSwap> {
  const a = ctx.s.assets[i];
  const base = ctx.s.base.token;
  const tokenIn = side === "sell" ? a.token : base;
  const tokenOut = side === "sell" ? base : a.token;
  const path = ctx.pathOf(tokenIn, tokenOut, i);
  const key = `${i}:${side}:${amountIn}`;
  const memo = ctx.quotes.get(key);
  let quotedOut: bigint;
  if (memo === undefined) {
    try {
      quotedOut = await ctx.quote({ tokenIn, tokenOut, amountIn, path, assetIndex: i, side });
    } catch (e) {
      ctx.quotes.set(key, { failed: errorText(e) });
      throw e;
    }
    ctx.quotes.set(key, quotedOut);
  } else if (typeof memo === "bigint") quotedOut = memo;
  else throw new Error(memo.failed);
  const inValue = side === "sell" ? value(amountIn, ctx.pxs[i]) : amountIn;
  return {
    kind: "swap",
    assetIndex: i,
    side,
    tokenIn,
    tokenOut,
    path,
    amountIn,
    quotedOut,
    minOut: 0n,
    inValue,
  };
}

/**
 * Quotes a swap of `amountIn` and fits it to the slippage floor. A quote below the floor (a pool
 * too shallow for the full size) does not drop the trade: amountIn is bisected, with at most
 * `ctx.sizeDownQuotes` more quotes (fewer when earlier quotes of this call already bound it), to
 * the largest size found that passes, recorded in `notes.reduced`. A quote that throws, or no
 * passing size, skips the trade (`notes.skipped`, with its code). Quotes are assumed monotone:
 * a larger amountIn never gets a better price. Returns the swap with `minOut` still 0.
 */
/** Removes the `reduced` note of asset `i`'s `side` swap (it is reported as skipped instead). */
function dropReduced(notes: { reduced: ReducedTrade[] }, i: number, side: "sell" | "buy"): void {
  notes.reduced = notes.reduced.filter((r) => !(r.assetIndex === i && r.side === side));
}

async function fitSwap(
  ctx: Ctx,
  i: number,
  side: "sell" | "buy",
  amountIn: bigint,
  notes: Notes,
): Promise<PlannedSwap | null> {
  const valueOf = (amt: bigint): bigint => (side === "sell" ? value(amt, ctx.pxs[i]) : amt);
  const key = `${i}:${side}`;
  const known = ctx.sizing.get(key) ?? { pass: 0n, fail: null };
  ctx.sizing.set(key, known);
  const record = (amt: bigint, ok: boolean): void => {
    if (ok) known.pass = maxBig(known.pass, amt);
    else known.fail = known.fail === null ? amt : minBig(known.fail, amt);
  };
  const floorOf = (sw: PlannedSwap): bigint => slippageFloor(ctx, sw, ctx.slipCap);
  let why: string;
  if (known.fail === null || amountIn < known.fail) {
    let full: PlannedSwap;
    try {
      full = await quoteSwap(ctx, i, side, amountIn);
    } catch (e) {
      notes.skipped.push({
        assetIndex: i,
        side,
        code: "QUOTE_FAILED",
        valueBase: valueOf(amountIn),
        reason: `quote failed: ${errorText(e)}`,
      });
      return null;
    }
    const floor = floorOf(full);
    if (full.quotedOut >= floor) {
      record(amountIn, true);
      return full;
    }
    record(amountIn, false);
    why = `quote ${full.quotedOut} below the slippage floor ${floor} (${ctx.slipCap} bps)`;
  } else {
    why = `${side}s of ${known.fail} or more are quoted below the slippage floor (${ctx.slipCap} bps)`;
  }
  // bisection on amountIn: lo passes (0 = none known), hi fails
  let lo = known.pass < amountIn ? known.pass : 0n;
  let hi = minBig(known.fail ?? amountIn, amountIn);
  if (lo >= hi) lo = 0n;
  const resolution = maxBig(1n, amountIn >> BigInt(Math.max(0, ctx.sizeDownQuotes)));
  for (let k = 0; k < ctx.sizeDownQuotes && hi - lo > resolution; k++) {
    const mid = (lo + hi) / 2n;
    let ok: boolean;
    try {
      const sw = await quoteSwap(ctx, i, side, mid);
      ok = sw.quotedOut >= floorOf(sw);
    } catch {
      ok = false; // a size the quoter refuses counts as failing
    }
    record(mid, ok);
    if (ok) lo = mid;
    else hi = mid;
  }
  let best: PlannedSwap | null = null;
  if (lo > 0n) {
    try {
      best = await quoteSwap(ctx, i, side, lo); // memoized: no new quote
    } catch {
      best = null;
    }
  }
  if (best === null || best.quotedOut < floorOf(best)) {
    notes.skipped.push({
      assetIndex: i,
      side,
      code: "SLIPPAGE_FLOOR",
      valueBase: valueOf(amountIn),
      reason: `${why}; no size down to ${hi} passes`,
    });
    return null;
  }
  notes.reduced.push({
    assetIndex: i,
    side,
    requestedIn: amountIn,
    plannedIn: best.amountIn,
    requestedValue: valueOf(amountIn),
    plannedValue: best.inValue,
    reason: `${why}: sized down to the largest passing amount found`,
  });
  return best;
}

function outValueOf(ctx: Ctx, sw: PlannedSwap, amountOut: bigint): bigint {
  return sw.side === "sell" ? amountOut : value(amountOut, ctx.pxs[sw.assetIndex]);
}

/** minOut so that a fill at minOut passes the on-chain slippage bound with `slip`. */
function slippageFloor(ctx: Ctx, sw: PlannedSwap, slip: bigint): bigint {
  const needValue = mulDivUp(sw.inValue, BPS - slip, BPS);
  return sw.side === "sell" ? needValue : tokensForValueUp(needValue, ctx.pxs[sw.assetIndex]);
}

/** Sizes, orders and quotes every action at scale `ppm` of the full trade set. */
async function buildCandidate(ctx: Ctx, ppm: bigint): Promise<Candidate | CandidateFail> {
  const { s, pxs } = ctx;
  const K = s.assets.length;
  const notes: Notes = { skipped: [], reduced: [], swapsWanted: 0 };
  const { skipped } = notes;
  const borrow: bigint[] = [];
  const repay: bigint[] = [];
  const fullRepay: boolean[] = [];
  const sellAmt: bigint[] = [];
  const buyTok: bigint[] = [];
  for (let i = 0; i < K; i++) {
    const B = s.positions.balances[i];
    const D = s.positions.debts[i];
    const Dt = scaleToward(D, ctx.targetDebt[i], ppm);
    // an asset above its max weight (or net-delta band) is brought under it at every scale: the
    // vault rejects any plan that leaves it above, so that part of the sell is never scaled down
    const Bt = minBig(
      ppm === PPM && ctx.exitAll[i] ? 0n : scaleToward(B, ctx.targetBal[i], ppm),
      ctx.capBal[i],
    );
    let bo = Dt > D ? Dt - D : 0n;
    if (bo > 0n && !s.assets[i].enabled) bo = 0n;
    let re = D > Dt ? D - Dt : 0n;
    const full = re > 0n && Dt === 0n;
    if (full) re = D + mulDivUp(D, ctx.repayBufferBps, BPS) + 1n;
    borrow.push(bo);
    repay.push(re);
    fullRepay.push(full);
    const P = B + bo;
    const need = Bt + re;
    sellAmt.push(need < P ? P - need : 0n);
    buyTok.push(need > P && s.assets[i].enabled ? need - P : 0n);
  }

  // 1) sells (those not needing a borrow first), quoted
  const sellsA: PlannedSwap[] = [];
  const sellsB: PlannedSwap[] = [];
  for (let i = 0; i < K; i++) {
    if (sellAmt[i] === 0n) continue;
    const v = value(sellAmt[i], pxs[i]);
    if (v === 0n || v < ctx.minTrade) {
      skipped.push({
        assetIndex: i,
        side: "sell",
        code: "DUST",
        valueBase: v,
        reason: v === 0n ? "sell worth 0 base units" : "below minTradeValue",
      });
      continue;
    }
    notes.swapsWanted++;
    const sw = await fitSwap(ctx, i, "sell", sellAmt[i], notes);
    if (sw === null) continue;
    if (sw.inValue < ctx.minTrade) {
      dropReduced(notes, i, "sell");
      skipped.push({
        assetIndex: i,
        side: "sell",
        code: "SLIPPAGE_FLOOR",
        valueBase: sw.inValue,
        reason: "the slippage floor leaves less than minTradeValue",
      });
      continue;
    }
    const floor = slippageFloor(ctx, sw, ctx.slipCap);
    sw.minOut = maxBig(floor, mulDivDown(sw.quotedOut, BPS - ctx.tolBps, BPS));
    (borrow[i] > 0n ? sellsB : sellsA).push(sw);
  }

  // 2) collateral for the post-plan debt: topped up whenever it falls short of the health-factor
  // floor (with margin) — after a borrow, and also when a rally of a borrowed asset raised the
  // debt's value (a plan that only repays must still leave the position healthy)
  const debtAfter = s.positions.debts.map((D, i) => D + borrow[i] - minBig(repay[i], D));
  const debtValueAfter = debtAfter.reduce((x, d, i) => x + debtValue(d, pxs[i]), 0n);
  let supply = 0n;
  if (debtValueAfter > 0n) {
    const lt = s.lending.liquidationThresholdBps;
    if (lt === 0n)
      return { fail: "hedge needs collateral but liquidationThresholdBps is 0", ...notes };
    const req =
      mulDivUp(debtValueAfter * s.limits.minHealthFactor, BPS + ctx.hfMarginBps, lt * WAD) + 1n;
    supply = req > s.positions.collateral ? req - s.positions.collateral : 0n;
  }
  let cash = s.positions.baseBalance - s.reservedAssets - ctx.reserveCash;
  for (const sw of sellsA) cash += sw.minOut;
  if (supply > 0n && cash < supply) {
    return {
      fail: `not enough idle base for collateral: need ${supply}, have ${cash > 0n ? cash : 0n}`,
      ...notes,
    };
  }
  cash -= supply;
  for (const sw of sellsB) cash += sw.minOut;

  // 3) buys, funded by the worst-case proceeds
  // the part of a buy that funds a repayment is grossed up by the slippage cap, so that even a
  // fill at minOut (>= the on-chain slippage floor) delivers the tokens the REPAY pulls
  const buyIn: bigint[] = buyTok.map((t, i) => {
    if (t === 0n) return 0n;
    const forRepay = minBig(repay[i], t);
    const grossUp =
      forRepay === 0n ? 0n : mulDivUp(debtValue(forRepay, pxs[i]), BPS, BPS - ctx.slipCap) + 1n;
    return debtValue(t - forRepay, pxs[i]) + grossUp;
  });
  const totalBuy = buyIn.reduce((x, y) => x + y, 0n);
  const avail = cash > 0n ? cash : 0n;
  if (totalBuy > avail) {
    for (let i = 0; i < K; i++)
      buyIn[i] = totalBuy === 0n ? 0n : mulDivDown(buyIn[i], avail, totalBuy);
  }
  const buys: PlannedSwap[] = [];
  for (let i = 0; i < K; i++) {
    if (buyTok[i] === 0n) continue;
    if (buyIn[i] === 0n || buyIn[i] < ctx.minTrade) {
      skipped.push({
        assetIndex: i,
        side: "buy",
        code: buyIn[i] === 0n ? "NO_FUNDS" : "DUST",
        valueBase: buyIn[i],
        reason: buyIn[i] === 0n ? "no base available for the buy" : "below minTradeValue",
      });
      continue;
    }
    notes.swapsWanted++;
    const sw = await fitSwap(ctx, i, "buy", buyIn[i], notes);
    if (sw === null) continue;
    if (sw.inValue < ctx.minTrade) {
      dropReduced(notes, i, "buy");
      skipped.push({
        assetIndex: i,
        side: "buy",
        code: "SLIPPAGE_FLOOR",
        valueBase: sw.inValue,
        reason: "the slippage floor leaves less than minTradeValue",
      });
      continue;
    }
    const floor = slippageFloor(ctx, sw, ctx.slipCap);
    sw.minOut = maxBig(floor, mulDivDown(sw.quotedOut, BPS - ctx.tolBps, BPS));
    buys.push(sw);
  }

  // 4) fit the worst-case loss into the per-rebalance bound and the loss budget
  const swaps = [...sellsA, ...sellsB, ...buys];
  const L = s.limits;
  const nav0 = ctx.navBefore;
  const allowPerReb = nav0 - mulDivUp(nav0, BPS - minBig(L.maxLossPerRebalanceBps, BPS), BPS);
  const allowBudget = mulDivDown(lossBudgetLeftWad(s, ctx.now), nav0, WAD);
  const allowed = minBig(allowPerReb, allowBudget) - BigInt(2 * K + 4);
  let expLoss = 0n;
  let quotedValue = 0n;
  for (const sw of swaps) {
    const qv = outValueOf(ctx, sw, sw.quotedOut);
    expLoss += sw.inValue > qv ? sw.inValue - qv : 0n;
    quotedValue += qv;
  }
  if (swaps.length > 0 && expLoss > allowed) {
    return {
      fail: `expected loss ${expLoss} exceeds the allowed loss ${allowed > 0n ? allowed : 0n} (min of per-rebalance ${allowPerReb}, budget ${allowBudget})`,
      ...notes,
    };
  }
  const room = allowed - expLoss;
  const tolEff =
    quotedValue === 0n ? ctx.tolBps : minBig(ctx.tolBps, mulDivDown(room, BPS, quotedValue));
  for (const sw of swaps) {
    sw.minOut = maxBig(
      slippageFloor(ctx, sw, ctx.slipCap),
      mulDivDown(sw.quotedOut, BPS - tolEff, BPS),
    );
  }

  // 5) repays capped by the worst-case balance; withdraw when every debt is gone
  const worstBal = s.positions.balances.map((b, i) => b + borrow[i]);
  for (const sw of swaps) {
    if (sw.side === "sell") worstBal[sw.assetIndex] -= sw.amountIn;
    else worstBal[sw.assetIndex] += sw.minOut;
  }
  const repays: PlannedLending[] = [];
  let allRepaid = s.positions.debts.every((d, i) => d === 0n || fullRepay[i]);
  for (let i = 0; i < K; i++) {
    if (repay[i] === 0n) continue;
    const amt = minBig(repay[i], worstBal[i]);
    if (amt < repay[i]) allRepaid = false;
    if (amt === 0n) {
      skipped.push({
        assetIndex: i,
        side: "repay",
        code: "NO_REPAY_TOKENS",
        valueBase: 0n,
        reason: "no tokens to repay with",
      });
      continue;
    }
    repays.push({
      kind: "lending",
      op: LENDING_OP.REPAY,
      assetIndex: i,
      token: s.assets[i].token,
      amount: amt,
    });
  }

  const steps: PlannedStep[] = [...sellsA];
  if (supply > 0n) {
    steps.push({
      kind: "lending",
      op: LENDING_OP.SUPPLY,
      assetIndex: -1,
      token: s.base.token,
      amount: supply,
    });
  }
  for (let i = 0; i < K; i++) {
    if (borrow[i] > 0n) {
      steps.push({
        kind: "lending",
        op: LENDING_OP.BORROW,
        assetIndex: i,
        token: s.assets[i].token,
        amount: borrow[i],
      });
    }
  }
  steps.push(...sellsB, ...buys, ...repays);
  const anyRepay = repays.length > 0;
  if (anyRepay && allRepaid && s.positions.collateral > 0n) {
    steps.push({
      kind: "lending",
      op: LENDING_OP.WITHDRAW,
      assetIndex: -1,
      token: s.base.token,
      amount: UINT256_MAX,
    });
  }
  return { steps, ...notes };
}

/** Applies the steps with every swap filled at its quote ("expected") or at minOut ("worst"). */
export function simulate(
  s: VaultSnapshot,
  steps: readonly PlannedStep[],
  fill: "expected" | "worst",
): { positions: Positions; swaps: SwapFill[]; problem: string | null } {
  const p: Positions = {
    baseBalance: s.positions.baseBalance,
    collateral: s.positions.collateral,
    balances: [...s.positions.balances],
    debts: [...s.positions.debts],
  };
  const swaps: SwapFill[] = [];
  let problem: string | null = null;
  const note = (k: number, msg: string): void => {
    if (problem === null) problem = `action ${k}: ${msg}`;
  };
  steps.forEach((st, k) => {
    if (st.kind === "swap") {
      const out = fill === "expected" ? st.quotedOut : st.minOut;
      if (st.side === "sell") {
        if (p.balances[st.assetIndex] < st.amountIn) note(k, "sell exceeds the balance");
        p.balances[st.assetIndex] -= st.amountIn;
        p.baseBalance += out;
      } else {
        if (p.baseBalance - s.reservedAssets < st.amountIn) note(k, "buy exceeds the idle base");
        p.baseBalance -= st.amountIn;
        p.balances[st.assetIndex] += out;
      }
      swaps.push({
        actionIndex: k,
        tokenIn: st.tokenIn,
        tokenOut: st.tokenOut,
        spent: st.amountIn,
        received: out,
      });
      return;
    }
    const i = st.assetIndex;
    switch (st.op) {
      case LENDING_OP.SUPPLY:
        if (p.baseBalance - s.reservedAssets < st.amount) note(k, "supply exceeds the idle base");
        p.baseBalance -= st.amount;
        p.collateral += st.amount;
        break;
      case LENDING_OP.WITHDRAW: {
        const w = minBig(st.amount, p.collateral);
        p.collateral -= w;
        p.baseBalance += w;
        break;
      }
      case LENDING_OP.BORROW:
        p.balances[i] += st.amount;
        p.debts[i] += st.amount;
        break;
      case LENDING_OP.REPAY: {
        if (p.balances[i] < st.amount) note(k, "repay exceeds the balance");
        const r = minBig(st.amount, p.debts[i]);
        p.balances[i] -= r;
        p.debts[i] -= r;
        break;
      }
    }
  });
  return { positions: p, swaps, problem };
}

function toActions(ctx: Ctx, steps: readonly PlannedStep[]): Plan["actions"] {
  return steps.map((st) =>
    st.kind === "swap"
      ? swapAction(ctx.swapId, st.path, st.amountIn, st.minOut)
      : lendingAction(ctx.lendId, st.op, st.token, st.amount),
  );
}

function healthOf(ctx: Ctx, p: Positions): bigint {
  const dv = p.debts.reduce((x, d, i) => x + debtValue(d, ctx.pxs[i]), 0n);
  return ctx.hf(p.collateral, dv);
}

function planSideBound(
  bound: string,
  value: bigint,
  limit: bigint,
  ok: boolean,
  index?: number,
): BoundReport {
  return {
    bound,
    index,
    value,
    limit,
    margin: limit - value,
    unit: "bps",
    ok,
    exact: false,
    error: "WeightOffTarget",
  };
}

/** Evaluates a candidate in the expected and worst fill and builds the plan. */
function evaluate(
  ctx: Ctx,
  c: Candidate,
  ppm: bigint,
  deadline: bigint,
  tBps: bigint[],
): PlanResult {
  const { s } = ctx;
  const K = s.assets.length;
  const infeasible = (
    reason: string,
    binding: BoundReport | null,
    error: VaultCheckError | null,
  ): PlanInfeasible => ({
    feasible: false,
    code: error === null ? "PLANNER_BOUND" : "VAULT_CHECK",
    reason,
    binding,
    error,
    skipped: c.skipped,
    reduced: c.reduced,
    targetsBps: tBps,
    limits: ctx.limits,
  });
  const exp = simulate(s, c.steps, "expected");
  const wst = simulate(s, c.steps, "worst");
  if (exp.problem !== null) return infeasible(`expected fill: ${exp.problem}`, null, null);
  if (wst.problem !== null) return infeasible(`worst fill: ${wst.problem}`, null, null);

  // minimal slippage commitment that every swap at minOut satisfies
  let slip = 0n;
  for (const st of c.steps) {
    if (st.kind !== "swap") continue;
    const vout = outValueOf(ctx, st, st.minOut);
    const need = st.inValue === 0n ? 0n : BPS - minBig(BPS, mulDivDown(vout, BPS, st.inValue));
    slip = maxBig(slip, need);
  }
  if (slip > ctx.slipCap)
    return infeasible(`swap needs slippage ${slip} bps > cap ${ctx.slipCap}`, null, null);

  const draft: Plan = {
    nonce: s.nextNonce,
    deadline,
    actions: [],
    expectedWeightsBps: new Array<bigint>(K).fill(0n),
    weightToleranceBps: 65_535n,
    slippageBps: slip,
  };
  const hfE = healthOf(ctx, exp.positions);
  const hfW = healthOf(ctx, wst.positions);
  const run = (pos: Positions, swaps: SwapFill[], hf: bigint, plan: Plan): CheckReport =>
    checkRebalance({ pre: s, post: pos, swaps, plan, now: ctx.now, healthFactorAfter: hf });
  const r0e = run(exp.positions, exp.swaps, hfE, draft);
  const r0w = run(wst.positions, wst.swaps, hfW, draft);

  // mixed-fill box: every fill between minOut and the quote moves v_i and navFinal monotonically
  const robust: BoundReport[] = [];
  const navLo = minBig(r0e.navFinal, r0w.navFinal);
  const navHi = maxBig(r0e.navFinal, r0w.navFinal);
  let tol = 0n;
  for (let i = 0; i < K; i++) {
    const vLo = minBig(r0e.after.values[i], r0w.after.values[i]);
    const vHi = maxBig(r0e.after.values[i], r0w.after.values[i]);
    const b = maxBig(r0e.after.debtValues[i], r0w.after.debtValues[i]);
    const wE = r0e.weightsBps[i];
    const wLo = navHi === 0n ? 0n : bpsDown(vLo, navHi);
    const wHi = navLo === 0n ? (vHi === 0n ? 0n : UINT256_MAX) : bpsDown(vHi, navLo);
    tol = maxBig(tol, maxBig(wE - wLo, wHi - wE));
    const a = s.assets[i];
    // the limits of §6 step 8 as the vault applies them: a max weight or net-delta band the
    // market had already broken before the plan is widened to where the asset was
    const cap = weightCapBps(a.maxWeightBps, r0e.weightsBeforeBps[i]);
    robust.push(planSideBound("weightMax(mixed fills)", wHi, cap, wHi <= cap, i));
    const [ndMin, ndMax] = netDeltaRangeBps(
      a.minNetDeltaBps,
      a.maxNetDeltaBps,
      r0e.netDeltasBeforeBps[i],
    );
    const ndLo = netDeltaBps(vLo, b, vLo >= b ? navHi : navLo);
    const ndHi = netDeltaBps(vHi, b, vHi >= b ? navLo : navHi);
    robust.push({
      bound: "netDelta(mixed fills)",
      index: i,
      value: ndHi,
      limit: ndMax,
      lower: ndMin,
      margin: minBig(ndLo - ndMin, ndMax - ndHi),
      unit: "bps",
      ok: ndLo >= ndMin && ndHi <= ndMax,
      exact: false,
      error: "NetDeltaOutOfBand",
    });
  }
  const grossHi = maxBig(r0e.grossAfter, r0w.grossAfter);
  const levHi = leverageBps(grossHi, navLo);
  robust.push({
    ...planSideBound(
      "leverage(mixed fills)",
      levHi,
      s.limits.maxLeverageBps,
      levHi <= s.limits.maxLeverageBps,
    ),
    error: "LeverageExceeded",
  });
  if (s.defensive || s.shutdown) {
    // docs/plan-format.md §6 step 9: the vault takes the plan's leverage on navAfter (before the
    // fulfilment of redemptions), not on navFinal.
    const levPlanHi = leverageBps(grossHi, minBig(r0e.navAfter, r0w.navAfter));
    const ok = grossHi <= r0e.grossBefore && levPlanHi <= r0e.levBefore;
    robust.push({
      ...planSideBound("exposure(mixed fills)", levPlanHi, r0e.levBefore, ok),
      error: "ExposureNotReduced",
    });
  }
  if (wst.positions.debts.some((d) => d > 0n)) {
    const need = mulDivUp(s.limits.minHealthFactor, BPS + ctx.hfMarginBps, BPS);
    const hf = minBig(hfE, hfW);
    robust.push({
      bound: "healthFactor(margin)",
      value: hf,
      limit: need,
      margin: hf - need,
      unit: "wad",
      ok: hf >= need,
      exact: false,
      error: "HealthFactorTooLow",
    });
  }
  tol += ctx.slackBps;
  // §6 step 7 fulfils the pending redemptions all or nothing, on the requests at mining time: a
  // request added (or cancelled) in front of the plan can leave nothing fulfilled (navFinal =
  // navAfter, every weight lower). Cover that case too when it fits the tolerance cap, so such a
  // front-run cannot make the plan revert WeightOffTarget (it only delays the fulfilment).
  if (r0e.redemptionFulfilled) {
    let shift = 0n;
    const navNone = maxBig(r0e.navAfter, r0w.navAfter);
    for (let i = 0; i < K; i++) {
      const vLo = minBig(r0e.after.values[i], r0w.after.values[i]);
      const wNone = navNone === 0n ? 0n : bpsDown(vLo, navNone);
      if (r0e.weightsBps[i] > wNone) shift = maxBig(shift, r0e.weightsBps[i] - wNone);
    }
    if (shift + ctx.slackBps > tol && shift + ctx.slackBps <= ctx.maxTol)
      tol = shift + ctx.slackBps;
  }
  robust.push({
    ...planSideBound("weightTolerance", tol, ctx.maxTol, tol <= ctx.maxTol),
    error: "WeightOffTarget",
  });

  const plan: Plan = {
    ...draft,
    actions: toActions(ctx, c.steps),
    expectedWeightsBps: r0e.weightsBps,
    weightToleranceBps: minBig(tol, 65_535n),
  };
  const re = run(exp.positions, exp.swaps, hfE, plan);
  const rw = run(wst.positions, wst.swaps, hfW, plan);
  const expected: Simulation = {
    positions: exp.positions,
    swaps: exp.swaps,
    healthFactor: hfE,
    report: re,
  };
  const worst: Simulation = {
    positions: wst.positions,
    swaps: wst.swaps,
    healthFactor: hfW,
    report: rw,
  };
  for (const [name, r] of [
    ["expected", re],
    ["worst", rw],
  ] as const) {
    if (!r.ok) {
      const b = r.bounds.find((x) => !x.ok) ?? null;
      const res = infeasible(`${name} fill fails ${r.error?.message ?? "a bound"}`, b, r.error);
      const cause = uncuredSell(res);
      if (cause !== null) res.reason += `: ${cause}`;
      return res;
    }
  }
  const badRobust = robust.find((b) => !b.ok);
  if (badRobust) {
    const name =
      badRobust.index === undefined ? badRobust.bound : `${badRobust.bound}[${badRobust.index}]`;
    return infeasible(
      `planner bound ${name}: value ${badRobust.value}, limit ${badRobust.limit}`,
      badRobust,
      null,
    );
  }
  return {
    feasible: true,
    plan,
    steps: [...c.steps],
    expected,
    worst,
    robust,
    skipped: c.skipped,
    reduced: c.reduced,
    scalePpm: ppm,
    targetsBps: tBps,
    limits: ctx.limits,
  };
}
