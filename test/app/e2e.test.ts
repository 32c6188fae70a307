/**
 * End to end in a real browser: `scripts/node.ts` (the whole local system on a free port),
 * `scripts/app.ts --config` of the keeper config it writes, Debian's Chromium driven by
 * playwright-core, and a `window.ethereum` shim that forwards EIP-1193 requests to the node
 * (Hardhat's unlocked accounts sign `eth_sendTransaction`). Asserts on visible text only.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { Contract, JsonRpcProvider } from "ethers";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Not a literal, so that the type check does not need the package (a devDependency). */
const PLAYWRIGHT: string = "playwright-core";
/** Hardhat account #5: no role in the local system. */
const DEPOSITOR = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

// The slice of playwright-core's API this test uses.
interface Locator {
  click(): Promise<void>;
  fill(value: string): Promise<void>;
  innerText(): Promise<string>;
}
interface Page {
  goto(url: string): Promise<unknown>;
  reload(): Promise<unknown>;
  exposeFunction(name: string, fn: (body: string) => Promise<string>): Promise<void>;
  addInitScript(script: { content: string }): Promise<void>;
  locator(selector: string): Locator;
  getByLabel(text: string, options?: { exact?: boolean }): Locator;
  getByRole(role: string, options: { name: string; exact?: boolean }): Locator;
  evaluate<T>(fn: () => T): Promise<T>;
  on(event: "pageerror", cb: (err: Error) => void): void;
}
interface Browser {
  newPage(options: { viewport: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: { launch(options: { executablePath: string; args: string[] }): Promise<Browser> };
}

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

interface Proc {
  readonly child: ChildProcess;
  out: string;
  readonly exited: Promise<number | null>;
}

function start(script: string, args: string[]): Proc {
  const child = spawn(process.execPath, [path.resolve(process.cwd(), script), ...args], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const p: Proc = {
    child,
    out: "",
    exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  };
  child.stdout?.on("data", (d: Buffer) => (p.out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (p.out += d.toString()));
  return p;
}

async function waitOut(p: Proc, re: RegExp, ms: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = re.exec(p.out);
    if (m !== null) return m;
    if (p.child.exitCode !== null) throw new Error(`process exited early:\n${p.out}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}:\n${p.out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops `p` with SIGTERM (node.ts forwards it to the Hardhat node), SIGKILL after 10 s. */
async function stop(p: Proc | undefined): Promise<void> {
  if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
  await p.exited;
  clearTimeout(timer);
}

/** Polls the visible text of `loc` until it matches `re`; returns it. */
async function waitText(loc: Locator, re: RegExp, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = "";
  for (;;) {
    last = await loc.innerText().catch(() => last);
    if (re.test(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; last text:\n${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The EIP-1193 shim: accounts are fixed, everything else goes to the node through Node. */
function ethereumShim(account: string): string {
  return `(() => {
    const account = ${JSON.stringify(account)};
    window.ethereum = {
      isBallastTestShim: true,
      async request({ method, params }) {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] });
        const res = JSON.parse(await window.__ballastRpc(body));
        if (res.error !== undefined) {
          const err = new Error(res.error.message);
          err.code = res.error.code;
          err.data = res.error.data;
          throw err;
        }
        return res.result;
      },
      on() {},
      removeListener() {},
    };
  })();`;
}

describe("app end to end: Chromium, local node, wallet shim", function () {
  this.timeout(120_000);
  let node: Proc | undefined;
  let app: Proc | undefined;
  let browser: Browser | undefined;
  let nodePort = 0;
  let rpcUrl = "";
  let appUrl = "";
  const pageErrors: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium); CI installs it`,
      );
    }
    let pw: Playwright;
    try {
      pw = (await import(PLAYWRIGHT)) as Playwright;
    } catch (e) {
      throw new Error(
        `playwright-core is not installed (a devDependency): ${(e as Error).message}`,
        { cause: e },
      );
    }
    nodePort = await freePort();
    rpcUrl = `http://127.0.0.1:${nodePort}`;
    node = start("scripts/node.ts", ["--port", String(nodePort), "--no-build", "--quiet-node"]);
    await waitOut(node, /Press Ctrl-C/, 90_000);
    const config = `.keeper/local-${nodePort}.yaml`;
    app = start("scripts/app.ts", ["--config", config, "--port", "0"]);
    appUrl = (await waitOut(app, /http:\/\/127\.0\.0\.1:\d+/, 15_000))[0];
    browser = await pw.chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async function () {
    await browser?.close();
    await stop(app);
    await stop(node);
    if (nodePort !== 0) {
      rmSync(path.resolve(`deploy/deployments/chain-31337-port-${nodePort}`), {
        recursive: true,
        force: true,
      });
      rmSync(path.resolve(`.keeper/local-${nodePort}.yaml`), { force: true });
      rmSync(path.resolve(`.keeper/journal-local-${nodePort}.sqlite`), { force: true });
    }
  });

  async function openPage(): Promise<Page> {
    const page = await (browser as Browser).newPage({ viewport: { width: 360, height: 800 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.exposeFunction("__ballastRpc", async (body: string) => {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      return res.text();
    });
    await page.addInitScript({ content: ethereumShim(DEPOSITOR) });
    await page.goto(`${appUrl}/`);
    return page;
  }

  it("connects, deposits 1,000 USDC, withdraws part, requests the rest; fulfil and claim", async function () {
    const provider = new JsonRpcProvider(rpcUrl, 31337, { staticNetwork: true });
    try {
      const cfg = (await (await fetch(`${appUrl}/config.json`)).json()) as { vault: string };
      const vault = new Contract(cfg.vault, ["function asset() view returns (address)"], provider);
      const usdc = new Contract(
        (await vault.getFunction("asset")()) as string,
        ["function mint(address to, uint256 amount)"],
        await provider.getSigner(0),
      );
      await (await usdc.getFunction("mint")(DEPOSITOR, 1_500n * 10n ** 6n)).wait();

      const page = await openPage();
      const banner = page.locator("#banner");
      const overview = page.locator("#overview");
      const position = page.locator("#position");
      const txLog = page.locator("#tx-log");
      await waitText(banner, /Status: Open/);
      await waitText(overview, /NAV \(total assets\)\s+0 USDC/);
      expect(await page.locator("#limits").innerText()).to.match(/Deposit cap\s+10,000,000 USDC/);
      expect(await page.locator("#holdings").innerText()).to.include("WETH");

      await page.getByRole("button", { name: "Connect wallet" }).click();
      await waitText(page.locator("#wallet-status"), new RegExp(`Connected: ${DEPOSITOR}`));
      await waitText(position, /Wallet balance\s+1,500 USDC/);

      // bad input is rejected before anything is signed
      const depositInput = page.getByLabel("Amount to deposit (USDC)");
      await depositInput.fill("1.0000001");
      await page.getByRole("button", { name: "Deposit", exact: true }).click();
      await waitText(page.locator("#deposit-note"), /USDC has at most 6 decimal places/);

      // preview, then approve (exact amount) + deposit, each simulated first
      await depositInput.fill("1000");
      await waitText(page.locator("#deposit-note"), /You would receive about 999\.000999 bUSDC/);
      await page.getByRole("button", { name: "Deposit", exact: true }).click();
      await waitText(txLog, /Deposit 1,000 USDC #\d+: confirmed/, 30_000);
      expect(await txLog.innerText()).to.match(/Approve 1,000 USDC #\d+: confirmed/);
      await waitText(position, /Your shares\s+999\.000999 bUSDC/);
      await waitText(overview, /NAV \(total assets\)\s+1,000 USDC/);
      await waitText(page.locator("#history"), /Deposit\s+0x9965…A4dc deposited 1,000 USDC/);

      // more than the idle funds allow: the simulation reverts, nothing is sent
      const nonce = await provider.getTransactionCount(DEPOSITOR);
      const withdrawInput = page.getByLabel("Amount to withdraw from idle funds (USDC)");
      await withdrawInput.fill("5000");
      await page.getByRole("button", { name: "Withdraw", exact: true }).click();
      await waitText(
        txLog,
        /Withdraw 5,000 USDC #\d+: would revert, not sent — ERC4626ExceededMaxWithdraw\(owner=0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc, assets=5000000000, max=\d+\): You can withdraw at most 99\d\.\d+ USDC/,
      );
      expect(await provider.getTransactionCount(DEPOSITOR)).to.equal(nonce);

      // withdraw part from idle funds
      await withdrawInput.fill("400");
      await page.getByRole("button", { name: "Withdraw", exact: true }).click();
      await waitText(txLog, /Withdraw 400 USDC #\d+: confirmed/, 30_000);
      await waitText(overview, /NAV \(total assets\)\s+600 USDC/);
      await waitText(position, /Wallet balance\s+900 USDC/);

      // request a redemption of the rest: pending
      await page.locator("#redeem-all").click();
      await waitText(page.locator("#redeem-note"), /Worth about 59\d\.\d+ USDC/);
      await page.getByRole("button", { name: "Request redemption" }).click();
      await waitText(txLog, /Request redemption of 59\d\.\d+ bUSDC #\d+: confirmed/, 30_000);
      await waitText(position, /Your shares\s+0 bUSDC/);
      await waitText(position, /Pending request\s+59\d\.\d+ bUSDC/);
      await waitText(
        page.locator("#requests-note"),
        /Pending: 59\d\.\d+ bUSDC waiting for fulfilment/,
      );
      await waitText(overview, /Waiting redemptions\s+59\d\.\d+ bUSDC \(epoch 0\)/);
      const history = await waitText(page.locator("#history"), /Redemption requested/);
      expect(history).to.match(/Withdraw\s+0x9965…A4dc withdrew 400 USDC/);

      // a second deposit (a new exact approval) while the request waits; kept for the shutdown test
      await depositInput.fill("100");
      await page.getByRole("button", { name: "Deposit", exact: true }).click();
      await waitText(txLog, /Deposit 100 USDC #\d+: confirmed/, 30_000);
      await waitText(position, /Your shares\s+9\d\.\d+ bUSDC/);

      // anyone may fulfil (no keeper needed); then the controller claims
      await page.getByRole("button", { name: "Fulfil waiting requests" }).click();
      await waitText(txLog, /Fulfil redemptions #\d+: confirmed/, 30_000);
      await waitText(position, /Claimable\s+59\d\.\d+ bUSDC = 599\.\d+ USDC/);
      await page.getByRole("button", { name: "Claim", exact: true }).click();
      await waitText(txLog, /Claim redemption #\d+: confirmed/, 30_000);
      await waitText(position, /Wallet balance\s+1,399\.\d+ USDC/);
      await waitText(position, /Claimable\s+0 bUSDC = 0 USDC/);
      await waitText(page.locator("#history"), /Redemption claimed/);

      // laid out for a 360 px screen: nothing wider than the viewport
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(360);
      expect(pageErrors).to.deep.equal([]);
    } finally {
      provider.destroy();
    }
  });

  it("with a feed stale, says so and keeps showing what still works", async function () {
    const provider = new JsonRpcProvider(rpcUrl, 31337, { staticNetwork: true });
    try {
      await provider.send("evm_increaseTime", [2 * 86_400]);
      await provider.send("evm_mine", []);
    } finally {
      provider.destroy();
    }
    const page = await openPage();
    const banner = await waitText(page.locator("#banner"), /Status: Price feed down/);
    expect(banner).to.match(/OracleStale\(feed=0x[0-9a-fA-F]{40}/);
    expect(banner).to.include("Withdrawing idle funds still works");
    await waitText(page.locator("#overview"), /NAV \(total assets\)\s+unavailable \(feed down\)/);
    await waitText(page.locator("#overview"), /Idle base\s+10\d(\.\d+)? USDC/);
    expect(await page.locator("#holdings").innerText()).to.include("feed unavailable");
    expect(pageErrors).to.deep.equal([]);
  });

  it("after a shutdown, with the feed still stale: request, cancel, exit in kind", async function () {
    const provider = new JsonRpcProvider(rpcUrl, 31337, { staticNetwork: true });
    try {
      const cfg = (await (await fetch(`${appUrl}/config.json`)).json()) as { vault: string };
      const guardian = await provider.getSigner(2); // Hardhat account #2: the local GUARDIAN
      const vault = new Contract(cfg.vault, ["function shutDown()"], guardian);
      await (await vault.getFunction("shutDown")()).wait();
    } finally {
      provider.destroy();
    }
    const page = await openPage();
    const banner = await waitText(page.locator("#banner"), /Status: Shut down/);
    expect(banner).to.include("so does the in-kind exit");
    await page.getByRole("button", { name: "Connect wallet" }).click();
    const position = page.locator("#position");
    const txLog = page.locator("#tx-log");
    await waitText(position, /Your shares\s+9\d\.\d+ bUSDC/);
    await page.getByLabel("Shares to redeem (bUSDC)").fill("10");
    await page.getByRole("button", { name: "Request redemption" }).click();
    await waitText(txLog, /Request redemption of 10 bUSDC #\d+: confirmed/, 30_000);
    await waitText(position, /Pending request\s+10 bUSDC/);
    await page.getByRole("button", { name: "Cancel pending request" }).click();
    await waitText(txLog, /Cancel request #\d+: confirmed/, 30_000);
    await waitText(position, /Pending request\s+0 bUSDC/);
    await page.locator("#exit-all").click();
    await page.getByRole("button", { name: "Exit in kind", exact: true }).click();
    await waitText(txLog, /Exit in kind with 9\d\.\d+ bUSDC #\d+: confirmed/, 30_000);
    await waitText(position, /Your shares\s+0 bUSDC/);
    await waitText(position, /Wallet balance\s+1,(49\d|500)(\.\d+)? USDC/);
    await waitText(page.locator("#history"), /In-kind exit/);
    expect(pageErrors).to.deep.equal([]);
  });
});
