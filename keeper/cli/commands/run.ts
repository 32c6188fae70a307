/**
 * `ballast run`: the keeper loop (keeper/src/commands/run.ts, `runKeeper`): one worker per
 * configured vault, metrics and /healthz, until SIGINT/SIGTERM; with `--once`, one tick per vault,
 * a line (or, with --json, one document) per vault of what it did, and exit 1 if any tick failed
 * (an error, a failed simulation, an infeasible plan, a reverted or dropped rebalance: the
 * loop module's `tickFailure`).
 * It refuses to start (exit 4) when a vault's local limits are looser than its on-chain limits.
 */
import type { Command } from "commander";
import type { Logger } from "pino";
import type { KeeperConfig } from "../../src/config/schema.ts";
import { srcModule } from "../chainContext.ts";
import { CliError, EXIT, emit, globalOptions, importOptional, loadCliConfig } from "../runtime.ts";
import type { CliIo } from "../runtime.ts";
import { commandLogger } from "./logging.ts";

/** What one vault's tick did under `--once` (keeper/src/commands/run.ts `OnceResult`). */
interface OnceResult {
  vault: string;
  result?: unknown;
  error?: string;
  /** Why the tick counts as failed (an error, a failed simulation, …), absent when it did not. */
  failure?: string;
}

/** Signature of the loop module's entry point. */
export type RunKeeper = (args: {
  config: KeeperConfig;
  env: Record<string, string | undefined>;
  logger: Logger;
  stderr: (text: string) => void;
  once?: boolean;
}) => Promise<OnceResult[] | undefined>;

/** Registers `run`. */
export function registerRun(program: Command, io: CliIo): void {
  program
    .command("run")
    .description(
      "run the keeper loop for every configured vault (triggers, plan, simulate, sign, submit)",
    )
    .option(
      "--once",
      "one tick per vault (the loop's step: triggers, plan, simulate, sign, submit), print what each did, exit",
    )
    .action(async (opts: { once?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const cfg = loadCliConfig(cmd, io);
      const runKeeper = await importOptional<RunKeeper>(
        srcModule("commands/run.ts"),
        "runKeeper",
        "run",
      );
      const formatOnce = opts.once
        ? await importOptional<(r: OnceResult[]) => string>(
            srcModule("commands/run.ts"),
            "formatOnce",
            "run",
          )
        : undefined;
      const results = await runKeeper({
        config: cfg,
        env: io.env,
        logger: commandLogger(g, cfg),
        stderr: io.stderr,
        once: opts.once === true,
      });
      if (results === undefined || formatOnce === undefined) return;
      const failed = results.filter((r) => r.failure !== undefined || r.error !== undefined);
      if (failed.length === 0) {
        emit(io, g.json, { results }, () => formatOnce(results));
        return;
      }
      if (!g.json) io.stdout(formatOnce(results) + "\n");
      throw new CliError(
        "TICK_FAILED",
        EXIT.FAILURE,
        `tick failed: ${failed.map((r) => `${r.vault}: ${r.failure ?? r.error}`).join("; ")}`,
        { results },
      );
    });
}
