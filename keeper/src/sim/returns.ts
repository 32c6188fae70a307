/**
 * Market model of the simulation (pure, seeded): correlated heavy-tailed daily log returns with a
 * two-state Markov regime (calm / crash), or a replay of historical prices from a long-format CSV
 * (keeper/src/data/csv.ts). No I/O here: the caller loads the CSV text.
 *
 * Generator: in regime s, r_t = (μ_s − σ_s²/2)·Δ + √Δ · σ_s ⊙ (L_s · z) · √((ν−2)/ν) / √(χ²_ν/ν),
 * with z ~ N(0, I), L_s the Cholesky factor of the regime's correlation matrix and Δ = 1/365. The
 * common χ² divisor makes the draw multivariate Student-t (joint tail events), scaled to unit
 * variance so `vols` are the annualized volatilities. The regime follows a Markov chain with daily
 * switching probabilities; the crash regime multiplies the volatilities, pulls every correlation
 * toward `crash.correlation` and uses a negative drift.
 */
import { cholesky } from "../math/linalg.ts";
import type { Matrix } from "../math/linalg.ts";
import { gammaSample, mulberry32, standardNormal } from "../math/stats.ts";
import type { Rng } from "../math/stats.ts";
import { parsePriceCsv } from "../data/csv.ts";

/** Invalid model configuration or replay input. */
export class SimError extends Error {
  readonly code: "BAD_MODEL" | "BAD_REPLAY";

  constructor(code: SimError["code"], message: string) {
    super(message);
    this.name = "SimError";
    this.code = code;
  }
}

/** Regime label of one simulated day. */
export type Regime = "calm" | "crash";

/** Parameters of the return model; vols and drifts are annualized (365 days). */
export interface ReturnModel {
  /** Asset names, in column order. */
  assets: string[];
  /** Student-t degrees of freedom (> 2). */
  nu: number;
  /** Calm regime: annualized vols, drifts and the correlation matrix. */
  calm: { vols: number[]; drifts: number[]; corr: Matrix };
  /** Crash regime, derived from the calm one. */
  crash: {
    /** Vol multiplier (≥ 1). */
    volMultiplier: number;
    /** Every off-diagonal correlation becomes max(calm, this). */
    correlation: number;
    /** Annualized drift of every asset while in the crash regime. */
    drift: number;
  };
  /** Daily switching probabilities. */
  switching: { calmToCrash: number; crashToCalm: number };
  /** Periods per year (default 365: daily). */
  periodsPerYear?: number;
}

/** Default model for WETH, WBTC, LINK, UNI: crypto-like vols, ν = 4, one crash every ~50 days. */
export const DEFAULT_MODEL: ReturnModel = {
  assets: ["WETH", "WBTC", "LINK", "UNI"],
  nu: 4,
  calm: {
    vols: [0.65, 0.55, 0.85, 0.9],
    drifts: [0.25, 0.2, 0.2, 0.15],
    corr: [
      [1, 0.8, 0.65, 0.65],
      [0.8, 1, 0.6, 0.6],
      [0.65, 0.6, 1, 0.6],
      [0.65, 0.6, 0.6, 1],
    ],
  },
  crash: { volMultiplier: 2.2, correlation: 0.9, drift: -2.5 },
  switching: { calmToCrash: 0.02, crashToCalm: 0.15 },
};

/** A generated (or replayed) market path. */
export interface MarketPath {
  assets: string[];
  /** `returns[t][i]`: log return of asset i on day t+1 (length = days). */
  returns: number[][];
  /** `prices[t][i]`: price on day t (length = days + 1; prices[0] = the initial prices). */
  prices: number[][];
  /** Regime of each day (length = days); "calm" throughout for a replay. */
  regimes: Regime[];
}

/** Correlation matrix of the crash regime: off-diagonals pulled up to `floor`. */
export function crashCorrelation(corr: Matrix, floor: number): Matrix {
  return corr.map((row, i) => row.map((c, j) => (i === j ? 1 : Math.max(c, floor))));
}

function validate(m: ReturnModel): void {
  const n = m.assets.length;
  const bad = (msg: string) => new SimError("BAD_MODEL", msg);
  if (n === 0) throw bad("no assets");
  if (!(m.nu > 2)) throw bad(`nu must be > 2 (got ${m.nu})`);
  if (m.calm.vols.length !== n || m.calm.drifts.length !== n) throw bad("vols/drifts length");
  if (m.calm.corr.length !== n || m.calm.corr.some((r) => r.length !== n))
    throw bad(`correlation matrix must be ${n}x${n}`);
  if (m.calm.vols.some((v) => !(v >= 0))) throw bad("vols must be >= 0");
  const { calmToCrash, crashToCalm } = m.switching;
  for (const p of [calmToCrash, crashToCalm])
    if (!(p >= 0 && p <= 1)) throw bad(`switching probability ${p} outside [0, 1]`);
  if (!(m.crash.volMultiplier >= 1)) throw bad("crash.volMultiplier must be >= 1");
  if (!(m.crash.correlation >= -1 && m.crash.correlation < 1))
    throw bad("crash.correlation must be in [-1, 1)");
}

/** One multivariate Student-t draw with unit variances and correlation L·Lᵀ. */
function mvt(rng: Rng, L: Matrix, nu: number): number[] {
  const n = L.length;
  const z = Array.from({ length: n }, () => standardNormal(rng));
  const w = (2 * gammaSample(rng, nu / 2)) / nu;
  const scale = Math.sqrt((nu - 2) / nu) / Math.sqrt(w);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k <= i; k++) s += L[i][k] * z[k];
    out[i] = s * scale;
  }
  return out;
}

/**
 * Generates `days` daily log returns and the price path from `initial` prices. Deterministic for
 * a given (model, days, seed, initial). `startRegime` defaults to calm.
 */
export function generateMarket(
  model: ReturnModel,
  days: number,
  seed: number,
  initial: readonly number[],
  startRegime: Regime = "calm",
): MarketPath {
  validate(model);
  const n = model.assets.length;
  if (!Number.isInteger(days) || days < 0) throw new SimError("BAD_MODEL", `bad days ${days}`);
  if (initial.length !== n || initial.some((p) => !(p > 0)))
    throw new SimError("BAD_MODEL", "initial prices must be positive, one per asset");
  const dt = 1 / (model.periodsPerYear ?? 365);
  const rng = mulberry32(seed);
  const Lcalm = cholesky(model.calm.corr);
  const Lcrash = cholesky(crashCorrelation(model.calm.corr, model.crash.correlation));
  const returns: number[][] = [];
  const regimes: Regime[] = [];
  const prices: number[][] = [[...initial]];
  let regime = startRegime;
  for (let t = 0; t < days; t++) {
    const u = rng();
    if (regime === "calm" && u < model.switching.calmToCrash) regime = "crash";
    else if (regime === "crash" && u < model.switching.crashToCalm) regime = "calm";
    const crash = regime === "crash";
    const eps = mvt(rng, crash ? Lcrash : Lcalm, model.nu);
    const r = eps.map((e, i) => {
      const vol = model.calm.vols[i] * (crash ? model.crash.volMultiplier : 1);
      const mu = crash ? model.crash.drift : model.calm.drifts[i];
      return (mu - 0.5 * vol * vol) * dt + vol * Math.sqrt(dt) * e;
    });
    returns.push(r);
    regimes.push(regime);
    const last = prices[prices.length - 1];
    prices.push(last.map((p, i) => p * Math.exp(r[i])));
  }
  return { assets: [...model.assets], returns, prices, regimes };
}

/**
 * Replays a long-format price CSV (time, symbol, close): `columns[i]` is the CSV symbol used for
 * asset i. Keeps the timestamps present for every mapped symbol (in order), rescales each series
 * so it starts at `initial[i]` (the stack's deployment prices; relative moves are kept) and
 * returns at most `days` steps (all when `days` is undefined).
 */
export function replayMarket(
  csvText: string,
  assets: readonly string[],
  columns: readonly string[],
  initial: readonly number[],
  days?: number,
): MarketPath {
  if (columns.length !== assets.length || initial.length !== assets.length)
    throw new SimError("BAD_REPLAY", "one CSV symbol and one initial price per asset");
  const series = parsePriceCsv(csvText, { symbols: [...columns], duplicates: "keep-last" });
  const maps = columns.map((c) => {
    const s = series[c];
    if (s === undefined || s.length === 0)
      throw new SimError("BAD_REPLAY", `no rows for symbol "${c}" in the CSV`);
    return new Map(s.map((p) => [p.t, p.price]));
  });
  const times = [...maps[0].keys()]
    .filter((t) => maps.every((m) => m.has(t)))
    .sort((a, b) => a - b);
  if (times.length < 2)
    throw new SimError("BAD_REPLAY", "the CSV has fewer than 2 common timestamps for the symbols");
  const used = days === undefined ? times : times.slice(0, days + 1);
  const raw = used.map((t) => maps.map((m) => m.get(t) as number));
  const prices = raw.map((row) => row.map((p, i) => (p / raw[0][i]) * initial[i]));
  const returns = prices.slice(1).map((row, t) => row.map((p, i) => Math.log(p / prices[t][i])));
  return {
    assets: [...assets],
    returns,
    prices,
    regimes: returns.map(() => "calm" as Regime),
  };
}

/** Sample correlation matrix of the columns of `rows` (T × n). */
export function sampleCorrelation(rows: readonly number[][]): Matrix {
  const n = rows[0]?.length ?? 0;
  const T = rows.length;
  if (T < 2) throw new SimError("BAD_MODEL", "sampleCorrelation: need >= 2 rows");
  const mu = Array.from({ length: n }, (_, i) => rows.reduce((s, r) => s + r[i], 0) / T);
  const cov = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) =>
      rows.reduce((s, r) => s + (r[i] - mu[i]) * (r[j] - mu[j]), 0),
    ),
  );
  return cov.map((row, i) => row.map((c, j) => c / Math.sqrt(cov[i][i] * cov[j][j])));
}
