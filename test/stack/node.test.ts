import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { Contract, JsonRpcProvider } from "ethers";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import { freePort, startScript, waitOut } from "../helpers/proc.ts";
import type { Proc } from "../helpers/proc.ts";

const require = createRequire(import.meta.url);
const SWAP_ROUTER_ABI =
  require("@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json").abi;
const ERC20_ABI = [
  "function mint(address to, uint256 amount)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function balanceOf(address owner) view returns (uint256)",
];
const BALLAST = path.resolve(process.cwd(), "keeper/cli/ballast.ts");

/** True if something accepts TCP connections on 127.0.0.1:port. */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** `address` of the row whose CONTRACT column is `name`, from the printed table. */
function addressOf(output: string, name: string): string {
  const line = output.split("\n").find((l) => l.split(/\s{2,}/)[1] === name);
  const match = line?.match(/0x[0-9a-fA-F]{40}/);
  if (match === null || match === undefined) throw new Error(`no row "${name}" in:\n${output}`);
  return match[0];
}

describe("npm run node (scripts/node.ts)", function () {
  this.timeout(300_000);
  let port: number;
  let run: Proc | undefined;

  before(async function () {
    port = await freePort();
  });

  after(function () {
    // The Ignition journal and keeper files of the test's port (wiped anyway on the next start).
    const journal = path.resolve(process.cwd(), `deploy/deployments/chain-31337-port-${port}`);
    rmSync(journal, { recursive: true, force: true });
    rmSync(path.resolve(process.cwd(), `.keeper/local-${port}.yaml`), { force: true });
    rmSync(path.resolve(process.cwd(), `.keeper/journal-local-${port}.sqlite`), { force: true });
  });

  afterEach(async function () {
    // Never leave a node behind, even when a test fails.
    if (run !== undefined && run.child.exitCode === null) {
      run.child.kill("SIGKILL");
      await run.exited;
    }
    run = undefined;
  });

  it("prints the table, serves swaps over JSON-RPC and stops the node on SIGINT", async function () {
    run = startScript("scripts/node.ts", [
      "--port",
      String(port),
      "--quiet-node",
      "--no-build",
      "--block-time",
      "1",
    ]);
    await waitOut(run, /Press Ctrl-C/, 240_000);
    expect(run.out).to.include("a block every 1 s and on each transaction");
    expect(run.out).to.include(`\nKeeper config for this system: .keeper/local-${port}.yaml\n`);
    expect(run.out).to.not.include("Node stopped");
    for (const name of ["USDC", "WETH (WETH9)", "ETH / USD", "SwapRouter02", "QuoterV2"]) {
      expect(addressOf(run.out, name), name).to.match(/^0x/);
    }
    expect(run.out).to.include("Pool WETH/USDC");
    expect(run.out).to.include("Pool (proxy)"); // Aave V3
    const vault = addressOf(run.out, "BallastVault (bUSDC)");
    expect(addressOf(run.out, "BallastLens")).to.match(/^0x/);

    // the printed keeper config drives the keeper CLI against this node, as account #3
    const config = path.resolve(process.cwd(), `.keeper/local-${port}.yaml`);
    const key = /BALLAST_DEV_PRIVATE_KEY=(0x[0-9a-f]{64})/.exec(run.out)?.[1];
    expect(key, run.out).to.not.equal(undefined);
    const status = spawnSync(process.execPath, [BALLAST, "--config", config, "status", "--json"], {
      encoding: "utf8",
      env: { ...process.env, BALLAST_DEV_PRIVATE_KEY: key },
    });
    expect(status.status, status.stderr).to.equal(0);
    const st = (JSON.parse(status.stdout) as { status: Record<string, unknown> }).status;
    expect(String(st.vault).toLowerCase()).to.equal(vault.toLowerCase());
    expect(st.nav).to.equal("0");
    expect((st.keeper as { signerHasRole: boolean }).signerHasRole).to.equal(true);

    // `ballast run --once`: one tick of the loop per vault, what it did, exit 0
    const once = spawnSync(
      process.execPath,
      [BALLAST, "--config", config, "--json", "run", "--once"],
      { encoding: "utf8", env: { ...process.env, BALLAST_DEV_PRIVATE_KEY: key } },
    );
    expect(once.status, once.stderr + once.stdout).to.equal(0);
    type Tick = { action: string; blockNumber: number; detail?: string };
    const doc = JSON.parse(once.stdout) as {
      ok: boolean;
      results: { vault: string; result?: Tick; error?: string }[];
    };
    expect(doc.ok).to.equal(true);
    expect(doc.results).to.have.length(1);
    expect(doc.results[0].error).to.equal(undefined);
    const r0 = doc.results[0].result as Tick;
    // a new vault is due its first scheduled rebalance but holds nothing to trade
    expect(r0.action).to.equal("no-trade");
    expect(r0.detail).to.equal("NAV is zero");
    expect(r0.blockNumber).to.be.greaterThan(0);
    const onceText = spawnSync(process.execPath, [BALLAST, "--config", config, "run", "--once"], {
      encoding: "utf8",
      env: { ...process.env, BALLAST_DEV_PRIVATE_KEY: key },
    });
    expect(onceText.status, onceText.stderr).to.equal(0);
    expect(onceText.stdout).to.match(
      new RegExp(`^${doc.results[0].vault}: no-trade at block \\d+, nonce \\d+.*: NAV is zero\\n$`),
    );

    const provider = new JsonRpcProvider(`http://127.0.0.1:${port}`);
    // the chain's clock runs without transactions (the keeper and the page read time from it)
    const idle0 = (await provider.getBlock("latest"))!;
    await new Promise((r) => setTimeout(r, 2_500));
    const idle1 = (await provider.getBlock("latest"))!;
    expect(idle1.number).to.be.greaterThan(idle0.number);
    expect(idle1.timestamp).to.be.greaterThan(idle0.timestamp);
    const trader = await provider.getSigner(1);
    const usdc = new Contract(addressOf(run.out, "USDC"), ERC20_ABI, trader);
    const weth = new Contract(addressOf(run.out, "WETH (WETH9)"), ERC20_ABI, trader);
    const router = new Contract(addressOf(run.out, "SwapRouter02"), SWAP_ROUTER_ABI, trader);
    const amountIn = 10_000n * 10n ** 6n;
    await (await usdc.mint(await trader.getAddress(), amountIn)).wait();
    await (await usdc.approve(await router.getAddress(), amountIn)).wait();
    const before = (await weth.balanceOf(await trader.getAddress())) as bigint;
    const receipt = await (
      await router.exactInputSingle({
        tokenIn: await usdc.getAddress(),
        tokenOut: await weth.getAddress(),
        fee: LOCAL_STACK.uniswap.pools.weth.fee,
        recipient: await trader.getAddress(),
        amountIn,
        amountOutMinimum: 3n * 10n ** 18n, // ≈ 3.33 WETH at $3000
        sqrtPriceLimitX96: 0n,
      })
    ).wait();
    expect(receipt?.status).to.equal(1);
    const received = ((await weth.balanceOf(await trader.getAddress())) as bigint) - before;
    expect(received > 3n * 10n ** 18n && received < 34n * 10n ** 17n).to.equal(true);
    provider.destroy();

    run.child.kill("SIGINT");
    expect(await run.exited).to.equal(0);
    expect(await isListening(port)).to.equal(false);
  });

  it("--exit on the same port again: deploys from scratch, prints, exits 0, frees the port", async function () {
    run = startScript("scripts/node.ts", ["--exit", "--port", String(port), "--no-build"]);
    expect(await run.exited, run.out).to.equal(0);
    expect(run.out).to.include("UniswapV3Factory");
    expect(addressOf(run.out, "NonfungiblePositionManager")).to.match(/^0x/);
    expect(await isListening(port)).to.equal(false);
    // the keeper commands are for a running node, and the output says this one was stopped
    const config = `.keeper/local-${port}.yaml`;
    expect(run.out).to.not.include("Keeper config for this system:");
    expect(run.out).to.include(
      `\nNode stopped (--exit): the system above is gone with it. The keeper config ${config} ` +
        `and these commands apply to a running \`npm run node -- --port ${port}\` (without --exit), ` +
        `which deploys the system anew and rewrites the config:\n` +
        `  BALLAST_DEV_PRIVATE_KEY=0x`,
    );
    expect(run.out).to.match(
      new RegExp(`npm run keeper -- status --config ${config.replace(/\./g, "\\.")}\n`),
    );
  });

  it("fails with a clear message when the port is taken", async function () {
    const blocker = net.createServer();
    // (a listen error — the port still held after an earlier failure — fails this test, not mocha)
    await new Promise<void>((resolve, reject) => {
      blocker.once("error", reject);
      blocker.listen(port, "127.0.0.1", () => resolve());
    });
    try {
      run = startScript("scripts/node.ts", ["--exit", "--port", String(port)]);
      expect(await run.exited).to.equal(1);
      expect(run.out).to.include(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
