/**
 * The CLI's command list. A new command (e.g. `backtest`, `stress`) is one file in this folder
 * exporting `register<Name>(program, io)`, added to {@link COMMANDS}; nothing else changes.
 */
import type { Command } from "commander";
import type { CliIo } from "../runtime.ts";
import { registerConfig } from "./config.ts";
import { registerData } from "./data.ts";
import { registerKeys } from "./keys.ts";
import { registerPlan } from "./plan.ts";
import { registerRun } from "./run.ts";
import { registerStatus } from "./status.ts";

/** Registers one command (and its subcommands) on the root program. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Every command, in `--help` order. */
export const COMMANDS: readonly RegisterCommand[] = [
  registerRun,
  registerStatus,
  registerPlan,
  registerKeys,
  registerConfig,
  registerData,
];
