/**
 * The keeper's configuration schema (zod 4). One YAML/JSON file plus `BALLAST__…` environment
 * overrides (see `load.ts`) is validated against {@link keeperConfigSchema}; the result is the
 * typed {@link KeeperConfig}. Every rule here reports a field path and a reason (see
 * `ConfigError` in `errors.ts`), never a stack trace.
 *
 * Units: bps = 1/10 000; gwei fees are decimal numbers (at most 9 decimals); times are ms unless
 * the name says seconds; `limits.minHealthFactor` is given as a decimal ("1.6" or 1.6) and comes
 * out as a WAD bigint (1.6 → 1_600_000_000_000_000_000n) so it compares with the vault's limit.
 */
import { getAddress, isAddress } from "ethers";
import { z } from "zod";

/** Portfolio models the quant engine implements. */
export const STRATEGY_MODELS = [
  "min-variance",
  "mean-variance",
  "max-sharpe",
  "risk-parity",
  "min-cvar",
] as const;

/** Covariance estimators the quant engine implements. */
export const ESTIMATORS = ["sample", "ewma", "ledoit-wolf", "regime-adjusted-ewma"] as const;

/** Expected-return estimators the quant engine implements. */
export const EXPECTED_RETURNS = ["zero", "shrunk-mean", "ewma-momentum"] as const;

/** Uniswap V3 fee tiers (hundredths of a bp). */
export const FEE_TIERS = [100, 500, 3_000, 10_000] as const;

/** pino log levels accepted in `log.level` and `--log-level`. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Default journal location (relative paths resolve against the config file's directory). */
export const DEFAULT_JOURNAL_PATH = ".keeper/journal.sqlite";

/** Bounds of a plan's validity in seconds (`planTtlSeconds`, `plan --ttl`). */
export const PLAN_TTL_SECONDS = { min: 30, max: 86_400 } as const;

const WAD = 10n ** 18n;

const address = z
  .string({ error: "must be a 0x-prefixed 20-byte hex address" })
  // a malformed address gets one issue, not also a checksum complaint
  .refine((s) => /^0x[0-9a-fA-F]{40}$/.test(s), {
    message: "must be a 0x-prefixed 20-byte hex address",
    abort: true,
  })
  .refine((s) => isAddress(s), "bad EIP-55 checksum (use all-lowercase or the checksummed form)")
  .transform((s) => getAddress(s));

const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}, "must be an http(s) URL");

const int = (min: number, max: number) =>
  z
    .number({ error: "must be a number" })
    .int("must be an integer")
    .min(min, `must be >= ${min}`)
    .max(max, `must be <= ${max}`);

const bps = (min = 0) => int(min, 10_000);

const gwei = z
  .number({ error: "must be a number (gwei)" })
  .positive("must be > 0")
  .max(100_000, "must be <= 100000 gwei")
  .refine((x) => Number.isInteger(Math.round(x * 1e9)) && decimalsOf(x) <= 9, {
    message: "at most 9 decimals (1 wei)",
  });

function decimalsOf(x: number): number {
  const s = String(x);
  if (s.includes("e")) return 99;
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** A decimal (number or string) ≥ 1 with at most 18 decimals → WAD bigint. */
const healthFactor = z
  .union([z.number(), z.string()], { error: 'must be a decimal number or string, e.g. "1.6"' })
  .transform((v, ctx) => {
    const s = typeof v === "number" ? String(v) : v.trim();
    const m = /^(\d+)(?:\.(\d{1,18}))?$/.exec(s);
    if (!m) {
      ctx.addIssue({ code: "custom", message: `"${s}" is not a decimal with at most 18 decimals` });
      return z.NEVER;
    }
    const wad = BigInt(m[1]) * WAD + BigInt((m[2] ?? "").padEnd(18, "0") || "0");
    if (wad < WAD) {
      ctx.addIssue({ code: "custom", message: `must be >= 1 (got ${s})` });
      return z.NEVER;
    }
    return wad;
  });

/** Schema of one network (`networks.<name>`). */
export const networkSchema = z.strictObject({
  chainId: int(1, Number.MAX_SAFE_INTEGER),
  /** Public RPC endpoints; order = failover order. */
  rpcUrls: z
    .array(httpUrl, { error: "must be a list of http(s) URLs" })
    .min(1, "needs at least one RPC URL"),
  /** Optional private submission endpoint (e.g. a relay); reads still use `rpcUrls`. */
  privateRpcUrl: httpUrl.optional(),
  pollIntervalMs: int(100, 3_600_000).default(2_000),
  confirmations: int(0, 1_000).default(1),
  /** Hard cap on maxFeePerGas, gwei: a fee bump never exceeds it. */
  maxFeePerGasGwei: gwei,
  priorityFeeGwei: gwei.default(1),
  receiptTimeoutMs: int(1_000, 3_600_000).default(120_000),
  /** Uniswap QuoterV2 of this chain: plans are quoted with it (without it: at oracle prices). */
  quoterV2: address.optional(),
  /** Replacement bump; nodes refuse a replacement below +10 %. */
  feeBumpPercent: z
    .number({ error: "must be a number" })
    .min(10, "must be >= 10 (nodes refuse smaller replacement bumps)")
    .max(1_000, "must be <= 1000")
    .default(15),
});

/** Schema of a vault's strategy. */
export const strategySchema = z
  .strictObject({
    model: z.enum(STRATEGY_MODELS, { error: `must be one of ${STRATEGY_MODELS.join(", ")}` }),
    estimator: z.enum(ESTIMATORS, { error: `must be one of ${ESTIMATORS.join(", ")}` }),
    lookbackDays: int(2, 3_650),
    ewmaLambda: z
      .number({ error: "must be a number" })
      .gt(0, "must be in (0, 1)")
      .lt(1, "must be in (0, 1)")
      .optional(),
    riskAversion: z.number({ error: "must be a number" }).positive("must be > 0").optional(),
    /** Annualised volatility target, e.g. 0.2 = 20 %. */
    targetVolatility: z
      .number({ error: "must be a number" })
      .positive("must be > 0")
      .max(5, "must be <= 5 (annualised, 1 = 100 %)")
      .optional(),
    driftBandBps: bps(1),
    scheduleSeconds: int(1, 365 * 86_400),
    deltaNeutral: z.boolean({ error: "must be true or false" }).default(false),
    /** Expected returns for mean-variance and max-sharpe. */
    expectedReturns: z
      .enum(EXPECTED_RETURNS, { error: `must be one of ${EXPECTED_RETURNS.join(", ")}` })
      .default("shrunk-mean"),
    /** CVaR confidence level of min-cvar. */
    cvarAlpha: z
      .number({ error: "must be a number" })
      .gt(0.5, "must be in (0.5, 1)")
      .lt(1, "must be in (0.5, 1)")
      .default(0.95),
    /** Fewest aligned returns the quant step needs (fewer: equal weights within the caps). */
    minHistory: int(2, 100_000).default(30),
  })
  .superRefine((s, ctx) => {
    const both = s.riskAversion !== undefined && s.targetVolatility !== undefined;
    const none = s.riskAversion === undefined && s.targetVolatility === undefined;
    if (s.model === "mean-variance" && (both || none)) {
      ctx.addIssue({
        code: "custom",
        path: [s.riskAversion === undefined ? "riskAversion" : "targetVolatility"],
        message: "mean-variance needs exactly one of riskAversion or targetVolatility",
      });
    } else if (both) {
      ctx.addIssue({
        code: "custom",
        path: ["targetVolatility"],
        message: "give at most one of riskAversion or targetVolatility",
      });
    }
    if (
      s.ewmaLambda !== undefined &&
      s.estimator !== "ewma" &&
      s.estimator !== "regime-adjusted-ewma"
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["ewmaLambda"],
        message: `only used by the ewma estimators (estimator is ${s.estimator})`,
      });
    }
  });

/** Schema of the keeper's local limits (must sit inside the vault's on-chain limits). */
export const localLimitsSchema = z.strictObject({
  maxTurnoverBps: bps(),
  maxSlippageBps: bps(),
  maxLossPerRebalanceBps: bps(),
  /** Gross exposure / NAV; 10 000 = 1x. */
  maxLeverageBps: int(0, 1_000_000),
  /** Decimal in the config ("1.6"); WAD bigint after parsing. */
  minHealthFactor: healthFactor,
});

/** Trigger thresholds of a vault (every field optional; defaults in keeper/src/loop/triggers.ts). */
export const triggersSchema = z.strictObject({
  /** Volatility fires above targetVolatility · (1 + tolerance). Default 0.1. */
  volatilityTolerance: z
    .number({ error: "must be a number" })
    .min(0, "must be >= 0")
    .max(10, "must be <= 10")
    .optional(),
  /** Net delta fires this far inside the on-chain band. Default 0 bps. */
  netDeltaMarginBps: bps().optional(),
  /** Health factor warns at minHealthFactor · (1 + margin). Default 1 000 bps. */
  healthWarnMarginBps: int(0, 100_000).optional(),
  /** Drawdown of price per share since the last rebalance. Default 500 bps. */
  drawdownBps: bps(1).optional(),
  /** Volatility regime: short/long EWMA volatility ratio that fires. Default 1.3. */
  regimeStressedAbove: z
    .number({ error: "must be a number" })
    .gt(1, "must be > 1")
    .max(100, "must be <= 100")
    .optional(),
  /**
   * A trigger answered (by a rebalance, or by the planner finding nothing to trade) stays quiet
   * until its value is this much worse (fraction). Default 0.25.
   */
  refireWorsening: z
    .number({ error: "must be a number" })
    .min(0, "must be >= 0")
    .max(10, "must be <= 10")
    .optional(),
});

/** Schema of one vault entry. */
export const vaultSchema = z.strictObject({
  name: z
    .string({ error: "must be a string" })
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, '_', '.', '-' (max 64)"),
  network: z.string({ error: "must name a network" }).min(1, "must name a network"),
  address,
  /** The BallastLens used for batched reads. */
  lens: address,
  strategy: strategySchema,
  limits: localLimitsSchema,
  /** Uniswap V3 fee tier of each asset's pool against the base asset, in registry order. */
  feeTiers: z
    .array(
      z.union(
        FEE_TIERS.map((t) => z.literal(t)),
        { error: `must be one of ${FEE_TIERS.join(", ")}` },
      ),
      { error: "must be a list of fee tiers (registry order)" },
    )
    .max(16, "at most 16 (one per registered asset)")
    .optional(),
  /** Fee tier of assets without an entry in feeTiers. */
  defaultFeeTier: z
    .union(
      FEE_TIERS.map((t) => z.literal(t)),
      { error: `must be one of ${FEE_TIERS.join(", ")}` },
    )
    .default(3_000),
  /** Trigger thresholds beyond the strategy's drift band and schedule. */
  triggers: triggersSchema.default({}),
  /** Validity of a signed plan (seconds after the block it was planned on). */
  planTtlSeconds: int(PLAN_TTL_SECONDS.min, PLAN_TTL_SECONDS.max).default(600),
  /**
   * Cost–benefit gate (keeper/src/loop/costGate.ts): a rebalance answering only schedule, drift,
   * volatility or regime triggers is sent only when its certainty-equivalent gain beats its cost.
   */
  costGate: z.boolean({ error: "must be true or false" }).default(true),
  /** Registry index of the chain's native asset (WETH): its price turns gas into base units. */
  nativeAssetIndex: int(0, 15).optional(),
  /** Gas charged per plan action in the gate. */
  gasPerAction: int(21_000, 10_000_000).default(200_000),
});

const envName = z
  .string({ error: "must be an environment variable name" })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name (A-Z, 0-9, _)");

/** Signer as written in the file: exactly one of the two forms. */
const signerInput = z
  .strictObject(
    {
      keystore: z.string({ error: "must be a path" }).min(1, "must be a path").optional(),
      passwordEnv: envName.optional(),
      privateKeyEnv: envName.optional(),
      allowRawKey: z.literal(true, { error: "must be true to use a raw key" }).optional(),
    },
    {
      error:
        "must be { keystore, passwordEnv }, or { privateKeyEnv, allowRawKey: true } for local development",
    },
  )
  .superRefine((s, ctx) => {
    const keystore = s.keystore !== undefined || s.passwordEnv !== undefined;
    const raw = s.privateKeyEnv !== undefined || s.allowRawKey !== undefined;
    if (keystore && raw) {
      ctx.addIssue({
        code: "custom",
        message: "use either { keystore, passwordEnv } or { privateKeyEnv, allowRawKey }, not both",
      });
    } else if (!keystore && !raw) {
      ctx.addIssue({
        code: "custom",
        message:
          "needs { keystore, passwordEnv } (or { privateKeyEnv, allowRawKey: true } for local development)",
      });
    } else if (keystore) {
      if (s.keystore === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["keystore"],
          message: "required (keystore file path)",
        });
      if (s.passwordEnv === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["passwordEnv"],
          message: "required (name of the env var holding the keystore password)",
        });
    } else {
      if (s.privateKeyEnv === undefined)
        ctx.addIssue({ code: "custom", path: ["privateKeyEnv"], message: "required" });
      if (s.allowRawKey !== true)
        ctx.addIssue({
          code: "custom",
          path: ["allowRawKey"],
          message: "must be true: a raw private key is for local development only",
        });
    }
  })
  .transform((s): SignerConfig =>
    s.keystore !== undefined
      ? { kind: "keystore", keystore: s.keystore, passwordEnv: s.passwordEnv as string }
      : { kind: "raw", privateKeyEnv: s.privateKeyEnv as string, allowRawKey: true },
  );

/** Parsed signer: an encrypted keystore (production) or a raw key from env (development). */
export type SignerConfig =
  | { kind: "keystore"; keystore: string; passwordEnv: string }
  | { kind: "raw"; privateKeyEnv: string; allowRawKey: true };

/** The whole configuration file. */
export const keeperConfigSchema = z
  .strictObject({
    networks: z
      .record(
        z.string().regex(/^[A-Za-z0-9_-]+$/, "network names: letters, digits, _ and -"),
        networkSchema,
        {
          error: "must be a map of network name → network",
        },
      )
      .refine((r) => Object.keys(r).length > 0, "needs at least one network"),
    vaults: z
      .array(vaultSchema, { error: "must be a list of vaults" })
      .min(1, "needs at least one vault"),
    signer: signerInput,
    metrics: z
      .strictObject({
        port: int(0, 65_535).default(9464),
        host: z.string().min(1).default("127.0.0.1"),
      })
      .default({ port: 9464, host: "127.0.0.1" }),
    journal: z
      .strictObject({ path: z.string().min(1, "must be a path").default(DEFAULT_JOURNAL_PATH) })
      .default({ path: DEFAULT_JOURNAL_PATH }),
    log: z
      .strictObject({
        level: z
          .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
          .default("info"),
      })
      .default({ level: "info" }),
  })
  .superRefine((c, ctx) => {
    // zod may run this with other (non-fatal) issues present: stay defensive about shapes.
    if (typeof c.networks !== "object" || c.networks === null || !Array.isArray(c.vaults)) return;
    const names = new Set<string>();
    const seen = new Map<string, number>();
    const chainIds = new Map<number, string>();
    for (const [name, n] of Object.entries(c.networks)) {
      if (typeof n?.chainId !== "number") continue;
      const other = chainIds.get(n.chainId);
      if (other !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["networks", name, "chainId"],
          message: `chain id ${n.chainId} already used by network "${other}"`,
        });
      chainIds.set(n.chainId, name);
    }
    c.vaults.forEach((v, i) => {
      if (typeof v !== "object" || v === null) return;
      if (!Object.hasOwn(c.networks, v.network)) {
        ctx.addIssue({
          code: "custom",
          path: ["vaults", i, "network"],
          message: `unknown network "${v.network}" (defined: ${Object.keys(c.networks).join(", ") || "none"})`,
        });
      }
      if (names.has(v.name))
        ctx.addIssue({
          code: "custom",
          path: ["vaults", i, "name"],
          message: `duplicate vault name "${v.name}"`,
        });
      names.add(v.name);
      const key = `${v.network}/${v.address}`;
      const j = seen.get(key);
      if (j !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["vaults", i, "address"],
          message: `same vault as vaults[${j}] on network "${v.network}"`,
        });
      seen.set(key, i);
    });
  });

/** The validated configuration (paths still as written; `loadConfig` resolves them). */
export type KeeperConfig = z.output<typeof keeperConfigSchema>;
/** One network after parsing. */
export type NetworkConfig = z.output<typeof networkSchema>;
/** One vault after parsing. */
export type VaultConfig = z.output<typeof vaultSchema>;
/** A vault's strategy after parsing. */
export type StrategyConfig = z.output<typeof strategySchema>;
/** A vault's trigger thresholds after parsing. */
export type TriggersConfig = z.output<typeof triggersSchema>;
/** A vault's local limits after parsing (`minHealthFactor` is WAD). */
export type LocalLimits = z.output<typeof localLimitsSchema>;

/** Converts a gwei amount from the config (≤ 9 decimals) to wei, exactly. */
export function gweiToWei(gweiAmount: number): bigint {
  const s = gweiAmount.toFixed(9);
  const [whole, frac] = s.split(".");
  return BigInt(whole) * 10n ** 9n + BigInt(frac);
}
