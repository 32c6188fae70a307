/**
 * Dense linear algebra on plain arrays, small enough for portfolio problems (N up to a few hundred).
 *
 * Conventions: `Matrix` is row-major `number[][]`, `Vector` is `number[]`. Every function is pure:
 * inputs are never mutated and a fresh array is always returned.
 */

/** Row-major dense matrix. */
export type Matrix = number[][];
/** Dense vector. */
export type Vector = number[];

/** Error codes raised by this module. */
export type LinalgErrorCode =
  | "DIMENSION_MISMATCH"
  | "NOT_SQUARE"
  | "NOT_SYMMETRIC"
  | "NOT_POSITIVE_DEFINITE"
  | "NO_CONVERGENCE"
  | "INVALID_ARGUMENT";

/** Typed error of the linear-algebra module; `code` tells the failure apart. */
export class LinalgError extends Error {
  readonly code: LinalgErrorCode;
  constructor(code: LinalgErrorCode, message: string) {
    super(message);
    this.name = "LinalgError";
    this.code = code;
  }
}

/**
 * Thrown by {@link cholesky} when the matrix is not (numerically) positive definite.
 * `pivotIndex` is the row where the factorization broke down and `pivot` the offending value.
 */
export class NotPositiveDefiniteError extends LinalgError {
  readonly pivotIndex: number;
  readonly pivot: number;
  constructor(pivotIndex: number, pivot: number) {
    super(
      "NOT_POSITIVE_DEFINITE",
      `matrix is not positive definite: pivot ${pivot} at row ${pivotIndex}`,
    );
    this.name = "NotPositiveDefiniteError";
    this.pivotIndex = pivotIndex;
    this.pivot = pivot;
  }
}

function assertSquare(A: Matrix, what = "matrix"): number {
  const n = A.length;
  for (let i = 0; i < n; i++) {
    if (A[i].length !== n) {
      throw new LinalgError(
        "NOT_SQUARE",
        `${what} is not square: row ${i} has ${A[i].length} != ${n}`,
      );
    }
  }
  return n;
}

/** n×m matrix of zeros; with one argument, a zero vector of length n. */
export function zeros(n: number): Vector;
export function zeros(n: number, m: number): Matrix;
export function zeros(n: number, m?: number): Vector | Matrix {
  if (m === undefined) return new Array<number>(n).fill(0);
  const out: Matrix = new Array(n);
  for (let i = 0; i < n; i++) out[i] = new Array<number>(m).fill(0);
  return out;
}

/** n×n identity matrix. */
export function identity(n: number): Matrix {
  const I = zeros(n, n);
  for (let i = 0; i < n; i++) I[i][i] = 1;
  return I;
}

/** Deep copy of a matrix. */
export function cloneMatrix(A: Matrix): Matrix {
  return A.map((r) => r.slice());
}

/** Transpose of an n×m matrix (m×n result). */
export function transpose(A: Matrix): Matrix {
  const n = A.length;
  const m = n === 0 ? 0 : A[0].length;
  const T = zeros(m, n);
  for (let i = 0; i < n; i++) {
    const row = A[i];
    for (let j = 0; j < m; j++) T[j][i] = row[j];
  }
  return T;
}

/** Matrix product A·B (A is n×k, B is k×m). Throws DIMENSION_MISMATCH otherwise. */
export function matMul(A: Matrix, B: Matrix): Matrix {
  const n = A.length;
  const k = B.length;
  const m = k === 0 ? 0 : B[0].length;
  if (n > 0 && A[0].length !== k) {
    throw new LinalgError("DIMENSION_MISMATCH", `matMul: ${n}x${A[0].length} times ${k}x${m}`);
  }
  const C = zeros(n, m);
  for (let i = 0; i < n; i++) {
    const Ai = A[i];
    const Ci = C[i];
    for (let p = 0; p < k; p++) {
      const a = Ai[p];
      if (a === 0) continue;
      const Bp = B[p];
      for (let j = 0; j < m; j++) Ci[j] += a * Bp[j];
    }
  }
  return C;
}

/** Matrix-vector product A·x. */
export function matVec(A: Matrix, x: Vector): Vector {
  const n = A.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const row = A[i];
    if (row.length !== x.length) {
      throw new LinalgError(
        "DIMENSION_MISMATCH",
        `matVec: row ${i} has ${row.length} != ${x.length}`,
      );
    }
    let s = 0;
    for (let j = 0; j < x.length; j++) s += row[j] * x[j];
    out[i] = s;
  }
  return out;
}

/** Inner product x·y. */
export function dot(x: Vector, y: Vector): number {
  if (x.length !== y.length) {
    throw new LinalgError("DIMENSION_MISMATCH", `dot: ${x.length} != ${y.length}`);
  }
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** Outer product x·yᵀ (|x|×|y| matrix). */
export function outer(x: Vector, y: Vector): Matrix {
  return x.map((xi) => y.map((yj) => xi * yj));
}

/** Element-wise x + y. */
export function addVec(x: Vector, y: Vector): Vector {
  if (x.length !== y.length) throw new LinalgError("DIMENSION_MISMATCH", "addVec: length");
  return x.map((v, i) => v + y[i]);
}

/** Element-wise x − y. */
export function subVec(x: Vector, y: Vector): Vector {
  if (x.length !== y.length) throw new LinalgError("DIMENSION_MISMATCH", "subVec: length");
  return x.map((v, i) => v - y[i]);
}

/** Scalar multiple c·x. */
export function scaleVec(x: Vector, c: number): Vector {
  return x.map((v) => v * c);
}

function assertSameShape(A: Matrix, B: Matrix, op: string): void {
  if (A.length !== B.length || A.some((r, i) => r.length !== B[i].length)) {
    throw new LinalgError("DIMENSION_MISMATCH", `${op}: shapes differ`);
  }
}

/** Element-wise A + B. */
export function addMat(A: Matrix, B: Matrix): Matrix {
  assertSameShape(A, B, "addMat");
  return A.map((r, i) => r.map((v, j) => v + B[i][j]));
}

/** Element-wise A − B. */
export function subMat(A: Matrix, B: Matrix): Matrix {
  assertSameShape(A, B, "subMat");
  return A.map((r, i) => r.map((v, j) => v - B[i][j]));
}

/** Scalar multiple c·A. */
export function scaleMat(A: Matrix, c: number): Matrix {
  return A.map((r) => r.map((v) => v * c));
}

/** Diagonal of a square matrix. */
export function diag(A: Matrix): Vector {
  return A.map((r, i) => r[i]);
}

/** Diagonal matrix with the given diagonal. */
export function diagMatrix(d: Vector): Matrix {
  const D = zeros(d.length, d.length);
  for (let i = 0; i < d.length; i++) D[i][i] = d[i];
  return D;
}

/** Symmetric part (A + Aᵀ)/2 of a square matrix. */
export function symmetrize(A: Matrix): Matrix {
  const n = assertSquare(A);
  const S = zeros(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) S[i][j] = 0.5 * (A[i][j] + A[j][i]);
  }
  return S;
}

/**
 * True when A is square and |A[i][j] − A[j][i]| ≤ tol·max(1, |A[i][j]|, |A[j][i]|) for all i, j.
 */
export function isSymmetric(A: Matrix, tol = 1e-10): boolean {
  const n = A.length;
  if (A.some((r) => r.length !== n)) return false;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = A[i][j];
      const b = A[j][i];
      if (Math.abs(a - b) > tol * Math.max(1, Math.abs(a), Math.abs(b))) return false;
    }
  }
  return true;
}

/** Quadratic form xᵀ·A·x. */
export function quadForm(x: Vector, A: Matrix): number {
  return dot(x, matVec(A, x));
}

/**
 * Cholesky factor L (lower triangular) with A = L·Lᵀ. Only the lower triangle of A is read.
 * Throws {@link NotPositiveDefiniteError} (code NOT_POSITIVE_DEFINITE) when a pivot is ≤ 0 or not
 * finite.
 */
export function cholesky(A: Matrix): Matrix {
  const n = assertSquare(A);
  const L = zeros(n, n);
  for (let i = 0; i < n; i++) {
    const Li = L[i];
    for (let j = 0; j <= i; j++) {
      const Lj = L[j];
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= Li[k] * Lj[k];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) throw new NotPositiveDefiniteError(i, s);
        Li[i] = Math.sqrt(s);
      } else {
        Li[j] = s / Lj[j];
      }
    }
  }
  return L;
}

/** Solve L·y = b for lower-triangular L (forward substitution). */
export function forwardSubstitute(L: Matrix, b: Vector): Vector {
  const n = L.length;
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    const Li = L[i];
    for (let k = 0; k < i; k++) s -= Li[k] * y[k];
    y[i] = s / Li[i];
  }
  return y;
}

/** Solve Lᵀ·x = y for lower-triangular L (back substitution on the transpose). */
export function backSubstituteTransposed(L: Matrix, y: Vector): Vector {
  const n = L.length;
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k][i] * x[k];
    x[i] = s / L[i][i];
  }
  return x;
}

/**
 * Solve A·x = b for symmetric positive-definite A via Cholesky.
 * Throws NOT_POSITIVE_DEFINITE if A is not PD, DIMENSION_MISMATCH if |b| ≠ n.
 */
export function solveSPD(A: Matrix, b: Vector): Vector {
  if (b.length !== A.length) {
    throw new LinalgError("DIMENSION_MISMATCH", `solveSPD: b has ${b.length} != ${A.length}`);
  }
  const L = cholesky(A);
  return backSubstituteTransposed(L, forwardSubstitute(L, b));
}

/** Inverse of a symmetric positive-definite matrix via Cholesky (symmetric result). */
export function invertSPD(A: Matrix): Matrix {
  const n = A.length;
  const L = cholesky(A);
  const cols: Matrix = [];
  for (let j = 0; j < n; j++) {
    const e = zeros(n);
    e[j] = 1;
    cols.push(backSubstituteTransposed(L, forwardSubstitute(L, e)));
  }
  return symmetrize(transpose(cols));
}

/** Result of {@link symmetricEigen}: A = V·diag(values)·Vᵀ; `vectors[:, k]` (column k) pairs with `values[k]`. */
export interface EigenDecomposition {
  /** Eigenvalues sorted descending. */
  values: Vector;
  /** Orthonormal eigenvectors as COLUMNS: vectors[i][k] is component i of eigenvector k. */
  vectors: Matrix;
}

/**
 * Eigen-decomposition of a symmetric matrix by the cyclic Jacobi method.
 *
 * Sweeps over all off-diagonal pairs (p, q) applying the classical rotation (Golub & Van Loan,
 * Alg. 8.5.2) until the off-diagonal Frobenius norm is ≤ `tol`·‖A‖_F or `maxSweeps` is reached
 * (then throws NO_CONVERGENCE). Only the symmetric part of A is used; non-symmetric input beyond
 * 1e-8 relative throws NOT_SYMMETRIC. Values are sorted descending, vectors are columns.
 */
export function symmetricEigen(
  A: Matrix,
  opts: { tol?: number; maxSweeps?: number } = {},
): EigenDecomposition {
  const n = assertSquare(A);
  if (!isSymmetric(A, 1e-8))
    throw new LinalgError("NOT_SYMMETRIC", "symmetricEigen: not symmetric");
  const tol = opts.tol ?? 1e-14;
  const maxSweeps = opts.maxSweeps ?? 100;
  // Flat row-major storage; `vt` holds the eigenvectors as ROWS (Vᵀ) so rotations are contiguous.
  const a = new Float64Array(n * n);
  const vt = new Float64Array(n * n);
  let fro2 = 0;
  for (let i = 0; i < n; i++) {
    vt[i * n + i] = 1;
    for (let j = 0; j < n; j++) {
      const x = 0.5 * (A[i][j] + A[j][i]);
      a[i * n + j] = x;
      fro2 += x * x;
    }
  }
  const fro = Math.sqrt(fro2);
  const offNorm = (): number => {
    let off = 0;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) off += 2 * a[p * n + q] * a[p * n + q];
    }
    return Math.sqrt(off);
  };
  let converged = n <= 1 || fro === 0;
  for (let sweep = 0; sweep < maxSweeps && !converged; sweep++) {
    if (offNorm() <= tol * fro) {
      converged = true;
      break;
    }
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const pq = p * n + q;
        const apq = a[pq];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // Negligible element after a few sweeps: zero it (Numerical Recipes §11.1 rule).
        const g = 100 * Math.abs(apq);
        if (
          sweep > 3 &&
          Math.abs(app) + g === Math.abs(app) &&
          Math.abs(aqq) + g === Math.abs(aqq)
        ) {
          a[pq] = 0;
          a[q * n + p] = 0;
          continue;
        }
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J restricted to rows/cols p, q (symmetric update).
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const kp = k * n + p;
          const kq = k * n + q;
          const akp = a[kp];
          const akq = a[kq];
          const nkp = c * akp - s * akq;
          const nkq = s * akp + c * akq;
          a[kp] = nkp;
          a[p * n + k] = nkp;
          a[kq] = nkq;
          a[q * n + k] = nkq;
        }
        a[p * n + p] = app - t * apq;
        a[q * n + q] = aqq + t * apq;
        a[pq] = 0;
        a[q * n + p] = 0;
        // Vᵀ rows p and q.
        const rp = p * n;
        const rq = q * n;
        for (let k = 0; k < n; k++) {
          const vp = vt[rp + k];
          const vq = vt[rq + k];
          vt[rp + k] = c * vp - s * vq;
          vt[rq + k] = s * vp + c * vq;
        }
      }
    }
  }
  if (!converged && offNorm() > Math.max(tol * fro, 1e-12 * fro)) {
    throw new LinalgError(
      "NO_CONVERGENCE",
      `symmetricEigen: no convergence in ${maxSweeps} sweeps`,
    );
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = order.map((i) => a[i * n + i]);
  const vectors = zeros(n, n);
  for (let k = 0; k < n; k++) {
    const row = order[k] * n;
    for (let i = 0; i < n; i++) vectors[i][k] = vt[row + i];
  }
  return { values, vectors };
}

/** Rebuild V·diag(values)·Vᵀ (symmetrized). */
export function fromEigen(values: Vector, vectors: Matrix): Matrix {
  const n = vectors.length;
  const out = zeros(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < values.length; k++) s += vectors[i][k] * values[k] * vectors[j][k];
      out[i][j] = s;
      out[j][i] = s;
    }
  }
  return out;
}

/** Result of {@link nearestPSDWithInfo}. */
export interface NearestPSDResult {
  matrix: Matrix;
  /** Smallest eigenvalue of the symmetric part before clipping. */
  minEigenvalueBefore: number;
  /** True when at least one eigenvalue was below `minEig` and was raised. */
  clipped: boolean;
}

/**
 * {@link nearestPSD} that also reports the smallest eigenvalue before repair and whether anything
 * was clipped (one eigen-decomposition).
 */
export function nearestPSDWithInfo(A: Matrix, minEig = 0): NearestPSDResult {
  const S = symmetrize(A);
  const { values, vectors } = symmetricEigen(S);
  const minEigenvalueBefore = values.length === 0 ? 0 : values[values.length - 1];
  if (values.every((v) => v >= minEig)) return { matrix: S, minEigenvalueBefore, clipped: false };
  const clipped = values.map((v) => Math.max(v, minEig));
  return { matrix: fromEigen(clipped, vectors), minEigenvalueBefore, clipped: true };
}

/**
 * Nearest (in Frobenius norm) symmetric matrix with all eigenvalues ≥ `minEig`, by eigenvalue
 * clipping of the symmetric part: S = (A+Aᵀ)/2 = VΛVᵀ → V·max(Λ, minEig)·Vᵀ.
 * If S already satisfies the bound, S is returned unchanged (exact copy, no round-off).
 * Cost: one cyclic-Jacobi eigen-decomposition, O(N³) per sweep.
 */
export function nearestPSD(A: Matrix, minEig = 0): Matrix {
  return nearestPSDWithInfo(A, minEig).matrix;
}

/** Smallest eigenvalue of a symmetric matrix (via {@link symmetricEigen}). */
export function minEigenvalue(A: Matrix): number {
  const { values } = symmetricEigen(A);
  return values.length === 0 ? 0 : values[values.length - 1];
}
