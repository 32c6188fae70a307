/**
 * `ballast run`: the keeper loop (keeper/src/commands/run.ts, `runKeeper`): one worker per
 * configured vault, metrics and /healthz, until SIGINT/SIGTERM. It refuses to start (exit 4) when
 * a vault's local limits are looser than its on-chain limits.
 */
import type { Command } from "commander";
import type { Logger } from "pino";
import type { KeeperConfig } from "../../src/config/schema.ts";
import { srcModule } from "../chainContext.ts";
import { globalOptions, importOptional, loadCliConfig } from "../runtime.ts";
import type { CliIo } from "../runtime.ts";
import { commandLogger } from "./logging.ts";

/** Signature of the loop module's entry point. */
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
        srcModule("commands/run.ts"),
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
