import { expect } from "chai";
import { network } from "hardhat";
import type { Contract, Signer } from "ethers";
import { deployLocalStack } from "../../deploy/lib/localStack.ts";
import type { LocalStack } from "../../deploy/lib/localStack.ts";
import { deployTestVault, TEST_LIMITS } from "../../deploy/lib/vaultDirect.ts";

/**
 * Rebalance through the real Uniswap V3 stack (npm bytecode) with Chainlink mock feeds:
 * EIP-712 plans, oracle-priced slippage, loss budget and the attack scenarios of issue 4.
 */

const WEIGHT_TOLERANCE = 10_000;
const USDC = (n: bigint) => n * 10n ** 6n;

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** Stack contracts are Ignition-typed; the tests call them through ethers' dynamic Contract. */
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
  const stack: LocalStack = await deployLocalStack(connection);
  const [admin, curator, guardian, keeper, alice, attacker] = await ethers.getSigners();

  const limits = { ...TEST_LIMITS };
  const vault = await deployTestVault(
    ethers,
    {
      base: await stack.usdc.getAddress(),
      baseFeed: await stack.usdcUsd.getAddress(),
      admin: admin.address,
      limits,
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
  const asset = {
    token: await stack.weth.getAddress(),
    feed: await stack.wethUsd.getAddress(),
    heartbeat: 86_400,
    enabled: true,
    maxWeightBps: 6_000,
    minNetDeltaBps: -10_000,
    maxNetDeltaBps: 10_000,
    minPrice: 0,
    maxPrice: 0,
  };
  await vault.connect(curator).submitAsset(0, asset);
  await vault.acceptAsset(0);

  // alice deposits 1,000,000 USDC
  await dyn(stack.usdc).mint(alice.address, USDC(1_000_000n));
  await dyn(dyn(stack.usdc).connect(alice)).approve(vaultAddr, USDC(1_000_000n));
  await vault.connect(alice).deposit(USDC(1_000_000n), alice.address);

  const chainId = (await ethers.provider.getNetwork()).chainId;
  const domain = { name: "Ballast Vault", version: "1", chainId, verifyingContract: vaultAddr };
  const usdcAddr = await stack.usdc.getAddress();
  const wethAddr = await stack.weth.getAddress();
  const wethFee = 500;

  const path = (a: string, b: string) =>
    ethers.solidityPacked(["address", "uint24", "address"], [a, wethFee, b]);
  const swapData = (p: string, amountIn: bigint, minOut = 0n) =>
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["bytes", "uint256", "uint256"],
      [p, amountIn, minOut],
    );

  async function plan(actions: Plan["actions"], overrides: Partial<Plan> = {}): Promise<Plan> {
    const latest = await ethers.provider.getBlock("latest");
    return {
      nonce: await vault.nextNonce(),
      deadline: BigInt(latest!.timestamp) + 3_600n,
      actions,
      expectedWeightsBps: [0],
      weightToleranceBps: WEIGHT_TOLERANCE,
      slippageBps: 100,
      ...overrides,
    };
  }
  const sign = (signer: Signer, p: Plan, d = domain) => signer.signTypedData(d, PLAN_TYPES, p);

  return {
    ethers,
    stack,
    vault,
    vaultAddr,
    adapter,
    admin,
    curator,
    guardian,
    keeper,
    alice,
    attacker,
    domain,
    usdcAddr,
    wethAddr,
    path,
    swapData,
    plan,
    sign,
    limits,
  };
}

/** Swaps `amountIn` of `tokenIn` directly on the pool through the router, from `who`. */
async function routerSwap(
  s: Awaited<ReturnType<typeof setup>>,
  who: Signer,
  tokenIn: string,
  tokenOut: string,
  amountIn: bigint,
) {
  const token = dyn(tokenIn === s.usdcAddr ? s.stack.usdc : s.stack.weth);
  const addr = await who.getAddress();
  if (tokenIn === s.usdcAddr) await dyn(s.stack.usdc).mint(addr, amountIn);
  else await dyn(dyn(s.stack.weth).connect(who)).deposit({ value: amountIn });
  await dyn(token.connect(who)).approve(await s.stack.swapRouter02.getAddress(), amountIn);
  await dyn(dyn(s.stack.swapRouter02).connect(who)).exactInput({
    path: s.path(tokenIn, tokenOut),
    recipient: addr,
    amountIn,
    amountOutMinimum: 0n,
  });
}

describe("BallastVault rebalance on the local Uniswap V3 stack", function () {
  let s: Awaited<ReturnType<typeof setup>>;

  beforeEach(async function () {
    s = await networkHelpers.loadFixture(setup);
  });

  it("hashPlan and planDigest match ethers' EIP-712 encoding", async function () {
    const p = await s.plan([
      { adapterId: 1, data: s.swapData(s.path(s.usdcAddr, s.wethAddr), USDC(1n)) },
    ]);
    const { TypedDataEncoder } = s.ethers;
    expect(await s.vault.hashPlan(p)).to.equal(TypedDataEncoder.from(PLAN_TYPES).hash(p));
    expect(await s.vault.planDigest(p)).to.equal(TypedDataEncoder.hash(s.domain, PLAN_TYPES, p));
  });

  it("executes a signed swap plan relayed by anyone and emits Rebalanced", async function () {
    const amountIn = USDC(300_000n);
    const p = await s.plan(
      [{ adapterId: 1, data: s.swapData(s.path(s.usdcAddr, s.wethAddr), amountIn) }],
      { expectedWeightsBps: [3_000], weightToleranceBps: 50 },
    );
    const sig = await s.sign(s.keeper, p);
    const navBefore = await s.vault.totalAssets();
    await expect(s.vault.connect(s.attacker).rebalance(p, sig)).to.emit(s.vault, "Rebalanced");
    const navAfter = await s.vault.totalAssets();
    expect(navAfter).to.be.lessThan(navBefore); // pool fee + impact
    expect(navAfter).to.be.greaterThan((navBefore * 9_990n) / 10_000n);
    expect(await dyn(s.stack.weth).balanceOf(s.vaultAddr)).to.be.greaterThan(0n);
    expect(await s.vault.nextNonce()).to.equal(1n);
    expect(await dyn(s.stack.usdc).allowance(s.vaultAddr, await s.adapter.getAddress())).to.equal(
      0n,
    );
    // the vault transfers amountIn (no approval); the adapter keeps nothing between calls, which
    // is what makes its standing router approval safe
    expect(await dyn(s.stack.usdc).balanceOf(await s.adapter.getAddress())).to.equal(0n);
    expect(await dyn(s.stack.weth).balanceOf(await s.adapter.getAddress())).to.equal(0n);
    expect(
      await dyn(s.stack.usdc).allowance(
        await s.adapter.getAddress(),
        await s.stack.swapRouter02.getAddress(),
      ),
    ).to.equal(2n ** 256n - 1n);
  });

  it("moving the Uniswap pool price does not move NAV", async function () {
    const p = await s.plan(
      [{ adapterId: 1, data: s.swapData(s.path(s.usdcAddr, s.wethAddr), USDC(300_000n)) }],
      { expectedWeightsBps: [3_000] },
    );
    await s.vault.rebalance(p, await s.sign(s.keeper, p));
    const nav = await s.vault.totalAssets();
    await routerSwap(s, s.attacker, s.usdcAddr, s.wethAddr, USDC(5_000_000n));
    expect(await s.vault.totalAssets()).to.equal(nav);
  });

  it("a sandwiched swap fails the oracle slippage check", async function () {
    const p = await s.plan([
      { adapterId: 1, data: s.swapData(s.path(s.usdcAddr, s.wethAddr), USDC(200_000n)) },
    ]);
    const sig = await s.sign(s.keeper, p);
    // front-run: push WETH up in the pool (the plan's minOut of 0 does not protect it)
    await routerSwap(s, s.attacker, s.usdcAddr, s.wethAddr, USDC(3_000_000n));
    const riskChecks = await s.ethers.getContractAt("RiskChecks", s.vaultAddr);
    await expect(s.vault.rebalance(p, sig)).to.be.revertedWithCustomError(
      riskChecks,
      "SlippageExceeded",
    );
    // the same plan passes once the pool is back near the oracle price
    await routerSwap(s, s.attacker, s.wethAddr, s.usdcAddr, 10n ** 21n);
    expect(await s.vault.nextNonce()).to.equal(0n);
  });

  it("rejects replays: same nonce, other chain id, other vault", async function () {
    const p = await s.plan([
      { adapterId: 1, data: s.swapData(s.path(s.usdcAddr, s.wethAddr), USDC(10_000n)) },
    ]);
    const sig = await s.sign(s.keeper, p);
    await s.vault.rebalance(p, sig);
    await expect(s.vault.rebalance(p, sig))
      .to.be.revertedWithCustomError(s.vault, "InvalidNonce")
      .withArgs(0n, 1n);

    const p1 = await s.plan([]);
    const otherChain = await s.sign(s.keeper, p1, { ...s.domain, chainId: 1n });
    await expect(s.vault.rebalance(p1, otherChain)).to.be.revertedWithCustomError(
      s.vault,
      "InvalidSigner",
    );
    const otherVault = await s.sign(s.keeper, p1, {
      ...s.domain,
      verifyingContract: s.usdcAddr,
    });
    await expect(s.vault.rebalance(p1, otherVault)).to.be.revertedWithCustomError(
      s.vault,
      "InvalidSigner",
    );
  });

  it("rejects an expired deadline and a signer without the role", async function () {
    const latest = await s.ethers.provider.getBlock("latest");
    const expired = await s.plan([], { deadline: BigInt(latest!.timestamp) - 1n });
    await expect(
      s.vault.rebalance(expired, await s.sign(s.keeper, expired)),
    ).to.be.revertedWithCustomError(s.vault, "PlanExpired");
    const p = await s.plan([]);
    await expect(s.vault.rebalance(p, await s.sign(s.attacker, p)))
      .to.be.revertedWithCustomError(s.vault, "InvalidSigner")
      .withArgs(await s.attacker.getAddress());
  });

  it("a compromised keeper's many small lossy plans are stopped by the cumulative budget", async function () {
    // budget 10 bps per day; each round trip below loses a few bps, under the 100 bps per-plan cap
    const tighter = { ...s.limits, lossBudgetBps: 10 };
    await s.vault.connect(s.guardian).submitLimits(tighter);
    let stopped = false;
    for (let i = 0; i < 20 && !stopped; i++) {
      const wethBefore = await dyn(s.stack.weth).balanceOf(s.vaultAddr);
      const amountIn = USDC(400_000n);
      // USDC -> WETH then all of it back: pays the pool fee twice plus price impact
      const quote = await dyn(s.stack.quoterV2).quoteExactInput.staticCall(
        s.path(s.usdcAddr, s.wethAddr),
        amountIn,
      );
      const p = await s.plan([
        { adapterId: 1, data: s.swapData(s.path(s.usdcAddr, s.wethAddr), amountIn) },
        {
          adapterId: 1,
          data: s.swapData(s.path(s.wethAddr, s.usdcAddr), wethBefore + quote[0]),
        },
      ]);
      try {
        await s.vault.rebalance(p, await s.sign(s.keeper, p));
      } catch (e) {
        expect(String(e)).to.match(/LossBudgetExceeded/);
        stopped = true;
      }
    }
    expect(stopped).to.equal(true);
    const [used, cap] = await s.vault.lossBudget();
    expect(used).to.be.lessThanOrEqual(cap);
  });
});
