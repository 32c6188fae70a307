import { expect } from "chai";
import { network } from "hardhat";
import { getAddress } from "ethers";
import type { TransactionReceipt } from "ethers";
import { deployLocalVault } from "../../deploy/lib/vaultLocal.ts";
import { makeProvider } from "../../keeper/src/chain/rpc.ts";
import type { ResilientProvider } from "../../keeper/src/chain/rpc.ts";
import { readSnapshot } from "../../keeper/src/chain/reader.ts";
import { vaultInterface } from "../../keeper/src/chain/simulate.ts";
import { tick } from "../../keeper/src/commands/run.ts";
import { openJournal } from "../../keeper/src/journal/journal.ts";
import type { Journal } from "../../keeper/src/journal/journal.ts";
import type { TriggerConfig } from "../../keeper/src/loop/triggers.ts";
import type { Worker } from "../../keeper/src/loop/worker.ts";
import { LENDING_OP, decodeLendingData, decodeSwapData } from "../../keeper/src/planner/eip712.ts";
import { leverageBps, navOf, pxAll } from "../../keeper/src/planner/checks.ts";
import type { VaultSnapshot } from "../../keeper/src/planner/types.ts";
import { TEST_TRIGGERS, localWorker } from "../helpers/keeper.ts";
import { shockWeth } from "../helpers/market.ts";
import { dyn, inProcessFetch, js } from "../helpers/rpc.ts";

/**
 * Issue 6, end to end on the local stack (deployLocalVault: Chainlink mocks, Uniswap V3, Aave V3,
 * the vault and its adapters), driven only through the keeper's loop worker (createWorker +
 * run.ts `tick`, in-process JSON-RPC), with fixed targets and a WETH hedge target (net delta
 * 20 % of NAV through the Aave adapter):
 *
 *  1. a depositor deposits USDC; tick → drift (from cash) fires, the rebalance buys the basket,
 *     supplies USDC collateral and borrows WETH; weights land within the plan's tolerance;
 *  2. idle ticks build the price history; WETH falls 15 % (feed + pool re-centred); tick → the
 *     volatility trigger fires (a named risk trigger) and the plan borrows more WETH (the hedge);
 *     debt up by the borrowed amount, net delta back at its target inside its band;
 *  3. the depositor requests redemption of 60 % of the shares; tick → the redemptions trigger
 *     fires, the rebalance sells and fulfils the epoch; the depositor claims exactly the
 *     claimable assets; nothing is pending;
 *  4. throughout: one Rebalanced per nonce, every journal row mined, no risk bound breached.
 *
 * 1b and 1c are detours on a chain snapshot (restored after) that pin two keeper defects found
 * while writing this story (they fail until fixed): the health-factor trigger firing after the
 * keeper's own hedge with the default settings, and no feasible re-hedge after a rally of the
 * borrowed asset (the planner never tops up collateral without a borrow).
 */

const USDC = (n: bigint) => n * 10n ** 6n;
const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** Fixed targets (bps of NAV, registry order WETH, WBTC, LINK, UNI) and the WETH hedge. */
const TARGETS = [2_500n, 1_200n, 500n, 500n];
const WETH_NET_DELTA_BPS = 2_000n;
const HEDGE = [WETH_NET_DELTA_BPS, null, null, null];
const WETH = 0;
const DEPOSIT = USDC(1_000_000n);

/** The plan struct of a mined `rebalance(plan, signature)` transaction. */
interface SentPlan {
  nonce: bigint;
  actions: { adapterId: bigint; data: string }[];
  expectedWeightsBps: bigint[];
  weightToleranceBps: bigint;
}

describe("e2e lifecycle: deposit → rebalance → shock → risk trigger → hedge → redemption claimed", function () {
  this.timeout(300_000);
  let d: Awaited<ReturnType<typeof deployLocalVault>>;
  let provider: ResilientProvider;
  let vault: string;
  let lens: string;
  let chainId: bigint;
  let journal: Journal;
  let quoter: string;
  let w: Worker;
  let alice: Awaited<ReturnType<typeof ethers.getSigners>>[number];

  const snap = async (): Promise<VaultSnapshot> =>
    (await readSnapshot(provider, vault, lens, "latest")).snapshot;

  /** The lens's per-asset view (vault oracle rules and rounding). */
  const assetStates = async () =>
    (
      (await dyn(d.lens).assetStates(vault)) as {
        balance: bigint;
        debt: bigint;
        weightBps: bigint;
        netDeltaBps: bigint;
      }[]
    ).map((a) => ({
      balance: a.balance,
      debt: a.debt,
      weightBps: a.weightBps,
      netDeltaBps: a.netDeltaBps,
    }));

  const feeds = () => [d.usdcUsd, d.wethUsd, d.wbtcUsd, d.linkUsd, d.uniUsd].map(dyn);

  /** Re-posts every feed's answer at the current block time (heartbeats after time jumps). */
  async function refreshFeeds(): Promise<void> {
    for (const f of feeds()) {
      const [, answer] = (await f.latestRoundData()) as bigint[];
      await f.updateAnswer(answer);
    }
  }

  /** Advances time by `seconds` and refreshes the feeds. */
  async function advance(seconds: number): Promise<void> {
    await networkHelpers.time.increase(seconds);
    await refreshFeeds();
  }

  /** The plan of the transaction the worker's last submission mined. */
  async function lastSentPlan(): Promise<{ plan: SentPlan; receipt: TransactionReceipt }> {
    const sent = w.state.outcomes[w.state.outcomes.length - 1];
    expect(sent.status).to.equal("mined");
    const tx = await provider.getTransaction(sent.txHash!);
    const parsed = vaultInterface().parseTransaction({ data: tx!.data });
    const receipt = await provider.getTransactionReceipt(sent.txHash!);
    const p = parsed!.args[0] as unknown as SentPlan;
    return {
      plan: {
        nonce: p.nonce,
        actions: p.actions.map((a) => ({ adapterId: a.adapterId, data: a.data })),
        expectedWeightsBps: [...p.expectedWeightsBps],
        weightToleranceBps: p.weightToleranceBps,
      },
      receipt: receipt!,
    };
  }

  /** Events named `name` of the vault in `receipt`. */
  function vaultEvents(receipt: TransactionReceipt, name: string) {
    const iface = vaultInterface();
    return receipt.logs
      .filter((l) => getAddress(l.address) === getAddress(vault))
      .map((l) => iface.parseLog(l))
      .filter((e) => e !== null && e.name === name);
  }

  /** Lending actions of a plan on `token` (decoded). */
  function lendingOps(plan: SentPlan, token: string) {
    return plan.actions
      .filter((a) => a.adapterId === 2n)
      .map((a) => decodeLendingData(a.data))
      .filter((x) => getAddress(x.asset) === getAddress(token));
  }

  /** Every on-chain risk bound holds now (vault limits read from the chain, keeper's checks port). */
  async function expectWithinBounds(label: string): Promise<void> {
    const s = await snap();
    const n = navOf(s.positions, s.reservedAssets, pxAll(s));
    const states = await assetStates();
    expect(s.defensive, `${label}: defensive`).to.equal(false);
    expect(s.paused, `${label}: paused`).to.equal(false);
    s.assets.forEach((a, i) => {
      const st = states[i];
      expect(st.weightBps <= a.maxWeightBps, `${label}: weight ${i} ${st.weightBps}`).to.equal(
        true,
      );
      expect(
        st.netDeltaBps >= a.minNetDeltaBps && st.netDeltaBps <= a.maxNetDeltaBps,
        `${label}: net delta ${i} ${st.netDeltaBps} not in [${a.minNetDeltaBps}, ${a.maxNetDeltaBps}]`,
      ).to.equal(true);
    });
    const lev = leverageBps(n.gross, n.nav);
    expect(lev <= s.limits.maxLeverageBps, `${label}: leverage ${lev}`).to.equal(true);
    if (s.positions.debts.some((x) => x > 0n))
      expect(
        s.lending.healthFactor >= s.limits.minHealthFactor,
        `${label}: health factor ${s.lending.healthFactor}`,
      ).to.equal(true);
    const [used, cap] = (await dyn(d.vault).lossBudget()) as [bigint, bigint];
    expect(used <= cap, `${label}: loss budget ${used} > ${cap}`).to.equal(true);
  }

  /** Rebalanced events of the whole story, in order. */
  const rebalancedLogs = async () => {
    const v = dyn(d.vault);
    return (
      (await v.queryFilter(v.filters.Rebalanced(), 0)) as unknown as {
        transactionHash: string;
        args: {
          nonce: bigint;
          planHash: string;
          navBefore: bigint;
          navAfter: bigint;
          turnoverBps: bigint;
          lossBps: bigint;
        };
      }[]
    ).map((l) => ({
      txHash: l.transactionHash,
      nonce: l.args.nonce,
      planHash: l.args.planHash,
      turnoverBps: l.args.turnoverBps,
      lossBps: l.args.lossBps,
    }));
  };

  /** A worker on the vault: fixed targets, the WETH hedge, the story's trigger settings. */
  function makeWorker(journal: Journal, extra: Partial<TriggerConfig> = {}): Worker {
    return localWorker(
      {
        name: "lifecycle",
        chainId,
        vault,
        lens,
        provider,
        journal,
        quoter,
        relayer: 5,
        targets: TARGETS,
      },
      {
        triggers: {
          ...TEST_TRIGGERS,
          // realised volatility of the basket over the ticks' history (annualised); off until 10
          // returns are recorded
          targetVolatility: 0.6,
          minVolatilityReturns: 10,
          ...extra,
        },
        hedge: HEDGE,
      },
    );
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
    alice = (await ethers.getSigners())[4];
    quoter = await d.quoterV2.getAddress();
    journal = openJournal(":memory:");
    // healthWarnMarginBps 500 (warn at 1.575): with the default 1 000 the keeper's own hedge
    // trips its health-factor warning (see test 1b, which runs the default)
    w = makeWorker(journal, { healthWarnMarginBps: 500 });
  });

  after(async function () {
    journal.close();
    provider.destroy();
  });

  it("1. deposit; tick → the rebalance is mined and the weights sit within the plan tolerance of the targets", async function () {
    await dyn(d.usdc).mint(alice.address, DEPOSIT);
    await dyn(dyn(d.usdc).connect(alice)).approve(vault, DEPOSIT);
    const dep = await dyn(dyn(d.vault).connect(alice)).deposit(DEPOSIT, alice.address);
    await dep.wait();
    const shares = (await dyn(d.vault).balanceOf(alice.address)) as bigint;
    expect(shares > 0n).to.equal(true);
    expect(await dyn(d.usdc).balanceOf(vault)).to.equal(DEPOSIT);

    const r = await tick(w);
    // drift: every target is ~hundreds of bps away from a 100 % cash vault (and the schedule
    // fires for a vault never rebalanced)
    expect(r.fired.map((t) => t.kind)).to.include("drift");
    expect(r.outcome, js(r)).to.equal("mined");
    expect(r.nonce).to.equal(0n);

    const { plan, receipt } = await lastSentPlan();
    const reb = vaultEvents(receipt, "Rebalanced");
    expect(reb).to.have.length(1);
    expect(reb[0]!.args.nonce).to.equal(0n);
    const states = await assetStates();
    states.forEach((st, i) => {
      const exp = plan.expectedWeightsBps[i];
      const dev = st.weightBps > exp ? st.weightBps - exp : exp - st.weightBps;
      expect(dev <= plan.weightToleranceBps, `asset ${i}: ${st.weightBps} vs ${exp}`).to.equal(
        true,
      );
      const devT =
        st.weightBps > TARGETS[i] ? st.weightBps - TARGETS[i] : TARGETS[i] - st.weightBps;
      expect(devT <= plan.weightToleranceBps, `asset ${i}: ${st.weightBps} vs target`).to.equal(
        true,
      );
    });
    // the hedge: USDC supplied as collateral, WETH borrowed; WETH net delta at its target
    const weth = await d.weth.getAddress();
    const ops = lendingOps(plan, weth);
    expect(ops.map((o) => o.op)).to.deep.equal([LENDING_OP.BORROW]);
    expect(states[WETH].debt).to.be.greaterThan(0n);
    const ndDev = states[WETH].netDeltaBps - WETH_NET_DELTA_BPS;
    expect(ndDev <= plan.weightToleranceBps && -ndDev <= plan.weightToleranceBps).to.equal(true);
    await expectWithinBounds("after step 1");
  });

  it("1b. the hedge leaves the health factor above the keeper's DEFAULT warning level: past the cooldown, nothing fires and nothing is sent", async function () {
    // A detour on a chain snapshot, with a second worker (own journal) on the DEFAULT trigger
    // settings (healthWarnMarginBps 1 000 → warn at minHealthFactor · 1.1 = 1.65). The planner
    // sized the collateral for exactly minHealthFactor · 1.1 (its hfMarginBps 1 000), so the
    // first seconds of Aave interest on the WETH debt push the health factor under the warning
    // (1.64999999…): the health-factor trigger fires on every tick and, once the cooldown is
    // over, the keeper sends a needless rebalance. Correct behaviour: idle.
    const snapshot = await networkHelpers.takeSnapshot();
    const j2 = openJournal(":memory:");
    try {
      const plain = makeWorker(j2);
      await advance(601);
      const s = await snap();
      const r = await tick(plain);
      const hf = `health factor ${s.lending.healthFactor} 10 minutes after the keeper's own hedge`;
      expect(
        r.fired.map((t) => t.kind),
        `${hf}: ${js(r)}`,
      ).to.deep.equal([]);
      expect(r.action, js(r)).to.equal("idle");
    } finally {
      j2.close();
      await snapshot.restore();
    }
  });

  it("1c. WETH +15 % right after the hedge: the keeper re-hedges (a WETH repay) and restores the health factor", async function () {
    // A detour on a chain snapshot with a second worker (own journal, the story's settings).
    // The rally raises the WETH debt's value while the USDC collateral stays put: Aave's health
    // factor falls from ~1.65 to ~1.43, below the vault's minHealthFactor (1.5). The keeper's
    // answer should repay part of the WETH debt (fewer tokens at the higher price) and, as the
    // repay alone cannot lift the factor back over minHealthFactor · 1.1, top up the collateral
    // from the idle USDC.
    const snapshot = await networkHelpers.takeSnapshot();
    const j2 = openJournal(":memory:");
    try {
      await advance(601);
      await shockWeth(connection, d, 1_500n);
      const s0 = await snap();
      const weth = await d.weth.getAddress();
      const second = makeWorker(j2, { healthWarnMarginBps: 500 });
      const r = await tick(second);
      expect(r.fired.map((t) => t.kind)).to.include.members(["drift", "health-factor"]);
      expect(r.outcome, js(r)).to.equal("mined");
      const sent = second.state.outcomes[second.state.outcomes.length - 1];
      const tx = await provider.getTransaction(sent.txHash!);
      const plan = vaultInterface().parseTransaction({ data: tx!.data })!
        .args[0] as unknown as SentPlan;
      const repays = lendingOps(plan, weth).filter((o) => o.op === LENDING_OP.REPAY);
      expect(repays).to.have.length(1);
      const s1 = await snap();
      expect(s1.positions.debts[WETH] < s0.positions.debts[WETH]).to.equal(true);
      expect(s1.lending.healthFactor >= s1.limits.minHealthFactor).to.equal(true);
      await expectWithinBounds("after the rally");
    } finally {
      j2.close();
      await snapshot.restore();
    }
  });

  it("2. WETH −15 %: tick → the volatility trigger fires and the plan borrows more WETH (the hedge); debt up, net delta back at its target inside its band", async function () {
    // idle ticks, one per minute, past the 600 s cooldown: they only record observations (flat
    // prices: zero returns, zero realised volatility, no trigger)
    for (let k = 0; k < 12; k++) {
      await advance(60);
      const r = await tick(w);
      expect(r.action, js(r)).to.equal("idle");
    }
    expect(w.state.history.length).to.be.greaterThanOrEqual(12);
    const weth = await d.weth.getAddress();
    await shockWeth(connection, d, -1_500n);
    const shocked = await assetStates();
    // the fall alone moved the WETH weight and net delta below their targets
    expect(WETH_NET_DELTA_BPS - shocked[WETH].netDeltaBps > 50n, js(shocked)).to.equal(true);

    const r = await tick(w);
    // Volatility (the named risk trigger): the history ends with one −15 % WETH return after a
    // dozen flat one-minute returns, so the basket's realised volatility, annualised from the
    // one-minute spacing, jumps from 0 to far above the 60 % target (× 1.1 tolerance). Drift
    // fires too (WETH weight and net delta both moved off target).
    const vol = r.fired.find((t) => t.kind === "volatility");
    expect(vol, js(r)).to.not.equal(undefined);
    expect(vol!.value).to.be.greaterThan(vol!.threshold);
    expect(Math.abs(vol!.threshold - 0.66)).to.be.lessThan(1e-9);
    expect(r.fired.map((t) => t.kind)).to.include("drift");
    expect(r.outcome, js(r)).to.equal("mined");
    expect(r.nonce).to.equal(1n);

    const { plan, receipt } = await lastSentPlan();
    expect(vaultEvents(receipt, "Rebalanced").map((e) => e!.args.nonce)).to.deep.equal([1n]);
    // the hedge: a BORROW of WETH. The target debt is (weight − net delta) · NAV in value: more
    // WETH tokens at the lower price. (Buying WETH back to its weight is netted against it.)
    const ops = lendingOps(plan, weth);
    expect(ops.filter((o) => o.op === LENDING_OP.REPAY)).to.deep.equal([]);
    const borrows = ops.filter((o) => o.op === LENDING_OP.BORROW);
    expect(borrows).to.have.length(1);
    const after = await assetStates();
    // debt after = debt before + borrowed (+ a few seconds of Aave interest)
    const gap = after[WETH].debt - (shocked[WETH].debt + borrows[0].amount);
    expect(gap >= 0n && gap <= shocked[WETH].debt / 10_000n, `interest gap ${gap}`).to.equal(true);
    // net delta: back at its target within the plan tolerance, inside the vault's band
    const s = await snap();
    const nd = after[WETH].netDeltaBps;
    const dev = nd > WETH_NET_DELTA_BPS ? nd - WETH_NET_DELTA_BPS : WETH_NET_DELTA_BPS - nd;
    expect(dev <= plan.weightToleranceBps, `net delta ${nd}`).to.equal(true);
    expect(nd >= s.assets[WETH].minNetDeltaBps && nd <= s.assets[WETH].maxNetDeltaBps).to.equal(
      true,
    );
    after.forEach((st, i) => {
      const exp = plan.expectedWeightsBps[i];
      const dv = st.weightBps > exp ? st.weightBps - exp : exp - st.weightBps;
      expect(dv <= plan.weightToleranceBps, `asset ${i}`).to.equal(true);
    });
    await expectWithinBounds("after step 2");
  });

  it("3. requestRedeem of 60 % of the shares; tick → the redemptions trigger fires, the rebalance fulfils the epoch; the claim pays exactly the claimable assets", async function () {
    await advance(601);
    const v = dyn(d.vault);
    const shares = (await v.balanceOf(alice.address)) as bigint;
    const requested = (shares * 60n) / 100n;
    const req = await dyn(v.connect(alice)).requestRedeem(requested, alice.address, alice.address);
    const reqReceipt = (await req.wait()) as TransactionReceipt;
    const asked = vaultEvents(reqReceipt, "RedeemRequested");
    expect(asked).to.have.length(1);
    expect(asked[0]!.args.shares).to.equal(requested);
    expect(await v.pendingShares()).to.equal(requested);
    expect(await v.pendingRedeemRequest(0n, alice.address)).to.equal(requested);
    expect(await v.balanceOf(alice.address)).to.equal(shares - requested);
    const epoch = (await v.currentEpoch()) as bigint;

    const r = await tick(w);
    // redemptions: the escrowed shares are worth more than the idle USDC (most of the cash is
    // Aave collateral or invested), so liquidity must be freed
    const red = r.fired.find((t) => t.kind === "redemptions");
    expect(red, js(r)).to.not.equal(undefined);
    expect(red!.value).to.be.greaterThan(0);
    expect(r.outcome, js(r)).to.equal("mined");
    expect(r.nonce).to.equal(2n);

    const { plan, receipt } = await lastSentPlan();
    expect(vaultEvents(receipt, "Rebalanced").map((e) => e!.args.nonce)).to.deep.equal([2n]);
    const ful = vaultEvents(receipt, "RedemptionsFulfilled");
    expect(ful).to.have.length(1);
    expect(ful[0]!.args.epoch).to.equal(epoch);
    expect(ful[0]!.args.shares).to.equal(requested);
    const assets = ful[0]!.args.assets as bigint;
    expect(assets > 0n).to.equal(true);
    // the plan sold risk assets for the payout
    const sells = plan.actions
      .filter((a) => a.adapterId === 1n)
      .map((a) => decodeSwapData(a.data).path)
      .filter((path) => getAddress(`0x${path.slice(-40)}`) === getAddress(d.usdc.target as string));
    expect(sells.length).to.be.greaterThan(0);
    expect(await v.pendingShares()).to.equal(0n);
    expect(await v.pendingRedeemRequest(0n, alice.address)).to.equal(0n);
    expect(await v.claimableRedeemRequest(0n, alice.address)).to.equal(requested);
    const claimable = (await v.claimableAssets(alice.address)) as bigint;
    expect(claimable).to.equal(assets); // a single controller gets the whole epoch
    expect(await v.reservedAssets()).to.equal(assets);
    expect(await v.maxRedeem(alice.address)).to.equal(requested);
    expect(await v.maxWithdraw(alice.address)).to.equal(claimable);

    const usdcBefore = (await dyn(d.usdc).balanceOf(alice.address)) as bigint;
    const claim = await dyn(v.connect(alice)).redeem(requested, alice.address, alice.address);
    const claimReceipt = (await claim.wait()) as TransactionReceipt;
    const paid = ((await dyn(d.usdc).balanceOf(alice.address)) as bigint) - usdcBefore;
    expect(paid).to.equal(claimable);
    const claimed = vaultEvents(claimReceipt, "RedemptionClaimed");
    expect(claimed).to.have.length(1);
    expect(claimed[0]!.args.assets).to.equal(claimable);
    expect(claimed[0]!.args.shares).to.equal(requested);
    expect(await v.claimableRedeemRequest(0n, alice.address)).to.equal(0n);
    expect(await v.claimableAssets(alice.address)).to.equal(0n);
    expect(await v.reservedAssets()).to.equal(0n);
    expect(await v.pendingShares()).to.equal(0n);
    expect(await v.balanceOf(alice.address)).to.equal(shares - requested);
    await expectWithinBounds("after step 3");
  });

  it("4. across the story: one Rebalanced per nonce, every journal row mined by its own transaction, no bound breached", async function () {
    const logs = await rebalancedLogs();
    expect(logs.map((l) => l.nonce)).to.deep.equal([0n, 1n, 2n]);
    expect(await dyn(d.vault).nextNonce()).to.equal(3n);
    const rows = journal.history(vault, 100).reverse();
    expect(rows.map((r) => [r.nonce, r.status])).to.deep.equal([
      [0n, "mined"],
      [1n, "mined"],
      [2n, "mined"],
    ]);
    expect(journal.pendingSubmissions()).to.deep.equal([]);
    const s = await snap();
    rows.forEach((row, k) => {
      const log = logs[k];
      expect(row.minedTxHash, `nonce ${row.nonce}`).to.equal(log.txHash);
      expect(row.txHashes).to.deep.equal([log.txHash]); // sent once, never replaced
      expect(row.planHash.toLowerCase()).to.equal(log.planHash.toLowerCase());
      expect(log.turnoverBps <= s.limits.maxTurnoverBps, `turnover ${log.turnoverBps}`).to.equal(
        true,
      );
      expect(log.lossBps <= s.limits.maxLossPerRebalanceBps, `loss ${log.lossBps}`).to.equal(true);
    });
    expect(w.state.outcomes.map((o) => [o.nonce, o.status])).to.deep.equal([
      [0n, "mined"],
      [1n, "mined"],
      [2n, "mined"],
    ]);
    // settled: the next tick (past the cooldown) has nothing to answer
    await advance(601);
    const r = await tick(w);
    expect(r.action, js(r)).to.equal("idle");
    expect(await dyn(d.vault).nextNonce()).to.equal(3n);
    await expectWithinBounds("at the end");
  });
});
