/**
 * Loads `node:sqlite` (Node 22 built-in) without its one-time "SQLite is an experimental
 * feature" ExperimentalWarning. Only that warning is filtered, and only while the module loads:
 * `process.emitWarning` is wrapped for the synchronous `require` and restored in `finally`, so
 * every other warning (including other ExperimentalWarnings) still reaches stderr. No global
 * listener is removed or added.
 */
import { createRequire } from "node:module";
import type * as NodeSqlite from "node:sqlite";

/** The `node:sqlite` module type. */
export type SqliteModule = typeof NodeSqlite;

const require = createRequire(import.meta.url);

/** True for the experimental-feature warning node:sqlite emits on first load. */
export function isSqliteExperimentalWarning(warning: unknown, type: unknown): boolean {
  const name =
    typeof type === "string"
      ? type
      : type && typeof type === "object" && "type" in type
        ? String((type as { type: unknown }).type)
        : warning instanceof Error
          ? warning.name
          : "";
  const message = warning instanceof Error ? warning.message : String(warning);
  return name === "ExperimentalWarning" && /^SQLite is an experimental feature/.test(message);
}

/** Returns `node:sqlite`, loading it with the experimental warning filtered out. */
export function loadSqlite(): SqliteModule {
  const original = process.emitWarning;
  const filtered = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
  try {
    return require("node:sqlite") as SqliteModule;
  } finally {
    process.emitWarning = original;
  }
}
