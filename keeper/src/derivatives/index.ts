/**
 * Derivatives analytics for the Ballast keeper (pure functions, no chain access).
 * See keeper/README-derivatives.md.
 */
export * from "./errors.ts";
export * from "./normal.ts";
export * from "./black.ts";
export * from "./implied-vol.ts";
export * from "./roots.ts";
export * from "./optimize.ts";
export * from "./chain.ts";
export * from "./svi.ts";
export * from "./smile.ts";
export * from "./skew.ts";
export * from "./tail-prob.ts";
export * from "./garch.ts";
export * from "./vol-arb.ts";
export * from "./tail-rule.ts";
export * from "./rng.ts";
export * from "./pipeline.ts";
