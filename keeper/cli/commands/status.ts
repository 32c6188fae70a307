/** `ballast status [vault]`: the vault's state read at one block (keeper/src/commands/status.ts). */
import type { Command } from "commander";
import type {
  runStatus as RunStatus,
  runStatusView as RunStatusView,
  formatStatus as FormatStatus,
} from "../../src/commands/status.ts";
import { buildContext, srcModule } from "../chainContext.ts";
import { emit, globalOptions, importOptional, loadCliConfig } from "../runtime.ts";
import type { CliIo } from "../runtime.ts";
import { intInRange, parseAddress } from "../options.ts";
import { commandLogger } from "./logging.ts";

/** Registers `status`. */
export function registerStatus(program: Command, io: CliIo): void {
  program
    .command("status")
    .description(
      "NAV, weights vs limits, risk vs limits, loss budget left, pending redemptions, last rebalances, keeper health",
    )
    .argument("[vault]", "config vault name or address (default: the only configured vault)")
    .option("--lens <address>", "BallastLens address (overrides the config)", parseAddress)
    .option("--events <blocks>", "blocks scanned for Rebalanced events", intInRange(0), 10_000)
    .action(
      async (
        vaultName: string | undefined,
        opts: { lens?: string; events: number },
        cmd: Command,
      ) => {
        const g = globalOptions(cmd);
        const runStatus = await importOptional<typeof RunStatus>(
          srcModule("commands/status.ts"),
          "runStatus",
          "status",
        );
        const runStatusView = await importOptional<typeof RunStatusView>(
          srcModule("commands/status.ts"),
          "runStatusView",
          "status",
        );
        const formatStatus = await importOptional<typeof FormatStatus>(
          srcModule("commands/status.ts"),
          "formatStatus",
          "status",
        );
        const cfg = loadCliConfig(cmd, io);
        const built = await buildContext(cfg, io, {
          vaultName,
          logger: commandLogger(g, cfg),
          // keeper health names the signer and checks its role when its secret is in the
          // environment; status never fails for want of it
          needSigner: signerSecretPresent(cfg.signer, io.env),
          openJournal: false,
          lens: opts.lens,
        });
        try {
          const statusOpts = {
            vault: built.vault.name,
            lens: opts.lens,
            eventLookbackBlocks: opts.events,
          };
          // the JSON carries addresses only; the text names each token by its symbol too (one
          // symbol() call per token at the status block)
          if (g.json) {
            const st = await runStatus(built.ctx, statusOpts);
            emit(io, true, { status: st }, "");
          } else {
            const view = await runStatusView(built.ctx, statusOpts);
            emit(io, false, {}, () => formatStatus(view.status, view.labels));
          }
        } finally {
          built.close();
        }
      },
    );
}

/** True when the env var holding the signer's password (keystore) or raw key is set. */
function signerSecretPresent(
  signer: { kind: "keystore"; passwordEnv: string } | { kind: "raw"; privateKeyEnv: string },
  env: Record<string, string | undefined>,
): boolean {
  const name = signer.kind === "keystore" ? signer.passwordEnv : signer.privateKeyEnv;
  return (env[name] ?? "") !== "";
}
