import { expect } from "chai";
import { network } from "hardhat";
import type { Contract, Signer } from "ethers";
import { deployLocalStack } from "../../deploy/lib/localStack.ts";
import { deployTestVault } from "../../deploy/lib/vaultDirect.ts";

/**
 * Circuit breaker on the local Uniswap V3 stack: in defensive mode a plan that raises gross
 * exposure reverts ExposureNotReduced, a de-risking plan passes, and only the admin lifts the
 * mode (docs/plan-format.md §6 step 9, §9). The Solidity tests (CircuitBreaker.t.sol) cover the
 * upkeep itself; this file needs real swaps.
 */

const USDC = (n: bigint) => n * 10n ** 6n;

const connection = await network.create();
const { ethers, networkHelpers } = connection;

function dyn(contract: unknown): Contract {
  return contract as Contract;
}

interface Plan {
  nonce: bigint;
  deadline: bigint;
  actions: { adapterId: number; data: string }[];
  expectedWeightsBps: number[];
  weightToleranceBps: number;
  slippageBps: number;
}

const PLAN_TYPES = {
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

async function setup() {
  const stack = await deployLocalStack(connection);
  const [admin, curator, guardian, keeper, alice, stranger] = await ethers.getSigners();
  const vault = await deployTestVault(
    ethers,
    {
      base: await stack.usdc.getAddress(),
      baseFeed: await stack.usdcUsd.getAddress(),
      admin: admin.address,
    },
    { curator: curator.address, guardian: guardian.address, keeperSigner: keeper.address },
  );
  const vaultAddr = await vault.getAddress();
  const adapter = await ethers.deployContract("UniswapV3SwapAdapter", [
    vaultAddr,
    await stack.swapRouter02.getAddress(),
  ]);
  await vault.connect(curator).submitAdapter(1, await adapter.getAddress(), 1);
  await vault.acceptAdapter(1);
  const usdcAddr = await stack.usdc.getAddress();
  const wethAddr = await stack.weth.getAddress();
  await vault.connect(curator).submitAsset(0, {
    token: wethAddr,
    feed: await stack.wethUsd.getAddress(),
    heartbeat: 86_400,
    enabled: true,
    maxWeightBps: 6_000,
    minNetDeltaBps: -10_000,
    maxNetDeltaBps: 10_000,
    minPrice: 0,
    maxPrice: 0,
  });
  await vault.acceptAsset(0);
  await dyn(stack.usdc).mint(alice.address, USDC(1_000_000n));
  await dyn(dyn(stack.usdc).connect(alice)).approve(vaultAddr, USDC(1_000_000n));
  await vault.connect(alice).deposit(USDC(1_000_000n), alice.address);

  const chainId = (await ethers.provider.getNetwork()).chainId;
  const domain = { name: "Ballast Vault", version: "1", chainId, verifyingContract: vaultAddr };
  const path = (a: string, b: string) =>
    ethers.solidityPacked(["address", "uint24", "address"], [a, 500, b]);
  const swap = (a: string, b: string, amountIn: bigint) => ({
    adapterId: 1,
    data: ethers.AbiCoder.defaultAbiCoder().encode(
      ["bytes", "uint256", "uint256"],
      [path(a, b), amountIn, 0n],
    ),
  });
  async function signedPlan(actions: Plan["actions"]): Promise<[Plan, string]> {
    const latest = await ethers.provider.getBlock("latest");
    const p: Plan = {
      nonce: await vault.nextNonce(),
      deadline: BigInt(latest!.timestamp) + 3_600n,
      actions,
      expectedWeightsBps: [0],
      weightToleranceBps: 10_000,
      slippageBps: 100,
    };
    return [p, await keeper.signTypedData(domain, PLAN_TYPES, p)];
  }
  const wethFeed = dyn(stack.wethUsd);
  const riskChecks = await ethers.getContractAt("RiskChecks", vaultAddr);
  return {
    stack,
    vault,
    vaultAddr,
    admin,
    guardian,
    stranger,
    usdcAddr,
    wethAddr,
    swap,
    signedPlan,
    wethFeed,
    riskChecks,
  };
}

/** Buys WETH with 300k USDC, observes, halves the feed, trips the breaker, restores the feed. */
async function tripAfterBuying(s: Awaited<ReturnType<typeof setup>>, who: Signer) {
  const [p, sig] = await s.signedPlan([s.swap(s.usdcAddr, s.wethAddr, USDC(300_000n))]);
  await s.vault.rebalance(p, sig); // also the first observation: the reference
  const price: bigint = await s.wethFeed.latestAnswer();
  await s.wethFeed.updateAnswer(price / 2n); // 30 % of the NAV in WETH: NAV -15 %
  const [needed] = await s.vault.checkUpkeep("0x");
  expect(needed).to.equal(true);
  await expect(s.vault.connect(who).performUpkeep("0x")).to.emit(s.vault, "DefensiveModeEntered");
  // the feed comes back to the pool's price; the vault stays defensive until the admin lifts it
  await s.wethFeed.updateAnswer(price);
  expect(await s.vault.defensive()).to.equal(true);
}

describe("BallastVault circuit breaker on the local Uniswap V3 stack", function () {
  let s: Awaited<ReturnType<typeof setup>>;

  beforeEach(async function () {
    s = await networkHelpers.loadFixture(setup);
  });

  it("defensive mode: a plan raising gross exposure reverts ExposureNotReduced with its values", async function () {
    await tripAfterBuying(s, s.stranger);
    const [p, sig] = await s.signedPlan([s.swap(s.usdcAddr, s.wethAddr, USDC(50_000n))]);
    let data = "0x";
    try {
      await s.vault.rebalance.staticCall(p, sig);
    } catch (e) {
      data = (e as { data?: string }).data ?? "0x";
    }
    const parsed = s.riskChecks.interface.parseError(data);
    expect(parsed?.name).to.equal("ExposureNotReduced");
    const [grossBefore, grossAfter, levBefore, levAfter] = parsed!.args as unknown as bigint[];
    expect(grossAfter > grossBefore).to.equal(true);
    expect(levAfter > levBefore).to.equal(true);
    await expect(s.vault.rebalance(p, sig)).to.be.revertedWithCustomError(
      s.riskChecks,
      "ExposureNotReduced",
    );
  });

  it("defensive mode: a de-risking plan (sell WETH) is accepted and the mode stays", async function () {
    await tripAfterBuying(s, s.stranger);
    const wethBal: bigint = await dyn(s.stack.weth).balanceOf(s.vaultAddr);
    const [p, sig] = await s.signedPlan([s.swap(s.wethAddr, s.usdcAddr, wethBal / 2n)]);
    await expect(s.vault.rebalance(p, sig)).to.emit(s.vault, "Rebalanced");
    expect(await dyn(s.stack.weth).balanceOf(s.vaultAddr)).to.equal(wethBal - wethBal / 2n);
    expect(await s.vault.defensive()).to.equal(true);
  });

  it("only the admin lifts defensive mode; then buying is allowed again", async function () {
    await tripAfterBuying(s, s.stranger);
    await expect(s.vault.connect(s.guardian).exitDefensiveMode()).to.be.revertedWithCustomError(
      s.vault,
      "AccessControlUnauthorizedAccount",
    );
    await expect(s.vault.connect(s.admin).exitDefensiveMode()).to.emit(
      s.vault,
      "DefensiveModeExited",
    );
    expect(await s.vault.maxDeposit(s.stranger)).to.be.greaterThan(0n);
    const [p, sig] = await s.signedPlan([s.swap(s.usdcAddr, s.wethAddr, USDC(50_000n))]);
    await expect(s.vault.rebalance(p, sig)).to.emit(s.vault, "Rebalanced");
  });
});
