import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import { network } from "hardhat";
import { deployLocalVault } from "../../../deploy/lib/vaultLocal.ts";
import { LOCAL_STACK } from "../../../deploy/config/local.ts";
import { VAULT_ASSET_KEYS } from "../../../deploy/lib/vaultConfig.ts";
import { makeProvider } from "../../../keeper/src/chain/rpc.ts";
import type { ResilientProvider } from "../../../keeper/src/chain/rpc.ts";
import { readSnapshot } from "../../../keeper/src/chain/reader.ts";
import { simulateRebalance } from "../../../keeper/src/chain/simulate.ts";
import { SubmitError, claimAndSign, submitPlan } from "../../../keeper/src/chain/submit.ts";
import { runPlan } from "../../../keeper/src/commands/plan.ts";
import {
  NO_LENS_WARNING,
  formatStatus,
  runStatus,
  runStatusView,
} from "../../../keeper/src/commands/status.ts";
import { silentLogger } from "../../../keeper/src/commands/context.ts";
import type { CommandContext } from "../../../keeper/src/commands/context.ts";
import { openJournal } from "../../../keeper/src/journal/journal.ts";
import { encodeSwapData, encodeV3Path, signPlan } from "../../../keeper/src/planner/eip712.ts";
import { navOf, pxAll } from "../../../keeper/src/planner/checks.ts";
import { relativeTime } from "../../../keeper/src/planner/text.ts";
import {
  dyn,
  hookedNode,
  inProcessFetch,
  js as j,
  startRpcProxy,
  walletAt as wallet,
} from "../../helpers/rpc.ts";
import { seedDeposit } from "../../helpers/keeper.ts";

/**
 * The keeper's chain edge on the real local system (deployLocalVault on the in-process network,
 * reached over HTTP through a pass-through JSON-RPC proxy on 127.0.0.1): status, plan dry run with
 * QuoterV2 quotes and eth_call simulation, submission with the journal, decoded reverts, and
 * planner plans accepted by the contract across seeded random targets and price moves; last, the
 * changes a curator queues behind the timelock as status reports them until they are accepted.
 */

const USDC = (n: bigint) => n * 10n ** 6n;
const connection = await network.create();
const { ethers, networkHelpers } = connection;

describe("keeper chain edge on the local vault", function () {
  this.timeout(300_000);
  let proxy: Awaited<ReturnType<typeof startRpcProxy>>;
  let d: Awaited<ReturnType<typeof deployLocalVault>>;
  let provider: ResilientProvider;
  let ctx: CommandContext;
  let vault: string;
  let lens: string;
  let chainId: bigint;
  const journal = openJournal(":memory:");
  const submitOpts = () => ({
    chainId,
    maxFeePerGas: 200n * 10n ** 9n,
    priorityFee: 10n ** 9n,
    feeBumpPercent: 15,
    receiptTimeoutMs: 20_000,
    pollMs: 50,
    journal,
  });

  before(async function () {
    d = await deployLocalVault(connection);
    proxy = await startRpcProxy(connection.provider);
    chainId = (await ethers.provider.getNetwork()).chainId;
    provider = makeProvider([proxy.url], chainId, { timeoutMs: 20_000 });
    vault = await d.vault.getAddress();
    lens = await d.lens.getAddress();
    const signers = await ethers.getSigners();
    expect(wallet(3, provider).address).to.equal(signers[3].address); // keeper signer = account #3
    const alice = signers[4];
    await seedDeposit(d, alice);
    ctx = {
      provider,
      signer: wallet(3, provider),
      relayer: wallet(5, provider),
      logger: silentLogger,
      journal,
      quoter: await d.quoterV2.getAddress(),
      feeTier: (i) => LOCAL_STACK.uniswap.pools[VAULT_ASSET_KEYS[i]].fee,
    };
  });

  after(async function () {
    journal.close();
    provider.destroy();
    await proxy.close();
  });

  it("reads a snapshot at one block that matches the lens and the vault's NAV", async function () {
    const { snapshot, extras } = await readSnapshot(provider, vault, lens);
    expect(snapshot.assets.length).to.equal(4);
    expect(snapshot.decimalsOffset).to.equal(6n);
    const nav = navOf(snapshot.positions, snapshot.reservedAssets, pxAll(snapshot)).nav;
    expect(nav).to.equal(await dyn(d.vault).totalAssets());
    expect(extras.lensNav).to.equal(nav);
    expect(snapshot.lending.adapter).to.equal(await d.aaveAdapter.getAddress());
    expect(snapshot.lending.liquidationThresholdBps > 0n).to.equal(true);
  });

  it("status reports NAV, weights, limits and health", async function () {
    const st = await runStatus(ctx, { vault, lens });
    expect(st.nav).to.equal(String(USDC(1_000_000n)));
    expect(st.assets.map((a) => a.weightBps)).to.deep.equal(["0", "0", "0", "0"]);
    expect(st.keeper.signerHasRole).to.equal(true);
    expect(st.limits.maxTurnoverBps).to.equal("5000");
    expect(JSON.parse(JSON.stringify(st))).to.deep.equal(st);
    expect(st.baseDecimals).to.equal(6);
    expect(st.shareDecimals).to.equal(12);
    // whole tokens and shares in the text (the 0.1 % entry fee stays in the vault: 999,000.999
    // shares for 1,000,000 USDC, 1.001 USDC per share)
    expect(formatStatus(st).split("\n")[1]).to.equal(
      "NAV 1000000  supply 999000.999 shares  price per share 1.001  idle 1000000  reserved 0  " +
        "collateral 0  leverage 0 bps  (base token amounts, 6 decimals)",
    );
  });

  it("runStatusView: the same status as runStatus plus each token's symbol() at the status block for the text; a symbol() that reverts falls back to the address", async function () {
    const view = await runStatusView(ctx, { vault, lens });
    const st = await runStatus(ctx, { vault, lens });
    // the same block, the same figures: only the RPC counters of the shared provider move on
    const noRpc = (x: typeof st) => ({ ...x, keeper: { ...x.keeper, rpc: null } });
    expect(noRpc(view.status)).to.deep.equal(noRpc(st));
    expect(view.labels).to.deep.equal({
      baseSymbol: "USDC",
      symbols: ["WETH", "WBTC", "LINK", "UNI"],
    });
    expect(JSON.stringify(st)).to.not.match(/WBTC|LINK|symbol/);
    const text = formatStatus(view.status, view.labels).split("\n");
    expect(text[1]).to.match(/ {2}\(base token amounts in USDC, 6 decimals\)$/);
    expect(text).to.include(
      "limits: maxSlippageBps=100 bps, maxLossPerRebalanceBps=50 bps, lossBudgetBps=200 bps, " +
        "lossWindow=1 d, maxTurnoverBps=5000 bps, maxLeverageBps=15000 bps, minHealthFactor=1.5, " +
        "rebalanceCooldown=10 min, depositCap=10000000 USDC, circuitBreakerDropBps=1000 bps, " +
        "circuitBreakerWindow=1 d",
    );
    expect(text).to.include("next nonce 0, last rebalance never, cooldown 10 min: no wait");
    const head = text.findIndex((l) => l.startsWith("#"));
    expect(text[head]).to.match(/^# {2}token {2}address +weight/);
    ["WETH", "WBTC", "LINK", "UNI"].forEach((sym, i) =>
      expect(text[head + 1 + i]).to.match(
        new RegExp(`^${i} {2}${sym} +${view.status.assets[i].token} {2}0 bps`),
      ),
    );

    const weth = view.status.assets[0].token.toLowerCase();
    const SYMBOL = "0x95d89b41"; // symbol()
    const broken = makeProvider(["http://in-process"], chainId, {
      timeoutMs: 20_000,
      fetch: inProcessFetch(
        hookedNode(connection.provider, async (method, params) => {
          const c = params[0] as { to?: string; data?: string; input?: string } | undefined;
          const data = c?.data ?? c?.input ?? "";
          if (method === "eth_call" && c?.to?.toLowerCase() === weth && data.startsWith(SYMBOL))
            throw { code: 3, message: "execution reverted", data: "0x" };
        }),
      ),
    });
    try {
      const bctx = { ...ctx, provider: broken, signer: wallet(3, broken), relayer: undefined };
      const b = await runStatusView(bctx, { vault, lens });
      expect(b.labels.symbols).to.deep.equal([null, "WBTC", "LINK", "UNI"]);
      const row = formatStatus(b.status, b.labels)
        .split("\n")
        .find((l) => l.startsWith("0  "));
      expect(row).to.match(new RegExp(`^0 {2}n/a +${b.status.assets[0].token} {2}0 bps`));
    } finally {
      broken.destroy();
    }
    // a new block: the next case's dry run expects the node's eth_call clock at its block's time
    // (Hardhat's runs on with the wall clock since the last block)
    await networkHelpers.mine();
  });

  it("the dry run's signature is expired for every later block: relaying it reverts PlanExpired", async function () {
    const run = await runPlan(ctx, { vault, lens });
    expect(run.simulation?.ok, j(run.simulation)).to.equal(true);
    expect(run.signed).to.not.equal(null);
    expect(run.result.feasible).to.equal(true);
    if (!run.result.feasible || run.signed === null) return;
    const block = await ethers.provider.getBlock(run.blockNumber);
    // the block's timestamp, or (Hardhat runs eth_call at its own clock) at most a minute later
    const lag = run.signed.plan.deadline - BigInt(block!.timestamp);
    expect(lag >= 0n && lag <= 60n, `deadline lag ${lag}`).to.equal(true);
    expect(run.result.plan.deadline > run.signed.plan.deadline).to.equal(true);
    // a later block: the signed copy is refused
    await networkHelpers.time.increase(2);
    const sim = await simulateRebalance(
      provider,
      vault,
      run.signed,
      await ctx.relayer!.getAddress(),
      "pending",
    );
    expect(sim.ok).to.equal(false);
    if (sim.ok) return;
    expect(sim.error?.name, j(sim)).to.equal("PlanExpired");
    expect(journal.get(chainId, vault, run.result.plan.nonce)).to.equal(undefined);
  });

  it("plan dry run simulates; submit mines it with NAV/weights as simulated; the journal refuses a resubmission", async function () {
    const run = await runPlan(ctx, { vault, lens });
    expect(run.targets.source).to.equal("equal-weight-fallback");
    expect(run.quotes).to.equal("quoterV2");
    expect(run.result.feasible, run.report.join("\n")).to.equal(true);
    expect(run.simulation?.ok, j(run.simulation)).to.equal(true);
    expect(run.report.some((l) => l.includes("margin"))).to.equal(true);
    if (!run.result.feasible) return;
    const expected = run.result.expected.report;
    const plan = run.result.plan;
    const signed = await claimAndSign(run.result.plan, ctx.signer!, chainId, vault, journal);
    const out = await submitPlan(provider, ctx.relayer!, vault, signed, submitOpts());
    expect(out.status, out.message).to.equal("mined");
    expect(journal.get(chainId, vault, run.result.plan.nonce)?.status).to.equal("mined");
    const st = await runStatus(ctx, { vault, lens });
    const nav = BigInt(st.nav!);
    const diff = nav > expected.navFinal ? nav - expected.navFinal : expected.navFinal - nav;
    expect(diff * 10_000n <= expected.navFinal * 5n, `nav ${nav} vs ${expected.navFinal}`).to.equal(
      true,
    );
    st.assets.forEach((a, i) => {
      const dev = BigInt(a.weightBps!) - plan.expectedWeightsBps[i];
      expect((dev < 0n ? -dev : dev) <= plan.weightToleranceBps).to.equal(true);
    });
    expect(st.lastRebalances[0].nonce).to.equal("0");
    let refused: unknown = null;
    try {
      await submitPlan(provider, ctx.relayer!, vault, signed, submitOpts());
    } catch (e) {
      refused = e;
    }
    expect(refused).to.be.instanceOf(SubmitError);
    expect((refused as SubmitError).code).to.equal("ALREADY_SUBMITTED");
  });

  it("decodes real reverts by name: wrong nonce, expired plan, cooldown, slippage exceeded", async function () {
    const { snapshot } = await readSnapshot(provider, vault, lens);
    const from = await ctx.relayer!.getAddress();
    const usdc = await d.usdc.getAddress();
    const weth = await d.weth.getAddress();
    const swap = encodeSwapData(encodeV3Path([usdc, weth], [500]), USDC(10_000n), 0n);
    const base = {
      nonce: snapshot.nextNonce,
      deadline: snapshot.timestamp + 600n,
      actions: [{ adapterId: 1, data: swap }],
      expectedWeightsBps: [0n, 0n, 0n, 0n],
      weightToleranceBps: 10_000n,
      slippageBps: 0n,
    };
    const sim = async (p: typeof base) =>
      simulateRebalance(provider, vault, await signPlan(p, ctx.signer!, chainId, vault), from);
    const wrong = await sim({ ...base, nonce: base.nonce + 5n });
    expect(wrong.ok).to.equal(false);
    if (!wrong.ok) {
      expect(wrong.error?.name).to.equal("InvalidNonce");
      expect(wrong.error?.args).to.deep.equal([String(base.nonce + 5n), String(base.nonce)]);
    }
    const expired = await sim({ ...base, deadline: snapshot.timestamp - 1n });
    expect(expired.ok ? null : expired.error?.name).to.equal("PlanExpired");
    const cooldown = await sim(base);
    expect(cooldown.ok ? null : cooldown.error?.name).to.equal("RebalanceCooldown");
    await networkHelpers.time.increase(601);
    const fresh = await readSnapshot(provider, vault, lens);
    const slip = await sim({ ...base, deadline: fresh.snapshot.timestamp + 600n });
    expect(slip.ok ? null : slip.error?.name).to.equal("SlippageExceeded");
    if (!slip.ok) expect(slip.error?.named.maxSlippageBps ?? slip.error?.args[3]).to.equal("0");
  });

  it("planner plans are accepted by the contract across seeded random targets and price moves", async function () {
    let seed = 0x2545f491;
    const rnd = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const feeds = [d.wethUsd, d.wbtcUsd, d.linkUsd, d.uniUsd].map(dyn);
    let mined = 0;
    for (let c = 0; c < 6; c++) {
      await networkHelpers.time.increase(601);
      // move one oracle by up to ±1.5 % (the pools do not follow: quotes differ from the oracle)
      const k = Math.floor(rnd() * 4);
      const [, answer] = (await feeds[k].latestRoundData()) as bigint[];
      const move = BigInt(Math.round((rnd() * 3 - 1.5) * 100)); // bps ×100 → ±150 bps
      await feeds[k].updateAnswer((answer * (10_000n + move)) / 10_000n);
      const targets = [0.4, 0.4, 0.15, 0.15].map((m) => Math.floor(rnd() * m * 10_000) / 10_000);
      const run = await runPlan(ctx, { vault, lens, targets });
      if (!run.result.feasible) continue;
      expect(run.simulation?.ok, `case ${c}: ${j(run.simulation)}`).to.equal(true);
      const signed = await claimAndSign(run.result.plan, ctx.signer!, chainId, vault, journal);
      const out = await submitPlan(provider, ctx.relayer!, vault, signed, submitOpts());
      expect(out.status, `case ${c}: ${out.message}`).to.equal("mined");
      mined++;
    }
    expect(mined).to.be.greaterThan(2);
  });

  // after the plans above most of the NAV is in the assets: redeeming every share needs more
  // than the idle funds, so the first fulfilment attempt locks the epoch against cancelling
  const CANCEL_LOCK = 3n * 86_400n;
  let lockedUntil = 0n;

  it("status reports the redemption cancel lock a fulfilment sets: its end (block time + 3 days) in JSON, text and the shortfall warning", async function () {
    const alice = (await ethers.getSigners())[4];
    const v = dyn(d.vault);
    expect(await v.CANCEL_LOCK()).to.equal(CANCEL_LOCK);
    await (
      await dyn(v.connect(alice)).requestRedeem(await v.balanceOf(alice), alice, alice)
    ).wait();
    const before = await runStatus(ctx, { vault, lens });
    expect(before.redemptions.cancelLockedUntil).to.equal("0");
    expect(before.redemptions.cancelLocked).to.equal(false);
    expect(formatStatus(before)).to.not.match(/locked until|lock expired|lock until/);
    const need = BigInt(before.redemptions.pendingAssetsEstimate!);
    expect(need > BigInt(before.idle), `pending ${need} vs idle ${before.idle}`).to.equal(true);

    const rc = await (await v.fulfilRedemptions()).wait();
    const ts = BigInt((await ethers.provider.getBlock(rc.blockNumber))!.timestamp);
    lockedUntil = ts + CANCEL_LOCK;
    const ev = rc.logs
      .map((l: { topics: string[]; data: string }) => v.interface.parseLog(l))
      .find((e: { name: string } | null) => e?.name === "RedemptionsLocked");
    expect(ev?.args.unlocksAt).to.equal(lockedUntil);

    const st = await runStatus(ctx, { vault, lens });
    expect(st.redemptions.epoch).to.equal(before.redemptions.epoch); // nothing fulfilled
    expect(st.redemptions.cancelLockedUntil).to.equal(String(lockedUntil));
    expect(st.redemptions.cancelLocked).to.equal(true);
    expect(JSON.parse(JSON.stringify(st))).to.deep.equal(st);
    const at = new Date(Number(lockedUntil) * 1000).toISOString().replace(".000Z", "Z");
    expect(
      formatStatus(st)
        .split("\n")
        .find((l) => l.startsWith("redemptions:")),
    ).to.match(
      new RegExp(
        `, locked until ${at} \\(requests cannot be cancelled; free liquidity to fulfil\\)$`,
      ),
    );
    const w = st.keeper.warnings.filter((x) => x.startsWith("pending redemptions"));
    expect(w).to.have.length(1);
    expect(w[0]).to.match(
      new RegExp(
        `exceed idle \\(${st.idle}\\): a plan must raise cash; epoch ${st.redemptions.epoch} ` +
          `is locked until ${at} \\(its requests cannot be cancelled before then\\)$`,
      ),
    );
  });

  it("a vault that does not answer cancelLockedUntil (an older deployment) is no failure: the lock is null and not shown; a node failure still fails", async function () {
    const selector = dyn(d.vault).interface.getFunction("cancelLockedUntil")!.selector;
    let mode: "revert" | "node" = "revert";
    const older = makeProvider(["http://in-process"], chainId, {
      timeoutMs: 20_000,
      fetch: inProcessFetch(
        hookedNode(connection.provider, async (method, params) => {
          const call = params[0] as { to?: string; data?: string; input?: string } | undefined;
          const data = call?.data ?? call?.input ?? "";
          if (method !== "eth_call" || call?.to?.toLowerCase() !== vault.toLowerCase()) return;
          if (!data.startsWith(selector)) return;
          // an older vault: no such function and no fallback, an empty revert; or the node fails
          throw mode === "revert"
            ? { code: 3, message: "execution reverted", data: "0x" }
            : { code: -32000, message: "header not found" };
        }),
      ),
    });
    try {
      const octx = { ...ctx, provider: older, signer: wallet(3, older), relayer: undefined };
      const st = await runStatus(octx, { vault, lens });
      expect(st.redemptions.cancelLockedUntil).to.equal(null);
      expect(st.redemptions.cancelLocked).to.equal(null);
      expect(Number(st.redemptions.pendingShares) > 0).to.equal(true);
      expect(formatStatus(st)).to.not.match(/locked until|lock expired|lock until/);
      // the shortfall warning as before the lock
      expect(st.keeper.warnings.filter((x) => x.startsWith("pending redemptions"))).to.deep.equal([
        `pending redemptions (${st.redemptions.pendingAssetsEstimate}) exceed idle (${st.idle}): a plan must raise cash`,
      ]);
      mode = "node";
      let failed: unknown = null;
      try {
        await runStatus(octx, { vault, lens });
      } catch (e) {
        failed = e;
      }
      // ethers' CALL_EXCEPTION without revert data, the node's error kept in its info
      expect((failed as { code?: string } | null)?.code).to.equal("CALL_EXCEPTION");
      expect((failed as { data?: unknown }).data).to.equal(null);
      expect(j((failed as { info?: unknown }).info)).to.contain("header not found");
    } finally {
      older.destroy();
    }
  });

  it("once the 3 days have passed, status says the lock expired (requests can be cancelled)", async function () {
    expect(lockedUntil > 0n).to.equal(true);
    await networkHelpers.time.increaseTo(lockedUntil);
    await networkHelpers.mine();
    const st = await runStatus(ctx, { vault, lens });
    expect(BigInt(st.timestamp) >= lockedUntil).to.equal(true);
    expect(st.redemptions.cancelLockedUntil).to.equal(String(lockedUntil)); // still set, past
    expect(st.redemptions.cancelLocked).to.equal(false);
    const at = new Date(Number(lockedUntil) * 1000).toISOString().replace(".000Z", "Z");
    expect(formatStatus(st)).to.contain(`, lock expired at ${at} (requests can be cancelled)`);
    expect(st.keeper.warnings.join("\n")).to.not.match(/locked until/);
  });

  // last: it raises the curator timelock and loosens the limits the cases above rely on
  it("status reports the changes the curator queues behind the timelock (limits, an asset, an adapter) with their fields and times, warns once they can be accepted, and drops them once accepted", async function () {
    const [deployer, curator] = await ethers.getSigners();
    const anyone = (await ethers.getSigners())[6];
    const v = dyn(d.vault);
    const iso = (t: bigint) => new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z");
    const queuedWarnings = (w: string[]) => w.filter((x) => x.startsWith("queued "));
    const blockTime = async (rc: { blockNumber: number }) =>
      BigInt((await ethers.provider.getBlock(rc.blockNumber))!.timestamp);

    const none = await runStatus(ctx, { vault, lens });
    expect(none.pendingChanges).to.deep.equal([]);
    expect(none.pendingAdaptersChecked).to.equal(true);
    expect(formatStatus(none).split("\n")).to.include("queued changes: none");

    // a one-day curator timelock, set by the vault's admin: the TimelockController (60 s delay)
    const DAY = 86_400n;
    const tl = dyn(d.timelock).connect(deployer) as ReturnType<typeof dyn>;
    const call = v.interface.encodeFunctionData("setCuratorTimelock", [DAY]);
    await (await tl.schedule(vault, 0, call, ZeroHash, ZeroHash, 60)).wait();
    await networkHelpers.time.increase(60);
    await (await tl.execute(vault, 0, call, ZeroHash, ZeroHash)).wait();
    expect(await v.curatorTimelock()).to.equal(DAY);

    // the curator loosens two limits and asset 0's max weight, and queues a swap adapter as id 3
    const byCurator = v.connect(curator) as ReturnType<typeof dyn>;
    const lim = await v.limits();
    const looser = {
      ...lim.toObject(),
      maxSlippageBps: lim.maxSlippageBps + 100n,
      maxTurnoverBps: lim.maxTurnoverBps + 1000n,
    };
    const tLimits = await blockTime(await (await byCurator.submitLimits(looser)).wait());
    const cfg0 = (await v.assetConfigs())[0];
    const tAsset = await blockTime(
      await (
        await byCurator.submitAsset(0, {
          ...cfg0.toObject(),
          maxWeightBps: cfg0.maxWeightBps + 500n,
        })
      ).wait(),
    );
    const ADAPTER = "0x000000000000000000000000000000000000dEaD";
    const tAdapter = await blockTime(await (await byCurator.submitAdapter(3, ADAPTER, 1)).wait());

    const limitsChange = {
      kind: "limits",
      key: 0,
      validAt: String(tLimits + DAY),
      validAtIso: iso(tLimits + DAY),
      acceptable: false,
      changes: [
        {
          field: "maxSlippageBps",
          from: String(lim.maxSlippageBps),
          to: String(looser.maxSlippageBps),
        },
        {
          field: "maxTurnoverBps",
          from: String(lim.maxTurnoverBps),
          to: String(looser.maxTurnoverBps),
        },
      ],
    };
    const assetChange = {
      kind: "asset",
      key: 0,
      validAt: String(tAsset + DAY),
      validAtIso: iso(tAsset + DAY),
      acceptable: false,
      changes: [
        {
          field: "maxWeightBps",
          from: String(cfg0.maxWeightBps),
          to: String(cfg0.maxWeightBps + 500n),
        },
      ],
    };
    const adapterChange = {
      kind: "adapter",
      key: 3,
      validAt: String(tAdapter + DAY),
      validAtIso: iso(tAdapter + DAY),
      acceptable: false,
      changes: [
        { field: "adapter", from: ZeroAddress, to: ADAPTER },
        { field: "kind", from: "0", to: "1" },
      ],
    };

    // through the lens: all three, none acceptable yet, no warning
    const st = await runStatus(ctx, { vault, lens });
    expect(st.pendingAdaptersChecked).to.equal(true);
    expect(st.pendingChanges).to.deep.equal([limitsChange, assetChange, adapterChange]);
    expect(JSON.parse(JSON.stringify(st))).to.deep.equal(st);
    expect(queuedWarnings(st.keeper.warnings)).to.deep.equal([]);
    const now = BigInt(st.timestamp);
    const text = formatStatus(st).split("\n");
    const at = text.indexOf("queued changes (3):");
    expect(at, formatStatus(st)).to.be.greaterThan(0);
    expect(text[at - 1]).to.match(/^limits: /);
    expect(text.slice(at + 1, at + 4)).to.deep.equal([
      `  limits: maxSlippageBps ${lim.maxSlippageBps} → ${looser.maxSlippageBps}, maxTurnoverBps ${lim.maxTurnoverBps} → ${looser.maxTurnoverBps} (from ${iso(tLimits + DAY)}; ${relativeTime(tLimits + DAY, now)})`,
      `  asset 0: maxWeightBps ${cfg0.maxWeightBps} → ${cfg0.maxWeightBps + 500n} (from ${iso(tAsset + DAY)}; ${relativeTime(tAsset + DAY, now)})`,
      `  adapter 3: adapter ${ZeroAddress} → ${ADAPTER}, kind 0 → 1 (from ${iso(tAdapter + DAY)}; ${relativeTime(tAdapter + DAY, now)})`,
    ]);

    // without a lens: the limits and assets from the vault itself, adapters not checked (the
    // header and the flag say so; the one no-lens warning asks for the lens)
    const bare = await runStatus(ctx, { vault });
    expect(bare.pendingChanges).to.deep.equal([limitsChange, assetChange]);
    expect(bare.pendingAdaptersChecked).to.equal(false);
    expect(bare.keeper.warnings.filter((w) => w.startsWith("no lens"))).to.deep.equal([
      NO_LENS_WARNING,
    ]);
    expect(formatStatus(bare)).to.contain(
      "\nqueued changes (2; adapters not checked: they need BallastLens.pendingChanges):\n",
    );

    // an older lens (no pendingChanges) falls back to the vault; an older vault (no pendingChange)
    // is null and a warning; a node failure still fails
    const lensSel = dyn(d.lens).interface.getFunction("pendingChanges")!.selector;
    const vaultSel = v.interface.getFunction("pendingChange")!.selector;
    let mode: "lens" | "vault" | "node" = "lens";
    const older = makeProvider(["http://in-process"], chainId, {
      timeoutMs: 20_000,
      fetch: inProcessFetch(
        hookedNode(connection.provider, async (method, params) => {
          const c = params[0] as { to?: string; data?: string; input?: string } | undefined;
          const data = c?.data ?? c?.input ?? "";
          if (method !== "eth_call") return;
          const toLens = c?.to?.toLowerCase() === lens.toLowerCase() && data.startsWith(lensSel);
          const toVault = c?.to?.toLowerCase() === vault.toLowerCase() && data.startsWith(vaultSel);
          if (mode === "node" && toLens) throw { code: -32000, message: "header not found" };
          // a lens over an older vault reverts as well: its own call to pendingChange fails
          if (toLens || (mode === "vault" && toVault))
            throw { code: 3, message: "execution reverted", data: "0x" };
        }),
      ),
    });
    try {
      const octx = { ...ctx, provider: older, signer: wallet(3, older), relayer: undefined };
      const oldLens = await runStatus(octx, { vault, lens });
      expect(oldLens.pendingChanges).to.deep.equal([limitsChange, assetChange]);
      expect(oldLens.pendingAdaptersChecked).to.equal(false);
      expect(oldLens.keeper.warnings).to.include(
        `lens ${lens} does not answer pendingChanges (an older deployment): queued adapter changes were not checked (the limits, fees and assets were read from the vault)`,
      );
      mode = "vault";
      const oldVault = await runStatus(octx, { vault, lens });
      expect(oldVault.pendingChanges).to.equal(null);
      expect(oldVault.pendingAdaptersChecked).to.equal(false);
      expect(oldVault.keeper.warnings).to.include(
        `vault ${vault} does not answer pendingChange (an older deployment): the changes queued behind the curator timelock are not shown`,
      );
      expect(formatStatus(oldVault)).to.contain(
        "\nqueued changes: n/a (the vault does not answer pendingChange)\n",
      );
      mode = "node";
      let failed: unknown = null;
      try {
        await runStatus(octx, { vault, lens });
      } catch (e) {
        failed = e;
      }
      expect((failed as { code?: string } | null)?.code).to.equal("CALL_EXCEPTION");
      expect(j((failed as { info?: unknown }).info)).to.contain("header not found");
    } finally {
      older.destroy();
    }

    // a day later each can be accepted: flagged, and one warning each (anyone may apply it)
    await networkHelpers.time.increaseTo(tAdapter + DAY);
    await networkHelpers.mine();
    const due = await runStatus(ctx, { vault, lens });
    expect(due.pendingChanges).to.deep.equal(
      [limitsChange, assetChange, adapterChange].map((c) => ({ ...c, acceptable: true })),
    );
    expect(queuedWarnings(due.keeper.warnings)).to.deep.equal([
      `queued limits change can be accepted now (valid from ${iso(tLimits + DAY)}): anyone may apply it at any moment with acceptLimits(): maxSlippageBps ${lim.maxSlippageBps} → ${looser.maxSlippageBps}, maxTurnoverBps ${lim.maxTurnoverBps} → ${looser.maxTurnoverBps}`,
      `queued asset 0 change can be accepted now (valid from ${iso(tAsset + DAY)}): anyone may apply it at any moment with acceptAsset(0): maxWeightBps ${cfg0.maxWeightBps} → ${cfg0.maxWeightBps + 500n}`,
      `queued adapter 3 change can be accepted now (valid from ${iso(tAdapter + DAY)}): anyone may apply it at any moment with acceptAdapter(3): adapter ${ZeroAddress} → ${ADAPTER}, kind 0 → 1`,
    ]);
    expect(formatStatus(due)).to.contain(
      `\n  adapter 3: adapter ${ZeroAddress} → ${ADAPTER}, kind 0 → 1 (from ${iso(tAdapter + DAY)}; can be accepted now)\n`,
    );

    // accepted (by anyone): gone from status, and in force
    const byAnyone = v.connect(anyone) as ReturnType<typeof dyn>;
    await (await byAnyone.acceptLimits()).wait();
    await (await byAnyone.acceptAsset(0)).wait();
    await (await byAnyone.acceptAdapter(3)).wait();
    const after = await runStatus(ctx, { vault, lens });
    expect(after.pendingChanges).to.deep.equal([]);
    expect(queuedWarnings(after.keeper.warnings)).to.deep.equal([]);
    expect(formatStatus(after).split("\n")).to.include("queued changes: none");
    expect(after.limits.maxSlippageBps).to.equal(String(looser.maxSlippageBps));
    expect(after.assets[0].maxWeightBps).to.equal(String(cfg0.maxWeightBps + 500n));
    expect((await v.adapter(3)).adapter).to.equal(ADAPTER);
  });
});
