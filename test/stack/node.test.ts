import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { Contract, JsonRpcProvider } from "ethers";
import { LOCAL_STACK } from "../../deploy/config/local.ts";

const require = createRequire(import.meta.url);
const SWAP_ROUTER_ABI =
  require("@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json").abi;
const ERC20_ABI = [
  "function mint(address to, uint256 amount)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function balanceOf(address owner) view returns (uint256)",
];
const START = path.resolve(process.cwd(), "scripts/node.ts");
const BALLAST = path.resolve(process.cwd(), "keeper/cli/ballast.ts");

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

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

interface Run {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

function runStart(args: string[]): Run {
  const child = spawn(process.execPath, [START, ...args], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: Run = {
    child,
    output: "",
    exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  };
  child.stdout?.on("data", (d: Buffer) => (run.output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (run.output += d.toString()));
  return run;
}

/** Resolves once `run.output` contains `marker`; rejects if the process exits first. */
async function waitFor(run: Run, marker: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!run.output.includes(marker)) {
    if (run.child.exitCode !== null) throw new Error(`node.ts exited early:\n${run.output}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${marker}":\n${run.output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
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
  let run: Run | undefined;

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
    run = runStart(["--port", String(port), "--quiet-node", "--no-build"]);
    await waitFor(run, "Press Ctrl-C", 240_000);
    for (const name of ["USDC", "WETH (WETH9)", "ETH / USD", "SwapRouter02", "QuoterV2"]) {
      expect(addressOf(run.output, name), name).to.match(/^0x/);
    }
    expect(run.output).to.include("Pool WETH/USDC");
    expect(run.output).to.include("Pool (proxy)"); // Aave V3
    const vault = addressOf(run.output, "BallastVault (bUSDC)");
    expect(addressOf(run.output, "BallastLens")).to.match(/^0x/);

    // the printed keeper config drives the keeper CLI against this node, as account #3
    const config = path.resolve(process.cwd(), `.keeper/local-${port}.yaml`);
    const key = /BALLAST_DEV_PRIVATE_KEY=(0x[0-9a-f]{64})/.exec(run.output)?.[1];
    expect(key, run.output).to.not.equal(undefined);
    const status = spawnSync(process.execPath, [BALLAST, "--config", config, "status", "--json"], {
      encoding: "utf8",
      env: { ...process.env, BALLAST_DEV_PRIVATE_KEY: key },
    });
    expect(status.status, status.stderr).to.equal(0);
    const st = (JSON.parse(status.stdout) as { status: Record<string, unknown> }).status;
    expect(String(st.vault).toLowerCase()).to.equal(vault.toLowerCase());
    expect(st.nav).to.equal("0");
    expect((st.keeper as { signerHasRole: boolean }).signerHasRole).to.equal(true);

    const provider = new JsonRpcProvider(`http://127.0.0.1:${port}`);
    const trader = await provider.getSigner(1);
    const usdc = new Contract(addressOf(run.output, "USDC"), ERC20_ABI, trader);
    const weth = new Contract(addressOf(run.output, "WETH (WETH9)"), ERC20_ABI, trader);
    const router = new Contract(addressOf(run.output, "SwapRouter02"), SWAP_ROUTER_ABI, trader);
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
    run = runStart(["--exit", "--port", String(port), "--no-build"]);
    expect(await run.exited, run.output).to.equal(0);
    expect(run.output).to.include("UniswapV3Factory");
    expect(addressOf(run.output, "NonfungiblePositionManager")).to.match(/^0x/);
    expect(await isListening(port)).to.equal(false);
  });

  it("fails with a clear message when the port is taken", async function () {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", () => resolve()));
    try {
      run = runStart(["--exit", "--port", String(port)]);
      expect(await run.exited).to.equal(1);
      expect(run.output).to.include(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
