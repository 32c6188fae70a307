import { expect } from "chai";
import {
  AbiCoder,
  Wallet,
  concat,
  getAddress,
  keccak256,
  recoverAddress,
  toUtf8Bytes,
  zeroPadValue,
  toBeHex,
} from "ethers";
import {
  ACTION_TYPE,
  LENDING_OP,
  PLAN_TYPE,
  decodeLendingData,
  decodeSwapData,
  decodeV3Path,
  encodeLendingData,
  encodeSwapData,
  encodeV3Path,
  hashPlan,
  lendingAction,
  planDigest,
  prefixedSignature,
  signPlan,
  swapAction,
} from "../../../keeper/src/planner/eip712.ts";
import type { Plan } from "../../../keeper/src/planner/types.ts";

const coder = AbiCoder.defaultAbiCoder();
const VAULT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
const USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
const WBTC = "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599";

/** The doc's formulas (§2), written out by hand. */
function handHash(p: Plan): string {
  const actionTypehash = keccak256(toUtf8Bytes("Action(uint8 adapterId,bytes data)"));
  const planTypehash = keccak256(
    toUtf8Bytes(
      "Plan(uint256 nonce,uint256 deadline,Action[] actions,uint16[] expectedWeightsBps,uint16 weightToleranceBps,uint16 slippageBps)Action(uint8 adapterId,bytes data)",
    ),
  );
  const actionHashes = p.actions.map((a) =>
    keccak256(
      coder.encode(
        ["bytes32", "uint8", "bytes32"],
        [actionTypehash, a.adapterId, keccak256(a.data)],
      ),
    ),
  );
  const actionsHash = keccak256(concat(actionHashes));
  const weightsHash = keccak256(
    concat(p.expectedWeightsBps.map((w) => zeroPadValue(toBeHex(w), 32))),
  );
  return keccak256(
    coder.encode(
      ["bytes32", "uint256", "uint256", "bytes32", "bytes32", "uint16", "uint16"],
      [
        planTypehash,
        p.nonce,
        p.deadline,
        actionsHash,
        weightsHash,
        p.weightToleranceBps,
        p.slippageBps,
      ],
    ),
  );
}

function handDigest(p: Plan, chainId: bigint, vault: string): string {
  const domainTypehash = keccak256(
    toUtf8Bytes(
      "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    ),
  );
  const ds = keccak256(
    coder.encode(
      ["bytes32", "bytes32", "bytes32", "uint256", "address"],
      [
        domainTypehash,
        keccak256(toUtf8Bytes("Ballast Vault")),
        keccak256(toUtf8Bytes("1")),
        chainId,
        vault,
      ],
    ),
  );
  return keccak256(concat(["0x1901", ds, handHash(p)]));
}

const path = encodeV3Path([USDC, WETH], [500]);
const plan: Plan = {
  nonce: 3n,
  deadline: 1_700_000_600n,
  actions: [
    swapAction(1, path, 1_000_000_000n, 480_000_000_000_000_000n),
    lendingAction(2, LENDING_OP.BORROW, WETH, 10n ** 18n),
    lendingAction(2, LENDING_OP.REPAY, WETH, (1n << 256n) - 1n),
  ],
  expectedWeightsBps: [2500n, 0n, 65_535n],
  weightToleranceBps: 25n,
  slippageBps: 40n,
};

describe("planner/eip712", () => {
  it("uses the exact type strings of the doc", () => {
    expect(ACTION_TYPE).to.equal("Action(uint8 adapterId,bytes data)");
    expect(PLAN_TYPE).to.equal(
      "Plan(uint256 nonce,uint256 deadline,Action[] actions,uint16[] expectedWeightsBps,uint16 weightToleranceBps,uint16 slippageBps)Action(uint8 adapterId,bytes data)",
    );
  });

  it("hashPlan equals the hand-computed struct hash", () => {
    expect(hashPlan(plan)).to.equal(handHash(plan));
    const empty: Plan = { ...plan, actions: [], expectedWeightsBps: [] };
    expect(hashPlan(empty)).to.equal(handHash(empty));
    // every field is bound
    expect(hashPlan({ ...plan, slippageBps: 41n })).to.not.equal(hashPlan(plan));
    expect(hashPlan({ ...plan, expectedWeightsBps: [2500n, 0n, 65_534n] })).to.not.equal(
      hashPlan(plan),
    );
  });

  it("planDigest equals keccak(0x1901 ‖ domainSeparator ‖ planHash)", () => {
    expect(planDigest(plan, 31337n, VAULT)).to.equal(handDigest(plan, 31337n, VAULT));
    expect(planDigest(plan, 1n, VAULT)).to.equal(handDigest(plan, 1n, VAULT));
    expect(planDigest(plan, 1n, VAULT)).to.not.equal(planDigest(plan, 31337n, VAULT));
  });

  it("signs a 65-byte EOA signature over the digest", async () => {
    const w = new Wallet("0x" + "11".repeat(32));
    const sp = await signPlan(plan, w, 31337n, VAULT);
    expect((sp.signature.length - 2) / 2).to.equal(65);
    expect(sp.digest).to.equal(handDigest(plan, 31337n, VAULT));
    expect(sp.planHash).to.equal(handHash(plan));
    expect(recoverAddress(sp.digest, sp.signature)).to.equal(w.address);
    const pre = prefixedSignature(w.address, sp.signature);
    expect((pre.length - 2) / 2).to.equal(85);
    expect(getAddress("0x" + pre.slice(2, 42))).to.equal(w.address);
  });

  it("encodes the packed V3 path and the adapter data", () => {
    expect(path.toLowerCase()).to.equal(
      ("0x" + USDC.slice(2) + "0001f4" + WETH.slice(2)).toLowerCase(),
    );
    const hop = encodeV3Path([WBTC, WETH, USDC], [3000, 500]);
    expect((hop.length - 2) / 2).to.equal(66);
    expect(decodeV3Path(hop)).to.deep.equal({ tokens: [WBTC, WETH, USDC], fees: [3000, 500] });
    expect(() => decodeV3Path("0x" + "00".repeat(42))).to.throw("bad V3 path length");
    expect(() => encodeV3Path([USDC], [])).to.throw();

    const d = encodeSwapData(path, 7n, 5n);
    expect(d).to.equal(coder.encode(["bytes", "uint256", "uint256"], [path, 7n, 5n]));
    expect(decodeSwapData(d)).to.deep.equal({ path, amountIn: 7n, minOut: 5n });
    const l = encodeLendingData(LENDING_OP.SUPPLY, USDC, 9n);
    expect(l).to.equal(coder.encode(["uint8", "address", "uint256"], [1, USDC, 9n]));
    expect(decodeLendingData(l)).to.deep.equal({ op: 1, asset: USDC, amount: 9n });
    expect(LENDING_OP).to.deep.equal({ SUPPLY: 1, WITHDRAW: 2, BORROW: 3, REPAY: 4 });
  });
});
