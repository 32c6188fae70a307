import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Interface, formatUnits } from "ethers";
import { network } from "hardhat";
import { deployLocalVault } from "../../../deploy/lib/vaultLocal.ts";
import { main } from "../../../keeper/cli/program.ts";
import type { CliIo } from "../../../keeper/cli/runtime.ts";
import { projectAbi } from "../../../keeper/src/chain/abis.ts";
import { makeProvider } from "../../../keeper/src/chain/rpc.ts";
import { silentLogger } from "../../../keeper/src/commands/context.ts";
import { formatStatus, runStatus } from "../../../keeper/src/commands/status.ts";
import { relativeTime } from "../../../keeper/src/planner/text.ts";
import { openJournal } from "../../../keeper/src/journal/journal.ts";
import { localFeeTier, seedDeposit, testKeeperConfig } from "../../helpers/keeper.ts";
import { dyn, hookedNode, startRpcProxy } from "../../helpers/rpc.ts";

/**
 * The keeper CLI (in process, `main(argv, io)`) against the local system over HTTP: the start-up
 * checks (chain id, vault/lens addresses, signer role) refuse with typed errors before anything
 * is signed, option errors are usage errors, `run --once` prints the receipt's block, and a feed
 * outage makes `status` and `run --once` report the NAV unavailable, naming the feed, and `status`
 * list the holdings from the lens's `tryAssetStates` (or fall back without it on an older lens);
 * a feed answering zero or less is named, never divided by (`plan` refuses it).
 */

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** Hardhat account #3 (KEEPER_SIGNER_ROLE on the local vault) and #1 (no role). */
const KEEPER_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const NO_ROLE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("ballast CLI against the local chain", function () {
  this.timeout(180_000);
  const dir = mkdtempSync(path.join(tmpdir(), "ballast-cli-chain-"));
  const file = path.join(dir, "ballast.json");
  const journalPath = path.join(dir, "journal.sqlite");
  let proxy: Awaited<ReturnType<typeof startRpcProxy>>;
  let vault: string;
  let lens: string;
  let usdc: string;
  /** When set, the proxy answers `tryAssetStates` as a lens without it does: revert, no data. */
  let oldLens = false;
  const TRY_ASSET_STATES = new Interface(projectAbi("BallastLens")).getFunction(
    "tryAssetStates",
  )!.selector;

  async function ballast(args: string[], env: Record<string, string> = {}): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const io: CliIo = {
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
      env: { BALLAST_DEV_PRIVATE_KEY: KEEPER_KEY, ...env },
      interactive: false,
      promptSecret: () => Promise.reject(new Error("no prompt in tests")),
    };
    const code = await main(["-c", file, "--log-level", "silent", ...args], io);
    return { code, stdout, stderr };
  }

  /** The journal's rows (none when the file was never created). */
  function journalRows(): number {
    if (!existsSync(journalPath)) return 0;
    const j = openJournal(journalPath);
    try {
      return j.history(vault, 100).length;
    } finally {
      j.close();
    }
  }

  before(async function () {
    const d = await deployLocalVault(connection);
    proxy = await startRpcProxy(
      hookedNode(connection.provider, async (method, params) => {
        const call = params[0] as { data?: string; input?: string } | undefined;
        const data = call?.data ?? call?.input ?? "";
        if (oldLens && method === "eth_call" && data.startsWith(TRY_ASSET_STATES))
          throw Object.assign(new Error("execution reverted"), { code: 3, data: "0x" });
      }),
    );
    vault = await d.vault.getAddress();
    lens = await d.lens.getAddress();
    usdc = await d.usdc.getAddress();
    const quoterV2 = await d.quoterV2.getAddress();
    const alice = (await ethers.getSigners())[4];
    await seedDeposit(d, alice);
    const chainId = Number((await ethers.provider.getNetwork()).chainId);
    const config = testKeeperConfig(
      {
        networks: { local: { chainId, rpcUrls: [proxy.url], quoterV2 } },
        vaults: [
          {
            name: "main",
            network: "local",
            address: vault,
            lens,
            costGate: false,
            feeTiers: [0, 1, 2, 3].map(localFeeTier),
          },
        ],
        keyEnv: "BALLAST_DEV_PRIVATE_KEY",
      },
      { journal: { path: journalPath } },
    );
    writeFileSync(file, JSON.stringify(config));
  });

  after(async function () {
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a configured chainId the RPC does not serve: exit 2 naming the field and both ids, before anything is signed", async function () {
    const env = { BALLAST__networks__local__chainId: "1" };
    for (const args of [["status"], ["plan"], ["run", "--once"]]) {
      const r = await ballast(args, env);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.contain(
        "networks.local.chainId: configured chain id 1, but the RPC serves chain 31337",
      );
      expect(r.stdout).to.equal("");
    }
    expect(journalRows()).to.equal(0);
    const j = await ballast(["run", "--once", "--json"], env);
    expect(JSON.parse(j.stdout).error.code).to.equal("CHAIN_ID_MISMATCH");
  });

  it("a wrong vault or lens address: exit 2 naming the field, the address and what is wrong", async function () {
    const nobody = "0x0000000000000000000000000000000000001234";
    const cases: [Record<string, string>, string[], string][] = [
      [
        { BALLAST__vaults__0__address: usdc },
        ["status"],
        `vaults[0].address: the contract at ${usdc} is not a Ballast vault`,
      ],
      [
        { BALLAST__vaults__0__address: nobody },
        ["status"],
        `vaults[0].address: no contract at ${nobody}`,
      ],
      [
        { BALLAST__vaults__0__address: nobody },
        ["run", "--once"],
        `vaults[0].address: no contract at ${nobody}`,
      ],
      [
        { BALLAST__vaults__0__lens: usdc },
        ["plan"],
        `vaults[0].lens: the contract at ${usdc} is not a BallastLens`,
      ],
      [{}, ["status", "--lens", nobody], `--lens: no contract at ${nobody}`],
      [
        {},
        ["plan", "--lens", "0x123"],
        "option '--lens <address>' argument '0x123' is invalid. not a valid address",
      ],
    ];
    for (const [env, args, message] of cases) {
      const r = await ballast(args, env);
      expect(r.code, `${args.join(" ")} ${JSON.stringify(env)}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.contain(message);
      expect(r.stderr).to.not.match(/execution reverted|could not decode|INVALID_ARGUMENT/);
    }
    expect(journalRows()).to.equal(0);
  });

  it("plan --targets with the wrong count is a usage error naming the expected count", async function () {
    const r = await ballast(["plan", "--targets", "0.5,0.5"]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain(
      "--targets: 2 weight(s) given, the vault registers 4 assets: give 4",
    );
  });

  it("run refuses (exit 4) a signer without KEEPER_SIGNER_ROLE before signing anything", async function () {
    const r = await ballast(["run", "--once"], { BALLAST_DEV_PRIVATE_KEY: NO_ROLE_KEY });
    expect(r.code, r.stderr).to.equal(4);
    expect(r.stderr).to.match(
      /signer: refusing: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 lacks KEEPER_SIGNER_ROLE on vault "main"/,
    );
    expect(journalRows()).to.equal(0);
    // status keeps reporting it without failing
    const s = await ballast(["status"], { BALLAST_DEV_PRIVATE_KEY: NO_ROLE_KEY });
    expect(s.code, s.stderr).to.equal(0);
    expect(s.stdout).to.contain("(NO ROLE)");
  });

  it("status and plan with a keystore file that does not exist: exit 2 naming signer.keystore", async function () {
    const ksFile = path.join(dir, "ballast-keystore.json");
    const config = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    writeFileSync(
      ksFile,
      JSON.stringify({ ...config, signer: { keystore: "nope/keeper.json", passwordEnv: "KS_PW" } }),
    );
    for (const cmd of ["status", "plan"]) {
      let stderr = "";
      const code = await main(["-c", ksFile, "--log-level", "silent", cmd], {
        stdout: () => undefined,
        stderr: (s) => void (stderr += s),
        env: { KS_PW: "pw" },
        interactive: false,
        promptSecret: () => Promise.reject(new Error("no prompt in tests")),
      });
      expect(code, `${cmd}: ${stderr}`).to.equal(2);
      expect(stderr).to.equal(
        `ballast: error: signer.keystore: ${path.join(dir, "nope/keeper.json")}: file not found\n`,
      );
    }
  });

  it("plan whose simulation fails (a signer without KEEPER_SIGNER_ROLE: InvalidSigner) exits 1 with the decoded error and the NO ROLE hint, --json ok: false; nothing sent", async function () {
    const signer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // NO_ROLE_KEY's address
    const v = dyn(await ethers.getContractAt("BallastVault", vault));
    const nonce = (await v.nextNonce()) as bigint;
    const env = { BALLAST_DEV_PRIVATE_KEY: NO_ROLE_KEY };
    const r = await ballast(["plan", "--targets", "0.2,0.2,0.1,0.1"], env);
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    // the plan and the failed simulation on stdout, the hint under it, "nothing was sent" last
    expect(r.stdout).to.match(new RegExp(`^simulation: FAILED InvalidSigner\\(${signer}\\)$`, "m"));
    expect(r.stdout).to.contain(
      `  the plan signer ${signer} lacks KEEPER_SIGNER_ROLE on vault ${vault} (\`ballast status\` shows it as NO ROLE)`,
    );
    expect(r.stdout.trimEnd().split("\n").at(-1)).to.equal("nothing was sent");
    // one error line naming the decoded error and the role
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("ballast: error:"));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(
      new RegExp(
        `^ballast: error: plan simulation failed: InvalidSigner\\(${signer}\\): the plan signer ${signer} lacks KEEPER_SIGNER_ROLE .*NO ROLE.*; nothing was sent$`,
      ),
    );
    const j = await ballast(["plan", "--targets", "0.2,0.2,0.1,0.1", "--json"], env);
    expect(j.code, j.stderr).to.equal(1);
    const doc = JSON.parse(j.stdout);
    expect([doc.ok, doc.exitCode, doc.error.code]).to.deep.equal([false, 1, "SIMULATION_FAILED"]);
    expect(doc.error.simulation.error.name).to.equal("InvalidSigner");
    expect(doc.error.simulation.error.args).to.deep.equal([signer]);
    expect(doc.error.simulation.hint).to.match(/lacks KEEPER_SIGNER_ROLE .*NO ROLE/);
    expect(doc.error.plan.simulation.ok).to.equal(false);
    expect(doc.error.plan.signer).to.equal(signer);
    // sends nothing
    expect(journalRows()).to.equal(0);
    expect(await v.nextNonce()).to.equal(nonce);
    // the keeper's own signer: the same plan simulates, exit 0, ok: true
    const ok = await ballast(["plan", "--targets", "0.2,0.2,0.1,0.1", "--json"]);
    expect(ok.code, ok.stderr + ok.stdout).to.equal(0);
    const okDoc = JSON.parse(ok.stdout);
    expect([okDoc.ok, okDoc.plan.simulation.ok, okDoc.plan.simulationHint]).to.deep.equal([
      true,
      true,
      null,
    ]);
  });

  it("run with its metrics port in use exits 2 naming metrics.port, the host and the reason; the loop never starts", async function () {
    const busy = http.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", () => resolve()));
    const port = (busy.address() as AddressInfo).port;
    const v = dyn(await ethers.getContractAt("BallastVault", vault));
    const nonce = (await v.nextNonce()) as bigint;
    try {
      // `run` without --once: before the fix it printed the error and kept ticking forever
      const r = await ballast(["run"], { BALLAST__metrics__port: String(port) });
      expect(r.code, r.stderr).to.equal(2);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("ballast: error:"));
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(
        new RegExp(
          `^ballast: error: metrics\\.port: the metrics server cannot listen on 127\\.0\\.0\\.1:${port} \\(metrics\\.host 127\\.0\\.0\\.1, metrics\\.port ${port}\\): address already in use`,
        ),
      );
      await networkHelpers.mine();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(journalRows()).to.equal(0);
      expect(await v.nextNonce()).to.equal(nonce);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it("run --once prints the receipt's block of a mined rebalance, not the snapshot's", async function () {
    const r = await ballast(["run", "--once"]);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    const m = /^main: submitted mined in block (\d+) \(planned at block (\d+)\), nonce 0/.exec(
      r.stdout,
    );
    expect(m, r.stdout).to.not.equal(null);
    const v = dyn(await ethers.getContractAt("BallastVault", vault));
    const logs = (await v.queryFilter(v.filters.Rebalanced(), 0)) as unknown as {
      blockNumber: number;
    }[];
    expect(logs).to.have.length(1);
    expect(Number(m?.[1])).to.equal(logs[0].blockNumber);
    expect(Number(m?.[2])).to.be.lessThan(logs[0].blockNumber);
  });

  it("after a rebalance: status text shows symbols, readable limits and the running cooldown, --json the raw values in the same shape; plan during the cooldown says so plainly", async function () {
    const j = await ballast(["status", "--json"]);
    expect(j.code, j.stderr).to.equal(0);
    const st = JSON.parse(j.stdout).status;
    // the JSON: the keys and raw values as ever, no symbols
    expect(Object.keys(st)).to.deep.equal([
      "vault",
      "name",
      "chainId",
      "blockNumber",
      "timestamp",
      "nav",
      "navAvailable",
      "navUnavailable",
      "lensNav",
      "totalSupply",
      "pricePerShareWad",
      "baseDecimals",
      "shareDecimals",
      "idle",
      "reservedAssets",
      "lendingCollateral",
      "leverageBps",
      "flags",
      "assets",
      "limits",
      "pendingChanges",
      "pendingAdaptersChecked",
      "lossBudget",
      "redemptions",
      "nextNonce",
      "lastRebalanceAt",
      "cooldownReadyAt",
      "lastRebalances",
      "keeper",
    ]);
    expect(Object.keys(st.assets[0])).to.deep.equal([
      "index",
      "token",
      "enabled",
      "balance",
      "debt",
      "price",
      "value",
      "weightBps",
      "maxWeightBps",
      "weightHeadroomBps",
      "netDeltaBps",
      "netDeltaBand",
      "feedAgeSeconds",
      "heartbeat",
    ]);
    expect(st.limits).to.deep.include({
      minHealthFactor: "1500000000000000000",
      depositCap: "10000000000000",
      rebalanceCooldown: "600",
    });
    expect(st.lossBudget.usedWad).to.match(/^\d+$/);
    const last = BigInt(st.lastRebalanceAt);
    expect(last > 0n).to.equal(true);
    expect(st.cooldownReadyAt).to.equal(String(last + 600n));
    expect(j.stdout).to.not.match(/"symbol"|"WETH"/);

    const t = await ballast(["status"]);
    expect(t.code, t.stderr).to.equal(0);
    const lines = t.stdout.split("\n");
    const iso = (x: bigint) => new Date(Number(x) * 1000).toISOString().replace(".000Z", "Z");
    const now = BigInt(st.timestamp); // the same block: nothing was mined since
    expect(lines[1]).to.match(/ {2}\(base token amounts in USDC, 6 decimals\)$/);
    expect(t.stdout).to.contain(
      ", minHealthFactor=1.5, rebalanceCooldown=10 min, depositCap=10000000 USDC, ",
    );
    expect(t.stdout).to.not.match(/1500000000000000000|10000000000000|cooldown ready at \d/);
    expect(lines.find((l) => l.startsWith("loss budget:"))).to.match(
      /^loss budget: used (0|<0\.0001|\d+(\.\d{1,4})?)% \/ cap 2% of NAV, left \d+ bps$/,
    );
    expect(lines.find((l) => l.startsWith("next nonce"))).to.equal(
      `next nonce 1, last rebalance ${iso(last)} (${relativeTime(last, now)}), cooldown 10 min: ` +
        `runs until ${iso(last + 600n)} (${relativeTime(last + 600n, now)})`,
    );
    const head = lines.findIndex((l) => l.startsWith("#"));
    expect(lines[head]).to.match(/^# {2}token {2}address +weight/);
    for (const [i, sym] of ["WETH", "WBTC", "LINK", "UNI"].entries())
      expect(lines[head + 1 + i]).to.match(new RegExp(`^${i} {2}${sym} +${st.assets[i].token} `));

    // plan in the cooldown: when it ends, and that no trade size helps; the JSON reason as ever
    const p = await ballast(["plan", "--targets", "0.05,0.05,0.05,0.05"]);
    expect(p.code, p.stderr + p.stdout).to.equal(0);
    expect(p.stdout).to.contain(
      `\ninfeasible: the vault's rebalance cooldown runs until ${iso(last + 600n)} (in `,
    );
    expect(p.stdout).to.contain("); no plan can pass before then\n");
    expect(p.stdout, p.stdout).to.match(
      new RegExp(
        `^ {2}FAIL cooldown: last rebalance ${iso(last)} \\((now|[^)]+ ago)\\), cooldown 10 min: runs until ${iso(last + 600n)} \\(in [^)]+\\)$`,
        "m",
      ),
    );
    expect(p.stdout).to.not.match(/ppm of the trades|RebalanceCooldown\(/);
    const pj = await ballast(["plan", "--targets", "0.05,0.05,0.05,0.05", "--json"]);
    expect(pj.code, pj.stderr).to.equal(0);
    const doc = JSON.parse(pj.stdout).plan;
    expect(doc.feasible).to.equal(false);
    expect(doc.reason).to.match(/^expected fill fails RebalanceCooldown\(\d+, \d+\)/);
  });

  it("a feed outage: status says the NAV is unavailable naming the feeds; run --once does not plan", async function () {
    const snap = await networkHelpers.takeSnapshot();
    try {
      const ok = await ballast(["status", "--json"]);
      expect(JSON.parse(ok.stdout).status.navAvailable).to.equal(true);
      expect(JSON.parse(ok.stdout).status).to.not.have.property("holdings");
      expect((await ballast(["status"])).stdout).to.not.match(/holdings/);
      await networkHelpers.time.increase(86_401 + 600);
      const r = await ballast(["status"]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(
        /^NAV unavailable:\n {2}feed 0x[0-9a-fA-F]{40} of the base token .*: stale: updated \d+ s ago, heartbeat 86400 s/m,
      );
      expect(r.stdout).to.match(/^flags: nav-unavailable$/m);
      const j = JSON.parse((await ballast(["status", "--json"])).stdout);
      expect(j.status.navAvailable).to.equal(false);
      expect(j.status.flags.navUnavailable).to.equal(true);
      expect(j.status.navUnavailable).to.match(/of asset 0 .*stale/);
      // every feed stale, the base feed too: holdings listed, nothing valued
      expect(r.stdout).to.match(/^holdings \(whole tokens/m);
      expect(
        (j.status.holdings as { feedStatus: string; value: string | null }[]).map((h) => [
          h.feedStatus,
          h.value,
        ]),
      ).to.deep.equal([0, 1, 2, 3].map(() => ["stale", null]));
      const once = await ballast(["run", "--once"]);
      expect(once.code, once.stderr).to.equal(0);
      expect(once.stdout).to.match(/^main: nav-unavailable at block \d+, nonce 1 .*stale/);
    } finally {
      await snap.restore();
    }
  });

  it("one stale feed: status lists every asset's holdings from tryAssetStates, naming the feed; an older lens falls back", async function () {
    const snap = await networkHelpers.takeSnapshot();
    try {
      const v = dyn(await ethers.getContractAt("BallastVault", vault));
      const cfgs = (await v.assetConfigs()) as { token: string; feed: string }[];
      const feedAddr = cfgs[1].feed;
      const feed = dyn(await ethers.getContractAt("MockV3Aggregator", feedAddr));
      const answer = ((await feed.latestRoundData()) as bigint[])[1];
      const old = (await networkHelpers.time.latest()) - 90_000;
      await feed.updateRoundData(((await feed.latestRound()) as bigint) + 1n, answer, old, old);

      const j = await ballast(["status", "--json"]);
      expect(j.code, j.stderr).to.equal(0);
      const st = JSON.parse(j.stdout).status;
      const r = await ballast(["status"]);
      expect(r.code, r.stderr).to.equal(0);
      const ago = Number(st.timestamp) - old;
      const staleWords = `stale: updated ${ago} s ago, heartbeat 86400 s`;
      expect(st.navAvailable).to.equal(false);
      expect(st.navUnavailable).to.equal(
        `feed ${feedAddr} of asset 1 (${cfgs[1].token}): ${staleWords}`,
      );
      const whole = (raw: bigint, dec: number) => {
        const t = formatUnits(raw, dec);
        return t.endsWith(".0") ? t.slice(0, -2) : t;
      };
      const lines = r.stdout.split("\n");
      expect(lines.slice(1, 4)).to.deep.equal([
        "NAV unavailable:",
        `  feed ${feedAddr} of asset 1 (${cfgs[1].token}): ${staleWords}`,
        "holdings (whole tokens; value and debt value in base token amounts, n/a without a good price):",
      ]);
      // the CLI's text names each token by its symbol() next to its address
      expect(lines[4]).to.match(
        /^ {2}# +token +address +balance +debt +value +debt value +weight +net delta +feed$/,
      );
      expect(st.holdings).to.have.length(4);
      const la = (await v.lendingAdapter()) as string;
      const aave = dyn(await ethers.getContractAt("AaveV3Adapter", la));
      let held = 0;
      for (let i = 0; i < 4; i++) {
        const t = dyn(await ethers.getContractAt("TestERC20", cfgs[i].token));
        const dec = Number(await t.decimals());
        const sym = String(await t.symbol());
        const bal = (await t.balanceOf(vault)) as bigint;
        const debt = BigInt(la) === 0n ? 0n : ((await aave.debtOf(cfgs[i].token)) as bigint);
        if (bal > 0n) held++;
        const h = st.holdings[i];
        expect(h).to.deep.include({
          index: i,
          token: cfgs[i].token,
          feed: cfgs[i].feed,
          decimals: dec,
          balance: String(bal),
          debt: String(debt),
          balanceTokens: whole(bal, dec),
          debtTokens: whole(debt, dec),
          weightBps: null,
          netDeltaBps: null,
        });
        // the good feeds are valued as the keeper values them at their answers; the stale one not
        const value = i === 1 ? "n/a" : whole(BigInt(st.assets[i].value), 6);
        expect(h.value).to.equal(i === 1 ? null : st.assets[i].value);
        if (i === 1 || debt === 0n) expect(h.debtValue).to.equal(i === 1 ? null : "0");
        else expect(BigInt(h.debtValue) > 0n).to.equal(true);
        expect(h.feedStatus).to.equal(i === 1 ? "stale" : "ok");
        expect(h.feedStatusCode).to.equal(i === 1 ? 2 : 0);
        expect(h.feedState).to.equal(i === 1 ? staleWords : "ok");
        if (i === 1) expect([h.answer, h.updatedAt]).to.deep.equal([String(answer), String(old)]);
        const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        expect(lines[5 + i]).to.match(
          new RegExp(
            `^ {2}${i} +${sym} +${cfgs[i].token} +${esc(whole(bal, dec))} +${esc(whole(debt, dec))} +${esc(value)} +${i === 1 ? "n/a" : h.debtValue === "0" ? "0" : "[0-9.]+"} +n/a +n/a +${esc(i === 1 ? staleWords : "ok")}$`,
          ),
        );
      }
      expect(held, "the rebalance of an earlier case left assets in the vault").to.be.greaterThan(
        0,
      );
      expect(lines[9]).to.equal(
        "the figures below are at the feeds' last answers, which the vault refuses:",
      );

      // a lens deployed before tryAssetStates: today's outage view, a warning, no crash
      oldLens = true;
      const o = await ballast(["status"]);
      expect(o.code, o.stderr).to.equal(0);
      expect(o.stdout).to.contain(`NAV unavailable:\n  feed ${feedAddr} of asset 1`);
      expect(o.stdout).to.not.match(/^holdings/m);
      expect(o.stdout).to.contain(
        `WARNING: lens ${lens} does not answer tryAssetStates (an older deployment): per-asset holdings during the outage are not shown`,
      );
      const oj = await ballast(["status", "--json"]);
      expect(oj.code, oj.stderr).to.equal(0);
      expect(JSON.parse(oj.stdout).status).to.not.have.property("holdings");
    } finally {
      oldLens = false;
      await snap.restore();
    }
  });

  it("a feed whose call reverts: status names it and lists what needs no price (exit 0, as any outage); run --once reports nav-unavailable naming it, sending nothing", async function () {
    const snap = await networkHelpers.takeSnapshot();
    try {
      const v = dyn(await ethers.getContractAt("BallastVault", vault));
      const cfgs = (await v.assetConfigs()) as { token: string; feed: string }[];
      const feedAddr = cfgs[1].feed;
      await networkHelpers.setCode(feedAddr, "0x60006000fd"); // revert(0, 0)
      const why =
        "call failed: the feed does not answer latestRoundData() or decimals() (reverted without data)";
      const named = `feed ${feedAddr} of asset 1 (${cfgs[1].token}): ${why}`;

      const r = await ballast(["status"]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.not.match(/error/);
      const j = await ballast(["status", "--json"]);
      expect(j.code, j.stderr).to.equal(0);
      const st = JSON.parse(j.stdout).status;
      expect(st.blockNumber).to.equal(Number(/at block (\d+)$/m.exec(r.stdout)?.[1]));
      // what needs no price is the chain's
      const u = dyn(await ethers.getContractAt("TestERC20", usdc));
      const reserved = (await v.reservedAssets()) as bigint;
      expect([st.idle, st.totalSupply]).to.deep.equal([
        String(((await u.balanceOf(vault)) as bigint) - reserved),
        String(await v.totalSupply()),
      ]);
      expect(st).to.deep.include({
        navAvailable: false,
        navUnavailable: named,
        nav: null,
        pricePerShareWad: null,
        leverageBps: null,
        lensNav: null,
      });
      expect(st.flags.navUnavailable).to.equal(true);
      expect(st.keeper.warnings).to.deep.equal([]);
      // the failed feed has no price, age nor value; the others keep their value; no weights
      expect(
        (
          st.assets as {
            price: string | null;
            value: string | null;
            feedAgeSeconds: string | null;
          }[]
        ).map((a) => [a.price === null, a.value === null, a.feedAgeSeconds === null]),
      ).to.deep.equal([0, 1, 2, 3].map((i) => [i === 1, i === 1, i === 1]));
      expect(
        (st.assets as { weightBps: string | null; netDeltaBps: string | null }[]).map((a) => [
          a.weightBps,
          a.netDeltaBps,
        ]),
      ).to.deep.equal([0, 1, 2, 3].map(() => [null, null]));
      // the holdings name the feed in the same words; the good ones valued as the lens values them
      const h = st.holdings as {
        balance: string;
        balanceTokens: string;
        debtTokens: string;
        feedStatusCode: number;
        feedStatus: string;
        feedState: string;
        answer: string;
        updatedAt: string;
        value: string | null;
      }[];
      expect(h.map((x) => [x.feedStatusCode, x.feedStatus, x.feedState])).to.deep.equal(
        [0, 1, 2, 3].map((i) => (i === 1 ? [4, "call-failed", why] : [0, "ok", "ok"])),
      );
      expect([h[1].answer, h[1].updatedAt, h[1].value]).to.deep.equal(["0", "0", null]);
      const t1 = dyn(await ethers.getContractAt("TestERC20", cfgs[1].token));
      expect(h[1].balance).to.equal(String(await t1.balanceOf(vault)));
      expect(h.map((x) => x.value)).to.deep.equal(
        st.assets.map((a: { value: string | null }) => a.value),
      );

      const lines = r.stdout.split("\n");
      expect(lines.slice(1, 4)).to.deep.equal([
        "NAV unavailable:",
        `  ${named}`,
        "holdings (whole tokens; value and debt value in base token amounts, n/a without a good price):",
      ]);
      const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      expect(lines[6]).to.match(
        new RegExp(
          `^ {2}1 +WBTC +${cfgs[1].token} +${esc(h[1].balanceTokens)} +${esc(h[1].debtTokens)} +n/a +n/a +n/a +n/a +${esc(why)}$`,
        ),
      );
      const whole = (raw: string) => {
        const t = formatUnits(BigInt(raw), 6);
        return t.endsWith(".0") ? t.slice(0, -2) : t;
      };
      expect(lines.slice(9, 12)).to.deep.equal([
        "the figures below are at the feeds' last answers, which the vault refuses; n/a where a feed's call fails or its answer is not positive:",
        `NAV n/a  supply ${formatUnits(BigInt(st.totalSupply), 12).replace(/\.0$/, "")} shares  price per share n/a  idle ${whole(st.idle)}  reserved ${whole(st.reservedAssets)}  collateral ${whole(st.lendingCollateral)}  leverage n/a  (base token amounts in USDC, 6 decimals)`,
        "flags: nav-unavailable",
      ]);
      // the asset table: no weights; the good feeds' value and age, n/a for the failed one
      const a = st.assets as {
        maxWeightBps: string;
        netDeltaBand: [string, string];
        value: string | null;
        feedAgeSeconds: string | null;
      }[];
      for (const i of [0, 1]) {
        const band = esc(`[${a[i].netDeltaBand[0]}, ${a[i].netDeltaBand[1]}]`);
        const value = i === 1 ? "n/a" : esc(whole(a[i].value ?? ""));
        const age = i === 1 ? "n/a/86400s" : `${a[i].feedAgeSeconds}s/86400s`;
        expect(lines[14 + i]).to.match(
          new RegExp(
            `^${i} +${["WETH", "WBTC"][i]} +${cfgs[i].token} +n/a +${a[i].maxWeightBps} bps +n/a +n/a +${band} +${value} +${esc(age)}$`,
          ),
        );
      }

      // run --once: an outage like any other (a decision, exit 0): the feed named, nothing
      // evaluated, planned or sent
      const block = await ethers.provider.getBlockNumber();
      const rows = journalRows();
      const once = await ballast(["run", "--once"]);
      expect(once.code, once.stderr).to.equal(0);
      expect(once.stderr).to.not.match(/error|OracleCallFailed|\n\s+at /);
      expect(once.stdout).to.match(
        new RegExp(`^main: nav-unavailable at block \\d+, nonce \\d+: ${esc(named)}$`, "m"),
      );
      const oj = await ballast(["run", "--once", "--json"]);
      expect(oj.code, oj.stderr).to.equal(0);
      const [res] = JSON.parse(oj.stdout).results as {
        failure?: string;
        result: { action: string; fired: unknown[]; detail: string };
      }[];
      expect(res.failure).to.equal(undefined);
      expect(res.result).to.deep.include({ action: "nav-unavailable", fired: [], detail: named });
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(journalRows()).to.equal(rows);

      // the base feed's call fails too: base first, nothing valued
      const baseFeed = ((await v.oracleConfig()) as [{ feed: string }])[0].feed;
      await networkHelpers.setCode(baseFeed, "0x60006000fd");
      const b = await ballast(["status", "--json"]);
      expect(b.code, b.stderr).to.equal(0);
      const bs = JSON.parse(b.stdout).status;
      expect(bs.navUnavailable).to.equal(
        `feed ${baseFeed} of the base token (${usdc}): ${why}; ${named}`,
      );
      expect(bs.assets.map((a: { value: string | null }) => a.value)).to.deep.equal([
        null,
        null,
        null,
        null,
      ]);
      expect(bs.holdings.map((x: { value: string | null }) => x.value)).to.deep.equal([
        null,
        null,
        null,
        null,
      ]);
      const both = await ballast(["run", "--once"]);
      expect(both.code, both.stderr).to.equal(0);
      expect(both.stdout).to.match(
        new RegExp(
          `^main: nav-unavailable at block \\d+, nonce \\d+: ${esc(bs.navUnavailable)}$`,
          "m",
        ),
      );

      // runStatus for a vault given by address, no lens: no holdings, a warning naming the field
      const provider = makeProvider([proxy.url], 31337);
      try {
        const nl = await runStatus({ provider, logger: silentLogger }, { vault });
        expect(nl.navUnavailable).to.equal(bs.navUnavailable);
        expect(nl).to.not.have.property("holdings");
        expect(nl.keeper.warnings).to.deep.equal([
          "no lens: per-asset holdings during a feed outage need a BallastLens (tryAssetStates); set its address in the config field vaults[].lens, or pass --lens",
        ]);
        expect(formatStatus(nl).split("\n").at(-1)).to.equal(`WARNING: ${nl.keeper.warnings[0]}`);
      } finally {
        provider.destroy();
      }
    } finally {
      await snap.restore();
    }
  });

  it("the base feed answers 0, then -1: status names it and prices nothing (exit 0, as any outage); plan refuses naming it, run --once reports nav-unavailable naming it; nothing sent", async function () {
    const snap = await networkHelpers.takeSnapshot();
    try {
      const v = dyn(await ethers.getContractAt("BallastVault", vault));
      const baseFeed = ((await v.oracleConfig()) as [{ feed: string }])[0].feed;
      const feed = dyn(await ethers.getContractAt("MockV3Aggregator", baseFeed));
      const u = dyn(await ethers.getContractAt("TestERC20", usdc));
      for (const answer of [0n, -1n]) {
        await feed.updateAnswer(answer);
        const named = `feed ${baseFeed} of the base token (${usdc}): answer ${answer} is not positive`;

        const r = await ballast(["status"]);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stderr).to.not.match(/error|Division by zero/);
        expect(r.stdout.split("\n").slice(1, 3)).to.deep.equal(["NAV unavailable:", `  ${named}`]);
        expect(r.stdout).to.contain(
          "\nthe figures below are at the feeds' last answers, which the vault refuses; n/a where a feed's call fails or its answer is not positive:\nNAV n/a  supply ",
        );
        expect(r.stdout).to.match(/price per share n\/a .* leverage n\/a/);
        expect(r.stdout).to.match(/^flags: nav-unavailable$/m);
        const j = await ballast(["status", "--json"]);
        expect(j.code, j.stderr).to.equal(0);
        const st = JSON.parse(j.stdout).status;
        expect(st).to.deep.include({
          navAvailable: false,
          navUnavailable: named,
          nav: null,
          pricePerShareWad: null,
          leverageBps: null,
          lensNav: null,
        });
        expect(st.flags.navUnavailable).to.equal(true);
        // what needs no price is the chain's
        const reserved = (await v.reservedAssets()) as bigint;
        expect([st.idle, st.totalSupply]).to.deep.equal([
          String(((await u.balanceOf(vault)) as bigint) - reserved),
          String(await v.totalSupply()),
        ]);
        // every value needs the base answer; each asset's own feed answer and age still show
        for (const a of st.assets as Record<string, string | null>[]) {
          expect([a.value, a.weightBps, a.weightHeadroomBps, a.netDeltaBps]).to.deep.equal([
            null,
            null,
            null,
            null,
          ]);
          expect(a.price).to.not.equal(null);
          expect(a.feedAgeSeconds).to.not.equal(null);
        }
        // the holdings: balances, every asset's own feed ok, nothing valued
        expect(
          (st.holdings as { feedStatus: string; value: string | null }[]).map((h) => [
            h.feedStatus,
            h.value,
          ]),
        ).to.deep.equal([0, 1, 2, 3].map(() => ["ok", null]));

        // plan refuses before planning, naming the feed; run --once reports the outage (a
        // decision, exit 0) in status's words; nothing is sent
        const block = await ethers.provider.getBlockNumber();
        const rows = journalRows();
        const words = `the base token's feed ${baseFeed} answers ${answer}, which is not positive`;
        const p = await ballast(["plan"]);
        expect(p.code, p.stderr).to.equal(1);
        expect(p.stderr).to.contain(`ballast: error: ${words}`);
        expect(p.stderr).to.contain("(OracleAnswerNotPositive)");
        const pj = await ballast(["plan", "--json"]);
        expect(JSON.parse(pj.stdout).error.code).to.equal("READER");
        const once = await ballast(["run", "--once"]);
        expect(once.code, once.stderr).to.equal(0);
        expect(once.stdout).to.match(
          new RegExp(
            `^main: nav-unavailable at block \\d+, nonce \\d+: ${named.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`,
            "m",
          ),
        );
        for (const out of [p, pj, once])
          expect(out.stdout + out.stderr).to.not.match(/Division by zero|\n\s+at /);
        expect(await ethers.provider.getBlockNumber()).to.equal(block);
        expect(journalRows()).to.equal(rows);
      }
    } finally {
      await snap.restore();
    }
  });

  it("an asset feed answering 0: plan refuses naming it (no division error), run --once reports nav-unavailable; nothing sent", async function () {
    const snap = await networkHelpers.takeSnapshot();
    try {
      const v = dyn(await ethers.getContractAt("BallastVault", vault));
      const cfgs = (await v.assetConfigs()) as { token: string; feed: string }[];
      await dyn(await ethers.getContractAt("MockV3Aggregator", cfgs[1].feed)).updateAnswer(0n);
      const block = await ethers.provider.getBlockNumber();
      const rows = journalRows();
      const p = await ballast(["plan"]);
      expect(p.code, p.stderr).to.equal(1);
      expect(p.stderr).to.contain(
        `ballast: error: the asset 1's feed ${cfgs[1].feed} answers 0, which is not positive: no trade in that asset can be sized and the vault cannot price its NAV (OracleAnswerNotPositive)`,
      );
      const once = await ballast(["run", "--once"]);
      expect(once.code, once.stderr).to.equal(0);
      expect(once.stdout).to.match(
        new RegExp(
          `^main: nav-unavailable at block \\d+, .*: feed ${cfgs[1].feed} of asset 1 \\(${cfgs[1].token}\\): answer 0 is not positive$`,
          "m",
        ),
      );
      for (const out of [p, once])
        expect(out.stdout + out.stderr).to.not.match(/Division by zero|\n\s+at /);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(journalRows()).to.equal(rows);
    } finally {
      await snap.restore();
    }
  });
});
