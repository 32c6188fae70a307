import { expect } from "chai";
import { network } from "hardhat";
import { getAddress } from "ethers";
import { deployLocalVault } from "../../../deploy/lib/vaultLocal.ts";
import { makeProvider } from "../../../keeper/src/chain/rpc.ts";
import type { ResilientProvider } from "../../../keeper/src/chain/rpc.ts";
import { readSnapshot } from "../../../keeper/src/chain/reader.ts";
import { vaultInterface } from "../../../keeper/src/chain/simulate.ts";
import { claimAndSign, submitPlan } from "../../../keeper/src/chain/submit.ts";
import { quoterV2Quote } from "../../../keeper/src/commands/plan.ts";
import { openJournal } from "../../../keeper/src/journal/journal.ts";
import type { Journal } from "../../../keeper/src/journal/journal.ts";
import { tickWorker } from "../../../keeper/src/loop/worker.ts";
import type { Worker } from "../../../keeper/src/loop/worker.ts";
import { snapshotWeights } from "../../../keeper/src/loop/triggers.ts";
import { leverageBps, navOf, pxAll } from "../../../keeper/src/planner/checks.ts";
import { decodeSwapData } from "../../../keeper/src/planner/eip712.ts";
import { buildPlan } from "../../../keeper/src/planner/planner.ts";
import type { VaultSnapshot } from "../../../keeper/src/planner/types.ts";
import { localFeeTier, localWorker, seedDeposit } from "../../helpers/keeper.ts";
import { dyn, inProcessFetch, js, walletAt } from "../../helpers/rpc.ts";

/**
 * The keeper loop's defensive (reduce-only) path on the real local vault (deployLocalVault on
 * the in-process network, reached through the keeper's ResilientProvider with an in-process
 * fetch): after a rebalance, WETH and WBTC fall 25 %, the price per share drops below the circuit
 * breaker's rolling reference, `performUpkeep` puts the vault in defensive mode; the loop notices
 * (circuit-breaker trigger, reduce-only) and the only plan it sends sells exposure and is accepted
 * on-chain. A target set that would need buys yields no transaction at all, and a plan that
 * raises exposure (built as if the vault were not defensive) is refused by submitPlan's
 * simulation with ExposureNotReduced: nothing is broadcast.
 */

const connection = await network.create();
const { ethers, networkHelpers } = connection;

describe("keeper loop in defensive mode (circuit breaker tripped) on the local vault", function () {
  this.timeout(180_000);
  let d: Awaited<ReturnType<typeof deployLocalVault>>;
  let provider: ResilientProvider;
  let vault: string;
  let lens: string;
  let chainId: bigint;
  let quoter: string;
  let usdc: string;
  const wallet = (i: number) => walletAt(i, provider);

  const worker = (journal: Journal, relayer: number, targets: bigint[]): Worker =>
    localWorker({
      name: "main",
      chainId,
      vault,
      lens,
      provider,
      journal,
      quoter,
      relayer,
      targets,
    });

  const snap = async (): Promise<VaultSnapshot> =>
    (await readSnapshot(provider, vault, lens, "latest")).snapshot;

  /** Gross exposure, NAV and leverage as the vault measures them (RiskChecks / RebalanceLib). */
  const exposure = (s: VaultSnapshot) => {
    const n = navOf(s.positions, s.reservedAssets, pxAll(s));
    return { gross: n.gross, nav: n.nav, lev: leverageBps(n.gross, n.nav) };
  };

  /** Asserts the rebalance transaction `hash` only swaps risk assets into the base (sales). */
  async function expectSalesOnly(hash: string): Promise<number> {
    const tx = await provider.getTransaction(hash);
    const parsed = vaultInterface().parseTransaction({ data: tx!.data });
    const plan = parsed!.args[0] as { actions: { adapterId: bigint; data: string }[] };
    expect(plan.actions.length).to.be.greaterThan(0);
    for (const a of plan.actions) {
      const { path } = decodeSwapData(a.data);
      expect(getAddress(path.slice(0, 42))).to.not.equal(getAddress(usdc)); // tokenIn
      expect(getAddress(`0x${path.slice(-40)}`)).to.equal(getAddress(usdc)); // tokenOut
    }
    return plan.actions.length;
  }

  before(async function () {
    d = await deployLocalVault(connection);
    chainId = (await ethers.provider.getNetwork()).chainId;
    provider = makeProvider(["http://in-process"], chainId, {
      timeoutMs: 20_000,
      fetch: inProcessFetch(connection.provider),
    });
    vault = await d.vault.getAddress();
    lens = await d.lens.getAddress();
    quoter = await d.quoterV2.getAddress();
    usdc = await d.usdc.getAddress();
    const alice = (await ethers.getSigners())[4];
    await seedDeposit(d, alice);
  });

  after(async function () {
    provider.destroy();
  });

  it("the breaker trips; the loop notices and its only plan sells exposure, accepted on-chain", async function () {
    const journal = openJournal(":memory:");
    // WETH and WBTC only: the 50 % turnover limit then puts ~25 % in each (LINK/UNI buys would
    // share it, since the planner sizes them down to the shallow local pools instead of
    // dropping them, and the shock below would no longer trip the breaker)
    const w = worker(journal, 15, [3_000n, 3_000n, 0n, 0n]);
    const first = await tickWorker(w);
    expect(first.outcome, js(first)).to.equal("mined");
    expect(await dyn(d.vault).defensive()).to.equal(false);

    // WETH and WBTC fall 25 %: price per share drops ~15 %, below the 10 % breaker band
    for (const feed of [d.wethUsd, d.wbtcUsd].map(dyn)) {
      const [, answer] = (await feed.latestRoundData()) as bigint[];
      await feed.updateAnswer((answer * 75n) / 100n);
    }
    const [needed] = (await dyn(d.vault).checkUpkeep("0x")) as [boolean, string];
    expect(needed).to.equal(true);
    await dyn(dyn(d.vault).connect((await ethers.getSigners())[9])).performUpkeep("0x");
    expect(await dyn(d.vault).defensive()).to.equal(true);
    await networkHelpers.time.increase(601); // past the rebalance cooldown

    const before = await snap();
    expect(before.defensive).to.equal(true);
    const x0 = exposure(before);
    const r = await tickWorker(w);
    expect(r.fired.map((t) => t.kind)).to.include("circuit-breaker");
    expect(r.outcome, js(r)).to.equal("mined");
    expect(r.nonce).to.equal(1n);

    // the mined plan: swaps only, every one a sale of a risk asset into the base
    const sent = w.state.outcomes[w.state.outcomes.length - 1];
    await expectSalesOnly(sent.txHash!);

    // on-chain effect: no asset balance rose, gross exposure and leverage fell
    const after = await snap();
    const x1 = exposure(after);
    after.positions.balances.forEach((b, i) => {
      expect(b <= before.positions.balances[i], `asset ${i}`).to.equal(true);
    });
    expect(x1.gross < x0.gross, `${x1.gross} vs ${x0.gross}`).to.equal(true);
    expect(x1.lev <= x0.lev, `${x1.lev} vs ${x0.lev}`).to.equal(true);
    expect(after.nextNonce).to.equal(2n);
    expect(after.defensive).to.equal(true); // only the admin lifts it
    expect(journal.get(chainId, vault, 1n)?.status).to.equal("mined");
    journal.close();
  });

  it("targets that call for buys of every asset: reduce-only, the loop never sends a buy (at most a sale, accepted on-chain)", async function () {
    await networkHelpers.time.increase(601);
    const journal = openJournal(":memory:");
    const relayer = wallet(16);
    const sent0 = await provider.getTransactionCount(relayer.address, "latest");
    const before = await snap();
    expect(before.defensive).to.equal(true);
    const x0 = exposure(before);
    // every target at the asset's max weight, above its current weight
    const targets = before.assets.map((a) => a.maxWeightBps);
    const { weightsBps } = snapshotWeights(before);
    weightsBps.forEach((wt, i) => expect(targets[i] > wt, `asset ${i}`).to.equal(true));
    const w = worker(journal, 16, targets);
    const r = await tickWorker(w);
    expect(r.fired.map((t) => t.kind)).to.include("circuit-breaker");
    const sent = (await provider.getTransactionCount(relayer.address, "latest")) - sent0;
    const after = await snap();
    if (r.outcome === undefined) {
      // nothing to trade: nothing claimed, signed or sent
      expect(sent, js(r)).to.equal(0);
      expect(journal.get(chainId, vault, before.nextNonce)).to.equal(undefined);
      expect(after.nextNonce).to.equal(before.nextNonce);
    } else {
      // the planner's safety margin may still sell a sliver: a sale, never a buy
      expect(r.outcome, js(r)).to.equal("mined");
      expect(sent).to.equal(1);
      await expectSalesOnly(w.state.outcomes[0].txHash!);
      after.positions.balances.forEach((b, i) => {
        expect(b <= before.positions.balances[i], `asset ${i}`).to.equal(true);
      });
      expect(exposure(after).gross < x0.gross).to.equal(true);
      expect(exposure(after).lev <= x0.lev).to.equal(true);
    }
    journal.close();
  });

  it("a plan that would raise exposure is refused by the simulation (ExposureNotReduced) and never broadcast; the defensive planner builds no buys", async function () {
    await networkHelpers.time.increase(601);
    const journal = openJournal(":memory:");
    const relayer = wallet(17);
    const s = await snap();
    expect(s.defensive).to.equal(true);
    // today's weights plus a small LINK buy (the LINK pool sits at the oracle price; the WETH and
    // WBTC pools were not arbitraged after the shock, so buys there would fail the slippage floor)
    const targets = snapshotWeights(s).weightsBps.map((w, i) => (i === 2 ? w + 100n : w));
    const block = await provider.getBlockNumber();
    const opts = {
      quote: quoterV2Quote(provider, quoter, block),
      feeTier: localFeeTier,
      ttlSeconds: 600n,
    };

    // the defensive-aware planner: no buy at all
    const honest = await buildPlan(s, targets, opts);
    const honestBuys = honest.feasible
      ? honest.steps.filter((st) => st.kind === "swap" && st.side === "buy")
      : [];
    expect(honestBuys).to.deep.equal([]);

    // the same targets planned as if the vault were not defensive: it buys risk assets
    const rogue = await buildPlan({ ...s, defensive: false }, targets, opts);
    expect(rogue.feasible, rogue.feasible ? "" : rogue.reason).to.equal(true);
    if (!rogue.feasible) return;
    expect(rogue.steps.some((st) => st.kind === "swap" && st.side === "buy")).to.equal(true);
    const signed = await claimAndSign(rogue.plan, wallet(3), chainId, vault, journal);
    const sent0 = await provider.getTransactionCount(relayer.address, "latest");
    const out = await submitPlan(provider, relayer, vault, signed, {
      chainId,
      maxFeePerGas: 200n * 10n ** 9n,
      priorityFee: 10n ** 9n,
      feeBumpPercent: 15,
      receiptTimeoutMs: 10_000,
      pollMs: 50,
      journal,
    });
    expect(out.status, out.message).to.equal("simulation-failed");
    expect(out.error?.name).to.equal("ExposureNotReduced");
    const [grossBefore, grossAfter] = (out.error?.args ?? []).map(BigInt);
    expect(grossAfter > grossBefore).to.equal(true);
    expect(out.txHashes).to.deep.equal([]);
    // never broadcast, but its live signature went to the RPC: it holds the nonce to its deadline
    const row = journal.get(chainId, vault, rogue.plan.nonce);
    expect(row?.status).to.equal("dropped");
    expect(row?.txHashes).to.deep.equal([]);
    expect(await provider.getTransactionCount(relayer.address, "pending")).to.equal(sent0);
    expect(await dyn(d.vault).nextNonce()).to.equal(s.nextNonce);
    journal.close();
  });
});
