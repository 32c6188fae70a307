import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import { mulberry32, standardNormal } from "../../../keeper/src/math/stats.ts";
import type { Rng } from "../../../keeper/src/math/stats.ts";
import { nearestPSD } from "../../../keeper/src/math/linalg.ts";
import {
  ActiveSetError,
  createHighs,
  fitsActiveSet,
  kktMax,
  kktResiduals,
  meanVariance,
  minVariance,
  solveBoxBudgetQp,
  solveQp,
  solveWithActiveSet,
} from "../../../keeper/src/optimize/index.ts";
import type {
  BoxBudgetQp,
  HighsLike,
  QpProblem,
  QpSolverName,
} from "../../../keeper/src/optimize/index.ts";

/** Seeded covariance with two factors plus idiosyncratic noise (annual scale). */
function randomCov(rng: Rng, n: number): number[][] {
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

type BudgetKind = "eq" | "cap" | "range";

/** A random feasible box + budget problem (boxes and budget level random, μ optional). */
function randomProblem(rng: Rng, n: number, kind: BudgetKind, withMu: boolean): QpProblem {
  const cov = randomCov(rng, n);
  const lb = Array.from({ length: n }, () => (rng() < 0.3 ? 0.01 * rng() : 0));
  const ub = lb.map((l) => (rng() < 0.2 ? 1 : l + (1.5 + 3 * rng()) / n));
  const sumL = lb.reduce((a, b) => a + b, 0);
  const sumU = ub.reduce((a, b) => a + b, 0);
  const b = sumL + (0.2 + 0.7 * rng()) * (Math.min(sumU, 1) - sumL);
  const all = Array.from({ length: n }, (_, i) => i);
  const ones = new Array<number>(n).fill(1);
  const row =
    kind === "eq"
      ? { idx: all, val: ones, lo: b, hi: b }
      : kind === "cap"
        ? { idx: all, val: ones, lo: -Infinity, hi: b }
        : { idx: all, val: ones, lo: sumL + 0.5 * (b - sumL), hi: b };
  const gamma = 2 + 6 * rng();
  return {
    n,
    Q: cov.map((r) => r.map((v) => gamma * v)),
    c: withMu ? Array.from({ length: n }, () => -(0.3 * rng() - 0.05)) : new Array(n).fill(0),
    lb,
    ub,
    rows: [row],
  };
}

function toBoxBudget(p: QpProblem): BoxBudgetQp {
  return { Q: p.Q, c: p.c, lb: p.lb, ub: p.ub, budget: { lo: p.rows[0].lo, hi: p.rows[0].hi } };
}

const relGap = (a: number, b: number) =>
  Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

describe("keeper/optimize/active-set", function () {
  this.timeout(120_000);
  let highs: HighsLike;
  before(async () => {
    highs = await createHighs();
  });

  it("satisfies KKT to 1e-9 on seeded random problems (N = 5..60, boxes, both budgets, μ = 0/≠ 0)", () => {
    const rng = mulberry32(2024);
    let count = 0;
    for (const n of [5, 8, 13, 20, 35, 60]) {
      for (const kind of ["eq", "cap", "range"] as BudgetKind[]) {
        for (const withMu of [false, true]) {
          const p = randomProblem(rng, n, kind, withMu);
          expect(fitsActiveSet(p)).to.equal(true);
          const sol = solveWithActiveSet(p);
          expect(sol.status).to.equal("optimal");
          const k = kktResiduals(p, sol.x, sol.rowDual, sol.colDual);
          expect(kktMax(k)).to.be.at.most(1e-9);
          expect(k.primalFeasibility).to.be.at.most(1e-12);
          count++;
        }
      }
    }
    expect(count).to.equal(36);
  });

  it("the primal phase alone (PDAS disabled) reaches the same optimum", () => {
    const rng = mulberry32(77);
    for (const n of [6, 25, 50]) {
      for (const kind of ["eq", "cap", "range"] as BudgetKind[]) {
        const p = randomProblem(rng, n, kind, true);
        const a = solveBoxBudgetQp(toBoxBudget(p));
        const b = solveBoxBudgetQp(toBoxBudget(p), { maxPdasIterations: 0 });
        expect(b.phase).to.equal("primal");
        expect(relGap(a.objective, b.objective)).to.be.at.most(1e-10);
        const k = kktResiduals(p, b.x, [b.budgetDual], b.boundDual);
        expect(kktMax(k)).to.be.at.most(1e-9);
      }
    }
  });

  it("agrees with HiGHS and quadprog to 1e-8 on the objective", () => {
    const rng = mulberry32(99);
    let compared = 0;
    let highsFailures = 0;
    for (const n of [5, 12, 30, 60]) {
      for (const kind of ["eq", "cap", "range"] as BudgetKind[]) {
        for (const withMu of [false, true]) {
          const p = randomProblem(rng, n, kind, withMu);
          const ours = solveQp(p, { solver: "active-set" });
          expect(ours.solver).to.equal("active-set");
          for (const solver of ["highs", "quadprog"] as QpSolverName[]) {
            let ref;
            try {
              ref = solveQp(p, { solver, highs });
            } catch (e) {
              // HiGHS 1.x's QP solver sometimes aborts ("run failed with HiGHS status -1") on
              // these dense problems; count it, the other comparisons still have to hold.
              expect(solver).to.equal("highs");
              expect((e as Error).message).to.match(/HiGHS status/);
              highsFailures++;
              continue;
            }
            compared++;
            expect(ref.status).to.equal("optimal");
            // Ours is at least as good (within 1e-8 relative) and they agree to 1e-8.
            expect(ours.objective).to.be.at.most(ref.objective + 1e-8 * Math.abs(ref.objective));
            expect(relGap(ours.objective, ref.objective)).to.be.at.most(1e-8);
          }
        }
      }
    }
    expect(compared).to.be.at.least(44);
    expect(compared + highsFailures).to.equal(48);
  });

  it("matches the two-asset closed form", () => {
    const s1 = 0.6;
    const s2 = 0.9;
    const rho = 0.4;
    const cov = [
      [s1 * s1, rho * s1 * s2],
      [rho * s1 * s2, s2 * s2],
    ];
    const w1 = (s2 * s2 - rho * s1 * s2) / (s1 * s1 + s2 * s2 - 2 * rho * s1 * s2);
    const r = minVariance({ cov }, { fullyInvested: true }, { solver: "active-set" });
    expect(r.solver).to.equal("active-set");
    expect(r.weights[0]).to.be.closeTo(w1, 1e-14);
    expect(r.weights[1]).to.be.closeTo(1 - w1, 1e-14);
    expect(kktMax(r.kkt!)).to.be.at.most(1e-15);
    // Cap binding: w1 ≤ 0.5 forces w = (0.5, 0.5).
    const capped = solveBoxBudgetQp({
      Q: cov,
      c: [0, 0],
      lb: [0, 0],
      ub: [0.5, 1],
      budget: { lo: 1, hi: 1 },
    });
    expect(w1).to.be.above(0.5);
    expect(capped.x).to.deep.equal([0.5, 0.5]);
  });

  it("handles degenerate cases: all at bounds, fixed variables, an unbounded-above box", () => {
    const cov = randomCov(mulberry32(5), 4);
    // Σu = 1 exactly: the only feasible point is w = u.
    const allUpper = solveBoxBudgetQp({
      Q: cov,
      c: [0.1, -0.2, 0.3, 0],
      lb: [0, 0, 0, 0],
      ub: [0.25, 0.25, 0.25, 0.25],
      budget: { lo: 1, hi: 1 },
    });
    expect(allUpper.x).to.deep.equal([0.25, 0.25, 0.25, 0.25]);
    // Σl = cap exactly with cash: w = l.
    const allLower = solveBoxBudgetQp({
      Q: cov,
      c: [-1, -1, -1, -1],
      lb: [0.1, 0.2, 0.3, 0.4],
      ub: [1, 1, 1, 1],
      budget: { lo: -Infinity, hi: 1 },
    });
    allLower.x.forEach((v, i) => expect(v).to.be.closeTo([0.1, 0.2, 0.3, 0.4][i], 1e-15));
    // A fixed variable (l = u) stays put; no budget row at all with infinite caps.
    const p: QpProblem = {
      n: 4,
      Q: cov,
      c: [-0.3, -0.1, 0.05, -0.2],
      lb: [0, 0.2, 0, 0],
      ub: [Infinity, 0.2, Infinity, Infinity],
      rows: [],
    };
    const s = solveWithActiveSet(p);
    expect(s.x[1]).to.equal(0.2);
    expect(kktMax(kktResiduals(p, s.x, s.rowDual, s.colDual))).to.be.at.most(1e-12);
    const ref = solveQp(p, { solver: "highs", highs });
    expect(relGap(s.objective, ref.objective)).to.be.at.most(1e-8);
  });

  it("solves a singular covariance repaired by nearestPSD (N = 30 assets, T = 12 observations)", () => {
    const rng = mulberry32(13);
    const n = 30;
    const T = 12;
    const R = Array.from({ length: T }, () =>
      Array.from({ length: n }, () => 0.03 * standardNormal(rng)),
    );
    const raw = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => R.reduce((s, r) => s + r[i] * r[j], 0) / (T - 1)),
    );
    const cov = nearestPSD(raw);
    const mu = Array.from({ length: n }, () => 0.001 * standardNormal(rng));
    for (const withMu of [false, true]) {
      const p: QpProblem = {
        n,
        Q: cov.map((r) => r.map((v) => 2 * v)),
        c: withMu ? mu.map((m) => -m) : new Array(n).fill(0),
        lb: new Array(n).fill(0),
        ub: new Array(n).fill(0.2),
        rows: [{ idx: [...Array(n).keys()], val: new Array(n).fill(1), lo: 1, hi: 1 }],
      };
      const s = solveWithActiveSet(p);
      expect(s.status).to.equal("optimal");
      expect(kktMax(kktResiduals(p, s.x, s.rowDual, s.colDual))).to.be.at.most(1e-9);
      const ref = solveQp(p, { solver: "highs", highs });
      expect(s.objective).to.be.at.most(ref.objective + 1e-8 * Math.abs(ref.objective) + 1e-15);
    }
  });

  it("raises typed errors: infeasible box, malformed input, iteration cap", () => {
    const cov = randomCov(mulberry32(3), 5);
    const base = { Q: cov, c: new Array(5).fill(0), lb: new Array(5).fill(0) };
    const infeasible = () =>
      solveBoxBudgetQp({ ...base, ub: new Array(5).fill(0.1), budget: { lo: 1, hi: 1 } });
    expect(infeasible).to.throw(ActiveSetError).with.property("code", "INFEASIBLE");
    expect(() => solveBoxBudgetQp({ ...base, lb: [0, 0, 0, 0, 0.5], ub: [1, 1, 1, 1, 0.4] }))
      .to.throw(ActiveSetError)
      .with.property("code", "INFEASIBLE");
    expect(() => solveBoxBudgetQp({ ...base, ub: [1, 1, 1] }))
      .to.throw(ActiveSetError)
      .with.property("code", "INVALID_INPUT");
    expect(() =>
      solveBoxBudgetQp(
        {
          ...base,
          c: [-1, 0.5, -0.2, 0.3, 0],
          ub: new Array(5).fill(0.3),
          budget: { lo: 1, hi: 1 },
        },
        { maxPdasIterations: 0, maxIterations: 1 },
      ),
    )
      .to.throw(ActiveSetError)
      .with.property("code", "ITERATION_LIMIT");
    // The optimizers report the infeasible box as a status, like HiGHS.
    const r = minVariance({ cov }, { fullyInvested: true, maxWeight: 0.1 });
    expect(r.solver).to.equal("active-set");
    expect(r.status).to.equal("infeasible");
  });

  it("is the default for minimum variance and mean-variance, falling back for turnover", () => {
    const rng = mulberry32(8);
    const n = 10;
    const cov = randomCov(rng, n);
    const mu = Array.from({ length: n }, () => 0.02 + 0.3 * rng());
    const mv = minVariance({ cov }, { fullyInvested: true, maxWeight: 0.3 });
    expect(mv.solver).to.equal("active-set");
    const mvH = minVariance(
      { cov },
      { fullyInvested: true, maxWeight: 0.3 },
      { solver: "highs", highs },
    );
    expect(relGap(mv.objective, mvH.objective)).to.be.at.most(1e-8);
    const c = { maxWeight: 0.4, minInvested: 0.5 };
    const ce = meanVariance({ mu, cov, gamma: 3, riskFree: 0.01 }, c);
    expect(ce.solver).to.equal("active-set");
    expect(kktMax(ce.kkt!)).to.be.at.most(1e-12);
    const ceQ = meanVariance({ mu, cov, gamma: 3, riskFree: 0.01 }, c, { solver: "quadprog" });
    // Maximisation: ours at least as good within 1e-8 relative.
    expect(ce.objective).to.be.at.least(ceQ.objective - 1e-8 * Math.abs(ceQ.objective));
    const turnover = { current: new Array(n).fill(0.1), limit: 0.2 };
    const withHighs = minVariance({ cov }, { fullyInvested: true, turnover }, { highs });
    expect(withHighs.solver).to.equal("highs");
    const noHighs = minVariance(
      { cov },
      { fullyInvested: true, turnover },
      { solver: "active-set" },
    );
    expect(noHighs.solver).to.equal("quadprog");
    expect(relGap(withHighs.objective, noHighs.objective)).to.be.at.most(1e-7);
    // A return floor is an extra row: also outside the family.
    const floor = minVariance({ cov, mu, minReturn: 0.2 }, { maxWeight: 0.5 }, { highs });
    expect(floor.solver).to.equal("highs");
  });

  it("caps volatility by γ-bisection with the active-set solver", () => {
    const rng = mulberry32(4);
    const n = 8;
    const cov = randomCov(rng, n);
    const mu = Array.from({ length: n }, () => 0.02 + 0.3 * rng());
    const free = meanVariance({ mu, cov, gamma: 1 }, { maxWeight: 0.5 });
    const target = 0.6 * free.volatility;
    const r = meanVariance({ mu, cov, gamma: 1 }, { maxWeight: 0.5, targetVol: target });
    expect(r.solver).to.equal("active-set");
    expect(r.targetVol?.action).to.equal("gamma-bisection");
    expect(r.volatility).to.be.at.most(target * (1 + 1e-9));
    expect(r.volatility).to.be.at.least(target * (1 - 1e-6));
  });
});
