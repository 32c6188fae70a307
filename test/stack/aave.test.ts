import { expect } from "chai";
import type { Contract, Signer } from "ethers";
import { network } from "hardhat";
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { AAVE_LOCAL } from "../../deploy/config/aave.ts";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import AaveV3Module from "../../deploy/modules/AaveV3.ts";
import OraclesModule from "../../deploy/modules/Oracles.ts";
import TokensModule from "../../deploy/modules/Tokens.ts";

const { aave, oracles } = LOCAL_STACK;
const MAX_UINT = 2n ** 256n - 1n;
const WAD = 10n ** 18n;
const PERCENTAGE_FACTOR = 10_000n;
const VARIABLE_RATE = 2;
/** Aave V3 error code: HEALTH_FACTOR_NOT_BELOW_THRESHOLD. */
const HEALTH_FACTOR_NOT_BELOW_THRESHOLD = "45";

/** Aave plus handles on the tokens and feeds it uses (same futures, deployed once). */
const AaveTestStack = buildModule("AaveTestStack", (m) => ({
  ...m.useModule(AaveV3Module),
  ...m.useModule(TokensModule),
  ...m.useModule(OraclesModule),
}));

const connection = await network.create();
const { ethers, ignition, networkHelpers } = connection;

/** Deploys the module once; `loadFixture` reverts to this snapshot for every test. */
async function deployAave() {
  return ignition.deploy(AaveTestStack);
}

/** `contract` with `signer` as runner, keeping the dynamic `Contract` type. */
function as(contract: Contract, signer: Signer): Contract {
  return contract.connect(signer) as Contract;
}

/** Aave's `percentMul` (half-up rounding). */
function percentMul(value: bigint, percentage: bigint): bigint {
  return (value * percentage + PERCENTAGE_FACTOR / 2n) / PERCENTAGE_FACTOR;
}

/** Aave's `wadDiv` (half-up rounding). */
function wadDiv(a: bigint, b: bigint): bigint {
  return (a * WAD + b / 2n) / b;
}

/** |a - b| <= tolerance. */
function expectClose(actual: bigint, expected: bigint, tolerance: bigint, what: string): void {
  const diff = actual > expected ? actual - expected : expected - actual;
  expect(diff <= tolerance, `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`).to.equal(
    true,
  );
}

type Stack = Awaited<ReturnType<typeof deployAave>>;

/** Mints `amount` USDC to `user` and supplies it to Aave as collateral. */
async function supplyUsdc(d: Stack, user: Signer, amount: bigint): Promise<void> {
  const who = await user.getAddress();
  await d.usdc.mint(who, amount);
  await as(d.usdc, user).approve(await d.pool.getAddress(), amount);
  await as(d.pool, user).supply(await d.usdc.getAddress(), amount, who, 0);
}

/** Wraps `amount` ETH into WETH for `user` and approves the pool for it. */
async function wrapAndApproveWeth(d: Stack, user: Signer, amount: bigint): Promise<void> {
  await as(d.weth, user).deposit({ value: amount });
  await as(d.weth, user).approve(await d.pool.getAddress(), amount);
}

/**
 * The health factor recomputed off-chain from the user's aToken / debt-token balances, the oracle
 * prices and the configured liquidation threshold, with Aave's rounding:
 * HF = (Σ collateral × price / unit) × LT / (Σ debt × price / unit).
 */
async function expectedHealthFactor(d: Stack, who: string): Promise<bigint> {
  const usdcPrice: bigint = await d.aaveOracle.getAssetPrice(await d.usdc.getAddress());
  const wethPrice: bigint = await d.aaveOracle.getAssetPrice(await d.weth.getAddress());
  const collateralBase =
    ((await d.aUSDC.balanceOf(who)) * usdcPrice) / 10n ** BigInt(LOCAL_STACK.tokens.usdc.decimals);
  const debtBase =
    ((await d.variableDebtWETH.balanceOf(who)) * wethPrice) /
    10n ** BigInt(LOCAL_STACK.tokens.weth.decimals);
  return wadDiv(
    percentMul(collateralBase, BigInt(aave.reserves.usdc.liquidationThreshold)),
    debtBase,
  );
}

describe("AaveV3 module (Aave core-v3 1.19.3 on the local stack)", function () {
  it("deploys the Pool behind its proxy with the ACL roles, oracle and data provider wired", async function () {
    const d = await networkHelpers.loadFixture(deployAave);
    const [deployer] = await ethers.getSigners();
    const poolAddress = await d.pool.getAddress();

    expect(await d.poolAddressesProvider.getPool()).to.equal(poolAddress);
    expect(poolAddress).to.not.equal(await d.poolImpl.getAddress());
    expect(await d.poolAddressesProvider.getPoolConfigurator()).to.equal(
      await d.poolConfigurator.getAddress(),
    );
    expect(await d.poolAddressesProvider.getPriceOracle()).to.equal(
      await d.aaveOracle.getAddress(),
    );
    expect(await d.poolAddressesProvider.getPoolDataProvider()).to.equal(
      await d.poolDataProvider.getAddress(),
    );
    expect(await d.poolAddressesProvider.getACLManager()).to.equal(await d.aclManager.getAddress());
    expect(await d.aclManager.isPoolAdmin(deployer.address)).to.equal(true);
    expect(await d.aclManager.isRiskAdmin(deployer.address)).to.equal(true);
    expect(await d.pool.ADDRESSES_PROVIDER()).to.equal(await d.poolAddressesProvider.getAddress());
    expect(await d.pool.FLASHLOAN_PREMIUM_TOTAL()).to.equal(BigInt(aave.flashLoanPremiumTotal));
    expect(await d.pool.FLASHLOAN_PREMIUM_TO_PROTOCOL()).to.equal(
      BigInt(aave.flashLoanPremiumToProtocol),
    );
  });

  it("lists USDC, WETH and WBTC with the configured risk parameters, Chainlink prices and seed liquidity", async function () {
    const d = await networkHelpers.loadFixture(deployAave);
    const seeder = (await ethers.getSigners())[AAVE_LOCAL.seederAccountIndex];
    const handles = {
      usdc: { token: d.usdc, feed: d.usdcUsd, aToken: d.aUSDC },
      weth: { token: d.weth, feed: d.wethUsd, aToken: d.aWETH },
      wbtc: { token: d.wbtc, feed: d.wbtcUsd, aToken: d.aWBTC },
    };
    const listed = await Promise.all(
      AAVE_LOCAL.listedAssets.map((k) => handles[k].token.getAddress()),
    );
    expect([...(await d.pool.getReservesList())]).to.deep.equal(listed);
    expect(await d.aaveOracle.BASE_CURRENCY_UNIT()).to.equal(aave.baseCurrencyUnit);
    expect(await d.aaveOracle.BASE_CURRENCY()).to.equal(ethers.ZeroAddress);

    for (const key of AAVE_LOCAL.listedAssets) {
      const { token, feed, aToken } = handles[key];
      const cfg = aave.reserves[key];
      const assetAddress = await token.getAddress();
      const data = await d.poolDataProvider.getReserveConfigurationData(assetAddress);
      expect(data.decimals).to.equal(BigInt(LOCAL_STACK.tokens[key].decimals));
      expect(data.ltv).to.equal(BigInt(cfg.ltv));
      expect(data.liquidationThreshold).to.equal(BigInt(cfg.liquidationThreshold));
      expect(data.liquidationBonus).to.equal(BigInt(cfg.liquidationBonus));
      expect(data.reserveFactor).to.equal(BigInt(cfg.reserveFactor));
      expect(data.usageAsCollateralEnabled).to.equal(true);
      expect(data.borrowingEnabled).to.equal(cfg.borrowingEnabled);
      expect(data.stableBorrowRateEnabled).to.equal(cfg.stableBorrowingEnabled);
      expect(data.isActive).to.equal(true);
      expect(data.isFrozen).to.equal(false);
      const caps = await d.poolDataProvider.getReserveCaps(assetAddress);
      expect(caps.borrowCap).to.equal(cfg.borrowCap);
      expect(caps.supplyCap).to.equal(cfg.supplyCap);

      expect(await d.aaveOracle.getSourceOfAsset(assetAddress)).to.equal(await feed.getAddress());
      expect(await d.aaveOracle.getAssetPrice(assetAddress)).to.equal(oracles.prices[key]);

      expect(await aToken.UNDERLYING_ASSET_ADDRESS()).to.equal(assetAddress);
      expect(await aToken.balanceOf(seeder.address)).to.equal(cfg.seedSupply);
      expect(await token.balanceOf(await aToken.getAddress())).to.equal(cfg.seedSupply);
    }
  });

  it("a USDC-collateral WETH borrow has the health factor Σ collateral×price×LT / debt×price", async function () {
    const d = await networkHelpers.loadFixture(deployAave);
    const [, , user] = await ethers.getSigners();
    await supplyUsdc(d, user, 10_000n * 10n ** 6n);
    await as(d.pool, user).borrow(
      await d.weth.getAddress(),
      2n * WAD,
      VARIABLE_RATE,
      0,
      user.address,
    );

    expect(await d.weth.balanceOf(user.address)).to.equal(2n * WAD);
    const account = await d.pool.getUserAccountData(user.address);
    // 10,000 USDC at $1 and 2 WETH at $3,000, in 8-decimal USD.
    expect(account.totalCollateralBase).to.equal(10_000n * 10n ** 8n);
    expectClose(account.totalDebtBase, 6_000n * 10n ** 8n, 10n, "debt");
    expect(account.currentLiquidationThreshold).to.equal(
      BigInt(aave.reserves.usdc.liquidationThreshold),
    );
    expect(account.ltv).to.equal(BigInt(aave.reserves.usdc.ltv));
    expect(account.healthFactor > WAD).to.equal(true);
    // Exact recomputation from balances and oracle prices (±1 wei for interest-index rounding).
    expectClose(account.healthFactor, await expectedHealthFactor(d, user.address), 1n, "HF");
    // And the closed form: 10,000 × 0.80 / 6,000.
    expectClose(account.healthFactor, (8_000n * WAD) / 6_000n, 10n ** 9n, "HF closed form");
  });

  it("a WETH price rise on the Chainlink feed lowers the health factor proportionally", async function () {
    const d = await networkHelpers.loadFixture(deployAave);
    const [, , user] = await ethers.getSigners();
    await supplyUsdc(d, user, 10_000n * 10n ** 6n);
    await as(d.pool, user).borrow(
      await d.weth.getAddress(),
      2n * WAD,
      VARIABLE_RATE,
      0,
      user.address,
    );
    const before = (await d.pool.getUserAccountData(user.address)).healthFactor as bigint;

    const newPrice = 3_300n * 10n ** 8n;
    await d.wethUsd.updateAnswer(newPrice);
    expect(await d.aaveOracle.getAssetPrice(await d.weth.getAddress())).to.equal(newPrice);
    const after = (await d.pool.getUserAccountData(user.address)).healthFactor as bigint;

    expect(after < before).to.equal(true);
    expectClose(after, await expectedHealthFactor(d, user.address), 1n, "HF after");
    // Debt value scales with the price: HF_after ≈ HF_before × 3000 / 3300.
    expectClose(after, (before * oracles.prices.weth) / newPrice, 10n ** 9n, "HF ratio");
  });

  it("repay and withdraw return the user to no debt and no collateral", async function () {
    const d = await networkHelpers.loadFixture(deployAave);
    const [, , user] = await ethers.getSigners();
    const supplied = 10_000n * 10n ** 6n;
    const wethAddress = await d.weth.getAddress();
    const usdcAddress = await d.usdc.getAddress();
    await supplyUsdc(d, user, supplied);
    await as(d.pool, user).borrow(wethAddress, 2n * WAD, VARIABLE_RATE, 0, user.address);
    await networkHelpers.time.increase(30 * 24 * 3600);

    const debt = (await d.variableDebtWETH.balanceOf(user.address)) as bigint;
    expect(debt > 2n * WAD).to.equal(true); // a month of variable interest accrued
    // The borrowed 2 WETH plus some extra to cover the interest.
    await wrapAndApproveWeth(d, user, WAD);
    await as(d.weth, user).approve(await d.pool.getAddress(), MAX_UINT);
    await as(d.pool, user).repay(wethAddress, MAX_UINT, VARIABLE_RATE, user.address);
    expect(await d.variableDebtWETH.balanceOf(user.address)).to.equal(0n);
    const repaid = await d.pool.getUserAccountData(user.address);
    expect(repaid.totalDebtBase).to.equal(0n);
    expect(repaid.healthFactor).to.equal(MAX_UINT);

    await as(d.pool, user).withdraw(usdcAddress, MAX_UINT, user.address);
    expect(await d.aUSDC.balanceOf(user.address)).to.equal(0n);
    // Exactly the supplied USDC comes back: nobody borrows USDC, so its liquidity index is 1.
    expect(await d.usdc.balanceOf(user.address)).to.equal(supplied);
    expect((await d.pool.getUserAccountData(user.address)).totalCollateralBase).to.equal(0n);
  });

  it("a healthy position cannot be liquidated; after a big WETH rise another account liquidates it", async function () {
    const d = await networkHelpers.loadFixture(deployAave);
    const [, , user, liquidator] = await ethers.getSigners();
    const usdcAddress = await d.usdc.getAddress();
    const wethAddress = await d.weth.getAddress();
    await supplyUsdc(d, user, 10_000n * 10n ** 6n);
    // $7,500 of debt against $8,000 of liquidation capacity: HF = 1.0667.
    const borrowed = (25n * WAD) / 10n;
    await as(d.pool, user).borrow(wethAddress, borrowed, VARIABLE_RATE, 0, user.address);

    const debtToCover = borrowed / 2n; // Aave's 50 % close factor while HF > 0.95
    await wrapAndApproveWeth(d, liquidator, debtToCover);
    const liquidatorPool = as(d.pool, liquidator);
    await expect(
      liquidatorPool.liquidationCall(usdcAddress, wethAddress, user.address, debtToCover, false),
    ).to.be.revertedWith(HEALTH_FACTOR_NOT_BELOW_THRESHOLD);

    const newPrice = 3_300n * 10n ** 8n; // debt $8,250 > $8,000: HF = 0.97
    await d.wethUsd.updateAnswer(newPrice);
    const underwater = await d.pool.getUserAccountData(user.address);
    expect(underwater.healthFactor < WAD).to.equal(true);
    expectClose(underwater.healthFactor, (8_000n * WAD) / 8_250n, 10n ** 9n, "HF underwater");

    const debtBefore = (await d.variableDebtWETH.balanceOf(user.address)) as bigint;
    await expect(
      liquidatorPool.liquidationCall(usdcAddress, wethAddress, user.address, debtToCover, false),
    ).to.emit(d.pool, "LiquidationCall");

    // Collateral seized = debt covered × WETH price / USDC price × liquidation bonus (104.5 %).
    const baseCollateral = (debtToCover * newPrice * 10n ** 6n) / (oracles.prices.usdc * WAD);
    const seized = percentMul(baseCollateral, BigInt(aave.reserves.usdc.liquidationBonus));
    expect(seized).to.equal(4_310_625_000n); // 1.25 × 3,300 × 1.045 USDC
    expect(await d.usdc.balanceOf(liquidator.address)).to.equal(seized);
    expect(await d.weth.balanceOf(liquidator.address)).to.equal(0n);
    expectClose(
      (await d.variableDebtWETH.balanceOf(user.address)) as bigint,
      debtBefore - debtToCover,
      10n ** 10n, // a few seconds of variable interest
      "remaining debt",
    );
    const after = await d.pool.getUserAccountData(user.address);
    expect(after.healthFactor > underwater.healthFactor).to.equal(true);
    expectClose(after.healthFactor, await expectedHealthFactor(d, user.address), 1n, "HF after");
  });
});
