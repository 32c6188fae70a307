import { expect } from "chai";
import { network } from "hardhat";
import { deployLocalVault } from "../../../deploy/lib/vaultLocal.ts";
import { makeProvider } from "../../../keeper/src/chain/rpc.ts";
import type { ResilientProvider } from "../../../keeper/src/chain/rpc.ts";
import { silentLogger } from "../../../keeper/src/commands/context.ts";
import { tick } from "../../../keeper/src/commands/run.ts";
import { runStatus } from "../../../keeper/src/commands/status.ts";
import { openJournal } from "../../../keeper/src/journal/journal.ts";
import type { Journal } from "../../../keeper/src/journal/journal.ts";
import { createMetrics } from "../../../keeper/src/metrics/registry.ts";
import type { KeeperMetrics } from "../../../keeper/src/metrics/registry.ts";
import type { Worker, WorkerOptions } from "../../../keeper/src/loop/worker.ts";
import {
  TEST_SUBMIT,
  TEST_TRIGGERS,
  localWorker,
  recordingLogger,
  seedDeposit,
} from "../../helpers/keeper.ts";
import { dyn, inProcessFetch, js } from "../../helpers/rpc.ts";

/**
 * The keeper loop through an oracle failure on the local vault: a feed whose call reverts (a
 * deprecated or broken aggregator: the vault's OracleCallFailed), a base feed answering zero or
 * less, an asset feed answering zero. Each is an outage like a stale feed: the tick does not
 * throw (no error backoff), returns `nav-unavailable` naming the feed in `status`'s words, marks
 * the worker degraded (/healthz), evaluates no trigger on the missing price, appends nothing to
 * the risk history and exports no price gauge from it; the journal's in-flight plans are still
 * tracked to mined or reverted; once the feed is back the next tick is a normal one.
 */

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** Runtime code that reverts every call without data: `revert(0, 0)`. */
const REVERT = "0x60006000fd";
const WHY =
  "call failed: the feed does not answer latestRoundData() or decimals() (reverted without data)";

describe("keeper loop through an oracle failure (a feed whose call reverts, a feed answering ≤ 0)", function () {
  this.timeout(180_000);
  let d: Awaited<ReturnType<typeof deployLocalVault>>;
  let provider: ResilientProvider;
  let vault: string;
  let lens: string;
  let quoter: string;
  let chainId: bigint;
  let cfgs: { token: string; feed: string }[];
  let baseFeed: string;
  let usdc: string;
  const rpc = (method: string, params: unknown[] = []) =>
    connection.provider.request({ method, params });

  before(async function () {
    d = await deployLocalVault(connection);
    chainId = (await ethers.provider.getNetwork()).chainId;
    provider = makeProvider(["http://in-process"], chainId, {
      timeoutMs: 20_000,
      fetch: inProcessFetch(connection.provider),
    });
    vault = await d.vault.getAddress();
    lens = await d.lens.getAddress();
    quoter = await d.quoterV2.getAddress();
    usdc = await d.usdc.getAddress();
    const alice = (await ethers.getSigners())[4];
    await seedDeposit(d, alice);
    const v = dyn(d.vault);
    cfgs = ((await v.assetConfigs()) as { token: string; feed: string }[]).map((c) => ({
      token: c.token,
      feed: c.feed,
    }));
    baseFeed = ((await v.oracleConfig()) as [{ feed: string }])[0].feed;
  });

  after(async function () {
    await rpc("evm_setAutomine", [true]);
    provider.destroy();
  });

  /**
   * A worker with fixed targets; the schedule fires 60 s after the last rebalance (so a priced
   * tick would always find a trigger that fired).
   */
  function worker(journal: Journal, targets: bigint[], extra: Partial<WorkerOptions> = {}): Worker {
    return localWorker(
      { name: "main", chainId, vault, lens, provider, journal, quoter, relayer: 5, targets },
      { triggers: { ...TEST_TRIGGERS, scheduleSeconds: 60 }, ...extra },
    );
  }

  /** Restorers of the feeds still broken (a failed case leaves none behind: afterEach). */
  const broken = new Set<() => Promise<void>>();

  /** Makes every call of the contract at `addr` revert without data; returns its code restorer. */
  async function breakFeed(addr: string): Promise<() => Promise<void>> {
    const code = (await rpc("eth_getCode", [addr, "latest"])) as string;
    await networkHelpers.setCode(addr, REVERT);
    const restore = async () => {
      broken.delete(restore);
      await networkHelpers.setCode(addr, code);
    };
    broken.add(restore);
    return restore;
  }

  afterEach(async function () {
    await rpc("evm_setAutomine", [true]);
    for (const restore of [...broken]) await restore();
  });

  async function gauge(m: KeeperMetrics, name: "nav" | "lossBudgetLeft"): Promise<number[]> {
    return (await m[name].get()).values.map((x) => x.value);
  }

  const named1 = () => `feed ${cfgs[1].feed} of asset 1 (${cfgs[1].token}): ${WHY}`;

  it("(a) a feed whose call reverts: nav-unavailable naming it as status does, degraded, no error, no observation, no price gauge; (c) back to normal once it answers", async function () {
    const journal = openJournal(":memory:");
    const metrics = createMetrics();
    const logger = recordingLogger();
    try {
      const w = worker(journal, [2_500n, 2_500n, 1_490n, 1_490n], { metrics, logger });
      const first = await tick(w); // from cash: drift fires and is mined
      expect(first.outcome, js(first)).to.equal("mined");
      expect(w.state.history).to.have.length(1);
      expect(w.state.degraded).to.equal(null);
      const nav = await gauge(metrics, "nav");
      expect(nav).to.have.length(1);
      expect(nav[0]).to.be.greaterThan(0);

      await networkHelpers.time.increase(601); // a new block, past the cooldown: the schedule fires
      const restore = await breakFeed(cfgs[1].feed);
      const down = await tick(w);
      expect(down.action, js(down)).to.equal("nav-unavailable");
      expect(down.fired).to.deep.equal([]); // nothing evaluated on the missing price
      expect(down.detail).to.equal(named1());
      expect(down.nonce).to.equal(first.nonce + 1n);
      expect(w.state.degraded).to.equal(`NAV unavailable: ${named1()}`);
      expect([w.state.consecutiveErrors, w.state.lastError]).to.deep.equal([0, null]);
      expect(w.state.lastBlock).to.equal(down.blockNumber);
      expect(w.state.history, "no observation from the zero price").to.have.length(1);
      expect(await gauge(metrics, "nav")).to.deep.equal(nav); // not a NAV priced with a zero
      expect(await gauge(metrics, "lossBudgetLeft")).to.have.length(1);
      expect(journal.pendingSubmissions()).to.deep.equal([]);
      expect(w.state.outcomes).to.have.length(1); // nothing signed or sent
      // the very words of `ballast status`
      const st = await runStatus({ provider, logger: silentLogger }, { vault, lens });
      expect(st.navUnavailable).to.equal(down.detail);
      // warned once when it went down, not on every tick
      const again = await tick(w);
      expect(again.action).to.equal("nav-unavailable");
      expect(
        logger.lines.filter((l) => l.level !== "info").map(({ level, msg }) => ({ level, msg })),
      ).to.deep.equal([{ level: "warn", msg: "NAV unavailable: nothing is planned" }]);

      // the base feed's call fails too: both named, base first
      const restoreBase = await breakFeed(baseFeed);
      const both = await tick(w);
      expect(both.action).to.equal("nav-unavailable");
      expect(both.detail).to.equal(
        `feed ${baseFeed} of the base token (${usdc}): ${WHY}; ${named1()}`,
      );
      await restoreBase();

      // (c) the feed answers again: the next tick (a new block) is a normal one
      await restore();
      await networkHelpers.mine();
      const back = await tick(w);
      expect(back.action, js(back)).to.not.equal("nav-unavailable");
      expect(back.fired.map((t) => t.kind)).to.include("schedule");
      expect(w.state.degraded).to.equal(null);
      expect(w.state.history).to.have.length(2);
      expect(w.state.history[1].prices.every((p) => p > 0)).to.equal(true);
      expect(logger.lines.filter((l) => l.msg === "NAV available again")).to.have.length(1);
    } finally {
      journal.close();
    }
  });

  it("(a) the base feed answering 0, then -1, and an asset feed answering 0: nav-unavailable naming it, no error, no observation; back to normal after", async function () {
    const journal = openJournal(":memory:");
    try {
      await networkHelpers.time.increase(601);
      const w = worker(journal, [2_500n, 2_500n, 1_490n, 1_490n]);
      const first = await tick(w);
      expect(first.action, js(first)).to.not.equal("nav-unavailable");
      expect(w.state.history).to.have.length(1);
      const cases: [string, number | "base", bigint][] = [
        [baseFeed, "base", 0n],
        [baseFeed, "base", -1n],
        [cfgs[1].feed, 1, 0n],
      ];
      for (const [addr, who, answer] of cases) {
        const feed = dyn(await ethers.getContractAt("MockV3Aggregator", addr));
        const was = ((await feed.latestRoundData()) as bigint[])[1];
        const rows = w.state.history.length;
        await feed.updateAnswer(answer); // a new block
        const token = who === "base" ? usdc : cfgs[who].token;
        const named = `feed ${addr} of ${who === "base" ? "the base token" : `asset ${who}`} (${token}): answer ${answer} is not positive`;
        try {
          const r = await tick(w);
          expect(r.action, js(r)).to.equal("nav-unavailable");
          expect([r.fired, r.detail]).to.deep.equal([[], named]);
          expect(w.state.degraded).to.equal(`NAV unavailable: ${named}`);
          expect([w.state.consecutiveErrors, w.state.lastError]).to.deep.equal([0, null]);
          expect(w.state.history, named).to.have.length(rows);
        } finally {
          await feed.updateAnswer(was);
        }
        const ok = await tick(w);
        expect(ok.action, js(ok)).to.not.equal("nav-unavailable");
        expect(w.state.degraded).to.equal(null);
        expect(w.state.history).to.have.length(rows + 1);
        expect(w.state.history.every((o) => o.prices.every((p) => p > 0))).to.equal(true);
      }
      expect(w.state.history).to.have.length(1 + cases.length);
      expect(journal.pendingSubmissions()).to.deep.equal([]);
    } finally {
      journal.close();
    }
  });

  it("(b) a plan in flight when the feed breaks is still tracked: still pending → tracking, mined before the break → mined, reverted by the broken feed → reverted", async function () {
    const journal = openJournal(":memory:");
    const metrics = createMetrics();
    const inFlightTick = async (targets: bigint[]) => {
      await networkHelpers.time.increase(601); // past the cooldown and the last plan's deadline
      const w = worker(journal, targets, {
        metrics,
        submit: { ...TEST_SUBMIT, receiptTimeoutMs: 1_500 },
      });
      await rpc("evm_setAutomine", [false]);
      const sent = await tick(w);
      expect(sent.outcome, js(sent)).to.equal("timeout");
      expect(journal.get(chainId, vault, sent.nonce)?.status).to.equal("submitted");
      return { w, nonce: sent.nonce };
    };
    const mined = async () =>
      (await metrics.rebalances.get()).values.find((x) => x.labels.status === "mined")?.value ?? 0;
    try {
      // mined just before the feed breaks: tracked to mined during the outage
      {
        const { w, nonce } = await inFlightTick([2_000n, 2_000n, 1_490n, 1_490n]);
        await rpc("evm_mine");
        await rpc("evm_setAutomine", [true]);
        const restore = await breakFeed(cfgs[1].feed);
        const before = await mined();
        const r = await tick(w);
        expect(r.action, js(r)).to.equal("nav-unavailable");
        expect(r.detail).to.equal(named1());
        expect(journal.get(chainId, vault, nonce)?.status).to.equal("mined");
        expect(await mined()).to.equal(before + 1);
        expect(journal.pendingSubmissions()).to.deep.equal([]);
        expect(await dyn(d.vault).nextNonce()).to.equal(nonce + 1n);
        await restore();
      }
      // still pending when the feed breaks (tracking), then mined against the broken feed: the
      // vault reverts it (OracleCallFailed), tracked to reverted during the outage
      {
        const { w, nonce } = await inFlightTick([2_500n, 2_500n, 1_490n, 1_490n]);
        const restore = await breakFeed(cfgs[1].feed);
        const pending = await tick(w);
        expect(pending.action, js(pending)).to.equal("tracking");
        expect(w.state.degraded).to.equal(`NAV unavailable: ${named1()}`);
        expect(journal.get(chainId, vault, nonce)?.status).to.equal("submitted");
        await rpc("evm_mine");
        await rpc("evm_setAutomine", [true]);
        const r = await tick(w);
        expect(r.action, js(r)).to.equal("nav-unavailable");
        expect(r.detail).to.equal(named1());
        const row = journal.get(chainId, vault, nonce);
        expect(row?.status, js(row)).to.equal("reverted");
        expect(row?.error).to.match(/OracleCallFailed/);
        expect(journal.pendingSubmissions()).to.deep.equal([]);
        expect(await dyn(d.vault).nextNonce()).to.equal(nonce); // the vault nonce did not move
        expect([w.state.consecutiveErrors, w.state.lastError]).to.deep.equal([0, null]);
        await restore();
        await networkHelpers.mine();
        const back = await tick(w);
        expect(back.action, js(back)).to.not.equal("nav-unavailable");
        expect(w.state.degraded).to.equal(null);
      }
    } finally {
      await rpc("evm_setAutomine", [true]);
      journal.close();
    }
  });

  it("a stale-feed outage is warned once when it begins, not on every tick (the stale age changes with every block), and its recovery is one info line", async function () {
    const journal = openJournal(":memory:");
    const logger = recordingLogger();
    const snap = await networkHelpers.takeSnapshot();
    try {
      await networkHelpers.time.increase(601);
      const w = worker(journal, [2_500n, 2_500n, 1_490n, 1_490n], { logger });
      const first = await tick(w);
      expect(first.action, js(first)).to.not.equal("nav-unavailable");
      const mark = logger.lines.length;
      // every feed past its 86400 s heartbeat: stale, still answering a positive price, so the
      // triggers are evaluated (the 60 s schedule fires) and only planning is refused
      await networkHelpers.time.increase(90_000);
      const ticks = [];
      for (let k = 0; k < 4; k++) {
        if (k > 0) await networkHelpers.time.increase(13); // a new block: the stale ages grow
        ticks.push(await tick(w));
      }
      for (const t of ticks) {
        expect(t.action, js(t)).to.equal("nav-unavailable");
        expect(t.detail).to.match(/stale: updated \d+ s ago, heartbeat 86400 s/);
      }
      expect(ticks[0].fired.map((t) => t.kind)).to.include("schedule");
      expect(new Set(ticks.map((t) => t.detail)).size, "the reason's numbers change").to.equal(4);
      expect(w.state.degraded).to.equal(`NAV unavailable: ${ticks[3].detail}`);
      const during = logger.lines.slice(mark).filter((l) => l.level !== "info");
      expect(
        during.map(({ level, msg }) => ({ level, msg })),
        "one warning for the whole outage",
      ).to.deep.equal([{ level: "warn", msg: "NAV unavailable: nothing is planned" }]);
      // every feed answers again: one info line, the next tick is a normal one
      const feeds = [baseFeed, ...cfgs.map((c) => c.feed)];
      for (const addr of feeds) {
        const feed = dyn(await ethers.getContractAt("MockV3Aggregator", addr));
        await feed.updateAnswer(((await feed.latestRoundData()) as bigint[])[1]);
      }
      const back = await tick(w);
      expect(back.action, js(back)).to.not.equal("nav-unavailable");
      expect(w.state.degraded).to.equal(null);
      expect(logger.lines.filter((l) => l.msg === "NAV available again")).to.have.length(1);
      expect(logger.at("warn").filter((l) => /NAV unavailable/.test(l.msg ?? ""))).to.have.length(
        1,
      );
    } finally {
      await snap.restore();
      journal.close();
    }
  });
});
