import { expect } from "chai";
import { network } from "hardhat";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import { LENDING_OP } from "../../keeper/src/planner/eip712.ts";
import type { Plan } from "../../keeper/src/planner/types.ts";
import { dyn, hedgeActions, lendingVault, USDC, WETH } from "../helpers/vault.ts";

/**
 * The Aave V3 lending adapter (kind 2) on the real local stack (Aave core-v3 1.19.3, Uniswap V3
 * npm bytecode, Chainlink mock feeds): delta hedges, NAV with collateral and debt (§5), the
 * health-factor / leverage / net-delta checks of §6 step 8 with their values, unwinding and the
 * in-kind exit while a position is open.
 */

const WAD = 10n ** 18n;
const MAX_UINT = 2n ** 256n - 1n;
const MIN_HF = 1_200_000_000_000_000_000n;
const BAND = { min: -2_000, max: 6_000 };

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** floor(a / b) and ceil(a / b) for non-negative bigints. */
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

async function setup() {
  const s = await lendingVault(connection, {
    limits: { minHealthFactor: MIN_HF, circuitBreakerDropBps: 2_000 },
    netDeltaBand: BAND,
  });
  const configLib = await ethers.getContractAt("ConfigLib", s.vaultAddr);
  return { ...s, configLib };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** value_i / debtValue_i of §4 for WETH at a WETH answer `pW` and USDC answer `pB`. */
function conv(pW: bigint, pB: bigint) {
  const num = pW * 10n ** (6n + 8n);
  const den = pB * 10n ** (18n + 8n);
  return {
    value: (amount: bigint) => (amount * num) / den,
    debtValue: (amount: bigint) => ceilDiv(amount * num, den),
  };
}

/** Every NAV input read at one block, so that interest cannot move between reads. */
async function snapshotState(s: Setup, blockTag?: number) {
  const tag = blockTag ?? (await ethers.provider.getBlockNumber());
  const o = { blockTag: tag };
  const pW = (await dyn(s.stack.wethUsd).latestRoundData(o))[1] as bigint;
  const pB = (await dyn(s.stack.usdcUsd).latestRoundData(o))[1] as bigint;
  const [, , , , , hf] = await dyn(s.stack.pool).getUserAccountData(s.aaveAddr, o);
  return {
    blockTag: tag,
    pW,
    pB,
    idle: ((await s.usdc.balanceOf(s.vaultAddr, o)) as bigint) - (await s.vault.reservedAssets(o)),
    coll: (await s.aave.collateralOf(s.usdcAddr, o)) as bigint,
    aUsdc: (await dyn(s.stack.aUSDC).balanceOf(s.aaveAddr, o)) as bigint,
    bal: (await s.weth.balanceOf(s.vaultAddr, o)) as bigint,
    debt: (await s.aave.debtOf(s.wethAddr, o)) as bigint,
    vDebt: (await dyn(s.stack.variableDebtWETH).balanceOf(s.aaveAddr, o)) as bigint,
    nav: (await s.vault.totalAssets(o)) as bigint,
    hf: hf as bigint,
  };
}

/** Post-trade figures of §6 step 8 for the single asset, from a state snapshot. */
function figures(st: Awaited<ReturnType<typeof snapshotState>>) {
  const c = conv(st.pW, st.pB);
  const v = c.value(st.bal);
  const b = c.debtValue(st.debt);
  const gross = v + b;
  const diff = v >= b ? v - b : b - v;
  const nd = ((diff * 10_000n) / st.nav) * (v >= b ? 1n : -1n);
  return { v, b, gross, lev: (gross * 10_000n) / st.nav, nd };
}

/**
 * Runs `p` at timestamp `ts` on a snapshot after `loosen()` (which lets it pass), reads the
 * post-trade state, and rolls everything back: the figures the vault computes when the same plan
 * runs at the same timestamp without the loosening.
 */
async function dryRun(s: Setup, p: Plan, ts: number, loosen: () => Promise<unknown>) {
  const snap = await networkHelpers.takeSnapshot();
  await loosen();
  await networkHelpers.time.setNextBlockTimestamp(ts);
  await s.vault.rebalance(p, await s.sign(s.keeper, p));
  const st = await snapshotState(s);
  await snap.restore();
  return st;
}

async function loosenLimits(s: Setup, patch: Partial<Setup["limits"]>) {
  await s.vault.connect(s.curator).submitLimits({ ...s.limits, ...patch });
  await s.vault.acceptLimits();
}

describe("AaveV3Adapter through BallastVault on the local Aave V3 stack", function () {
  let s: Setup;

  beforeEach(async function () {
    s = await networkHelpers.loadFixture(setup);
  });

  it("is wired to its vault, the pool and the base, and only the vault may execute", async function () {
    expect(await s.aave.VAULT()).to.equal(s.vaultAddr);
    expect(await s.aave.pool()).to.equal(await s.stack.pool.getAddress());
    expect(await s.aave.BASE()).to.equal(s.usdcAddr);
    expect(await s.aave.A_BASE()).to.equal(await s.stack.aUSDC.getAddress());
    // never borrowed: no cached debt token, debt 0 without asking the pool
    expect(await s.aave.debtTokenOf(s.wethAddr)).to.equal(ethers.ZeroAddress);
    expect(await s.aave.debtOf(s.wethAddr)).to.equal(0n);
    expect(await s.vault.lendingAdapter()).to.equal(s.aaveAddr);
    expect((await s.vault.adapter(2)).kind).to.equal(2n);
    await expect(s.aave.connect(s.attacker).execute(s.lend(LENDING_OP.SUPPLY, s.usdcAddr, 1n).data))
      .to.be.revertedWithCustomError(s.aave, "OnlyVault")
      .withArgs(s.attacker.address);
  });

  it("a supply + borrow + sell delta hedge passes every check; NAV = idle + collateral + holdings − debt", async function () {
    const lens = await ethers.deployContract("BallastLens");
    const p = await s.plan(hedgeActions(s), {
      expectedWeightsBps: [3_000n],
      weightToleranceBps: 100n,
    });
    const tx = await s.vault.connect(s.attacker).rebalance(p, await s.sign(s.keeper, p));
    const receipt = await tx.wait();
    await expect(tx).to.emit(s.vault, "Rebalanced");
    await expect(tx).to.emit(s.aave, "Supplied").withArgs(s.usdcAddr, USDC(400_000n));
    await expect(tx).to.emit(s.aave, "Borrowed").withArgs(s.wethAddr, WETH(50n));
    // the first borrow caches the reserve's variable-debt token
    expect(await s.aave.debtTokenOf(s.wethAddr)).to.equal(
      await s.stack.variableDebtWETH.getAddress(),
    );

    const st = await snapshotState(s, receipt!.blockNumber);
    // The position is held by the adapter, read through the pool's reserve data.
    expect(st.coll).to.equal(USDC(400_000n));
    expect(st.coll).to.equal(st.aUsdc);
    expect(st.debt).to.equal(WETH(50n)); // borrowed in this block: no interest yet
    expect(st.debt).to.equal(st.vDebt);
    const c = conv(st.pW, st.pB);
    expect(st.nav).to.equal(st.idle + st.coll + c.value(st.bal) - c.debtValue(st.debt));
    // The hedge: ~30 % long WETH, half of it offset by the 50 WETH short.
    const f = figures(st);
    expect(f.nd).to.be.greaterThan(1_400n);
    expect(f.nd).to.be.lessThan(1_600n);
    expect(f.lev).to.be.lessThanOrEqual(BigInt(s.limits.maxLeverageBps));
    expect(st.hf).to.be.greaterThanOrEqual(MIN_HF);
    // No vault approvals (the vault transfers exact amounts), nothing left behind in the adapter
    // (which is what makes its standing approval of the pool safe).
    for (const token of [s.usdc, s.weth]) {
      expect(await token.allowance(s.vaultAddr, s.aaveAddr)).to.equal(0n);
      expect(await token.balanceOf(s.aaveAddr)).to.equal(0n);
    }
    // BallastLens reports the same debt and net delta.
    const [asset] = await lens.assetStates(s.vaultAddr, { blockTag: receipt!.blockNumber });
    expect(asset.debt).to.equal(st.debt);
    expect(asset.debtValue).to.equal(f.b);
    expect(asset.netDeltaBps).to.equal(f.nd);
  });

  it("reverts HealthFactorTooLow when the borrow leaves Aave's health factor under the minimum", async function () {
    // 200k collateral (LT 80 %) against 150k of WETH debt: Aave allows it (LTV 75 % < 77 %), HF ≈ 1.067.
    const p = await s.plan([
      s.lend(LENDING_OP.SUPPLY, s.usdcAddr, USDC(200_000n)),
      s.lend(LENDING_OP.BORROW, s.wethAddr, WETH(50n)),
      s.swap(s.wethAddr, s.usdcAddr, WETH(50n)),
    ]);
    const ts = (await networkHelpers.time.latest()) + 100;
    const st = await dryRun(s, p, ts, () => loosenLimits(s, { minHealthFactor: WAD }));
    // Aave's own formula: (collateral in base × LT).wadDiv(debt in base), half-up rounding.
    const lt = BigInt(LOCAL_STACK.aave.reserves.usdc.liquidationThreshold);
    const collBase = (USDC(200_000n) * 10n ** 8n) / 10n ** 6n;
    const debtBase = (WETH(50n) * st.pW) / 10n ** 18n;
    const adjusted = (collBase * lt + 5_000n) / 10_000n;
    expect(st.hf).to.equal((adjusted * WAD + debtBase / 2n) / debtBase);
    expect(st.hf).to.be.lessThan(MIN_HF);

    await networkHelpers.time.setNextBlockTimestamp(ts);
    await expect(s.vault.rebalance(p, await s.sign(s.keeper, p)))
      .to.be.revertedWithCustomError(s.riskChecks, "HealthFactorTooLow")
      .withArgs(st.hf, MIN_HF);
  });

  it("reverts LeverageExceeded when gross exposure / NAV exceeds the maximum", async function () {
    const p = await s.plan(hedgeActions(s));
    const ts = (await networkHelpers.time.latest()) + 100;
    const st = await dryRun(s, p, ts, async () => undefined);
    const f = figures(st);
    expect(f.lev).to.be.greaterThan(4_000n);
    // the guardian tightens instantly
    await s.vault.connect(s.guardian).submitLimits({ ...s.limits, maxLeverageBps: 4_000 });
    await networkHelpers.time.setNextBlockTimestamp(ts);
    await expect(s.vault.rebalance(p, await s.sign(s.keeper, p)))
      .to.be.revertedWithCustomError(s.riskChecks, "LeverageExceeded")
      .withArgs(f.lev, 4_000n);
  });

  it("reverts NetDeltaOutOfBand when a hedge overshoots the asset's band", async function () {
    // short 100 WETH (≈ 30 % of NAV) against a band of [−20 %, +60 %]
    const p = await s.plan([
      s.lend(LENDING_OP.SUPPLY, s.usdcAddr, USDC(500_000n)),
      s.lend(LENDING_OP.BORROW, s.wethAddr, WETH(100n)),
      s.swap(s.wethAddr, s.usdcAddr, WETH(100n)),
    ]);
    const ts = (await networkHelpers.time.latest()) + 100;
    const st = await dryRun(s, p, ts, async () => {
      await s.vault.connect(s.curator).submitAsset(0, { ...s.wethConfig, minNetDeltaBps: -5_000 });
      await s.vault.acceptAsset(0);
    });
    const f = figures(st);
    expect(f.v).to.equal(0n);
    expect(f.nd).to.be.lessThan(BigInt(BAND.min));
    await networkHelpers.time.setNextBlockTimestamp(ts);
    await expect(s.vault.rebalance(p, await s.sign(s.keeper, p)))
      .to.be.revertedWithCustomError(s.riskChecks, "NetDeltaOutOfBand")
      .withArgs(0n, f.nd, BigInt(BAND.min), BigInt(BAND.max));
  });

  it("rejects lending actions the vault does not allow and zero amounts", async function () {
    const rebalanceLib = await ethers.getContractAt("RebalanceLib", s.vaultAddr);
    const borrowBase = await s.plan([s.lend(LENDING_OP.BORROW, s.usdcAddr, USDC(1n))]);
    await expect(s.vault.rebalance(borrowBase, await s.sign(s.keeper, borrowBase)))
      .to.be.revertedWithCustomError(rebalanceLib, "InvalidAction")
      .withArgs(0n, s.usdcAddr);
    const supplyWeth = await s.plan([s.lend(LENDING_OP.SUPPLY, s.wethAddr, 1n)]);
    await expect(s.vault.rebalance(supplyWeth, await s.sign(s.keeper, supplyWeth)))
      .to.be.revertedWithCustomError(rebalanceLib, "InvalidAction")
      .withArgs(0n, s.wethAddr);
    const zero = await s.plan([s.lend(LENDING_OP.SUPPLY, s.usdcAddr, 0n)]);
    await expect(s.vault.rebalance(zero, await s.sign(s.keeper, zero)))
      .to.be.revertedWithCustomError(s.aave, "ZeroAmount")
      .withArgs(LENDING_OP.SUPPLY);
  });

  it("repay + withdraw unwinds the position; the unused repay amount comes back", async function () {
    const hedge = await s.plan(hedgeActions(s));
    await s.vault.rebalance(hedge, await s.sign(s.keeper, hedge));
    const before = await snapshotState(s);
    const margin = WETH(1n) / 1_000n;
    const unwind = await s.plan([
      s.lend(LENDING_OP.REPAY, s.wethAddr, before.debt + margin),
      s.lend(LENDING_OP.WITHDRAW, s.usdcAddr, MAX_UINT),
    ]);
    const tx = await s.vault.rebalance(unwind, await s.sign(s.keeper, unwind));
    const receipt = await tx.wait();
    const after = await snapshotState(s, receipt!.blockNumber);

    const repaidLog = receipt!.logs
      .map((l) => {
        try {
          return s.aave.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((l) => l?.name === "Repaid");
    const repaid = repaidLog!.args[1] as bigint;
    const returned = repaidLog!.args[2] as bigint;
    // the debt grew by a little interest since the hedge; the rest of the margin came back
    expect(repaid).to.be.greaterThanOrEqual(before.debt);
    expect(repaid + returned).to.equal(before.debt + margin);
    expect(before.bal - after.bal).to.equal(repaid);
    await expect(tx).to.emit(s.aave, "Withdrawn").withArgs(s.usdcAddr, before.coll);
    expect(after.idle - before.idle).to.equal(before.coll); // no USDC borrowers: no interest
    expect(after.coll).to.equal(0n);
    expect(after.debt).to.equal(0n);
    expect(after.hf).to.equal(MAX_UINT);
    const c = conv(after.pW, after.pB);
    expect(after.nav).to.equal(after.idle + c.value(after.bal));
    for (const token of [s.usdc, s.weth]) {
      expect(await token.allowance(s.vaultAddr, s.aaveAddr)).to.equal(0n);
      expect(await token.balanceOf(s.aaveAddr)).to.equal(0n);
    }
  });

  it("a WETH price rise lowers NAV by debt × Δprice (short hedge, no WETH held)", async function () {
    const p = await s.plan([
      s.lend(LENDING_OP.SUPPLY, s.usdcAddr, USDC(400_000n)),
      s.lend(LENDING_OP.BORROW, s.wethAddr, WETH(50n)),
      s.swap(s.wethAddr, s.usdcAddr, WETH(50n)),
    ]);
    await s.vault.rebalance(p, await s.sign(s.keeper, p));
    expect(await s.weth.balanceOf(s.vaultAddr)).to.equal(0n);

    // Same timestamp with and without the price move, so that interest is identical.
    const ts = (await networkHelpers.time.latest()) + 600;
    const snap = await networkHelpers.takeSnapshot();
    await networkHelpers.time.setNextBlockTimestamp(ts);
    await networkHelpers.mine();
    const flat = await snapshotState(s);
    await snap.restore();
    const p0 = flat.pW;
    const p1 = (p0 * 110n) / 100n;
    await networkHelpers.time.setNextBlockTimestamp(ts);
    await dyn(s.stack.wethUsd).updateAnswer(p1);
    const up = await snapshotState(s);

    expect(up.debt).to.equal(flat.debt);
    expect(up.coll).to.equal(flat.coll);
    expect(up.pW).to.equal(p1);
    const drop = flat.nav - up.nav;
    expect(drop).to.equal(
      conv(p1, up.pB).debtValue(up.debt) - conv(p0, flat.pB).debtValue(flat.debt),
    );
    // = debt × Δprice in base units, up to the ceil rounding of the two debt values
    const exact = (up.debt * (p1 - p0) * 10n ** 6n) / (10n ** 18n * up.pB);
    expect(drop - exact).to.be.lessThanOrEqual(1n);
    expect(drop - exact).to.be.greaterThanOrEqual(0n);
  });

  it("the in-kind exit refuses while the position is open and pays pro rata after unwinding", async function () {
    const hedge = await s.plan(hedgeActions(s));
    await s.vault.rebalance(hedge, await s.sign(s.keeper, hedge));
    await s.vault.connect(s.guardian).shutDown();
    const shares = (await s.vault.balanceOf(s.alice.address)) as bigint;

    const ts = (await networkHelpers.time.latest()) + 100;
    const snap = await networkHelpers.takeSnapshot();
    await networkHelpers.time.setNextBlockTimestamp(ts);
    await networkHelpers.mine();
    const open = await snapshotState(s);
    await snap.restore();
    await networkHelpers.time.setNextBlockTimestamp(ts);
    await expect(s.vault.connect(s.alice).exitInKind(shares, s.alice.address, s.alice.address))
      .to.be.revertedWithCustomError(s.configLib, "LendingPositionOpen")
      .withArgs(open.coll, open.debt);

    // a de-risking plan is still accepted in shutdown: repay everything, withdraw everything
    const debt = (await s.aave.debtOf(s.wethAddr)) as bigint;
    const unwind = await s.plan([
      s.lend(LENDING_OP.REPAY, s.wethAddr, debt + WETH(1n) / 100n),
      s.lend(LENDING_OP.WITHDRAW, s.usdcAddr, MAX_UINT),
    ]);
    await s.vault.rebalance(unwind, await s.sign(s.keeper, unwind));
    expect(await s.aave.collateralOf(s.usdcAddr)).to.equal(0n);
    expect(await s.aave.debtOf(s.wethAddr)).to.equal(0n);

    const supply = (await s.vault.totalSupply()) as bigint;
    const idle = (await s.usdc.balanceOf(s.vaultAddr)) as bigint;
    const bal = (await s.weth.balanceOf(s.vaultAddr)) as bigint;
    const usdc0 = (await s.usdc.balanceOf(s.alice.address)) as bigint;
    const weth0 = (await s.weth.balanceOf(s.alice.address)) as bigint;
    await expect(
      s.vault.connect(s.alice).exitInKind(shares, s.alice.address, s.alice.address),
    ).to.emit(s.vault, "ExitedInKind");
    expect((await s.usdc.balanceOf(s.alice.address)) - usdc0).to.equal((idle * shares) / supply);
    expect((await s.weth.balanceOf(s.alice.address)) - weth0).to.equal((bal * shares) / supply);
    expect(await s.vault.balanceOf(s.alice.address)).to.equal(0n);
  });

  it("a debt-free supply and a donated aToken do not block the in-kind exit, even with a feed down: the exit withdraws the holder's share of the collateral", async function () {
    const supplyPlan = await s.plan([s.lend(LENDING_OP.SUPPLY, s.usdcAddr, USDC(400_000n))]);
    await s.vault.rebalance(supplyPlan, await s.sign(s.keeper, supplyPlan));
    // a second holder, so that alice's exit withdraws only her share of the collateral
    await s.usdc.mint(s.trader.address, USDC(250_000n));
    await dyn(s.usdc.connect(s.trader)).approve(s.vaultAddr, USDC(250_000n));
    await s.vault.connect(s.trader).deposit(USDC(250_000n), s.trader.address);
    await s.vault.connect(s.guardian).shutDown();
    // a griefer supplies on its own account and donates 1 unit of aUSDC to the adapter
    const pool = dyn(s.stack.pool);
    await s.usdc.mint(s.attacker.address, USDC(10n));
    await dyn(s.usdc.connect(s.attacker)).approve(s.poolAddr, USDC(10n));
    await dyn(pool.connect(s.attacker)).supply(s.usdcAddr, USDC(10n), s.attacker.address, 0);
    await dyn(dyn(s.stack.aUSDC).connect(s.attacker)).transfer(s.aaveAddr, 1n);
    // the WETH feed fails: no plan could unwind anything now
    await dyn(s.stack.wethUsd).updateAnswer(0n);
    const priceLib = await ethers.getContractAt("PriceLib", s.vaultAddr);
    await expect(s.vault.totalAssets()).to.be.revertedWithCustomError(
      priceLib,
      "OracleAnswerNotPositive",
    );

    const shares = (await s.vault.balanceOf(s.alice.address)) as bigint;
    const supply = (await s.vault.totalSupply()) as bigint;
    const idle =
      ((await s.usdc.balanceOf(s.vaultAddr)) as bigint) - (await s.vault.reservedAssets());
    const usdc0 = (await s.usdc.balanceOf(s.alice.address)) as bigint;
    expect(shares < supply).to.equal(true); // others stay: alice withdraws only her share
    const tx = await s.vault.connect(s.alice).exitInKind(shares, s.alice.address, s.alice.address);
    const receipt = await tx.wait();
    const withdrawn = receipt!.logs
      .map((l) => s.aave.interface.parseLog(l))
      .find((e) => e?.name === "Withdrawn")!.args[1] as bigint;
    // her share of the collateral at that block (the supply, its interest and the donation):
    // Aave burns the withdrawn amount rounded up, so the collateral then was left + withdrawn (+1)
    const left = (await s.aave.collateralOf(s.usdcAddr)) as bigint;
    expect(left > 0n).to.equal(true);
    expect([
      ((left + withdrawn) * shares) / supply,
      ((left + withdrawn + 1n) * shares) / supply,
    ]).to.include(withdrawn);
    expect(withdrawn).to.be.greaterThanOrEqual((USDC(400_000n) * shares) / supply);
    expect((await s.usdc.balanceOf(s.alice.address)) - usdc0).to.equal(
      (idle * shares) / supply + withdrawn,
    );
    expect(await s.vault.balanceOf(s.alice.address)).to.equal(0n);
  });
});
