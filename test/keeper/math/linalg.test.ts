import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import fc from "fast-check";
import {
  addMat,
  addVec,
  cholesky,
  dot,
  fromEigen,
  identity,
  invertSPD,
  isSymmetric,
  LinalgError,
  matMul,
  matVec,
  minEigenvalue,
  nearestPSD,
  nearestPSDWithInfo,
  NotPositiveDefiniteError,
  outer,
  quadForm,
  scaleMat,
  scaleVec,
  solveSPD,
  subMat,
  subVec,
  symmetricEigen,
  transpose,
  zeros,
} from "../../../keeper/src/math/linalg.ts";
import type { Matrix } from "../../../keeper/src/math/linalg.ts";
import { mulberry32, standardNormal } from "../../../keeper/src/math/stats.ts";

function maxAbsDiff(A: Matrix, B: Matrix): number {
  let m = 0;
  for (let i = 0; i < A.length; i++)
    for (let j = 0; j < A[i].length; j++) m = Math.max(m, Math.abs(A[i][j] - B[i][j]));
  return m;
}

function randomSpd(n: number, seed: number): Matrix {
  const rng = mulberry32(seed);
  const X = Array.from({ length: n + 3 }, () =>
    Array.from({ length: n }, () => standardNormal(rng)),
  );
  return addMat(matMul(transpose(X), X), scaleMat(identity(n), 0.1));
}

describe("math/linalg", () => {
  it("builds zeros and identity", () => {
    expect(zeros(3)).to.deep.equal([0, 0, 0]);
    expect(zeros(2, 3)).to.deep.equal([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(identity(2)).to.deep.equal([
      [1, 0],
      [0, 1],
    ]);
  });

  it("does the basic vector and matrix algebra", () => {
    const A = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    expect(transpose(A)).to.deep.equal([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    expect(matMul(transpose(A), A)).to.deep.equal([
      [35, 44],
      [44, 56],
    ]);
    expect(matVec(A, [1, -1])).to.deep.equal([-1, -1, -1]);
    expect(dot([1, 2, 3], [4, 5, 6])).to.equal(32);
    expect(outer([1, 2], [3, 4, 5])).to.deep.equal([
      [3, 4, 5],
      [6, 8, 10],
    ]);
    expect(addVec([1, 2], [3, 4])).to.deep.equal([4, 6]);
    expect(subVec([1, 2], [3, 4])).to.deep.equal([-2, -2]);
    expect(scaleVec([1, 2], 3)).to.deep.equal([3, 6]);
    expect(subMat(A, A)).to.deep.equal(zeros(3, 2));
    expect(
      quadForm(
        [1, 2],
        [
          [2, 1],
          [1, 3],
        ],
      ),
    ).to.equal(2 + 4 + 12);
  });

  it("throws a typed error on dimension mismatch", () => {
    expect(() => matMul([[1, 2]], [[1, 2]]))
      .to.throw(LinalgError)
      .with.property("code", "DIMENSION_MISMATCH");
    expect(() => dot([1], [1, 2])).to.throw(LinalgError);
  });

  it("factors and solves an SPD system", () => {
    const A = randomSpd(6, 7);
    const L = cholesky(A);
    expect(maxAbsDiff(matMul(L, transpose(L)), A)).to.be.lessThan(1e-10);
    for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) expect(L[i][j]).to.equal(0);
    const b = [1, -2, 3, 0.5, 0, 4];
    const x = solveSPD(A, b);
    const r = subVec(matVec(A, x), b);
    expect(Math.max(...r.map(Math.abs))).to.be.lessThan(1e-10);
    expect(maxAbsDiff(matMul(A, invertSPD(A)), identity(6))).to.be.lessThan(1e-10);
  });

  it("cholesky throws NotPositiveDefiniteError on an indefinite matrix", () => {
    const bad = [
      [1, 2],
      [2, 1],
    ];
    expect(() => cholesky(bad))
      .to.throw(NotPositiveDefiniteError)
      .with.property("code", "NOT_POSITIVE_DEFINITE");
    expect(() => cholesky([[0]])).to.throw(NotPositiveDefiniteError);
  });

  it("symmetricEigen reconstructs A with orthonormal vectors and sorted values", () => {
    for (const n of [1, 2, 5, 20, 60]) {
      const A = randomSpd(n, 100 + n);
      const { values, vectors } = symmetricEigen(A);
      for (let k = 1; k < n; k++) expect(values[k]).to.be.at.most(values[k - 1]);
      expect(maxAbsDiff(fromEigen(values, vectors), A)).to.be.lessThan(
        1e-9 * Math.max(1, values[0]),
      );
      expect(maxAbsDiff(matMul(transpose(vectors), vectors), identity(n))).to.be.lessThan(1e-10);
      // A v_k = λ_k v_k
      const v0 = vectors.map((r) => r[0]);
      const Av = matVec(A, v0);
      for (let i = 0; i < n; i++) expect(Av[i]).to.be.closeTo(values[0] * v0[i], 1e-8 * values[0]);
    }
  });

  it("symmetricEigen knows a textbook example", () => {
    const { values } = symmetricEigen([
      [2, 1],
      [1, 2],
    ]);
    expect(values[0]).to.be.closeTo(3, 1e-12);
    expect(values[1]).to.be.closeTo(1, 1e-12);
    expect(() =>
      symmetricEigen([
        [1, 2],
        [0, 1],
      ]),
    ).to.throw(LinalgError);
  });

  it("nearestPSD repairs an indefinite matrix and leaves a PSD one unchanged", () => {
    const bad = [
      [1, 0.9, -0.9],
      [0.9, 1, 0.9],
      [-0.9, 0.9, 1],
    ];
    expect(minEigenvalue(bad)).to.be.lessThan(-0.1);
    const fixed = nearestPSD(bad);
    expect(isSymmetric(fixed, 0)).to.equal(true);
    expect(minEigenvalue(fixed)).to.be.greaterThan(-1e-12);
    const fixedStrict = nearestPSD(bad, 1e-4);
    expect(minEigenvalue(fixedStrict)).to.be.greaterThan(1e-4 - 1e-12);
    cholesky(fixedStrict);

    const good = randomSpd(5, 3);
    expect(nearestPSD(good)).to.deep.equal(good);
    const info = nearestPSDWithInfo(bad);
    expect(info.clipped).to.equal(true);
    expect(info.minEigenvalueBefore).to.be.closeTo(minEigenvalue(bad), 1e-12);
    expect(info.matrix).to.deep.equal(fixed);
    expect(nearestPSDWithInfo(good).clipped).to.equal(false);
  });

  it("property: nearestPSD output is symmetric with non-negative spectrum", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 16, maxLength: 16 }),
        (xs) => {
          const A = [0, 1, 2, 3].map((i) => xs.slice(4 * i, 4 * i + 4));
          const P = nearestPSD(A);
          return isSymmetric(P, 0) && minEigenvalue(P) > -1e-9;
        },
      ),
      { numRuns: 200 },
    );
  });

  it("isSymmetric rejects non-square and asymmetric input", () => {
    expect(isSymmetric([[1, 2]])).to.equal(false);
    expect(
      isSymmetric([
        [1, 2],
        [2.1, 1],
      ]),
    ).to.equal(false);
    expect(isSymmetric(identity(3))).to.equal(true);
  });
});
