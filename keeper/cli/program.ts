/**
 * The `ballast` command tree (commander) and `main`, which runs it and turns every outcome into
 * a documented exit code. No process-global state is touched here: I/O comes in as a
 * {@link CliIo}, the exit code goes out as the return value.
 */
import { Command, CommanderError, Option } from "commander";
import { LOG_LEVELS } from "../src/config/schema.ts";
import { COMMANDS } from "./commands/index.ts";
import { CliError, EXIT, EXIT_CODES_HELP, reportError } from "./runtime.ts";
import type { CliIo, ExitCode } from "./runtime.ts";

const ENV_HELP = `Environment:
  BALLAST_CONFIG          config file when --config is not given (default ./ballast.yaml)
  BALLAST__a__b__0__c=v   override config field a.b[0].c before validation (see keeper/README.md)
  <passwordEnv>           keystore password, variable named by signer.passwordEnv
  <privateKeyEnv>         raw key (local development only), named by signer.privateKeyEnv`;

/** Builds the root command with every registered command. */
export function buildProgram(io: CliIo, captured: { message?: string } = {}): Command {
  const program = new Command("ballast");
  program
    .description(
      "Ballast keeper: plans, signs and submits risk-bounded rebalances of Ballast vaults",
    )
    .version("0.1.0", "-V, --version")
    .option(
      "-c, --config <file>",
      "config file, YAML or JSON",
      io.env.BALLAST_CONFIG || "ballast.yaml",
    )
    .option("--json", "machine-readable JSON output on stdout", false)
    .addOption(
      new Option("--log-level <level>", "log level (debug also prints stack traces)").choices(
        LOG_LEVELS,
      ),
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s) => {
        captured.message = s.replace(/^error:\s*/, "").trim();
      },
    })
    .addHelpText("after", `\n${EXIT_CODES_HELP}\n\n${ENV_HELP}\n`);
  for (const register of COMMANDS) register(program, io);
  // Every command's help ends with the exit codes, the subcommands' too (keys create, config
  // check, data fetch, …). Subcommands without an action (keys, config) print their help and
  // exit 2 when called bare.
  for (const cmd of program.commands) {
    cmd.addHelpText("after", `\n${EXIT_CODES_HELP}\n`);
    for (const sub of cmd.commands) sub.addHelpText("after", `\n${EXIT_CODES_HELP}\n`);
    if (cmd.commands.length > 0)
      cmd.action(() => {
        throw new CliError(
          "USAGE",
          EXIT.USAGE,
          `"${cmd.name()}" needs a subcommand: ${cmd.commands.map((c) => c.name()).join(", ")}`,
        );
      });
  }
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const captured: { message?: string } = {};
  const program = buildProgram(io, captured);
  const json = argv.includes("--json");
  const debug = argv.some(
    (a, i) =>
      /^--log-level=(debug|trace)$/.test(a) ||
      (a === "--log-level" && /^(debug|trace)$/.test(argv[i + 1] ?? "")),
  );
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
      )
        return EXIT.OK;
      if (err.exitCode === 0) return EXIT.OK;
      const message = `${captured.message ?? err.message.replace(/^error:\s*/, "")} (see --help)`;
      return reportError(
        io,
        new CliError(err.code.replace(/^commander\./, "USAGE_"), EXIT.USAGE, message),
        { json, debug },
      );
    }
    return reportError(io, err, { json, debug });
  }
}
