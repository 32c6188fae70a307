/** Delta hedging with Aave borrows and an optional perp venue under a health-factor floor. */
export * from "./deltaHedge.ts";
