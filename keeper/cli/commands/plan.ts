/**
 * `ballast plan [vault]`: dry run (keeper/src/commands/plan.ts) — the plan, every on-chain bound
 * with its margin, the simulated result. Sends nothing. Refuses (exit 4) when the config's
 * local limits are looser than the vault's. A failed simulation (the vault would revert the plan:
 * `InvalidSigner`, `PlanExpired`, …) exits 1 like any failed transaction (`run --once` does the
 * same): the plan is still printed, then the error with the decoded revert and a hint; with
 * `--json` the document is `ok: false`, `error.code` SIMULATION_FAILED, `error.simulation` (the
 * decoded error and the hint) and `error.plan`.
 */
import type { Command } from "commander";
import type {
  runPlan as RunPlan,
  formatPlan as FormatPlan,
  planRunJson as PlanRunJson,
  simulationFailure as SimulationFailure,
} from "../../src/commands/plan.ts";
import { buildContext, enforceLimitsInside, srcModule } from "../chainContext.ts";
import { PLAN_TTL_SECONDS } from "../../src/config/schema.ts";
import { CliError, EXIT, emit, globalOptions, importOptional, loadCliConfig } from "../runtime.ts";
import type { CliIo } from "../runtime.ts";
import { commandLogger } from "./logging.ts";
import { intInRange, parseAddress, parseTargets } from "../options.ts";

/** Registers `plan`. */
export function registerPlan(program: Command, io: CliIo): void {
  program
    .command("plan")
    .description(
      "dry run: print the plan, every on-chain bound with its margin and the simulated result; sends nothing",
    )
    .argument("[vault]", "config vault name or address (default: the only configured vault)")
    .option("--lens <address>", "BallastLens address (overrides the config)", parseAddress)
    .option(
      "--targets <weights>",
      "explicit target weights, comma-separated fractions in registry order (one per asset, sum ≤ 1)",
      parseTargets,
    )
    .option(
      "--ttl <seconds>",
      `plan validity in seconds (${PLAN_TTL_SECONDS.min}…${PLAN_TTL_SECONDS.max})`,
      intInRange(PLAN_TTL_SECONDS.min, PLAN_TTL_SECONDS.max),
      600,
    )
    .option(
      "--quoter <address>",
      "Uniswap QuoterV2 address (default: the network's quoterV2, else oracle prices)",
      parseAddress,
    )
    .action(
      async (
        vaultName: string | undefined,
        opts: { lens?: string; targets?: number[]; ttl: number; quoter?: string },
        cmd: Command,
      ) => {
        const g = globalOptions(cmd);
        const mod = srcModule("commands/plan.ts");
        const runPlan = await importOptional<typeof RunPlan>(mod, "runPlan", "plan");
        const formatPlan = await importOptional<typeof FormatPlan>(mod, "formatPlan", "plan");
        const planRunJson = await importOptional<typeof PlanRunJson>(mod, "planRunJson", "plan");
        const simulationFailure = await importOptional<typeof SimulationFailure>(
          mod,
          "simulationFailure",
          "plan",
        );
        const cfg = loadCliConfig(cmd, io);
        const built = await buildContext(cfg, io, {
          vaultName,
          logger: commandLogger(g, cfg),
          needSigner: true,
          openJournal: false,
          quoter: opts.quoter,
          lens: opts.lens,
        });
        try {
          await enforceLimitsInside(built);
          const r = await runPlan(built.ctx, {
            vault: built.vault.name,
            lens: opts.lens,
            targets: opts.targets,
            ttlSeconds: BigInt(opts.ttl),
          });
          const failed = simulationFailure(r);
          if (failed === null) {
            emit(io, g.json, { plan: planRunJson(r) }, () => formatPlan(r));
            return;
          }
          // the vault would revert this plan: the plan and why, then a failure (nothing sent)
          if (!g.json) io.stdout(formatPlan(r) + "\n");
          throw new CliError(
            "SIMULATION_FAILED",
            EXIT.FAILURE,
            `plan simulation failed: ${failed.message}` +
              `${failed.hint === null ? "" : `: ${failed.hint}`}; nothing was sent`,
            {
              simulation: { error: failed.error, message: failed.message, hint: failed.hint },
              plan: planRunJson(r),
            },
          );
        } finally {
          built.close();
        }
      },
    );
}
