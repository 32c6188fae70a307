/**
 * Pre-flight of a signed plan: `rebalance(plan, signature)` through `eth_call` and
 * `estimateGas` against the latest block (or a given one). A failing simulation returns the
 * decoded custom error and nothing is ever sent from here.
 */
import { Interface } from "ethers";
import type { BlockTag, Provider } from "ethers";
import { projectAbi } from "./abis.ts";
import { decodeError, describeRevert } from "./errors.ts";
import type { DecodedRevert } from "./errors.ts";
import type { Plan } from "../planner/types.ts";

/** Outcome of {@link simulateRebalance}. */
export type RebalanceSimulation =
  | { ok: true; gasEstimate: bigint; calldata: string }
  | { ok: false; error: DecodedRevert | null; message: string; calldata: string };

let vaultIface: Interface | null = null;

/** The vault's ABI as an ethers Interface (from the run-time artifact). */
export function vaultInterface(): Interface {
  vaultIface ??= new Interface(projectAbi("BallastVault"));
  return vaultIface;
}

/** Calldata of `rebalance(plan, signature)`. */
export function rebalanceCalldata(plan: Plan, signature: string): string {
  return vaultInterface().encodeFunctionData("rebalance", [
    {
      nonce: plan.nonce,
      deadline: plan.deadline,
      actions: plan.actions.map((a) => ({ adapterId: a.adapterId, data: a.data })),
      expectedWeightsBps: plan.expectedWeightsBps,
      weightToleranceBps: plan.weightToleranceBps,
      slippageBps: plan.slippageBps,
    },
    signature,
  ]);
}

/**
 * Simulates the relayed rebalance from `from` with eth_call, then estimates its gas; both at
 * `blockTag` (default "latest"; estimateGas always uses the pending/latest state).
 */
export async function simulateRebalance(
  provider: Provider,
  vault: string,
  signed: { plan: Plan; signature: string },
  from: string,
  blockTag: BlockTag = "latest",
): Promise<RebalanceSimulation> {
  const calldata = rebalanceCalldata(signed.plan, signed.signature);
  try {
    await provider.call({ to: vault, from, data: calldata, blockTag });
    const gasEstimate = await provider.estimateGas({ to: vault, from, data: calldata });
    return { ok: true, gasEstimate, calldata };
  } catch (e) {
    return { ok: false, error: decodeError(e), message: describeRevert(e), calldata };
  }
}
