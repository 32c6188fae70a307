import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import fc from "fast-check";
import { existsSync } from "node:fs";
import path from "node:path";
import { alignSeries, logReturns } from "../../../keeper/src/data/align.ts";
import { loadPriceCsvFile } from "../../../keeper/src/data/csv.ts";
import {
  cholesky,
  isSymmetric,
  matVec,
  minEigenvalue,
  symmetricEigen,
} from "../../../keeper/src/math/linalg.ts";
import type { Matrix } from "../../../keeper/src/math/linalg.ts";
import { mulberry32, standardNormal } from "../../../keeper/src/math/stats.ts";
import {
  annualizeCovariance,
  annualizeMean,
  annualizeVolatility,
  corrToCov,
  covToCorr,
  deannualizeCovariance,
  estimateCovariance,
  ewmaCovariance,
  ewmaWeights,
  halfLifeToLambda,
  lambdaToHalfLife,
  ledoitWolfConstantCorrelation,
  regimeAdjustedEwmaCovariance,
  repairPSD,
  rollingEstimates,
  sampleCovariance,
} from "../../../keeper/src/risk/covariance.ts";
import type { CovarianceConfig } from "../../../keeper/src/risk/covariance.ts";
import { RiskError } from "../../../keeper/src/risk/errors.ts";

const DATA_DIR = process.env.BALLAST_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");
const DAILY = path.join(DATA_DIR, "crypto_daily_usd.csv");
const utc = (s: string): number => Date.parse(s) / 1000;
const TEN = ["ADA", "AVAX", "BNB", "BTC", "DOGE", "DOT", "ETH", "LINK", "LTC", "MATIC"];

/** Known covariance: vols 2%..5% daily, correlations 0.2..0.8. */
const VOLS = [0.02, 0.03, 0.04, 0.05];
const CORR = [
  [1, 0.8, 0.5, 0.2],
  [0.8, 1, 0.6, 0.3],
  [0.5, 0.6, 1, 0.4],
  [0.2, 0.3, 0.4, 1],
];
const TRUE_COV = corrToCov(CORR, VOLS);

function simulate(
  T: number,
  cov: Matrix,
  seed: number,
  scaleFrom?: { row: number; factor: number },
): Matrix {
  const L = cholesky(cov);
  const rng = mulberry32(seed);
  return Array.from({ length: T }, (_, t) => {
    const z = cov.map(() => standardNormal(rng));
    const r = matVec(L, z);
    return scaleFrom && t >= scaleFrom.row ? r.map((v) => v * scaleFrom.factor) : r;
  });
}

function maxRelErr(est: Matrix, truth: Matrix): { vol: number; corr: number } {
  const a = covToCorr(est);
  const b = covToCorr(truth);
  let vol = 0;
  let corr = 0;
  for (let i = 0; i < truth.length; i++) {
    vol = Math.max(vol, Math.abs(a.vols[i] / b.vols[i] - 1));
    for (let j = 0; j < truth.length; j++)
      corr = Math.max(corr, Math.abs(a.corr[i][j] - b.corr[i][j]));
  }
  return { vol, corr };
}

async function realReturns(from: string, to: string): Promise<Matrix> {
  const d = await loadPriceCsvFile(DAILY, { symbols: TEN, from: utc(from), to: utc(to) });
  return logReturns(alignSeries(d, { bucket: "daily", symbols: TEN })).returns;
}

describe("risk/covariance", () => {
  it("converts half-life and lambda", () => {
    expect(halfLifeToLambda(1)).to.equal(0.5);
    expect(lambdaToHalfLife(0.94)).to.be.closeTo(11.2, 0.01);
    expect(lambdaToHalfLife(halfLifeToLambda(37))).to.be.closeTo(37, 1e-9);
    const w = ewmaWeights(5, 0.5);
    expect(w.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-15);
    expect(w[4] / w[3]).to.be.closeTo(2, 1e-12);
    expect(() => halfLifeToLambda(0)).to.throw(RiskError);
  });

  it("sample covariance matches a hand computation", () => {
    const R = [
      [1, 2],
      [2, 4],
      [3, 7],
    ];
    // means 2, 13/3; var(x) = 1; var(y) = ((−7/3)²+(−1/3)²+(8/3)²)/2 = 57/9; cov = (7/3+8/3)/2 = 2.5
    const S = sampleCovariance(R);
    expect(S[0][0]).to.be.closeTo(1, 1e-14);
    expect(S[1][1]).to.be.closeTo(57 / 9, 1e-14);
    expect(S[0][1]).to.be.closeTo(2.5, 1e-14);
    expect(S[1][0]).to.equal(S[0][1]);
    expect(sampleCovariance(R, { ddof: 0 })[0][0]).to.be.closeTo(2 / 3, 1e-14);
    expect(() => sampleCovariance([[1, 2]]))
      .to.throw(RiskError)
      .with.property("code", "INSUFFICIENT_DATA");
    expect(() => sampleCovariance([[1], [NaN]])).to.throw(RiskError);
  });

  it("sample covariance recovers a known covariance on seeded synthetic data", () => {
    const R = simulate(40000, TRUE_COV, 11);
    const err = maxRelErr(sampleCovariance(R), TRUE_COV);
    expect(err.vol).to.be.lessThan(0.02);
    expect(err.corr).to.be.lessThan(0.02);
  });

  it("EWMA recovers a known covariance (long half-life) and is unbiased at λ = 0.94", () => {
    const R = simulate(20000, TRUE_COV, 12);
    const err = maxRelErr(ewmaCovariance(R, { lambda: 0.9995 }), TRUE_COV);
    expect(err.vol).to.be.lessThan(0.06);
    expect(err.corr).to.be.lessThan(0.06);
    // default λ = 0.94: one estimate is noisy (≈ 32 effective obs), the average of 100
    // independent 150-row windows is close to the truth.
    const avg = TRUE_COV.map((r) => r.map(() => 0));
    for (let k = 0; k < 100; k++) {
      const E = ewmaCovariance(R.slice(k * 150, (k + 1) * 150));
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) avg[i][j] += E[i][j] / 100;
    }
    const e2 = maxRelErr(avg, TRUE_COV);
    expect(e2.vol).to.be.lessThan(0.05);
    expect(e2.corr).to.be.lessThan(0.05);
    // a single default estimate weights recent data: doubling the last 20 rows raises it
    const shocked = R.slice(0, 300).map((r, t) => (t >= 280 ? r.map((v) => 3 * v) : r));
    expect(ewmaCovariance(shocked)[0][0]).to.be.greaterThan(
      2 * ewmaCovariance(R.slice(0, 300))[0][0],
    );
  });

  it("EWMA with demean removes the weighted mean", () => {
    const R = [
      [1, 1],
      [1, 1],
      [1, 1],
    ];
    expect(ewmaCovariance(R)[0][0]).to.be.closeTo(1, 1e-15);
    expect(ewmaCovariance(R, { demean: true })[0][0]).to.be.closeTo(0, 1e-15);
  });

  it("Ledoit–Wolf: intensity near 0 for long well-specified data, target on equal correlations", () => {
    const R = simulate(5000, TRUE_COV, 13);
    const lw = ledoitWolfConstantCorrelation(R);
    expect(lw.intensity).to.be.within(0, 0.1);
    // constant-correlation truth: the target is right, so shrinkage is strong for short samples
    const cc = corrToCov(
      VOLS.map((_, i) => VOLS.map((__, j) => (i === j ? 1 : 0.5))),
      VOLS,
    );
    const short = ledoitWolfConstantCorrelation(simulate(40, cc, 14));
    expect(short.intensity).to.be.greaterThan(0.3);
    expect(short.target[0][1]).to.be.closeTo(
      short.averageCorrelation * Math.sqrt(short.target[0][0] * short.target[1][1]),
      1e-15,
    );
  });

  it("regime-adjusted EWMA scales up after a volatility jump, keeps correlations, honours the clip", () => {
    const calm = simulate(600, TRUE_COV, 15);
    const stressed = simulate(600, TRUE_COV, 15, { row: 580, factor: 3 });
    const a = regimeAdjustedEwmaCovariance(calm);
    const b = regimeAdjustedEwmaCovariance(stressed);
    expect(a.multiplier).to.be.within(0.7, 1.3);
    expect(b.volRatio).to.be.greaterThan(1.3);
    expect(b.multiplier).to.be.at.most(1.6);
    expect(b.multiplier).to.equal(Math.min(1.6, b.volRatio));
    expect(b.weights.reduce((x, y) => x + y, 0)).to.be.closeTo(1, 1e-12);
    const ca = covToCorr(b.cov).corr;
    const cb = covToCorr(b.baseCov).corr;
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) expect(ca[i][j]).to.be.closeTo(cb[i][j], 1e-12);
    expect(b.cov[0][0]).to.be.closeTo(b.multiplier ** 2 * b.baseCov[0][0], 1e-18);
    const wide = regimeAdjustedEwmaCovariance(stressed, { clip: [0.1, 10] });
    expect(wide.multiplier).to.equal(wide.volRatio);
    // σ_L² is the long EWMA variance of the same portfolio
    expect(b.longVariance).to.be.greaterThan(0);
  });

  it("repairPSD fixes an indefinite matrix and leaves a PSD one unchanged", () => {
    const bad = [
      [0.04, 0.05, -0.03],
      [0.05, 0.04, 0.03],
      [-0.03, 0.03, 0.04],
    ];
    const r = repairPSD(bad, 1e-8);
    expect(r.repaired).to.equal(true);
    expect(r.minEigenvalueBefore).to.be.lessThan(0);
    expect(minEigenvalue(r.cov)).to.be.greaterThan(1e-8 - 1e-15);
    expect(isSymmetric(r.cov, 0)).to.equal(true);
    const ok = repairPSD(TRUE_COV);
    expect(ok.repaired).to.equal(false);
    expect(ok.cov).to.deep.equal(TRUE_COV);
  });

  it("annualizes with periods per year as a parameter", () => {
    expect(annualizeVolatility(0.02, 365)).to.be.closeTo(0.02 * Math.sqrt(365), 1e-15);
    expect(annualizeMean(0.001, 252)).to.be.closeTo(0.252, 1e-15);
    const a = annualizeCovariance(TRUE_COV, 8760);
    expect(a[1][2]).to.be.closeTo(TRUE_COV[1][2] * 8760, 1e-15);
    expect(deannualizeCovariance(a, 8760)[1][2]).to.be.closeTo(TRUE_COV[1][2], 1e-18);
    expect(() => annualizeVolatility(1, 0)).to.throw(RiskError);
  });

  it("NO LOOK-AHEAD: every estimator's rolling estimate at t ignores rows after t", () => {
    const configs: CovarianceConfig[] = [
      { method: "sample" },
      { method: "ewma" },
      { method: "ledoit-wolf" },
      { method: "regime-adjusted-ewma", shortHalfLife: 3, longHalfLife: 8 },
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 5, max: 15 }),
        fc.integer({ min: 0, max: 30 }),
        (seed, seed2, window, cutOffset) => {
          const R = simulate(50, TRUE_COV, seed);
          const cut = Math.min(49, window - 1 + cutOffset); // "now" = row index cut
          const future = simulate(50, TRUE_COV, seed2);
          const altered = R.map((row, t) => (t > cut ? future[t].map((v) => v * 5) : row));
          for (const cfg of configs) {
            const est = (rows: readonly number[][]) => estimateCovariance(rows, cfg);
            const a = rollingEstimates(R, window, est);
            const b = rollingEstimates(altered, window, est);
            const upTo = cut - (window - 1); // estimates at rows ≤ cut
            for (let k = 0; k <= upTo; k++) {
              if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
            }
            // sanity: the perturbation does change a later estimate
            if (cut < 49 && JSON.stringify(a[a.length - 1]) === JSON.stringify(b[b.length - 1]))
              return false;
          }
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });

  describe("real data: 10 coins, 2022–2023 daily", () => {
    before(function () {
      if (!existsSync(DAILY)) {
        console.log(`skipping real-data tests: ${DAILY} is absent`);
        this.skip();
      }
    });

    it("Ledoit–Wolf intensity in [0,1], PSD output, and the reference (covCor.m) value", async () => {
      const R = await realReturns("2022-01-01", "2023-12-31");
      expect(R).to.have.length(729);
      const lw = ledoitWolfConstantCorrelation(R);
      expect(lw.intensity).to.be.within(0, 1);
      // independent NumPy port of Ledoit & Wolf's covCor.m on the same returns:
      expect(lw.intensity).to.be.closeTo(0.43872960930956095, 1e-10);
      expect(lw.averageCorrelation).to.be.closeTo(0.7341584698617818, 1e-12);
      expect(isSymmetric(lw.cov, 0)).to.equal(true);
      expect(symmetricEigen(lw.cov).values[9]).to.be.greaterThan(0);
      cholesky(lw.cov);
      // the shrunk matrix is between S (1/T) and F entry-wise
      const S = sampleCovariance(R, { ddof: 0 });
      const d = lw.intensity;
      expect(lw.cov[0][1]).to.be.closeTo(d * lw.target[0][1] + (1 - d) * S[0][1], 1e-15);
    });

    it("Ledoit–Wolf on a T < N window (8 days, 10 coins): intensity in [0,1], PD output", async () => {
      const R = (await realReturns("2022-05-01", "2022-05-09")).slice(0, 8);
      expect(R).to.have.length(8);
      expect(minEigenvalue(sampleCovariance(R))).to.be.lessThan(1e-12); // singular sample
      const lw = ledoitWolfConstantCorrelation(R);
      expect(lw.intensity).to.be.within(0, 1);
      expect(lw.intensity).to.be.greaterThan(0);
      expect(minEigenvalue(lw.cov)).to.be.greaterThan(0);
      cholesky(lw.cov);
    });

    it("all estimators give PSD matrices with plausible crypto vols", async () => {
      const R = await realReturns("2022-01-01", "2023-12-31");
      for (const cfg of [
        { method: "sample" },
        { method: "ewma" },
        { method: "ledoit-wolf" },
        { method: "regime-adjusted-ewma" },
      ] as CovarianceConfig[]) {
        const C = estimateCovariance(R, cfg);
        expect(minEigenvalue(C), cfg.method).to.be.greaterThan(-1e-12);
        const btcVol = annualizeVolatility(Math.sqrt(C[3][3]), 365);
        expect(btcVol, cfg.method).to.be.within(0.15, 1.2);
      }
    });
  });
});
