import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { deployLocalVault } from "../../../deploy/lib/vaultLocal.ts";
import { makeProvider } from "../../../keeper/src/chain/rpc.ts";
import type { ResilientProvider } from "../../../keeper/src/chain/rpc.ts";
import { silentLogger } from "../../../keeper/src/commands/context.ts";
import {
  formatOnce,
  runLoop,
  runOnce,
  tick,
  tickFailure,
} from "../../../keeper/src/commands/run.ts";
import { healthOf } from "../../../keeper/src/loop/supervisor.ts";
import type { TickResult } from "../../../keeper/src/loop/worker.ts";
import { keeperConfigSchema } from "../../../keeper/src/config/schema.ts";
import { openJournal } from "../../../keeper/src/journal/journal.ts";
import type { Journal } from "../../../keeper/src/journal/journal.ts";
import type { Worker } from "../../../keeper/src/loop/worker.ts";
import {
  TEST_SUBMIT,
  localFeeTier,
  localWorker,
  seedDeposit,
  testKeeperConfig,
} from "../../helpers/keeper.ts";
import { shockWeth } from "../../helpers/market.ts";
import { dyn, js, startRpcProxy, until, walletAt } from "../../helpers/rpc.ts";

/**
 * The keeper loop on the real local system (deployLocalVault, reached over HTTP through a
 * pass-through JSON-RPC proxy on 127.0.0.1): triggers → plan → simulate → sign → submit → mined;
 * crash recovery from the journal; two racing keepers; isolation of a dead vault; /metrics and
 * /healthz over HTTP.
 */

const connection = await network.create();
const { ethers, networkHelpers } = connection;

async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
}

describe("keeper loop on the local vault", function () {
  this.timeout(180_000);
  let proxy: Awaited<ReturnType<typeof startRpcProxy>>;
  let d: Awaited<ReturnType<typeof deployLocalVault>>;
  let provider: ResilientProvider;
  let vault: string;
  let lens: string;
  let chainId: bigint;
  let quoter: string;
  const dir = mkdtempSync(path.join(tmpdir(), "ballast-loop-"));
  const wallet = (i: number) => walletAt(i, provider);

  function worker(
    journal: Journal,
    relayer: number,
    targets: bigint[],
    submit: { receiptTimeoutMs?: number } = {},
  ): Worker {
    return localWorker(
      { name: "main", chainId, vault, lens, provider, journal, quoter, relayer, targets },
      { submit: { ...TEST_SUBMIT, ...submit } },
    );
  }

  const rebalancedNonces = async (): Promise<bigint[]> => {
    const v = dyn(d.vault);
    const logs = (await v.queryFilter(v.filters.Rebalanced(), 0)) as unknown as {
      args: { nonce: bigint };
    }[];
    return logs.map((l) => BigInt(l.args.nonce));
  };

  before(async function () {
    d = await deployLocalVault(connection);
    proxy = await startRpcProxy(connection.provider);
    chainId = (await ethers.provider.getNetwork()).chainId;
    provider = makeProvider([proxy.url], chainId, { timeoutMs: 20_000 });
    vault = await d.vault.getAddress();
    lens = await d.lens.getAddress();
    quoter = await d.quoterV2.getAddress();
    const alice = (await ethers.getSigners())[4];
    await seedDeposit(d, alice);
  });

  after(async function () {
    await connection.provider.request({ method: "evm_setAutomine", params: [true] });
    provider.destroy();
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("(a) drift fires from cash and is mined; a WETH price shock fires drift again and a rebalance is mined", async function () {
    const journal = openJournal(":memory:");
    const w = worker(journal, 5, [2_500n, 2_500n, 1_490n, 1_490n]);
    const first = await tick(w);
    expect(first.fired.map((t) => t.kind)).to.include("drift");
    expect(first.outcome, js(first)).to.equal("mined");
    const idle = await tick(w);
    expect(["idle", "cooldown"]).to.include(idle.action);
    await networkHelpers.time.increase(601);
    await shockWeth(connection, d, 600n);
    const shocked = await tick(w);
    const drift = shocked.fired.find((t) => t.kind === "drift");
    expect(drift?.value ?? 0, js(shocked)).to.be.greaterThan(50);
    expect(shocked.outcome, js(shocked)).to.equal("mined");
    expect(await rebalancedNonces()).to.deep.equal([0n, 1n]);
    expect(journal.history(vault).map((r) => r.status)).to.deep.equal(["mined", "mined"]);
    journal.close();
  });

  it("(b) crash after submit, before the receipt: a fresh worker on the same journal resumes tracking; exactly one execution", async function () {
    await networkHelpers.time.increase(601);
    const file = path.join(dir, "crash.sqlite");
    const j1 = openJournal(file);
    const targets = [2_000n, 2_000n, 1_490n, 1_490n];
    const w1 = worker(j1, 5, targets, { receiptTimeoutMs: 1_500 });
    await connection.provider.request({ method: "evm_setAutomine", params: [false] });
    const r1 = await tick(w1);
    expect(r1.outcome, js(r1)).to.equal("timeout");
    const nonce = r1.nonce;
    const row = j1.get(chainId, vault, nonce);
    expect(row?.status).to.equal("submitted");
    j1.close(); // the "crash": the worker and its journal handle are gone, the tx sits in the mempool

    const j2 = openJournal(file);
    expect(j2.pendingSubmissions().map((r) => r.nonce)).to.deep.equal([nonce]);
    const w2 = worker(j2, 5, targets);
    const r2 = await tick(w2);
    expect(r2.action).to.equal("tracking");
    expect(w2.state.outcomes).to.deep.equal([]); // it signed nothing
    await connection.provider.request({ method: "evm_setAutomine", params: [true] });
    await connection.provider.request({ method: "evm_mine", params: [] });
    const r3 = await tick(w2);
    expect(["cooldown", "idle"]).to.include(r3.action);
    const after = j2.get(chainId, vault, nonce);
    expect(after?.status).to.equal("mined");
    expect(after?.planHash).to.equal(row?.planHash);
    expect(after?.txHashes).to.include(after?.minedTxHash);
    expect(j2.pendingSubmissions()).to.deep.equal([]);
    expect((await rebalancedNonces()).filter((n) => n === nonce)).to.have.length(1);
    expect(await dyn(d.vault).nextNonce()).to.equal(nonce + 1n);
    expect(w2.state.outcomes).to.deep.equal([]);
    j2.close();
  });

  it("(c) two keepers through a price shock: one rebalance per nonce, the loser never resubmits and re-plans from fresh state", async function () {
    await networkHelpers.time.increase(601);
    await shockWeth(connection, d, 500n);
    const ja = openJournal(":memory:");
    const jb = openJournal(":memory:");
    const targets = [2_500n, 2_500n, 1_490n, 1_490n];
    const a = worker(ja, 5, targets);
    const b = worker(jb, 6, targets);
    const nonce = (await dyn(d.vault).nextNonce()) as bigint;
    await connection.provider.request({ method: "evm_setAutomine", params: [false] });
    const ticks = Promise.all([tick(a), tick(b)]);
    await until(
      () =>
        ja.get(chainId, vault, nonce)?.status === "submitted" &&
        jb.get(chainId, vault, nonce)?.status === "submitted",
      20_000,
      "both keepers to submit",
    ).catch(async (e: unknown) => {
      await connection.provider.request({ method: "evm_setAutomine", params: [true] });
      throw new Error(`${String(e)}: ${js(await ticks)}`);
    });
    await connection.provider.request({ method: "evm_setAutomine", params: [true] });
    await connection.provider.request({ method: "evm_mine", params: [] });
    const [ra, rb] = await ticks;
    const outcomes = [ra.outcome, rb.outcome];
    expect(
      outcomes.filter((o) => o === "mined"),
      js(outcomes),
    ).to.have.length(1);
    const loserJ = ra.outcome === "mined" ? jb : ja;
    const loser = ra.outcome === "mined" ? b : a;
    // the loser's next tick resolves whatever it still tracks, from fresh state
    const next = await tick(loser);
    const lrow = loserJ.get(chainId, vault, nonce);
    expect(["superseded", "reverted"]).to.include(lrow?.status);
    // same-block loser: its replay at the parent block passes, so no error name is recoverable
    if (lrow?.status === "reverted") expect(lrow.minedTxHash).to.equal(lrow.txHashes[0]);
    expect(lrow?.txHashes).to.have.length(1); // never resubmitted
    expect(ja.pendingSubmissions()).to.deep.equal([]);
    expect(jb.pendingSubmissions()).to.deep.equal([]);
    expect((await rebalancedNonces()).filter((n) => n === nonce)).to.have.length(1);
    expect(await dyn(d.vault).nextNonce()).to.equal(nonce + 1n);
    // it starts from the next nonce, is in cooldown and sends nothing
    expect(next.nonce).to.equal(nonce + 1n);
    expect(next.action).to.equal("cooldown");
    expect(loserJ.get(chainId, vault, nonce)?.txHashes).to.have.length(1);
    expect(loserJ.get(chainId, vault, nonce + 1n)).to.equal(undefined);
    ja.close();
    jb.close();
  });

  it("(d) a failed simulation (of an already-expired copy) claims nothing: the next tick, with the right key, plans the same nonce and is mined", async function () {
    await networkHelpers.time.increase(601);
    const journal = openJournal(":memory:");
    const targets = [2_000n, 2_000n, 1_490n, 1_490n];
    // account #1 lacks KEEPER_SIGNER_ROLE: the vault refuses its signature in the simulation
    const bad = localWorker(
      { name: "main", chainId, vault, lens, provider, journal, quoter, relayer: 5, targets },
      { submit: TEST_SUBMIT, signer: wallet(1) },
    );
    const failed = await tick(bad);
    expect(failed.action, js(failed)).to.equal("simulation-failed");
    expect(failed.detail).to.equal("InvalidSigner");
    expect(tickFailure(failed)).to.equal("simulation-failed: InvalidSigner");
    expect(journal.get(chainId, vault, failed.nonce)).to.equal(undefined); // never claimed
    expect(journal.pendingSubmissions()).to.deep.equal([]);
    const good = worker(journal, 5, targets);
    const next = await tick(good);
    expect(next.action, js(next)).to.equal("submitted");
    expect(next.outcome, js(next)).to.equal("mined");
    expect(next.nonce).to.equal(failed.nonce);
    expect(next.receiptBlock).to.be.greaterThan(next.blockNumber);
    expect(tickFailure(next)).to.equal(undefined);
    expect(journal.get(chainId, vault, next.nonce)?.status).to.equal("mined");
    journal.close();
  });

  it("isolation and metrics: a dead RPC vault never stalls the live one; /metrics and /healthz over HTTP", async function () {
    await networkHelpers.time.increase(601);
    const config = keeperConfigSchema.parse(
      testKeeperConfig(
        {
          networks: {
            local: { chainId: Number(chainId), rpcUrls: [proxy.url], pollIntervalMs: 200 },
            dead: {
              chainId: 999_999,
              rpcUrls: ["http://127.0.0.1:1"],
              privateRpcUrl: "http://127.0.0.1:2",
              pollIntervalMs: 200,
            },
          },
          vaults: [
            { name: "live", network: "local", address: vault, lens },
            {
              name: "dead",
              network: "dead",
              address: "0x000000000000000000000000000000000000dEaD",
              lens: "0x000000000000000000000000000000000000dEaD",
            },
          ],
          keyEnv: "UNUSED",
        },
        { metrics: { port: 0 } },
      ),
    );
    const dead = makeProvider(["http://127.0.0.1:1"], 999_999, { timeoutMs: 300, retries: 0 });
    const journal = openJournal(":memory:");
    const ctx = {
      provider,
      signer: wallet(3),
      relayer: wallet(6),
      config,
      logger: silentLogger,
      journal,
      quoter,
      feeTier: localFeeTier,
    };
    const handle = await runLoop(ctx, {
      providers: { local: provider, dead },
      targets: { kind: "fixed", bps: [2_000n, 2_000n, 1_490n, 1_490n] },
      loop: { staleAfterMs: 5_000, maxBackoffMs: 400 },
    });
    try {
      const [live, deadW] = handle.workers;
      // a network's privateRpcUrl becomes its workers' broadcast provider; none: the read provider
      expect(deadW.opts.submit.broadcastProvider).to.not.equal(undefined);
      expect(live.opts.submit.broadcastProvider).to.equal(undefined);
      await until(
        () => live.state.outcomes.some((o) => o.status === "mined"),
        60_000,
        "live rebalance",
      );
      await until(() => deadW.state.consecutiveErrors >= 2, 10_000, "dead worker errors");
      expect(handle.metricsUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const h = await get(`${handle.metricsUrl}/healthz`);
      expect(h.status).to.equal(503);
      const body = JSON.parse(h.body) as { vaults: { name: string; healthy: boolean }[] };
      expect(body.vaults.map((v) => [v.name, v.healthy])).to.deep.equal([
        ["live", true],
        ["dead", false],
      ]);
      const m = await get(`${handle.metricsUrl}/metrics`);
      expect(m.status).to.equal(200);
      expect(m.body).to.match(/ballast_nav\{vault="live",chain_id="\d+"\} [1-9]/);
      expect(m.body).to.match(/ballast_weight_bps\{vault="live",chain_id="\d+",asset="0"\} \d+/);
      expect(m.body).to.match(
        /ballast_rebalances_total\{vault="live",chain_id="\d+",status="mined"\} 1/,
      );
      expect(m.body).to.match(
        /ballast_rpc_errors_total\{network="dead",url="http:\/\/127.0.0.1:1"\} [1-9]/,
      );
      expect(m.body).to.match(/ballast_tick_errors_total\{vault="dead",chain_id="999999"\} [1-9]/);
      expect(m.body).to.match(/ballast_loss_budget_left_bps\{vault="live",chain_id="\d+"\} \d+/);
    } finally {
      await handle.stop();
    }
    const solo = await runLoop(ctx, { vaults: ["live"], loop: { staleAfterMs: 5_000 } });
    try {
      await until(() => solo.workers[0].state.lastTickAt !== null, 30_000, "solo tick");
      const h = await get(`${solo.metricsUrl}/healthz`);
      expect(h.status).to.equal(200);
    } finally {
      await solo.stop();
    }
    // `ballast run --once`: one tick per vault; the dead vault's error is reported, the live one
    // still ticks (right after its rebalance: nothing due, or a plan with nothing to trade)
    try {
      const once = await runOnce(ctx, { providers: { local: provider, dead } });
      expect(once.map((r) => r.vault)).to.deep.equal(["live", "dead"]);
      expect(once[0].error).to.equal(undefined);
      expect(once[0].result?.blockNumber).to.be.greaterThan(0);
      expect(once[1].result).to.equal(undefined);
      expect(once[1].error).to.be.a("string").and.not.equal("");
      const lines = formatOnce(once).split("\n");
      expect(lines[0]).to.match(
        new RegExp(`^live: ${once[0].result?.action}\\b.* at block \\d+, nonce \\d+`),
      );
      expect(lines[1]).to.equal(`dead: error: ${once[1].error}`);
    } finally {
      dead.destroy();
      journal.close();
    }
  });
});

describe("run --once failures and /healthz degraded (pure)", function () {
  const base: TickResult = { action: "idle", blockNumber: 1, nonce: 0n, fired: [] };
  it("tickFailure: failed simulations, infeasible plans, reverted/dropped rebalances fail; decisions do not", function () {
    const failures: [Partial<TickResult>, string][] = [
      [
        { action: "simulation-failed", detail: "InvalidSigner" },
        "simulation-failed: InvalidSigner",
      ],
      [{ action: "infeasible", detail: "loss budget" }, "infeasible: loss budget"],
      [{ action: "submitted", outcome: "reverted" }, "submitted reverted"],
      [{ action: "submitted", outcome: "dropped", detail: "x" }, "submitted dropped: x"],
      [{ action: "submitted", outcome: "simulation-failed" }, "submitted simulation-failed"],
    ];
    for (const [t, why] of failures) expect(tickFailure({ ...base, ...t })).to.equal(why);
    const fine: Partial<TickResult>[] = [
      { action: "idle" },
      { action: "no-trade", detail: "no trade needed" },
      { action: "paused" },
      { action: "cooldown" },
      { action: "tracking" },
      { action: "nonce-blocked" },
      { action: "superseded" },
      { action: "nav-unavailable", detail: "feed … stale" },
      { action: "submitted", outcome: "mined" },
      { action: "submitted", outcome: "timeout" },
    ];
    for (const t of fine) expect(tickFailure({ ...base, ...t }), js(t)).to.equal(undefined);
  });

  it("healthOf: a degraded vault is named with its reason; the status code rule (ticked recently) is unchanged", function () {
    const w = (name: string, degraded: string | null) =>
      ({
        opts: { name, chainId: 1n },
        state: {
          lastTickAt: 1_000,
          consecutiveErrors: 0,
          lastError: null,
          lastBlock: 5,
          degraded,
        },
      }) as unknown as Worker;
    const h = healthOf([w("a", null), w("b", "NAV unavailable: feed 0x… stale")], 10_000, 2_000);
    expect(h.healthy).to.equal(true);
    expect(h.degraded).to.equal(true);
    expect(h.vaults.map((v) => v.degraded)).to.deep.equal([
      null,
      "NAV unavailable: feed 0x… stale",
    ]);
    expect(healthOf([w("a", null)], 10_000, 2_000).degraded).to.equal(false);
  });
});
