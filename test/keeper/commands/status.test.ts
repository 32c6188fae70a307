import { expect } from "chai";
import type { LensAssetTry } from "../../../keeper/src/chain/reader.ts";
import { formatHoldings, formatStatus, holdingsOf } from "../../../keeper/src/commands/status.ts";
import type { VaultStatus } from "../../../keeper/src/commands/status.ts";
import { asset, assetAddr, snapshot } from "../planner/fixtures.ts";

/**
 * The outage view of `ballast status` without a chain: `BallastLens.tryAssetStates` rows turned
 * into holdings (whole tokens, the feed's state in the off-chain check's words, values and weights
 * only where the lens set them) and their table.
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
    const st = {
      vault: snap.vault,
      name: "main",
      chainId: "31337",
      blockNumber: 42,
      timestamp: String(NOW),
      nav: "0",
      navAvailable: false,
      navUnavailable: `feed ${FEED(1)} of asset 1 (${assetAddr(1)}): stale: updated 90000 s ago, heartbeat 86400 s`,
      lensNav: null,
      holdings: holdingsOf(rows, snap),
      totalSupply: "0",
      pricePerShareWad: "0",
      baseDecimals: 6,
      shareDecimals: 12,
      idle: "0",
      reservedAssets: "0",
      lendingCollateral: "0",
      leverageBps: "0",
      flags: { paused: false, defensive: false, shutdown: false, navUnavailable: true },
      assets: [],
      limits: {},
      lossBudget: { usedWad: "0", capWad: "0", leftWad: "0", leftBps: "0" },
      redemptions: { epoch: "0", pendingShares: "0", pendingAssetsEstimate: "0" },
      nextNonce: "0",
      lastRebalanceAt: "0",
      cooldownReadyAt: "0",
      lastRebalances: [],
      keeper: { signer: null, signerHasRole: null, rpc: null, journalPending: null, warnings: [] },
    } satisfies VaultStatus;
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
