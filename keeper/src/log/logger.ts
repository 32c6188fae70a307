/**
 * pino JSON logger factory (no global logger: callers pass theirs down). Secrets are redacted
 * by key wherever they appear up to two levels deep: private keys, passwords, mnemonics, raw
 * signed transactions are NOT secret and stay.
 */
import { pino } from "pino";
import type { DestinationStream, Logger, LevelWithSilent } from "pino";

/** Keys whose values are replaced by "[redacted]" in every log line. */
export const REDACTED_KEYS = [
  "privateKey",
  "private_key",
  "password",
  "passphrase",
  "mnemonic",
  "seed",
  "secret",
  "apiKey",
  "authorization",
] as const;

/** pino redaction paths: each key at the top level and one or two objects deep. */
export const REDACT_PATHS: string[] = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Fixed fields on every line (e.g. { vault: "main" }). */
  base?: Record<string, unknown>;
  /** Where to write (default: stderr, so stdout stays clean for --json command output). */
  destination?: DestinationStream;
}

/** Creates a JSON logger with the redaction list applied. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { name: "ballast-keeper", ...options.base },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
