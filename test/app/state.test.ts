import { expect } from "chai";
import {
  cancelLockEnd,
  cancelLockReason,
  deriveActions,
  deriveBanner,
  feeFacts,
  historyRows,
  holdingRows,
  holdingsNote,
  inKindPreview,
  limitFacts,
  MAX_UINT256,
  pendingRows,
  queueLockNote,
  riskView,
  splitRedeem,
} from "../../app/src/state.ts";
import type {
  AssetConfigView,
  FeesView,
  HoldingInput,
  LimitsView,
  PendingChange,
  Position,
  VaultEvent,
  VaultSnapshot,
} from "../../app/src/state.ts";

const USDC = { address: "0xU", symbol: "USDC", decimals: 6 };
const SHARE = { address: "0xV", symbol: "bUSDC", decimals: 12 };
const WETH = { address: "0xW", symbol: "WETH", decimals: 18 };
const OWNER_ADDR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

const SNAP: VaultSnapshot = {
  navAvailable: true,
  nav: 1_000_000_000n,
  idle: 1_000_000_000n,
  reservedAssets: 0n,
  lendingCollateral: 0n,
  totalSupply: 999_000_999_000_000n,
  pricePerShareWad: 10n ** 12n,
  lastGoodPpsWad: 10n ** 12n,
  lastRebalanceAt: 0n,
  lossBudgetUsedWad: 0n,
  lossBudgetCapWad: 2n * 10n ** 16n,
  pendingShares: 0n,
  currentEpoch: 0n,
  cancelLockedUntil: 0n,
  paused: false,
  shutdown: false,
  defensive: false,
  navError: null,
};

/** The time the actions are derived at (seconds): 2023-11-14T22:13:20Z. */
const NOW = 1_700_000_000n;

const POS: Position = {
  account: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  shares: 999_000_999_000_000n,
  value: 999_000_999n,
  baseBalance: 0n,
  allowance: 0n,
  maxDeposit: 9_999_000_000_000n,
  maxWithdraw: 998_003_000n,
  maxRedeem: 999_000_999_000_000n,
  pendingShares: 0n,
  claimableShares: 0n,
  claimableAssets: 0n,
};

describe("app state: banner", function () {
  it("says open and keeper-independent when nothing is wrong", function () {
    const b = deriveBanner(SNAP);
    expect(b.level).to.equal("ok");
    expect(b.title).to.equal("Open");
    expect(b.text).to.include("keeper is down");
  });

  it("names the failing feed and what still works when the NAV cannot be priced", function () {
    const b = deriveBanner({ ...SNAP, navAvailable: false, navError: "OracleStale(feed=0xF…)" });
    expect(b.level).to.equal("danger");
    expect(b.title).to.equal("Price feed down");
    expect(b.text).to.include("OracleStale(feed=0xF…)");
    expect(b.text).to.include("Withdrawing idle funds still works");
    expect(b.text).to.not.include("in-kind exit");
  });

  it("in shutdown points to the in-kind exit, also with a feed down", function () {
    const b = deriveBanner({ ...SNAP, shutdown: true, navAvailable: false, navError: "x" });
    expect(b.title).to.equal("Shut down");
    expect(b.text).to.include("in-kind exit");
    expect(b.text).to.include("so does the in-kind exit");
  });

  it("warns for pause and defensive mode, keeping withdrawals open", function () {
    const p = deriveBanner({ ...SNAP, paused: true });
    expect([p.level, p.title]).to.deep.equal(["warn", "Paused"]);
    expect(p.text).to.include("Withdrawals and redemption requests stay open");
    const d = deriveBanner({ ...SNAP, defensive: true, paused: true });
    expect(d.title).to.equal("Defensive mode");
    expect(d.text).to.include("paused");
  });
});

describe("app state: actions", function () {
  it("closes every action without a wallet or on the wrong chain, with the reason", function () {
    const none = deriveActions(SNAP, null, false, NOW);
    for (const a of Object.values(none)) {
      expect(a.enabled).to.equal(false);
      expect(a.reason).to.equal("Connect a wallet first.");
    }
    const wrong = deriveActions(SNAP, POS, false, NOW);
    expect(wrong.deposit.reason).to.include("Switch your wallet");
  });

  it("opens deposit and withdrawals on a healthy vault; in-kind exit stays closed", function () {
    const a = deriveActions(SNAP, POS, true, NOW);
    expect(a.deposit.enabled).to.equal(true);
    expect(a.withdrawNow.enabled).to.equal(true);
    expect(a.requestRedeem.enabled).to.equal(true);
    expect(a.claim.enabled).to.equal(false);
    expect(a.cancelRequest.enabled).to.equal(false);
    expect(a.fulfil.enabled).to.equal(false);
    expect(a.exitInKind.reason).to.include("after a shutdown");
  });

  it("closes deposits for pause, defensive mode, shutdown, a feed down and a full cap", function () {
    expect(deriveActions({ ...SNAP, paused: true }, POS, true, NOW).deposit.reason).to.include(
      "paused",
    );
    expect(deriveActions({ ...SNAP, defensive: true }, POS, true, NOW).deposit.enabled).to.equal(
      false,
    );
    expect(
      deriveActions({ ...SNAP, navAvailable: false }, POS, true, NOW).deposit.reason,
    ).to.include("feeds");
    expect(deriveActions(SNAP, { ...POS, maxDeposit: 0n }, true, NOW).deposit.reason).to.include(
      "cap",
    );
    const shut = deriveActions({ ...SNAP, shutdown: true }, POS, true, NOW);
    expect(shut.deposit.enabled).to.equal(false);
    expect(shut.exitInKind.enabled).to.equal(true);
    expect(shut.withdrawNow.enabled).to.equal(true);
  });

  it("keeps withdrawals open with a feed down, routes claims first, queues without idle funds", function () {
    expect(
      deriveActions({ ...SNAP, navAvailable: false }, POS, true, NOW).withdrawNow.enabled,
    ).to.equal(true);
    const claim = deriveActions(
      SNAP,
      { ...POS, claimableShares: 5n, claimableAssets: 5n },
      true,
      NOW,
    );
    expect(claim.claim.enabled).to.equal(true);
    expect(claim.withdrawNow.reason).to.include("Claim your fulfilled redemption first");
    const dry = deriveActions(SNAP, { ...POS, maxWithdraw: 0n }, true, NOW);
    expect(dry.withdrawNow.reason).to.include("request a redemption");
    expect(dry.requestRedeem.enabled).to.equal(true);
    const pending = deriveActions(
      { ...SNAP, pendingShares: 9n },
      { ...POS, pendingShares: 9n },
      true,
      NOW,
    );
    expect(pending.cancelRequest.enabled).to.equal(true);
    expect(pending.fulfil.enabled).to.equal(true);
    expect(
      deriveActions({ ...SNAP, pendingShares: 9n, navAvailable: false }, POS, true, NOW).fulfil
        .enabled,
    ).to.equal(false);
    const empty = deriveActions(SNAP, { ...POS, shares: 0n, maxWithdraw: 0n }, true, NOW);
    expect(empty.requestRedeem.enabled).to.equal(false);
    expect(empty.withdrawNow.reason).to.equal("You hold no shares.");
  });

  it("locks cancelling a pending request until cancelLockedUntil, unless shut down", function () {
    const until = NOW + 3n * 86_400n - 600n;
    const lockedSnap = { ...SNAP, pendingShares: 9n, cancelLockedUntil: until };
    const pending = { ...POS, pendingShares: 9n };
    const locked = deriveActions(lockedSnap, pending, true, NOW);
    expect(locked.cancelRequest).to.deep.equal({
      enabled: false,
      reason:
        "Your request is locked until 2023-11-17T22:03:20Z (2 d 23 h from now): a fulfilment found the queue " +
        "larger than the idle funds, so it waits to be fulfilled at the next rebalance.",
    });
    // only the cancel: the rest of the page is as without the lock
    const free = deriveActions({ ...lockedSnap, cancelLockedUntil: 0n }, pending, true, NOW);
    expect({ ...locked, cancelRequest: free.cancelRequest }).to.deep.equal(free);
    expect(free.cancelRequest.enabled).to.equal(true);
    // the lock expired (the vault checks block.timestamp < unlocksAt)
    expect(deriveActions(lockedSnap, pending, true, until).cancelRequest.enabled).to.equal(true);
    expect(deriveActions(lockedSnap, pending, true, until - 1n).cancelRequest.enabled).to.equal(
      false,
    );
    // a shutdown lifts the lock
    const shut = deriveActions({ ...lockedSnap, shutdown: true }, pending, true, NOW);
    expect(shut.cancelRequest.enabled).to.equal(true);
    // nothing pending: closed for that reason, lock or not
    expect(deriveActions(lockedSnap, POS, true, NOW).cancelRequest.reason).to.equal(
      "You have no pending request.",
    );
    // no wallet: the wallet's reason first
    expect(deriveActions(lockedSnap, null, false, NOW).cancelRequest.reason).to.equal(
      "Connect a wallet first.",
    );
  });

  it("says when the waiting redemptions are locked, and only while the lock holds", function () {
    const until = NOW + 3600n;
    const s = { ...SNAP, pendingShares: 9n, cancelLockedUntil: until };
    expect(cancelLockEnd(s, NOW)).to.equal(until);
    expect(cancelLockEnd(s, until)).to.equal(null);
    expect(cancelLockEnd({ ...s, shutdown: true }, NOW)).to.equal(null);
    expect(cancelLockEnd(SNAP, NOW)).to.equal(null);
    expect(queueLockNote(s, NOW)).to.equal(
      "locked until 2023-11-14T23:13:20Z: a fulfilment found them larger than the idle funds, so they " +
        "wait for the next rebalance and cannot be cancelled before then",
    );
    expect(queueLockNote(s, until)).to.equal("");
    expect(queueLockNote({ ...s, shutdown: true }, NOW)).to.equal("");
    expect(cancelLockReason(until, NOW)).to.include(
      "locked until 2023-11-14T23:13:20Z (1 h from now)",
    );
  });

  it("splits a redemption between idle funds now and a queued request", function () {
    expect(splitRedeem(100n, 40n)).to.deep.equal({ now: 40n, queued: 60n });
    expect(splitRedeem(30n, 40n)).to.deep.equal({ now: 30n, queued: 0n });
    expect(splitRedeem(30n, 0n)).to.deep.equal({ now: 0n, queued: 30n });
  });
});

describe("app state: holdings and history rows", function () {
  it("formats holdings with value and weight vs max weight, flagging near and over", function () {
    const rows = holdingRows(
      [
        {
          token: WETH,
          enabled: true,
          maxWeightBps: 4000n,
          balance: 15n * 10n ** 17n,
          debt: 0n,
          value: 4_500_000_000n,
          debtValue: 0n,
          weightBps: 3900n,
          netDeltaBps: 3900n,
        },
        {
          token: WETH,
          enabled: false,
          maxWeightBps: 1000n,
          balance: 0n,
          debt: 10n ** 18n,
          value: 0n,
          debtValue: 3_000_000_000n,
          weightBps: 1200n,
          netDeltaBps: 0n,
        },
        {
          token: WETH,
          enabled: true,
          maxWeightBps: 4000n,
          balance: 10n ** 18n,
          debt: 0n,
          value: null,
          debtValue: null,
          weightBps: null,
          netDeltaBps: null,
        },
      ],
      USDC,
    );
    expect(rows[0]).to.deep.equal({
      asset: "WETH",
      balance: "1.5",
      value: "4,500",
      weight: "39.00 % / 40.00 % (near max)",
      maxWeight: "40.00 %",
      headroom: "near",
    });
    expect(rows[1].asset).to.equal("WETH (disabled)");
    expect(rows[1].balance).to.equal("0 (debt 1)");
    expect(rows[1].headroom).to.equal("over");
    expect(rows[1].weight).to.equal("12.00 % / 10.00 % (above max)");
    expect(rows[2].value).to.equal("unavailable");
    expect(rows[2].headroom).to.equal("unknown");
    expect(rows[2].weight).to.equal("— / 40.00 %");
  });

  it("lists history newest first with kinds and formatted amounts, capped at the limit", function () {
    const ev = (
      name: string,
      blockNumber: number,
      logIndex: number,
      args: Record<string, unknown>,
    ): VaultEvent => ({
      name,
      blockNumber,
      logIndex,
      txHash: `0x${blockNumber}`,
      args,
    });
    const events = [
      ev("Deposit", 10, 0, {
        owner: POS.account,
        assets: 1_000_000_000n,
        shares: 999_000_999_000_000n,
      }),
      ev("Withdraw", 11, 1, {
        owner: POS.account,
        assets: 400_000_000n,
        shares: 400_400_401_000_000n,
      }),
      ev("RedeemRequested", 12, 0, { controller: POS.account, epoch: 0n, shares: 5n * 10n ** 12n }),
      ev("RedemptionsFulfilled", 13, 0, { epoch: 0n, shares: 5n * 10n ** 12n, assets: 4_995_000n }),
      ev("RedemptionClaimed", 14, 0, {
        controller: POS.account,
        assets: 4_995_000n,
        shares: 5n * 10n ** 12n,
      }),
      ev("Rebalanced", 11, 0, {
        nonce: 3n,
        navBefore: 10n ** 9n,
        navAfter: 999_000_000n,
        turnoverBps: 1200n,
        lossBps: 10n,
      }),
      ev("Transfer", 15, 0, {}),
    ];
    const rows = historyRows(events, USDC, SHARE);
    expect(rows.map((r) => r.kind)).to.deep.equal([
      "Redemption claimed",
      "Redemptions fulfilled",
      "Redemption requested",
      "Withdraw",
      "Rebalanced",
      "Deposit",
    ]);
    expect(rows[5].detail).to.equal("0x7099…79C8 deposited 1,000 USDC for 999.0009 bUSDC");
    expect(rows[1].detail).to.equal("epoch 0: 5 bUSDC burnt, 4.99 USDC set aside");
    expect(rows[4].detail).to.equal(
      "plan #3: NAV 1,000 USDC → 999 USDC, turnover 12.00 %, loss 0.10 %",
    );
    expect(historyRows(events, USDC, SHARE, 2)).to.have.length(2);
  });

  it("shows a fulfilment that locked the epoch, with the time its requests can be cancelled", function () {
    const locked: VaultEvent = {
      name: "RedemptionsLocked",
      blockNumber: 12,
      logIndex: 1,
      txHash: "0x12",
      args: { epoch: 4n, assetsNeeded: 500_000_000n, idle: 120_500_000n, unlocksAt: NOW },
    };
    expect(historyRows([locked], USDC, SHARE)).to.deep.equal([
      {
        block: 12,
        kind: "Redemptions locked",
        detail:
          "epoch 4: 500 USDC needed, 120.5 USDC idle; requests cannot be cancelled until 2023-11-14T22:13:20Z",
        txHash: "0x12",
      },
    ]);
  });
});

describe("app state: risk figures and the in-kind exit", function () {
  const LIMITS = {
    depositCap: 10_000_000_000n,
    maxLeverageBps: 15_000n,
    lossBudgetBps: 200n,
    lossWindow: 86_400n,
    circuitBreakerDropBps: 1000n,
    circuitBreakerWindow: 86_400n,
  };
  const hold = (
    token: typeof WETH,
    balance: bigint,
    value: bigint | null,
    debtValue: bigint | null,
  ): HoldingInput => ({
    token,
    enabled: true,
    maxWeightBps: 4000n,
    balance,
    debt: 0n,
    value,
    debtValue,
    weightBps: value === null ? null : 0n,
    netDeltaBps: value === null ? null : 0n,
  });

  it("leverage is floor(Σ(value + debtValue) × 10000 / NAV), like the vault's check", function () {
    // gross 600 + 100 + 5.000001 on a NAV of 1,000 → 7050.00001 bps → 7050 (rounded down)
    const r = riskView(
      SNAP,
      [hold(WETH, 1n, 600_000_000n, 100_000_000n), hold(WETH, 1n, 5_000_001n, 0n)],
      LIMITS,
    );
    expect(r.leverageBps).to.equal(7050n);
    expect(r.capRoom).to.equal(9_000_000_000n);
    expect(r.lossBudgetLeftWad).to.equal(2n * 10n ** 16n);
    expect(r.mode).to.equal("open");
    expect(riskView(SNAP, [], LIMITS).leverageBps).to.equal(0n);
  });

  it("leverage and cap room are unknown while a feed fails; budget left never negative", function () {
    const down = { ...SNAP, navAvailable: false, nav: 0n };
    const r = riskView(down, [hold(WETH, 1n, null, null)], LIMITS);
    expect([r.leverageBps, r.capRoom]).to.deep.equal([null, null]);
    // NAV 0 with exposure: the vault's type(uint256).max, shown as unknown
    const empty = { ...SNAP, nav: 0n };
    expect(riskView(empty, [hold(WETH, 1n, 5n, 0n)], LIMITS).leverageBps).to.equal(null);
    const spent = { ...SNAP, lossBudgetUsedWad: 3n * 10n ** 16n };
    expect(riskView(spent, [], LIMITS).lossBudgetLeftWad).to.equal(0n);
    expect(riskView({ ...SNAP, nav: 11_000_000_000n }, [], LIMITS).capRoom).to.equal(0n);
  });

  it("with BallastLens.exposure, shows the lens's gross and leverage (not a page estimate) and its max", function () {
    const holdings = [hold(WETH, 1n, 600_000_000n, 100_000_000n)]; // page estimate 7000
    const x = {
      ok: true,
      gross: 712_345_678n,
      nav: 1_000_000_000n,
      leverageBps: 7123n,
      maxLeverageBps: 12_000n,
    };
    const r = riskView(SNAP, holdings, LIMITS, x);
    expect([r.leverageBps, r.grossExposure, r.maxLeverageBps, r.fromLens]).to.deep.equal([
      7123n,
      712_345_678n,
      12_000n,
      true,
    ]);
    // a feed down: unknown, however complete the holdings look
    const down = riskView(SNAP, holdings, LIMITS, { ...x, ok: false, gross: 0n, leverageBps: 0n });
    expect([down.leverageBps, down.grossExposure, down.fromLens]).to.deep.equal([null, null, true]);
    // NAV 0 < gross: the vault's type(uint256).max, shown as null with the gross known
    const unb = riskView(SNAP, holdings, LIMITS, { ...x, nav: 0n, leverageBps: MAX_UINT256 });
    expect([unb.leverageBps, unb.grossExposure]).to.deep.equal([null, 712_345_678n]);
    // without the lens view: the page's own figure, the configured max
    const own = riskView(SNAP, holdings, LIMITS, null);
    expect([own.leverageBps, own.grossExposure, own.maxLeverageBps, own.fromLens]).to.deep.equal([
      7000n,
      null,
      15_000n,
      false,
    ]);
  });

  it("the holdings note names each asset's failing feed, adds the NAV's reason when no asset names it, and says what still shows", function () {
    const WBTC = { ...WETH, symbol: "WBTC" };
    const F1 = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const F2 = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
    const stale = `the WBTC/USD feed is stale: its last answer is from 2023-11-14T22:13:20Z, older than its heartbeat of 1 d [OracleStale(feed=${F2}, updatedAt=1700000000, heartbeat=86400, nowTs=1700200000)]`;
    const good = hold(WETH, 5n, 600n, 0n);
    expect(holdingsNote([good], true, null)).to.equal("");
    expect(holdingsNote([hold(WETH, 5n, null, null)], false, null)).to.equal(
      "Oracle values and weights need the lens (start the page with --lens <address>): balances only.",
    );
    // WBTC's feed is stale: WETH still valued, no weights; the NAV fails on that same feed
    const navOnWbtc = `the WBTC/USD feed is stale [OracleStale(feed=${F2.toLowerCase()}, updatedAt=1, heartbeat=2, nowTs=3)]`;
    const valuedNoWeight = { ...good, weightBps: null, netDeltaBps: null };
    const wbtcDown = { ...hold(WBTC, 1n, null, null), feedError: stale };
    expect(holdingsNote([valuedNoWeight, wbtcDown], true, navOnWbtc)).to.equal(
      `A price feed fails (WBTC: ${stale}): balances are current; values only where the asset's and the base feed answer; no weights while the NAV cannot be priced.`,
    );
    // the base feed fails: no asset names it, so the NAV's reason is given, first
    const navOnBase = `the USDC/USD feed answers 0, not a positive price [OracleAnswerNotPositive(feed=${F1}, answer=0)]`;
    const noValue = { ...hold(WETH, 5n, null, null), feedError: null };
    expect(holdingsNote([noValue], true, navOnBase)).to.equal(
      `A price feed fails (${navOnBase}): balances only, no oracle values or weights.`,
    );
    expect(holdingsNote([noValue, wbtcDown], true, navOnBase)).to.equal(
      `A price feed fails (${navOnBase}; WBTC: ${stale}): balances only, no oracle values or weights.`,
    );
    // an older lens (no per-asset status) during an outage
    expect(holdingsNote([hold(WETH, 5n, null, null)], true, null)).to.equal(
      "A price feed fails: balances only, no oracle values or weights.",
    );
  });

  it("mode is the strictest flag: shut down > defensive > paused > open", function () {
    const m = (o: Partial<VaultSnapshot>) => riskView({ ...SNAP, ...o }, [], LIMITS).mode;
    expect(m({ paused: true })).to.equal("paused");
    expect(m({ paused: true, defensive: true })).to.equal("defensive");
    expect(m({ paused: true, defensive: true, shutdown: true })).to.equal("shut down");
  });

  it("previews the in-kind exit as floor(balance × shares / supply) per token, idle base (+ the share of a debt-free collateral) first", function () {
    const s = { ...SNAP, idle: 1_000_000_001n, totalSupply: 3n * 10n ** 12n };
    const lines = inKindPreview(
      10n ** 12n,
      s,
      [hold(WETH, 10n ** 18n + 2n, null, null), hold({ ...WETH, symbol: "WBTC" }, 2n, null, null)],
      USDC,
    );
    expect(lines.map((l) => [l.token.symbol, l.amount])).to.deep.equal([
      ["USDC", 333_333_333n],
      ["WETH", 333_333_333_333_333_334n],
    ]);
    // the exit withdraws the holder's share of a debt-free lending position's collateral; idle
    // and collateral are each rounded down (333,333,333 + 666,666,666)
    const supplied = { ...s, lendingCollateral: 2_000_000_000n };
    expect(inKindPreview(10n ** 12n, supplied, [], USDC)[0].amount).to.equal(999_999_999n);
    const indebted = [{ ...hold(WETH, 0n, null, null), debt: 1n }];
    expect(inKindPreview(10n ** 12n, supplied, indebted, USDC)[0].amount).to.equal(333_333_333n);
    expect(inKindPreview(0n, s, [], USDC)).to.deep.equal([]);
    expect(inKindPreview(5n, { ...s, totalSupply: 0n }, [], USDC)).to.deep.equal([]);
  });
});

describe("app state: queued changes", function () {
  const LIMITS: LimitsView = {
    depositCap: 10_000_000_000_000n,
    maxSlippageBps: 100n,
    maxLossPerRebalanceBps: 100n,
    lossBudgetBps: 200n,
    lossWindow: 86_400n,
    maxTurnoverBps: 20_000n,
    maxLeverageBps: 20_000n,
    minHealthFactor: 12n * 10n ** 17n,
    rebalanceCooldown: 0n,
    circuitBreakerDropBps: 1_000n,
    circuitBreakerWindow: 86_400n,
  };
  const ZERO = "0x0000000000000000000000000000000000000000";
  const FEES: FeesView = {
    recipient: ZERO,
    entryFeeBps: 0n,
    exitFeeBps: 0n,
    managementFeeBps: 0n,
    performanceFeeBps: 0n,
  };
  const FEED = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
  const WETH_CFG: AssetConfigView = {
    token: WETH,
    enabled: true,
    maxWeightBps: 6_000n,
    minNetDeltaBps: -10_000n,
    maxNetDeltaBps: 10_000n,
    feed: FEED,
    heartbeat: 3_600n,
    minPrice: 0n,
    maxPrice: 0n,
  };
  const current = { limits: LIMITS, fees: FEES, assets: [WETH_CFG] };
  const usd = (u: bigint) => `${u / 1_000_000n} USDC`;
  const NOW = 1_700_000_000n;

  it("lists only the fields that change, old → new, and when anyone may apply each", function () {
    const changes: PendingChange[] = [
      {
        kind: "limits",
        key: 0,
        validAt: NOW + 90_000n,
        value: { ...LIMITS, maxSlippageBps: 250n, depositCap: 20_000_000_000_000n },
      },
      {
        kind: "fees",
        key: 0,
        validAt: NOW,
        value: { ...FEES, recipient: OWNER_ADDR, managementFeeBps: 200n, entryFeeBps: 10n },
      },
      {
        kind: "asset",
        key: 0,
        validAt: NOW - 1n,
        value: { ...WETH_CFG, maxWeightBps: 7_000n, minPrice: 100n, maxPrice: 0n },
      },
      { kind: "limits", key: 0, validAt: NOW + 60n, value: LIMITS },
    ];
    expect(pendingRows(changes, current, usd, NOW)).to.deep.equal([
      {
        what: "Risk limits",
        change: "Deposit cap 10000000 USDC → 20000000 USDC; Max slippage 1.00 % → 2.50 %",
        from: "2023-11-15T23:13:20Z (in 1 d 1 h)",
      },
      {
        what: "Fees",
        change: `Entry fee 0.00 % → 0.10 %; Management fee 0.00 % / year → 2.00 % / year; Fee recipient none → ${OWNER_ADDR}`,
        from: "2023-11-14T22:13:20Z — anyone may apply it now",
      },
      {
        what: "Asset WETH",
        change: "max weight 60.00 % → 70.00 %; price band none → 100 to no maximum (feed units)",
        from: "2023-11-14T22:13:19Z — anyone may apply it now",
      },
      { what: "Risk limits", change: "no change", from: "2023-11-14T22:14:20Z (in 1 min)" },
    ]);
  });

  it("words an asset being added and an adapter, new or replacing one", function () {
    const LINK = { address: "0xL", symbol: "LINK", decimals: 18 };
    const A1 = "0x1111111111111111111111111111111111111111";
    const A2 = "0x2222222222222222222222222222222222222222";
    const rows = pendingRows(
      [
        {
          kind: "asset",
          key: 1,
          validAt: NOW,
          value: { ...WETH_CFG, token: LINK, enabled: false },
        },
        {
          kind: "adapter",
          key: 3,
          validAt: NOW,
          value: { adapter: A1, kind: 1 },
          current: { adapter: ZERO, kind: 0 },
        },
        {
          kind: "adapter",
          key: 2,
          validAt: NOW,
          value: { adapter: A2, kind: 2 },
          current: { adapter: A1, kind: 2 },
        },
      ],
      current,
      usd,
      NOW,
    );
    expect(rows.map((r) => [r.what, r.change])).to.deep.equal([
      [
        "Asset LINK",
        `added to the basket: enabled no (may only be sold); max weight 60.00 %; net delta band -100.00 % to 100.00 %; price feed ${FEED}; heartbeat 1 h; price band none`,
      ],
      ["Adapter #3", `new swap adapter ${A1}`],
      ["Adapter #2", `${A1} replaced by lending adapter ${A2}`],
    ]);
  });

  it("lists the limits and fees exactly as the page's facts show them", function () {
    expect(limitFacts(LIMITS, usd).map(([l]) => l)).to.include.members([
      "Deposit cap",
      "Max slippage",
      "Circuit breaker",
    ]);
    expect(feeFacts(FEES)).to.deep.include(["Management fee", "0.00 % / year"]);
    expect(feeFacts({ ...FEES, recipient: OWNER_ADDR, managementFeeBps: 150n })).to.deep.include([
      "Management fee",
      "1.50 % / year",
    ]);
  });
});

describe("app state: configuration events in the history", function () {
  const ev = (name: string, args: Record<string, unknown>, blockNumber: number): VaultEvent => ({
    name,
    blockNumber,
    logIndex: 0,
    txHash: "0x",
    args,
  });
  it("words queued, applied and revoked changes of each kind", function () {
    const rows = historyRows(
      [
        ev("PendingRevoked", { what: 1n, key: 0n }, 6),
        ev("PendingRevoked", { what: 2n, key: 0n }, 5),
        ev("PendingRevoked", { what: 3n, key: 2n }, 4),
        ev("AdapterSet", { id: 3n, adapter: `0x${"0".repeat(40)}`, kind: 0n }, 3),
        ev(
          "FeesSubmitted",
          {
            fees: {
              entryFeeBps: 10n,
              exitFeeBps: 20n,
              managementFeeBps: 100n,
              performanceFeeBps: 1000n,
            },
            validAt: 1_700_000_000n,
          },
          2,
        ),
        ev("AdapterSet", { id: 1n, adapter: OWNER_ADDR, kind: 2n }, 1),
      ],
      USDC,
      SHARE,
    ).map((r) => [r.kind, r.detail]);
    expect(rows).to.deep.equal([
      ["Queued change revoked", "the queued change of the risk limits will not apply"],
      ["Queued change revoked", "the queued change of the fees will not apply"],
      ["Queued change revoked", "the queued change of asset #2 will not apply"],
      ["Adapter set", "#3 removed"],
      [
        "Fee change queued",
        "entry 0.10 %, exit 0.20 %, management 1.00 % / year, performance 10.00 %; anyone may apply it from 2023-11-14T22:13:20Z",
      ],
      ["Adapter set", "#1 0x7099…79C8 (lending)"],
    ]);
  });
});
