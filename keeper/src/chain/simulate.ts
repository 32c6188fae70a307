/**
 * Pre-flight of a signed plan: `rebalance(plan, signature)` through `eth_call` and
 * `estimateGas` against the latest block (or a given one). A failing simulation returns the
 * decoded custom error and nothing is ever sent from here.
 */
import { Interface } from "ethers";
import type { BlockTag, Provider, Signer } from "ethers";
import { projectAbi } from "./abis.ts";
import { decodeError, describeRevert } from "./errors.ts";
import type { DecodedRevert } from "./errors.ts";
import { signPlan } from "../planner/eip712.ts";
import type { Plan, SignedPlan } from "../planner/types.ts";

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

/**
 * Simulates `plan` through a copy signed to expire at the snapshot block's own timestamp, run
 * against that block: the signature handed to the RPC node is already expired for every later
 * block, so nobody can relay it, and no journal claim is needed for it. Only the deadline differs
 * from `plan`. Nodes that run eth_call in a pending-block context at their own clock (Hardhat/EDR)
 * answer PlanExpired(deadline, nodeNow): the copy is then re-signed to expire at that reported
 * time (at most a minute later; a later clock is not trusted), up to three times as that clock
 * ticks on.
 */
export async function simulateExpiredCopy(
  provider: Provider,
  vault: string,
  plan: Plan,
  signer: Signer,
  chainId: bigint,
  from: string,
  snapshot: { blockNumber: number; timestamp: bigint },
): Promise<{ copy: SignedPlan; sim: RebalanceSimulation }> {
  const at = async (deadline: bigint) => {
    const copy = await signPlan({ ...plan, deadline }, signer, chainId, vault);
    return {
      copy,
      sim: await simulateRebalance(provider, vault, copy, from, snapshot.blockNumber),
    };
  };
  let attempt = await at(snapshot.timestamp);
  // the node's clock may tick past a second boundary between two calls: a few tries
  for (let k = 0; k < 3 && !attempt.sim.ok && attempt.sim.error?.name === "PlanExpired"; k++) {
    const nodeNow = BigInt(attempt.sim.error.args[1]);
    if (nodeNow <= attempt.copy.plan.deadline || nodeNow - snapshot.timestamp > 60n) break;
    attempt = await at(nodeNow);
  }
  return attempt;
}
