/**
 * The keeper's SQLite journal of rebalance plans (node:sqlite). One row per (chainId, vault,
 * nonce): the plan hash, its status, every transaction hash and raw signed transaction sent for
 * it (fee-bump replacements are appended), timestamps and the last error.
 *
 * Invariants:
 * - Never two plans for one nonce: {@link Journal.claimNonce} refuses a different plan hash for
 *   a claimed (chainId, vault, nonce). The claim runs in a `BEGIN IMMEDIATE` transaction, so two
 *   keeper processes sharing one file cannot both claim (the second waits on the write lock,
 *   then sees the first's row). The only exception: a plan that was `dropped` or `reverted` and
 *   whose deadline has passed can never execute any more (a reverted plan's signature is public
 *   and could be relayed again until then), so a new plan may take the nonce (the old row is
 *   archived). Without it, one reverted transaction would block the vault's keeper for good.
 * - A plan that was never broadcast (status `signed`, no transaction recorded) may release its
 *   nonce ({@link Journal.releaseNonce}: the row is archived, the nonce is free at once) when its
 *   signature is provably dead (submit.ts: its simulation reverted InvalidNonce or PlanExpired).
 *   The worker simulates an already-expired copy before it claims (chain/simulate.ts
 *   `simulateExpiredCopy`), so a failing simulation claims nothing. A plan with any recorded
 *   transaction never releases it: its signed bytes may still be mined, so it holds the nonce
 *   until it is final or (dropped or reverted) past its deadline.
 * - Never submitted twice: a submission is recorded before/after broadcast by the chain edge;
 *   {@link Journal.pendingSubmissions} lists what a restarted keeper must resume tracking.
 * - Never acting on another plan's row: every write to an existing row
 *   ({@link Journal.recordSubmission}, {@link Journal.markMined}, {@link Journal.markReverted},
 *   {@link Journal.markDropped}, {@link Journal.markSuperseded}, {@link Journal.releaseNonce})
 *   takes the plan hash it acts for and refuses (PLAN_MISMATCH) a row held by a different plan,
 *   leaving it untouched. Two processes sharing the file may hold the same nonce for different
 *   plans one after the other (one releases it, or it was dropped past its deadline, and another
 *   claims it); a stale caller must then neither label the new plan's row with its transaction or
 *   status nor release it.
 *
 * Status flow: signed → submitted → mined | reverted | dropped; any non-final → superseded (the
 * vault's nonce moved past it, e.g. another keeper won the race). mined, reverted and superseded
 * are final.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { getAddress } from "ethers";
import { loadSqlite } from "./sqlite.ts";
import type { SqliteModule } from "./sqlite.ts";

type Database = InstanceType<SqliteModule["DatabaseSync"]>;

/** Status of a journaled plan. */
export type PlanStatus = "signed" | "submitted" | "mined" | "reverted" | "dropped" | "superseded";

/** Statuses after which nothing may be recorded for the nonce. */
export const FINAL_STATUSES: readonly PlanStatus[] = ["mined", "reverted", "superseded"];

/** One attempt (original or replacement) to get a plan mined. */
export interface Attempt {
  txHash: string;
  rawTx: string;
  /** Unix ms. */
  at: number;
}

/** A journaled plan. */
export interface PlanRecord {
  chainId: bigint;
  vault: string;
  nonce: bigint;
  planHash: string;
  status: PlanStatus;
  /** Every transaction hash sent for this plan, in order. */
  txHashes: string[];
  attempts: Attempt[];
  /** Plan deadline (unix seconds) when given at claim time. */
  deadline: bigint | null;
  /** Hash of the transaction that was mined (mined or reverted). */
  minedTxHash: string | null;
  error: string | null;
  /** Unix ms. */
  createdAt: number;
  updatedAt: number;
}

/** Error codes of {@link JournalError}. */
export type JournalErrorCode =
  "NONCE_TAKEN" | "NOT_CLAIMED" | "PLAN_MISMATCH" | "FINAL_STATUS" | "BROADCAST" | "BAD_INPUT";

/** A refused journal operation. `existing` is the row that caused a refusal, when any. */
export class JournalError extends Error {
  readonly code: JournalErrorCode;
  readonly existing: PlanRecord | undefined;

  constructor(code: JournalErrorCode, message: string, existing?: PlanRecord) {
    super(message);
    this.name = "JournalError";
    this.code = code;
    this.existing = existing;
  }
}

/** Result of {@link Journal.claimNonce}: `fresh` is false when the same plan was already claimed. */
export interface ClaimResult {
  fresh: boolean;
  record: PlanRecord;
}

/** Options of {@link openJournal}. */
export interface JournalOptions {
  /** How long to wait for another process's write lock, ms (default 5000). */
  busyTimeoutMs?: number;
  /** Clock (unix ms), injectable for tests. */
  now?: () => number;
}

type ChainId = bigint | number;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS plans (
  chain_id INTEGER NOT NULL,
  vault TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  plan_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('signed','submitted','mined','reverted','dropped','superseded')),
  tx_hashes TEXT NOT NULL DEFAULT '[]',
  attempts TEXT NOT NULL DEFAULT '[]',
  deadline INTEGER,
  mined_tx_hash TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (chain_id, vault, nonce)
);
CREATE INDEX IF NOT EXISTS plans_status ON plans (status);
CREATE TABLE IF NOT EXISTS plans_archive (
  chain_id INTEGER NOT NULL,
  vault TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  row_json TEXT NOT NULL,
  archived_at INTEGER NOT NULL
);
`;

interface Row {
  chain_id: bigint;
  vault: string;
  nonce: bigint;
  plan_hash: string;
  status: PlanStatus;
  tx_hashes: string;
  attempts: string;
  deadline: bigint | null;
  mined_tx_hash: string | null;
  error: string | null;
  created_at: bigint;
  updated_at: bigint;
}

function toRecord(r: Row): PlanRecord {
  return {
    chainId: BigInt(r.chain_id),
    vault: r.vault,
    nonce: BigInt(r.nonce),
    planHash: r.plan_hash,
    status: r.status,
    txHashes: JSON.parse(r.tx_hashes) as string[],
    attempts: JSON.parse(r.attempts) as Attempt[],
    deadline: r.deadline === null ? null : BigInt(r.deadline),
    minedTxHash: r.mined_tx_hash,
    error: r.error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const HEX = /^0x[0-9a-fA-F]*$/;

/** The journal API over one SQLite file. Create with {@link openJournal}; `close()` when done. */
export interface Journal {
  /** The file path (":memory:" for an in-memory journal). */
  readonly path: string;
  /**
   * Claims `nonce` of `vault` on `chainId` for `planHash` before signing. Returns the row
   * (`fresh: false` when this same plan already holds the nonce). Throws JournalError
   * NONCE_TAKEN when a different plan holds it.
   */
  claimNonce(
    chainId: ChainId,
    vault: string,
    nonce: bigint,
    planHash: string,
    options?: { deadline?: bigint; nowSeconds?: bigint },
  ): ClaimResult;
  /**
   * Appends a broadcast attempt of plan `planHash` (status → submitted). Idempotent for a
   * repeated txHash. Throws NOT_CLAIMED without a row, PLAN_MISMATCH when the nonce is held by a
   * different plan (nothing is recorded), FINAL_STATUS when the row is final.
   */
  recordSubmission(
    chainId: ChainId,
    vault: string,
    nonce: bigint,
    planHash: string,
    txHash: string,
    rawTx: string,
  ): PlanRecord;
  /**
   * Plan `planHash`'s transaction `txHash` was mined successfully (final). Like every mark below:
   * throws NOT_CLAIMED without a row, PLAN_MISMATCH when the nonce is held by a different plan (it
   * is left alone), FINAL_STATUS when the row is final.
   */
  markMined(
    chainId: ChainId,
    vault: string,
    nonce: bigint,
    planHash: string,
    txHash: string,
  ): PlanRecord;
  /** Plan `planHash`'s transaction `txHash` was mined but reverted (final); `error` = decoded reason. */
  markReverted(
    chainId: ChainId,
    vault: string,
    nonce: bigint,
    planHash: string,
    txHash: string,
    error: string,
  ): PlanRecord;
  /**
   * Plan `planHash` was dropped: no attempt was mined before the receipt timeout / the node forgot
   * it, or its simulation failed after its live signature went to the RPC. It keeps its nonce
   * until its deadline.
   */
  markDropped(
    chainId: ChainId,
    vault: string,
    nonce: bigint,
    planHash: string,
    error?: string,
  ): PlanRecord;
  /**
   * Releases the nonce of plan `planHash` when it was never broadcast (status `signed`, no
   * transaction recorded; e.g. its simulation failed): the row moves to `plans_archive` with
   * `reason` as its error and the nonce can be claimed by a new plan at once. Throws NOT_CLAIMED
   * without a row, PLAN_MISMATCH when the nonce is held by a different plan (it is left alone),
   * FINAL_STATUS when it is final, BROADCAST when a transaction was recorded for it (it keeps the
   * nonce: see the module comment).
   */
  releaseNonce(
    chainId: ChainId,
    vault: string,
    nonce: bigint,
    planHash: string,
    reason: string,
  ): PlanRecord;
  /** The vault's nonce moved past plan `planHash` (another plan used it): never resubmit (final). */
  markSuperseded(
    chainId: ChainId,
    vault: string,
    nonce: bigint,
    planHash: string,
    reason?: string,
  ): PlanRecord;
  /** One plan, or undefined. */
  get(chainId: ChainId, vault: string, nonce: bigint): PlanRecord | undefined;
  /** Plans claimed or submitted but not final nor dropped: what a restarted keeper resumes. */
  pendingSubmissions(): PlanRecord[];
  /** The latest plans of a vault (any chain unless `chainId`), newest nonce first. */
  history(vault: string, limit?: number, chainId?: ChainId): PlanRecord[];
  close(): void;
}

/**
 * Opens (creating if needed, with parent directories) the journal at `file` (or ":memory:").
 * WAL mode; waits up to `busyTimeoutMs` for another process's write lock.
 */
export function openJournal(file: string, options: JournalOptions = {}): Journal {
  const { DatabaseSync } = loadSqlite();
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db: Database = new DatabaseSync(file, { timeout: options.busyTimeoutMs ?? 5_000 });
  const now = options.now ?? Date.now;
  if (file !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec(SCHEMA);

  const stmt = (sql: string) => {
    const s = db.prepare(sql);
    s.setReadBigInts(true);
    return s;
  };
  const selectOne = stmt("SELECT * FROM plans WHERE chain_id = ? AND vault = ? AND nonce = ?");
  const insert = stmt(
    `INSERT INTO plans (chain_id, vault, nonce, plan_hash, status, deadline, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'signed', ?, ?, ?)`,
  );
  const archive = stmt(
    "INSERT INTO plans_archive (chain_id, vault, nonce, row_json, archived_at) VALUES (?, ?, ?, ?, ?)",
  );
  const remove = stmt("DELETE FROM plans WHERE chain_id = ? AND vault = ? AND nonce = ?");
  const update = stmt(
    `UPDATE plans SET status = ?, tx_hashes = ?, attempts = ?, mined_tx_hash = ?, error = ?, updated_at = ?
     WHERE chain_id = ? AND vault = ? AND nonce = ?`,
  );
  const pending = stmt(
    "SELECT * FROM plans WHERE status IN ('signed', 'submitted') ORDER BY chain_id, vault, nonce",
  );
  const historyAll = stmt(
    "SELECT * FROM plans WHERE vault = ? ORDER BY nonce DESC, chain_id LIMIT ?",
  );
  const historyChain = stmt(
    "SELECT * FROM plans WHERE vault = ? AND chain_id = ? ORDER BY nonce DESC LIMIT ?",
  );

  const key = (chainId: ChainId, vault: string, nonce: bigint): [bigint, string, bigint] => {
    if (typeof nonce !== "bigint" || nonce < 0n)
      throw new JournalError("BAD_INPUT", `bad nonce ${String(nonce)}`);
    return [BigInt(chainId), normalizeVault(vault), nonce];
  };
  const read = (k: [bigint, string, bigint]) => {
    const r = selectOne.get(...k) as Row | undefined;
    return r ? toRecord(r) : undefined;
  };

  /** BEGIN IMMEDIATE … COMMIT around `fn` (ROLLBACK on throw). */
  const tx = <T>(fn: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      db.exec("COMMIT");
      return out;
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  };

  const write = (rec: PlanRecord) => {
    update.run(
      rec.status,
      JSON.stringify(rec.txHashes),
      JSON.stringify(rec.attempts),
      rec.minedTxHash,
      rec.error,
      rec.updatedAt,
      rec.chainId,
      rec.vault,
      rec.nonce,
    );
    return rec;
  };

  /** A plan hash argument, validated and lower-cased (as claimNonce stores it). */
  const checkPlanHash = (op: string, planHash: string): string => {
    if (!HEX32.test(planHash))
      throw new JournalError("BAD_INPUT", `${op}: bad plan hash ${planHash}`);
    return planHash.toLowerCase();
  };

  /** The row of `k`; throws NOT_CLAIMED without one, PLAN_MISMATCH when `planHash` differs. */
  const readOwn = (op: string, k: [bigint, string, bigint], planHash: string): PlanRecord => {
    const rec = read(k);
    if (!rec)
      throw new JournalError(
        "NOT_CLAIMED",
        `${op}: nonce ${k[2]} of ${k[1]} on chain ${k[0]} was never claimed`,
      );
    if (rec.planHash.toLowerCase() !== planHash)
      throw new JournalError(
        "PLAN_MISMATCH",
        `${op}: nonce ${k[2]} of ${k[1]} on chain ${k[0]}: expected plan ${planHash}, found plan ${rec.planHash} (${rec.status}); another plan's row is left alone`,
        rec,
      );
    return rec;
  };

  /** Rewrites the row of plan `planHash` (validated `op` argument) with `fn`, unless final. */
  const mutate = (
    chainId: ChainId,
    vault: string,
    nonce: bigint,
    op: string,
    fn: (rec: PlanRecord) => PlanRecord,
    planHash: string,
  ): PlanRecord =>
    tx(() => {
      const k = key(chainId, vault, nonce);
      const rec = readOwn(op, k, planHash);
      if (FINAL_STATUSES.includes(rec.status))
        throw new JournalError(
          "FINAL_STATUS",
          `${op}: nonce ${k[2]} of ${k[1]} is already ${rec.status}`,
          rec,
        );
      return write({ ...fn(rec), updatedAt: now() });
    });

  const checkTxHash = (h: string) => {
    if (!HEX32.test(h)) throw new JournalError("BAD_INPUT", `bad transaction hash ${h}`);
  };

  return {
    path: file,
    claimNonce(chainId, vault, nonce, planHash, opts = {}) {
      if (!HEX32.test(planHash)) throw new JournalError("BAD_INPUT", `bad plan hash ${planHash}`);
      const hash = planHash.toLowerCase();
      return tx(() => {
        const k = key(chainId, vault, nonce);
        const existing = read(k);
        if (existing) {
          if (existing.planHash === hash) return { fresh: false, record: existing };
          const expiredDrop =
            (existing.status === "dropped" || existing.status === "reverted") &&
            existing.deadline !== null &&
            opts.nowSeconds !== undefined &&
            existing.deadline < opts.nowSeconds;
          if (!expiredDrop)
            throw new JournalError(
              "NONCE_TAKEN",
              `nonce ${k[2]} of ${k[1]} on chain ${k[0]} is already claimed by plan ${existing.planHash} (${existing.status})`,
              existing,
            );
          archive.run(
            ...k,
            JSON.stringify(existing, (_k, v: unknown) =>
              typeof v === "bigint" ? v.toString() : v,
            ),
            now(),
          );
          remove.run(...k);
        }
        const t = now();
        insert.run(...k, hash, opts.deadline ?? null, t, t);
        return { fresh: true, record: read(k) as PlanRecord };
      });
    },
    recordSubmission(chainId, vault, nonce, planHash, txHash, rawTx) {
      const hash = checkPlanHash("recordSubmission", planHash);
      checkTxHash(txHash);
      if (!HEX.test(rawTx) || rawTx.length < 4)
        throw new JournalError("BAD_INPUT", "raw transaction must be 0x hex");
      return mutate(
        chainId,
        vault,
        nonce,
        "recordSubmission",
        (rec) => {
          const h = txHash.toLowerCase();
          if (rec.txHashes.includes(h)) return { ...rec, status: "submitted" };
          return {
            ...rec,
            status: "submitted",
            txHashes: [...rec.txHashes, h],
            attempts: [...rec.attempts, { txHash: h, rawTx: rawTx.toLowerCase(), at: now() }],
          };
        },
        hash,
      );
    },
    markMined(chainId, vault, nonce, planHash, txHash) {
      const hash = checkPlanHash("markMined", planHash);
      checkTxHash(txHash);
      return mutate(
        chainId,
        vault,
        nonce,
        "markMined",
        (rec) => ({ ...rec, status: "mined", minedTxHash: txHash.toLowerCase(), error: null }),
        hash,
      );
    },
    markReverted(chainId, vault, nonce, planHash, txHash, error) {
      const hash = checkPlanHash("markReverted", planHash);
      checkTxHash(txHash);
      return mutate(
        chainId,
        vault,
        nonce,
        "markReverted",
        (rec) => ({ ...rec, status: "reverted", minedTxHash: txHash.toLowerCase(), error }),
        hash,
      );
    },
    markDropped(chainId, vault, nonce, planHash, error) {
      const hash = checkPlanHash("markDropped", planHash);
      return mutate(
        chainId,
        vault,
        nonce,
        "markDropped",
        (rec) => ({ ...rec, status: "dropped", error: error ?? rec.error }),
        hash,
      );
    },
    releaseNonce(chainId, vault, nonce, planHash, reason) {
      const hash = checkPlanHash("releaseNonce", planHash);
      return tx(() => {
        const k = key(chainId, vault, nonce);
        const rec = readOwn("releaseNonce", k, hash);
        if (FINAL_STATUSES.includes(rec.status))
          throw new JournalError(
            "FINAL_STATUS",
            `releaseNonce: nonce ${k[2]} of ${k[1]} is already ${rec.status}`,
            rec,
          );
        if (rec.txHashes.length > 0 || rec.status !== "signed")
          throw new JournalError(
            "BROADCAST",
            `releaseNonce: plan ${rec.planHash} (nonce ${k[2]}) is ${rec.status} with ${rec.txHashes.length} tx(s): it holds its nonce`,
            rec,
          );
        const released = { ...rec, error: reason, updatedAt: now() };
        archive.run(
          ...k,
          JSON.stringify(released, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
          now(),
        );
        remove.run(...k);
        return released;
      });
    },
    markSuperseded(chainId, vault, nonce, planHash, reason) {
      const hash = checkPlanHash("markSuperseded", planHash);
      return mutate(
        chainId,
        vault,
        nonce,
        "markSuperseded",
        (rec) => ({ ...rec, status: "superseded", error: reason ?? rec.error }),
        hash,
      );
    },
    get(chainId, vault, nonce) {
      return read(key(chainId, vault, nonce));
    },
    pendingSubmissions() {
      return (pending.all() as unknown as Row[]).map(toRecord);
    },
    history(vault, limit = 20, chainId) {
      const v = normalizeVault(vault);
      const rows =
        chainId === undefined
          ? historyAll.all(v, limit)
          : historyChain.all(v, BigInt(chainId), limit);
      return (rows as unknown as Row[]).map(toRecord);
    },
    close() {
      if (db.isOpen) db.close();
    },
  };
}

function normalizeVault(vault: string): string {
  try {
    return getAddress(vault);
  } catch {
    throw new JournalError("BAD_INPUT", `bad vault address ${vault}`);
  }
}
