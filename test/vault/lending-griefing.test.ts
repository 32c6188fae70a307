import { expect } from "chai";
import { id } from "ethers";
import { network } from "hardhat";
import { LENDING_OP } from "../../keeper/src/planner/eip712.ts";
import { dyn, hedgeActions, lendingVault, USDC, WETH } from "../helpers/vault.ts";

/**
 * Security-review finding under test: "Aave isolation mode can be forced on the adapter by a
 * supply-on-behalf of an isolation asset (disables hedging; the adapter has no
 * setUserUseReserveAsCollateral)". The claim is that a griefer supplies an isolated asset (debt
 * ceiling ≠ 0) with `onBehalfOf = adapter`, or transfers its aToken to the adapter, so that it
 * becomes the adapter's only collateral: the account is then in isolation mode, later USDC supplies
 * are not enabled as collateral and only borrowable-in-isolation assets (not WETH) can be borrowed.
 *
 * What this file proves, on the real local stack (Aave `@aave/core-v3` 1.19.3 npm bytecode, the
 * version in node_modules): the attack does NOT work. In 1.19.3 every path that enables a
 * collateral as a side effect (supply's first supply, aToken `finalizeTransfer` when the receiver's
 * balance was 0, liquidation with aTokens, mintUnbacked) goes through
 * `ValidationLogic.validateAutomaticUseAsCollateral`, which returns false for an asset with a debt
 * ceiling unless `msg.sender` holds the ACL role `ISOLATED_COLLATERAL_SUPPLIER_ROLE`
 * (keccak256("ISOLATED_COLLATERAL_SUPPLIER")):
 *
 * - `Pool.supply(onBehalfOf)`: msg.sender is the supplier, an unprivileged attacker;
 * - aToken transfer: the Pool's `finalizeTransfer` is called BY THE ATOKEN, so msg.sender is the
 *   aToken contract, which holds no role, whoever the transferring holder is.
 *
 * The adapter then holds the isolated aToken as a plain (non-collateral) balance, and the only way
 * to enable it would be `setUserUseReserveAsCollateral` from the adapter itself, which the adapter
 * never calls. The tests read `pool.getUserConfiguration(adapter)` (bit 2·id = borrowing, bit
 * 2·id + 1 = collateral; id from `getReserveData(asset).id`) and then open the usual delta hedge
 * (supply USDC + borrow WETH through a keeper-signed plan, `hedgeActions`): WETH is not borrowable in
 * isolation here, so that borrow could not succeed in isolation mode (Aave error 60).
 *
 * Setup: WBTC (LTV 73 %, a reserve the hedge never borrows and the vault does not hold) becomes an
 * isolated collateral. `PoolConfigurator.setDebtCeiling` requires a reserve with no suppliers when
 * the ceiling goes from 0 to non-zero (`_checkNoSuppliers`, Aave error 18), so the seeder account
 * (#9) first withdraws its WBTC seed; then the deployer (#0, the stack's pool and risk admin)
 * sets a $1,000,000 ceiling.
 *
 * Controls, so that a pass means the role check protects the adapter and not a test mistake:
 * - a supplier granted `ISOLATED_COLLATERAL_SUPPLIER_ROLE` (by the deployer, the ACL admin) DOES
 *   enable WBTC as collateral on a fresh adapter-like account (a second, unregistered
 *   AaveV3Adapter) and on the real adapter, whose hedge then fails exactly as the finding says
 *   (USDC supplied but not collateral, the WETH borrow reverts with error 60);
 * - an aToken transfer enables it once the role is granted to the aToken contract (the caller of
 *   `finalizeTransfer`), not when it is granted to the transferring holder.
 * So the residual risk is governance-only: the pool's ACL admin granting that role to a hostile
 * account (on Aave's own markets the role is held by, e.g., the portal/bridge contracts).
 */

const MIN_HF = 1_200_000_000_000_000_000n;
const BAND = { min: -2_000, max: 6_000 };
const ISOLATED_COLLATERAL_SUPPLIER_ROLE = id("ISOLATED_COLLATERAL_SUPPLIER");
/** Debt ceiling set on WBTC, in Aave's units (USD with 2 decimals): $1,000,000. */
const DEBT_CEILING = 1_000_000_00n;
const WBTC = (n: bigint): bigint => n * 10n ** 8n;

const connection = await network.create();
const { ethers, networkHelpers } = connection;

async function setup() {
  const s = await lendingVault(connection, {
    limits: { minHealthFactor: MIN_HF, circuitBreakerDropBps: 2_000 },
    netDeltaBand: BAND,
  });
  const signers = await ethers.getSigners();
  const deployer = signers[0];
  const privileged = signers[7];
  const seeder = signers[9];
  const pool = dyn(s.stack.pool);
  const wbtc = dyn(s.stack.wbtc);
  const wbtcAddr = await wbtc.getAddress();
  const aWBTC = dyn(s.stack.aWBTC);
  const aWbtcAddr = await aWBTC.getAddress();
  const acl = dyn(s.stack.aclManager);

  // The seeder's WBTC seed must go before the reserve can get a debt ceiling.
  await dyn(pool.connect(seeder)).withdraw(wbtcAddr, ethers.MaxUint256, seeder.address);
  expect(await aWBTC.totalSupply()).to.equal(0n);
  await dyn(dyn(s.stack.poolConfigurator).connect(deployer)).setDebtCeiling(wbtcAddr, DEBT_CEILING);

  const ids = {
    usdc: Number((await pool.getReserveData(s.usdcAddr)).id),
    weth: Number((await pool.getReserveData(s.wethAddr)).id),
    wbtc: Number((await pool.getReserveData(wbtcAddr)).id),
  };
  return { ...s, deployer, privileged, seeder, pool, wbtc, wbtcAddr, aWBTC, aWbtcAddr, acl, ids };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** The user's Aave configuration bitmap. */
async function userConfig(s: Setup, user: string): Promise<bigint> {
  return BigInt((await s.pool.getUserConfiguration(user)).data);
}
const usingAsCollateral = (cfg: bigint, reserveId: number): boolean =>
  ((cfg >> BigInt(2 * reserveId + 1)) & 1n) === 1n;
const borrowing = (cfg: bigint, reserveId: number): boolean =>
  ((cfg >> BigInt(2 * reserveId)) & 1n) === 1n;

/** A reserve's debt ceiling (configuration bits 212–251) and borrowable-in-isolation flag (bit 61). */
async function isolationParams(s: Setup, asset: string) {
  const cfg = BigInt((await s.pool.getConfiguration(asset)).data);
  return {
    debtCeiling: (cfg >> 212n) & ((1n << 40n) - 1n),
    borrowableInIsolation: ((cfg >> 61n) & 1n) === 1n,
  };
}

/**
 * Aave's `UserConfiguration.getIsolationModeState`: isolation mode is active when exactly one
 * reserve is enabled as collateral and that reserve has a debt ceiling.
 */
async function isolationModeActive(s: Setup, user: string): Promise<boolean> {
  const cfg = await userConfig(s, user);
  const reserves = (await s.pool.getReservesList()) as string[];
  const collaterals = reserves.filter((_, i) => usingAsCollateral(cfg, i));
  if (collaterals.length !== 1) return false;
  return (await isolationParams(s, collaterals[0])).debtCeiling !== 0n;
}

/** `from` supplies `amount` WBTC to the pool on behalf of `onBehalfOf`. */
async function supplyWbtc(
  s: Setup,
  from: Setup["attacker"],
  onBehalfOf: string,
  amount: bigint,
): Promise<void> {
  await s.wbtc.mint(from.address, amount);
  await dyn(s.wbtc.connect(from)).approve(s.poolAddr, amount);
  await dyn(s.pool.connect(from)).supply(s.wbtcAddr, amount, onBehalfOf, 0);
}

/** The adapter's griefing aftermath: WBTC held, not collateral, no isolation mode. */
async function expectWbtcNotCollateral(s: Setup, held: bigint): Promise<void> {
  expect(await s.aWBTC.balanceOf(s.aaveAddr)).to.equal(held);
  const cfg = await userConfig(s, s.aaveAddr);
  expect(usingAsCollateral(cfg, s.ids.wbtc)).to.equal(false);
  expect(await isolationModeActive(s, s.aaveAddr)).to.equal(false);
}

/** Opens the usual delta hedge and checks the account afterwards: USDC collateral, WETH debt. */
async function expectHedgeOpens(s: Setup): Promise<void> {
  const p = await s.plan(hedgeActions(s));
  const tx = await s.vault.rebalance(p, await s.sign(s.keeper, p));
  await expect(tx).to.emit(s.aave, "Supplied").withArgs(s.usdcAddr, USDC(400_000n));
  await expect(tx).to.emit(s.aave, "Borrowed").withArgs(s.wethAddr, WETH(50n));
  const cfg = await userConfig(s, s.aaveAddr);
  expect(usingAsCollateral(cfg, s.ids.usdc)).to.equal(true);
  expect(usingAsCollateral(cfg, s.ids.wbtc)).to.equal(false);
  expect(borrowing(cfg, s.ids.weth)).to.equal(true);
  expect(await isolationModeActive(s, s.aaveAddr)).to.equal(false);
  expect(await s.aave.debtOf(s.wethAddr)).to.equal(WETH(50n));
  // Aave values the collateral as the USDC alone (8-decimal USD, USDC at $1), not the aWBTC.
  const aUsdc = (await s.aave.collateralOf(s.usdcAddr)) as bigint;
  expect(aUsdc).to.be.greaterThanOrEqual(USDC(400_000n));
  const [totalCollateralBase] = await s.pool.getUserAccountData(s.aaveAddr);
  expect(totalCollateralBase).to.equal(aUsdc * 100n);
}

describe("AaveV3Adapter: isolation-mode griefing on the local Aave V3 (core-v3 1.19.3) stack", function () {
  let s: Setup;

  beforeEach(async function () {
    s = await networkHelpers.loadFixture(setup);
  });

  it("the setup: WBTC is an isolated collateral, WETH is not borrowable in isolation, nobody holds the role", async function () {
    const wbtc = await isolationParams(s, s.wbtcAddr);
    expect(wbtc.debtCeiling).to.equal(DEBT_CEILING);
    const [, ltv] = await dyn(s.stack.poolDataProvider).getReserveConfigurationData(s.wbtcAddr);
    expect(ltv).to.be.greaterThan(0n);
    expect((await isolationParams(s, s.wethAddr)).borrowableInIsolation).to.equal(false);
    expect((await isolationParams(s, s.usdcAddr)).debtCeiling).to.equal(0n);
    for (const account of [s.attacker.address, s.privileged.address, s.aWbtcAddr]) {
      expect(await s.acl.hasRole(ISOLATED_COLLATERAL_SUPPLIER_ROLE, account)).to.equal(false);
    }
    expect(await userConfig(s, s.aaveAddr)).to.equal(0n); // no Aave position yet
  });

  it("a supply-on-behalf of WBTC to the adapter BEFORE any vault position is not enabled as collateral; the hedge still opens", async function () {
    await supplyWbtc(s, s.attacker, s.aaveAddr, WBTC(1n));
    await expectWbtcNotCollateral(s, WBTC(1n));
    expect(await userConfig(s, s.aaveAddr)).to.equal(0n); // a balance, but no flag at all
    const [totalCollateralBase] = await s.pool.getUserAccountData(s.aaveAddr);
    expect(totalCollateralBase).to.equal(0n);
    // A second supply (no longer the first) changes nothing either.
    await supplyWbtc(s, s.attacker, s.aaveAddr, WBTC(1n));
    await expectWbtcNotCollateral(s, WBTC(2n));

    await expectHedgeOpens(s);
    await expectWbtcNotCollateral(s, WBTC(2n));
  });

  it("a supply-on-behalf of WBTC AFTER the vault supplied USDC is not enabled as collateral; the hedge still opens", async function () {
    const supplyPlan = await s.plan([s.lend(LENDING_OP.SUPPLY, s.usdcAddr, USDC(100_000n))]);
    await s.vault.rebalance(supplyPlan, await s.sign(s.keeper, supplyPlan));
    expect(usingAsCollateral(await userConfig(s, s.aaveAddr), s.ids.usdc)).to.equal(true);

    await supplyWbtc(s, s.attacker, s.aaveAddr, WBTC(1n));
    await expectWbtcNotCollateral(s, WBTC(1n));
    const cfg = await userConfig(s, s.aaveAddr);
    expect(usingAsCollateral(cfg, s.ids.usdc)).to.equal(true);

    await expectHedgeOpens(s);
    await expectWbtcNotCollateral(s, WBTC(1n));
  });

  it("an aWBTC transfer to the adapter (its balance was 0) is not enabled as collateral; the hedge still opens", async function () {
    // the attacker supplies on its own account (not collateral for it either: no role) and sends
    await supplyWbtc(s, s.attacker, s.attacker.address, WBTC(1n));
    expect(usingAsCollateral(await userConfig(s, s.attacker.address), s.ids.wbtc)).to.equal(false);
    await dyn(s.aWBTC.connect(s.attacker)).transfer(s.aaveAddr, WBTC(1n));
    await expectWbtcNotCollateral(s, WBTC(1n));
    expect(await userConfig(s, s.aaveAddr)).to.equal(0n);

    await expectHedgeOpens(s);
    await expectWbtcNotCollateral(s, WBTC(1n));
  });

  it("control: a holder of ISOLATED_COLLATERAL_SUPPLIER_ROLE does enable WBTC as isolated collateral on a fresh adapter-like account", async function () {
    const fresh = await ethers.deployContract("AaveV3Adapter", [s.vaultAddr, s.poolAddr]);
    const freshAddr = await fresh.getAddress();
    await expect(
      dyn(s.acl.connect(s.deployer)).grantRole(
        ISOLATED_COLLATERAL_SUPPLIER_ROLE,
        s.privileged.address,
      ),
    ).to.emit(s.acl, "RoleGranted");
    expect(await s.acl.hasRole(ISOLATED_COLLATERAL_SUPPLIER_ROLE, s.privileged.address)).to.equal(
      true,
    );

    // the unprivileged attacker first: no flag on the fresh account
    const other = await ethers.deployContract("AaveV3Adapter", [s.vaultAddr, s.poolAddr]);
    await supplyWbtc(s, s.attacker, await other.getAddress(), WBTC(1n));
    expect(usingAsCollateral(await userConfig(s, await other.getAddress()), s.ids.wbtc)).to.equal(
      false,
    );
    // the same call from the role holder: WBTC becomes the account's only, isolated, collateral
    await supplyWbtc(s, s.privileged, freshAddr, WBTC(1n));
    const cfg = await userConfig(s, freshAddr);
    expect(usingAsCollateral(cfg, s.ids.wbtc)).to.equal(true);
    expect(cfg).to.equal(1n << BigInt(2 * s.ids.wbtc + 1));
    expect(await isolationModeActive(s, freshAddr)).to.equal(true);
  });

  it("control: with the role granted, the same pre-position supply on the real adapter forces isolation mode and the hedge fails", async function () {
    await dyn(s.acl.connect(s.deployer)).grantRole(
      ISOLATED_COLLATERAL_SUPPLIER_ROLE,
      s.privileged.address,
    );
    await supplyWbtc(s, s.privileged, s.aaveAddr, WBTC(1n));
    expect(usingAsCollateral(await userConfig(s, s.aaveAddr), s.ids.wbtc)).to.equal(true);
    expect(await isolationModeActive(s, s.aaveAddr)).to.equal(true);

    // the hedge's WETH borrow is refused: ASSET_NOT_BORROWABLE_IN_ISOLATION ("60")
    const hedge = await s.plan(hedgeActions(s));
    await expect(s.vault.rebalance(hedge, await s.sign(s.keeper, hedge))).to.be.revertedWith("60");
    // and the vault's USDC supply lands as a non-collateral balance
    const supplyPlan = await s.plan([s.lend(LENDING_OP.SUPPLY, s.usdcAddr, USDC(100_000n))]);
    await s.vault.rebalance(supplyPlan, await s.sign(s.keeper, supplyPlan));
    expect(await s.aave.collateralOf(s.usdcAddr)).to.equal(USDC(100_000n));
    const cfg = await userConfig(s, s.aaveAddr);
    expect(usingAsCollateral(cfg, s.ids.usdc)).to.equal(false);
    expect(usingAsCollateral(cfg, s.ids.wbtc)).to.equal(true);
  });

  it("control: even the role holder cannot add WBTC once the adapter has USDC collateral", async function () {
    await dyn(s.acl.connect(s.deployer)).grantRole(
      ISOLATED_COLLATERAL_SUPPLIER_ROLE,
      s.privileged.address,
    );
    const supplyPlan = await s.plan([s.lend(LENDING_OP.SUPPLY, s.usdcAddr, USDC(100_000n))]);
    await s.vault.rebalance(supplyPlan, await s.sign(s.keeper, supplyPlan));
    // validateUseAsCollateral: an account with collateral may not add a debt-ceiling asset
    await supplyWbtc(s, s.privileged, s.aaveAddr, WBTC(1n));
    await expectWbtcNotCollateral(s, WBTC(1n));
    await expectHedgeOpens(s);
  });

  it("control: an aWBTC transfer enables collateral only when the aToken itself (finalizeTransfer's caller) holds the role", async function () {
    await supplyWbtc(s, s.attacker, s.attacker.address, WBTC(2n));
    // the role on the transferring holder is irrelevant: the pool checks msg.sender = the aToken
    await dyn(s.acl.connect(s.deployer)).grantRole(
      ISOLATED_COLLATERAL_SUPPLIER_ROLE,
      s.attacker.address,
    );
    await dyn(s.aWBTC.connect(s.attacker)).transfer(s.aaveAddr, WBTC(1n));
    await expectWbtcNotCollateral(s, WBTC(1n));

    // a fresh receiver (balance 0) once the aToken holds the role: enabled, isolation mode
    const fresh = await ethers.deployContract("AaveV3Adapter", [s.vaultAddr, s.poolAddr]);
    const freshAddr = await fresh.getAddress();
    await dyn(s.acl.connect(s.deployer)).grantRole(ISOLATED_COLLATERAL_SUPPLIER_ROLE, s.aWbtcAddr);
    await dyn(s.aWBTC.connect(s.attacker)).transfer(freshAddr, WBTC(1n));
    expect(usingAsCollateral(await userConfig(s, freshAddr), s.ids.wbtc)).to.equal(true);
    expect(await isolationModeActive(s, freshAddr)).to.equal(true);
  });
});
