import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { network } from "hardhat";
import { Contract, id } from "ethers";
import type { InterfaceAbi, Provider } from "ethers";
import { projectAbi } from "../../keeper/src/chain/abis.ts";
import { formatAmount, formatBps, formatTimestamp } from "../../app/src/amounts.ts";
import {
  bindContracts,
  errorAbis,
  HISTORY_BLOCKS,
  holdingFromTry,
  loadAbis,
  readHistory,
  readPendingChanges,
  readPosition,
  readSnapshot,
  readVaultInfo,
} from "../../app/src/chain.ts";
import type { Contracts, MetaCache } from "../../app/src/chain.ts";
import { makeDecoder, reportError } from "../../app/src/errors.ts";
import { deriveActions, historyRows, pendingRows } from "../../app/src/state.ts";
import { ABI_FILES } from "../../scripts/app.ts";
import { USDC, wethVault } from "../helpers/vault.ts";

const VAULT = "0x99bbA657f2BbC93c02D617f8bA121cB8Fc104Acf";
const OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/**
 * A chain of `head + 1` blocks (hashes by fork label) with vault logs, answering the two calls
 * readHistory makes; `ranges` records every eth_getLogs range asked for.
 */
function fakeChain(head: number) {
  const vault = new Contract(VAULT, projectAbi("BallastVault"));
  const chain = {
    head,
    fork: "a",
    logs: [] as {
      blockNumber: number;
      index: number;
      transactionHash: string;
      topics: readonly string[];
      data: string;
    }[],
    ranges: [] as [number, number][],
  };
  const hash = (n: number) => id(`${chain.fork}:${n}`);
  /** A Deposit of `assets` in block `n`. */
  const deposit = (n: number, assets: bigint) => {
    const ev = vault.interface.getEvent("Deposit")!;
    const log = vault.interface.encodeEventLog(ev, [OWNER, OWNER, assets, assets * 10n ** 6n]);
    chain.logs.push({ blockNumber: n, index: 0, transactionHash: hash(n), ...log });
  };
  const provider = {
    getBlock: async (tag: number | "latest") => {
      const n = tag === "latest" ? chain.head : tag;
      return n > chain.head ? null : { number: n, hash: hash(n) };
    },
    getLogs: async (f: { fromBlock: number; toBlock: number }) => {
      chain.ranges.push([f.fromBlock, f.toBlock]);
      return chain.logs.filter((l) => l.blockNumber >= f.fromBlock && l.blockNumber <= f.toBlock);
    },
  } as unknown as Provider;
  return { chain, vault, provider, deposit };
}

describe("app chain: history", function () {
  it("reads the window once, then only the new blocks; a changed chain is read again in full", async function () {
    const head = HISTORY_BLOCKS + 100;
    const { chain, vault, provider, deposit } = fakeChain(head);
    deposit(50, 1n); // before the window
    deposit(head - 10, 2n);
    const first = await readHistory(vault, provider);
    expect(chain.ranges).to.deep.equal([[100, head]]);
    expect(first.toBlock).to.equal(head);
    expect(first.events.map((e) => [e.name, e.blockNumber, e.args.assets])).to.deep.equal([
      ["Deposit", head - 10, 2n],
    ]);

    // nothing new: no eth_getLogs at all
    expect((await readHistory(vault, provider, first)).events).to.deep.equal(first.events);
    expect(chain.ranges).to.have.length(1);

    // three new blocks, one with a deposit: only they are read
    chain.head += 3;
    deposit(head + 2, 3n);
    const second = await readHistory(vault, provider, first);
    expect(chain.ranges[1]).to.deep.equal([head + 1, head + 3]);
    expect(second.events.map((e) => e.args.assets)).to.deep.equal([2n, 3n]);

    // the block the last read ended at was replaced (a reorg): everything again, on the new chain
    chain.fork = "b";
    chain.logs.pop();
    deposit(head + 3, 4n);
    const third = await readHistory(vault, provider, second);
    expect(chain.ranges[2]).to.deep.equal([103, head + 3]);
    expect(third.events.map((e) => e.args.assets)).to.deep.equal([2n, 4n]);

    // a restarted node behind the last read: everything again
    chain.head = 20;
    const fourth = await readHistory(vault, provider, third);
    expect(chain.ranges[3]).to.deep.equal([0, 20]);
    expect(fourth.events).to.deep.equal([]);
  });
});

describe("app chain: holdings from BallastLens.tryAssetStates", function () {
  const FEED = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
  const cfg = {
    token: { address: "0xB", symbol: "WBTC", decimals: 8 },
    enabled: true,
    maxWeightBps: 4000n,
    minNetDeltaBps: -10_000n,
    maxNetDeltaBps: 10_000n,
    feed: FEED,
    heartbeat: 86_400n,
    minPrice: 0n,
    maxPrice: 0n,
  };
  const info = { feedLabels: { [FEED.toLowerCase()]: "WBTC/USD feed" } };
  const entry = {
    token: "0xB",
    feed: FEED,
    balance: 100_000_000n,
    debt: 0n,
    priceOk: true,
    status: 0n,
    answer: 60_000_00000000n,
    updatedAt: 1_700_000_000n,
    valueOk: true,
    value: 60_000_000_000n,
    debtValue: 0n,
    weightOk: true,
    weightBps: 600n,
    netDeltaBps: 600n,
  };

  it("keeps the balance always, a value only when valueOk, a weight only when weightOk, and words a failed feed", function () {
    const ok = holdingFromTry(cfg, entry, 1_700_000_100n, info);
    expect([ok.balance, ok.value, ok.weightBps, ok.netDeltaBps, ok.feedError]).to.deep.equal([
      100_000_000n,
      60_000_000_000n,
      600n,
      600n,
      null,
    ]);
    // another feed fails: valued, no weight (the lens zeroes it; the page must not show 0)
    const noNav = holdingFromTry(cfg, { ...entry, weightOk: false, weightBps: 0n }, 1n, info);
    expect([noNav.value, noNav.weightBps, noNav.netDeltaBps]).to.deep.equal([
      60_000_000_000n,
      null,
      null,
    ]);
    const stale = holdingFromTry(
      cfg,
      {
        ...entry,
        priceOk: false,
        status: 2n,
        valueOk: false,
        value: 0n,
        weightOk: false,
        weightBps: 0n,
      },
      1_700_200_000n,
      info,
    );
    expect([stale.balance, stale.value, stale.debtValue, stale.weightBps]).to.deep.equal([
      100_000_000n,
      null,
      null,
      null,
    ]);
    expect(stale.feedError).to.equal(
      "the WBTC/USD feed is stale: its last answer is from 2023-11-14T22:13:20Z, older than its " +
        `heartbeat of 1 d [OracleStale(feed=${FEED}, updatedAt=1700000000, heartbeat=86400, nowTs=1700200000)]`,
    );
  });
});

/** The ABIs as the page's server serves them. */
const getJson = async (url: string): Promise<InterfaceAbi> => {
  const file = ABI_FILES[/^\/abi\/(\w+)\.json$/.exec(url)![1]];
  return (JSON.parse(readFileSync(path.resolve(file), "utf8")) as { abi: InterfaceAbi }).abi;
};

/**
 * The WETH test vault on a new in-process network with a BallastLens, and the page's contracts
 * bound through the lens and without it (the vault's own getters).
 */
async function pageOnWethVault() {
  const connection = await network.create();
  const { ethers } = connection;
  const s = await wethVault(connection);
  const lens = (await ethers.deployContract("BallastLens")) as unknown as Contract;
  const abis = await loadAbis(getJson);
  const cfg = {
    chainId: 31337,
    rpcUrl: "http://127.0.0.1:8545",
    vault: s.vaultAddr,
    lens: await lens.getAddress(),
  };
  const viaLens = bindContracts(cfg, abis, s.usdcAddr, ethers.provider);
  const viaGetters = bindContracts({ ...cfg, lens: null }, abis, s.usdcAddr, ethers.provider);
  return { connection, s, abis, cfg, viaLens, viaGetters };
}

describe("app chain: the cancel lock on a real vault", function () {
  const CTX = { baseSymbol: "USDC", baseDecimals: 6, shareSymbol: "bUSDC", shareDecimals: 12 };

  it("reads cancelLockedUntil (lens or getters), closes the cancel while it holds and words the vault's revert", async function () {
    const { connection, s, abis, viaLens, viaGetters } = await pageOnWethVault();
    const { ethers, networkHelpers } = connection;
    const decode = makeDecoder(errorAbis(abis));
    const both = (c: Contracts[] = [viaLens, viaGetters]) =>
      Promise.all(c.map((x) => readSnapshot(x, decode, {})));
    const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const alice = s.alice.address;

    for (const snap of await both()) expect(snap.cancelLockedUntil).to.equal(0n);

    // 60 % invested, then alice asks for half her shares: more than the idle funds, so the
    // fulfilment attempt sets nothing aside and locks the epoch
    const [plan, sig] = await s.signed([s.swap(s.usdcAddr, s.wethAddr, USDC(600_000n))]);
    await (await s.vault.rebalance(plan, sig)).wait();
    const half = ((await s.vault.balanceOf(alice)) as bigint) / 2n;
    await (await s.vault.connect(s.alice).requestRedeem(half, alice, alice)).wait();
    const rc = (await (await s.vault.fulfilRedemptions()).wait())!;
    const until =
      BigInt((await rc.getBlock()).timestamp) + ((await s.vault.CANCEL_LOCK()) as bigint);
    const locked = await both();
    for (const snap of locked) {
      expect([snap.pendingShares, snap.cancelLockedUntil]).to.deep.equal([half, until]);
    }
    const pos = await readPosition(viaGetters, alice);
    expect(pos.pendingShares).to.equal(half);
    const closed = deriveActions(locked[0], pos, true, await now()).cancelRequest;
    expect(closed.enabled).to.equal(false);
    expect(closed.reason).to.include(`Your request is locked until ${formatTimestamp(until)}`);
    const err: unknown = await s.vault
      .connect(s.alice)
      .cancelRedeemRequest.staticCall(alice)
      .then(
        () => null,
        (e: unknown) => e,
      );
    const report = reportError(err, decode, CTX);
    expect(report.decoded).to.equal(
      `RedeemRequestLocked(controller=${alice}, epoch=0, unlocksAt=${until})`,
    );
    expect(report.message).to.include(`is locked until ${formatTimestamp(until)}`);

    // a shutdown lifts the lock: the page opens the cancel and the vault accepts it
    const beforeShutdown = await networkHelpers.takeSnapshot();
    await (await s.vault.connect(s.guardian).shutDown()).wait();
    const [shut] = await both([viaGetters]);
    expect(shut.cancelLockedUntil).to.equal(until);
    expect(deriveActions(shut, pos, true, await now()).cancelRequest.enabled).to.equal(true);
    expect(await s.vault.connect(s.alice).cancelRedeemRequest.staticCall(alice)).to.equal(half);
    await beforeShutdown.restore();

    // the lock expired: open again; cancelling the last pending request clears it
    await networkHelpers.time.increaseTo(until);
    const [expired] = await both([viaLens]);
    expect(expired.cancelLockedUntil).to.equal(until);
    expect(deriveActions(expired, pos, true, await now()).cancelRequest.enabled).to.equal(true);
    await (await s.vault.connect(s.alice).cancelRedeemRequest(alice)).wait();
    for (const snap of await both()) {
      expect([snap.pendingShares, snap.cancelLockedUntil]).to.deep.equal([0n, 0n]);
    }
  });
});

describe("app chain: queued changes on a real vault", function () {
  it("reads each queued change with its decoded value (lens: every kind; getters: no adapters) until it is accepted or revoked", async function () {
    const { connection, s, abis, cfg, viaLens, viaGetters } = await pageOnWethVault();
    const { ethers } = connection;
    const cache: MetaCache = new Map();
    const info = await readVaultInfo(cfg, abis, ethers.provider, cache);
    const read = (c: Contracts) =>
      readPendingChanges(c, info, abis.erc20, ethers.provider, cache).then((x) => x!);

    for (const c of [viaLens, viaGetters])
      expect(await read(c)).to.deep.equal({ changes: [], adaptersChecked: c === viaLens });

    const looser = { ...info.limits, maxSlippageBps: 300n };
    await (await s.vault.connect(s.curator).submitLimits(looser)).wait();
    await (
      await s.vault.connect(s.curator).submitAsset(0, { ...s.wethConfig, maxWeightBps: 7_000 })
    ).wait();
    const adapterAddr = "0x000000000000000000000000000000000000dEaD";
    await (await s.vault.connect(s.curator).submitAdapter(7, adapterAddr, 1)).wait();
    const validAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);

    const all = await read(viaLens);
    expect(all.adaptersChecked).to.equal(true);
    expect(all.changes.map((c) => [c.kind, c.key, c.validAt])).to.deep.equal([
      ["limits", 0, validAt - 2n],
      ["asset", 0, validAt - 1n],
      ["adapter", 7, validAt],
    ]);
    const [lim, asset, adapter] = all.changes;
    if (lim.kind !== "limits" || asset.kind !== "asset" || adapter.kind !== "adapter")
      throw new Error("kinds");
    expect(lim.value).to.deep.equal({ ...info.limits, maxSlippageBps: 300n });
    expect(asset.value).to.deep.equal({ ...info.assets[0], maxWeightBps: 7_000n });
    expect([adapter.value, adapter.current]).to.deep.equal([
      { adapter: adapterAddr, kind: 1 },
      { adapter: "0x0000000000000000000000000000000000000000", kind: 0 },
    ]);
    const rows = pendingRows(all.changes, info, (u) => u.toString(), validAt);
    expect(rows.map((r) => r.change)).to.deep.equal([
      "Max slippage 1.00 % → 3.00 %",
      "max weight 60.00 % → 70.00 %",
      `new swap adapter ${adapterAddr}`,
    ]);

    const getters = await read(viaGetters);
    expect(getters.adaptersChecked).to.equal(false);
    expect(getters.changes).to.deep.equal(all.changes.slice(0, 2));

    await (await s.vault.acceptLimits()).wait();
    await (await s.vault.connect(s.guardian).revokePending(4, 7)).wait();
    expect((await read(viaLens)).changes.map((c) => c.kind)).to.deep.equal(["asset"]);

    // the history tells the same story from the events, newest first
    const h = await readHistory(viaLens.vault, ethers.provider);
    const share = { address: s.vaultAddr, symbol: "bUSDC", decimals: 12 };
    const history = historyRows(h.events, info.base, share)
      .slice(0, 5)
      .map((r) => [r.kind, r.detail]);
    const from = (t: bigint) => `anyone may apply it from ${formatTimestamp(t)}`;
    const l = info.limits;
    const limitsText =
      `max slippage 3.00 %, loss per rebalance ${formatBps(l.maxLossPerRebalanceBps)}, ` +
      `loss budget ${formatBps(l.lossBudgetBps)} per 1 d, max leverage ${formatBps(l.maxLeverageBps)}, ` +
      `deposit cap ${formatAmount(l.depositCap, 6, 2)} USDC`;
    expect(history).to.deep.equal([
      ["Queued change revoked", "the queued change of adapter #7 will not apply"],
      ["Risk limits set", limitsText],
      ["Adapter queued", `#7 0x0000…dEaD (swap); ${from(validAt)}`],
      [
        "Asset change queued",
        `#0 ${s.wethAddr.slice(0, 6)}…${s.wethAddr.slice(-4)}: max weight 70.00 %, enabled, feed ${info.assets[0].feed.slice(0, 6)}…${info.assets[0].feed.slice(-4)}; ${from(validAt - 1n)}`,
      ],
      ["Limits change queued", `${limitsText}; ${from(validAt - 2n)}`],
    ]);
  });
});
