/**
 * Safe submission of a signed plan from the relayer key: journal checks (one plan per nonce,
 * never submitted twice; every journal write — attempts, the final status, a dropped or released
 * nonce — acts only on the row of this plan's hash, else SubmitError PLAN_MISMATCH and the other
 * plan's row is left alone), simulation first (a failing simulation sends nothing; the plan
 * holds its nonce to its deadline unless the revert proves it dead), an EIP-1559 transaction
 * under a max-fee cap broadcast through the public RPC or a private relay
 * (`broadcastProvider`), receipt tracking with a timeout, same-nonce replacement with
 * bumped fees while stuck, and a final status: mined, reverted (decoded error), dropped (the node
 * no longer knows any attempt: marked in the journal, whose rules then hold the nonce until the
 * plan's deadline), superseded (the vault's nonce moved: another keeper won) or timeout (still
 * pending; the journal keeps it for resumption; `failure` is a typed {@link SubmitError}, code
 * FEE_CAP_REACHED when the fees had reached the cap, else RECEIPT_TIMEOUT).
 *
 * Races: whichever attempt (original or a replacement) is mined is the one recorded; a status
 * other than mined/reverted is only concluded after a last receipt check of every attempt made
 * after the chain reads that suggested it, so an attempt mined between two reads is never
 * mislabelled superseded or dropped.
 */
import { Contract, Transaction } from "ethers";
import type { Provider, Signer, TransactionReceipt } from "ethers";
import { projectAbi } from "./abis.ts";
import { decodeError, describeRevert } from "./errors.ts";
import type { DecodedRevert } from "./errors.ts";
import { simulateRebalance } from "./simulate.ts";
import { hashPlan, signPlan } from "../planner/eip712.ts";
import type { Plan, SignedPlan } from "../planner/types.ts";
import { JournalError } from "../journal/journal.ts";
import type { Journal } from "../journal/journal.ts";

/**
 * Refused submission (journal or input; thrown), or why tracking gave up (RECEIPT_TIMEOUT,
 * FEE_CAP_REACHED: never thrown, carried by {@link SubmitOutcome.failure}). PLAN_MISMATCH: the
 * nonce's journal row belongs to another plan by the time this plan's write came; nothing is
 * written to it. Before the first broadcast nothing is sent; once a transaction was sent, the
 * message starts with what the chain showed (e.g. `transaction 0x… reverted (…); not recorded:`).
 */
export class SubmitError extends Error {
  readonly code:
    | "ALREADY_SUBMITTED"
    | "NOT_CLAIMED"
    | "PLAN_MISMATCH"
    | "BROADCAST"
    | "RECEIPT_TIMEOUT"
    | "FEE_CAP_REACHED";

  constructor(code: SubmitError["code"], message: string) {
    super(message);
    this.name = "SubmitError";
    this.code = code;
  }
}

/** Fee and tracking settings (the network section of the config, in wei / ms). */
export interface SubmitOptions {
  chainId: bigint;
  /** Hard cap on maxFeePerGas (wei); a bump never exceeds it. */
  maxFeePerGas: bigint;
  /** Priority fee (wei) of the first attempt. */
  priorityFee: bigint;
  /** Replacement bump, percent (values below 10 are raised to 10: nodes refuse less). */
  feeBumpPercent: number;
  /** Give up tracking after this long (status "timeout"; the journal keeps the row). */
  receiptTimeoutMs: number;
  /** Replace when no receipt after this long (default receiptTimeoutMs / 4). */
  stuckAfterMs?: number;
  /** Poll interval (default 500 ms). */
  pollMs?: number;
  /** Gas limit = estimate · (1 + margin) (default 2000 bps). */
  gasMarginBps?: bigint;
  /** Maximum replacements (default 5). */
  maxReplacements?: number;
  journal?: Journal;
  /**
   * Where signed transactions are broadcast, e.g. a private relay (default: `provider`). Reads,
   * simulation and receipts always use `provider`; whether an attempt is still known (drop
   * detection) is asked here, the only place a private transaction is known before it is mined.
   */
  broadcastProvider?: Provider;
  /** Log/metrics sink. */
  onEvent?: (e: SubmitEvent) => void;
}

/** Progress events. */
export type SubmitEvent =
  | { kind: "sent"; txHash: string; nonce: number; maxFeePerGas: bigint; priorityFee: bigint }
  | { kind: "replaced"; txHash: string; replaces: string; maxFeePerGas: bigint }
  | { kind: "fee-cap-reached"; maxFeePerGas: bigint }
  | { kind: "replacement-refused"; txHash: string; error: string }
  | { kind: "dropped"; txHashes: string[] };

/** Final report of {@link submitPlan}. */
export interface SubmitOutcome {
  status: "mined" | "reverted" | "dropped" | "superseded" | "timeout" | "simulation-failed";
  txHash: string | null;
  txHashes: string[];
  replacements: number;
  receipt: TransactionReceipt | null;
  error: DecodedRevert | null;
  message: string;
  gasEstimate: bigint | null;
  /** True once a bump would have exceeded `maxFeePerGas` (no further replacement was sent). */
  feeCapReached: boolean;
  /** Why tracking gave up on a still-pending plan (status "timeout"), else null. */
  failure: SubmitError | null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function bump(x: bigint, percent: number): bigint {
  return (x * BigInt(100 + percent) + 99n) / 100n;
}

/**
 * Claims the plan's nonce in the journal (refused if another plan holds it), then signs it.
 * Without a journal it only signs.
 */
export async function claimAndSign(
  plan: Plan,
  signer: Signer,
  chainId: bigint,
  vault: string,
  journal?: Journal,
): Promise<SignedPlan> {
  if (journal !== undefined) {
    journal.claimNonce(chainId, vault, plan.nonce, hashPlan(plan), { deadline: plan.deadline });
  }
  return signPlan(plan, signer, chainId, vault);
}

/** Submits `signed` to `vault` from `relayer` (see the module comment). */
export async function submitPlan(
  provider: Provider,
  relayer: Signer,
  vault: string,
  signed: SignedPlan,
  opts: SubmitOptions,
): Promise<SubmitOutcome> {
  const { journal, chainId } = opts;
  const nonce = signed.plan.nonce;
  // the hash of the exact plan sent: every journal write below is for this plan's row only
  // (another process sharing the journal may hold the nonce for a different plan by then)
  const planHash = hashPlan(signed.plan);
  const emit = opts.onEvent ?? (() => undefined);
  /**
   * One journal write for this plan's row. A PLAN_MISMATCH refusal (the nonce's row is another
   * plan's by now: left alone) is thrown as SubmitError PLAN_MISMATCH, after `chainSays` (what
   * the chain showed about this plan's transaction, once one was broadcast).
   */
  const mark = (write: (j: Journal) => unknown, chainSays?: string): void => {
    if (journal === undefined) return;
    try {
      write(journal);
    } catch (e) {
      throw planMismatch(e, chainSays) ?? e;
    }
  };
  if (journal !== undefined) {
    const rec = journal.get(chainId, vault, nonce);
    if (rec === undefined)
      throw new SubmitError("NOT_CLAIMED", `nonce ${nonce} of ${vault} was not claimed`);
    if (rec.planHash.toLowerCase() !== planHash.toLowerCase())
      throw new SubmitError(
        "PLAN_MISMATCH",
        `nonce ${nonce}: expected plan ${planHash}, found plan ${rec.planHash}`,
      );
    if (rec.txHashes.length > 0 || rec.status !== "signed")
      throw new SubmitError(
        "ALREADY_SUBMITTED",
        `plan ${rec.planHash} (nonce ${nonce}) is ${rec.status} with ${rec.txHashes.length} tx(s): not submitting again`,
      );
  }
  const from = await relayer.getAddress();
  const outcome = (o: Partial<SubmitOutcome> & Pick<SubmitOutcome, "status">): SubmitOutcome => ({
    txHash: null,
    txHashes: [],
    replacements: 0,
    receipt: null,
    error: null,
    message: o.status,
    gasEstimate: null,
    feeCapReached: false,
    failure: null,
    ...o,
  });

  const sim = await simulateRebalance(provider, vault, signed, from);
  if (!sim.ok) {
    // Nothing was broadcast, but the live signature went to the read RPC inside the eth_call, so
    // the plan keeps its nonce until its deadline (dropped), unless the revert proves the
    // signature can never execute (its nonce is used, or it has expired): then it is released.
    // Either way a row another plan holds by now is left alone (PLAN_MISMATCH, nothing sent).
    const dead = sim.error?.name === "InvalidNonce" || sim.error?.name === "PlanExpired";
    const why = `simulation: ${sim.message}`;
    if (dead) mark((j) => j.releaseNonce(chainId, vault, nonce, planHash, why));
    else mark((j) => j.markDropped(chainId, vault, nonce, planHash, why));
    return outcome({ status: "simulation-failed", error: sim.error, message: sim.message });
  }
  const margin = opts.gasMarginBps ?? 2_000n;
  const gasLimit = (sim.gasEstimate * (10_000n + margin)) / 10_000n;
  const latest = await provider.getBlock("latest");
  const baseFee = latest?.baseFeePerGas ?? 0n;
  let priority = opts.priorityFee < opts.maxFeePerGas ? opts.priorityFee : opts.maxFeePerGas;
  let maxFee = baseFee * 2n + priority;
  if (maxFee > opts.maxFeePerGas) maxFee = opts.maxFeePerGas;
  const txNonce = await provider.getTransactionCount(from, "pending");

  const sendVia = opts.broadcastProvider ?? provider;
  const hashes: string[] = [];
  /** Signs and records (before broadcast: crash safety) one attempt, then broadcasts it. */
  const send = async (): Promise<string> => {
    const tx = Transaction.from({
      type: 2,
      chainId,
      nonce: txNonce,
      to: vault,
      data: sim.calldata,
      value: 0n,
      gasLimit,
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: priority,
    });
    const raw = await relayer.signTransaction(tx);
    const hash = Transaction.from(raw).hash as string;
    journal?.recordSubmission(chainId, vault, nonce, planHash, hash, raw);
    hashes.push(hash);
    try {
      await sendVia.broadcastTransaction(raw);
    } catch (e) {
      if (!isAlreadyKnown(e)) throw e;
    }
    return hash;
  };

  /** The first mined attempt's receipt, or null. */
  const minedReceipt = async (): Promise<TransactionReceipt | null> => {
    for (const h of hashes) {
      const r = await provider.getTransactionReceipt(h);
      if (r !== null) return r;
    }
    return null;
  };

  try {
    await send();
  } catch (e) {
    // the nonce's row now belongs to another plan: nothing was broadcast (recorded first)
    const mismatch = planMismatch(e);
    if (mismatch !== undefined) throw mismatch;
    const what = hashes.length > 0 ? `broadcast of ${hashes[0]}` : "signing the transaction";
    throw new SubmitError("BROADCAST", `${what} failed: ${errorText(e)}`);
  }
  emit({
    kind: "sent",
    txHash: hashes[0],
    nonce: txNonce,
    maxFeePerGas: maxFee,
    priorityFee: priority,
  });
  const poll = opts.pollMs ?? 500;
  const stuckAfter = opts.stuckAfterMs ?? Math.floor(opts.receiptTimeoutMs / 4);
  const maxRepl = opts.maxReplacements ?? 5;
  const bumpPct = Math.max(opts.feeBumpPercent, 10);
  const started = Date.now();
  let lastSent = started;
  let replacements = 0;
  let feeCapReached = false;
  let unknownPolls = 0;
  const v = new Contract(vault, projectAbi("BallastVault"), provider);
  const common = () => ({ txHashes: [...hashes], replacements, feeCapReached });

  for (;;) {
    const r = await minedReceipt();
    if (r !== null) {
      const h = r.hash;
      if (r.status === 1) {
        mark((j) => j.markMined(chainId, vault, nonce, planHash, h), `transaction ${h} mined`);
        return outcome({
          ...common(),
          status: "mined",
          txHash: h,
          receipt: r,
          gasEstimate: sim.gasEstimate,
        });
      }
      let error: DecodedRevert | null = null;
      let message = "reverted";
      try {
        await provider.call({ to: vault, from, data: sim.calldata, blockTag: r.blockNumber - 1 });
      } catch (e) {
        error = decodeError(e);
        message = describeRevert(e);
      }
      mark(
        (j) => j.markReverted(chainId, vault, nonce, planHash, h, message),
        `transaction ${h} reverted (${message})`,
      );
      return outcome({
        ...common(),
        status: "reverted",
        txHash: h,
        receipt: r,
        error,
        message,
        gasEstimate: sim.gasEstimate,
      });
    }
    const [mined, vaultNonce] = await Promise.all([
      provider.getTransactionCount(from, "latest"),
      v.nextNonce() as Promise<bigint>,
    ]);
    // Any conclusion below is drawn from reads that may straddle a block: an attempt mined
    // meanwhile must win, so receipts are checked once more (after those reads) first.
    if (mined > txNonce || vaultNonce > nonce) {
      if ((await minedReceipt()) !== null) continue;
      if (vaultNonce > nonce) {
        // another plan took the vault nonce: ours can only revert now; stop tracking
        const reason =
          mined > txNonce
            ? `relayer nonce used elsewhere; vault nonce is ${vaultNonce}`
            : `vault nonce is ${vaultNonce}`;
        mark(
          (j) => j.markSuperseded(chainId, vault, nonce, planHash, reason),
          `superseded: ${reason}`,
        );
        return outcome({
          ...common(),
          status: "superseded",
          message: `vault nonce moved to ${vaultNonce}`,
        });
      }
      const reason = "relayer nonce used by another transaction";
      mark((j) => j.markDropped(chainId, vault, nonce, planHash, reason), `dropped: ${reason}`);
      return outcome({ ...common(), status: "dropped", message: reason });
    }
    // Dropped from the mempool: no attempt is known to the node (twice in a row, so a lagging
    // read is not enough), none mined, the relayer nonce unused. Nothing is re-sent: the journal
    // holds the nonce for this plan until its deadline (journal.ts).
    if (await noAttemptKnown(sendVia, hashes)) unknownPolls++;
    else unknownPolls = 0;
    if (unknownPolls >= 2) {
      if ((await minedReceipt()) !== null) continue;
      const reason = "dropped from the mempool: the node knows none of its transactions";
      emit({ kind: "dropped", txHashes: [...hashes] });
      mark((j) => j.markDropped(chainId, vault, nonce, planHash, reason), `dropped: ${reason}`);
      return outcome({ ...common(), status: "dropped", message: reason });
    }
    const now = Date.now();
    if (now - started >= opts.receiptTimeoutMs) {
      if ((await minedReceipt()) !== null) continue;
      const message = feeCapReached
        ? `no receipt after ${opts.receiptTimeoutMs} ms with fees at the cap (maxFeePerGas ${maxFee})`
        : `no receipt after ${opts.receiptTimeoutMs} ms`;
      return outcome({
        ...common(),
        status: "timeout",
        txHash: hashes[hashes.length - 1],
        message,
        failure: new SubmitError(feeCapReached ? "FEE_CAP_REACHED" : "RECEIPT_TIMEOUT", message),
      });
    }
    if (now - lastSent >= stuckAfter && replacements < maxRepl && !feeCapReached) {
      const nextMax = bump(maxFee, bumpPct);
      const capped = nextMax > opts.maxFeePerGas ? opts.maxFeePerGas : nextMax;
      // nodes want >= +10 % on both fees for a replacement
      if (capped >= bump(maxFee, 10) && capped > maxFee) {
        const prev = hashes[hashes.length - 1];
        priority = bump(priority, bumpPct);
        if (priority > capped) priority = capped;
        maxFee = capped;
        try {
          const h = await send();
          replacements++;
          emit({ kind: "replaced", txHash: h, replaces: prev, maxFeePerGas: maxFee });
        } catch (e) {
          // Refused (an earlier attempt was mined meanwhile: "nonce too low"; underpriced) or
          // a transport failure: keep tracking what was already sent; the receipt check above
          // records whichever attempt is mined. The refused attempt stays in the journal (it was
          // recorded before the broadcast) and is simply never mined.
          // The next bump starts from the refused fees, so it cannot produce the same bytes again.
          emit({
            kind: "replacement-refused",
            txHash: hashes[hashes.length - 1],
            error: errorText(e),
          });
          replacements++;
        }
      } else {
        emit({ kind: "fee-cap-reached", maxFeePerGas: maxFee });
        feeCapReached = true;
      }
      lastSent = now;
    }
    await sleep(poll);
  }
}

/**
 * A journal PLAN_MISMATCH refusal as a SubmitError (the journal's message, after `chainSays` when
 * given), else undefined.
 */
function planMismatch(e: unknown, chainSays?: string): SubmitError | undefined {
  if (!(e instanceof JournalError) || e.code !== "PLAN_MISMATCH") return undefined;
  const message = chainSays === undefined ? e.message : `${chainSays}; not recorded: ${e.message}`;
  return new SubmitError("PLAN_MISMATCH", message);
}

/** True when the node answered "already known" for a re-broadcast of identical bytes. */
function isAlreadyKnown(e: unknown): boolean {
  return /already known|known transaction/i.test(errorText(e));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * True when the node knows none of `hashes` (neither pending nor mined). A node that cannot
 * answer (e.g. a relay without eth_getTransactionByHash) proves nothing: false.
 */
async function noAttemptKnown(provider: Provider, hashes: readonly string[]): Promise<boolean> {
  try {
    for (let i = hashes.length - 1; i >= 0; i--) {
      if ((await provider.getTransaction(hashes[i])) !== null) return false;
    }
    return true;
  } catch {
    return false;
  }
}
