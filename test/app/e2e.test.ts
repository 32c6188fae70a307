/**
 * End to end in a real browser: `scripts/node.ts` (the whole local system on a free port),
 * `scripts/app.ts --config` of the keeper config it writes, Debian's Chromium driven by
 * playwright-core, and a `window.ethereum` shim that forwards EIP-1193 requests to the node
 * (Hardhat's unlocked accounts sign `eth_sendTransaction`). Asserts on visible text only.
 * The keeper is the real one (its loop worker, one `tick` at a time over HTTP, fixed targets):
 * it moves part of the deposit into the basket, so that a withdrawal can exceed the idle funds,
 * and later fulfils the redemption request.
 */
import { expect } from "chai";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { Contract, JsonRpcProvider } from "ethers";
import { parse as parseYaml } from "yaml";
import { projectAbi } from "../../keeper/src/chain/abis.ts";
import { makeProvider } from "../../keeper/src/chain/rpc.ts";
import type { ResilientProvider } from "../../keeper/src/chain/rpc.ts";
import { tick } from "../../keeper/src/commands/run.ts";
import { openJournal } from "../../keeper/src/journal/journal.ts";
import type { Journal } from "../../keeper/src/journal/journal.ts";
import type { Worker } from "../../keeper/src/loop/worker.ts";
import { localWorker } from "../helpers/keeper.ts";
import { freePort, startScript, stop, waitOut } from "../helpers/proc.ts";
import type { Proc } from "../helpers/proc.ts";
import { js } from "../helpers/rpc.ts";
import { formatAmount, formatBps, formatTimestamp } from "../../app/src/amounts.ts";

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
/** The keeper's fixed targets (bps of NAV, registry order WETH, WBTC, LINK, UNI): 47 % invested. */
const TARGETS = [2_500n, 1_200n, 500n, 500n];

// The slice of playwright-core's API this test uses.
interface Locator {
  click(): Promise<void>;
  fill(value: string): Promise<void>;
  innerText(): Promise<string>;
  inputValue(): Promise<string>;
  isVisible(): Promise<boolean>;
  isDisabled(): Promise<boolean>;
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
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
  on(event: "pageerror", cb: (err: Error) => void): void;
  on(event: "console", cb: (msg: { type(): string; text(): string }) => void): void;
  on(event: "request", cb: (req: { url(): string }) => void): void;
}
interface Browser {
  newPage(options: { viewport: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: { launch(options: { executablePath: string; args: string[] }): Promise<Browser> };
}

/** With APP_E2E_SHOTS=<dir>, saves a full-page PNG of `page` as <dir>/<name>.png (to look at). */
async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.APP_E2E_SHOTS;
  if (dir !== undefined && dir !== "") {
    await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  }
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

/**
 * The EIP-1193 shim: one fixed account; it starts on chain `startChainId` (as a wallet left on
 * another network would) and switches on wallet_switchEthereumChain, emitting chainChanged; while
 * on another chain than the node's it answers only eth_chainId/eth_accounts. Setting
 * `window.__rejectNext = true` makes it decline the next transaction (code 4001), as a user
 * pressing "Reject" would. Everything else goes to the node through Node.
 */
function ethereumShim(account: string, startChainId = "0x7a69"): string {
  return `(() => {
    const account = ${JSON.stringify(account)};
    let chainId = ${JSON.stringify(startChainId)};
    const listeners = {};
    window.__shimCalls = [];
    window.ethereum = {
      isBallastTestShim: true,
      async request({ method, params }) {
        window.__shimCalls.push(method);
        if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
        if (method === "eth_chainId") return chainId;
        if (method === "wallet_switchEthereumChain") {
          chainId = params[0].chainId;
          for (const cb of listeners.chainChanged ?? []) cb(chainId);
          return null;
        }
        if (chainId !== "0x7a69") throw Object.assign(new Error("shim: wrong chain"), { code: 4901 });
        if (method === "eth_sendTransaction" && window.__rejectNext === true) {
          window.__rejectNext = false;
          throw Object.assign(new Error("User rejected the request."), { code: 4001 });
        }
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
      on(event, cb) {
        (listeners[event] ??= []).push(cb);
      },
      removeListener(event, cb) {
        listeners[event] = (listeners[event] ?? []).filter((x) => x !== cb);
      },
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
  const foreignRequests: string[] = [];

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
    node = startScript("scripts/node.ts", [
      "--port",
      String(nodePort),
      "--no-build",
      "--quiet-node",
    ]);
    await waitOut(node, /Press Ctrl-C/, 90_000);
    const config = `.keeper/local-${nodePort}.yaml`;
    app = startScript("scripts/app.ts", ["--config", config, "--port", "0"]);
    appUrl = (await waitOut(app, /http:\/\/127\.0\.0\.1:\d+/, 15_000))[0];
    browser = await pw.chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  /** The keeper: a loop worker on the node (signer #3 = KEEPER_SIGNER, relayer #6), lazily. */
  let keeper: { worker: Worker; provider: ResilientProvider; journal: Journal } | undefined;
  /** One keeper tick; asserts that it mined a rebalance and returns the triggers that fired. */
  async function keeperTick(): Promise<string[]> {
    if (keeper === undefined) {
      const yaml = parseYaml(readFileSync(`.keeper/local-${nodePort}.yaml`, "utf8")) as {
        networks: { local: { quoterV2: string } };
        vaults: { address: string; lens: string }[];
      };
      const v = yaml.vaults[0];
      const provider = makeProvider([rpcUrl], 31337n, { timeoutMs: 20_000 });
      const journal = openJournal(":memory:");
      const worker = localWorker(
        {
          name: "app-e2e",
          chainId: 31337n,
          vault: v.address,
          lens: v.lens,
          provider,
          journal,
          quoter: yaml.networks.local.quoterV2,
          relayer: 6,
          targets: TARGETS,
        },
        { noCostGate: true },
      );
      keeper = { worker, provider, journal };
    }
    const r = await tick(keeper.worker);
    expect(r.outcome, `keeper tick: ${js(r)}`).to.equal("mined");
    return r.fired.map((t) => t.kind);
  }

  after(async function () {
    keeper?.journal.close();
    keeper?.provider.destroy();
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

  /**
   * A 360 px wide page; with `wallet` (default) the EIP-1193 shim for DEPOSITOR, starting on
   * chain `startChainId`. Page errors, console errors and every request that goes anywhere but
   * the page's server or the node are recorded (the suite asserts there are none).
   */
  async function openPage(
    options: { wallet?: boolean; startChainId?: string } = {},
  ): Promise<Page> {
    const page = await (browser as Browser).newPage({ viewport: { width: 360, height: 800 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(`console: ${m.text()}`);
    });
    page.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith(`${appUrl}/`) && !u.startsWith(rpcUrl)) foreignRequests.push(u);
    });
    if (options.wallet !== false) {
      await page.exposeFunction("__ballastRpc", async (body: string) => {
        const res = await fetch(rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        return res.text();
      });
      await page.addInitScript({ content: ethereumShim(DEPOSITOR, options.startChainId) });
    }
    await page.goto(`${appUrl}/`);
    return page;
  }

  /** A JSON-RPC provider on the node (the caller destroys it). */
  const nodeProvider = () => new JsonRpcProvider(rpcUrl, 31337, { staticNetwork: true });

  /** The addresses the page's server hands out. */
  const pageConfig = async () =>
    (await (await fetch(`${appUrl}/config.json`)).json()) as { vault: string; lens: string };

  it("connects (switching networks), deposits 1,000 USDC; the keeper invests; withdraws from idle funds, requests the rest, the keeper fulfils, claims", async function () {
    const provider = nodeProvider();
    try {
      const cfg = await pageConfig();
      const vault = new Contract(cfg.vault, ["function asset() view returns (address)"], provider);
      const usdcAddress = (await vault.getFunction("asset")()) as string;
      // npm run node funds the depositor accounts #4–#7 with 10,000 test USDC each

      // the wallet is on mainnet when the page opens
      const page = await openPage({ startChainId: "0x1" });
      const banner = page.locator("#banner");
      const overview = page.locator("#overview");
      const position = page.locator("#position");
      const txLog = page.locator("#tx-log");
      await waitText(banner, /Status: Open/);
      await waitText(overview, /NAV \(total assets\)\s+0 USDC/);
      expect(await page.locator("#limits").innerText()).to.match(/Deposit cap\s+10,000,000 USDC/);
      expect(await page.locator("#holdings").innerText()).to.include("WETH");
      expect(await page.locator("#wallet-actions").isVisible()).to.equal(false);

      // wrong network: every action closed with the reason, and a switch offered
      await page.getByRole("button", { name: "Connect wallet" }).click();
      await waitText(page.locator("#wallet-status"), /Wrong network: your wallet is on chain 1/);
      expect(
        await page.getByRole("button", { name: "Deposit", exact: true }).isDisabled(),
      ).to.equal(true);
      expect(await page.locator("#deposit-why").innerText()).to.equal(
        "Switch your wallet to the vault's network.",
      );
      await page.getByRole("button", { name: "Switch network" }).click();
      await waitText(page.locator("#wallet-status"), new RegExp(`Connected: ${DEPOSITOR}`));
      expect(
        await page.evaluate(() => (window as unknown as { __shimCalls: string[] }).__shimCalls),
      ).to.include("wallet_switchEthereumChain");
      expect(await page.getByRole("button", { name: "Switch network" }).isVisible()).to.equal(
        false,
      );
      await waitText(position, /Wallet balance\s+10,000 USDC/);

      // bad input is rejected before anything is signed
      const depositInput = page.getByLabel("Amount to deposit (USDC)");
      await depositInput.fill("1.0000001");
      await page.getByRole("button", { name: "Deposit", exact: true }).click();
      await waitText(page.locator("#deposit-note"), /USDC has at most 6 decimal places/);

      // preview, then approve (exact amount) + deposit, each simulated first
      await depositInput.fill("1000");
      await waitText(page.locator("#deposit-note"), /You would receive 999\.000999 bUSDC/);
      await page.getByRole("button", { name: "Deposit", exact: true }).click();
      await waitText(txLog, /Deposit 1,000 USDC #\d+: confirmed/, 30_000);
      expect(await txLog.innerText()).to.match(/Approve 1,000 USDC #\d+: confirmed/);
      await waitText(position, /Your shares\s+999\.000999 bUSDC/);
      await waitText(overview, /NAV \(total assets\)\s+1,000 USDC/);
      expect(await depositInput.inputValue()).to.equal("");
      // the approval was exactly the deposit: nothing left over
      const erc20 = new Contract(
        usdcAddress,
        ["function allowance(address, address) view returns (uint256)"],
        provider,
      );
      expect(await erc20.getFunction("allowance")(DEPOSITOR, cfg.vault)).to.equal(0n);
      const risk = await waitText(
        page.locator("#risk"),
        /Deposit cap room\s+9,999,000 USDC of 10,000,000 USDC/,
      );
      expect(risk).to.match(/Leverage now\s+0\.00 % \(max 150\.00 %\)/);
      expect(risk).to.match(/Loss budget left\s+2 % of 2 % of NAV/);
      await waitText(page.locator("#history"), /Deposit\s+0x9965…A4dc deposited 1,000 USDC/);

      // the keeper invests 47 % of the NAV in the basket: the page shows it after a refresh
      expect(await keeperTick()).to.include("drift");
      await page.getByRole("button", { name: "Refresh now" }).click();
      const invested = await waitText(
        page.locator("#holdings"),
        /WETH\s+\S+\s+2\d\d(\.\d+)?\s+2[45]\.\d\d % \/ 40\.00 %/,
      );
      expect(invested).to.match(/WBTC\s+\S+\s+1[12]\d(\.\d+)?\s+1[12]\.\d\d % \/ 40\.00 %/);
      await waitText(page.locator("#risk"), /Leverage now\s+4[67]\.\d\d % \(max 150\.00 %\)/);
      await waitText(overview, /Idle base\s+5\d\d(\.\d+)? USDC/);
      await waitText(
        page.locator("#history"),
        /Rebalanced\s+plan #0: NAV 1,000 USDC → 99\d(\.\d+)? USDC/,
      );

      // more than the idle funds allow: the simulation reverts, nothing is sent
      const nonce = await provider.getTransactionCount(DEPOSITOR);
      const withdrawInput = page.getByLabel("Amount to withdraw from idle funds (USDC)");
      await withdrawInput.fill("5000");
      await page.getByRole("button", { name: "Withdraw", exact: true }).click();
      await waitText(
        txLog,
        /Withdraw 5,000 USDC #\d+: would revert, not sent — ERC4626ExceededMaxWithdraw\(owner=0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc, assets=5000000000, max=5\d{8}\): You can withdraw at most 5\d\d(\.\d+)? USDC/,
      );
      expect(await provider.getTransactionCount(DEPOSITOR)).to.equal(nonce);
      expect(await withdrawInput.inputValue()).to.equal("5000");
      await waitText(
        page.locator("#withdraw-note"),
        /Withdraw 5,000 USDC: not sent, the simulation reverts\. You can withdraw at most 5\d\d(\.\d+)? USDC/,
      );

      // the user declines in the wallet: a calm message, the typed amount stays, nothing sent
      await withdrawInput.fill("400");
      await waitText(page.locator("#withdraw-note"), /Burns 400(\.\d+)? bUSDC/);
      await page.evaluate(() => {
        (window as unknown as { __rejectNext: boolean }).__rejectNext = true;
      });
      await page.getByRole("button", { name: "Withdraw", exact: true }).click();
      await waitText(txLog, /Withdraw 400 USDC #\d+: declined in the wallet/);
      await waitText(page.locator("#withdraw-note"), /^You declined the request in your wallet\.$/);
      expect(await withdrawInput.inputValue()).to.equal("400");
      expect(await provider.getTransactionCount(DEPOSITOR)).to.equal(nonce);

      // withdraw part from idle funds
      await page.getByRole("button", { name: "Withdraw", exact: true }).click();
      await waitText(txLog, /Withdraw 400 USDC #\d+: confirmed/, 30_000);
      await waitText(overview, /NAV \(total assets\)\s+59\d(\.\d+)? USDC/);
      await waitText(position, /Wallet balance\s+9,400 USDC/);
      await waitText(position, /Max withdraw now\s+1\d\d(\.\d+)? USDC/);

      // the rest is more than the idle funds: the page says so, and a request queues it all
      await page.locator("#redeem-all").click();
      await waitText(
        page.locator("#redeem-note"),
        /Worth 59\d(\.\d+)? USDC at the current price \(previewRedeem: exit fee included, rounded down\)\. 1\d\d(\.\d+)? bUSDC redeemable now; the rest, 4\d\d(\.\d+)? bUSDC, must be requested/,
      );
      await page.getByRole("button", { name: "Request redemption" }).click();
      await waitText(txLog, /Request redemption of 59\d(\.\d+)? bUSDC #\d+: confirmed/, 30_000);
      await waitText(position, /Your shares\s+0 bUSDC/);
      await waitText(position, /Pending request\s+59\d(\.\d+)? bUSDC/);
      await waitText(
        page.locator("#requests-note"),
        /Pending: 59\d(\.\d+)? bUSDC waiting for fulfilment/,
      );
      await waitText(overview, /Waiting redemptions\s+59\d(\.\d+)? bUSDC \(epoch 0\)/);
      const history = await waitText(page.locator("#history"), /Redemption requested/);
      expect(history).to.match(/Withdraw\s+0x9965…A4dc withdrew 400 USDC/);

      // anyone may fulfil, but the idle funds do not cover the request: nothing is sent
      const before = await provider.getTransactionCount(DEPOSITOR);
      await page.getByRole("button", { name: "Fulfil waiting requests" }).click();
      await waitText(page.locator("#requests-note"), /do not cover the waiting requests now/);
      await shot(page, "1-pending");
      expect(await provider.getTransactionCount(DEPOSITOR)).to.equal(before);

      // a second deposit (a new exact approval) while the request waits; kept for the shutdown test
      await depositInput.fill("400");
      await page.getByRole("button", { name: "Deposit", exact: true }).click();
      await waitText(txLog, /Deposit 400 USDC #\d+: confirmed/, 30_000);
      await waitText(position, /Your shares\s+39\d(\.\d+)? bUSDC/);

      // after the cooldown the keeper sells and fulfils the epoch; the controller claims
      await provider.send("evm_increaseTime", [601]);
      await provider.send("evm_mine", []);
      expect(await keeperTick()).to.include("redemptions");
      const v = new Contract(cfg.vault, projectAbi("BallastVault"), provider);
      expect(
        [await v.getFunction("pendingShares")(), await v.getFunction("currentEpoch")()],
        "the keeper's rebalance fulfilled the epoch",
      ).to.deep.equal([0n, 1n]);
      await page.getByRole("button", { name: "Refresh now" }).click();
      await waitText(position, /Claimable\s+59\d(\.\d+)? bUSDC = 59\d(\.\d+)? USDC/);
      await waitText(
        page.locator("#history"),
        /Redemptions fulfilled\s+epoch 0: 59\d(\.\d+)? bUSDC burnt/,
      );
      await page.getByRole("button", { name: "Claim", exact: true }).click();
      await waitText(txLog, /Claim redemption #\d+: confirmed/, 30_000);
      await waitText(position, /Wallet balance\s+9,59\d(\.\d+)? USDC/);
      await waitText(position, /Claimable\s+0 bUSDC = 0 USDC/);
      await waitText(page.locator("#history"), /Redemption claimed/);
      await shot(page, "1-connected");

      // laid out for a 360 px screen: nothing wider than the viewport
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(360);
      expect(pageErrors).to.deep.equal([]);
    } finally {
      provider.destroy();
    }
  });

  it("read-only without a wallet: state, risk, holdings, fees and history as the chain says", async function () {
    // what the chain says, read here with ethers: the page must show exactly these figures
    const provider = nodeProvider();
    let nav: bigint, supply: bigint, idle: bigint;
    let weth: { value: bigint; weightBps: bigint };
    let gross = 0n;
    try {
      const cfg = await pageConfig();
      const vault = new Contract(cfg.vault, projectAbi("BallastVault"), provider);
      nav = (await vault.getFunction("totalAssets")()) as bigint;
      supply = (await vault.getFunction("totalSupply")()) as bigint;
      const lens = new Contract(cfg.lens, projectAbi("BallastLens"), provider);
      idle = ((await lens.getFunction("vaultState")(cfg.vault)) as { idle: bigint }).idle;
      const states = (await lens.getFunction("assetStates")(cfg.vault)) as {
        value: bigint;
        debtValue: bigint;
        weightBps: bigint;
      }[];
      weth = states[0];
      // gross exposure as the vault's leverage bound counts it: Σ (value + debtValue)
      for (const a of states) gross += a.value + a.debtValue;
    } finally {
      provider.destroy();
    }
    expect(nav > 0n && weth.value > 0n, "the keeper left part of the NAV invested").to.equal(true);

    const page = await openPage({ wallet: false });
    await waitText(page.locator("#banner"), /Status: Open/);
    const overview = await waitText(
      page.locator("#overview"),
      new RegExp(`NAV \\(total assets\\)\\s+${formatAmount(nav, 6, 2)} USDC`),
    );
    expect(overview).to.include(`${formatAmount(supply, 12, 4)} bUSDC`);
    expect(overview).to.match(new RegExp(`Idle base\\s+${formatAmount(idle, 6, 2)} USDC`));
    expect(overview).to.match(/Price per share\s+1(\.\d+)? USDC/);
    expect(overview).to.match(/Last rebalance\s+\d{4}-\d\d-\d\dT/);
    const risk = await page.locator("#risk").innerText();
    expect(risk).to.match(/Vault\s+open: deposits and withdrawals/);
    expect(risk).to.match(/Circuit breaker\s+armed: trips on a 10\.00 % drop/);
    expect(risk).to.match(/Price feeds\s+answering/);
    expect(risk).to.match(/Leverage now\s+\d\d\.\d\d % \(max 150\.00 %\)/);
    const lev = formatBps((gross * 10_000n) / nav).replace(".", "\\.");
    expect(risk).to.match(new RegExp(`Leverage now\\s+${lev} \\(max 150\\.00 %\\)`));
    expect(risk).to.match(new RegExp(`Gross exposure\\s+${formatAmount(gross, 6, 2)} USDC \\(`));
    const holdings = await page.locator("#holdings").innerText();
    for (const sym of ["WETH", "WBTC", "LINK", "UNI"]) expect(holdings).to.include(sym);
    expect(holdings).to.match(
      new RegExp(
        `WETH\\s+\\S+\\s+${formatAmount(weth.value, 6, 2)}\\s+${formatBps(weth.weightBps).replace(".", "\\.")} / 40\\.00 %`,
      ),
    );
    expect(await page.locator("#fees").innerText()).to.match(/Entry fee\s+0\.10 %/);
    expect(await page.locator("#queued").innerText()).to.include("Nothing queued");
    const history = await page.locator("#history").innerText();
    for (const kind of [
      "Deposit",
      "Withdraw",
      "Rebalanced",
      "Redemption requested",
      "Redemptions fulfilled",
      "Redemption claimed",
    ]) {
      expect(history).to.include(kind);
    }
    // the curator (Hardhat account #1) queues an adapter: the next refresh lists it with the time
    // from which anyone may apply it (the local curator timelock is 0: at once); the guardian
    // (account #2) revokes it and the list is empty again
    const node = nodeProvider();
    try {
      const cfg = await pageConfig();
      const dead = "0x000000000000000000000000000000000000dEaD";
      const asCurator = new Contract(
        cfg.vault,
        projectAbi("BallastVault"),
        await node.getSigner(1),
      );
      await (await asCurator.getFunction("submitAdapter")(9, dead, 1)).wait();
      await page.getByRole("button", { name: "Refresh now" }).click();
      const queued = await waitText(page.locator("#queued"), /Adapter #9/);
      expect(queued).to.match(
        new RegExp(`Adapter #9\\s+new swap adapter ${dead}\\s+\\S+Z — anyone may apply it now`),
      );
      const asGuardian = new Contract(
        cfg.vault,
        projectAbi("BallastVault"),
        await node.getSigner(2),
      );
      await (await asGuardian.getFunction("revokePending")(4, 9)).wait();
      await page.getByRole("button", { name: "Refresh now" }).click();
      await waitText(page.locator("#queued"), /Nothing queued/);
    } finally {
      node.destroy();
    }
    expect(await page.locator("#wallet-actions").isVisible()).to.equal(false);
    expect(await page.locator("#position").innerText()).to.include("not connected");
    await page.getByRole("button", { name: "Connect wallet" }).click();
    await waitText(page.locator("#wallet-status"), /No wallet found: install a browser wallet/);
    await shot(page, "2-read-only");
    expect(pageErrors).to.deep.equal([]);
    expect(foreignRequests).to.deep.equal([]);
  });

  it("without a lens (--rpc/--vault only) reads the same state from the vault's own getters", async function () {
    const cfg = await pageConfig();
    const withLens = await openPage({ wallet: false });
    const nav = /NAV \(total assets\)\s+[\d,.]+ USDC/.exec(
      await waitText(withLens.locator("#overview"), /NAV \(total assets\)\s+[\d,.]+ USDC/),
    )![0];
    const plain = startScript("scripts/app.ts", [
      "--rpc",
      rpcUrl,
      "--vault",
      cfg.vault,
      "--port",
      "0",
    ]);
    try {
      const url = (await waitOut(plain, /http:\/\/127\.0\.0\.1:\d+/, 15_000))[0];
      const page = await (browser as Browser).newPage({ viewport: { width: 360, height: 800 } });
      page.on("pageerror", (e) => pageErrors.push(e.message));
      await page.goto(`${url}/`);
      const overview = await waitText(page.locator("#overview"), /NAV \(total assets\)/);
      expect(overview).to.include(nav);
      // balances only: values and weights need the lens
      const holdings = await waitText(page.locator("#holdings"), /WETH\s+\d/);
      expect(holdings).to.match(/WETH\s+[\d.]+\s+unavailable\s+— \/ 40\.00 %/);
      expect(await page.locator("#holdings-note").innerText()).to.equal(
        "Oracle values and weights need the lens (start the page with --lens <address>): balances only.",
      );
      await waitText(page.locator("#history"), /Rebalanced/);
      // limits, fees and assets from the vault; adapter ids need the lens
      expect(await page.locator("#queued").innerText()).to.include("Nothing queued");
      expect(await page.locator("#queued-note").innerText()).to.include(
        "Queued adapter changes are not listed",
      );
    } finally {
      await stop(plain);
    }
    expect(pageErrors).to.deep.equal([]);
  });

  it("a fulfilment attempt that finds the queue larger than the idle funds locks the request for 3 days, by the chain's clock; then it cancels", async function () {
    const provider = nodeProvider();
    try {
      const cfg = await pageConfig();
      const vault = new Contract(cfg.vault, projectAbi("BallastVault"), provider);
      const call = <T>(name: string, ...args: unknown[]) =>
        vault.getFunction(name)(...args) as Promise<T>;
      const lens = new Contract(cfg.lens, projectAbi("BallastLens"), provider);
      const decimals = await call<bigint>("decimals");
      const one = 10n ** decimals; // one whole share
      const owned = await call<bigint>("balanceOf", DEPOSITOR);
      const epoch = await call<bigint>("currentEpoch");
      const { idle } = (await lens.getFunction("vaultState")(cfg.vault)) as { idle: bigint };
      expect(await call<bigint>("pendingShares"), "no request waits").to.equal(0n);
      expect(await call<bigint>("cancelLockedUntil"), "no lock").to.equal(0n);
      // the fewest whole shares worth more than the idle funds (exit fee included), and one more
      const requested = (await call<bigint>("previewWithdraw", idle)) / one + 2n;
      expect(await call<bigint>("previewRedeem", requested * one)).to.be.greaterThan(idle);
      expect(requested * one, "the depositor holds enough shares").to.be.at.most(owned);
      const shown = formatAmount(owned, Number(decimals), 6); // as the position shows it

      const page = await openPage();
      const position = page.locator("#position");
      const overview = page.locator("#overview");
      const requestsNote = page.locator("#requests-note");
      const txLog = page.locator("#tx-log");
      const cancel = page.getByRole("button", { name: "Cancel pending request" });
      const connect = async () => {
        await waitText(page.locator("#banner"), /Status: Open/);
        await page.getByRole("button", { name: "Connect wallet" }).click();
        await waitText(page.locator("#wallet-status"), new RegExp(`Connected: ${DEPOSITOR}`));
      };
      await connect();
      await waitText(position, new RegExp(`Your shares\\s+${shown} bUSDC`));
      await page.getByLabel("Shares to redeem (bUSDC)").fill(String(requested));
      await page.getByRole("button", { name: "Request redemption" }).click();
      await waitText(
        txLog,
        new RegExp(`Request redemption of ${requested} bUSDC #\\d+: confirmed`),
      );
      await waitText(position, new RegExp(`Pending request\\s+${requested} bUSDC`));
      // not locked yet: cancelling is open
      expect(await cancel.isDisabled()).to.equal(false);

      // anyone's fulfilment attempt (Hardhat account #10, no role) finds the epoch larger than
      // the idle funds: nothing is fulfilled, the epoch is locked against cancelling for 3 days
      const someone = await provider.getSigner(10);
      const receipt = (await (
        await (vault.connect(someone) as Contract).getFunction("fulfilRedemptions")()
      ).wait()) as { blockNumber: number };
      const lockedAt = BigInt((await provider.getBlock(receipt.blockNumber))!.timestamp);
      const until = await call<bigint>("cancelLockedUntil");
      expect(until).to.equal(lockedAt + 3n * 86_400n);
      expect([
        await call<bigint>("pendingShares"),
        await call<bigint>("currentEpoch"),
      ]).to.deep.equal([requested * one, epoch]);
      const untilUtc = formatTimestamp(until); // e.g. 2026-01-04T10:00:00Z: no regex metacharacters

      await page.getByRole("button", { name: "Refresh now" }).click();
      await waitText(
        requestsNote,
        new RegExp(
          `^Pending: ${requested} bUSDC waiting for fulfilment\\. Your request is locked until ${untilUtc} \\((3 d|2 d 23 h) from now\\): a fulfilment found the queue larger than the idle funds, so it waits to be fulfilled at the next rebalance\\.$`,
        ),
      );
      expect(await cancel.isDisabled()).to.equal(true);
      await waitText(
        overview,
        new RegExp(
          `Waiting redemptions\\s+${requested} bUSDC \\(epoch ${epoch}\\), locked until ${untilUtc}: a fulfilment found them larger than the idle funds`,
        ),
      );
      await waitText(
        page.locator("#history"),
        new RegExp(
          `Redemptions locked\\s+epoch ${epoch}: [\\d,.]+ USDC needed, [\\d,.]+ USDC idle; requests cannot be cancelled until ${untilUtc}`,
        ),
      );
      await shot(page, "3-locked");

      // 3 days (and a minute: blocks mined in a burst run a few seconds ahead) pass on the chain
      await provider.send("evm_increaseTime", [3 * 86_400 + 60]);
      await provider.send("evm_mine", []);
      const latest = BigInt((await provider.getBlock("latest"))!.timestamp);
      expect(latest >= until, "the lock has expired on the chain").to.equal(true);
      // … but not by this computer's clock: the page must go by the chain's
      expect(BigInt(Math.floor(Date.now() / 1000)) < until, "wall clock still locked").to.equal(
        true,
      );
      // every feed answers afresh (MockV3Aggregator, from the deployer #0): the later cases
      // start from fresh feeds, as before
      const deployer = await provider.getSigner(0);
      const [baseFeed] = await call<[{ feed: string }]>("oracleConfig");
      const feeds = [
        baseFeed.feed,
        ...(await call<{ feed: string }[]>("assetConfigs")).map((a) => a.feed),
      ];
      for (const f of feeds) {
        const agg = new Contract(
          f,
          [
            "function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)",
            "function updateAnswer(int256)",
          ],
          deployer,
        );
        const [, answer] = (await agg.getFunction("latestRoundData")()) as bigint[];
        await (await agg.getFunction("updateAnswer")(answer)).wait();
      }

      await page.reload();
      await connect();
      await waitText(position, new RegExp(`Pending request\\s+${requested} bUSDC`));
      await waitText(
        requestsNote,
        new RegExp(`^Pending: ${requested} bUSDC waiting for fulfilment\\.$`),
      );
      const row = await waitText(
        overview,
        new RegExp(`Waiting redemptions\\s+${requested} bUSDC \\(epoch ${epoch}\\)`),
      );
      expect(row).not.to.include("locked until");
      expect(await cancel.isDisabled()).to.equal(false);
      await cancel.click();
      await waitText(txLog, /Cancel request #\d+: confirmed/, 30_000);
      await waitText(position, /Pending request\s+0 bUSDC/);
      await waitText(position, new RegExp(`Your shares\\s+${shown} bUSDC`));
      await waitText(requestsNote, /^No open redemption request\.$/);
      await waitText(
        page.locator("#history"),
        new RegExp(
          `Request canceled\\s+0x9965…A4dc took back ${requested} bUSDC \\(epoch ${epoch}\\)`,
        ),
      );
      expect([
        await call<bigint>("balanceOf", DEPOSITOR),
        await call<bigint>("pendingShares"),
        await call<bigint>("cancelLockedUntil"),
      ]).to.deep.equal([owned, 0n, 0n]);
      await shot(page, "3-unlocked");
      expect(pageErrors).to.deep.equal([]);
      expect(foreignRequests).to.deep.equal([]);
    } finally {
      provider.destroy();
    }
  });

  it("with a feed stale, says so and keeps showing what still works", async function () {
    const provider = nodeProvider();
    try {
      await provider.send("evm_increaseTime", [2 * 86_400]);
      await provider.send("evm_mine", []);
    } finally {
      provider.destroy();
    }
    const page = await openPage();
    const banner = await waitText(page.locator("#banner"), /Status: Price feed down/);
    expect(banner).to.match(
      /the USDC\/USD feed is stale: its last answer is from \d{4}-\d\d-\d\dT/,
    );
    expect(banner).to.match(
      /older than its heartbeat of 1 d \[OracleStale\(feed=0x[0-9a-fA-F]{40}/,
    );
    expect(banner).to.include("Withdrawing idle funds still works");
    await waitText(page.locator("#overview"), /NAV \(total assets\)\s+unavailable \(feed down\)/);
    const overview = await waitText(
      page.locator("#overview"),
      /Price per share\s+unavailable \(feed down\); withdrawals now pay at most \d+\.\d+ USDC per share \(last good price\)/,
    );
    const lastGood = /at most (\d+\.\d+) USDC/.exec(overview);
    expect(Number(lastGood?.[1])).to.be.greaterThan(0.5); // the local vault's pps is about 1 USDC
    await waitText(page.locator("#overview"), /Idle base\s+\d+(\.\d+)? USDC/);
    await waitText(page.locator("#risk"), /Price feeds\s+failing: NAV unavailable/);
    expect(await page.locator("#risk").innerText()).to.match(
      /Vault\s+open, but a price feed is down: deposits wait for it/,
    );
    expect(await page.locator("#holdings").innerText()).to.match(/WETH\s+[\d.]+\s+unavailable/);
    // the lens's tryAssetStates names each asset's stale feed (the base feed's comes from the NAV)
    const holdingsNote = await page.locator("#holdings-note").innerText();
    expect(holdingsNote).to.match(
      /^A price feed fails \(the USDC\/USD feed is stale: .*; WETH: the WETH\/USD feed is stale: its last answer is from \d{4}-.*\): balances only, no oracle values or weights\.$/,
    );
    for (const sym of ["WBTC", "LINK", "UNI"])
      expect(holdingsNote).to.include(`${sym}: the ${sym}/USD feed is stale`);
    expect(await page.locator("#risk").innerText()).to.match(
      /Gross exposure\s+unknown \(feed down\)/,
    );
    await shot(page, "3-feed-down");
    // the long error wraps inside the 360 px screen
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(360);
    expect(pageErrors).to.deep.equal([]);
  });

  it("after a shutdown, with the feed still stale: request, cancel, exit in kind as previewed", async function () {
    const provider = nodeProvider();
    try {
      const cfg = await pageConfig();
      const guardian = await provider.getSigner(2); // Hardhat account #2: the local GUARDIAN
      const vault = new Contract(cfg.vault, projectAbi("BallastVault"), guardian);
      await (await vault.getFunction("shutDown")()).wait();
      const tokens = [
        (await vault.getFunction("asset")()) as string,
        ...((await vault.getFunction("assetConfigs")()) as { token: string }[]).map((a) => a.token),
      ].map(
        (t) =>
          new Contract(
            t,
            [
              "function balanceOf(address) view returns (uint256)",
              "function symbol() view returns (string)",
              "function decimals() view returns (uint8)",
            ],
            provider,
          ),
      );
      const balances = () =>
        Promise.all(tokens.map((t) => t.getFunction("balanceOf")(DEPOSITOR) as Promise<bigint>));

      const page = await openPage();
      const banner = await waitText(page.locator("#banner"), /Status: Shut down/);
      expect(banner).to.include("so does the in-kind exit");
      await page.getByRole("button", { name: "Connect wallet" }).click();
      const position = page.locator("#position");
      const txLog = page.locator("#tx-log");
      await waitText(position, /Your shares\s+39\d(\.\d+)? bUSDC/);
      expect(await page.locator("#deposit-why").innerText()).to.equal(
        "Deposits are closed: the vault is shut down.",
      );
      await page.getByLabel("Shares to redeem (bUSDC)").fill("10");
      await page.getByRole("button", { name: "Request redemption" }).click();
      await waitText(txLog, /Request redemption of 10 bUSDC #\d+: confirmed/, 30_000);
      await waitText(position, /Pending request\s+10 bUSDC/);
      await page.getByRole("button", { name: "Cancel pending request" }).click();
      await waitText(txLog, /Cancel request #\d+: confirmed/, 30_000);
      await waitText(position, /Pending request\s+0 bUSDC/);

      // the preview is the vault's pro-rata formula on what it holds: base and basket tokens
      await page.locator("#exit-all").click();
      const preview = await waitText(
        page.locator("#exit-note"),
        /You would receive \d+(\.\d+)? USDC, \d+\.\d+ WETH, \d+\.\d+ WBTC, \d+\.\d+ LINK, \d+\.\d+ UNI/,
      );
      expect(preview).to.include("as the vault computes it (lens previewExitInKind)");
      const before = await balances();
      await page.getByRole("button", { name: "Exit in kind", exact: true }).click();
      await waitText(txLog, /Exit in kind with 39\d(\.\d+)? bUSDC #\d+: confirmed/, 30_000);
      await waitText(position, /Your shares\s+0 bUSDC/);
      const after = await balances();
      for (const [i, t] of tokens.entries()) {
        const got = after[i] - before[i];
        const shown = `${formatAmount(got, Number(await t.getFunction("decimals")()), 6)} ${String(await t.getFunction("symbol")())}`;
        expect(preview, `received ${shown}`).to.include(shown);
      }
      await waitText(page.locator("#history"), /In-kind exit/);
      await shot(page, "4-shutdown");
      expect(pageErrors).to.deep.equal([]);
      expect(foreignRequests).to.deep.equal([]);
    } finally {
      provider.destroy();
    }
  });
});
