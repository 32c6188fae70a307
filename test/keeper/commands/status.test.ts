import { expect } from "chai";
import { callFailureDetail, navUnavailableReason } from "../../../keeper/src/chain/feeds.ts";
import type { FeedCallFailure } from "../../../keeper/src/chain/feeds.ts";
import type {
  ConfigFields,
  LensAssetTry,
  PendingChangeRead,
} from "../../../keeper/src/chain/reader.ts";
import {
  cancelLockNote,
  cancelLockOf,
  cleanSymbol,
  cooldownLine,
  diffConfig,
  formatHoldings,
  formatLimit,
  formatPendingChanges,
  formatStatus,
  limitsLine,
  holdingsOf,
  pendingChangeStatus,
  pendingChangeWarnings,
  pricedFigures,
  redemptionWarnings,
} from "../../../keeper/src/commands/status.ts";
import type { PendingChangeStatus, VaultStatus } from "../../../keeper/src/commands/status.ts";
import type { VaultSnapshot } from "../../../keeper/src/planner/types.ts";
import { navOf, pxAll } from "../../../keeper/src/planner/checks.ts";
import { asset, assetAddr, snapshot } from "../planner/fixtures.ts";

/**
 * The outage view of `ballast status` without a chain: `BallastLens.tryAssetStates` rows turned
 * into holdings (whole tokens, the feed's state in the off-chain check's words, values and weights
 * only where the lens set them) and their table; a feed whose call fails (the reader's
 * FeedCallFailure) named in the same words, and the figures it leaves unpriced shown as n/a.
 */

const NOW = 1_700_000_000n;
const FEED = (i: number) => "0x" + (0xf0 + i).toString(16).padStart(40, "0");
const feedInfo = (i: number) => ({
  feed: FEED(i),
  updatedAt: NOW - 60n,
  heartbeat: 86_400n,
  minPrice: 1n,
  maxPrice: 10n ** 14n,
});

// WETH (18 dec) good, WBTC (8 dec) stale, a 6-dec token answering 0, one whose feed call failed
const snap = snapshot(
  [
    asset(0, { feedInfo: feedInfo(0) }),
    asset(1, { decimals: 8, feedInfo: feedInfo(1) }),
    asset(2, { decimals: 6, feedInfo: feedInfo(2) }),
    asset(3, { feedInfo: feedInfo(3) }),
  ],
  { timestamp: NOW },
);

/** A status for the formatStatus tests: a priced, empty vault at block 42; `over` replaces fields. */
function statusOf(over: Partial<VaultStatus>): VaultStatus {
  return {
    vault: snap.vault,
    name: "main",
    chainId: "31337",
    blockNumber: 42,
    timestamp: String(NOW),
    nav: "0",
    navAvailable: true,
    navUnavailable: null,
    lensNav: null,
    totalSupply: "0",
    pricePerShareWad: "0",
    baseDecimals: 6,
    shareDecimals: 12,
    idle: "0",
    reservedAssets: "0",
    lendingCollateral: "0",
    leverageBps: "0",
    flags: { paused: false, defensive: false, shutdown: false, navUnavailable: false },
    assets: [],
    limits: {},
    pendingChanges: [],
    pendingAdaptersChecked: true,
    lossBudget: { usedWad: "0", capWad: "0", leftWad: "0", leftBps: "0" },
    redemptions: {
      epoch: "0",
      pendingShares: "0",
      pendingAssetsEstimate: "0",
      cancelLockedUntil: "0",
      cancelLocked: false,
    },
    nextNonce: "0",
    lastRebalanceAt: "0",
    cooldownReadyAt: "0",
    lastRebalances: [],
    keeper: { signer: null, signerHasRole: null, rpc: null, journalPending: null, warnings: [] },
    ...over,
  };
}

function row(i: number, over: Partial<LensAssetTry>): LensAssetTry {
  return {
    token: assetAddr(i),
    feed: FEED(i),
    balance: 0n,
    debt: 0n,
    priceOk: true,
    status: 0,
    answer: 2000n * 10n ** 8n,
    updatedAt: NOW - 60n,
    valueOk: false,
    value: 0n,
    debtValue: 0n,
    weightOk: false,
    weightBps: 0n,
    netDeltaBps: 0n,
    ...over,
  };
}

const rows: LensAssetTry[] = [
  row(0, {
    balance: 15n * 10n ** 17n,
    debt: 25n * 10n ** 16n,
    valueOk: true,
    value: 3000n * 10n ** 6n,
    debtValue: 500n * 10n ** 6n + 1n,
  }),
  row(1, { balance: 12_345_678n, priceOk: false, status: 2, updatedAt: NOW - 90_000n }),
  row(2, { balance: 7n, priceOk: false, status: 1, answer: 0n }),
  row(3, { balance: 10n ** 18n, priceOk: false, status: 4, answer: 0n, updatedAt: 0n }),
];

describe("status: holdings during a feed outage (pure)", function () {
  it("holdingsOf: whole-token balance and debt always, the feed's state in words, values only where the lens set them", function () {
    const h = holdingsOf(rows, snap);
    expect(h.map((x) => [x.balanceTokens, x.debtTokens])).to.deep.equal([
      ["1.5", "0.25"],
      ["0.12345678", "0"],
      ["0.000007", "0"],
      ["1", "0"],
    ]);
    expect(h.map((x) => x.feedStatus)).to.deep.equal([
      "ok",
      "stale",
      "not-positive",
      "call-failed",
    ]);
    expect(h.map((x) => x.feedState)).to.deep.equal([
      "ok",
      "stale: updated 90000 s ago, heartbeat 86400 s",
      "answer 0 is not positive",
      "call failed: the feed does not answer latestRoundData() (OracleCallFailed)",
    ]);
    expect(h[0]).to.deep.equal({
      index: 0,
      token: assetAddr(0),
      decimals: 18,
      balance: "1500000000000000000",
      debt: "250000000000000000",
      balanceTokens: "1.5",
      debtTokens: "0.25",
      feed: FEED(0),
      feedStatusCode: 0,
      feedStatus: "ok",
      feedState: "ok",
      answer: "200000000000",
      updatedAt: String(NOW - 60n),
      value: "3000000000",
      debtValue: "500000001",
      weightBps: null,
      netDeltaBps: null,
    });
    for (const x of h.slice(1)) {
      expect([x.value, x.debtValue, x.weightBps, x.netDeltaBps]).to.deep.equal([
        null,
        null,
        null,
        null,
      ]);
    }
    expect(h[1].updatedAt).to.equal(String(NOW - 90_000n));
  });

  it("weights and net deltas appear once the lens sets them (weightOk), including negative deltas", function () {
    const h = holdingsOf(
      [
        row(0, {
          valueOk: true,
          value: 5n,
          debtValue: 9n,
          weightOk: true,
          weightBps: 12n,
          netDeltaBps: -3n,
        }),
      ],
      snapshot([asset(0, { feedInfo: feedInfo(0) })], { timestamp: NOW }),
    );
    expect([h[0].weightBps, h[0].netDeltaBps]).to.deep.equal(["12", "-3"]);
  });

  it("an out-of-band answer is named with its band", function () {
    const h = holdingsOf(
      [row(0, { priceOk: false, status: 3, answer: 10n ** 15n })],
      snapshot([asset(0, { feedInfo: feedInfo(0) })], { timestamp: NOW }),
    );
    expect(h[0].feedState).to.equal("answer 1000000000000000 outside [1, 100000000000000]");
  });

  it("formatHoldings: one aligned row per asset, base amounts in whole base tokens, n/a where unpriced", function () {
    expect(formatHoldings(holdingsOf(rows, snap), 6)).to.deep.equal([
      "holdings (whole tokens; value and debt value in base token amounts, n/a without a good price):",
      "  #  token                                       balance     debt  value  debt value  weight  net delta  feed",
      `  0  ${assetAddr(0)}  1.5         0.25  3000   500.000001  n/a     n/a        ok`,
      `  1  ${assetAddr(1)}  0.12345678  0     n/a    n/a         n/a     n/a        stale: updated 90000 s ago, heartbeat 86400 s`,
      `  2  ${assetAddr(2)}  0.000007    0     n/a    n/a         n/a     n/a        answer 0 is not positive`,
      `  3  ${assetAddr(3)}  1           0     n/a    n/a         n/a     n/a        call failed: the feed does not answer latestRoundData() (OracleCallFailed)`,
    ]);
  });

  it("formatStatus puts the holdings under the failing feeds, and prints none without them", function () {
    const st = statusOf({
      navAvailable: false,
      navUnavailable: `feed ${FEED(1)} of asset 1 (${assetAddr(1)}): stale: updated 90000 s ago, heartbeat 86400 s`,
      holdings: holdingsOf(rows, snap),
      flags: { paused: false, defensive: false, shutdown: false, navUnavailable: true },
    });
    const lines = formatStatus(st).split("\n");
    expect(lines.slice(1, 4)).to.deep.equal([
      "NAV unavailable:",
      `  feed ${FEED(1)} of asset 1 (${assetAddr(1)}): stale: updated 90000 s ago, heartbeat 86400 s`,
      "holdings (whole tokens; value and debt value in base token amounts, n/a without a good price):",
    ]);
    expect(lines[9]).to.equal(
      "the figures below are at the feeds' last answers, which the vault refuses:",
    );
    const { holdings: _h, ...without } = st;
    expect(formatStatus(without)).to.not.contain("holdings");
    expect(formatStatus(without).split("\n")[3]).to.equal(
      "the figures below are at the feeds' last answers, which the vault refuses:",
    );
  });
});

const BASE_FEED = "0x" + "bf".padStart(40, "0");
const WHY1 =
  "call failed: the feed does not answer latestRoundData() or decimals() (reverted without data)";
// what readSnapshot's "collect" leaves for asset 1's failed feed: zeros; asset 2 is stale
const held = snapshot(
  [
    asset(0, { feedInfo: feedInfo(0) }),
    asset(1, {
      decimals: 8,
      price: 0n,
      feedDecimals: 0,
      feedInfo: { ...feedInfo(1), updatedAt: 0n },
    }),
    asset(2, { decimals: 6, feedInfo: { ...feedInfo(2), updatedAt: NOW - 90_000n } }),
    asset(3, { feedInfo: feedInfo(3) }),
  ],
  { timestamp: NOW },
);
held.base.feedInfo = { ...feedInfo(9), feed: BASE_FEED };
held.positions = {
  baseBalance: 5_000n * 10n ** 6n,
  collateral: 7n * 10n ** 6n,
  balances: [10n ** 18n, 2n * 10n ** 8n, 3n * 10n ** 6n, 0n],
  debts: [0n, 0n, 0n, 0n],
};
held.reservedAssets = 1_000n * 10n ** 6n;

describe("status: a feed whose call fails (pure)", function () {
  const call = (asset: number | "base", methods: FeedCallFailure["methods"]): FeedCallFailure => ({
    asset,
    feed: asset === "base" ? BASE_FEED : FEED(asset),
    methods,
    why: "reverted without data",
  });
  it("callFailureDetail names the failed calls, the price call first, and how they failed", function () {
    expect(callFailureDetail(call(1, ["latestRoundData", "decimals"]))).to.equal(WHY1);
    expect(
      callFailureDetail({ ...call(0, ["decimals"]), why: "reverted: Error(no data)" }),
    ).to.equal("call failed: the feed does not answer decimals() (reverted: Error(no data))");
  });

  it("navUnavailableReason names a failed call instead of checking the zeros left for it, base first, the other failures still listed", function () {
    const calls = [call(1, ["latestRoundData", "decimals"])];
    const stale = `feed ${FEED(2)} of asset 2 (${assetAddr(2)}): stale: updated 90000 s ago, heartbeat 86400 s`;
    expect(navUnavailableReason(held, true, "x", calls)).to.equal(
      `feed ${FEED(1)} of asset 1 (${assetAddr(1)}): ${WHY1}; ${stale}`,
    );
    // the chain's word is not needed: a failed call is a failure
    expect(navUnavailableReason(held, false, "x", calls)).to.not.equal(null);
    expect(
      navUnavailableReason(held, true, "x", [call("base", ["latestRoundData"]), ...calls]),
    ).to.equal(
      `feed ${BASE_FEED} of the base token (${held.base.token}): call failed: the feed does not answer latestRoundData() (reverted without data); ` +
        `feed ${FEED(1)} of asset 1 (${assetAddr(1)}): ${WHY1}; ${stale}`,
    );
  });

  it("pricedFigures: the full NAV with every feed answering; none while a call fails, each value only where its own and the base feed answered", function () {
    const answering = {
      ...held,
      assets: held.assets.map((a, i) =>
        i === 1 ? { ...a, price: 30_000n * 10n ** 8n, feedDecimals: 8 } : a,
      ),
    };
    const all = pricedFigures(answering, []);
    expect(all.nav).to.deep.equal(
      navOf(answering.positions, answering.reservedAssets, pxAll(answering)),
    );
    expect(all.values).to.deep.equal(all.nav?.values);
    // 1 ETH and 3 tokens at 2000, 2 BTC-likes at 30000, idle 4000 and collateral 7
    expect(all.nav?.nav).to.equal((2000n + 60_000n + 6000n + 4000n + 7n) * 10n ** 6n);
    expect(all.idle).to.equal(4_000n * 10n ** 6n);

    const one = pricedFigures(held, [call(1, ["latestRoundData", "decimals"])]);
    expect(one.nav).to.equal(null);
    // 1 ETH at 2000, 3 tokens (6 dec) at 2000 (stale: still its answer), nothing held of asset 3
    expect(one.values).to.deep.equal([2000n * 10n ** 6n, null, 6000n * 10n ** 6n, 0n]);
    expect(one.idle).to.equal(4_000n * 10n ** 6n);

    const base = pricedFigures(held, [call("base", ["latestRoundData"])]);
    expect([base.nav, base.values, base.idle]).to.deep.equal([
      null,
      [null, null, null, null],
      4_000n * 10n ** 6n,
    ]);
  });

  it("holdingsOf names a feed whose call the lens reports failed (code 4) in the reader's words", function () {
    const h = holdingsOf(rows, snap, [call(3, ["latestRoundData"])]);
    expect(h[3].feedState).to.equal(
      "call failed: the feed does not answer latestRoundData() (reverted without data)",
    );
    expect(h.slice(0, 3).map((x) => x.feedState)).to.deep.equal(
      holdingsOf(rows, snap)
        .slice(0, 3)
        .map((x) => x.feedState),
    );
  });

  it("formatStatus: n/a for the figures a failed call leaves unpriced, the rest as usual", function () {
    const st = statusOf({
      nav: null,
      navAvailable: false,
      navUnavailable: `feed ${FEED(1)} of asset 1 (${assetAddr(1)}): ${WHY1}`,
      totalSupply: "2500000000000",
      pricePerShareWad: null,
      idle: "4000000000",
      reservedAssets: "1000000000",
      lendingCollateral: "7000000",
      leverageBps: null,
      flags: { paused: false, defensive: false, shutdown: false, navUnavailable: true },
      assets: [0, 1].map((i) => ({
        index: i,
        token: assetAddr(i),
        enabled: true,
        balance: "1",
        debt: "0",
        price: i === 1 ? null : "200000000000",
        value: i === 1 ? null : "2000000000",
        weightBps: null,
        maxWeightBps: "4000",
        weightHeadroomBps: null,
        netDeltaBps: null,
        netDeltaBand: ["-2000", "4000"] as [string, string],
        feedAgeSeconds: i === 1 ? null : "60",
        heartbeat: "86400",
      })),
      redemptions: {
        epoch: "3",
        pendingShares: "1000000",
        pendingAssetsEstimate: null,
        cancelLockedUntil: null,
        cancelLocked: null,
      },
    });
    expect(formatStatus(st).split("\n").slice(1, 10)).to.deep.equal([
      "NAV unavailable:",
      `  feed ${FEED(1)} of asset 1 (${assetAddr(1)}): ${WHY1}`,
      "the figures below are at the feeds' last answers, which the vault refuses; n/a where a feed's call fails or its answer is not positive:",
      "NAV n/a  supply 2.5 shares  price per share n/a  idle 4000  reserved 1000  collateral 7  leverage n/a  (base token amounts, 6 decimals)",
      "flags: nav-unavailable",
      "",
      "#  token                                       weight  max       headroom  net delta  band           value  feed age",
      `0  ${assetAddr(0)}  n/a     4000 bps  n/a       n/a        [-2000, 4000]  2000   60s/86400s`,
      `1  ${assetAddr(1)}  n/a     4000 bps  n/a       n/a        [-2000, 4000]  n/a    n/a/86400s`,
    ]);
    expect(formatStatus(st)).to.contain(
      "\nredemptions: epoch 3, pending 0.000001 shares (~n/a base)\n",
    );
  });
});

describe("status: a base feed answering zero or less (pure)", function () {
  // every feed answers (asset 2 stale); the base feed's answer is set per case
  const answering = (basePrice: bigint): VaultSnapshot => ({
    ...held,
    base: { ...held.base, price: basePrice },
    assets: held.assets.map((a, i) =>
      i === 1
        ? {
            ...a,
            price: 30_000n * 10n ** 8n,
            feedDecimals: 8,
            feedInfo: { ...feedInfo(1), updatedAt: NOW - 60n },
          }
        : a,
    ),
  });
  const stale = `feed ${FEED(2)} of asset 2 (${assetAddr(2)}): stale: updated 90000 s ago, heartbeat 86400 s`;

  it("pricedFigures divides by no such answer: the NAV and every value null, idle as usual", function () {
    for (const p of [0n, -1n, -(10n ** 8n)]) {
      const f = pricedFigures(answering(p), []);
      expect([f.nav, f.values, f.idle], `base answer ${p}`).to.deep.equal([
        null,
        [null, null, null, null],
        4_000n * 10n ** 6n,
      ]);
    }
    // an asset's call failing as well changes nothing
    const both = pricedFigures(answering(0n), [
      { asset: 3, feed: FEED(3), methods: ["latestRoundData"], why: "reverted without data" },
    ]);
    expect([both.nav, both.values]).to.deep.equal([null, [null, null, null, null]]);
    // an ASSET answering zero or less: its value and the NAV are null, the others priced (it used
    // to count negatively into the NAV figure)
    for (const p of [0n, -(2000n * 10n ** 8n)]) {
      const ok = answering(10n ** 8n);
      const neg = { ...ok, assets: ok.assets.map((a, i) => (i === 0 ? { ...a, price: p } : a)) };
      const f = pricedFigures(neg, []);
      const all = pricedFigures(ok, []);
      expect(f.nav, `asset 0 answer ${p}`).to.equal(null);
      expect(f.values, `asset 0 answer ${p}`).to.deep.equal([null, ...all.values.slice(1)]);
      expect(f.idle).to.equal(all.idle);
    }
    // a positive answer prices as before
    const ok = answering(10n ** 8n);
    expect(pricedFigures(ok, []).nav).to.deep.equal(
      navOf(ok.positions, ok.reservedAssets, pxAll(ok)),
    );
  });

  it("navUnavailableReason names the base feed first, in OracleLib's words, also when the chain does not say so", function () {
    const base = (p: bigint) =>
      `feed ${BASE_FEED} of the base token (${held.base.token}): answer ${p} is not positive`;
    expect(navUnavailableReason(answering(0n), false)).to.equal(`${base(0n)}; ${stale}`);
    expect(navUnavailableReason(answering(-1n), true, "x")).to.equal(`${base(-1n)}; ${stale}`);
  });
});

describe("status: the redemption cancel lock (pure)", function () {
  const DAY3 = 3n * 86_400n;
  const UNTIL = NOW + DAY3; // a lock set at NOW
  const AT = "2023-11-17T22:13:20Z"; // UNTIL
  // a healthy vault at NOW with 600 base pending in epoch 2 and 400 idle (6 decimals)
  const status = (
    cancelLockedUntil: string | null,
    over: { shutdown?: boolean; pendingAssetsEstimate?: string | null; idle?: string } = {},
  ): VaultStatus => ({
    vault: snap.vault,
    name: "main",
    chainId: "31337",
    blockNumber: 42,
    timestamp: String(NOW),
    nav: "1000000000",
    navAvailable: true,
    navUnavailable: null,
    lensNav: "1000000000",
    totalSupply: "1000000000000000",
    pricePerShareWad: String(10n ** 12n),
    baseDecimals: 6,
    shareDecimals: 12,
    idle: over.idle ?? "400000000",
    reservedAssets: "0",
    lendingCollateral: "0",
    leverageBps: "10000",
    flags: {
      paused: false,
      defensive: false,
      shutdown: over.shutdown ?? false,
      navUnavailable: false,
    },
    assets: [],
    limits: {},
    pendingChanges: [],
    pendingAdaptersChecked: true,
    lossBudget: { usedWad: "0", capWad: "0", leftWad: "0", leftBps: "0" },
    redemptions: {
      epoch: "2",
      pendingShares: "600000000000000",
      pendingAssetsEstimate:
        over.pendingAssetsEstimate === undefined ? "600000000" : over.pendingAssetsEstimate,
      cancelLockedUntil,
      cancelLocked: null, // the note reads the time, not this
    },
    nextNonce: "0",
    lastRebalanceAt: "0",
    cooldownReadyAt: "0",
    lastRebalances: [],
    keeper: { signer: null, signerHasRole: null, rpc: null, journalPending: null, warnings: [] },
  });
  const line = (st: VaultStatus) =>
    formatStatus(st)
      .split("\n")
      .find((l) => l.startsWith("redemptions:"));
  const PENDING = "redemptions: epoch 2, pending 600 shares (~600 base)";

  it("cancelLockOf: unknown (null), none (0), locked while after the block, expired from it on, not enforced in shutdown", function () {
    expect(cancelLockOf(null, NOW, false)).to.deep.equal({ state: "unknown" });
    expect(cancelLockOf(0n, NOW, false)).to.deep.equal({ state: "none" });
    expect(cancelLockOf(0n, NOW, true)).to.deep.equal({ state: "none" });
    expect(cancelLockOf(UNTIL, NOW, false)).to.deep.equal({ state: "locked", until: UNTIL });
    expect(cancelLockOf(NOW + 1n, NOW, false)).to.deep.equal({ state: "locked", until: NOW + 1n });
    // the vault refuses while block.timestamp < until: at `until` itself cancelling is allowed
    expect(cancelLockOf(NOW, NOW, false)).to.deep.equal({ state: "expired", until: NOW });
    expect(cancelLockOf(NOW - 1n, NOW, true)).to.deep.equal({ state: "expired", until: NOW - 1n });
    expect(cancelLockOf(UNTIL, NOW, true)).to.deep.equal({ state: "not-enforced", until: UNTIL });
  });

  it("formatStatus: the redemptions line says locked until when (UTC), expired, not enforced, or nothing", function () {
    expect(line(status(String(UNTIL)))).to.equal(
      `${PENDING}, locked until ${AT} (requests cannot be cancelled; free liquidity to fulfil)`,
    );
    expect(line(status(String(NOW - 60n)))).to.equal(
      `${PENDING}, lock expired at 2023-11-14T22:12:20Z (requests can be cancelled)`,
    );
    expect(line(status(String(NOW)))).to.equal(
      `${PENDING}, lock expired at 2023-11-14T22:13:20Z (requests can be cancelled)`,
    );
    expect(line(status(String(UNTIL), { shutdown: true }))).to.equal(
      `${PENDING}, lock until ${AT} not enforced (shut down: requests can be cancelled)`,
    );
    // not locked, and a vault without the lock (null): the line as before
    expect(line(status("0"))).to.equal(PENDING);
    expect(line(status(null))).to.equal(PENDING);
    expect(cancelLockNote(status(null))).to.equal("");
  });

  it("formatStatus: a locked epoch the idle funds now cover says a fulfilment settles it; n/a estimate still asks for liquidity", function () {
    expect(line(status(String(UNTIL), { idle: "600000000" }))).to.equal(
      `redemptions: epoch 2, pending 600 shares (~600 base), locked until ${AT} (requests cannot be cancelled; idle now covers them: a fulfilment settles the epoch)`,
    );
    expect(line(status(String(UNTIL), { pendingAssetsEstimate: null }))).to.equal(
      `redemptions: epoch 2, pending 600 shares (~n/a base), locked until ${AT} (requests cannot be cancelled; free liquidity to fulfil)`,
    );
  });

  it("redemptionWarnings: the shortfall warning names the lock and its end while it holds, and only then", function () {
    const w = (lock: ReturnType<typeof cancelLockOf>, pendingAssets: bigint | null = 600n) =>
      redemptionWarnings({ epoch: 2n, pendingShares: 6n, pendingAssets, idle: 400n, lock });
    const short = "pending redemptions (600) exceed idle (400): a plan must raise cash";
    expect(w(cancelLockOf(UNTIL, NOW, false))).to.deep.equal([
      `${short}; epoch 2 is locked until ${AT} (its requests cannot be cancelled before then)`,
    ]);
    for (const lock of [
      cancelLockOf(null, NOW, false),
      cancelLockOf(0n, NOW, false),
      cancelLockOf(NOW, NOW, false),
      cancelLockOf(UNTIL, NOW, true),
    ])
      expect(w(lock), lock.state).to.deep.equal([short]);
  });

  it("redemptionWarnings: a locked epoch without an estimate (NAV unavailable) or covered by idle is still named; nothing pending, nothing said", function () {
    const locked = cancelLockOf(UNTIL, NOW, false);
    expect(
      redemptionWarnings({
        epoch: 2n,
        pendingShares: 6n,
        pendingAssets: null,
        idle: 400n,
        lock: locked,
      }),
    ).to.deep.equal([
      `redemption epoch 2 is locked until ${AT} (a fulfilment found its pending redemptions above idle; their estimate needs the NAV): a plan must raise cash`,
    ]);
    expect(
      redemptionWarnings({
        epoch: 2n,
        pendingShares: 6n,
        pendingAssets: 400n,
        idle: 400n,
        lock: locked,
      }),
    ).to.deep.equal([
      `redemption epoch 2 is locked until ${AT} but idle (400) now covers its pending redemptions (400): fulfilRedemptions() or the next rebalance settles it`,
    ]);
    // unlocked: no estimate or a covered one is no warning, as before
    for (const pendingAssets of [null, 400n])
      expect(
        redemptionWarnings({
          epoch: 2n,
          pendingShares: 6n,
          pendingAssets,
          idle: 400n,
          lock: cancelLockOf(0n, NOW, false),
        }),
      ).to.deep.equal([]);
    expect(
      redemptionWarnings({
        epoch: 2n,
        pendingShares: 0n,
        pendingAssets: 0n,
        idle: 0n,
        lock: locked,
      }),
    ).to.deep.equal([]);
  });
});

describe("status: configuration changes queued behind the curator timelock (pure)", function () {
  // 2023-11-14T22:13:20Z; a day later 2023-11-15T22:13:20Z
  const DAY = 86_400n;
  const AT = "2023-11-14T22:13:20Z";
  const LATER = "2023-11-15T22:13:20Z";
  const ZERO = "0x0000000000000000000000000000000000000000";
  const ADAPTER = "0x000000000000000000000000000000000000dEaD";
  const limits: ConfigFields = {
    depositCap: 10n ** 24n,
    maxSlippageBps: 100n,
    maxLossPerRebalanceBps: 50n,
    lossBudgetBps: 300n,
    lossWindow: 30n * DAY,
    maxTurnoverBps: 5000n,
    maxLeverageBps: 10_000n,
    minHealthFactor: 15n * 10n ** 17n,
    rebalanceCooldown: 600n,
    circuitBreakerDropBps: 1000n,
    circuitBreakerWindow: 3600n,
  };
  const assetCfg: ConfigFields = {
    token: assetAddr(4),
    feed: FEED(4),
    heartbeat: 86_400n,
    enabled: true,
    maxWeightBps: 2500n,
    minNetDeltaBps: -500n,
    maxNetDeltaBps: 2500n,
    minPrice: 1n,
    maxPrice: 10n ** 14n,
  };
  const change = (over: Partial<PendingChangeRead>): PendingChangeRead => ({
    kind: "limits",
    key: 0,
    validAt: NOW,
    value: { ...limits, maxSlippageBps: 200n },
    current: limits,
    ...over,
  });

  it("diffConfig: only the fields that differ, in ABI order, raw values as strings (negative and 1e24 integers, booleans, checksummed addresses)", function () {
    expect(
      diffConfig(limits, {
        ...limits,
        depositCap: 2n * 10n ** 24n,
        maxSlippageBps: 200n,
        circuitBreakerWindow: 7200n,
      }),
    ).to.deep.equal([
      { field: "depositCap", from: "1000000000000000000000000", to: "2000000000000000000000000" },
      { field: "maxSlippageBps", from: "100", to: "200" },
      { field: "circuitBreakerWindow", from: "3600", to: "7200" },
    ]);
    expect(diffConfig(limits, { ...limits })).to.deep.equal([]);
    expect(
      diffConfig(assetCfg, { ...assetCfg, enabled: false, minNetDeltaBps: -1000n }),
    ).to.deep.equal([
      { field: "enabled", from: "true", to: "false" },
      { field: "minNetDeltaBps", from: "-500", to: "-1000" },
    ]);
    expect(diffConfig({ adapter: ZERO, kind: 0n }, { adapter: ADAPTER, kind: 1n })).to.deep.equal([
      { field: "adapter", from: ZERO, to: ADAPTER },
      { field: "kind", from: "0", to: "1" },
    ]);
  });

  it("diffConfig: an asset being added (no value in force) lists every field with from null", function () {
    const d = diffConfig(null, assetCfg);
    expect(d.map((x) => x.field)).to.deep.equal(Object.keys(assetCfg));
    expect(d.every((x) => x.from === null)).to.equal(true);
    expect(d.slice(0, 4)).to.deep.equal([
      { field: "token", from: null, to: assetAddr(4) },
      { field: "feed", from: null, to: FEED(4) },
      { field: "heartbeat", from: null, to: "86400" },
      { field: "enabled", from: null, to: "true" },
    ]);
  });

  it("pendingChangeStatus: the JSON shape, validAt in unix seconds and UTC, acceptable from validAt on (the vault refuses while block.timestamp < validAt)", function () {
    const st = pendingChangeStatus(change({}), NOW);
    expect(st).to.deep.equal({
      kind: "limits",
      key: 0,
      validAt: String(NOW),
      validAtIso: AT,
      acceptable: true,
      changes: [{ field: "maxSlippageBps", from: "100", to: "200" }],
    });
    expect(JSON.parse(JSON.stringify(st))).to.deep.equal(st);
    expect(pendingChangeStatus(change({}), NOW - 1n).acceptable).to.equal(false);
    expect(pendingChangeStatus(change({ validAt: NOW + DAY }), NOW)).to.deep.include({
      validAt: String(NOW + DAY),
      validAtIso: LATER,
      acceptable: false,
    });
    const added = pendingChangeStatus(
      change({ kind: "asset", key: 4, value: assetCfg, current: null }),
      NOW,
    );
    expect([added.kind, added.key, added.changes.length]).to.deep.equal(["asset", 4, 9]);
  });

  const adapter: PendingChangeStatus = pendingChangeStatus(
    change({
      kind: "adapter",
      key: 3,
      validAt: NOW + DAY,
      value: { adapter: ADAPTER, kind: 1n },
      current: { adapter: ZERO, kind: 0n },
    }),
    NOW,
  );
  const lim = pendingChangeStatus(
    change({ value: { ...limits, maxSlippageBps: 200n, maxTurnoverBps: 6000n } }),
    NOW,
  );
  const added = pendingChangeStatus(
    change({ kind: "asset", key: 4, value: assetCfg, current: null }),
    NOW,
  );
  const asset1 = pendingChangeStatus(
    change({
      kind: "asset",
      key: 1,
      validAt: NOW + 60n,
      value: { ...assetCfg, maxWeightBps: 3000n },
      current: assetCfg,
    }),
    NOW,
  );

  it("formatPendingChanges: none; n/a when the vault does not say; a line per change with its fields, its time and whether it can be accepted now", function () {
    expect(formatPendingChanges([], true, NOW)).to.deep.equal(["queued changes: none"]);
    expect(formatPendingChanges([], false, NOW)).to.deep.equal([
      "queued changes: none (adapters not checked: they need BallastLens.pendingChanges)",
    ]);
    expect(formatPendingChanges(null, false, NOW)).to.deep.equal([
      "queued changes: n/a (the vault does not answer pendingChange)",
    ]);
    expect(formatPendingChanges([lim, asset1, added, adapter], true, NOW)).to.deep.equal([
      "queued changes (4):",
      `  limits: maxSlippageBps 100 → 200, maxTurnoverBps 5000 → 6000 (from ${AT}; can be accepted now)`,
      `  asset 1: maxWeightBps 2500 → 3000 (from 2023-11-14T22:14:20Z; in 1 min)`,
      `  asset 4 (new): token ${assetAddr(4)}, feed ${FEED(4)}, heartbeat 86400, enabled true, maxWeightBps 2500, minNetDeltaBps -500, maxNetDeltaBps 2500, minPrice 1, maxPrice 100000000000000 (from ${AT}; can be accepted now)`,
      `  adapter 3: adapter ${ZERO} → ${ADAPTER}, kind 0 → 1 (from ${LATER}; in 1 d)`,
    ]);
    expect(formatPendingChanges([lim], false, NOW)[0]).to.equal(
      "queued changes (1; adapters not checked: they need BallastLens.pendingChanges):",
    );
    const same = pendingChangeStatus(change({ kind: "fees", value: limits }), NOW - 1n);
    expect(formatPendingChanges([same], true, NOW - 1n)[1]).to.equal(
      `  fees: no field differs from the value in force (from ${AT}; in 1 s)`,
    );
  });

  it("pendingChangeWarnings: one per change that can be accepted now, naming the call anyone may make and what it changes; none for the others", function () {
    expect(pendingChangeWarnings([lim, asset1, added, adapter])).to.deep.equal([
      `queued limits change can be accepted now (valid from ${AT}): anyone may apply it at any moment with acceptLimits(): maxSlippageBps 100 → 200, maxTurnoverBps 5000 → 6000`,
      `queued asset 4 (new) change can be accepted now (valid from ${AT}): anyone may apply it at any moment with acceptAsset(4): token ${assetAddr(4)}, feed ${FEED(4)}, heartbeat 86400, enabled true, maxWeightBps 2500, minNetDeltaBps -500, maxNetDeltaBps 2500, minPrice 1, maxPrice 100000000000000`,
    ]);
    expect(pendingChangeWarnings([asset1, adapter])).to.deep.equal([]);
    const ready = pendingChangeStatus(
      change({
        kind: "adapter",
        key: 3,
        value: { adapter: ADAPTER, kind: 1n },
        current: { adapter: ZERO, kind: 0n },
      }),
      NOW,
    );
    expect(pendingChangeWarnings([ready])[0]).to.contain("with acceptAdapter(3): adapter ");
  });

  it("formatStatus: the queued changes right under the limits line", function () {
    const st = statusOf({
      limits: { maxSlippageBps: "100" },
      pendingChanges: [lim, adapter],
    });
    const lines = formatStatus(st).split("\n");
    const at = lines.indexOf("limits: maxSlippageBps=100 bps");
    expect(at).to.be.greaterThan(0);
    expect(lines.slice(at + 1, at + 5)).to.deep.equal([
      "queued changes (2):",
      `  limits: maxSlippageBps 100 → 200, maxTurnoverBps 5000 → 6000 (from ${AT}; can be accepted now)`,
      `  adapter 3: adapter ${ZERO} → ${ADAPTER}, kind 0 → 1 (from ${LATER}; in 1 d)`,
      "loss budget: used 0% / cap 0% of NAV, left 0 bps",
    ]);
    expect(formatStatus({ ...st, pendingChanges: [] }).split("\n")[at + 1]).to.equal(
      "queued changes: none",
    );
  });
});

describe("status: the text form reads as an operator would say it (pure)", function () {
  // the walkthrough's vault: USDC base (6 decimals), the limits of deploy/lib/vaultConfig.ts,
  // last rebalance 2026-12-08T00:05:49Z, block 2 min 27 s later, cooldown 10 min
  const T = 1_796_688_496n; // 2026-12-08T00:08:16Z
  const LAST = 1_796_688_349n; // 2026-12-08T00:05:49Z
  const LIMITS = {
    maxSlippageBps: "100",
    maxLossPerRebalanceBps: "50",
    lossBudgetBps: "300",
    lossWindow: "86400",
    maxTurnoverBps: "5000",
    maxLeverageBps: "10000",
    minHealthFactor: "1500000000000000000",
    rebalanceCooldown: "600",
    depositCap: "10000000000000",
    circuitBreakerDropBps: "1000",
    circuitBreakerWindow: "86400",
  };
  const status = (over: Partial<VaultStatus> = {}): VaultStatus =>
    statusOf({
      timestamp: String(T),
      nav: "1000000000000",
      lensNav: "1000000000000",
      totalSupply: "999000999000000000",
      pricePerShareWad: String(10n ** 12n),
      idle: "400000000000",
      leverageBps: "6000",
      assets: [0, 1].map((i) => ({
        index: i,
        token: assetAddr(i),
        enabled: true,
        balance: "1",
        debt: "0",
        price: "200000000000",
        value: "300000000000",
        weightBps: "3000",
        maxWeightBps: "4000",
        weightHeadroomBps: "1000",
        netDeltaBps: "3000",
        netDeltaBand: ["-2000", "4000"] as [string, string],
        feedAgeSeconds: "60",
        heartbeat: "86400",
      })),
      limits: LIMITS,
      lossBudget: {
        usedWad: "1675590365316807",
        capWad: "30000000000000000",
        leftWad: "28324409634683193",
        leftBps: "283",
      },
      redemptions: {
        epoch: "2",
        pendingShares: "600000000000000",
        pendingAssetsEstimate: "600000000",
        cancelLockedUntil: "0",
        cancelLocked: false,
      },
      nextNonce: "3",
      lastRebalanceAt: String(LAST),
      cooldownReadyAt: String(LAST + 600n),
      ...over,
    });
  const labels = { baseSymbol: "USDC", symbols: ["WETH", null] };
  const line = (text: string, head: string) => text.split("\n").find((l) => l.startsWith(head));

  it("limits: the health factor as a decimal, the deposit cap in whole base tokens with the symbol, durations, bps said so", function () {
    const want =
      "limits: maxSlippageBps=100 bps, maxLossPerRebalanceBps=50 bps, lossBudgetBps=300 bps, " +
      "lossWindow=1 d, maxTurnoverBps=5000 bps, maxLeverageBps=10000 bps, minHealthFactor=1.5, " +
      "rebalanceCooldown=10 min, depositCap=10000000 USDC, circuitBreakerDropBps=1000 bps, " +
      "circuitBreakerWindow=1 d";
    expect(line(formatStatus(status(), labels), "limits:")).to.equal(want);
    expect(limitsLine(LIMITS, { decimals: 6, symbol: "USDC" })).to.equal(want);
    // without the symbol (a pure rendering, or symbol() failing): the decimals still apply
    expect(line(formatStatus(status()), "limits:")).to.equal(
      want.replace("10000000 USDC", "10000000 base tokens"),
    );
    expect(formatStatus(status())).to.not.contain("1500000000000000000");
    expect(formatStatus(status())).to.not.contain("10000000000000");
    expect(formatLimit("rebalanceCooldown", "90061", { decimals: 6, symbol: null })).to.equal(
      "1 d 1 h 1 min 1 s",
    );
    expect(
      formatLimit("minHealthFactor", "1050000000000000000", { decimals: 6, symbol: null }),
    ).to.equal("1.05");
    expect(formatLimit("depositCap", "1500001", { decimals: 6, symbol: "USDC" })).to.equal(
      "1.500001 USDC",
    );
  });

  it("loss budget: percentages with at most 4 decimals, never 0% for a positive use", function () {
    expect(line(formatStatus(status()), "loss budget:")).to.equal(
      "loss budget: used 0.1676% / cap 3% of NAV, left 283 bps",
    );
    const tiny = status({ lossBudget: { ...status().lossBudget, usedWad: "1000" } });
    expect(line(formatStatus(tiny), "loss budget:")).to.equal(
      "loss budget: used <0.0001% / cap 3% of NAV, left 283 bps",
    );
  });

  it("the last rebalance and the cooldown in UTC and relative to the block: running, ended, never", function () {
    expect(cooldownLine(status())).to.equal(
      "next nonce 3, last rebalance 2026-12-08T00:05:49Z (2 min 27 s ago), cooldown 10 min: runs until 2026-12-08T00:15:49Z (in 7 min 33 s)",
    );
    expect(line(formatStatus(status()), "next nonce")).to.equal(cooldownLine(status()));
    expect(cooldownLine(status({ timestamp: String(LAST + 3_600n) }))).to.equal(
      "next nonce 3, last rebalance 2026-12-08T00:05:49Z (1 h ago), cooldown 10 min: ended at 2026-12-08T00:15:49Z (50 min ago)",
    );
    expect(
      cooldownLine(status({ nextNonce: "0", lastRebalanceAt: "0", cooldownReadyAt: "0" })),
    ).to.equal("next nonce 0, last rebalance never, cooldown 10 min: no wait");
    expect(formatStatus(status())).to.not.contain("cooldown ready at 1796688949");
  });

  it("with the symbols (runStatusView): tokens by symbol next to the address (n/a where symbol() failed), base amounts named", function () {
    const lines = formatStatus(status(), labels).split("\n");
    expect(lines[1]).to.equal(
      "NAV 1000000  supply 999000.999 shares  price per share 1  idle 400000  reserved 0  collateral 0  leverage 6000 bps  (base token amounts in USDC, 6 decimals)",
    );
    const at = lines.findIndex((l) => l.startsWith("#"));
    expect(lines.slice(at, at + 3)).to.deep.equal([
      "#  token  address                                     weight    max       headroom  net delta  band           value   feed age",
      `0  WETH   ${assetAddr(0)}  3000 bps  4000 bps  1000 bps  3000 bps   [-2000, 4000]  300000  60s/86400s`,
      `1  n/a    ${assetAddr(1)}  3000 bps  4000 bps  1000 bps  3000 bps   [-2000, 4000]  300000  60s/86400s`,
    ]);
    expect(line(lines.join("\n"), "redemptions:")).to.equal(
      "redemptions: epoch 2, pending 600 shares (~600 USDC)",
    );
    // without them, as before: the address is the token column
    const plain = formatStatus(status()).split("\n");
    expect(plain[plain.findIndex((l) => l.startsWith("#")) + 1]).to.match(
      new RegExp(`^0  ${assetAddr(0)}  3000 bps`),
    );
    // the holdings of the outage view the same way
    expect(
      formatHoldings(holdingsOf(rows, snap), 6, {
        baseSymbol: "USDC",
        symbols: ["WETH", "WBTC", null, "X"],
      }).slice(1, 3),
    ).to.deep.equal([
      "  #  token  address                                     balance     debt  value  debt value  weight  net delta  feed",
      `  0  WETH   ${assetAddr(0)}  1.5         0.25  3000   500.000001  n/a     n/a        ok`,
    ]);
  });

  it("cleanSymbol keeps a symbol() answer to one printable cell: no whitespace, control or bidi characters, at most 24 characters", function () {
    expect(cleanSymbol("WETH")).to.equal("WETH");
    expect(cleanSymbol(" US DC\n")).to.equal("USDC");
    expect(cleanSymbol("\u202eHTEW")).to.equal("HTEW");
    expect(cleanSymbol("\u0000\u0007")).to.equal(null);
    expect(cleanSymbol("")).to.equal(null);
    expect(cleanSymbol(42)).to.equal(null);
    expect(cleanSymbol("A".repeat(40))).to.equal("A".repeat(24));
  });

  it("queued limit changes read as the limits line (health factor, durations, deposit cap); the warnings keep the raw values", function () {
    const c = pendingChangeStatus(
      {
        kind: "limits",
        key: 0,
        validAt: T + 86_398n,
        current: {
          depositCap: 10n ** 13n,
          minHealthFactor: 15n * 10n ** 17n,
          maxSlippageBps: 100n,
          rebalanceCooldown: 600n,
        },
        value: {
          depositCap: 2n * 10n ** 13n,
          minHealthFactor: 16n * 10n ** 17n,
          maxSlippageBps: 200n,
          rebalanceCooldown: 1200n,
        },
      },
      T,
    );
    expect(formatPendingChanges([c], true, T, { decimals: 6, symbol: "USDC" })[1]).to.equal(
      "  limits: depositCap 10000000 USDC → 20000000 USDC, minHealthFactor 1.5 → 1.6, maxSlippageBps 100 → 200, rebalanceCooldown 10 min → 20 min (from 2026-12-09T00:08:14Z; in 23 h 59 min)",
    );
    const due = pendingChangeStatus(
      {
        kind: "limits",
        key: 0,
        validAt: T,
        current: { minHealthFactor: 15n * 10n ** 17n },
        value: { minHealthFactor: 16n * 10n ** 17n },
      },
      T,
    );
    expect(pendingChangeWarnings([due])[0]).to.contain(
      "minHealthFactor 1500000000000000000 → 1600000000000000000",
    );
  });
});
