/**
 * Delta hedging with Aave borrows (and optionally a perp venue), capped by a minimum health factor.
 *
 * Per volatile asset i: spot holding s_i, Aave debt d_i (both in asset units), price p_i (base per
 * unit), optional perp position q_i (asset units, negative = short). The borrowed asset is sold
 * for base, so
 *
 *   net delta_i = s_i − d_i + q_i,     target_i = f_i·s_i  (f_i = 0 in delta-neutral mode).
 *
 * Plan:
 *  1. desired debt D_i = max(0, s_i − f_i·s_i − q_i); Δ_i = D_i − d_i (> 0 borrow and sell, < 0 buy
 *     back and repay). Repays are always done in full (they only lower debt).
 *  2. Borrows are scaled by one factor θ ∈ [0, 1] so that
 *       HF = (Σ_j C_j·LT_j + LT_p·P) / Σ_i debt_i·p_i ≥ hfMin,
 *     where P is the base value added to collateral by selling borrowed assets (when
 *     `proceedsLt` is set; repays then withdraw collateral the same way). HF is linear-fractional
 *     in θ, so θ has a closed form.
 *  3. If a perp venue is configured, the remaining gap to the target goes to the perp (capped by
 *     its max notional).
 * Every asset reports the achieved net delta and, when the target was missed, why.
 */

/** Typed error of the hedge module. */
export class HedgeError extends Error {
  readonly code: "INVALID_INPUT";
  constructor(message: string) {
    super(message);
    this.name = "HedgeError";
    this.code = "INVALID_INPUT";
  }
}

/** One hedged asset. Amounts in asset units, price in base units per unit. */
export interface HedgeAsset {
  readonly symbol: string;
  readonly spot: number;
  readonly price: number;
  /** Current Aave debt of this asset. */
  readonly debt: number;
  /** Target net delta as a fraction of spot (0 = delta neutral, 1 = unhedged). */
  readonly targetFraction: number;
  /** False when the asset cannot be borrowed on Aave. Default true. */
  readonly borrowable?: boolean;
  /** Current perp position (negative = short). Default 0. */
  readonly perp?: number;
}

/** Collateral position: value in base units and its liquidation threshold (e.g. 0.78). */
export interface CollateralPosition {
  readonly value: number;
  readonly lt: number;
}

/** Hedge configuration. */
export interface HedgeConfig {
  readonly collateral: readonly CollateralPosition[];
  /** Minimum health factor after the plan (e.g. 1.5). */
  readonly hfMin: number;
  /** LT of the base asset when sale proceeds are supplied as collateral (and repays withdraw it). */
  readonly proceedsLt?: number;
  /** Perp venue; when absent, perps are not used. */
  readonly perp?: { readonly maxNotional?: number };
}

/** Why an asset's target was not reached. */
export type HedgeShortfallReason =
  "hf-cap" | "hf-below-min" | "not-borrowable" | "target-above-spot" | "perp-cap";

/** Per-asset plan. */
export interface AssetHedgePlan {
  readonly symbol: string;
  /** Borrow (> 0) or repay (< 0) amount, asset units. */
  readonly borrow: number;
  /** Perp position change, asset units (0 without a perp venue). */
  readonly perpChange: number;
  readonly targetDelta: number;
  readonly achievedDelta: number;
  /** achievedDelta − targetDelta (asset units). */
  readonly gap: number;
  readonly reason?: HedgeShortfallReason;
}

/** Whole plan. */
export interface HedgePlan {
  readonly assets: readonly AssetHedgePlan[];
  readonly hfBefore: number;
  readonly hfAfter: number;
  /** Fraction of the wanted new borrowing that was allowed by hfMin. */
  readonly borrowScale: number;
  /** When HF is below hfMin even without new borrows: debt value (base) to repay to restore it. */
  readonly repayNeededForHf?: number;
  readonly targetReached: boolean;
}

/** HF = Σ collateral·LT / Σ debt value (Infinity without debt). */
export function healthFactor(collateral: readonly CollateralPosition[], debtValue: number): number {
  const c = collateral.reduce((s, x) => s + x.value * x.lt, 0);
  return debtValue > 0 ? c / debtValue : Infinity;
}

/** Compute the hedge plan (see module comment). */
export function planHedge(assets: readonly HedgeAsset[], cfg: HedgeConfig): HedgePlan {
  for (const a of assets) {
    if (!(a.spot >= 0 && a.price > 0 && a.debt >= 0) || !Number.isFinite(a.targetFraction)) {
      throw new HedgeError(`invalid asset ${a.symbol}`);
    }
  }
  if (!(cfg.hfMin > 0)) throw new HedgeError("hfMin must be > 0");
  const ltP = cfg.proceedsLt ?? 0;
  const collLt = cfg.collateral.reduce((s, x) => s + x.value * x.lt, 0);
  const debt0 = assets.reduce((s, a) => s + a.debt * a.price, 0);
  const hfBefore = debt0 > 0 ? collLt / debt0 : Infinity;

  const want = assets.map((a) => {
    const target = a.targetFraction * a.spot;
    const desiredDebt =
      a.borrowable === false ? a.debt : Math.max(0, a.spot - target + (a.perp ?? 0));
    return { target, delta: desiredDebt - a.debt };
  });
  // Repays in full.
  let coll = collLt;
  let debt = debt0;
  let borrowValue = 0;
  want.forEach((w, i) => {
    const v = w.delta * assets[i].price;
    if (w.delta < 0) {
      debt += v;
      coll += ltP * v;
    } else borrowValue += v;
  });
  // Largest θ with (coll + ltP·θB) ≥ hfMin·(debt + θB).
  const room = coll - cfg.hfMin * debt;
  let theta = 1;
  let repayNeededForHf: number | undefined;
  if (borrowValue > 0) {
    if (room < 0) theta = 0;
    else if (cfg.hfMin > ltP) theta = Math.min(1, room / (borrowValue * (cfg.hfMin - ltP)));
  }
  if (room < 0) {
    // Repaying x of debt (funded from collateral with LT ltP) moves room by x·(hfMin − ltP).
    repayNeededForHf = cfg.hfMin > ltP ? -room / (cfg.hfMin - ltP) : Infinity;
  }
  const debtAfter = debt + theta * borrowValue;
  const collAfter = coll + ltP * theta * borrowValue;
  const hfAfter = debtAfter > 0 ? collAfter / debtAfter : Infinity;

  let perpRoom = cfg.perp?.maxNotional ?? Infinity;
  const plans = assets.map((a, i): AssetHedgePlan => {
    const w = want[i];
    const borrow = w.delta < 0 ? w.delta : w.delta * theta;
    let net = a.spot - (a.debt + borrow) + (a.perp ?? 0);
    let perpChange = 0;
    let reason: HedgeShortfallReason | undefined;
    let gap = net - w.target;
    if (Math.abs(gap) > 1e-12 * Math.max(1, a.spot)) {
      if (a.borrowable === false) reason = "not-borrowable";
      else if (w.target > a.spot + (a.perp ?? 0) && a.debt + borrow <= 0)
        reason = "target-above-spot";
      else reason = room < 0 ? "hf-below-min" : "hf-cap";
      if (cfg.perp) {
        const wantPerp = -gap;
        const cap = perpRoom / a.price;
        perpChange = Math.sign(wantPerp) * Math.min(Math.abs(wantPerp), cap);
        perpRoom -= Math.abs(perpChange) * a.price;
        net += perpChange;
        gap = net - w.target;
        if (Math.abs(gap) <= 1e-12 * Math.max(1, a.spot)) reason = undefined;
        else reason = "perp-cap";
      }
    }
    return {
      symbol: a.symbol,
      borrow,
      perpChange,
      targetDelta: w.target,
      achievedDelta: net,
      gap,
      ...(reason ? { reason } : {}),
    };
  });
  return {
    assets: plans,
    hfBefore,
    hfAfter,
    borrowScale: theta,
    ...(repayNeededForHf !== undefined ? { repayNeededForHf } : {}),
    targetReached: plans.every((p) => p.reason === undefined),
  };
}
