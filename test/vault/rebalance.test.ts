import { expect } from "chai";
import { network } from "hardhat";
import { TypedDataEncoder } from "ethers";
import type { Signer } from "ethers";
import { dyn, PLAN_TYPES, USDC, wethVault } from "../helpers/vault.ts";

/**
 * Rebalance through the real Uniswap V3 stack (npm bytecode) with Chainlink mock feeds:
 * EIP-712 plans, oracle-priced slippage, loss budget and the attack scenarios of issue 4.
 */

const connection = await network.create();
const { ethers, networkHelpers } = connection;

function setup() {
  return wethVault(connection);
}
type Setup = Awaited<ReturnType<typeof setup>>;

/** Swaps `amountIn` of `tokenIn` directly on the pool through the router, from `who`. */
async function routerSwap(
  s: Setup,
  who: Signer,
  tokenIn: string,
  tokenOut: string,
  amountIn: bigint,
) {
  const token = tokenIn === s.usdcAddr ? s.usdc : s.weth;
  const addr = await who.getAddress();
  if (tokenIn === s.usdcAddr) await s.usdc.mint(addr, amountIn);
  else await dyn(s.weth.connect(who)).deposit({ value: amountIn });
  await dyn(token.connect(who)).approve(s.routerAddr, amountIn);
  await dyn(dyn(s.stack.swapRouter02).connect(who)).exactInput({
    path: s.path(tokenIn, tokenOut),
    recipient: addr,
    amountIn,
    amountOutMinimum: 0n,
  });
}

describe("BallastVault rebalance on the local Uniswap V3 stack", function () {
  let s: Setup;

  beforeEach(async function () {
    s = await networkHelpers.loadFixture(setup);
  });

  it("hashPlan and planDigest match ethers' EIP-712 encoding", async function () {
    const p = await s.plan([s.swap(s.usdcAddr, s.wethAddr, USDC(1n))]);
    expect(await s.vault.hashPlan(p)).to.equal(TypedDataEncoder.from(PLAN_TYPES).hash(p));
    expect(await s.vault.planDigest(p)).to.equal(TypedDataEncoder.hash(s.domain, PLAN_TYPES, p));
  });

  it("executes a signed swap plan relayed by anyone and emits Rebalanced", async function () {
    const amountIn = USDC(300_000n);
    const p = await s.plan([s.swap(s.usdcAddr, s.wethAddr, amountIn)], {
      expectedWeightsBps: [3_000n],
      weightToleranceBps: 50n,
    });
    const sig = await s.sign(s.keeper, p);
    const navBefore = await s.vault.totalAssets();
    await expect(s.vault.connect(s.attacker).rebalance(p, sig)).to.emit(s.vault, "Rebalanced");
    const navAfter = await s.vault.totalAssets();
    expect(navAfter).to.be.lessThan(navBefore); // pool fee + impact
    expect(navAfter).to.be.greaterThan((navBefore * 9_990n) / 10_000n);
    expect(await s.weth.balanceOf(s.vaultAddr)).to.be.greaterThan(0n);
    expect(await s.vault.nextNonce()).to.equal(1n);
    expect(await s.usdc.allowance(s.vaultAddr, await s.swapAdapter.getAddress())).to.equal(0n);
    // the vault transfers amountIn (no approval); the adapter keeps nothing between calls, which
    // is what makes its standing router approval safe
    expect(await s.usdc.balanceOf(await s.swapAdapter.getAddress())).to.equal(0n);
    expect(await s.weth.balanceOf(await s.swapAdapter.getAddress())).to.equal(0n);
    expect(await s.usdc.allowance(await s.swapAdapter.getAddress(), s.routerAddr)).to.equal(
      2n ** 256n - 1n,
    );
  });

  it("moving the Uniswap pool price does not move NAV", async function () {
    const p = await s.plan([s.swap(s.usdcAddr, s.wethAddr, USDC(300_000n))], {
      expectedWeightsBps: [3_000n],
    });
    await s.vault.rebalance(p, await s.sign(s.keeper, p));
    const nav = await s.vault.totalAssets();
    await routerSwap(s, s.attacker, s.usdcAddr, s.wethAddr, USDC(5_000_000n));
    expect(await s.vault.totalAssets()).to.equal(nav);
  });

  it("a sandwiched swap fails the oracle slippage check", async function () {
    const p = await s.plan([s.swap(s.usdcAddr, s.wethAddr, USDC(200_000n))]);
    const sig = await s.sign(s.keeper, p);
    // front-run: push WETH up in the pool (the plan's minOut of 0 does not protect it)
    await routerSwap(s, s.attacker, s.usdcAddr, s.wethAddr, USDC(3_000_000n));
    await expect(s.vault.rebalance(p, sig)).to.be.revertedWithCustomError(
      s.riskChecks,
      "SlippageExceeded",
    );
    // the same plan passes once the pool is back near the oracle price
    await routerSwap(s, s.attacker, s.wethAddr, s.usdcAddr, 10n ** 21n);
    expect(await s.vault.nextNonce()).to.equal(0n);
  });

  it("rejects replays: same nonce, other chain id, other vault", async function () {
    const p = await s.plan([s.swap(s.usdcAddr, s.wethAddr, USDC(10_000n))]);
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
    const latest = await ethers.provider.getBlock("latest");
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
      const wethBefore = await s.weth.balanceOf(s.vaultAddr);
      const amountIn = USDC(400_000n);
      // USDC -> WETH then all of it back: pays the pool fee twice plus price impact
      const quote = await dyn(s.stack.quoterV2).quoteExactInput.staticCall(
        s.path(s.usdcAddr, s.wethAddr),
        amountIn,
      );
      const p = await s.plan([
        s.swap(s.usdcAddr, s.wethAddr, amountIn),
        s.swap(s.wethAddr, s.usdcAddr, wethBefore + quote[0]),
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
