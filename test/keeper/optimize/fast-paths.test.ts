import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import { mulberry32, standardNormal } from "../../../keeper/src/math/stats.ts";
import type { Rng } from "../../../keeper/src/math/stats.ts";
import {
  ercCcd,
  ercDispersion,
  kktMax,
  kktResiduals,
  minVariance,
  riskContributions,
  riskParity,
  solveBoxBudgetQp,
  spinuNewton,
} from "../../../keeper/src/optimize/index.ts";
import type { BoxBudgetQp, QpProblem } from "../../../keeper/src/optimize/index.ts";

/** One-factor covariance (daily scale), as in the optimizer benchmark. */
function oneFactor(rng: Rng, n: number): number[][] {
  const beta = Array.from({ length: n }, () => 0.5 + rng());
  const idio = Array.from({ length: n }, () => 0.02 + 0.03 * rng());
  const fv = 0.03 ** 2;
  return beta.map((bi, i) => beta.map((bj, j) => fv * bi * bj + (i === j ? idio[i] ** 2 : 0)));
}

/** Three-factor covariance (annual scale) with a dominant market factor. */
function threeFactor(rng: Rng, n: number): number[][] {
  const f = Array.from({ length: n }, () => [
    0.3 + 0.5 * rng(),
    0.2 * standardNormal(rng),
    0.1 * standardNormal(rng),
  ]);
  const idio = Array.from({ length: n }, () => 0.1 + 0.4 * rng());
  return f.map((fi, i) =>
    f.map((fj, j) => fi.reduce((s, v, k) => s + v * fj[k], 0) + (i === j ? idio[i] ** 2 : 0)),
  );
}

function asQp(p: BoxBudgetQp): QpProblem {
  const n = p.Q.length;
  return {
    n,
    Q: p.Q,
    c: p.c,
    lb: p.lb,
    ub: p.ub,
    rows: [
      {
        idx: Array.from({ length: n }, (_, i) => i),
        val: new Array<number>(n).fill(1),
        lo: p.budget?.lo ?? -Infinity,
        hi: p.budget?.hi ?? Infinity,
      },
    ],
  };
}

describe("keeper/optimize fast paths", function () {
  this.timeout(120_000);

  describe("active-set warm start (reduced initial free set for minimum variance)", () => {
    it("reaches the same KKT point as the all-free start (N = 30..200, caps, fixed assets)", () => {
      const rng = mulberry32(314);
      let cases = 0;
      for (const n of [30, 45, 80, 200]) {
        for (const variant of ["plain", "caps", "fixed", "3-factor"]) {
          const cov = variant === "3-factor" ? threeFactor(rng, n) : oneFactor(rng, n);
          const lb = new Array<number>(n).fill(0);
          const ub = new Array<number>(n).fill(1);
          if (variant === "caps") for (let i = 0; i < n; i++) ub[i] = 2 / n + rng() / n;
          if (variant === "fixed") {
            lb[0] = ub[0] = 0.01;
            lb[1] = ub[1] = 0;
            for (let i = 2; i < n; i++) ub[i] = 0.2;
          }
          const p: BoxBudgetQp = {
            Q: cov.map((r) => r.map((v) => 2 * v)),
            c: new Array<number>(n).fill(0),
            lb,
            ub,
            budget: { lo: 1, hi: 1 },
          };
          const warm = solveBoxBudgetQp(p);
          const cold = solveBoxBudgetQp(p, { warmStart: false });
          const gap = (warm.objective - cold.objective) / cold.objective;
          expect(gap).to.be.at.most(1e-10);
          expect(gap).to.be.at.least(-1e-10);
          warm.x.forEach((v, i) => expect(v).to.be.closeTo(cold.x[i], 1e-7));
          const k = kktResiduals(asQp(p), warm.x, [warm.budgetDual], warm.boundDual);
          expect(kktMax(k)).to.be.at.most(1e-9 * Math.max(...p.Q.map((r, i) => r[i])));
          expect(k.primalFeasibility).to.be.at.most(1e-12);
          cases++;
        }
      }
      expect(cases).to.equal(16);
    });

    it("solves a problem where most assets are held (the guess is far too small)", () => {
      // Nearly uncorrelated assets with similar variances: every asset is held.
      const rng = mulberry32(99);
      const n = 60;
      const cov = Array.from({ length: n }, (_, i) =>
        Array.from({ length: n }, (_, j) => (i === j ? 0.04 + 0.01 * rng() : 0.0004)),
      );
      const p: BoxBudgetQp = {
        Q: cov,
        c: new Array<number>(n).fill(0),
        lb: new Array<number>(n).fill(0),
        ub: new Array<number>(n).fill(1),
        budget: { lo: 1, hi: 1 },
      };
      const warm = solveBoxBudgetQp(p);
      const cold = solveBoxBudgetQp(p, { warmStart: false });
      expect(warm.x.filter((v) => v > 0).length).to.equal(n);
      expect(Math.abs(warm.objective - cold.objective) / cold.objective).to.be.at.most(1e-12);
      const k = kktResiduals(asQp(p), warm.x, [warm.budgetDual], warm.boundDual);
      expect(kktMax(k)).to.be.at.most(1e-12);
    });

    it("minVariance at N = 200 holds few assets and satisfies KKT", () => {
      const cov = oneFactor(mulberry32(1200), 200);
      const r = minVariance({ cov }, { fullyInvested: true });
      expect(r.status).to.equal("optimal");
      expect(r.solver).to.equal("active-set");
      expect(kktMax(r.kkt!)).to.be.at.most(1e-12);
      const held = r.weights.filter((w) => w > 0).length;
      expect(held).to.be.within(5, 100);
    });
  });

  describe("ERC: scale-free coordinate descent with tracked Σx", () => {
    it("meets random risk budgets to 1e-12, reports its error exactly and agrees with Newton", () => {
      const rng = mulberry32(2718);
      for (const n of [16, 50, 120]) {
        for (const make of [oneFactor, threeFactor]) {
          const cov = make(rng, n);
          const raw = Array.from({ length: n }, () => 0.5 + rng());
          const tot = raw.reduce((a, v) => a + v, 0);
          const b = raw.map((v) => v / tot);
          const r = ercCcd(cov, b);
          expect(r.converged).to.equal(true);
          // Factor-structured covariances: a handful of sweeps, not the ~15+ of Spinu-form CCD.
          expect(r.sweeps).to.be.at.most(12);
          // The tracked Σx is Σx, and the reported error is the budget error recomputed from scratch.
          const sx = cov.map((row) => row.reduce((s, v, j) => s + v * r.x[j], 0));
          sx.forEach((v, i) => expect(Math.abs(v - r.sx[i])).to.be.at.most(1e-14 * Math.abs(v)));
          const rc = r.x.map((xi, i) => xi * sx[i]);
          const total = rc.reduce((a, v) => a + v, 0);
          const err = Math.max(...rc.map((v, i) => Math.abs(v / (b[i] * total) - 1)));
          expect(err).to.be.at.most(1e-12);
          expect(Math.abs(err - r.error)).to.be.at.most(1e-14);
          // Same fixed point as Spinu's problem (x_i(Σx)_i = b_i), solved independently by Newton.
          const newton = spinuNewton(cov, b);
          r.x.forEach((xi, i) => expect(Math.abs(xi / newton.x[i] - 1)).to.be.at.most(1e-10));
        }
      }
    });

    it("riskParity equalises contributions to 1e-12 (N = 3..200) and reports them exactly", () => {
      const rng = mulberry32(1618);
      for (const n of [3, 7, 8, 9, 10, 15, 16, 17, 50, 200]) {
        const cov = n % 2 === 0 ? oneFactor(rng, n) : threeFactor(rng, n);
        const r = riskParity({ cov }, { fullyInvested: true });
        expect(r.status).to.equal("optimal");
        expect(r.objective).to.be.at.most(1e-12);
        const d = ercDispersion(r.weights, cov);
        expect(d).to.be.at.most(1.01e-12);
        // The fused diagnostics equal the reference functions.
        expect(r.objective).to.be.closeTo(d, 1e-13);
        const rc = riskContributions(r.weights, cov);
        const vol = Math.sqrt(rc.reduce((a, v) => a + v, 0));
        expect(r.volatility).to.be.closeTo(vol, 1e-12 * vol);
        expect(r.weights.reduce((a, v) => a + v, 0)).to.be.closeTo(1, 1e-12);
        expect(r.weights.every((w) => w > 0)).to.equal(true);
      }
    });

    it("converges on a nearly singular block structure (correlated pairs and a hedge)", () => {
      // Six copies of a 0.99-correlated pair plus a negatively correlated hedge asset.
      const cov = [
        [0.04, 0.0396, -0.018],
        [0.0396, 0.04, -0.018],
        [-0.018, -0.018, 0.09],
      ];
      const big = Array.from({ length: 18 }, (_, i) =>
        Array.from({ length: 18 }, (_, j) => cov[i % 3][j % 3] + (i === j ? 0.001 : 0)),
      );
      const r = riskParity({ cov: big }, { fullyInvested: true });
      expect(ercDispersion(r.weights, big)).to.be.at.most(1.01e-12);
      // Converged by coordinate descent alone (the Newton hand-over is at 100 sweeps).
      expect(r.iterations).to.be.below(100);
    });
  });
});
