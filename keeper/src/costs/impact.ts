/**
 * Trade cost model: pool fee + price impact + gas, all in base-asset units (e.g. USDC).
 *
 * Offline impact is the square-root model used by cvxportfolio's TcostModel:
 *
 *   impact(x) = a·|x| + b·σ·|x|^{3/2} / V^{1/2}
 *
 * with x the traded value, V the daily traded value of the asset (same units), σ its daily
 * volatility, `a` the half-spread-like linear coefficient and `b` the impact coefficient.
 * {@link fitImpactModel} fits (a, b) by least squares on observed (size, cost) pairs — e.g. costs
 * measured from on-chain QuoterV2 quotes at several sizes ({@link quotedCost}), whose quote function
 * is injected so the chain stays at the edge.
 */

/** Typed error of the cost module. */
export class CostError extends Error {
  readonly code: "INVALID_INPUT" | "QUOTE_FAILED";
  constructor(code: "INVALID_INPUT" | "QUOTE_FAILED", message: string) {
    super(message);
    this.name = "CostError";
    this.code = code;
  }
}

/** Square-root impact parameters for one asset. */
export interface ImpactParams {
  /** Linear coefficient a (fraction of traded value, e.g. half spread). */
  readonly a: number;
  /** Impact coefficient b (dimensionless, cvxportfolio's default is 1). */
  readonly b: number;
  /** Daily volatility σ of the asset. */
  readonly sigma: number;
  /** Daily traded value V (base units). */
  readonly volume: number;
}

/** Full per-trade cost configuration of one asset. */
export interface TradeCostParams extends ImpactParams {
  /** Pool fee as a fraction (0.0005, 0.003, 0.01 for Uniswap v3 tiers). */
  readonly poolFee: number;
  /** Gas cost of one swap, in base units. */
  readonly gasCost: number;
}

/** a|x| + bσ|x|^{3/2}/√V. */
export function sqrtImpact(x: number, p: ImpactParams): number {
  const ax = Math.abs(x);
  if (ax === 0) return 0;
  if (!(p.volume > 0)) throw new CostError("INVALID_INPUT", "volume must be > 0");
  return p.a * ax + (p.b * p.sigma * ax ** 1.5) / Math.sqrt(p.volume);
}

/** Cost of one swap of value x: fee + impact + gas (0 for x = 0). */
export function tradeCost(x: number, p: TradeCostParams): number {
  if (x === 0) return 0;
  return p.poolFee * Math.abs(x) + sqrtImpact(x, p) + p.gasCost;
}

/** Result of {@link fitImpactModel}. */
export interface ImpactFit {
  readonly a: number;
  readonly b: number;
  /** Root-mean-square residual of the fitted costs. */
  readonly rmse: number;
  /** Coefficient of determination (uncentred, the model has no intercept). */
  readonly r2: number;
}

/**
 * Least-squares fit of cost ≈ a|x| + b·σ|x|^{3/2}/√V over observations (x_k, cost_k), with
 * a, b ≥ 0: solve the 2×2 normal equations; if a coefficient comes out negative, refit with that
 * regressor dropped (the non-negative LS optimum then lies on that face). Subtract pool fee and gas
 * from the observed costs before fitting if they are included in them.
 */
export function fitImpactModel(
  obs: readonly { readonly size: number; readonly cost: number }[],
  sigma: number,
  volume: number,
): ImpactFit {
  if (obs.length < 2) throw new CostError("INVALID_INPUT", "need at least two observations");
  if (!(volume > 0) || !(sigma > 0))
    throw new CostError("INVALID_INPUT", "sigma and volume must be > 0");
  const f1 = obs.map((o) => Math.abs(o.size));
  const f2 = obs.map((o) => (sigma * Math.abs(o.size) ** 1.5) / Math.sqrt(volume));
  const y = obs.map((o) => o.cost);
  const dot = (u: number[], v: number[]) => u.reduce((s, ui, i) => s + ui * v[i], 0);
  const s11 = dot(f1, f1);
  const s12 = dot(f1, f2);
  const s22 = dot(f2, f2);
  const r1 = dot(f1, y);
  const r2 = dot(f2, y);
  const det = s11 * s22 - s12 * s12;
  let a = det > 0 ? (r1 * s22 - r2 * s12) / det : NaN;
  let b = det > 0 ? (r2 * s11 - r1 * s12) / det : NaN;
  if (!(a >= 0 && b >= 0)) {
    const aOnly = s11 > 0 ? Math.max(0, r1 / s11) : 0;
    const bOnly = s22 > 0 ? Math.max(0, r2 / s22) : 0;
    const sse = (aa: number, bb: number) =>
      y.reduce((s, yi, i) => s + (yi - aa * f1[i] - bb * f2[i]) ** 2, 0);
    if (sse(aOnly, 0) <= sse(0, bOnly)) {
      a = aOnly;
      b = 0;
    } else {
      a = 0;
      b = bOnly;
    }
  }
  const resid = y.map((yi, i) => yi - a * f1[i] - b * f2[i]);
  const sse = dot(resid, resid);
  const sst = dot(y, y);
  return { a, b, rmse: Math.sqrt(sse / obs.length), r2: sst > 0 ? 1 - sse / sst : 1 };
}

/**
 * Quote function injected from the chain edge (e.g. a wrapper around Uniswap QuoterV2's
 * quoteExactInputSingle): amounts are integers in token base units.
 */
export type QuoteFn = (
  amountIn: bigint,
) => Promise<{ readonly amountOut: bigint; readonly gasEstimate?: bigint }>;

/** Token decimals and the mid price used to value a quote. */
export interface QuoteContext {
  readonly decimalsIn: number;
  readonly decimalsOut: number;
  /** Mid price: units of output token per unit of input token. */
  readonly midPrice: number;
  /** Value of one output-token unit in base units (1 when the output is the base asset). */
  readonly outValueInBase: number;
}

/** Convert a decimal amount to integer token units (rounded down). */
export function toUnits(amount: number, decimals: number): bigint {
  if (!(amount >= 0) || !Number.isFinite(amount))
    throw new CostError("INVALID_INPUT", `bad amount ${amount}`);
  const s = amount.toFixed(Math.min(decimals, 20));
  const [ip, fp = ""] = s.split(".");
  return (
    BigInt(ip) * 10n ** BigInt(decimals) +
    BigInt((fp + "0".repeat(decimals)).slice(0, decimals) || "0")
  );
}

/** Convert integer token units to a decimal number. */
export function fromUnits(units: bigint, decimals: number): number {
  const base = 10n ** BigInt(decimals);
  return Number(units / base) + Number(units % base) / Number(base);
}

/**
 * Cost (base units) of swapping `amountIn` (decimal, input token) measured from a live quote:
 * (amountIn·midPrice − amountOut)·outValueInBase — fee and impact together — plus the quote's gas
 * estimate times `gasPriceInBase` (base units per gas) when given.
 */
export async function quotedCost(
  quote: QuoteFn,
  amountIn: number,
  ctx: QuoteContext,
  gasPriceInBase = 0,
): Promise<number> {
  let q;
  try {
    q = await quote(toUnits(amountIn, ctx.decimalsIn));
  } catch (e) {
    throw new CostError("QUOTE_FAILED", `quote failed: ${(e as Error).message}`);
  }
  const out = fromUnits(q.amountOut, ctx.decimalsOut);
  const slippage = (amountIn * ctx.midPrice - out) * ctx.outValueInBase;
  const gas = q.gasEstimate !== undefined ? Number(q.gasEstimate) * gasPriceInBase : 0;
  return slippage + gas;
}
