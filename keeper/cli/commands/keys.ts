/**
 * `ballast keys create --out <file>` and `ballast keys inspect <file>`: encrypted JSON keystores
 * (scrypt, ethers v6). The password comes from the env var named by `--password-env`, or from a
 * prompt when run in a terminal; it is never taken from the command line.
 */
import type { Command } from "commander";
import { Option } from "commander";
import { createKeystore, inspectKeystore } from "../../src/keys/keystore.ts";
import { CliError, EXIT, emit, globalOptions } from "../runtime.ts";
import type { CliIo } from "../runtime.ts";

/** Registers `keys create` and `keys inspect`. */
export function registerKeys(program: Command, io: CliIo): void {
  const keys = program
    .command("keys")
    .description("create or inspect an encrypted JSON keystore (the keeper's signing key)");

  keys
    .command("create")
    .description("generate a new key and write it as an encrypted JSON keystore (mode 0600)")
    .requiredOption("--out <file>", "keystore file to write (refuses to overwrite)")
    .option(
      "--password-env <name>",
      "name of the environment variable holding the password (default: prompt in a terminal)",
    )
    .option("--force", "overwrite an existing file", false)
    .addOption(
      new Option(
        "--scrypt-n <n>",
        "scrypt cost N, a power of two (TESTING ONLY; default: ethers' production cost 131072)",
      ).argParser(parseScryptN),
    )
    .action(
      async (
        opts: { out: string; passwordEnv?: string; force: boolean; scryptN?: number },
        cmd: Command,
      ) => {
        const g = globalOptions(cmd);
        const password = await readPassword(io, opts.passwordEnv, true);
        const r = await createKeystore(opts.out, password, {
          force: opts.force,
          scryptN: opts.scryptN,
        });
        emit(
          io,
          g.json,
          { address: r.address, file: r.file },
          `created keystore ${r.file}\naddress ${r.address}`,
        );
      },
    );

  keys
    .command("inspect")
    .description("print a keystore's address and encryption parameters (no secrets, no password)")
    .argument("<file>", "keystore file")
    .action((file: string, _opts: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const info = inspectKeystore(file);
      emit(io, g.json, info, () =>
        [
          `file    ${info.file}`,
          `address ${info.address}`,
          `version ${info.version ?? "?"}`,
          `kdf     ${info.kdf ?? "?"}`,
          `cipher  ${info.cipher ?? "?"}`,
        ].join("\n"),
      );
    });
}

function parseScryptN(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0 || n > 2 ** 20)
    throw new CliError(
      "BAD_OPTION",
      EXIT.USAGE,
      `--scrypt-n must be a power of two <= 2^20 (got ${v})`,
    );
  return n;
}

/**
 * The password from `env[passwordEnv]`, or a prompt (twice when `confirm`) when interactive.
 * Throws CliError (exit 2) when neither is possible.
 */
export async function readPassword(
  io: CliIo,
  passwordEnv: string | undefined,
  confirm: boolean,
): Promise<string> {
  if (passwordEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordEnv))
      throw new CliError(
        "BAD_OPTION",
        EXIT.USAGE,
        `--password-env takes a variable NAME (got "${passwordEnv}")`,
      );
    const p = io.env[passwordEnv];
    if (p === undefined || p === "")
      throw new CliError(
        "MISSING_ENV",
        EXIT.USAGE,
        `environment variable ${passwordEnv} is not set or empty`,
      );
    return p;
  }
  if (!io.interactive)
    throw new CliError(
      "NO_PASSWORD",
      EXIT.USAGE,
      "no password: pass --password-env <NAME> (not a terminal, cannot prompt)",
    );
  const p = await io.promptSecret("Keystore password: ");
  if (p === "") throw new CliError("NO_PASSWORD", EXIT.USAGE, "empty password");
  if (confirm && (await io.promptSecret("Repeat password: ")) !== p)
    throw new CliError("NO_PASSWORD", EXIT.USAGE, "passwords do not match");
  return p;
}
