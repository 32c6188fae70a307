/** Keeper configuration: schema, loader, errors and the local-vs-on-chain limits check. */
export * from "./errors.ts";
export * from "./limits.ts";
export * from "./load.ts";
export * from "./schema.ts";
