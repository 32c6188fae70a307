/**
 * `ballast run`: the keeper loop. The loop module (keeper/src/runtime/loop.ts, `runKeeper`) is
 * later work: until it exists this validates the config, then exits 3 ("not available in this
 * build") — it never pretends to run.
 */
import type { Command } from "commander";
import type { Logger } from "pino";
import type { KeeperConfig } from "../../src/config/schema.ts";
import { srcModule } from "../chainContext.ts";
import { globalOptions, importOptional, loadCliConfig } from "../runtime.ts";
import type { CliIo } from "../runtime.ts";
import { commandLogger } from "./logging.ts";

/** Signature the future loop module must export. */
export type RunKeeper = (args: {
  config: KeeperConfig;
  env: Record<string, string | undefined>;
  logger: Logger;
  stderr: (text: string) => void;
}) => Promise<void>;

/** Registers `run`. */
export function registerRun(program: Command, io: CliIo): void {
  program
    .command("run")
    .description(
      "run the keeper loop for every configured vault (triggers, plan, simulate, sign, submit)",
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const cfg = loadCliConfig(cmd, io);
      const runKeeper = await importOptional<RunKeeper>(
        srcModule("runtime/loop.ts"),
        "runKeeper",
        "run",
      );
      await runKeeper({
        config: cfg,
        env: io.env,
        logger: commandLogger(g, cfg),
        stderr: io.stderr,
      });
    });
}
