import { expect } from "chai";
import { network } from "hardhat";
import { Transaction, Wallet } from "ethers";
import type { Provider } from "ethers";
import { deployLocalVault } from "../../../deploy/lib/vaultLocal.ts";
import { makeProvider } from "../../../keeper/src/chain/rpc.ts";
import type { ResilientProvider } from "../../../keeper/src/chain/rpc.ts";
import type { Journal, PlanRecord } from "../../../keeper/src/journal/journal.ts";
import { createWorker, tickWorker, trackRecord } from "../../../keeper/src/loop/worker.ts";
import type { TickResult } from "../../../keeper/src/loop/worker.ts";
import {
  TEST_SUBMIT,
  TEST_TRIGGERS,
  localWorker,
  recordingLogger,
  seedDeposit,
  sharedJournal,
} from "../../helpers/keeper.ts";
import { dyn, hookedNode, inProcessFetch, js } from "../../helpers/rpc.ts";
import type { RpcHook } from "../../helpers/rpc.ts";
import { snapshot } from "../planner/fixtures.ts";

/**
 * The worker's journal marks act only for the plan of the row they resolve. Another keeper
 * process sharing the journal file may hand a nonce to a different plan after this worker read
 * the row (the old plan dropped past its deadline, the new one claimed): the worker must then
 * leave that plan's row alone (the journal refuses with PLAN_MISMATCH) instead of labelling it
 * mined, reverted, superseded or dropped.
 *
 * - `trackRecord` (in-flight rows at the start of a tick), chain-free: a stub provider answers
 *   the receipt / mempool reads each path needs.
 * - `tickWorker` on the real local vault: a submitted plan is dropped from the mempool, another
 *   process claims its nonce for plan B, and the vault's nonce moves past it (its calldata relayed
 *   by another account) before the worker reads the vault again: the tick reports it superseded
 *   and leaves plan B's row alone.
 */

const NONCE = 5n;
const DEADLINE = 1_000n;
const H = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const PLAN_A = H(0xa);
const PLAN_B = H(0xb);

describe("keeper worker: trackRecord marks only its own plan's row", function () {
  const vault = Wallet.createRandom().address;
  const chainId = 31337n;
  let raw: string;
  let txHash: string;

  before(async function () {
    // a real signed transaction: the revert path decodes the attempt's raw bytes
    raw = await Wallet.createRandom().signTransaction({
      type: 2,
      chainId,
      nonce: 0,
      to: vault,
      data: "0x",
      gasLimit: 300_000n,
      maxFeePerGas: 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    txHash = Transaction.from(raw).hash!;
  });

  /** Chain reads each tracking path needs (nothing else is called). */
  interface Chain {
    receipt?: { status: number; gasUsed: bigint; blockNumber: number } | null;
    known?: boolean;
  }

  const paths: {
    name: string;
    op: string;
    sent: boolean;
    chain: Chain;
    nextNonce: bigint;
    timestamp: bigint;
    status: PlanRecord["status"];
  }[] = [
    {
      name: "mined",
      op: "markMined",
      sent: true,
      chain: { receipt: { status: 1, gasUsed: 200_000n, blockNumber: 10 } },
      nextNonce: NONCE + 1n,
      timestamp: DEADLINE - 10n,
      status: "mined",
    },
    {
      name: "reverted",
      op: "markReverted",
      sent: true,
      chain: { receipt: { status: 0, gasUsed: 90_000n, blockNumber: 10 } },
      nextNonce: NONCE,
      timestamp: DEADLINE - 10n,
      status: "reverted",
    },
    {
      name: "superseded (the vault nonce moved, no receipt)",
      op: "markSuperseded",
      sent: true,
      chain: { receipt: null, known: true },
      nextNonce: NONCE + 1n,
      timestamp: DEADLINE - 10n,
      status: "superseded",
    },
    {
      name: "dropped (claimed, never submitted, past its deadline)",
      op: "markDropped",
      sent: false,
      chain: {},
      nextNonce: NONCE,
      timestamp: DEADLINE + 1n,
      status: "dropped",
    },
    {
      name: "dropped (submitted, gone from the mempool after its deadline)",
      op: "markDropped",
      sent: true,
      chain: { receipt: null, known: false },
      nextNonce: NONCE,
      timestamp: DEADLINE + 1n,
      status: "dropped",
    },
  ];

  function stubProvider(chain: Chain): Provider {
    return {
      getTransactionReceipt: async (h: string) =>
        h === txHash && chain.receipt ? { ...chain.receipt, hash: h } : null,
      getTransaction: async (h: string) => (h === txHash && chain.known ? { hash: h } : null),
      call: async () => "0x",
      broadcastTransaction: async () => {
        throw new Error("not expected: no re-broadcast on these paths");
      },
    } as unknown as Provider;
  }

  for (const p of paths) {
    it(`${p.name}: ${p.op} refused (PLAN_MISMATCH) once another process handed the nonce to another plan; that row is untouched, the tick counts it in flight`, async function () {
      const { mine, other, done } = sharedJournal();
      try {
        const logger = recordingLogger();
        const w = createWorker({
          name: "main",
          chainId,
          vault,
          lens: null,
          provider: stubProvider(p.chain),
          signer: Wallet.createRandom(),
          journal: mine,
          logger,
          triggers: TEST_TRIGGERS,
          submit: TEST_SUBMIT,
        });
        const s = snapshot([], { nextNonce: p.nextNonce, timestamp: p.timestamp });
        mine.claimNonce(chainId, vault, NONCE, PLAN_A, { deadline: DEADLINE });
        if (p.sent) mine.recordSubmission(chainId, vault, NONCE, PLAN_A, txHash, raw);
        // the row as this worker read it at the start of its tick
        const [rec] = mine.pendingSubmissions();
        expect(rec.planHash).to.equal(PLAN_A);

        // control: on its own row the path writes its status
        const own = sharedJournal();
        try {
          const wOwn = { ...w, opts: { ...w.opts, journal: own.mine, logger: recordingLogger() } };
          own.mine.claimNonce(chainId, vault, NONCE, PLAN_A, { deadline: DEADLINE });
          if (p.sent) own.mine.recordSubmission(chainId, vault, NONCE, PLAN_A, txHash, raw);
          expect(await trackRecord(wOwn, rec, s, 10)).to.equal(false);
          expect(own.other.get(chainId, vault, NONCE)?.status).to.equal(p.status);
        } finally {
          own.done();
        }

        // meanwhile the other process marked plan A dropped and, past its deadline, claimed B
        other.markDropped(chainId, vault, NONCE, PLAN_A, "not in the mempool after its deadline");
        other.claimNonce(chainId, vault, NONCE, PLAN_B, {
          deadline: DEADLINE + 600n,
          nowSeconds: DEADLINE + 1n,
        });
        const held = other.get(chainId, vault, NONCE)!;

        expect(await trackRecord(w, rec, s, 10)).to.equal(true);
        expect(other.get(chainId, vault, NONCE)).to.deep.equal(held); // B: signed, no tx, no error
        expect(held).to.include({ planHash: PLAN_B, status: "signed", error: null });
        expect(logger.at("warn").map((x) => x.msg)).to.deep.equal([
          "journal row now held by another plan: left alone",
        ]);
        const error = String((logger.at("warn")[0].obj as { error?: unknown }).error);
        expect(error).to.include(`${p.op}: nonce ${NONCE} `);
        expect(error).to.include(`expected plan ${PLAN_A}, found plan ${PLAN_B}`);
      } finally {
        done();
      }
    });
  }
});

describe("keeper worker: trackRecord of a plan another process already resolved", function () {
  const vault = Wallet.createRandom().address;
  const chainId = 31337n;
  const TX = H(0x77);

  // what the other process wrote; then this worker's own path would mark the same plan again
  const finals: { name: string; resolve: (j: Journal) => void; status: PlanRecord["status"] }[] = [
    {
      name: "mined",
      resolve: (j) => j.markMined(chainId, vault, NONCE, PLAN_A, TX),
      status: "mined",
    },
    {
      name: "reverted",
      resolve: (j) => j.markReverted(chainId, vault, NONCE, PLAN_A, TX, "reverted: LossTooHigh"),
      status: "reverted",
    },
    {
      name: "superseded",
      resolve: (j) => j.markSuperseded(chainId, vault, NONCE, PLAN_A, "vault nonce is 6"),
      status: "superseded",
    },
  ];

  for (const f of finals) {
    it(`the other process marked it ${f.name} first: the worker's own mark (FINAL_STATUS) ends its tracking quietly, the row untouched, the tick not failed`, async function () {
      const { mine, other, done } = sharedJournal();
      try {
        const logger = recordingLogger();
        const w = createWorker({
          name: "main",
          chainId,
          vault,
          lens: null,
          // the receipt this worker finds: mined at block 10
          provider: {
            getTransactionReceipt: async (h: string) =>
              h === TX ? { status: 1, gasUsed: 1n, blockNumber: 10, hash: h } : null,
          } as unknown as Provider,
          signer: Wallet.createRandom(),
          journal: mine,
          logger,
          triggers: TEST_TRIGGERS,
          submit: TEST_SUBMIT,
        });
        mine.claimNonce(chainId, vault, NONCE, PLAN_A, { deadline: DEADLINE });
        mine.recordSubmission(chainId, vault, NONCE, PLAN_A, TX, "0x02");
        const [rec] = mine.pendingSubmissions(); // as read at the start of the tick
        f.resolve(other);
        const held = other.get(chainId, vault, NONCE)!;
        expect(held.status).to.equal(f.status);

        const s = snapshot([], { nextNonce: NONCE + 1n, timestamp: DEADLINE - 10n });
        expect(await trackRecord(w, rec, s, 11)).to.equal(false); // no longer in flight
        expect(other.get(chainId, vault, NONCE)).to.deep.equal(held);
        expect(logger.at("warn")).to.deep.equal([]);
        expect(logger.at("info").map((x) => x.msg)).to.deep.equal([
          "journal row already final (resolved by another process): left alone",
        ]);
        expect(logger.at("info")[0].obj).to.include({ status: f.status });
      } finally {
        done();
      }
    });
  }
});

const connection = await network.create();
const { ethers } = connection;

describe("keeper worker: a dropped plan superseded after another process took its journal row", function () {
  this.timeout(180_000);
  let d: Awaited<ReturnType<typeof deployLocalVault>>;
  let provider: ResilientProvider;
  let vault: string;
  let lens: string;
  let quoter: string;
  let chainId: bigint;
  let hook: RpcHook = async () => undefined;
  const rpc = (method: string, params: unknown[] = []) =>
    connection.provider.request({ method, params });

  before(async function () {
    d = await deployLocalVault(connection);
    chainId = (await ethers.provider.getNetwork()).chainId;
    provider = makeProvider(["http://in-process"], chainId, {
      timeoutMs: 20_000,
      fetch: inProcessFetch(hookedNode(connection.provider, (m, p) => hook(m, p))),
    });
    vault = await d.vault.getAddress();
    lens = await d.lens.getAddress();
    quoter = await d.quoterV2.getAddress();
    const alice = (await ethers.getSigners())[4];
    await seedDeposit(d, alice);
  });

  after(async function () {
    hook = async () => undefined;
    await rpc("evm_setAutomine", [true]);
    provider.destroy();
  });

  it("the vault nonce moved past a plan dropped from the mempool whose row another plan now holds: the tick reports superseded and leaves that row alone", async function () {
    const { mine, other, done } = sharedJournal();
    let ticking: Promise<TickResult> | null = null;
    try {
      const logger = recordingLogger();
      // this worker's journal: right after its own markDropped, another process (its clock past
      // the plan's deadline) claims plan B for the nonce
      let handedOver = false;
      const journal: Journal = {
        ...mine,
        markDropped(c, v, nonce, planHash, error) {
          const rec = mine.markDropped(c, v, nonce, planHash, error);
          other.claimNonce(c, v, nonce, PLAN_B, {
            deadline: rec.deadline! + 600n,
            nowSeconds: rec.deadline! + 1n,
          });
          handedOver = true;
          return rec;
        },
      };
      const w = localWorker(
        {
          name: "main",
          chainId,
          vault,
          lens,
          provider,
          journal,
          quoter,
          relayer: 5,
          targets: [2_500n, 2_500n, 1_490n, 1_490n],
        },
        { logger },
      );
      // ... and before the worker reads the vault again, the plan's calldata is relayed by
      // another account and mined: the vault nonce moves past the dropped plan
      let calldata: string | null = null;
      let moved: Promise<void> | null = null;
      const moveNonce = async () => {
        const from = (await ethers.getSigners())[6].address;
        await rpc("eth_sendTransaction", [{ from, to: vault, data: calldata, gas: "0x7a1200" }]);
        await rpc("evm_mine");
      };
      hook = async (method, params) => {
        if (method === "eth_sendRawTransaction")
          calldata = Transaction.from(params[0] as string).data;
        if (handedOver && moved === null) moved = moveNonce();
        if (moved !== null) await moved;
      };
      const nonce = (await dyn(d.vault).nextNonce()) as bigint;
      await rpc("evm_setAutomine", [false]);
      ticking = tickWorker(w);
      const tick = ticking;
      // the plan's transaction reached the node's mempool (it is recorded just before that)
      let hash: string | undefined;
      for (let i = 0; ; i++) {
        hash = mine.get(chainId, vault, nonce)?.txHashes[0];
        if (hash !== undefined && (await rpc("eth_getTransactionByHash", [hash])) !== null) break;
        if (i > 500) throw new Error(`no submission: ${js(await tick)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await rpc("hardhat_dropTransaction", [hash])).to.equal(true);
      const r = await tick;

      expect(r.action, js(r)).to.equal("superseded");
      expect(r.outcome).to.equal("superseded");
      expect(w.state.outcomes).to.deep.equal([{ nonce, status: "superseded", txHash: null }]);
      expect(await dyn(d.vault).nextNonce()).to.equal(nonce + 1n);
      const row = other.get(chainId, vault, nonce)!;
      expect(row).to.include({ planHash: PLAN_B, status: "signed", error: null });
      expect(row.txHashes).to.deep.equal([]);
      const warned = logger
        .at("warn")
        .find(
          (x) =>
            x.msg === "dropped plan superseded; its journal row is now another plan's: left alone",
        );
      expect(warned, js(logger.at("warn"))).to.not.equal(undefined);
      expect(String((warned!.obj as { error?: unknown }).error)).to.include(
        `markSuperseded: nonce ${nonce} `,
      );
    } finally {
      await rpc("evm_setAutomine", [true]);
      await ticking?.catch(() => undefined); // a failed assertion: let the tick settle first
      hook = async () => undefined;
      done();
    }
  });
});
