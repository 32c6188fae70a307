/**
 * `ballast config check`: loads the configuration (file + BALLAST__ env overrides), validates
 * it, checks what it can of the signer without its password (the keystore file exists and is a
 * JSON keystore; a raw key's env var, when set, holds a valid private key: `signerIssues`), and
 * prints the resolved configuration with secrets redacted, plus warnings (raw key, unset
 * password/key env vars). Exit 2 with the field path (or env var) on any invalid field.
 */
import path from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../src/config/errors.ts";
import { configWarnings, redactedConfig } from "../../src/config/load.ts";
import { signerIssues } from "../../src/keys/keystore.ts";
import type { KeeperConfig } from "../../src/config/schema.ts";
import { emit, globalOptions, loadCliConfig, stringifyJson } from "../runtime.ts";
import type { CliIo } from "../runtime.ts";

/** Registers `config check`. */
export function registerConfig(program: Command, io: CliIo): void {
  const config = program.command("config").description("validate and show the configuration");
  config
    .command("check")
    .description(
      "validate the config file and env overrides; print the resolved config (secrets redacted)",
    )
    .action((_opts: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const cfg = loadCliConfig(cmd, io);
      const signer = signerIssues(cfg.signer, io.env);
      if (signer.length > 0)
        throw new ConfigError("CONFIG_INVALID", signer, path.resolve(g.config));
      const warnings = [...configWarnings(cfg), ...envWarnings(cfg, io.env)];
      if (!g.json) for (const w of warnings) io.stderr(`ballast: warning: ${w}\n`);
      emit(
        io,
        g.json,
        { file: g.config, config: redactedConfig(cfg), warnings },
        () => `configuration OK (${g.config})\n${stringifyJson(redactedConfig(cfg))}`,
      );
    });
}

/** Warnings about env vars the signer needs but that are not set (checked by name only). */
export function envWarnings(cfg: KeeperConfig, env: Record<string, string | undefined>): string[] {
  const name = cfg.signer.kind === "keystore" ? cfg.signer.passwordEnv : cfg.signer.privateKeyEnv;
  return env[name]
    ? []
    : [
        `signer: environment variable ${name} is not set (plan and run need it; status then ` +
          `leaves out the signer and its role)`,
      ];
}
