/**
 * Portfolio optimizers of the Ballast keeper: minimum variance, mean-variance, maximum Sharpe,
 * risk parity (ERC) and minimum CVaR, all long-only with cash, per-asset caps, budget, optional
 * turnover limit and target volatility. Box + budget QPs run on a purpose-built active-set solver
 * by default; the rest on HiGHS (WASM) or quadprog.
 */
export * from "./types.ts";
export * from "./qp.ts";
export * from "./active-set.ts";
export * from "./portfolio.ts";
export * from "./highs.ts";
export * from "./targetVol.ts";
export * from "./meanVariance.ts";
export * from "./maxSharpe.ts";
export * from "./riskParity.ts";
export * from "./minCvar.ts";
