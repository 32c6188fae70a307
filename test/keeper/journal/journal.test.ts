import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { JournalError, openJournal } from "../../../keeper/src/journal/journal.ts";
import type { Journal } from "../../../keeper/src/journal/journal.ts";
import { isSqliteExperimentalWarning } from "../../../keeper/src/journal/sqlite.ts";

const NODE = path.resolve("node_modules/.bin/node");
const JOURNAL_URL = pathToFileURL(path.resolve("keeper/src/journal/journal.ts")).href;
const VAULT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const H = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

function tmpFile(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), "ballast-journal-")), "sub", "j.sqlite");
}

function refusal(fn: () => unknown): JournalError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(JournalError);
    return e as JournalError;
  }
  expect.fail("expected a JournalError");
}

describe("keeper journal", () => {
  let j: Journal;
  afterEach(() => j?.close());

  it("claims a nonce, records submissions (replacements appended), marks mined", () => {
    let t = 1_000;
    j = openJournal(":memory:", { now: () => t++ });
    const c = j.claimNonce(31337, VAULT.toLowerCase(), 0n, H(1), { deadline: 500n });
    expect(c.fresh).to.equal(true);
    expect(c.record).to.include({ vault: VAULT, status: "signed", planHash: H(1) });
    expect(c.record.deadline).to.equal(500n);
    j.recordSubmission(31337, VAULT, 0n, H(1), H(0xa), "0x02aa");
    j.recordSubmission(31337, VAULT, 0n, H(1), H(0xa), "0x02aa"); // idempotent
    const r = j.recordSubmission(31337n, VAULT, 0n, H(1), H(0xb), "0x02bb");
    expect(r.status).to.equal("submitted");
    expect(r.txHashes).to.deep.equal([H(0xa), H(0xb)]);
    expect(r.attempts.map((a) => a.rawTx)).to.deep.equal(["0x02aa", "0x02bb"]);
    expect(j.pendingSubmissions()).to.have.length(1);
    const m = j.markMined(31337, VAULT, 0n, H(1), H(0xb));
    expect(m.status).to.equal("mined");
    expect(m.minedTxHash).to.equal(H(0xb));
    expect(m.updatedAt).to.be.greaterThan(m.createdAt);
    expect(j.pendingSubmissions()).to.deep.equal([]);
  });

  it("never two plans for one nonce; the same plan re-claims idempotently", () => {
    j = openJournal(":memory:");
    j.claimNonce(1, VAULT, 7n, H(1));
    expect(j.claimNonce(1, VAULT, 7n, H(1)).fresh).to.equal(false);
    const e = refusal(() => j.claimNonce(1, VAULT, 7n, H(2)));
    expect(e.code).to.equal("NONCE_TAKEN");
    expect(e.existing?.planHash).to.equal(H(1));
    // Other chain / other vault / other nonce are independent.
    expect(j.claimNonce(2, VAULT, 7n, H(2)).fresh).to.equal(true);
    expect(j.claimNonce(1, VAULT, 8n, H(2)).fresh).to.equal(true);
  });

  it("final statuses refuse further changes; unknown nonces are refused", () => {
    j = openJournal(":memory:");
    j.claimNonce(1, VAULT, 0n, H(1));
    j.recordSubmission(1, VAULT, 0n, H(1), H(9), "0x01");
    j.markReverted(1, VAULT, 0n, H(1), H(9), "LossBudgetExceeded(250, 200)");
    expect(j.get(1, VAULT, 0n)?.error).to.equal("LossBudgetExceeded(250, 200)");
    expect(refusal(() => j.recordSubmission(1, VAULT, 0n, H(1), H(10), "0x01")).code).to.equal(
      "FINAL_STATUS",
    );
    expect(refusal(() => j.markSuperseded(1, VAULT, 0n, H(1))).code).to.equal("FINAL_STATUS");
    expect(refusal(() => j.markMined(1, VAULT, 5n, H(1), H(1))).code).to.equal("NOT_CLAIMED");
    expect(refusal(() => j.claimNonce(1, VAULT, 1n, "0x12")).code).to.equal("BAD_INPUT");
    expect(refusal(() => j.claimNonce(1, "0xnope", 1n, H(1))).code).to.equal("BAD_INPUT");
  });

  it("superseded and dropped; a dropped plan past its deadline may be replaced (archived)", () => {
    j = openJournal(":memory:");
    j.claimNonce(1, VAULT, 3n, H(1), { deadline: 100n });
    j.markSuperseded(1, VAULT, 3n, H(1), "nonce moved to 4");
    expect(j.get(1, VAULT, 3n)?.status).to.equal("superseded");
    j.claimNonce(1, VAULT, 4n, H(2), { deadline: 100n });
    j.recordSubmission(1, VAULT, 4n, H(2), H(0x22), "0x01");
    j.markDropped(1, VAULT, 4n, H(2), "receipt timeout");
    // Not expired yet (or no clock given): still refused.
    expect(refusal(() => j.claimNonce(1, VAULT, 4n, H(3), { nowSeconds: 100n })).code).to.equal(
      "NONCE_TAKEN",
    );
    expect(refusal(() => j.claimNonce(1, VAULT, 4n, H(3))).code).to.equal("NONCE_TAKEN");
    const c = j.claimNonce(1, VAULT, 4n, H(3), { nowSeconds: 101n });
    expect(c.fresh).to.equal(true);
    expect(c.record.planHash).to.equal(H(3));
    expect(c.record.txHashes).to.deep.equal([]);
    // A superseded plan never gives its nonce away.
    expect(refusal(() => j.claimNonce(1, VAULT, 3n, H(4), { nowSeconds: 10_000n })).code).to.equal(
      "NONCE_TAKEN",
    );
  });

  it("a plan never broadcast releases its nonce at once (archived); a broadcast one never does", () => {
    j = openJournal(":memory:");
    j.claimNonce(1, VAULT, 9n, H(1), { deadline: 10_000n });
    const released = j.releaseNonce(1, VAULT, 9n, H(1), "simulation failed: InvalidSigner");
    expect(released.error).to.equal("simulation failed: InvalidSigner");
    expect(j.get(1, VAULT, 9n)).to.equal(undefined);
    expect(j.pendingSubmissions()).to.deep.equal([]);
    // a new plan takes the nonce before the old one's deadline
    const c = j.claimNonce(1, VAULT, 9n, H(2), { deadline: 10_000n, nowSeconds: 1n });
    expect(c.fresh).to.equal(true);
    expect(c.record.planHash).to.equal(H(2));
    // broadcast (a transaction recorded): the nonce stays held, also once dropped
    j.recordSubmission(1, VAULT, 9n, H(2), H(0x91), "0x01");
    expect(refusal(() => j.releaseNonce(1, VAULT, 9n, H(2), "x")).code).to.equal("BROADCAST");
    j.markDropped(1, VAULT, 9n, H(2), "receipt timeout");
    expect(refusal(() => j.releaseNonce(1, VAULT, 9n, H(2), "x")).code).to.equal("BROADCAST");
    expect(j.get(1, VAULT, 9n)?.planHash).to.equal(H(2));
    expect(refusal(() => j.claimNonce(1, VAULT, 9n, H(3), { nowSeconds: 1n })).code).to.equal(
      "NONCE_TAKEN",
    );
    expect(refusal(() => j.releaseNonce(1, VAULT, 99n, H(1), "x")).code).to.equal("NOT_CLAIMED");
    j.claimNonce(1, VAULT, 10n, H(4));
    j.markSuperseded(1, VAULT, 10n, H(4));
    expect(refusal(() => j.releaseNonce(1, VAULT, 10n, H(4), "x")).code).to.equal("FINAL_STATUS");
  });

  it("recordSubmission and releaseNonce act only for the plan holding the nonce: another plan's row is refused (PLAN_MISMATCH) and left untouched", () => {
    const file = tmpFile();
    j = openJournal(file); // process A
    const k = openJournal(file); // process B, sharing the file
    try {
      // A claimed plan H(1) for nonce 5 and released it (its simulation proved it dead); B then
      // claimed plan H(0xab) for the same nonce. A, still acting for H(1), is refused both ways.
      j.claimNonce(1, VAULT, 5n, H(1), { deadline: 900n });
      j.releaseNonce(1, VAULT, 5n, H(1), "simulation: InvalidNonce");
      k.claimNonce(1, VAULT, 5n, H(0xab), { deadline: 900n });
      const held = k.get(1, VAULT, 5n);
      const label = refusal(() => j.recordSubmission(1, VAULT, 5n, H(1), H(0x51), "0x02aa"));
      expect(label.code).to.equal("PLAN_MISMATCH");
      expect(label.message).to.include("recordSubmission: nonce 5 ");
      expect(label.message).to.include(`expected plan ${H(1)}, found plan ${H(0xab)}`);
      expect(label.existing?.planHash).to.equal(H(0xab));
      const release = refusal(() => j.releaseNonce(1, VAULT, 5n, H(1), "simulation: PlanExpired"));
      expect(release.code).to.equal("PLAN_MISMATCH");
      expect(release.message).to.include("releaseNonce: nonce 5 ");
      expect(release.message).to.include(`expected plan ${H(1)}, found plan ${H(0xab)}`);
      expect(k.get(1, VAULT, 5n)).to.deep.equal(held); // B's row: same plan, signed, no tx
      expect(j.pendingSubmissions().map((r) => [r.nonce, r.planHash])).to.deep.equal([
        [5n, H(0xab)],
      ]);
      // the holder itself (its hash in any letter case) records and is not released once sent
      const upper = `0x${H(0xab).slice(2).toUpperCase()}`;
      expect(k.recordSubmission(1, VAULT, 5n, upper, H(0x52), "0x02bb").txHashes).to.deep.equal([
        H(0x52),
      ]);
      expect(refusal(() => j.releaseNonce(1, VAULT, 5n, H(0xab), "x")).code).to.equal("BROADCAST");
      // a never-broadcast row is released by its own plan only
      k.claimNonce(1, VAULT, 6n, H(3));
      expect(refusal(() => j.releaseNonce(1, VAULT, 6n, H(4), "x")).code).to.equal("PLAN_MISMATCH");
      expect(j.get(1, VAULT, 6n)?.planHash).to.equal(H(3));
      expect(j.releaseNonce(1, VAULT, 6n, H(3), "x").planHash).to.equal(H(3));
      expect(k.get(1, VAULT, 6n)).to.equal(undefined);
      // a malformed plan hash is bad input, not a mismatch
      expect(
        refusal(() => j.recordSubmission(1, VAULT, 5n, "0x12", H(0x53), "0x01")).code,
      ).to.equal("BAD_INPUT");
      expect(refusal(() => j.releaseNonce(1, VAULT, 5n, "0x12", "x")).code).to.equal("BAD_INPUT");
    } finally {
      k.close();
    }
  });

  it("markMined, markReverted, markDropped and markSuperseded act only for the plan holding the nonce: another plan's row is refused (PLAN_MISMATCH) and left untouched", () => {
    const file = tmpFile();
    j = openJournal(file); // process A
    const k = openJournal(file); // process B, sharing the file
    try {
      // A claimed plan H(1) for nonce 5 and sent it; B saw it vanish after its deadline and
      // marked it dropped, then claimed plan H(0xab) for the same nonce. A, still acting for
      // H(1) (e.g. its simulation just failed, or its tracking concluded late), is refused.
      j.claimNonce(1, VAULT, 5n, H(1), { deadline: 900n });
      j.recordSubmission(1, VAULT, 5n, H(1), H(0x51), "0x02aa");
      k.markDropped(1, VAULT, 5n, H(1), "not in the mempool after its deadline");
      k.claimNonce(1, VAULT, 5n, H(0xab), { deadline: 1_900n, nowSeconds: 901n });
      const held = k.get(1, VAULT, 5n)!;
      expect(held).to.include({ planHash: H(0xab), status: "signed", error: null });
      const marks: [string, () => unknown][] = [
        ["markMined", () => j.markMined(1, VAULT, 5n, H(1), H(0x51))],
        ["markReverted", () => j.markReverted(1, VAULT, 5n, H(1), H(0x51), "PlanExpired")],
        ["markDropped", () => j.markDropped(1, VAULT, 5n, H(1), "simulation: SlippageExceeded")],
        ["markSuperseded", () => j.markSuperseded(1, VAULT, 5n, H(1), "vault nonce is 6")],
      ];
      for (const [op, mark] of marks) {
        const e = refusal(mark);
        expect(e.code, op).to.equal("PLAN_MISMATCH");
        expect(e.message).to.include(`${op}: nonce 5 `);
        expect(e.message).to.include(`expected plan ${H(1)}, found plan ${H(0xab)}`);
        expect(e.existing?.planHash).to.equal(H(0xab));
        expect(k.get(1, VAULT, 5n), op).to.deep.equal(held); // B's row: signed, no tx, no error
      }
      expect(j.pendingSubmissions().map((r) => [r.nonce, r.planHash])).to.deep.equal([
        [5n, H(0xab)],
      ]);
      // the holder itself (its hash in any letter case) marks its own row
      const upper = `0x${H(0xab).slice(2).toUpperCase()}`;
      k.recordSubmission(1, VAULT, 5n, H(0xab), H(0x52), "0x02bb");
      expect(k.markDropped(1, VAULT, 5n, upper, "receipt timeout").status).to.equal("dropped");
      expect(j.markMined(1, VAULT, 5n, upper, H(0x52))).to.include({
        planHash: H(0xab),
        status: "mined",
        minedTxHash: H(0x52),
      });
      // another plan's final row: still PLAN_MISMATCH (the plan is checked before the status)
      const final = j.get(1, VAULT, 5n);
      expect(refusal(() => j.markSuperseded(1, VAULT, 5n, H(1))).code).to.equal("PLAN_MISMATCH");
      expect(refusal(() => j.markSuperseded(1, VAULT, 5n, H(0xab))).code).to.equal("FINAL_STATUS");
      expect(k.get(1, VAULT, 5n)).to.deep.equal(final);
      // a malformed plan hash is bad input, not a mismatch; a missing row is NOT_CLAIMED
      for (const mark of [
        () => j.markMined(1, VAULT, 5n, "0x12", H(0x52)),
        () => j.markReverted(1, VAULT, 5n, "0x12", H(0x52), "x"),
        () => j.markDropped(1, VAULT, 5n, "0x12"),
        () => j.markSuperseded(1, VAULT, 5n, "0x12"),
      ])
        expect(refusal(mark).code).to.equal("BAD_INPUT");
      expect(refusal(() => j.markDropped(1, VAULT, 6n, H(1))).code).to.equal("NOT_CLAIMED");
    } finally {
      k.close();
    }
  });

  it("a reverted plan holds its nonce until its deadline has passed, then may be replaced", () => {
    j = openJournal(":memory:");
    j.claimNonce(1, VAULT, 7n, H(1), { deadline: 500n });
    j.recordSubmission(1, VAULT, 7n, H(1), H(0x71), "0x01");
    j.markReverted(1, VAULT, 7n, H(1), H(0x71), "SlippageExceeded");
    // Its signature is public and valid until the deadline: no second plan before then.
    expect(refusal(() => j.claimNonce(1, VAULT, 7n, H(2), { nowSeconds: 500n })).code).to.equal(
      "NONCE_TAKEN",
    );
    const c = j.claimNonce(1, VAULT, 7n, H(2), { nowSeconds: 501n });
    expect(c.fresh).to.equal(true);
    expect(c.record.status).to.equal("signed");
  });

  it("history: newest nonce first, limited, per chain", () => {
    j = openJournal(":memory:");
    for (let n = 0; n < 5; n++) j.claimNonce(1, VAULT, BigInt(n), H(n + 1));
    j.claimNonce(2, VAULT, 9n, H(99));
    expect(j.history(VAULT, 3, 1).map((r) => r.nonce)).to.deep.equal([4n, 3n, 2n]);
    expect(j.history(VAULT.toLowerCase(), 2).map((r) => r.nonce)).to.deep.equal([9n, 4n]);
  });

  it("restart: reopening the file keeps claims, attempts and pending submissions", () => {
    const file = tmpFile();
    j = openJournal(file);
    j.claimNonce(1, VAULT, 0n, H(1));
    j.recordSubmission(1, VAULT, 0n, H(1), H(0xa), "0xdead");
    j.claimNonce(1, VAULT, 1n, H(2));
    j.close();
    j = openJournal(file);
    const pending = j.pendingSubmissions();
    expect(pending.map((p) => [p.nonce, p.status])).to.deep.equal([
      [0n, "submitted"],
      [1n, "signed"],
    ]);
    expect(pending[0].attempts[0].rawTx).to.equal("0xdead");
    expect(refusal(() => j.claimNonce(1, VAULT, 0n, H(5))).code).to.equal("NONCE_TAKEN");
  });

  it("two connections: the second sees the first's claim", () => {
    const file = tmpFile();
    j = openJournal(file);
    const k = openJournal(file);
    try {
      j.claimNonce(1, VAULT, 0n, H(1));
      expect(refusal(() => k.claimNonce(1, VAULT, 0n, H(2))).code).to.equal("NONCE_TAKEN");
      expect(k.claimNonce(1, VAULT, 0n, H(1)).fresh).to.equal(false);
    } finally {
      k.close();
    }
  });

  it("concurrent claims from separate processes: exactly one plan wins each nonce", async function () {
    this.timeout(60_000);
    const file = tmpFile();
    openJournal(file).close(); // create the schema once
    const NONCES = 40;
    const script = (id: number) => `
      import { openJournal } from ${JSON.stringify(JOURNAL_URL)};
      const j = openJournal(${JSON.stringify(file)}, { busyTimeoutMs: 20000 });
      const start = ${Date.now() + 1500};
      while (Date.now() < start) {}
      const won = [];
      for (let n = 0; n < ${NONCES}; n++) {
        try { j.claimNonce(1, ${JSON.stringify(VAULT)}, BigInt(n), "0x" + "${id}".repeat(64)); won.push(n); }
        catch (e) { if (e.code !== "NONCE_TAKEN") throw e; }
      }
      j.close();
      process.stdout.write(JSON.stringify(won));`;
    const run = (id: number) =>
      new Promise<number[]>((resolve, reject) => {
        const p = spawn(NODE, ["--input-type=module", "-e", script(id)]);
        let out = "";
        let err = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (err += d));
        p.on("close", (code) =>
          code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(err)),
        );
      });
    const results = await Promise.all([run(1), run(2), run(3)]);
    const all = results.flat().sort((a, b) => a - b);
    expect(all).to.deep.equal([...Array(NONCES).keys()]);
    j = openJournal(file);
    for (let n = 0; n < NONCES; n++) {
      const rec = j.get(1, VAULT, BigInt(n));
      const winner = results.findIndex((r) => r.includes(n)) + 1;
      expect(rec?.planHash).to.equal("0x" + String(winner).repeat(64));
    }
  });

  it("loading node:sqlite prints no ExperimentalWarning; other warnings still print", () => {
    const r = spawnSync(
      NODE,
      [
        "--input-type=module",
        "-e",
        `import { openJournal } from ${JSON.stringify(JOURNAL_URL)};
         openJournal(":memory:").close();
         process.emitWarning("still visible", "ExperimentalWarning");`,
      ],
      { encoding: "utf8" },
    );
    expect(r.status).to.equal(0);
    expect(r.stderr).to.not.match(/SQLite is an experimental feature/);
    expect(r.stderr).to.match(/still visible/);
    expect(
      isSqliteExperimentalWarning(
        "SQLite is an experimental feature and might change at any time",
        "ExperimentalWarning",
      ),
    ).to.equal(true);
    expect(isSqliteExperimentalWarning("SQLite is an experimental feature", "Warning")).to.equal(
      false,
    );
  });
});
