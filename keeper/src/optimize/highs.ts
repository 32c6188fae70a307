/**
 * Factory for the HiGHS WebAssembly runtime. Loading is asynchronous and costs tens of
 * milliseconds, so callers create one runtime and pass it to the optimizers (no hidden global).
 */
import type { HighsLike } from "./types.ts";

type HighsLoader = () => Promise<HighsLike>;

/** Load a fresh HiGHS runtime (`highs` npm package, HiGHS compiled to WASM). */
export async function createHighs(): Promise<HighsLike> {
  // The package's types describe a CommonJS default export; at run time the ESM build's default
  // export is the loader itself. Accept either shape.
  const mod = (await import("highs")) as unknown as {
    default: HighsLoader | { default: HighsLoader };
  };
  const loader = typeof mod.default === "function" ? mod.default : mod.default.default;
  return loader();
}
