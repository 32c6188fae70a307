import { expect } from "chai";
import { network } from "hardhat";
import fc from "fast-check";
import {
  encodeLendingData,
  encodeSwapData,
  encodeV3Path,
  hashPlan,
  planDigest,
  signPlan,
} from "../../../keeper/src/planner/eip712.ts";
import type { Plan } from "../../../keeper/src/planner/types.ts";
import { deployTestVault } from "../../../deploy/lib/vaultDirect.ts";

/**
 * The keeper's EIP-712 encoding (keeper/src/planner/eip712.ts) against the deployed vault's own
 * `hashPlan` / `planDigest`: a plan the keeper signs is the plan the vault verifies.
 */
const { ethers } = await network.create();

async function deployVault() {
  const [admin] = await ethers.getSigners();
  const usdc = await ethers.deployContract("TestERC20", ["USD Coin", "USDC", 6]);
  const feed = await ethers.deployContract("MockV3Aggregator", [8, 100_000_000n]);
  return deployTestVault(ethers, {
    base: await usdc.getAddress(),
    baseFeed: await feed.getAddress(),
    admin: admin.address,
  });
}

const vault = await deployVault();
const vaultAddr = await vault.getAddress();
const chainId = (await ethers.provider.getNetwork()).chainId;

function toSolidity(plan: Plan) {
  return {
    nonce: plan.nonce,
    deadline: plan.deadline,
    actions: plan.actions.map((a) => ({ adapterId: a.adapterId, data: a.data })),
    expectedWeightsBps: plan.expectedWeightsBps,
    weightToleranceBps: plan.weightToleranceBps,
    slippageBps: plan.slippageBps,
  };
}

const addr = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => ethers.getAddress(ethers.hexlify(b)));
const action = fc.oneof(
  fc
    .record({
      tokens: fc.array(addr, { minLength: 2, maxLength: 4 }),
      fee: fc.constantFrom(100, 500, 3000, 10000),
      amountIn: fc.bigInt({ min: 1n, max: (1n << 128n) - 1n }),
      minOut: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
    })
    .map(({ tokens, fee, amountIn, minOut }) => ({
      adapterId: 1,
      data: encodeSwapData(
        encodeV3Path(
          tokens,
          tokens.slice(1).map(() => fee),
        ),
        amountIn,
        minOut,
      ),
    })),
  fc
    .record({
      op: fc.constantFrom(1, 2, 3, 4) as fc.Arbitrary<1 | 2 | 3 | 4>,
      asset: addr,
      amount: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
    })
    .map(({ op, asset, amount }) => ({ adapterId: 2, data: encodeLendingData(op, asset, amount) })),
);
const plan: fc.Arbitrary<Plan> = fc.record({
  nonce: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  deadline: fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }),
  actions: fc.array(action, { maxLength: 5 }),
  expectedWeightsBps: fc.array(fc.bigInt({ min: 0n, max: 10_000n }), { maxLength: 16 }),
  weightToleranceBps: fc.bigInt({ min: 0n, max: 10_000n }),
  slippageBps: fc.bigInt({ min: 0n, max: 10_000n }),
});

describe("keeper EIP-712 encoding agrees with the vault", function () {
  it("hashPlan and planDigest match the contract on random plans", async function () {
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        expect(await vault.hashPlan(toSolidity(p))).to.equal(hashPlan(p));
        expect(await vault.planDigest(toSolidity(p))).to.equal(planDigest(p, chainId, vaultAddr));
      }),
      { numRuns: 60, seed: 20261125 },
    );
  });

  it("a keeper signature recovers to the keeper over the vault's digest", async function () {
    const [, keeper] = await ethers.getSigners();
    const p: Plan = {
      nonce: 0n,
      deadline: 1n << 40n,
      actions: [],
      expectedWeightsBps: [],
      weightToleranceBps: 10n,
      slippageBps: 50n,
    };
    const signed = await signPlan(p, keeper, chainId, vaultAddr);
    const digest = await vault.planDigest(toSolidity(p));
    expect(ethers.recoverAddress(digest, signed.signature)).to.equal(keeper.address);
  });
});
