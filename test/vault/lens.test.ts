import { expect } from "chai";
import { network } from "hardhat";
import { anyUint } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import type { Contract } from "ethers";
import { LENDING_OP } from "../../keeper/src/planner/eip712.ts";
import { dyn, hedgeActions, lendingVault, USDC } from "../helpers/vault.ts";

/**
 * BallastLens's non-reverting views on the real local stack (Aave V3, Uniswap V3, Chainlink mock
 * feeds): tryAssetStates (per-asset state that survives a failed feed), exposure (gross exposure
 * and leverage as the rebalance bound of docs/plan-format.md §6 step 8 computes them) and
 * previewExitInKind (what exitInKind pays). Every figure is checked against one computed here from
 * raw balances and feed answers, or against what the vault itself does.
 */

const WBTC = (n: bigint): bigint => n * 10n ** 8n;
/** OracleLib.tryPrice status codes. */
const STATUS = { OK: 0n, NOT_POSITIVE: 1n, STALE: 2n, OUT_OF_BAND: 3n, CALL_FAILED: 4n };

const connection = await network.create();
const { ethers, networkHelpers } = connection;

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** The lending vault with WBTC registered as asset 1 (1 WBTC donated) and a lens. */
async function setup() {
  const s = await lendingVault(connection, {
    limits: { minHealthFactor: 1_200_000_000_000_000_000n },
    netDeltaBand: { min: -2_000, max: 6_000 },
  });
  const wbtc = dyn(s.stack.wbtc);
  const wbtcAddr = await wbtc.getAddress();
  const wbtcFeed = dyn(s.stack.wbtcUsd);
  await s.vault.connect(s.curator).submitAsset(1, {
    ...s.wethConfig,
    token: wbtcAddr,
    feed: await wbtcFeed.getAddress(),
    minNetDeltaBps: -10_000,
    maxNetDeltaBps: 10_000,
  });
  await s.vault.acceptAsset(1);
  await wbtc.mint(s.vaultAddr, WBTC(1n));
  const lens = (await ethers.deployContract("BallastLens")) as unknown as Contract;
  const priceLib = await ethers.getContractAt("PriceLib", s.vaultAddr);
  const configLib = await ethers.getContractAt("ConfigLib", s.vaultAddr);
  return { ...s, wbtc, wbtcAddr, wbtcFeed, lens, priceLib, configLib };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function hedge(s: Setup) {
  const p = await s.plan(hedgeActions(s));
  return (await s.vault.rebalance(p, await s.sign(s.keeper, p))).wait();
}

/** Sets `feed`'s latest round to `answer` updated at `updatedAt` (MockV3Aggregator). */
async function setRound(feed: Contract, answer: bigint, updatedAt: number) {
  const round = ((await feed.latestRound()) as bigint) + 1n;
  await feed.updateRoundData(round, answer, updatedAt, updatedAt);
}

/**
 * Replaces the code at `feed` with a DecimalsRevertingFeed answering `answer`, updated at every
 * block: its latestRoundData() answers, its decimals() reverts.
 */
async function withoutDecimals(feed: string, answer: bigint) {
  const mock = await ethers.deployContract("DecimalsRevertingFeed", [answer]);
  const code = await ethers.provider.getCode(await mock.getAddress());
  await networkHelpers.setCode(feed, code);
}

/**
 * Every input of the lens's figures read at one block, and the §4/§5 figures computed from them
 * here: value = floor(amount × p × 10^(6+8) / (pB × 10^(dec+8))), debts rounded up.
 */
async function expected(s: Setup, blockTag: number) {
  const o = { blockTag };
  const answer = async (f: unknown) => ((await dyn(f).latestRoundData(o)) as bigint[])[1];
  const pB = await answer(s.stack.usdcUsd);
  const assets = [
    { token: s.wethAddr, c: s.weth, feed: s.stack.wethUsd, dec: 18n },
    { token: s.wbtcAddr, c: s.wbtc, feed: s.stack.wbtcUsd, dec: 8n },
  ];
  const nav = (await s.vault.totalAssets(o)) as bigint;
  const rows = [];
  for (const a of assets) {
    const p = await answer(a.feed);
    const num = p * 10n ** 14n;
    const den = pB * 10n ** (a.dec + 8n);
    const balance = (await a.c.balanceOf(s.vaultAddr, o)) as bigint;
    const debt = (await s.aave.debtOf(a.token, o)) as bigint;
    const value = (balance * num) / den;
    const debtValue = ceilDiv(debt * num, den);
    const diff = value >= debtValue ? value - debtValue : debtValue - value;
    rows.push({
      token: a.token,
      balance,
      debt,
      price: p,
      value,
      debtValue,
      weightBps: (value * 10_000n) / nav,
      netDeltaBps: ((diff * 10_000n) / nav) * (value >= debtValue ? 1n : -1n),
    });
  }
  const gross = rows.reduce((g, r) => g + r.value + r.debtValue, 0n);
  return { nav, rows, gross, leverageBps: (gross * 10_000n) / nav };
}

describe("BallastLens non-reverting views on the local stack", function () {
  let s: Setup;

  beforeEach(async function () {
    s = await networkHelpers.loadFixture(setup);
  });

  describe("tryAssetStates", function () {
    it("with every feed good equals assetStates field by field and the figures computed from the raw feeds", async function () {
      const receipt = await hedge(s);
      const o = { blockTag: receipt!.blockNumber };
      const e = await expected(s, receipt!.blockNumber);
      expect(e.rows[0].debt).to.be.greaterThan(0n); // the hedge left a WETH debt
      const strict = (await s.lens.assetStates(s.vaultAddr, o)) as Record<string, unknown>[];
      const got = (await s.lens.tryAssetStates(s.vaultAddr, o)) as Record<string, unknown>[];
      const cfg = (await s.vault.assetConfigs()) as { feed: string }[];
      expect(got.length).to.equal(2);
      for (let i = 0; i < 2; i++) {
        const x = e.rows[i];
        expect(got[i].token).to.equal(x.token);
        expect(got[i].feed).to.equal(cfg[i].feed);
        expect(got[i].balance).to.equal(x.balance);
        expect(got[i].debt).to.equal(x.debt);
        expect(got[i].priceOk).to.equal(true);
        expect(got[i].status).to.equal(STATUS.OK);
        expect(got[i].answer).to.equal(x.price);
        expect(got[i].valueOk).to.equal(true);
        expect(got[i].value).to.equal(x.value);
        expect(got[i].debtValue).to.equal(x.debtValue);
        expect(got[i].weightOk).to.equal(true);
        expect(got[i].weightBps).to.equal(x.weightBps);
        expect(got[i].netDeltaBps).to.equal(x.netDeltaBps);
        for (const k of [
          "token",
          "balance",
          "debt",
          "value",
          "debtValue",
          "weightBps",
          "netDeltaBps",
        ])
          expect(got[i][k]).to.equal(strict[i][k], k);
        expect(got[i].answer).to.equal(strict[i].price);
      }
    });

    it("a stale WBTC feed: assetStates reverts naming it, tryAssetStates flags only WBTC and still values WETH", async function () {
      const receipt = await hedge(s);
      const e = await expected(s, receipt!.blockNumber);
      const now = await networkHelpers.time.latest();
      const old = now - 86_401; // the heartbeat is 86,400 s
      await setRound(s.wbtcFeed, e.rows[1].price, old);
      const wbtcFeedAddr = await s.wbtcFeed.getAddress();
      await expect(s.lens.assetStates(s.vaultAddr)).to.be.revertedWithCustomError(
        s.priceLib,
        "OracleStale",
      );
      await expect(s.vault.totalAssets())
        .to.be.revertedWithCustomError(s.priceLib, "OracleStale")
        .withArgs(wbtcFeedAddr, old, 86_400n, anyUint);

      const got = (await s.lens.tryAssetStates(s.vaultAddr)) as Record<string, unknown>[];
      // WETH: its feed and the base feed are good, so it is valued; no weights without a NAV
      expect(got[0].priceOk).to.equal(true);
      expect(got[0].status).to.equal(STATUS.OK);
      expect(got[0].balance).to.equal(e.rows[0].balance);
      expect(got[0].debt).to.be.greaterThanOrEqual(e.rows[0].debt); // interest since
      const pB = ((await dyn(s.stack.usdcUsd).latestRoundData()) as bigint[])[1];
      const pW = ((await dyn(s.stack.wethUsd).latestRoundData()) as bigint[])[1];
      const debtNow = (await s.aave.debtOf(s.wethAddr)) as bigint;
      expect(got[0].debt).to.equal(debtNow);
      expect(got[0].valueOk).to.equal(true);
      expect(got[0].value).to.equal((e.rows[0].balance * pW * 10n ** 14n) / (pB * 10n ** 26n));
      expect(got[0].debtValue).to.equal(ceilDiv(debtNow * pW * 10n ** 14n, pB * 10n ** 26n));
      expect(got[0].weightOk).to.equal(false);
      expect(got[0].weightBps).to.equal(0n);
      expect(got[0].netDeltaBps).to.equal(0n);
      // WBTC: flagged stale with what its feed answered; balance still there, no value
      expect(got[1].feed).to.equal(wbtcFeedAddr);
      expect(got[1].priceOk).to.equal(false);
      expect(got[1].status).to.equal(STATUS.STALE);
      expect(got[1].answer).to.equal(e.rows[1].price);
      expect(got[1].updatedAt).to.equal(BigInt(old));
      expect(got[1].balance).to.equal(WBTC(1n));
      expect(got[1].debt).to.equal(0n);
      expect(got[1].valueOk).to.equal(false);
      expect(got[1].value).to.equal(0n);
      expect(got[1].weightOk).to.equal(false);
    });

    it("a zero WETH answer: status NOT_POSITIVE on WETH only; WBTC valued", async function () {
      await dyn(s.stack.wethUsd).updateAnswer(0n);
      await expect(s.lens.assetStates(s.vaultAddr))
        .to.be.revertedWithCustomError(s.priceLib, "OracleAnswerNotPositive")
        .withArgs(await s.stack.wethUsd.getAddress(), 0n);
      const got = (await s.lens.tryAssetStates(s.vaultAddr)) as Record<string, unknown>[];
      expect(got[0].priceOk).to.equal(false);
      expect(got[0].status).to.equal(STATUS.NOT_POSITIVE);
      expect(got[0].answer).to.equal(0n);
      expect(got[0].valueOk).to.equal(false);
      expect(got[1].priceOk).to.equal(true);
      expect(got[1].valueOk).to.equal(true);
      const pB = ((await dyn(s.stack.usdcUsd).latestRoundData()) as bigint[])[1];
      const pBtc = ((await dyn(s.stack.wbtcUsd).latestRoundData()) as bigint[])[1];
      expect(got[1].value).to.equal((WBTC(1n) * pBtc * 10n ** 14n) / (pB * 10n ** 16n));
      expect(got[1].weightOk).to.equal(false);
    });

    it("a failed base feed: every asset keeps its balance and its own feed status, none is valued", async function () {
      await dyn(s.stack.usdcUsd).updateAnswer(-1n);
      await expect(s.lens.assetStates(s.vaultAddr)).to.be.revertedWithCustomError(
        s.priceLib,
        "OracleAnswerNotPositive",
      );
      const got = (await s.lens.tryAssetStates(s.vaultAddr)) as Record<string, unknown>[];
      expect(got.map((a) => a.priceOk)).to.deep.equal([true, true]);
      expect(got.map((a) => a.valueOk)).to.deep.equal([false, false]);
      expect(got.map((a) => a.value)).to.deep.equal([0n, 0n]);
      expect(got[1].balance).to.equal(WBTC(1n));
    });

    it("a feed whose decimals() reverts while latestRoundData() answers: CALL_FAILED on that asset only (its answer kept), no revert; the vault still prices with the decimals it stored", async function () {
      await hedge(s);
      const wbtcFeedAddr = await s.wbtcFeed.getAddress();
      const pBtc = ((await s.wbtcFeed.latestRoundData()) as bigint[])[1];
      await withoutDecimals(wbtcFeedAddr, pBtc);
      const mock = await ethers.getContractAt("DecimalsRevertingFeed", wbtcFeedAddr);
      await expect(dyn(mock).decimals()).to.be.revertedWithCustomError(mock, "DecimalsUnavailable");
      // every read at one block (the WETH debt accrues interest)
      const block = await ethers.provider.getBlock("latest");
      const o = { blockTag: block!.number };
      const nav = (await s.vault.totalAssets(o)) as bigint; // the vault reads no decimals() now
      const got = (await s.lens.tryAssetStates(s.vaultAddr, o)) as Record<string, unknown>[];
      // WBTC: the failed call's code, what latestRoundData answered, its balance, no value
      expect(got[1].feed).to.equal(wbtcFeedAddr);
      expect(got[1].priceOk).to.equal(false);
      expect(got[1].status).to.equal(STATUS.CALL_FAILED);
      expect(got[1].answer).to.equal(pBtc);
      expect(got[1].updatedAt).to.equal(BigInt(block!.timestamp));
      expect(got[1].balance).to.equal(WBTC(1n));
      expect([got[1].valueOk, got[1].value, got[1].debtValue]).to.deep.equal([false, 0n, 0n]);
      expect([got[1].weightOk, got[1].weightBps]).to.deep.equal([false, 0n]);
      // WETH: valued, and weighed against the NAV the vault still prices
      const pB = ((await dyn(s.stack.usdcUsd).latestRoundData(o)) as bigint[])[1];
      const pW = ((await dyn(s.stack.wethUsd).latestRoundData(o)) as bigint[])[1];
      const balW = (await s.weth.balanceOf(s.vaultAddr, o)) as bigint;
      const value = (balW * pW * 10n ** 14n) / (pB * 10n ** 26n);
      expect([got[0].priceOk, got[0].status, got[0].valueOk]).to.deep.equal([
        true,
        STATUS.OK,
        true,
      ]);
      expect(got[0].value).to.equal(value);
      expect(got[0].weightOk).to.equal(true);
      expect(got[0].weightBps).to.equal((value * 10_000n) / nav);
      // exposure needs every asset valued: ok = false, no revert
      const x = await s.lens.exposure(s.vaultAddr, o);
      expect([x.ok, x.gross, x.leverageBps]).to.deep.equal([false, 0n, 0n]);
      expect(x.maxLeverageBps).to.equal(BigInt(s.limits.maxLeverageBps));
    });

    it("a base feed whose decimals() reverts while latestRoundData() answers: no revert, every asset keeps its own feed status, none is valued", async function () {
      const baseFeed = await s.stack.usdcUsd.getAddress();
      const pB = ((await dyn(s.stack.usdcUsd).latestRoundData()) as bigint[])[1];
      await withoutDecimals(baseFeed, pB);
      const got = (await s.lens.tryAssetStates(s.vaultAddr)) as Record<string, unknown>[];
      expect(got.map((a) => [a.status, a.priceOk])).to.deep.equal([
        [STATUS.OK, true],
        [STATUS.OK, true],
      ]);
      expect(got.map((a) => [a.valueOk, a.value, a.weightOk])).to.deep.equal([
        [false, 0n, false],
        [false, 0n, false],
      ]);
      expect(got[1].balance).to.equal(WBTC(1n));
      expect((await s.lens.exposure(s.vaultAddr)).ok).to.equal(false);
    });
  });

  describe("exposure", function () {
    it("equals Σ (value + debtValue) and floor(gross × 10000 / NAV) computed from the raw feeds, with the vault's max", async function () {
      const receipt = await hedge(s);
      const e = await expected(s, receipt!.blockNumber);
      const x = await s.lens.exposure(s.vaultAddr, { blockTag: receipt!.blockNumber });
      expect(x.ok).to.equal(true);
      expect(x.gross).to.equal(e.gross);
      expect(x.nav).to.equal(e.nav);
      expect(x.leverageBps).to.equal(e.leverageBps);
      expect(x.maxLeverageBps).to.equal(BigInt(s.limits.maxLeverageBps));
      expect(e.leverageBps).to.be.greaterThan(0n);
    });

    it("the leverage it reports after a plan is the one the vault's bound checks: LeverageExceeded(lev, lev − 1) once the max is tightened to lev − 1", async function () {
      const p = await s.plan(hedgeActions(s));
      const ts = (await networkHelpers.time.latest()) + 100;
      const snap = await networkHelpers.takeSnapshot();
      await networkHelpers.time.setNextBlockTimestamp(ts);
      await s.vault.rebalance(p, await s.sign(s.keeper, p));
      const x = await s.lens.exposure(s.vaultAddr);
      await snap.restore();
      expect(x.ok).to.equal(true);
      const lev = x.leverageBps as bigint;
      await s.vault.connect(s.guardian).submitLimits({ ...s.limits, maxLeverageBps: lev - 1n });
      await networkHelpers.time.setNextBlockTimestamp(ts);
      await expect(s.vault.rebalance(p, await s.sign(s.keeper, p)))
        .to.be.revertedWithCustomError(s.riskChecks, "LeverageExceeded")
        .withArgs(lev, lev - 1n);
      expect((await s.lens.exposure(s.vaultAddr)).maxLeverageBps).to.equal(lev - 1n);
    });

    it("does not revert while a feed fails: ok = false, the max still reported", async function () {
      await hedge(s);
      await dyn(s.stack.wethUsd).updateAnswer(0n);
      const x = await s.lens.exposure(s.vaultAddr);
      expect(x.ok).to.equal(false);
      expect(x.gross).to.equal(0n);
      expect(x.leverageBps).to.equal(0n);
      expect(x.maxLeverageBps).to.equal(BigInt(s.limits.maxLeverageBps));
    });
  });

  describe("previewExitInKind", function () {
    it("pays exactly what exitInKind pays at the same timestamp: reserved excluded, debt-free collateral included, a feed down", async function () {
      // WETH bought, 400k supplied (no debt), a fulfilled redemption leaves reserved assets
      const p = await s.plan([
        s.swap(s.usdcAddr, s.wethAddr, USDC(300_000n)),
        s.lend(LENDING_OP.SUPPLY, s.usdcAddr, USDC(400_000n)),
      ]);
      await s.vault.rebalance(p, await s.sign(s.keeper, p));
      const aliceShares = (await s.vault.balanceOf(s.alice.address)) as bigint;
      await s.vault
        .connect(s.alice)
        .requestRedeem(aliceShares / 10n, s.alice.address, s.alice.address);
      await s.vault.fulfilRedemptions();
      expect(await s.vault.reservedAssets()).to.be.greaterThan(0n);
      await s.vault.connect(s.guardian).shutDown();
      await dyn(s.stack.wethUsd).updateAnswer(0n); // the exit needs no oracle; neither does the preview

      const shares = ((await s.vault.balanceOf(s.alice.address)) as bigint) / 3n;
      const ts = (await networkHelpers.time.latest()) + 1_000;
      const snap = await networkHelpers.takeSnapshot();
      await networkHelpers.time.setNextBlockTimestamp(ts);
      await networkHelpers.mine();
      const [tokens, amounts] = (await s.lens.previewExitInKind(s.vaultAddr, shares)) as [
        string[],
        bigint[],
      ];
      // independently: floor((balance − reserved) × shares / supply) + floor(collateral × shares
      // / supply) (the exit withdraws only this holder's share of the collateral), then balances
      const supply = (await s.vault.totalSupply()) as bigint;
      const idle =
        ((await s.usdc.balanceOf(s.vaultAddr)) as bigint) -
        ((await s.vault.reservedAssets()) as bigint);
      const coll = (await s.aave.collateralOf(s.usdcAddr)) as bigint;
      expect(coll).to.be.greaterThanOrEqual(USDC(400_000n));
      const wethBal = (await s.weth.balanceOf(s.vaultAddr)) as bigint;
      expect(tokens).to.deep.equal([s.usdcAddr, s.wethAddr, s.wbtcAddr]);
      expect(amounts.every((a) => a > 0n)).to.equal(true);
      expect(amounts).to.deep.equal([
        (idle * shares) / supply + (coll * shares) / supply,
        (wethBal * shares) / supply,
        (WBTC(1n) * shares) / supply,
      ]);
      await snap.restore();

      const receiver = s.trader.address;
      const before = await Promise.all([s.usdc, s.weth, s.wbtc].map((t) => t.balanceOf(receiver)));
      await networkHelpers.time.setNextBlockTimestamp(ts);
      await s.vault.connect(s.alice).exitInKind(shares, receiver, s.alice.address);
      const after = await Promise.all([s.usdc, s.weth, s.wbtc].map((t) => t.balanceOf(receiver)));
      expect(after.map((a, i) => (a as bigint) - (before[i] as bigint))).to.deep.equal(amounts);
    });

    it("reverts LendingPositionOpen(collateral, debt) while a debt is open, as exitInKind does", async function () {
      await hedge(s);
      await s.vault.connect(s.guardian).shutDown();
      const shares = (await s.vault.balanceOf(s.alice.address)) as bigint;
      const coll = (await s.aave.collateralOf(s.usdcAddr)) as bigint;
      const debt = (await s.aave.debtOf(s.wethAddr)) as bigint;
      await expect(s.lens.previewExitInKind(s.vaultAddr, shares))
        .to.be.revertedWithCustomError(s.configLib, "LendingPositionOpen")
        .withArgs(coll, debt);
    });

    it("is all zero for zero shares and names the base token, then the registry in order", async function () {
      const [tokens, amounts] = (await s.lens.previewExitInKind(s.vaultAddr, 0n)) as [
        string[],
        bigint[],
      ];
      expect(tokens).to.deep.equal([s.usdcAddr, s.wethAddr, s.wbtcAddr]);
      expect(amounts).to.deep.equal([0n, 0n, 0n]);
    });
  });
});
