import { expect } from "chai";
import { network } from "hardhat";
import { Transaction } from "ethers";
import type { HDNodeWallet } from "ethers";
import { deployLocalVault } from "../../../deploy/lib/vaultLocal.ts";
import { LOCAL_STACK } from "../../../deploy/config/local.ts";
import { VAULT_ASSET_KEYS } from "../../../deploy/lib/vaultConfig.ts";
import { makeProvider } from "../../../keeper/src/chain/rpc.ts";
import type { ResilientProvider } from "../../../keeper/src/chain/rpc.ts";
import { SubmitError, claimAndSign, submitPlan } from "../../../keeper/src/chain/submit.ts";
import type { SubmitEvent, SubmitOptions } from "../../../keeper/src/chain/submit.ts";
import { readSnapshot } from "../../../keeper/src/chain/reader.ts";
import { quoterV2Quote } from "../../../keeper/src/commands/plan.ts";
import { buildPlan, targetsToBps } from "../../../keeper/src/planner/planner.ts";
import { JournalError, openJournal } from "../../../keeper/src/journal/journal.ts";
import type { Journal } from "../../../keeper/src/journal/journal.ts";
import { hashPlan, signPlan } from "../../../keeper/src/planner/eip712.ts";
import type { Plan } from "../../../keeper/src/planner/types.ts";
import { dyn, hookedNode, inProcessFetch, walletAt } from "../../helpers/rpc.ts";
import type { RpcHook as Hook } from "../../helpers/rpc.ts";
import { seedDeposit, sharedJournal } from "../../helpers/keeper.ts";

/**
 * submitPlan's tracking paths on the real local vault (deployLocalVault on the in-process
 * network, automine off, reached through the keeper's ResilientProvider with an in-process
 * fetch): a stuck transaction replaced with bumped fees (the replacement is mined), an original
 * mined while its replacement is being broadcast, an attempt mined between the two chain reads of
 * one poll, a transaction dropped from the mempool (journal rules for its nonce), a timeout
 * with the fees at the max-fee cap (typed failure, nothing sent twice), and a journal row that
 * passes to another plan while a submission is under way (PLAN_MISMATCH: never labelled, released
 * nor marked dropped by the stale submission; nothing broadcast before its first attempt).
 */

const connection = await network.create();
const { ethers, networkHelpers } = connection;

describe("submitPlan on the local vault (automine off)", function () {
  this.timeout(180_000);
  let d: Awaited<ReturnType<typeof deployLocalVault>>;
  let provider: ResilientProvider;
  let vault: string;
  let lens: string;
  let chainId: bigint;
  let quoter: string;
  let signer: HDNodeWallet;
  const feeTier = (i: number) => LOCAL_STACK.uniswap.pools[VAULT_ASSET_KEYS[i]].fee;
  let hook: Hook = async () => undefined;
  const wallet = (i: number) => walletAt(i, provider);
  const rpc = (method: string, params: unknown[] = []) =>
    connection.provider.request({ method, params });
  const GWEI = 10n ** 9n;

  const opts = (journal: Journal, events: SubmitEvent[], o: Partial<SubmitOptions> = {}) => ({
    chainId,
    maxFeePerGas: 200n * GWEI,
    priorityFee: GWEI,
    feeBumpPercent: 15,
    receiptTimeoutMs: 20_000,
    stuckAfterMs: 60_000,
    pollMs: 50,
    journal,
    onEvent: (e: SubmitEvent) => events.push(e),
    ...o,
  });

  /** A feasible planner plan toward `targets` at the vault's current state (QuoterV2 quotes). */
  async function freshPlan(targets: number[]): Promise<Plan> {
    const { snapshot, extras } = await readSnapshot(provider, vault, lens, "latest");
    const result = await buildPlan(snapshot, targetsToBps(targets), {
      quote: quoterV2Quote(provider, quoter, extras.blockNumber),
      feeTier,
      ttlSeconds: 600n,
    });
    expect(result.feasible, result.feasible ? "" : result.reason).to.equal(true);
    if (!result.feasible) throw new Error("infeasible");
    expect(result.plan.actions.length).to.be.greaterThan(0);
    return result.plan;
  }

  async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const rebalancedNonces = async (): Promise<bigint[]> => {
    const v = dyn(d.vault);
    const logs = (await v.queryFilter(v.filters.Rebalanced(), 0)) as unknown as {
      args: { nonce: bigint };
    }[];
    return logs.map((l) => BigInt(l.args.nonce));
  };

  /**
   * `submission` is refused with SubmitError PLAN_MISMATCH by the journal's `op`, naming the nonce,
   * the plan it acts for and the plan that holds the nonce.
   */
  async function expectPlanMismatch(
    submission: Promise<unknown>,
    op: string,
    plan: Plan,
    next: Plan,
  ): Promise<void> {
    let refused: unknown = null;
    await submission.catch((e: unknown) => {
      refused = e;
    });
    expect(refused).to.be.instanceOf(SubmitError);
    expect((refused as SubmitError).code).to.equal("PLAN_MISMATCH");
    expect((refused as SubmitError).message).to.include(`${op}: nonce ${plan.nonce} `);
    expect((refused as SubmitError).message).to.include(
      `expected plan ${hashPlan(plan)}, found plan ${hashPlan(next)}`,
    );
  }

  /**
   * `mine` as one keeper process sees it while another (`other`, a second handle on the same
   * file) hands the nonce of `plan` to `next` right after this process's pre-submission check
   * (submitPlan's journal.get): it releases `plan` (its own simulation proved it dead) and claims
   * `next` for the same nonce.
   */
  function racedJournal(mine: Journal, other: Journal, plan: Plan, next: Plan): Journal {
    let raced = false;
    return {
      ...mine,
      get(c, v, nonce) {
        const rec = mine.get(c, v, nonce);
        if (!raced) {
          raced = true;
          other.releaseNonce(c, v, nonce, hashPlan(plan), "simulation: InvalidNonce");
          other.claimNonce(c, v, nonce, hashPlan(next), { deadline: next.deadline });
        }
        return rec;
      },
    };
  }

  const rawFees = (raw: string) => {
    const tx = Transaction.from(raw);
    return { nonce: tx.nonce, maxFee: tx.maxFeePerGas, priority: tx.maxPriorityFeePerGas };
  };

  before(async function () {
    d = await deployLocalVault(connection);
    chainId = (await ethers.provider.getNetwork()).chainId;
    provider = makeProvider(["http://in-process"], chainId, {
      timeoutMs: 20_000,
      fetch: inProcessFetch(hookedNode(connection.provider, (m, p) => hook(m, p))),
    });
    vault = await d.vault.getAddress();
    lens = await d.lens.getAddress();
    const alice = (await ethers.getSigners())[4];
    await seedDeposit(d, alice);
    quoter = await d.quoterV2.getAddress();
    signer = wallet(3); // holds KEEPER_SIGNER_ROLE
  });

  beforeEach(async function () {
    hook = async () => undefined;
    await rpc("evm_setAutomine", [true]);
    await networkHelpers.time.increase(601); // past the vault's rebalance cooldown
  });

  afterEach(async function () {
    hook = async () => undefined;
    await rpc("evm_setAutomine", [true]);
  });

  after(async function () {
    provider.destroy();
  });

  it("stuck: a same-nonce replacement with bumped fees is sent while the original waits in the mempool; the replacement is mined and recorded", async function () {
    const journal = openJournal(":memory:");
    const relayer = wallet(10);
    const plan = await freshPlan([0.2, 0.2, 0.1, 0.1]);
    const signed = await claimAndSign(plan, signer, chainId, vault, journal);
    const relayerNonce = await provider.getTransactionCount(relayer.address, "latest");
    await rpc("evm_setAutomine", [false]);
    let raws = 0;
    let pendingWhenReplaced: string[] = [];
    hook = async (method) => {
      if (method === "eth_sendRawTransaction" && ++raws === 2) {
        const block = (await rpc("eth_getBlockByNumber", ["pending", false])) as {
          transactions: string[];
        };
        pendingWhenReplaced = block.transactions;
      }
    };
    const events: SubmitEvent[] = [];
    const pending = submitPlan(
      provider,
      relayer,
      vault,
      signed,
      opts(journal, events, { stuckAfterMs: 300 }),
    );
    await until(() => events.some((e) => e.kind === "replaced"), 10_000, "a replacement");
    const first = journal.get(chainId, vault, plan.nonce)!.txHashes[0];
    // when the replacement reached the node, the original was still pending in its mempool
    expect(pendingWhenReplaced).to.deep.equal([first]);
    const row = journal.get(chainId, vault, plan.nonce)!;
    expect(row.txHashes).to.have.length(2);
    const [a, b] = row.attempts.map((x) => rawFees(x.rawTx));
    expect(b.nonce).to.equal(a.nonce); // same relayer nonce: a replacement, not a second tx
    expect(b.maxFee! * 100n >= a.maxFee! * 115n).to.equal(true);
    expect(b.priority! * 100n >= a.priority! * 110n).to.equal(true);
    const block = (await rpc("eth_getBlockByNumber", ["pending", false])) as {
      transactions: string[];
    };
    expect(block.transactions).to.deep.equal([row.txHashes[1]]);
    await rpc("evm_mine");
    const out = await pending;
    expect(out.status, out.message).to.equal("mined");
    expect(out.txHash).to.equal(row.txHashes[1]);
    expect(out.replacements).to.equal(1);
    expect(out.feeCapReached).to.equal(false);
    expect(out.failure).to.equal(null);
    expect(await provider.getTransactionReceipt(first)).to.equal(null);
    const done = journal.get(chainId, vault, plan.nonce)!;
    expect(done.status).to.equal("mined");
    expect(done.minedTxHash).to.equal(row.txHashes[1]);
    expect(await provider.getTransactionCount(relayer.address, "latest")).to.equal(
      relayerNonce + 1,
    );
    expect((await rebalancedNonces()).filter((n) => n === plan.nonce)).to.have.length(1);
    journal.close();
  });

  it("race: the original is mined while its replacement is being broadcast; the original is recorded, the refused replacement is harmless", async function () {
    const journal = openJournal(":memory:");
    const relayer = wallet(11);
    const plan = await freshPlan([0.25, 0.25, 0.12, 0.12]);
    const signed = await claimAndSign(plan, signer, chainId, vault, journal);
    await rpc("evm_setAutomine", [false]);
    let raws = 0;
    hook = async (method) => {
      // the second raw transaction (the replacement) reaches the node just after the block
      // that mines the original
      if (method === "eth_sendRawTransaction" && ++raws === 2) await rpc("evm_mine");
    };
    const events: SubmitEvent[] = [];
    const out = await submitPlan(
      provider,
      relayer,
      vault,
      signed,
      opts(journal, events, { stuckAfterMs: 300 }),
    );
    expect(raws).to.equal(2);
    expect(out.status, out.message).to.equal("mined");
    const row = journal.get(chainId, vault, plan.nonce)!;
    expect(row.txHashes).to.have.length(2);
    expect(out.txHash).to.equal(row.txHashes[0]);
    expect(row.status).to.equal("mined");
    expect(row.minedTxHash).to.equal(row.txHashes[0]);
    const refused = events.find((e) => e.kind === "replacement-refused");
    expect(refused, JSON.stringify(events.map((e) => e.kind))).to.not.equal(undefined);
    expect(await provider.getTransactionReceipt(row.txHashes[1])).to.equal(null);
    expect((await rebalancedNonces()).filter((n) => n === plan.nonce)).to.have.length(1);
    journal.close();
  });

  it("race: an attempt mined between the relayer-nonce read and the vault-nonce read of one poll is recorded mined, not superseded", async function () {
    const journal = openJournal(":memory:");
    const relayer = wallet(12);
    const plan = await freshPlan([0.2, 0.2, 0.1, 0.1]);
    const signed = await claimAndSign(plan, signer, chainId, vault, journal);
    const nextNonceSelector = dyn(d.vault).interface.getFunction("nextNonce")!.selector;
    await rpc("evm_setAutomine", [false]);
    // One poll reads the relayer's mined nonce and the vault's nonce concurrently (batched).
    // Once armed: as soon as a poll's relayer-nonce read has been answered (not yet mined), a
    // block is mined before that poll's vault-nonce read reaches the node.
    let armed = false;
    let fired = false;
    let countInFlight = 0;
    let countAnswered = false;
    const events: SubmitEvent[] = [];
    hook = async (method, params) => {
      if (!armed || fired) return;
      if (method === "eth_getTransactionCount" && params[1] === "latest") {
        countInFlight++;
        countAnswered = false;
        return () => {
          countInFlight--;
          countAnswered = true;
        };
      }
      const call = params[0] as { to?: string; data?: string } | undefined;
      const isNextNonce =
        method === "eth_call" &&
        call?.to?.toLowerCase() === vault.toLowerCase() &&
        call.data === nextNonceSelector;
      if (!isNextNonce || (countInFlight === 0 && !countAnswered)) return;
      await until(() => countInFlight === 0, 5_000, "the relayer-nonce read");
      fired = true;
      await rpc("evm_mine");
    };
    const pending = submitPlan(provider, relayer, vault, signed, opts(journal, events));
    await until(() => events.some((e) => e.kind === "sent"), 10_000, "the send");
    armed = true;
    const out = await pending;
    expect(fired).to.equal(true);
    expect(out.status, out.message).to.equal("mined");
    const row = journal.get(chainId, vault, plan.nonce)!;
    expect(row.status).to.equal("mined");
    expect(row.minedTxHash).to.equal(row.txHashes[0]);
    expect(out.replacements).to.equal(0);
    journal.close();
  });

  it("dropped from the mempool: noticed and marked dropped; the nonce stays held until the plan's deadline, then a new plan takes it and the old bytes can never execute", async function () {
    const journal = openJournal(":memory:");
    const relayer = wallet(13);
    const plan = await freshPlan([0.25, 0.25, 0.12, 0.12]);
    const signed = await claimAndSign(plan, signer, chainId, vault, journal);
    const relayerNonce = await provider.getTransactionCount(relayer.address, "latest");
    await rpc("evm_setAutomine", [false]);
    const events: SubmitEvent[] = [];
    const pending = submitPlan(provider, relayer, vault, signed, opts(journal, events));
    await until(() => events.some((e) => e.kind === "sent"), 10_000, "the send");
    const hash = journal.get(chainId, vault, plan.nonce)!.txHashes[0];
    expect(await rpc("hardhat_dropTransaction", [hash])).to.equal(true);
    const out = await pending;
    expect(out.status, out.message).to.equal("dropped");
    expect(out.txHashes).to.deep.equal([hash]);
    expect(out.replacements).to.equal(0); // nothing re-sent
    expect(events.map((e) => e.kind)).to.deep.equal(["sent", "dropped"]);
    const row = journal.get(chainId, vault, plan.nonce)!;
    expect(row.status).to.equal("dropped");
    expect(row.error).to.match(/mempool/);
    expect(journal.pendingSubmissions()).to.deep.equal([]);
    expect(await provider.getTransaction(hash)).to.equal(null);
    expect(await provider.getTransactionCount(relayer.address, "latest")).to.equal(relayerNonce);
    await rpc("evm_setAutomine", [true]);

    // never submitted twice
    let again: unknown = null;
    await submitPlan(provider, relayer, vault, signed, opts(journal, [])).catch((e: unknown) => {
      again = e;
    });
    expect(again).to.be.instanceOf(SubmitError);
    expect((again as SubmitError).code).to.equal("ALREADY_SUBMITTED");

    // before the deadline no other plan may take the nonce (the old signature could still run)
    const other = await freshPlan([0.2, 0.2, 0.1, 0.1]);
    expect(other.nonce).to.equal(plan.nonce);
    const block = await provider.getBlock("latest");
    let taken: unknown = null;
    try {
      journal.claimNonce(chainId, vault, other.nonce, hashPlan(other), {
        deadline: other.deadline,
        nowSeconds: BigInt(block!.timestamp),
      });
    } catch (e) {
      taken = e;
    }
    expect(taken).to.be.instanceOf(JournalError);
    expect((taken as JournalError).code).to.equal("NONCE_TAKEN");

    // after it, a new plan takes the nonce and is mined; the dropped bytes are refused
    await networkHelpers.time.increase(Number(plan.deadline) - block!.timestamp + 1);
    const next = await freshPlan([0.2, 0.2, 0.1, 0.1]);
    expect(next.nonce).to.equal(plan.nonce);
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    expect(now > plan.deadline).to.equal(true);
    const claim = journal.claimNonce(chainId, vault, next.nonce, hashPlan(next), {
      deadline: next.deadline,
      nowSeconds: now,
    });
    expect(claim.fresh).to.equal(true);
    const signedNext = await signPlan(next, signer, chainId, vault);
    const out2 = await submitPlan(provider, relayer, vault, signedNext, opts(journal, []));
    expect(out2.status, out2.message).to.equal("mined");
    expect(journal.get(chainId, vault, plan.nonce)?.planHash).to.equal(signedNext.planHash);
    let replay: unknown = null;
    await provider.broadcastTransaction(row.attempts[0].rawTx).catch((e: unknown) => {
      replay = e;
    });
    expect(String(replay)).to.match(/nonce/i);
    expect((await rebalancedNonces()).filter((n) => n === plan.nonce)).to.have.length(1);
    journal.close();
  });

  it("timeout with the fees at the max-fee cap: bumps stop at the cap, tracking gives up with a typed FEE_CAP_REACHED failure, nothing is sent twice", async function () {
    const journal = openJournal(":memory:");
    const relayer = wallet(14);
    const plan = await freshPlan([0.25, 0.25, 0.12, 0.12]);
    const signed = await claimAndSign(plan, signer, chainId, vault, journal);
    const relayerNonce = await provider.getTransactionCount(relayer.address, "latest");
    const cap = (3n * GWEI) / 2n;
    await rpc("evm_setAutomine", [false]);
    const events: SubmitEvent[] = [];
    const pending = submitPlan(
      provider,
      relayer,
      vault,
      signed,
      opts(journal, events, { maxFeePerGas: cap, stuckAfterMs: 250, receiptTimeoutMs: 3_000 }),
    );
    await until(() => events.some((e) => e.kind === "sent"), 10_000, "the send");
    // the network's base fee jumps far above the cap: no attempt can be included
    await rpc("hardhat_setNextBlockBaseFeePerGas", [`0x${(100n * GWEI).toString(16)}`]);
    await rpc("evm_mine");
    const out = await pending;
    expect(out.status, out.message).to.equal("timeout");
    expect(out.failure).to.be.instanceOf(SubmitError);
    expect(out.failure?.code).to.equal("FEE_CAP_REACHED");
    expect(out.feeCapReached).to.equal(true);
    expect(events.filter((e) => e.kind === "fee-cap-reached")).to.have.length(1);
    expect(events.filter((e) => e.kind === "replacement-refused")).to.deep.equal([]);
    // the node holds exactly one attempt (the last): each replacement evicted its predecessor
    const held = await Promise.all(out.txHashes.map((h) => provider.getTransaction(h)));
    expect(held.map((t) => t !== null)).to.deep.equal(
      out.txHashes.map((_h, i, a) => i === a.length - 1),
    );
    const row = journal.get(chainId, vault, plan.nonce)!;
    expect(row.status).to.equal("submitted"); // kept for tracking: it may still be mined
    expect(out.txHashes).to.deep.equal(row.txHashes);
    expect(new Set(row.txHashes).size).to.equal(row.txHashes.length);
    expect(out.replacements).to.equal(row.txHashes.length - 1);
    expect(out.replacements).to.be.greaterThan(0);
    const fees = row.attempts.map((x) => rawFees(x.rawTx));
    expect(new Set(fees.map((f) => f.nonce)).size).to.equal(1);
    fees.forEach((f, i) => {
      expect(f.maxFee! <= cap).to.equal(true);
      if (i > 0) expect(f.maxFee! > fees[i - 1].maxFee!).to.equal(true);
    });
    expect(fees[fees.length - 1].maxFee).to.equal(cap);
    // no more attempts after giving up, and the plan is never submitted again
    await new Promise((r) => setTimeout(r, 400));
    expect(journal.get(chainId, vault, plan.nonce)!.txHashes).to.have.length(row.txHashes.length);
    let again: unknown = null;
    await submitPlan(provider, relayer, vault, signed, opts(journal, [])).catch((e: unknown) => {
      again = e;
    });
    expect((again as SubmitError | null)?.code).to.equal("ALREADY_SUBMITTED");
    expect(await provider.getTransactionCount(relayer.address, "latest")).to.equal(relayerNonce);
    // clean up: forget the stuck attempt, bring the base fee back down
    for (const h of row.txHashes) await rpc("hardhat_dropTransaction", [h]);
    await rpc("hardhat_setNextBlockBaseFeePerGas", [`0x${GWEI.toString(16)}`]);
    await rpc("evm_mine");
    journal.close();
  });
  it("race: the nonce passes to another plan after submitPlan's journal check: its attempt is not recorded on that plan's row and nothing is broadcast (PLAN_MISMATCH)", async function () {
    const { mine, other, done } = sharedJournal();
    try {
      const relayer = wallet(16);
      const plan = await freshPlan([0.2, 0.2, 0.1, 0.1]);
      const next: Plan = { ...plan, deadline: plan.deadline + 1n }; // same nonce, another hash
      const signed = await claimAndSign(plan, signer, chainId, vault, mine);
      let broadcasts = 0;
      hook = async (method) => {
        if (method === "eth_sendRawTransaction") broadcasts++;
      };
      const relayerNonce = await provider.getTransactionCount(relayer.address, "pending");
      const vaultNonce = (await dyn(d.vault).nextNonce()) as bigint;
      const events: SubmitEvent[] = [];
      await expectPlanMismatch(
        submitPlan(
          provider,
          relayer,
          vault,
          signed,
          opts(racedJournal(mine, other, plan, next), events),
        ),
        "recordSubmission",
        plan,
        next,
      );
      expect(broadcasts).to.equal(0);
      expect(events).to.deep.equal([]);
      const row = other.get(chainId, vault, plan.nonce)!;
      expect(row).to.include({ planHash: hashPlan(next), status: "signed" });
      expect(row.txHashes).to.deep.equal([]);
      expect(await provider.getTransactionCount(relayer.address, "pending")).to.equal(relayerNonce);
      expect(await dyn(d.vault).nextNonce()).to.equal(vaultNonce);
    } finally {
      done();
    }
  });

  it("race: a plan whose simulation proves it dead does not release its nonce once another plan holds it (PLAN_MISMATCH); the other plan keeps its claim", async function () {
    const { mine, other, done } = sharedJournal();
    try {
      const relayer = wallet(17);
      const next = await freshPlan([0.2, 0.2, 0.1, 0.1]);
      const latest = await provider.getBlock("latest");
      // the same nonce, already expired: the vault answers PlanExpired (a dead signature)
      const plan: Plan = { ...next, deadline: BigInt(latest!.timestamp) - 1n };
      const signed = await claimAndSign(plan, signer, chainId, vault, mine);
      let broadcasts = 0;
      hook = async (method) => {
        if (method === "eth_sendRawTransaction") broadcasts++;
      };
      await expectPlanMismatch(
        submitPlan(
          provider,
          relayer,
          vault,
          signed,
          opts(racedJournal(mine, other, plan, next), []),
        ),
        "releaseNonce",
        plan,
        next,
      );
      expect(broadcasts).to.equal(0);
      const row = other.get(chainId, vault, plan.nonce);
      expect(row).to.include({ planHash: hashPlan(next), status: "signed" });
      expect(other.pendingSubmissions().map((r) => r.planHash)).to.deep.equal([hashPlan(next)]);
    } finally {
      done();
    }
  });

  it("race: a plan whose simulation fails (not provably dead) does not mark the nonce's row dropped once another plan holds it (PLAN_MISMATCH); nothing is broadcast", async function () {
    const { mine, other, done } = sharedJournal();
    try {
      const relayer = wallet(18);
      const plan = await freshPlan([0.2, 0.2, 0.1, 0.1]);
      const next: Plan = { ...plan, deadline: plan.deadline + 1n }; // same nonce, another hash
      // signed by a key without KEEPER_SIGNER_ROLE: the simulation reverts InvalidSigner, which
      // does not prove the signature dead, so submitPlan would mark the plan dropped
      const signed = await claimAndSign(plan, wallet(19), chainId, vault, mine);
      let broadcasts = 0;
      hook = async (method) => {
        if (method === "eth_sendRawTransaction") broadcasts++;
      };
      const relayerNonce = await provider.getTransactionCount(relayer.address, "pending");
      await expectPlanMismatch(
        submitPlan(
          provider,
          relayer,
          vault,
          signed,
          opts(racedJournal(mine, other, plan, next), []),
        ),
        "markDropped",
        plan,
        next,
      );
      expect(broadcasts).to.equal(0);
      expect(await provider.getTransactionCount(relayer.address, "pending")).to.equal(relayerNonce);
      const row = other.get(chainId, vault, plan.nonce)!;
      expect(row).to.include({ planHash: hashPlan(next), status: "signed", error: null });
      expect(row.txHashes).to.deep.equal([]);
      expect(other.pendingSubmissions().map((r) => r.planHash)).to.deep.equal([hashPlan(next)]);
    } finally {
      done();
    }
  });

  it("race: a transaction dropped from the mempool after another process handed the plan's nonce to a different plan: the dropped status is not written to that plan's row (PLAN_MISMATCH)", async function () {
    const { mine, other, done } = sharedJournal();
    try {
      const relayer = wallet(18);
      const plan = await freshPlan([0.25, 0.25, 0.12, 0.12]);
      const next: Plan = { ...plan, deadline: plan.deadline + 1n }; // same nonce, another hash
      const signed = await claimAndSign(plan, signer, chainId, vault, mine);
      const relayerNonce = await provider.getTransactionCount(relayer.address, "latest");
      await rpc("evm_setAutomine", [false]);
      const events: SubmitEvent[] = [];
      const pending = submitPlan(provider, relayer, vault, signed, opts(mine, events));
      await until(() => events.some((e) => e.kind === "sent"), 10_000, "the send");
      const hash = mine.get(chainId, vault, plan.nonce)!.txHashes[0];
      // the other process, its clock past the plan's deadline, found the transaction gone: it
      // marked the plan dropped and claimed `next` for the nonce (the old row is archived)
      other.markDropped(chainId, vault, plan.nonce, hashPlan(plan), "not in the mempool");
      other.claimNonce(chainId, vault, plan.nonce, hashPlan(next), {
        deadline: next.deadline,
        nowSeconds: plan.deadline + 1n,
      });
      const held = other.get(chainId, vault, plan.nonce)!;
      expect(await rpc("hardhat_dropTransaction", [hash])).to.equal(true);
      let refused: unknown = null;
      await expectPlanMismatch(
        pending.catch((e: unknown) => {
          refused = e;
          throw e;
        }),
        "markDropped",
        plan,
        next,
      );
      expect((refused as SubmitError).message).to.match(
        /^dropped: dropped from the mempool: .*; not recorded: markDropped: nonce/,
      );
      expect(events.map((e) => e.kind)).to.deep.equal(["sent", "dropped"]);
      expect(other.get(chainId, vault, plan.nonce)).to.deep.equal(held); // signed, no tx, no error
      expect(held).to.include({ planHash: hashPlan(next), status: "signed", error: null });
      expect(await provider.getTransactionCount(relayer.address, "latest")).to.equal(relayerNonce);
    } finally {
      await rpc("evm_setAutomine", [true]);
      done();
    }
  });

  it("private relay: every attempt (original and a replacement bumped by at least 10 %) is broadcast through broadcastProvider only; receipts are read from the public provider", async function () {
    const journal = openJournal(":memory:");
    const relayer = wallet(15);
    const plan = await freshPlan([0.2, 0.2, 0.1, 0.1]);
    const signed = await claimAndSign(plan, signer, chainId, vault, journal);
    const seen = { public: 0, relay: 0 };
    hook = async (method) => {
      if (method === "eth_sendRawTransaction") seen.public++;
    };
    const relay = makeProvider(["http://relay.in-process"], chainId, {
      fetch: inProcessFetch(
        hookedNode(connection.provider, async (method) => {
          if (method === "eth_sendRawTransaction") seen.relay++;
        }),
      ),
    });
    try {
      await rpc("evm_setAutomine", [false]);
      const events: SubmitEvent[] = [];
      const pending = submitPlan(
        provider,
        relayer,
        vault,
        signed,
        // a 5 % bump would be refused as underpriced: it is raised to the nodes' 10 % minimum
        opts(journal, events, { broadcastProvider: relay, stuckAfterMs: 300, feeBumpPercent: 5 }),
      );
      await until(() => events.some((e) => e.kind === "replaced"), 10_000, "a replacement");
      await rpc("evm_mine");
      const out = await pending;
      expect(out.status, out.message).to.equal("mined");
      expect(seen).to.deep.equal({ public: 0, relay: 2 });
      expect(events.filter((e) => e.kind === "replacement-refused")).to.deep.equal([]);
      expect(out.txHash).to.equal(out.txHashes[1]); // the replacement was accepted and mined
      expect(journal.get(chainId, vault, plan.nonce)?.minedTxHash).to.equal(out.txHash);
    } finally {
      relay.destroy();
      journal.close();
    }
  });
});
