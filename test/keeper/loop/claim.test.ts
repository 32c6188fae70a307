import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { TypedDataEncoder } from "ethers";
import { deployLocalVault } from "../../../deploy/lib/vaultLocal.ts";
import { makeProvider } from "../../../keeper/src/chain/rpc.ts";
import type { ResilientProvider } from "../../../keeper/src/chain/rpc.ts";
import { openJournal } from "../../../keeper/src/journal/journal.ts";
import type { ClaimResult, Journal } from "../../../keeper/src/journal/journal.ts";
import { tickWorker } from "../../../keeper/src/loop/worker.ts";
import { localWorker, seedDeposit } from "../../helpers/keeper.ts";
import { hookedNode, inProcessFetch, js, walletAt } from "../../helpers/rpc.ts";

/**
 * The worker's claim of a plan that another keeper process sharing its journal file has already
 * claimed (`claimNonce` answers `fresh: false`), on the real local vault (deployLocalVault on the
 * in-process network, reached through the keeper's ResilientProvider with an in-process fetch).
 * The other process claims the identical plan while the worker's tick is under way, after the
 * tick's journal checks (in-flight rows, the held nonce) and just before the worker's own claim:
 * a row present before the tick would already stop it there ("tracking"), never reaching the
 * claim. The worker must then neither sign nor relay the plan (a second relay of the same plan
 * only burns gas on InvalidNonce) and reports the nonce as blocked.
 */

const connection = await network.create();
const { ethers } = connection;

describe("keeper worker: a plan already claimed by another process sharing the journal", function () {
  this.timeout(180_000);
  let provider: ResilientProvider;
  let vault: string;
  let lens: string;
  let quoter: string;
  let chainId: bigint;
  let broadcasts = 0;
  const dir = mkdtempSync(path.join(tmpdir(), "ballast-claim-"));

  before(async function () {
    const d = await deployLocalVault(connection);
    chainId = (await ethers.provider.getNetwork()).chainId;
    provider = makeProvider(["http://in-process"], chainId, {
      timeoutMs: 20_000,
      fetch: inProcessFetch(
        hookedNode(connection.provider, async (method) => {
          if (method === "eth_sendRawTransaction") broadcasts++;
        }),
      ),
    });
    vault = await d.vault.getAddress();
    lens = await d.lens.getAddress();
    quoter = await d.quoterV2.getAddress();
    const alice = (await ethers.getSigners())[4];
    await seedDeposit(d, alice);
  });

  after(function () {
    provider.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("claimNonce answers fresh: false (the identical plan claimed by the other process): nonce-blocked, the live plan is neither signed nor submitted nor broadcast", async function () {
    const file = path.join(dir, "shared.sqlite");
    const mine = openJournal(file); // this worker's process
    const other = openJournal(file); // another keeper process on the same file
    const relayer = walletAt(5, provider);
    try {
      const claims: { args: Parameters<Journal["claimNonce"]>; result: ClaimResult }[] = [];
      const journal: Journal = {
        ...mine,
        claimNonce(...args) {
          // the other process got there first, with the identical plan
          other.claimNonce(...args);
          const result = mine.claimNonce(...args);
          claims.push({ args, result });
          return result;
        },
      };
      // the plan signer (KEEPER_SIGNER_ROLE), noting the hash of every plan it signs
      const signer = walletAt(3, provider);
      const signedPlans: string[] = [];
      const sign = signer.signTypedData.bind(signer);
      signer.signTypedData = (domain, types, value) => {
        signedPlans.push(TypedDataEncoder.hashStruct("Plan", types, value));
        return sign(domain, types, value);
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
        { signer },
      );
      const relayerNonce = await provider.getTransactionCount(relayer.address, "pending");
      const block = await provider.getBlockNumber();
      broadcasts = 0;

      const r = await tickWorker(w);

      expect(r.fired.map((t) => t.kind)).to.include("drift");
      expect(r.action, js(r)).to.equal("nonce-blocked");
      expect(r.outcome).to.equal(undefined);
      // it reached the claim, and the claim found the other process's row for the same plan
      expect(claims, js(claims)).to.have.length(1);
      const [, , nonce, planHash] = claims[0].args;
      expect(nonce).to.equal(r.nonce);
      expect(claims[0].result.fresh).to.equal(false);
      expect(claims[0].result.record.planHash).to.equal(planHash);
      // the live plan was never signed (only the already-expired copy that was simulated)
      expect(signedPlans).to.have.length.greaterThan(0);
      expect(signedPlans).to.not.include(planHash);
      // nothing submitted or broadcast: no outcome, no transaction, the row untouched
      expect(w.state.outcomes).to.deep.equal([]);
      expect(broadcasts).to.equal(0);
      expect(await provider.getTransactionCount(relayer.address, "pending")).to.equal(relayerNonce);
      expect(await provider.getBlockNumber()).to.equal(block);
      const row = other.get(chainId, vault, nonce)!;
      expect(row).to.include({ planHash, status: "signed" });
      expect(row.txHashes).to.deep.equal([]);
      expect(row.attempts).to.deep.equal([]);
      expect(mine.pendingSubmissions().map((p) => [p.nonce, p.planHash])).to.deep.equal([
        [nonce, planHash],
      ]);
    } finally {
      mine.close();
      other.close();
    }
  });
});
