/** Trade costs (fee + square-root impact + gas), the no-trade rule and trade splitting. */
export * from "./impact.ts";
export * from "./noTrade.ts";
export * from "./splitting.ts";
