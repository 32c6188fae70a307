/**
 * Safe submission of a signed plan from the relayer key: journal checks (one plan per nonce,
 * never submitted twice), simulation first (a failing simulation sends nothing), an EIP-1559
 * transaction under a max-fee cap, receipt tracking with a timeout, same-nonce replacement with
 * bumped fees while stuck, and a final status: mined, reverted (decoded error), dropped,
 * superseded (the vault's nonce moved: another keeper won) or timeout (still pending; the
 * journal keeps it for resumption).
 */
import { Contract, Transaction } from "ethers";
import type { Provider, Signer, TransactionReceipt } from "ethers";
import { projectAbi } from "./abis.ts";
import { decodeError, describeRevert } from "./errors.ts";
import type { DecodedRevert } from "./errors.ts";
import { simulateRebalance } from "./simulate.ts";
import { hashPlan, signPlan } from "../planner/eip712.ts";
import type { Plan, SignedPlan } from "../planner/types.ts";
import type { Journal } from "../journal/journal.ts";

/** Refused submission (journal or input). */
export class SubmitError extends Error {
  readonly code: "ALREADY_SUBMITTED" | "NOT_CLAIMED" | "PLAN_MISMATCH" | "BROADCAST";

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
  /** Replacement bump, percent (>= 10). */
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
  /** Log/metrics sink. */
  onEvent?: (e: SubmitEvent) => void;
}

/** Progress events. */
export type SubmitEvent =
  | { kind: "sent"; txHash: string; nonce: number; maxFeePerGas: bigint; priorityFee: bigint }
  | { kind: "replaced"; txHash: string; replaces: string; maxFeePerGas: bigint }
  | { kind: "fee-cap-reached"; maxFeePerGas: bigint };

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
  const emit = opts.onEvent ?? (() => undefined);
  if (journal !== undefined) {
    const rec = journal.get(chainId, vault, nonce);
    if (rec === undefined)
      throw new SubmitError("NOT_CLAIMED", `nonce ${nonce} of ${vault} was not claimed`);
    if (rec.planHash.toLowerCase() !== signed.planHash.toLowerCase())
      throw new SubmitError("PLAN_MISMATCH", `nonce ${nonce} is held by plan ${rec.planHash}`);
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
    ...o,
  });

  const sim = await simulateRebalance(provider, vault, signed, from);
  if (!sim.ok) {
    journal?.markDropped(chainId, vault, nonce, `simulation: ${sim.message}`);
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

  const hashes: string[] = [];
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
    journal?.recordSubmission(chainId, vault, nonce, hash, raw);
    hashes.push(hash);
    try {
      await provider.broadcastTransaction(raw);
    } catch (e) {
      const msg = String((e as Error).message);
      if (!/already known|known transaction/i.test(msg)) {
        // the nonce may have been used by an earlier attempt that was mined meanwhile
        if (!/nonce too low|replacement/i.test(msg) || hashes.length === 1) {
          throw new SubmitError("BROADCAST", `broadcast of ${hash} failed: ${msg}`);
        }
      }
    }
    return hash;
  };

  const first = await send();
  emit({
    kind: "sent",
    txHash: first,
    nonce: txNonce,
    maxFeePerGas: maxFee,
    priorityFee: priority,
  });
  const poll = opts.pollMs ?? 500;
  const stuckAfter = opts.stuckAfterMs ?? Math.floor(opts.receiptTimeoutMs / 4);
  const maxRepl = opts.maxReplacements ?? 5;
  const started = Date.now();
  let lastSent = started;
  let replacements = 0;
  const v = new Contract(vault, projectAbi("BallastVault"), provider);

  for (;;) {
    for (const h of hashes) {
      const r = await provider.getTransactionReceipt(h);
      if (r === null) continue;
      if (r.status === 1) {
        journal?.markMined(chainId, vault, nonce, h);
        return outcome({
          status: "mined",
          txHash: h,
          txHashes: hashes,
          replacements,
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
      journal?.markReverted(chainId, vault, nonce, h, message);
      return outcome({
        status: "reverted",
        txHash: h,
        txHashes: hashes,
        replacements,
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
    if (mined > txNonce) {
      // our relayer nonce is used; one last receipt check, else another tx of ours took it
      const late = await Promise.all(hashes.map((h) => provider.getTransactionReceipt(h)));
      if (late.every((r) => r === null)) {
        if (vaultNonce > nonce) {
          journal?.markSuperseded(
            chainId,
            vault,
            nonce,
            "relayer nonce used elsewhere; vault nonce moved",
          );
          return outcome({
            status: "superseded",
            txHashes: hashes,
            replacements,
            message: "vault nonce moved",
          });
        }
        journal?.markDropped(chainId, vault, nonce, "relayer nonce used by another transaction");
        return outcome({
          status: "dropped",
          txHashes: hashes,
          replacements,
          message: "relayer nonce used by another transaction",
        });
      }
      continue;
    }
    if (vaultNonce > nonce) {
      // another keeper's plan took the vault nonce: ours can only revert now; stop tracking
      journal?.markSuperseded(chainId, vault, nonce, `vault nonce is ${vaultNonce}`);
      return outcome({
        status: "superseded",
        txHashes: hashes,
        replacements,
        message: `vault nonce moved to ${vaultNonce}`,
      });
    }
    const now = Date.now();
    if (now - started >= opts.receiptTimeoutMs) {
      return outcome({
        status: "timeout",
        txHash: hashes[hashes.length - 1],
        txHashes: hashes,
        replacements,
        message: `no receipt after ${opts.receiptTimeoutMs} ms`,
      });
    }
    if (now - lastSent >= stuckAfter && replacements < maxRepl) {
      const nextMax = bump(maxFee, opts.feeBumpPercent);
      const capped = nextMax > opts.maxFeePerGas ? opts.maxFeePerGas : nextMax;
      // nodes want >= +10 % on both fees for a replacement
      if (capped >= bump(maxFee, 10) && capped > maxFee) {
        const prev = hashes[hashes.length - 1];
        priority = bump(priority, opts.feeBumpPercent);
        if (priority > capped) priority = capped;
        maxFee = capped;
        const h = await send();
        replacements++;
        emit({ kind: "replaced", txHash: h, replaces: prev, maxFeePerGas: maxFee });
      } else if (replacements < maxRepl) {
        emit({ kind: "fee-cap-reached", maxFeePerGas: maxFee });
        replacements = maxRepl;
      }
      lastSent = now;
    }
    await sleep(poll);
  }
}
