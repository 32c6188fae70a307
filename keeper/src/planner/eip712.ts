/**
 * EIP-712 hashing and signing of rebalance plans (docs/plan-format.md §2) and the ABI encoding
 * of adapter call data (§3), with ethers v6.
 */
import {
  AbiCoder,
  TypedDataEncoder,
  concat,
  dataSlice,
  getAddress,
  getBytes,
  solidityPacked,
} from "ethers";
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import type { Action, Plan, SignedPlan } from "./types.ts";

/** Adapter kinds (`AdapterConfig.kind`). */
export const ADAPTER_KIND_SWAP = 1;
export const ADAPTER_KIND_LENDING = 2;

/** Lending ops of the Aave adapter (§3 kind 2). */
export const LENDING_OP = { SUPPLY: 1, WITHDRAW: 2, BORROW: 3, REPAY: 4 } as const;
/** A lending op code. */
export type LendingOp = (typeof LENDING_OP)[keyof typeof LENDING_OP];

export const ACTION_TYPE = "Action(uint8 adapterId,bytes data)";
export const PLAN_TYPE =
  "Plan(uint256 nonce,uint256 deadline,Action[] actions,uint16[] expectedWeightsBps,uint16 weightToleranceBps,uint16 slippageBps)" +
  ACTION_TYPE;

/** EIP-712 types for ethers (`TypedDataEncoder`, `Signer.signTypedData`), primary type Plan. */
export const PLAN_TYPES: Record<string, TypedDataField[]> = {
  Plan: [
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "actions", type: "Action[]" },
    { name: "expectedWeightsBps", type: "uint16[]" },
    { name: "weightToleranceBps", type: "uint16" },
    { name: "slippageBps", type: "uint16" },
  ],
  Action: [
    { name: "adapterId", type: "uint8" },
    { name: "data", type: "bytes" },
  ],
};

/** The vault's EIP-712 domain: name "Ballast Vault", version "1", chainId, vault address. */
export function planDomain(chainId: bigint, vault: string): TypedDataDomain {
  return { name: "Ballast Vault", version: "1", chainId, verifyingContract: getAddress(vault) };
}

/** The plan as an ethers typed-data value. */
function planValue(plan: Plan): Record<string, unknown> {
  return {
    nonce: plan.nonce,
    deadline: plan.deadline,
    actions: plan.actions.map((a) => ({ adapterId: a.adapterId, data: a.data })),
    expectedWeightsBps: plan.expectedWeightsBps,
    weightToleranceBps: plan.weightToleranceBps,
    slippageBps: plan.slippageBps,
  };
}

/** EIP-712 struct hash of `plan` (= `vault.hashPlan(plan)`). */
export function hashPlan(plan: Plan): string {
  return TypedDataEncoder.hashStruct("Plan", PLAN_TYPES, planValue(plan));
}

/** EIP-712 digest of `plan` (= `vault.planDigest(plan)`). */
export function planDigest(plan: Plan, chainId: bigint, vault: string): string {
  return TypedDataEncoder.hash(planDomain(chainId, vault), PLAN_TYPES, planValue(plan));
}

/** Signs `plan` with an ethers Signer (EOA: 65-byte r ‖ s ‖ v). */
export async function signPlan(
  plan: Plan,
  signer: Signer,
  chainId: bigint,
  vault: string,
): Promise<SignedPlan> {
  const signature = await signer.signTypedData(
    planDomain(chainId, vault),
    PLAN_TYPES,
    planValue(plan),
  );
  return { plan, signature, planHash: hashPlan(plan), digest: planDigest(plan, chainId, vault) };
}

/** Signature for a contract-wallet (ERC-1271) signer: abi.encodePacked(address signer, bytes sig). */
export function prefixedSignature(signer: string, sig: string): string {
  return concat([getAddress(signer), sig]);
}

// ---------------------------------------------------------------- adapter data

const coder = AbiCoder.defaultAbiCoder();

/** Uniswap V3 packed path tokenIn ‖ fee ‖ token ‖ fee ‖ … ‖ tokenOut. */
export function encodeV3Path(tokens: readonly string[], fees: readonly number[]): string {
  if (tokens.length < 2 || fees.length !== tokens.length - 1) {
    throw new Error(
      `path needs n >= 2 tokens and n - 1 fees (got ${tokens.length}, ${fees.length})`,
    );
  }
  const types: string[] = [];
  const values: (string | number)[] = [];
  tokens.forEach((t, i) => {
    types.push("address");
    values.push(getAddress(t));
    if (i < fees.length) {
      types.push("uint24");
      values.push(fees[i]);
    }
  });
  return solidityPacked(types, values);
}

/** Decodes a packed V3 path (validating §3's length rule). */
export function decodeV3Path(path: string): { tokens: string[]; fees: number[] } {
  const b = getBytes(path);
  if (b.length < 43 || (b.length - 20) % 23 !== 0)
    throw new Error(`bad V3 path length ${b.length}`);
  const tokens: string[] = [];
  const fees: number[] = [];
  let o = 0;
  for (;;) {
    tokens.push(getAddress(dataSlice(b, o, o + 20)));
    o += 20;
    if (o === b.length) break;
    fees.push((b[o] << 16) | (b[o + 1] << 8) | b[o + 2]);
    o += 3;
  }
  return { tokens, fees };
}

/** Swap adapter data: abi.encode(bytes path, uint256 amountIn, uint256 minOut). */
export function encodeSwapData(path: string, amountIn: bigint, minOut: bigint): string {
  return coder.encode(["bytes", "uint256", "uint256"], [path, amountIn, minOut]);
}

/** Decodes swap adapter data. */
export function decodeSwapData(data: string): { path: string; amountIn: bigint; minOut: bigint } {
  const [path, amountIn, minOut] = coder.decode(["bytes", "uint256", "uint256"], data);
  return { path: path as string, amountIn: amountIn as bigint, minOut: minOut as bigint };
}

/** Lending adapter data: abi.encode(uint8 op, address asset, uint256 amount). */
export function encodeLendingData(op: LendingOp, asset: string, amount: bigint): string {
  return coder.encode(["uint8", "address", "uint256"], [op, getAddress(asset), amount]);
}

/** Decodes lending adapter data. */
export function decodeLendingData(data: string): { op: number; asset: string; amount: bigint } {
  const [op, asset, amount] = coder.decode(["uint8", "address", "uint256"], data);
  return { op: Number(op), asset: asset as string, amount: amount as bigint };
}

/** A swap action through adapter `adapterId`. */
export function swapAction(
  adapterId: number,
  path: string,
  amountIn: bigint,
  minOut: bigint,
): Action {
  return { adapterId, data: encodeSwapData(path, amountIn, minOut) };
}

/** A lending action through adapter `adapterId`. */
export function lendingAction(
  adapterId: number,
  op: LendingOp,
  asset: string,
  amount: bigint,
): Action {
  return { adapterId, data: encodeLendingData(op, asset, amount) };
}
