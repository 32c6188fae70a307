/**
 * Every parameter of the LOCAL replica stack (chain 31337) in one place: tokens, Chainlink-style
 * USD prices, Uniswap V3 pools and their liquidity, Aave V3 reserve risk parameters and the seed
 * liquidity. Real-network addresses live in `deploy/addresses.ts`, not here.
 *
 * Conventions: token amounts are bigint in the token's smallest unit; prices are 8-decimal
 * Chainlink answers; Aave percentages are basis points (10_000 = 100 %) exactly as the
 * PoolConfigurator takes them; interest-rate strategy numbers are rays (1e27 = 100 %) exactly
 * as `DefaultReserveInterestRateStrategy`'s constructor takes them; Aave caps are WHOLE tokens
 * (the unit the PoolConfigurator uses).
 */

/** Keys of the assets in the local stack. */
export type AssetKey = "usdc" | "weth" | "wbtc" | "link" | "uni";

/** Non-USDC assets, each of which gets a Uniswap V3 pool against USDC. */
export type RiskAssetKey = Exclude<AssetKey, "usdc">;

/** Token metadata. WETH is the canonical WETH9 (name/symbol fixed by its bytecode). */
export interface TokenConfig {
  readonly name: string;
  readonly symbol: string;
  readonly decimals: number;
}

/** A Uniswap V3 pool of `asset` against USDC. */
export interface PoolConfig {
  /** Fee tier in hundredths of a bip (500 = 0.05 %); must be enabled on the factory. */
  readonly fee: number;
  /** Tick spacing of that fee tier in the v3-core factory (500 → 10, 3000 → 60, 10000 → 200). */
  readonly tickSpacing: number;
  /** Half width of the concentrated-liquidity range around the price, in basis points of price. */
  readonly rangeBps: number;
  /** USDC the LP deposits (smallest unit). */
  readonly usdcAmount: bigint;
  /** Asset the LP deposits (smallest unit); worth about `usdcAmount` at the config price. */
  readonly assetAmount: bigint;
}

/** Aave V3 interest-rate strategy (DefaultReserveInterestRateStrategy constructor, rays). */
export interface RateStrategyConfig {
  readonly optimalUsageRatio: bigint;
  readonly baseVariableBorrowRate: bigint;
  readonly variableRateSlope1: bigint;
  readonly variableRateSlope2: bigint;
  readonly stableRateSlope1: bigint;
  readonly stableRateSlope2: bigint;
  readonly baseStableRateOffset: bigint;
  readonly stableRateExcessOffset: bigint;
  readonly optimalStableToTotalDebtRatio: bigint;
}

/** Aave V3 reserve configuration for one asset. */
export interface ReserveConfig {
  /** Loan to value, bps. */
  readonly ltv: number;
  /** Liquidation threshold, bps. */
  readonly liquidationThreshold: number;
  /** Liquidation bonus, bps INCLUDING the 100 % (10_500 = 5 % bonus), as Aave takes it. */
  readonly liquidationBonus: number;
  /** Reserve factor, bps. */
  readonly reserveFactor: number;
  readonly borrowingEnabled: boolean;
  readonly stableBorrowingEnabled: boolean;
  /** Supply cap in whole tokens (0 = no cap). */
  readonly supplyCap: bigint;
  /** Borrow cap in whole tokens (0 = no cap). */
  readonly borrowCap: bigint;
  readonly rateStrategy: RateStrategyConfig;
  /** Amount the deployer supplies to the reserve after listing (smallest unit). */
  readonly seedSupply: bigint;
}

/** `whole * 10^decimals` as bigint. */
export function toUnits(whole: bigint, decimals: number): bigint {
  return whole * 10n ** BigInt(decimals);
}

/** A percentage (may be fractional, e.g. 0.5) as a ray (1e27 = 100 %), exact to 1e-9 %. */
export function percentToRay(percent: number): bigint {
  return (BigInt(Math.round(percent * 1e9)) * 10n ** 27n) / 100n / 10n ** 9n;
}

const TOKENS = {
  usdc: { name: "USD Coin", symbol: "USDC", decimals: 6 },
  weth: { name: "Wrapped Ether", symbol: "WETH", decimals: 18 },
  wbtc: { name: "Wrapped BTC", symbol: "WBTC", decimals: 8 },
  link: { name: "ChainLink Token", symbol: "LINK", decimals: 18 },
  uni: { name: "Uniswap", symbol: "UNI", decimals: 18 },
} as const satisfies Record<AssetKey, TokenConfig>;

/** 8-decimal USD prices (Chainlink style). */
const PRICES = {
  usdc: 1_00000000n,
  weth: 3000_00000000n,
  wbtc: 60000_00000000n,
  link: 15_00000000n,
  uni: 8_00000000n,
} as const satisfies Record<AssetKey, bigint>;

/** Pool of `asset`/USDC holding about `usdcWhole` USDC and the same USD value of `asset`. */
function pool(
  asset: RiskAssetKey,
  fee: number,
  tickSpacing: number,
  rangeBps: number,
  usdcWhole: bigint,
): PoolConfig {
  const { decimals } = TOKENS[asset];
  return {
    fee,
    tickSpacing,
    rangeBps,
    usdcAmount: toUnits(usdcWhole, TOKENS.usdc.decimals),
    // usdcWhole USD / price USD-per-token, in the asset's smallest unit.
    assetAmount: (toUnits(usdcWhole, decimals) * 10n ** 8n) / PRICES[asset],
  };
}

/** Stable-rate fields: stable borrowing is disabled everywhere, these are Aave's defaults. */
const STABLE_DEFAULTS = {
  stableRateSlope1: 0n,
  stableRateSlope2: 0n,
  baseStableRateOffset: percentToRay(2),
  stableRateExcessOffset: percentToRay(5),
  optimalStableToTotalDebtRatio: percentToRay(20),
} as const;

/** Variable-rate strategy with the stable defaults. */
function rates(optimal: number, base: number, slope1: number, slope2: number): RateStrategyConfig {
  return {
    optimalUsageRatio: percentToRay(optimal),
    baseVariableBorrowRate: percentToRay(base),
    variableRateSlope1: percentToRay(slope1),
    variableRateSlope2: percentToRay(slope2),
    ...STABLE_DEFAULTS,
  };
}

/**
 * The local replica stack. Risk parameters are modelled on Aave V3 Ethereum's listings; the
 * Uniswap depths are those of a liquid mainnet pool scaled down so a local node stays quick.
 */
export const LOCAL_STACK = {
  tokens: TOKENS,
  /** Chainlink feeds: decimals and initial answers (8-decimal USD). */
  oracles: {
    decimals: 8,
    prices: PRICES,
    /** L2 sequencer uptime feed (real feeds use 0 decimals); answer 0 = sequencer up. */
    sequencerUptime: { decimals: 0, answer: 0n },
  },
  uniswap: {
    /**
     * Hardhat account index of the liquidity provider that mints the positions (it wraps ETH
     * for the WETH side, ~6,700 ETH). Not the deployer, so tests' usual signers keep their ETH.
     */
    lpAccountIndex: 8,
    /** Every non-USDC asset has exactly one pool against USDC. */
    pools: {
      weth: pool("weth", 500, 10, 2000, 20_000_000n),
      wbtc: pool("wbtc", 3000, 60, 2000, 10_000_000n),
      link: pool("link", 3000, 60, 3000, 2_000_000n),
      uni: pool("uni", 3000, 60, 3000, 1_000_000n),
    } satisfies Record<RiskAssetKey, PoolConfig>,
  },
  aave: {
    /** Aave's base currency is USD with 8 decimals (like the Chainlink feeds). */
    baseCurrencyUnit: 10n ** 8n,
    /** Flash-loan premium, bps (Aave V3 Ethereum: 5 bps total, all of it to the protocol). */
    flashLoanPremiumTotal: 5,
    flashLoanPremiumToProtocol: 0,
    reserves: {
      usdc: {
        ltv: 7700,
        liquidationThreshold: 8000,
        liquidationBonus: 10450,
        reserveFactor: 1000,
        borrowingEnabled: true,
        stableBorrowingEnabled: false,
        supplyCap: 2_000_000_000n,
        borrowCap: 1_800_000_000n,
        rateStrategy: rates(90, 0, 6, 60),
        seedSupply: toUnits(10_000_000n, 6),
      },
      weth: {
        ltv: 8050,
        liquidationThreshold: 8300,
        liquidationBonus: 10500,
        reserveFactor: 1500,
        borrowingEnabled: true,
        stableBorrowingEnabled: false,
        supplyCap: 2_000_000n,
        borrowCap: 1_600_000n,
        rateStrategy: rates(80, 0, 3.3, 80),
        seedSupply: toUnits(3_000n, 18),
      },
      wbtc: {
        ltv: 7300,
        liquidationThreshold: 7800,
        liquidationBonus: 10500,
        reserveFactor: 2000,
        borrowingEnabled: true,
        stableBorrowingEnabled: false,
        supplyCap: 43_000n,
        borrowCap: 28_000n,
        rateStrategy: rates(45, 0, 4, 300),
        seedSupply: toUnits(150n, 8),
      },
      link: {
        ltv: 5300,
        liquidationThreshold: 6800,
        liquidationBonus: 10700,
        reserveFactor: 2000,
        borrowingEnabled: true,
        stableBorrowingEnabled: false,
        supplyCap: 15_000_000n,
        borrowCap: 13_000_000n,
        rateStrategy: rates(45, 0, 7, 300),
        seedSupply: toUnits(500_000n, 18),
      },
      uni: {
        ltv: 6500,
        liquidationThreshold: 7700,
        liquidationBonus: 11000,
        reserveFactor: 2000,
        borrowingEnabled: true,
        stableBorrowingEnabled: false,
        supplyCap: 2_000_000n,
        borrowCap: 500_000n,
        rateStrategy: rates(45, 0, 7, 300),
        seedSupply: toUnits(1_000_000n, 18),
      },
    } satisfies Record<AssetKey, ReserveConfig>,
  },
} as const;

/** Type of {@link LOCAL_STACK}. */
export type LocalStackConfig = typeof LOCAL_STACK;
