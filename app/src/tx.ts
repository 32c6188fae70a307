/**
 * The page's one way to send a transaction: simulate (`eth_call` with the sender, then gas
 * estimation), stop with the decoded error if either fails, otherwise send with the estimated gas
 * limit (+20 %), and report each phase (simulating → signing → pending → confirmed / failed).
 * A transaction that fails simulation is never sent. DOM-free: the call is abstracted so the unit
 * tests drive it with fakes; the page wraps an ethers contract method (see {@link contractCall}).
 */
import { isRejection } from "./errors.ts";

/** A contract call that can be simulated and sent. */
export interface PreparedCall {
  /** What the user sees, e.g. "Approve 1,000 USDC". */
  readonly label: string;
  /** eth_call from the sender; rejects with the revert. */
  simulate(): Promise<unknown>;
  /** eth_estimateGas from the sender; rejects with the revert. */
  estimateGas(): Promise<bigint>;
  /** Signs and sends (wallet) with this gas limit. */
  send(gasLimit: bigint): Promise<SentTx>;
}

/** A sent transaction. */
export interface SentTx {
  readonly hash: string;
  /** Resolves with the receipt's status (1 success, 0 reverted) once mined; null if dropped. */
  wait(): Promise<{ status: number | null } | null>;
}

/** The phases the page shows. */
export type TxPhase =
  "simulating" | "reverted" | "signing" | "pending" | "confirmed" | "failed" | "rejected";

/** A phase change, with the hash once sent and the error when it failed. */
export interface TxUpdate {
  readonly label: string;
  readonly phase: TxPhase;
  readonly hash?: string;
  readonly error?: unknown;
}

/** Outcome of {@link simulateAndSend}. */
export interface TxResult {
  readonly ok: boolean;
  readonly phase: TxPhase;
  readonly hash?: string;
  readonly error?: unknown;
}

/**
 * Simulates `call`, and only if both the call and the gas estimate succeed, sends it and waits for
 * the receipt. `onUpdate` sees every phase. Never throws: the result says how far it got.
 */
export async function simulateAndSend(
  call: PreparedCall,
  onUpdate: (u: TxUpdate) => void,
): Promise<TxResult> {
  const label = call.label;
  onUpdate({ label, phase: "simulating" });
  let gas: bigint;
  try {
    await call.simulate();
    gas = await call.estimateGas();
  } catch (error) {
    onUpdate({ label, phase: "reverted", error });
    return { ok: false, phase: "reverted", error };
  }
  onUpdate({ label, phase: "signing" });
  let sent: SentTx;
  try {
    sent = await call.send((gas * 12n) / 10n);
  } catch (error) {
    const phase: TxPhase = isRejection(error) ? "rejected" : "failed";
    onUpdate({ label, phase, error });
    return { ok: false, phase, error };
  }
  onUpdate({ label, phase: "pending", hash: sent.hash });
  try {
    const receipt = await sent.wait();
    if (receipt === null || receipt.status !== 1) {
      const error = new Error(`transaction ${sent.hash} reverted on chain`);
      onUpdate({ label, phase: "failed", hash: sent.hash, error });
      return { ok: false, phase: "failed", hash: sent.hash, error };
    }
  } catch (error) {
    onUpdate({ label, phase: "failed", hash: sent.hash, error });
    return { ok: false, phase: "failed", hash: sent.hash, error };
  }
  onUpdate({ label, phase: "confirmed", hash: sent.hash });
  return { ok: true, phase: "confirmed", hash: sent.hash };
}

/** The slice of an ethers v6 contract method the page uses. */
export interface ContractMethod {
  staticCall(...args: unknown[]): Promise<unknown>;
  estimateGas(...args: unknown[]): Promise<bigint>;
  send(...args: unknown[]): Promise<{
    hash: string;
    wait(): Promise<{ status: number | null } | null>;
  }>;
}

/**
 * A {@link PreparedCall} over an ethers contract method bound to the wallet's signer (so that the
 * simulation runs from the sender's address, on the wallet's node).
 */
export function contractCall(
  label: string,
  method: ContractMethod,
  args: readonly unknown[],
): PreparedCall {
  return {
    label,
    simulate: () => method.staticCall(...args),
    estimateGas: () => method.estimateGas(...args),
    send: async (gasLimit) => {
      const tx = await method.send(...args, { gasLimit });
      return { hash: tx.hash, wait: () => tx.wait() };
    },
  };
}
