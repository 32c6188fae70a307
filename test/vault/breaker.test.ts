import { expect } from "chai";
import { network } from "hardhat";
import type { Signer } from "ethers";
import { dyn, USDC, wethVault } from "../helpers/vault.ts";

/**
 * Circuit breaker on the local Uniswap V3 stack: in defensive mode a plan that raises gross
 * exposure reverts ExposureNotReduced, a de-risking plan passes, and only the admin lifts the
 * mode (docs/plan-format.md §6 step 9, §9). The Solidity tests (CircuitBreaker.t.sol) cover the
 * upkeep itself; this file needs real swaps.
 */

const connection = await network.create();
const { networkHelpers } = connection;

function setup() {
  return wethVault(connection);
}

/** Buys WETH with 300k USDC, observes, halves the feed, trips the breaker, restores the feed. */
async function tripAfterBuying(s: Awaited<ReturnType<typeof setup>>, who: Signer) {
  const [p, sig] = await s.signed([s.swap(s.usdcAddr, s.wethAddr, USDC(300_000n))]);
  await s.vault.rebalance(p, sig); // also the first observation: the reference
  const price: bigint = await dyn(s.stack.wethUsd).latestAnswer();
  await dyn(s.stack.wethUsd).updateAnswer(price / 2n); // 30 % of the NAV in WETH: NAV -15 %
  const [needed] = await s.vault.checkUpkeep("0x");
  expect(needed).to.equal(true);
  await expect(s.vault.connect(who).performUpkeep("0x")).to.emit(s.vault, "DefensiveModeEntered");
  // the feed comes back to the pool's price; the vault stays defensive until the admin lifts it
  await dyn(s.stack.wethUsd).updateAnswer(price);
  expect(await s.vault.defensive()).to.equal(true);
}

describe("BallastVault circuit breaker on the local Uniswap V3 stack", function () {
  let s: Awaited<ReturnType<typeof setup>>;

  beforeEach(async function () {
    s = await networkHelpers.loadFixture(setup);
  });

  it("defensive mode: a plan raising gross exposure reverts ExposureNotReduced with its values", async function () {
    await tripAfterBuying(s, s.attacker);
    const [p, sig] = await s.signed([s.swap(s.usdcAddr, s.wethAddr, USDC(50_000n))]);
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
    await tripAfterBuying(s, s.attacker);
    const wethBal: bigint = await s.weth.balanceOf(s.vaultAddr);
    const [p, sig] = await s.signed([s.swap(s.wethAddr, s.usdcAddr, wethBal / 2n)]);
    await expect(s.vault.rebalance(p, sig)).to.emit(s.vault, "Rebalanced");
    expect(await s.weth.balanceOf(s.vaultAddr)).to.equal(wethBal - wethBal / 2n);
    expect(await s.vault.defensive()).to.equal(true);
  });

  it("only the admin lifts defensive mode; then buying is allowed again", async function () {
    await tripAfterBuying(s, s.attacker);
    await expect(s.vault.connect(s.guardian).exitDefensiveMode()).to.be.revertedWithCustomError(
      s.vault,
      "AccessControlUnauthorizedAccount",
    );
    await expect(s.vault.connect(s.admin).exitDefensiveMode()).to.emit(
      s.vault,
      "DefensiveModeExited",
    );
    expect(await s.vault.maxDeposit(s.attacker)).to.be.greaterThan(0n);
    const [p, sig] = await s.signed([s.swap(s.usdcAddr, s.wethAddr, USDC(50_000n))]);
    await expect(s.vault.rebalance(p, sig)).to.emit(s.vault, "Rebalanced");
  });
});
