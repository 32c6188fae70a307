import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder } from "ethers";
import {
  LENDING_OP,
  encodeLendingData,
  encodeSwapData,
  encodeV3Path,
} from "../../keeper/src/planner/eip712.ts";
import { dyn, lendingVault, USDC, WETH_FEE } from "../helpers/vault.ts";

/**
 * Adapter error paths on the real local stack (Aave core-v3 1.19.3 pool, SwapRouter02 from the
 * Uniswap npm bytecode), each asserted with its values (docs/error-paths.md). The vault rejects
 * malformed actions before an adapter runs, so the adapters' own defence-in-depth checks are
 * reached here by calling them as the vault (impersonated); `ReserveNotListed` is also reached
 * through a signed plan, and the oracle-slippage check through a real sandwiched swap.
 */

const coder = AbiCoder.defaultAbiCoder();

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** The shared lending vault, and the vault's address as a signer (reaches the adapters' checks). */
async function setup() {
  const s = await lendingVault(connection, { limits: { circuitBreakerDropBps: 2_000 } });
  await networkHelpers.impersonateAccount(s.vaultAddr);
  await networkHelpers.setBalance(s.vaultAddr, 10n ** 18n);
  return { ...s, asVault: await ethers.getSigner(s.vaultAddr) };
}
type Setup = Awaited<ReturnType<typeof setup>>;

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
      const p = await s.plan([{ adapterId: 1, data }]);
      await expect(s.vault.rebalance(p, await s.sign(s.keeper, p)))
        .to.be.revertedWithCustomError(rebalanceLib, "InvalidAction")
        .withArgs(0n, ethers.ZeroAddress);
    });
  });

  describe("RiskChecks through the real router", function () {
    it("SlippageExceeded(index, inValue, outValue, slippageBps): a sandwiched swap, values from the quoter and the feeds", async function () {
      const amountIn = USDC(200_000n);
      const path = encodeV3Path([s.usdcAddr, s.wethAddr], [WETH_FEE]);
      const p = await s.plan([{ adapterId: 1, data: encodeSwapData(path, amountIn, 0n) }]);
      const sig = await s.sign(s.keeper, p);
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
      await expect(s.vault.rebalance(p, sig))
        .to.be.revertedWithCustomError(s.riskChecks, "SlippageExceeded")
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
      const p = await s.plan([
        { adapterId: 2, data: encodeLendingData(LENDING_OP.BORROW, tokenAddr, 10n ** 18n) },
      ]);
      await expect(s.vault.rebalance(p, await s.sign(s.keeper, p)))
        .to.be.revertedWithCustomError(s.aave, "ReserveNotListed")
        .withArgs(tokenAddr);
      expect(await s.aave.debtTokenOf(tokenAddr)).to.equal(ethers.ZeroAddress);
    });
  });
});
