/**
 * Named stress scenarios for the market simulation (scripts/simulate.ts `--scenario`,
 * `npm run stress`): what the market, the feeds and the pools do on each day of the run. Pure:
 * the simulation applies each day's {@link DayShock} to the feeds it updates, the arbitrageur's
 * USDC price and the liquidity provider; this module only says what they are.
 */

/** The scenarios, in the order `npm run stress` runs them. */
export const SCENARIOS = ["flash-crash", "liquidity-crunch", "oracle-outage", "depeg"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** What a scenario does on one simulated day. */
export interface DayShock {
  /** Multiplies the market path's price of each risk asset that day (0.6 = −40 %). */
  readonly priceFactor: readonly number[];
  /** Risk assets (registry indices) whose feeds are not updated that day: they go stale. */
  readonly staleFeeds: readonly number[];
  /** The base asset's USD price (the USDC/USD feed's answer / 1e8); 1 = at peg. */
  readonly basePrice: number;
  /**
   * Fraction of every pool's liquidity the liquidity provider has withdrawn (0 = none); while it
   * is above 0 the provider mints nothing new.
   */
  readonly liquidityOut: number;
}

/** A scenario over a run: the shock window and what each day looks like. */
export interface Scenario {
  readonly name: ScenarioName;
  /** One line: what happens. */
  readonly description: string;
  /** What the vault must do through it (the report's "expected" line). */
  readonly expected: string;
  /** First and last day of the shock (inclusive); the run goes on after it (recovery). */
  readonly start: number;
  readonly end: number;
  /** The shock on `day` (1-based simulated day); no shock: factor 1, nothing stale, at peg. */
  at(day: number): DayShock;
}

/** Raised for an unknown scenario name or an impossible window. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

/** A day without a shock: every price factor 1, no feed stale, USDC at peg, full liquidity. */
export const calmDay = (assets: number): DayShock => ({
  priceFactor: Array.from({ length: assets }, () => 1),
  staleFeeds: [],
  basePrice: 1,
  liquidityOut: 0,
});

/** `factors[k]` on day start + k, 1 elsewhere; `after` from the day after the window on. */
function path(
  assets: number,
  start: number,
  factors: readonly (readonly number[])[],
  after: readonly number[] = Array.from({ length: assets }, () => 1),
): (day: number) => readonly number[] {
  for (const f of [...factors, after]) {
    if (f.length !== assets)
      throw new ScenarioError(`price factors for ${f.length} of ${assets} assets`);
  }
  return (day) =>
    day < start ? Array.from({ length: assets }, () => 1) : (factors[day - start] ?? after);
}

/**
 * Scenario `name` for a run whose risk assets are WETH, WBTC, LINK, UNI (`assets` = 4; any count
 * works, the factors are spread over it), with its shock from day `start` (≥ 1).
 *
 * - flash-crash: on day `start` every risk asset falls 40–50 % (the alts most), then recovers to
 *   within 8–15 % over two days and to the unshocked path on the third.
 * - liquidity-crunch: the liquidity provider pulls 95 % of every pool's liquidity for 5 days while
 *   prices fall 10–20 % for good: the keeper wants to trade into thin pools.
 * - oracle-outage: the WBTC/USD feed (index 1) stops updating for 3 days and goes stale; it
 *   answers again on the fourth.
 * - depeg: the base asset loses its peg: USDC at $0.97, $0.93, $0.88, $0.95 on four days, then $1.
 */
export function scenario(name: string, start: number, assets = 4): Scenario {
  if (!Number.isInteger(start) || start < 1)
    throw new ScenarioError(`the shock day must be a whole day ≥ 1, got ${start}`);
  if (assets < 2) throw new ScenarioError(`a scenario needs at least 2 risk assets, got ${assets}`);
  const spread = (major: number, minor: number) =>
    Array.from({ length: assets }, (_, i) => (i < 2 ? major : minor));
  const calm = calmDay(assets);
  switch (name) {
    case "flash-crash": {
      const f = path(assets, start, [spread(0.6, 0.5), spread(0.78, 0.7), spread(0.92, 0.85)]);
      return {
        name,
        start,
        end: start + 2,
        description: `day ${start}: every risk asset falls 40–50 % in one day, then recovers over 3 days`,
        expected:
          "the circuit breaker trips (defensive mode: deposits stop, plans may only de-risk); every rebalance stays within its bounds; withdrawals of idle funds keep working",
        at: (day) => ({ ...calm, priceFactor: f(day) }),
      };
    }
    case "liquidity-crunch": {
      const fall = spread(0.88, 0.8);
      const f = path(assets, start, [], fall);
      const end = start + 4;
      return {
        name,
        start,
        end,
        description: `days ${start}–${end}: 95 % of every pool's liquidity is withdrawn while prices fall 12–20 % for good`,
        expected:
          "no rebalance fills worse than its oracle-priced slippage bound: plans into thin pools are infeasible or not worth their cost; trading resumes when the liquidity returns",
        at: (day) => ({
          ...calm,
          priceFactor: f(day),
          liquidityOut: day >= start && day <= end ? 0.95 : 0,
        }),
      };
    }
    case "oracle-outage": {
      const end = start + 2;
      return {
        name,
        start,
        end,
        description: `days ${start}–${end}: the WBTC/USD feed stops updating and goes stale`,
        expected:
          "while the feed is stale the NAV is not priced: deposits and rebalances stop, the keeper signs nothing, withdrawals of idle funds keep working at the conservative basis; all resumes when the feed answers",
        at: (day) => ({ ...calm, staleFeeds: day >= start && day <= end ? [1] : [] }),
      };
    }
    case "depeg": {
      const base = [0.97, 0.93, 0.88, 0.95];
      return {
        name,
        start,
        end: start + base.length - 1,
        description: `days ${start}–${start + base.length - 1}: USDC trades at $${base.join(", $")}, then back at $1`,
        expected:
          "the NAV follows the USDC/USD feed (risk assets are worth more USDC); every rebalance stays within its bounds; deposits and withdrawals keep working",
        at: (day) => ({ ...calm, basePrice: base[day - start] ?? 1 }),
      };
    }
    default:
      throw new ScenarioError(`unknown scenario "${name}" (one of ${SCENARIOS.join(", ")})`);
  }
}

/** True when `day` is inside the scenario's shock window. */
export function inWindow(s: Scenario, day: number): boolean {
  return day >= s.start && day <= s.end;
}

/**
 * The market path with the scenario's price factors applied: `prices[d][i] × factor(d)[i]` for
 * every day d ≥ 1 (day 0 is the deployment's initial prices). Returns a new array.
 */
export function shockPrices(prices: readonly (readonly number[])[], s: Scenario): number[][] {
  return prices.map((row, d) => {
    if (d === 0) return [...row];
    const f = s.at(d).priceFactor;
    return row.map((p, i) => p * (f[i] ?? 1));
  });
}
