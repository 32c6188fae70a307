import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder } from "ethers";
import type { Contract } from "ethers";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import { deployLocalStack } from "../../deploy/lib/localStack.ts";
import {
  LENDING_OP,
  encodeLendingData,
  encodeSwapData,
  encodeV3Path,
  signPlan,
} from "../../keeper/src/planner/eip712.ts";
import type { Action, Plan } from "../../keeper/src/planner/types.ts";
import { deployTestVault, TEST_LIMITS } from "../../deploy/lib/vaultDirect.ts";

/**
 * Adapter error paths on the real local stack (Aave core-v3 1.19.3 pool, SwapRouter02 from the
 * Uniswap npm bytecode), each asserted with its values (docs/error-paths.md). The vault rejects
 * malformed actions before an adapter runs, so the adapters' own defence-in-depth checks are
 * reached here by calling them as the vault (impersonated); `ReserveNotListed` is also reached
 * through a signed plan, and the oracle-slippage check through a real sandwiched swap.
 */

const USDC = (n: bigint) => n * 10n ** 6n;
const WETH_FEE = LOCAL_STACK.uniswap.pools.weth.fee;
const coder = AbiCoder.defaultAbiCoder();

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** Stack contracts are Ignition-typed; the tests call them through ethers' dynamic Contract. */
function dyn(contract: unknown): Contract {
  return contract as Contract;
}

async function setup() {
  const stack = await deployLocalStack(connection);
  const [admin, curator, keeper, alice, attacker, trader] = await ethers.getSigners();
  const limits = { ...TEST_LIMITS, circuitBreakerDropBps: 2_000 };
  const usdc = dyn(stack.usdc);
  const weth = dyn(stack.weth);
  const usdcAddr = await usdc.getAddress();
  const wethAddr = await weth.getAddress();
  const poolAddr = await stack.pool.getAddress();
  const routerAddr = await stack.swapRouter02.getAddress();
  const vault = await deployTestVault(
    ethers,
    { base: usdcAddr, baseFeed: await stack.usdcUsd.getAddress(), admin: admin.address, limits },
    { curator: curator.address, keeperSigner: keeper.address },
  );
  const vaultAddr = await vault.getAddress();

  const swapAdapter = await ethers.deployContract("UniswapV3SwapAdapter", [vaultAddr, routerAddr]);
  const aave = await ethers.deployContract("AaveV3Adapter", [vaultAddr, poolAddr]);
  await vault.connect(curator).submitAdapter(1, await swapAdapter.getAddress(), 1);
  await vault.acceptAdapter(1);
  await vault.connect(curator).submitAdapter(2, await aave.getAddress(), 2);
  await vault.acceptAdapter(2);
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

  await usdc.mint(alice.address, USDC(1_000_000n));
  await dyn(usdc.connect(alice)).approve(vaultAddr, USDC(1_000_000n));
  await vault.connect(alice).deposit(USDC(1_000_000n), alice.address);

  // the vault's address as a signer: reaches the adapters' own checks behind the vault's
  await networkHelpers.impersonateAccount(vaultAddr);
  await networkHelpers.setBalance(vaultAddr, 10n ** 18n);
  const asVault = await ethers.getSigner(vaultAddr);

  const chainId = (await ethers.provider.getNetwork()).chainId;
  return {
    stack,
    usdc,
    weth,
    usdcAddr,
    wethAddr,
    poolAddr,
    routerAddr,
    vault,
    vaultAddr,
    swapAdapter,
    aave,
    asVault,
    curator,
    keeper,
    attacker,
    trader,
    chainId,
  };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** A plan with the next nonce, one expected weight per registered asset, weights unchecked. */
async function makePlan(s: Setup, actions: Action[]): Promise<Plan> {
  const latest = await ethers.provider.getBlock("latest");
  const n = ((await s.vault.assetConfigs()) as unknown[]).length;
  return {
    nonce: await s.vault.nextNonce(),
    deadline: BigInt(latest!.timestamp) + 3_600n,
    actions,
    expectedWeightsBps: new Array<bigint>(n).fill(0n),
    weightToleranceBps: 10_000n,
    slippageBps: 100n,
  };
}

async function signed(s: Setup, p: Plan): Promise<string> {
  return (await signPlan(p, s.keeper, s.chainId, s.vaultAddr)).signature;
}

describe("Error paths on the real local stack (adapters, oracle slippage)", function () {
  let s: Setup;

  beforeEach(async function () {
    s = await networkHelpers.loadFixture(setup);
  });

  describe("UniswapV3SwapAdapter", function () {
    it("OnlyVault(caller): anyone but the vault is rejected", async function () {
      const data = encodeSwapData(encodeV3Path([s.usdcAddr, s.wethAddr], [WETH_FEE]), 1n, 0n);
      await expect(s.swapAdapter.connect(s.attacker).execute(data))
        .to.be.revertedWithCustomError(s.swapAdapter, "OnlyVault")
        .withArgs(s.attacker.address);
    });

    it("InvalidPath(length): a path shorter than one hop (the vault's own parser rejects it first)", async function () {
      const shortPath = ethers.concat([s.usdcAddr, s.wethAddr]); // 40 bytes, no fee
      const data = coder.encode(["bytes", "uint256", "uint256"], [shortPath, 1n, 0n]);
      await expect(s.swapAdapter.connect(s.asVault).execute(data))
        .to.be.revertedWithCustomError(s.swapAdapter, "InvalidPath")
        .withArgs(40n);
      // through a plan the same action stops at the vault: InvalidAction(0, address(0))
      const rebalanceLib = await ethers.getContractAt("RebalanceLib", s.vaultAddr);
      const p = await makePlan(s, [{ adapterId: 1, data }]);
      await expect(s.vault.rebalance(p, await signed(s, p)))
        .to.be.revertedWithCustomError(rebalanceLib, "InvalidAction")
        .withArgs(0n, ethers.ZeroAddress);
    });
  });

  describe("RiskChecks through the real router", function () {
    it("SlippageExceeded(index, inValue, outValue, slippageBps): a sandwiched swap, values from the quoter and the feeds", async function () {
      const amountIn = USDC(200_000n);
      const path = encodeV3Path([s.usdcAddr, s.wethAddr], [WETH_FEE]);
      const p = await makePlan(s, [{ adapterId: 1, data: encodeSwapData(path, amountIn, 0n) }]);
      const sig = await signed(s, p);
      // front-run: push WETH up in the pool
      const push = USDC(3_000_000n);
      await s.usdc.mint(s.attacker.address, push);
      await dyn(s.usdc.connect(s.attacker)).approve(s.routerAddr, push);
      await dyn(dyn(s.stack.swapRouter02).connect(s.attacker)).exactInput({
        path,
        recipient: s.attacker.address,
        amountIn: push,
        amountOutMinimum: 0n,
      });
      // what the vault's swap returns now, and its oracle value (docs/plan-format.md §4)
      const [out] = (await dyn(s.stack.quoterV2).quoteExactInput.staticCall(path, amountIn)) as [
        bigint,
      ];
      const pW = ((await dyn(s.stack.wethUsd).latestRoundData()) as bigint[])[1];
      const pB = ((await dyn(s.stack.usdcUsd).latestRoundData()) as bigint[])[1];
      const outValue = (out * pW * 10n ** (6n + 8n)) / (pB * 10n ** (18n + 8n));
      expect(outValue * 10_000n < amountIn * 9_900n).to.equal(true);
      const riskChecks = await ethers.getContractAt("RiskChecks", s.vaultAddr);
      await expect(s.vault.rebalance(p, sig))
        .to.be.revertedWithCustomError(riskChecks, "SlippageExceeded")
        .withArgs(0n, amountIn, outValue, 100n);
    });
  });

  describe("AaveV3Adapter", function () {
    it("UnknownOp(op): an op outside 1..4 (the vault rejects it first with InvalidAction)", async function () {
      const data = coder.encode(["uint8", "address", "uint256"], [5, s.usdcAddr, 1n]);
      await expect(s.aave.connect(s.asVault).execute(data))
        .to.be.revertedWithCustomError(s.aave, "UnknownOp")
        .withArgs(5n);
    });

    it("InvalidAsset(op, asset): SUPPLY or WITHDRAW of a token that is not the base", async function () {
      for (const op of [LENDING_OP.SUPPLY, LENDING_OP.WITHDRAW]) {
        await expect(s.aave.connect(s.asVault).execute(encodeLendingData(op, s.wethAddr, 1n)))
          .to.be.revertedWithCustomError(s.aave, "InvalidAsset")
          .withArgs(BigInt(op), s.wethAddr);
      }
    });

    it("InvalidAsset(op, asset): BORROW or REPAY of the base", async function () {
      for (const op of [LENDING_OP.BORROW, LENDING_OP.REPAY]) {
        await expect(s.aave.connect(s.asVault).execute(encodeLendingData(op, s.usdcAddr, 1n)))
          .to.be.revertedWithCustomError(s.aave, "InvalidAsset")
          .withArgs(BigInt(op), s.usdcAddr);
      }
    });

    it("ZeroAmount(op): checked before the op, for every op", async function () {
      for (const op of [LENDING_OP.WITHDRAW, LENDING_OP.BORROW, LENDING_OP.REPAY]) {
        await expect(s.aave.connect(s.asVault).execute(encodeLendingData(op, s.wethAddr, 0n)))
          .to.be.revertedWithCustomError(s.aave, "ZeroAmount")
          .withArgs(BigInt(op));
      }
    });

    it("ReserveNotListed(asset): constructor, for a vault whose base Aave does not list", async function () {
      const token = await ethers.deployContract("TestERC20", ["Unlisted", "UNL", 6]);
      const tokenAddr = await token.getAddress();
      const plain = await ethers.deployContract("PlainERC4626", [tokenAddr]);
      await expect(ethers.deployContract("AaveV3Adapter", [await plain.getAddress(), s.poolAddr]))
        .to.be.revertedWithCustomError(s.aave, "ReserveNotListed")
        .withArgs(tokenAddr);
    });

    it("ReserveNotListed(asset): a signed plan borrowing a registered asset Aave does not list", async function () {
      const token = await ethers.deployContract("TestERC20", ["Unlisted", "UNL", 18]);
      const tokenAddr = await token.getAddress();
      const feed = await ethers.deployContract("MockV3Aggregator", [8, 10n ** 8n]);
      await s.vault.connect(s.curator).submitAsset(1, {
        token: tokenAddr,
        feed: await feed.getAddress(),
        heartbeat: 86_400,
        enabled: true,
        maxWeightBps: 1_000,
        minNetDeltaBps: -10_000,
        maxNetDeltaBps: 10_000,
        minPrice: 0,
        maxPrice: 0,
      });
      await s.vault.acceptAsset(1);
      const p = await makePlan(s, [
        { adapterId: 2, data: encodeLendingData(LENDING_OP.BORROW, tokenAddr, 10n ** 18n) },
      ]);
      await expect(s.vault.rebalance(p, await signed(s, p)))
        .to.be.revertedWithCustomError(s.aave, "ReserveNotListed")
        .withArgs(tokenAddr);
      expect(await s.aave.debtTokenOf(tokenAddr)).to.equal(ethers.ZeroAddress);
    });
  });
});
