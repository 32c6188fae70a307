/**
 * The fork tests' scenarios as functions that register mocha `beforeEach`/`it` blocks against a
 * {@link ScenarioContext} filled in by the caller's `before` hook. Importing this file registers
 * nothing. The fork suites (test/fork/*.test.ts) run them against a forked real network; the
 * local rehearsal (test/fork/rehearsal.test.ts) runs the very same bodies against the local
 * replica stack, so everything but the real protocols' data is exercised on every run.
 */
import { expect } from "chai";
import { Contract } from "ethers";
import type { NetworkConnection, NetworkManager } from "hardhat/types/network";
import { ADAPTERS } from "../../deploy/lib/vaultConfig.ts";
import {
  LENDING_OP,
  encodeLendingData,
  encodeSwapData,
  encodeV3Path,
} from "../../keeper/src/planner/eip712.ts";
import {
  AAVE_POOL_ABI,
  USDC_WETH_FEE,
  amountForValue,
  attackerSwap,
  connectFork,
  deployFundedVault,
  erc20,
  expectVaultError,
  forkConfigFromEnv,
  forkTarget,
  keeperSignedPlan,
  pricedRegistry,
  quote,
  setErc20Balance,
  skipMessage,
  staleFeeds,
  usdc,
  valueInBase,
} from "./forkSetup.ts";
import type { ForkKind, FundedVault, VaultTarget } from "./forkSetup.ts";

/** Filled by the suite's `before` hook; read by the scenarios' hooks and tests. */
export interface ScenarioContext {
  connection: NetworkConnection;
  target: VaultTarget;
}

/** An empty context (fields set in `before`; a skipped suite never reads them). */
export function newScenarioContext(): ScenarioContext {
  return {} as ScenarioContext;
}

/**
 * A context that a `before` hook of the calling suite fills with a new fork of `kind` and its
 * vault target. Without the fork's RPC URL the suite is skipped, and the skip says which variable
 * to set (`skipMessage`).
 */
export function forkedContext(networkManager: NetworkManager, kind: ForkKind): ScenarioContext {
  const ctx = newScenarioContext();
  before(async function () {
    const cfg = forkConfigFromEnv(kind);
    if (cfg === undefined) {
      console.log(skipMessage(kind));
      this.skip();
    }
    ctx.connection = await connectFork(networkManager, cfg);
    ctx.target = forkTarget(kind);
  });
  return ctx;
}

const DEPOSIT = usdc(1_000_000n);
const SWAP_IN = usdc(300_000n);
/** The plan's oracle slippage bound (= limits.maxSlippageBps of the deployments). */
const SLIPPAGE_BPS = 100n;
/** The keeper's pool-side protection below the QuoterV2 quote. */
const MIN_OUT_BPS = 30n;
const TOLERANCE_BPS = 25n;

const absDiff = (a: bigint, b: bigint) => (a > b ? a - b : b - a);

function usdcToWeth(ctx: ScenarioContext): string {
  return encodeV3Path([ctx.target.net.tokens.usdc, ctx.target.net.tokens.weth], [USDC_WETH_FEE]);
}

function wethToUsdc(ctx: ScenarioContext): string {
  return encodeV3Path([ctx.target.net.tokens.weth, ctx.target.net.tokens.usdc], [USDC_WETH_FEE]);
}

/** Registers `beforeEach` loading a fixture (deploy + deposit [+ extra]); returns a getter. */
function useVault(
  ctx: ScenarioContext,
  extra?: (s: FundedVault) => Promise<void>,
): () => FundedVault {
  let s: FundedVault | undefined;
  const fixture = async () => {
    const d = await deployFundedVault(ctx.connection, ctx.target, DEPOSIT);
    if (extra !== undefined) await extra(d);
    return d;
  };
  beforeEach(async function () {
    s = await ctx.connection.networkHelpers.loadFixture(fixture);
  });
  return () => s!;
}

// ---------------------------------------------------------------- 1. oracles

/** Risk-asset balances written into the vault (token units): every feed enters the NAV. */
const HOLDINGS = {
  weth: 10n * 10n ** 18n,
  wbtc: 5n * 10n ** 7n, // 0.5 WBTC (8 decimals)
  link: 1_000n * 10n ** 18n,
  uni: 1_000n * 10n ** 18n,
} as const;

/** Feeds read through the vault's oracle checks: wiring, NAV arithmetic, staleness. */
export function oracleScenarios(ctx: ScenarioContext): void {
  const vault = useVault(ctx, async (d) => {
    for (const [key, amount] of Object.entries(HOLDINGS)) {
      const token = ctx.target.net.tokens[key as keyof typeof HOLDINGS];
      await setErc20Balance(ctx.connection, token, d.vaultAddr, amount);
    }
  });

  it("is wired to the feeds of the parameter file", async function () {
    const s = vault();
    const { net, parameters } = ctx.target;
    const params = parameters.VaultRealNetwork;
    const [baseFeed, sequencer] = await s.vault.oracleConfig();
    expect(baseFeed.feed).to.equal(net.chainlink.usdcUsd);
    expect(baseFeed.heartbeat).to.equal(BigInt(params.usdcHeartbeat));
    expect(sequencer.feed).to.equal(net.chainlink.sequencerUptime);
    const configs = await s.vault.assetConfigs();
    const expected = [
      [net.tokens.weth, net.chainlink.ethUsd, params.wethHeartbeat],
      [net.tokens.wbtc, params.wbtcFeed, params.wbtcHeartbeat],
      [net.tokens.link, net.chainlink.linkUsd, params.linkHeartbeat],
      [net.tokens.uni, net.chainlink.uniUsd, params.uniHeartbeat],
    ];
    expect(configs.length).to.equal(expected.length);
    for (const [i, [token, feed, heartbeat]] of expected.entries()) {
      expect(configs[i].token).to.equal(token);
      expect(configs[i].feed).to.equal(feed);
      expect(configs[i].heartbeat).to.equal(BigInt(heartbeat));
    }
  });

  it("NAV is positive and equals idle + Σ balance × feed answer (bigint, §4–§5)", async function () {
    const s = vault();
    const { ethers, networkHelpers } = ctx.connection;
    const now = BigInt(await networkHelpers.time.latest());
    const reg = await pricedRegistry(s.vault, ethers.provider);
    expect(staleFeeds(reg, now), "feeds already stale at the fork block").to.deep.equal([]);
    expect(reg.base.price.answer).to.be.greaterThan(0n);

    let expected = DEPOSIT; // idle base (nothing reserved, no lending position)
    for (const a of reg.assets) {
      expect(a.price.answer, `${a.key} answer`).to.be.greaterThan(0n);
      const value = valueInBase(HOLDINGS[a.key], a, reg.base);
      expect(value, `${a.key} is worth something`).to.be.greaterThan(0n);
      expected += value;
    }
    const nav = (await s.vault.totalAssets()) as bigint;
    expect(nav).to.be.greaterThan(DEPOSIT);
    expect(nav).to.equal(expected);

    // the lens reports the same per-asset prices and values
    const states = await s.lens.assetStates(s.vaultAddr);
    for (const [i, a] of reg.assets.entries()) {
      expect(states[i].balance).to.equal(HOLDINGS[a.key]);
      expect(states[i].price).to.equal(a.price.answer);
      expect(states[i].value).to.equal(valueInBase(HOLDINGS[a.key], a, reg.base));
    }
    const state = await s.lens.vaultState(s.vaultAddr);
    expect(state.navAvailable).to.equal(true);
    expect(state.nav).to.equal(nav);
  });

  it("a stale feed (time past its heartbeat) makes NAV revert OracleStale naming that feed", async function () {
    const s = vault();
    const { ethers, networkHelpers } = ctx.connection;
    const now = BigInt(await networkHelpers.time.latest());
    const reg = await pricedRegistry(s.vault, ethers.provider);
    expect(staleFeeds(reg, now), "feeds already stale at the fork block").to.deep.equal([]);
    const feeds = [
      { feed: reg.base.price.feed, updatedAt: reg.base.price.updatedAt, hb: reg.base.heartbeat },
      ...reg.assets.map((a) => ({
        feed: a.price.feed,
        updatedAt: a.price.updatedAt,
        hb: a.heartbeat,
      })),
    ];
    // the first feed to go stale; move just past its deadline (later ones stay fresh)
    const first = feeds.reduce((m, f) => (f.updatedAt + f.hb < m.updatedAt + m.hb ? f : m));
    const deadline = first.updatedAt + first.hb;
    expect(await s.vault.totalAssets()).to.be.greaterThan(0n);
    await networkHelpers.time.increase(deadline + 1n - now);

    const err = await expectVaultError(() => s.vault.totalAssets());
    expect(err.name).to.equal("OracleStale");
    const [feed, updatedAt, heartbeat, nowTs] = err.args as [string, bigint, bigint, bigint];
    const named = feeds.find((f) => f.feed.toLowerCase() === feed.toLowerCase());
    expect(named, `OracleStale names ${feed}, not a configured feed`).to.not.equal(undefined);
    expect(updatedAt).to.equal(named!.updatedAt);
    expect(heartbeat).to.equal(named!.hb);
    expect(nowTs - updatedAt).to.be.greaterThan(heartbeat);
    expect(nowTs).to.be.greaterThan(deadline);
    // when only one feed is past its deadline at the call's timestamp, it is the one named
    if (feeds.filter((f) => nowTs - f.updatedAt > f.hb).length === 1) {
      expect(feed).to.equal(first.feed);
    }
    // the vault stops taking deposits; the lens reports NAV unavailable instead of reverting
    expect(await s.vault.maxDeposit(s.alice.address)).to.equal(0n);
    expect((await s.lens.vaultState(s.vaultAddr)).navAvailable).to.equal(false);
  });
}

// ---------------------------------------------------------------- 2. deposit + rebalance

/** Deposit of the base token and a keeper-signed USDC → WETH swap with a QuoterV2 minOut. */
export function rebalanceScenarios(ctx: ScenarioContext): void {
  const vault = useVault(ctx);

  it("the deposit mints shares and NAV equals the deposit", async function () {
    const s = vault();
    const provider = ctx.connection.ethers.provider;
    expect(await erc20(s.net.tokens.usdc, provider).balanceOf(s.vaultAddr)).to.equal(DEPOSIT);
    expect(await s.vault.totalAssets()).to.equal(DEPOSIT);
    expect(await s.vault.balanceOf(s.alice.address)).to.be.greaterThan(0n);
  });

  it("swaps through SwapRouter02 with the QuoterV2 minOut; NAV moves within the slippage bound; weights as planned", async function () {
    const s = vault();
    const { ethers, networkHelpers } = ctx.connection;
    const provider = ethers.provider;
    const reg = await pricedRegistry(s.vault, provider);
    expect(staleFeeds(reg, BigInt(await networkHelpers.time.latest()))).to.deep.equal([]);
    const weth = reg.assets[0];
    expect(weth.token).to.equal(s.net.tokens.weth);

    const path = usdcToWeth(ctx);
    const quoted = await quote(s.net.uniswap.quoterV2, provider, path, SWAP_IN);
    const quotedValue = valueInBase(quoted, weth, reg.base);
    expect(
      quotedValue * 10_000n,
      "pool price vs Chainlink ETH/USD gap exceeds the slippage bound at this block",
    ).to.be.greaterThanOrEqual(SWAP_IN * (10_000n - SLIPPAGE_BPS));

    const navBefore = (await s.vault.totalAssets()) as bigint;
    const expectedWeight = (quotedValue * 10_000n) / (navBefore - SWAP_IN + quotedValue);
    const minOut = (quoted * (10_000n - MIN_OUT_BPS)) / 10_000n;
    const { plan, signature } = await keeperSignedPlan(
      ctx.connection,
      s,
      [{ adapterId: ADAPTERS.swap.id, data: encodeSwapData(path, SWAP_IN, minOut) }],
      {
        expectedWeightsBps: [expectedWeight, 0n, 0n, 0n],
        weightToleranceBps: TOLERANCE_BPS,
        slippageBps: SLIPPAGE_BPS,
      },
    );
    // relayed by an account without any role
    await expect(s.vault.connect(s.attacker).getFunction("rebalance")(plan, signature)).to.emit(
      s.vault,
      "Rebalanced",
    );

    expect(await s.vault.nextNonce()).to.equal(1n);
    const wethBal = (await erc20(s.net.tokens.weth, provider).balanceOf(s.vaultAddr)) as bigint;
    const idle = (await erc20(s.net.tokens.usdc, provider).balanceOf(s.vaultAddr)) as bigint;
    expect(wethBal).to.be.greaterThanOrEqual(minOut);
    expect(idle).to.equal(DEPOSIT - SWAP_IN);
    const wethValue = valueInBase(wethBal, weth, reg.base);
    const navAfter = (await s.vault.totalAssets()) as bigint;
    expect(navAfter).to.equal(idle + wethValue);
    // the NAV cost (pool fee, impact, pool–oracle gap) is within the oracle bound on the traded
    // amount and within the per-rebalance loss limit
    const loss = navBefore > navAfter ? navBefore - navAfter : 0n;
    expect(loss * 10_000n).to.be.lessThanOrEqual(SWAP_IN * SLIPPAGE_BPS);
    const { maxLossPerRebalanceBps } = await s.vault.limits();
    expect(loss * 10_000n).to.be.lessThanOrEqual(navBefore * (maxLossPerRebalanceBps as bigint));

    // weights: WETH where the plan said, the other assets at 0
    const states = await s.lens.assetStates(s.vaultAddr);
    expect(states[0].weightBps).to.equal((wethValue * 10_000n) / navAfter);
    expect(absDiff(states[0].weightBps as bigint, expectedWeight)).to.be.lessThanOrEqual(
      TOLERANCE_BPS,
    );
    for (let i = 1; i < states.length; i++) expect(states[i].weightBps).to.equal(0n);
    const adapter = (await s.swapAdapter.getAddress()) as string;
    expect(await erc20(s.net.tokens.usdc, provider).allowance(s.vaultAddr, adapter)).to.equal(0n);
  });

  it("a plan whose minOut exceeds what the pool gives reverts and leaves the nonce", async function () {
    const s = vault();
    const provider = ctx.connection.ethers.provider;
    const path = usdcToWeth(ctx);
    const quoted = await quote(s.net.uniswap.quoterV2, provider, path, SWAP_IN);
    const { plan, signature } = await keeperSignedPlan(
      ctx.connection,
      s,
      [{ adapterId: ADAPTERS.swap.id, data: encodeSwapData(path, SWAP_IN, quoted + 1n) }],
      { expectedWeightsBps: [3_000n, 0n, 0n, 0n], weightToleranceBps: 10_000n, slippageBps: 100n },
    );
    await expect(s.vault.getFunction("rebalance")(plan, signature)).to.be.revert(
      ctx.connection.ethers,
    );
    expect(await s.vault.nextNonce()).to.equal(0n);
  });
}

// ---------------------------------------------------------------- 3. manipulation

/** Oracle value (base units) of what the pool now gives for SWAP_IN USDC. */
async function quotedValueOfSwap(ctx: ScenarioContext, s: FundedVault): Promise<bigint> {
  const provider = ctx.connection.ethers.provider;
  const reg = await pricedRegistry(s.vault, provider);
  const out = await quote(s.net.uniswap.quoterV2, provider, usdcToWeth(ctx), SWAP_IN);
  return valueInBase(out, reg.assets[0], reg.base);
}

/**
 * The attacker buys WETH with ever larger USDC amounts (1 M, 2 M, 4 M, …) until SWAP_IN USDC
 * buys less than (1 − gapBps) of its oracle value in the pool. Returns the WETH it holds.
 */
async function pushWethPriceUp(
  ctx: ScenarioContext,
  s: FundedVault,
  gapBps: bigint,
): Promise<bigint> {
  const weth = erc20(s.net.tokens.weth, ctx.connection.ethers.provider);
  let chunk = usdc(1_000_000n);
  let total = 0n;
  for (let round = 0; round < 14; round++) {
    if ((await quotedValueOfSwap(ctx, s)) * 10_000n < SWAP_IN * (10_000n - gapBps)) {
      return (await weth.balanceOf(s.attacker.address)) as bigint;
    }
    const before = (await weth.balanceOf(s.attacker.address)) as bigint;
    await attackerSwap(
      ctx.connection,
      s.attacker,
      s.net.uniswap.swapRouter02,
      s.net.tokens.usdc,
      usdcToWeth(ctx),
      chunk,
    );
    total += ((await weth.balanceOf(s.attacker.address)) as bigint) - before;
    chunk *= 2n;
  }
  throw new Error(`could not move the pool ${gapBps} bps from the oracle (bought ${total} WETH)`);
}

/** Pool-price manipulation leaves NAV alone; a sandwich fails the oracle slippage check. */
export function manipulationScenarios(ctx: ScenarioContext): void {
  const vault = useVault(ctx);

  it("a large swap on the pool moves its price, not the vault's NAV", async function () {
    const s = vault();
    const provider = ctx.connection.ethers.provider;
    const path = usdcToWeth(ctx);
    const quoted = await quote(s.net.uniswap.quoterV2, provider, path, SWAP_IN);
    const { plan, signature } = await keeperSignedPlan(
      ctx.connection,
      s,
      [
        {
          adapterId: ADAPTERS.swap.id,
          data: encodeSwapData(path, SWAP_IN, (quoted * 9_970n) / 10_000n),
        },
      ],
      {
        expectedWeightsBps: [3_000n, 0n, 0n, 0n],
        weightToleranceBps: 200n,
        slippageBps: SLIPPAGE_BPS,
      },
    );
    await (await s.vault.getFunction("rebalance")(plan, signature)).wait();
    const nav = (await s.vault.totalAssets()) as bigint;
    const weightsOf = async () =>
      ((await s.lens.assetStates(s.vaultAddr)) as { weightBps: bigint }[]).map((a) =>
        BigInt(a.weightBps),
      );
    const weights = await weightsOf();
    expect(weights[0]).to.be.greaterThan(0n);

    // pump: WETH at least 5 % dearer in the pool than at the oracle
    const gotWeth = await pushWethPriceUp(ctx, s, 500n);
    expect(await quotedValueOfSwap(ctx, s)).to.be.lessThan((SWAP_IN * 9_500n) / 10_000n);
    expect(await s.vault.totalAssets()).to.equal(nav);
    expect(await weightsOf()).to.deep.equal(weights);

    // dump: sell twice that WETH, WETH now cheaper in the pool than at the oracle
    await attackerSwap(
      ctx.connection,
      s.attacker,
      s.net.uniswap.swapRouter02,
      s.net.tokens.weth,
      wethToUsdc(ctx),
      gotWeth * 2n,
    );
    expect(await quotedValueOfSwap(ctx, s)).to.be.greaterThan(SWAP_IN);
    expect(await s.vault.totalAssets()).to.equal(nav);
    expect(await weightsOf()).to.deep.equal(weights);
  });

  it("a sandwiched swap (plan minOut 0) fails the oracle slippage check", async function () {
    const s = vault();
    const { plan, signature } = await keeperSignedPlan(
      ctx.connection,
      s,
      [{ adapterId: ADAPTERS.swap.id, data: encodeSwapData(usdcToWeth(ctx), SWAP_IN, 0n) }],
      {
        expectedWeightsBps: [3_000n, 0n, 0n, 0n],
        weightToleranceBps: 10_000n,
        slippageBps: SLIPPAGE_BPS,
      },
    );
    // front-run: the pool now gives at least 3 % less WETH than the oracle price
    const gotWeth = await pushWethPriceUp(ctx, s, 300n);

    const err = await expectVaultError(() =>
      s.vault.getFunction("rebalance").staticCall(plan, signature),
    );
    expect(err.name).to.equal("SlippageExceeded");
    const [index, inValue, outValue, slip] = err.args as [bigint, bigint, bigint, bigint];
    expect(index).to.equal(0n);
    expect(inValue).to.equal(SWAP_IN); // the base asset counts 1:1
    expect(slip).to.equal(SLIPPAGE_BPS);
    expect(outValue * 10_000n).to.be.lessThan(inValue * (10_000n - slip));
    await expect(s.vault.getFunction("rebalance")(plan, signature)).to.be.revert(
      ctx.connection.ethers,
    );

    // back-run: the attacker sells its WETH; the vault never traded
    await attackerSwap(
      ctx.connection,
      s.attacker,
      s.net.uniswap.swapRouter02,
      s.net.tokens.weth,
      wethToUsdc(ctx),
      gotWeth,
    );
    expect(await s.vault.nextNonce()).to.equal(0n);
    expect(await s.vault.totalAssets()).to.equal(DEPOSIT);
    const provider = ctx.connection.ethers.provider;
    expect(await erc20(s.net.tokens.weth, provider).balanceOf(s.vaultAddr)).to.equal(0n);
  });
}

// ---------------------------------------------------------------- 4. Aave hedge

const HEDGE_SWAP_IN = usdc(200_000n);
const SUPPLY = usdc(300_000n);
const BORROW_VALUE = usdc(100_000n);
/** Interest accrues between separate eth_calls: allowed NAV mismatch (base units). */
const INTEREST_SLACK = usdc(1n);

/** Buy WETH, supply USDC to Aave, borrow WETH; HF from the pool; NAV decomposition. */
export function hedgeScenarios(ctx: ScenarioContext): void {
  const vault = useVault(ctx);

  it("the lending adapter is attached to the Aave pool", async function () {
    const s = vault();
    expect(await s.aaveAdapter.pool()).to.equal(s.net.aave.pool);
    expect(await s.vault.lendingAdapter()).to.equal(await s.aaveAdapter.getAddress());
  });

  it("executes the hedge; health factor from the pool; NAV = idle + collateral + holdings − debt", async function () {
    const s = vault();
    const { ethers, networkHelpers } = ctx.connection;
    const provider = ethers.provider;
    const reg = await pricedRegistry(s.vault, provider);
    expect(staleFeeds(reg, BigInt(await networkHelpers.time.latest()))).to.deep.equal([]);
    const weth = reg.assets[0];
    const path = usdcToWeth(ctx);
    const quoted = await quote(s.net.uniswap.quoterV2, provider, path, HEDGE_SWAP_IN);
    const borrowAmount = amountForValue(BORROW_VALUE, weth, reg.base);
    expect(borrowAmount).to.be.greaterThan(0n);

    const navBefore = (await s.vault.totalAssets()) as bigint;
    const navEstimate = navBefore - HEDGE_SWAP_IN + valueInBase(quoted, weth, reg.base);
    const holdingValue = valueInBase(quoted + borrowAmount, weth, reg.base);
    const expectedWeight = (holdingValue * 10_000n) / navEstimate;
    const minOut = (quoted * (10_000n - MIN_OUT_BPS)) / 10_000n;
    const { usdc: usdcAddr, weth: wethAddr } = s.net.tokens;
    const { plan, signature } = await keeperSignedPlan(
      ctx.connection,
      s,
      [
        { adapterId: ADAPTERS.swap.id, data: encodeSwapData(path, HEDGE_SWAP_IN, minOut) },
        {
          adapterId: ADAPTERS.lending.id,
          data: encodeLendingData(LENDING_OP.SUPPLY, usdcAddr, SUPPLY),
        },
        {
          adapterId: ADAPTERS.lending.id,
          data: encodeLendingData(LENDING_OP.BORROW, wethAddr, borrowAmount),
        },
      ],
      {
        expectedWeightsBps: [expectedWeight, 0n, 0n, 0n],
        weightToleranceBps: TOLERANCE_BPS,
        slippageBps: SLIPPAGE_BPS,
      },
    );
    await expect(s.vault.getFunction("rebalance")(plan, signature)).to.emit(s.vault, "Rebalanced");

    // health factor as the pool computes it, above the vault's floor
    const adapterAddr = (await s.aaveAdapter.getAddress()) as string;
    const pool = new Contract(s.net.aave.pool, AAVE_POOL_ABI, provider);
    const account = (await pool.getUserAccountData(adapterAddr)) as {
      totalCollateralBase: bigint;
      totalDebtBase: bigint;
      currentLiquidationThreshold: bigint;
      healthFactor: bigint;
    };
    const hf = account.healthFactor;
    const limits = (await s.vault.limits()) as {
      minHealthFactor: bigint;
      maxLossPerRebalanceBps: bigint;
    };
    expect(account.totalDebtBase).to.be.greaterThan(0n);
    expect(account.totalCollateralBase).to.be.greaterThan(account.totalDebtBase);
    expect(hf).to.be.greaterThanOrEqual(limits.minHealthFactor);
    // HF = collateral × liquidation threshold / debt from Aave's own figures (~1e-6 relative)
    const approxHf =
      (account.totalCollateralBase * account.currentLiquidationThreshold * 10n ** 14n) /
      account.totalDebtBase;
    expect(absDiff(approxHf, hf) * 1_000_000n).to.be.lessThanOrEqual(hf);

    // NAV decomposition
    const idle = (await erc20(usdcAddr, provider).balanceOf(s.vaultAddr)) as bigint;
    const collateral = (await s.aaveAdapter.collateralOf(usdcAddr)) as bigint;
    const wethBal = (await erc20(wethAddr, provider).balanceOf(s.vaultAddr)) as bigint;
    const debt = (await s.aaveAdapter.debtOf(wethAddr)) as bigint;
    expect(idle).to.equal(DEPOSIT - HEDGE_SWAP_IN - SUPPLY);
    expect(collateral).to.be.greaterThanOrEqual(SUPPLY - 1n); // aToken rounding
    expect(debt).to.be.greaterThanOrEqual(borrowAmount);
    expect(wethBal).to.be.greaterThanOrEqual(borrowAmount + minOut);
    const expectedNav =
      idle +
      collateral +
      valueInBase(wethBal, weth, reg.base) -
      valueInBase(debt, weth, reg.base, true);
    const nav = (await s.vault.totalAssets()) as bigint;
    expect(absDiff(nav, expectedNav)).to.be.lessThanOrEqual(INTEREST_SLACK);

    // the NAV cost is the swap's: within the oracle bound and the per-rebalance loss limit
    const loss = navBefore > nav ? navBefore - nav : 0n;
    expect(loss * 10_000n).to.be.lessThanOrEqual(
      HEDGE_SWAP_IN * SLIPPAGE_BPS + INTEREST_SLACK * 10_000n,
    );
    expect(loss * 10_000n).to.be.lessThanOrEqual(navBefore * limits.maxLossPerRebalanceBps);

    // per-asset view (one consistent snapshot): weight and net delta as planned
    const [state] = (await s.lens.assetStates(s.vaultAddr)) as {
      balance: bigint;
      debt: bigint;
      value: bigint;
      debtValue: bigint;
      weightBps: bigint;
      netDeltaBps: bigint;
    }[];
    const lensNav = (await s.lens.vaultState(s.vaultAddr)).nav as bigint;
    expect(state.debtValue).to.equal(valueInBase(state.debt, weth, reg.base, true));
    expect(state.value).to.equal(valueInBase(state.balance, weth, reg.base));
    expect(absDiff(state.weightBps, expectedWeight)).to.be.lessThanOrEqual(TOLERANCE_BPS);
    const netDelta = ((state.value - state.debtValue) * 10_000n) / lensNav;
    expect(absDiff(state.netDeltaBps, netDelta)).to.be.lessThanOrEqual(1n);
    expect(state.netDeltaBps).to.be.greaterThan(0n);
    expect(state.netDeltaBps).to.be.lessThan(state.weightBps); // the borrow hedges the long
  });
}
