/**
 * `ballast plan [vault]`: dry run (keeper/src/commands/plan.ts) — the plan, every on-chain bound
 * with its margin, the simulated result. Sends nothing. Refuses (exit 4) when the config's
 * local limits are looser than the vault's.
 */
import type { Command } from "commander";
import type {
  runPlan as RunPlan,
  formatPlan as FormatPlan,
  planRunJson as PlanRunJson,
} from "../../src/commands/plan.ts";
import { buildContext, enforceLimitsInside, srcModule } from "../chainContext.ts";
import { PLAN_TTL_SECONDS } from "../../src/config/schema.ts";
import { emit, globalOptions, importOptional, loadCliConfig } from "../runtime.ts";
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
          emit(io, g.json, { plan: planRunJson(r) }, () => formatPlan(r));
        } finally {
          built.close();
        }
      },
    );
}
