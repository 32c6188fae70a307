/**
 * Shared CLI plumbing: exit codes, typed CLI errors, the I/O a command writes to, global
 * options, output in text or `--json`, and the mapping of any error to an exit code and a
 * one-line reason (a stack trace only with `--log-level debug` or `trace`).
 */
import type { Command } from "commander";
import { ConfigError } from "../src/config/errors.ts";
import { loadConfig } from "../src/config/load.ts";
import type { KeeperConfig } from "../src/config/schema.ts";
import type { LOG_LEVELS } from "../src/config/schema.ts";

/** Documented exit codes (keeper/README.md, `ballast --help`). */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** Runtime failure (RPC down, transaction failed, plan simulation failed, unexpected error). */
  FAILURE: 1,
  /** Usage or configuration error (bad flag, bad config field, missing env var, bad keystore). */
  USAGE: 2,
  /** The command is not available in this build. */
  UNAVAILABLE: 3,
  /** Refused for safety (e.g. local limits looser than the vault's on-chain limits). */
  REFUSED: 4,
} as const;

/** One of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Help text listing the exit codes (appended to `--help`). */
export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  runtime failure (RPC, transaction, a plan whose simulation fails, unexpected error)
  2  usage or configuration error (the message names the field)
  3  command not available in this build
  4  refused for safety (e.g. local limits looser than the vault's on-chain limits)`;

/** An error the CLI reports with a given exit code and machine-readable `code`. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  /** Extra JSON fields for `--json` output (e.g. issues). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    exitCode: ExitCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "CliError";
    this.code = code;
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** Where the CLI reads and writes (injectable for tests). */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** True when an operator can be prompted (stdin and stderr are terminals). */
  interactive: boolean;
  /** Reads a line without echo (only called when `interactive`). */
  promptSecret: (question: string) => Promise<string>;
}

/** Options every command accepts. */
export interface GlobalOptions {
  config: string;
  json: boolean;
  logLevel: (typeof LOG_LEVELS)[number] | undefined;
}

/** Global options as seen from a (sub)command. */
export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as Partial<GlobalOptions>;
  return { config: o.config ?? "ballast.yaml", json: o.json === true, logLevel: o.logLevel };
}

/** Writes a command result: JSON (one document on stdout) or the given text lines. */
export function emit(io: CliIo, json: boolean, data: unknown, text: string | (() => string)): void {
  if (json) io.stdout(stringifyJson({ ok: true, ...(data as object) }) + "\n");
  else io.stdout((typeof text === "function" ? text() : text).replace(/\n?$/, "\n"));
}

/** JSON.stringify with bigints as decimal strings. */
export function stringifyJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
    indent,
  );
}

/** Loads the configuration named by the global `--config` (ConfigError on any problem). */
export function loadCliConfig(cmd: Command, io: CliIo): KeeperConfig {
  return loadConfig(globalOptions(cmd).config, io.env);
}

/** The exit code, machine code and one-line reason for any thrown value. */
export function classifyError(err: unknown): {
  exitCode: ExitCode;
  code: string;
  message: string;
  details?: Record<string, unknown>;
} {
  if (err instanceof CliError)
    return { exitCode: err.exitCode, code: err.code, message: err.message, details: err.details };
  if (err instanceof ConfigError) {
    const where = err.source ? ` (${err.source})` : "";
    const head =
      err.code === "CONFIG_INVALID" ? "invalid configuration" : "cannot load configuration";
    const msg =
      err.issues.length === 1
        ? `${head}${where}: ${issueLine(err.issues[0])}`
        : `${head}${where}: ${err.issues.length} problems: ${err.issues.map(issueLine).join("; ")}`;
    return { exitCode: EXIT.USAGE, code: err.code, message: msg, details: { issues: err.issues } };
  }
  const e = err as { name?: string; code?: unknown; message?: unknown; exitCode?: unknown };
  const message = oneLine(typeof e?.message === "string" ? e.message : String(err));
  const code = typeof e?.code === "string" ? e.code : "ERROR";
  if (e?.name === "KeyError") return { exitCode: EXIT.USAGE, code, message };
  if (e?.name === "CommandError" && (code === "UNKNOWN_VAULT" || code === "BAD_TARGETS"))
    return { exitCode: EXIT.USAGE, code, message };
  if (typeof e?.exitCode === "number" && Object.values(EXIT).includes(e.exitCode as ExitCode))
    return { exitCode: e.exitCode as ExitCode, code, message };
  return { exitCode: EXIT.FAILURE, code, message };
}

function issueLine(i: { path: string; message: string }): string {
  return i.path ? `${i.path}: ${i.message}` : i.message;
}

/** Collapses a message to one line. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, "; ").trim();
}

/**
 * Reports an error (one line on stderr, or a JSON document on stdout with `--json`; the stack
 * too at debug/trace) and returns its exit code.
 */
export function reportError(
  io: CliIo,
  err: unknown,
  opts: { json: boolean; debug: boolean },
): ExitCode {
  const c = classifyError(err);
  if (opts.json) {
    io.stdout(
      stringifyJson({
        ok: false,
        exitCode: c.exitCode,
        error: { code: c.code, message: c.message, ...c.details },
      }) + "\n",
    );
  } else {
    io.stderr(`ballast: error: ${c.message}\n`);
    const issues = c.details?.issues as { path: string; message: string }[] | undefined;
    if (issues && issues.length > 1) for (const i of issues) io.stderr(`  ${issueLine(i)}\n`);
  }
  if (opts.debug && err instanceof Error && err.stack) io.stderr(err.stack + "\n");
  return c.exitCode;
}

/**
 * Imports an optional module of this build (e.g. keeper/src/commands/status.ts). A module that
 * is missing, or lacks `exportName`, becomes CliError UNAVAILABLE (exit 3); any other import
 * failure is rethrown.
 */
export async function importOptional<T>(
  specifier: string,
  exportName: string,
  command: string,
): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (
      code === "ERR_MODULE_NOT_FOUND" &&
      String((e as Error).message).includes(specifier.replace(/^.*\//, ""))
    )
      throw new CliError(
        "UNAVAILABLE",
        EXIT.UNAVAILABLE,
        `"${command}" is not available in this build (${specifier.replace(/^.*\/src\//, "keeper/src/")} is missing)`,
      );
    throw e;
  }
  const fn = mod[exportName];
  if (typeof fn !== "function")
    throw new CliError(
      "UNAVAILABLE",
      EXIT.UNAVAILABLE,
      `"${command}" is not available in this build (${exportName} is not exported)`,
    );
  return fn as T;
}
