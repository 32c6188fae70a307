/**
 * Ambient types for the `quadprog` npm package (Goldfarb–Idnani dense QP, a port of R's quadprog).
 * All arrays are 1-BASED (index 0 is unused). It solves min −dᵀb + ½bᵀDb subject to Aᵀb ≥ b0,
 * the first `meq` constraints being equalities. `Dmat` and `dvec` are overwritten in place.
 */
declare module "quadprog" {
  interface QuadprogResult {
    solution: number[];
    Lagrangian: number[];
    value: number[];
    unconstrained_solution: number[];
    iterations: number[];
    iact: number[];
    message: string;
  }
  type SolveQP = (
    Dmat: number[][],
    dvec: number[],
    Amat: number[][],
    bvec: number[],
    meq?: number,
    factorized?: number[],
  ) => QuadprogResult;
  const quadprog: { solveQP: SolveQP };
  export default quadprog;
}
