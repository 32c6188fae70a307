#!/usr/bin/env node
/**
 * `ballast`, the keeper CLI. Run as `npx ballast …` or `npm run keeper -- …` (Node ≥ 22: the
 * file is TypeScript, executed with Node's type stripping). The package's `bin` is the launcher
 * keeper/cli/ballast.js, which refuses an older Node with one error line, then imports this file.
 * Exit codes: keeper/README.md.
 */
import { main } from "./program.ts";
import { processIo } from "./io.ts";

process.exitCode = await main(process.argv.slice(2), processIo());
