import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { deployLocalVault } from "../../../deploy/lib/vaultLocal.ts";
import { main } from "../../../keeper/cli/program.ts";
import type { CliIo } from "../../../keeper/cli/runtime.ts";
import { openJournal } from "../../../keeper/src/journal/journal.ts";
import { localFeeTier, seedDeposit, testKeeperConfig } from "../../helpers/keeper.ts";
import { dyn, startRpcProxy } from "../../helpers/rpc.ts";

/**
 * The keeper CLI (in process, `main(argv, io)`) against the local system over HTTP: the start-up
 * checks (chain id, vault/lens addresses, signer role) refuse with typed errors before anything
 * is signed, option errors are usage errors, `run --once` prints the receipt's block, and a feed
 * outage makes `status` and `run --once` report the NAV unavailable, naming the feed.
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
    proxy = await startRpcProxy(connection.provider);
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

  it("a feed outage: status says the NAV is unavailable naming the feeds; run --once does not plan", async function () {
    const snap = await networkHelpers.takeSnapshot();
    try {
      const ok = await ballast(["status", "--json"]);
      expect(JSON.parse(ok.stdout).status.navAvailable).to.equal(true);
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
      const once = await ballast(["run", "--once"]);
      expect(once.code, once.stderr).to.equal(0);
      expect(once.stdout).to.match(/^main: nav-unavailable at block \d+, nonce 1 .*stale/);
    } finally {
      await snap.restore();
    }
  });

  it("a feed whose call reverts: status and run --once name it instead of a raw call error", async function () {
    const snap = await networkHelpers.takeSnapshot();
    try {
      const weth = (await dyn(await ethers.getContractAt("BallastVault", vault)).assetConfigs())[0]
        .feed as string;
      await networkHelpers.setCode(weth, "0x60006000fd"); // revert(0, 0)
      const r = await ballast(["status"]);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.include(
        `the asset 0's feed ${weth} does not answer decimals() (execution reverted`,
      );
      expect(r.stderr).to.match(/OracleCallFailed/);
      expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
      const once = await ballast(["run", "--once"]);
      expect(once.code).to.equal(1);
      expect(once.stdout + once.stderr).to.include(`asset 0's feed ${weth} does not answer`);
    } finally {
      await snap.restore();
    }
  });
});
