/** The logger of a command run: `--log-level` wins over the config's `log.level`. */
import type { Logger } from "pino";
import type { KeeperConfig } from "../../src/config/schema.ts";
import { createLogger } from "../../src/log/logger.ts";
import type { GlobalOptions } from "../runtime.ts";

/** Creates the JSON logger (stderr) for a command. */
export function commandLogger(g: GlobalOptions, cfg: KeeperConfig | undefined): Logger {
  return createLogger({ level: g.logLevel ?? cfg?.log.level ?? "info" });
}
