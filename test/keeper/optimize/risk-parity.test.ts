import { expect } from "chai";
import { mulberry32, standardNormal } from "../../../keeper/src/math/stats.ts";
import type { Rng } from "../../../keeper/src/math/stats.ts";
import {
  ERC_TOLERANCE,
  OptimizerError,
  ercCcd,
  ercDispersion,
  portfolioVol,
  riskContributions,
  riskParity,
} from "../../../keeper/src/optimize/index.ts";
import type { OptimizerResult } from "../../../keeper/src/optimize/index.ts";

/** Seeded covariance with a dominant factor, two weaker ones and idiosyncratic noise (daily scale). */
function factorCov(rng: Rng, n: number): number[][] {
  const f = Array.from({ length: n }, () => [
    0.02 + 0.02 * rng(),
    0.01 * standardNormal(rng),
    0.005 * standardNormal(rng),
  ]);
  const idio = Array.from({ length: n }, () => 0.01 + 0.03 * rng());
  return f.map((fi, i) =>
    f.map((fj, j) => fi.reduce((s, v, k) => s + v * fj[k], 0) + (i === j ? idio[i] ** 2 : 0)),
  );
}

/** Sample covariance of T seeded draws (full rank when T > N, noisy like a real estimate). */
function sampleCov(rng: Rng, n: number, T: number): number[][] {
  const R = Array.from({ length: T }, () => {
    const m = standardNormal(rng);
    return Array.from(
      { length: n },
      (_, i) => 0.02 * (0.5 + (i % 4) / 4) * m + 0.02 * standardNormal(rng),
    );
  });
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => R.reduce((s, r) => s + r[i] * r[j], 0) / T),
  );
}

/** The reported objective and volatility equal fresh computations on the returned weights. */
function expectHonestDiagnostics(r: OptimizerResult, cov: number[][]): void {
  expect(Math.abs(r.objective - ercDispersion(r.weights, cov))).to.be.at.most(1e-13);
  const vol = portfolioVol(r.weights, cov);
  expect(Math.abs(r.volatility - vol)).to.be.at.most(1e-12 * vol);
  expect(Math.abs(r.cash - (1 - r.weights.reduce((a, v) => a + v, 0)))).to.be.at.most(1e-15);
}

function expectCode(f: () => unknown, code: string): void {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(OptimizerError);
    expect((e as OptimizerError).code).to.equal(code);
    return;
  }
  expect.fail(`expected OptimizerError ${code}`);
}

describe("keeper/optimize risk parity (scale-free CCD)", function () {
  this.timeout(60_000);

  it("meets unequal risk budgets: RC_i/ΣRC = b_i/Σb to 1e-12", () => {
    const rng = mulberry32(4401);
    for (const n of [4, 13, 40]) {
      const cov = factorCov(rng, n);
      const budgets = Array.from({ length: n }, () => 1 + 4 * rng());
      const total = budgets.reduce((a, v) => a + v, 0);
      const r = riskParity({ cov, budgets }, { fullyInvested: true });
      const rc = riskContributions(r.weights, cov);
      const var_ = rc.reduce((a, v) => a + v, 0);
      rc.forEach((v, i) =>
        expect(Math.abs(v / var_ / (budgets[i] / total) - 1)).to.be.at.most(1.01e-12),
      );
      expectHonestDiagnostics(r, cov);
    }
  });

  it("ercCcd normalises budgets of any scale: x_i(Σx)_i = b_i/Σb at the solution", () => {
    const rng = mulberry32(4402);
    const n = 25;
    const cov = factorCov(rng, n);
    const b = Array.from({ length: n }, () => 2 + rng());
    const sb = b.reduce((a, v) => a + v, 0);
    const r = ercCcd(cov, b);
    expect(r.converged).to.equal(true);
    r.x.forEach((xi, i) => {
      const sxi = cov[i].reduce((s, v, j) => s + v * r.x[j], 0);
      expect(Math.abs((xi * sxi) / (b[i] / sb) - 1)).to.be.at.most(1e-11);
    });
  });

  it("converges on noisy sample covariances, negative correlations and mixed scales", () => {
    const rng = mulberry32(4403);
    const neg = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        Array.from({ length: n }, (_, j) => (i === j ? 1 : (i + j) % 2 ? -0.05 : 0.1)),
      );
    const scales = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        Array.from(
          { length: n },
          (_, j) => (i === j ? 1 : 0.4) * 10 ** ((i % 7) - 3) * 10 ** ((j % 7) - 3),
        ),
      );
    for (const cov of [
      sampleCov(rng, 30, 35),
      sampleCov(rng, 64, 400),
      neg(9),
      neg(50),
      scales(40),
    ]) {
      const r = riskParity({ cov }, { fullyInvested: true });
      expect(r.objective).to.be.at.most(ERC_TOLERANCE);
      expect(ercDispersion(r.weights, cov)).to.be.at.most(1.01e-12);
      expect(r.iterations).to.be.below(100);
      expect(r.weights.every((w) => w > 0)).to.equal(true);
      expectHonestDiagnostics(r, cov);
    }
  });

  it("is invariant to the scale of Σ and equivariant to a permutation of the assets", () => {
    const rng = mulberry32(4404);
    const n = 21;
    const cov = factorCov(rng, n);
    const base = riskParity({ cov }, { fullyInvested: true }).weights;
    const scaled = riskParity(
      { cov: cov.map((r) => r.map((v) => v * 250)) },
      { fullyInvested: true },
    );
    scaled.weights.forEach((w, i) => expect(Math.abs(w / base[i] - 1)).to.be.at.most(1e-10));
    const perm = Array.from({ length: n }, (_, i) => (i * 8 + 5) % n);
    const pcov = perm.map((pi) => perm.map((pj) => cov[pi][pj]));
    const pw = riskParity({ cov: pcov }, { fullyInvested: true }).weights;
    pw.forEach((w, k) => expect(Math.abs(w / base[perm[k]] - 1)).to.be.at.most(1e-10));
  });

  it("hands over to damped Newton when the sweep budget runs out, with the same answer", () => {
    const rng = mulberry32(4405);
    const cov = factorCov(rng, 30);
    const full = riskParity({ cov }, { fullyInvested: true });
    const r = riskParity({ cov }, { fullyInvested: true }, { maxSweeps: 2 });
    expect(r.iterations).to.be.above(2);
    expect(r.objective).to.be.at.most(1e-12);
    r.weights.forEach((w, i) => expect(Math.abs(w / full.weights[i] - 1)).to.be.at.most(1e-10));
    expectHonestDiagnostics(r, cov);
  });

  it("hands over to Newton by itself when coordinate descent crawls (a −0.999 hedge pair)", () => {
    // CCD contracts by about ρ² per sweep here: 100 sweeps leave the error far above 1e-12.
    const cov = [
      [0.04, -0.999 * 0.2 * 0.3],
      [-0.999 * 0.2 * 0.3, 0.09],
    ];
    const r = riskParity({ cov }, { fullyInvested: true });
    expect(r.iterations).to.be.above(100);
    expect(r.weights[0]).to.be.closeTo(0.6, 1e-12);
    expect(r.objective).to.be.at.most(1e-12);
    expectHonestDiagnostics(r, cov);
  });

  it("reports honest diagnostics after a target-volatility scaling and after caps", () => {
    const rng = mulberry32(4406);
    const n = 12;
    const cov = factorCov(rng, n);
    const erc = riskParity({ cov }, { fullyInvested: true });
    // Target volatility below the ERC volatility: scaled toward cash, contributions stay equal.
    const tv = riskParity({ cov }, { targetVol: 0.5 * erc.volatility });
    expect(tv.targetVol?.action).to.equal("scaled-to-cash");
    expect(tv.volatility).to.be.closeTo(0.5 * erc.volatility, 1e-12 * erc.volatility);
    expect(tv.objective).to.be.at.most(1e-12);
    expectHonestDiagnostics(tv, cov);
    // A cap below the largest ERC weight: scaled to cash, or Richard–Roncalli when fully invested.
    const cap = 0.9 * Math.max(...erc.weights);
    const cash = riskParity({ cov }, { maxWeight: cap });
    expect(cash.constraintViolation).to.equal(0);
    expect(cash.cash).to.be.above(0);
    expectHonestDiagnostics(cash, cov);
    const fi = riskParity({ cov }, { maxWeight: cap, fullyInvested: true });
    expect(fi.constraintViolation).to.be.at.most(1e-9);
    expect(fi.objective).to.be.above(0);
    expectHonestDiagnostics(fi, cov);
  });

  it("rejects a non-positive variance, NaN entries, bad budgets and a turnover limit", () => {
    const cov = [
      [0.04, 0.01],
      [0.01, 0.09],
    ];
    expectCode(
      () =>
        riskParity({
          cov: [
            [0, 0],
            [0, 0.09],
          ],
        }),
      "INVALID_INPUT",
    );
    expectCode(
      () =>
        riskParity({
          cov: [
            [0.04, NaN],
            [NaN, 0.09],
          ],
        }),
      "INVALID_INPUT",
    );
    expectCode(() => riskParity({ cov, budgets: [1, 0] }), "INVALID_INPUT");
    expectCode(() => riskParity({ cov, budgets: [1, NaN] }), "INVALID_INPUT");
    expectCode(() => riskParity({ cov, budgets: [1] }), "INVALID_INPUT");
    expectCode(
      () => riskParity({ cov }, { turnover: { current: [0.5, 0.5], limit: 0.1 } }),
      "UNSUPPORTED",
    );
  });
});
