/**
 * `npm run node`: runs a local Hardhat node with the whole Ballast system on it — the replica
 * stack (Uniswap V3, Aave V3, Chainlink feeds, test tokens) and the vault with its adapters, lens
 * and timelock — for the web page, the keeper CLI, or a wallet. (`npm start` is the market
 * simulation: scripts/simulate.ts.)
 *
 * 1. Starts `hardhat node --hostname 127.0.0.1 --port 8545` as a child process (the real
 *    Hardhat CLI under this Node binary, not through npx, so its pid is the node's pid).
 * 2. Waits until it answers JSON-RPC, compiles if needed, then deploys the Vault Ignition module
 *    (LocalStack + the vault system) and seeds the Uniswap pools (`deployLocalVault`). The Ignition journal lives in
 *    deploy/deployments/chain-31337 (port 8545) or chain-31337-port-<port>; it is wiped first,
 *    because a new node always starts empty.
 * 3. Mints 10,000 test USDC to each depositor account (#4–#7).
 * 4. Prints every contract address, writes a keeper config for this system to
 *    .keeper/local-<port>.yaml (deploy/lib/keeperConfig.ts), then keeps the node in the
 *    foreground until Ctrl-C (SIGINT/SIGTERM are forwarded to the node).
 *
 * Options:
 *   --port <n>        listen on port n (default 8545)
 *   --exit, --no-keep print the table, stop the node and exit (for tests and CI)
 *   --quiet-node      do not echo the node's own log after the table
 *   --no-build        skip `hardhat build` (artifacts must already exist; used by tests)
 *   --block-time <s>  once deployed, also mine a block every s seconds (default 5; 0: only on a
 *                     transaction). An automine-only node's clock stands still between
 *                     transactions, and the keeper (cooldown, plan deadlines) and the page (the
 *                     cancel lock) go by the latest block's time, as they must on a real chain.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Contract } from "ethers";
import type { Signer } from "ethers";

const HOSTNAME = "127.0.0.1";
/** Hardhat's default account #3 (the local vault's KEEPER_SIGNER): a public test key. */
const HARDHAT_ACCOUNT_3_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HARDHAT_CLI = path.join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

/** Raised for a problem the user must fix (port taken, node died, bad flag). */
class StartError extends Error {
  readonly code: "PORT_IN_USE" | "NODE_EXITED" | "NODE_TIMEOUT" | "BAD_ARGS";
  constructor(code: StartError["code"], message: string) {
    super(message);
    this.name = "StartError";
    this.code = code;
  }
}

interface Options {
  readonly port: number;
  readonly keep: boolean;
  readonly echoNode: boolean;
  readonly build: boolean;
  /** Seconds between blocks mined without a transaction (0: automine only). */
  readonly blockTime: number;
}

/** Parses argv (after `node scripts/node.ts`). */
function parseArgs(argv: readonly string[]): Options {
  let port = 8545;
  let keep = true;
  let echoNode = true;
  let build = true;
  let blockTime = 5;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--exit" || arg === "--no-keep") keep = false;
    else if (arg === "--quiet-node") echoNode = false;
    else if (arg === "--no-build") build = false;
    else if (arg === "--port" || arg.startsWith("--port=")) {
      const raw = arg === "--port" ? argv[++i] : arg.slice("--port=".length);
      port = Number(raw);
      if (!Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new StartError("BAD_ARGS", `invalid --port ${raw}`);
      }
    } else if (arg === "--block-time" || arg.startsWith("--block-time=")) {
      const raw = arg === "--block-time" ? argv[++i] : arg.slice("--block-time=".length);
      blockTime = Number(raw);
      if (raw === undefined || raw === "" || !Number.isInteger(blockTime) || blockTime < 0) {
        throw new StartError("BAD_ARGS", `invalid --block-time ${raw} (whole seconds, 0: off)`);
      }
    } else if (arg === "--help" || arg === "-h") {
      console.log(
        "usage: npm run node -- [--port <n>] [--block-time <s>] [--exit|--no-keep] [--quiet-node] [--no-build]",
      );
      process.exit(0);
    } else throw new StartError("BAD_ARGS", `unknown option ${arg} (try --help)`);
  }
  return { port, keep, echoNode, build, blockTime };
}

/** Hardhat accounts funded with test USDC for depositors (no role in the system). */
const DEPOSITORS = [4, 5, 6, 7] as const;
/** Test USDC (6 decimals) each depositor account receives. */
const DEPOSITOR_USDC = 10_000n * 10n ** 6n;

/** Mints {@link DEPOSITOR_USDC} of the local test USDC at `usdc` to each of {@link DEPOSITORS}. */
async function fundDepositors(
  signers: readonly (Signer & { address: string })[],
  usdc: string,
): Promise<void> {
  const token = new Contract(usdc, ["function mint(address to, uint256 amount)"], signers[0]);
  for (const i of DEPOSITORS) {
    await (await token.getFunction("mint")(signers[i].address, DEPOSITOR_USDC)).wait();
  }
}

/** Resolves if `port` can be bound on HOSTNAME, rejects with PORT_IN_USE otherwise. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new StartError(
              "PORT_IN_USE",
              `port ${port} on ${HOSTNAME} is already in use — is another node (or npm run node) ` +
                `running? Stop it, or pick another port with: npm run node -- --port <n>`,
            )
          : err,
      );
    });
    server.listen(port, HOSTNAME, () => server.close(() => resolve()));
  });
}

/** Polls eth_chainId until the node answers, the child dies, or the timeout passes. */
async function waitForRpc(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new StartError(
        "NODE_EXITED",
        `hardhat node exited early (${child.exitCode ?? child.signalCode})`,
      );
    }
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new StartError(
    "NODE_TIMEOUT",
    `hardhat node did not answer on ${url} within ${timeoutMs} ms`,
  );
}

/** Sends `signal` to the child and waits (up to 5 s, then SIGKILL) for it to exit. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

async function main(): Promise<void> {
  const started = performance.now();
  const options = parseArgs(process.argv.slice(2));
  process.chdir(ROOT);
  await assertPortFree(options.port);

  const url = `http://${HOSTNAME}:${options.port}`;
  const child = spawn(
    process.execPath,
    [HARDHAT_CLI, "node", "--hostname", HOSTNAME, "--port", String(options.port)],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  // Keep the node's start-up log in memory; echo it only if start-up fails.
  let earlyLog = "";
  let echo = false;
  const onData = (chunk: Buffer) => {
    if (echo) process.stdout.write(chunk);
    else if (earlyLog.length < 200_000) earlyLog += chunk.toString();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the node (pid ${child.pid})…`);
    await stopChild(child, signal === "SIGINT" ? "SIGINT" : "SIGTERM");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  try {
    console.log(`Starting hardhat node on ${url} (pid ${child.pid})…`);
    await waitForRpc(url, child, 60_000);

    const deploymentId = options.port === 8545 ? "chain-31337" : `chain-31337-port-${options.port}`;
    rmSync(path.join(ROOT, "deploy", "deployments", deploymentId), {
      recursive: true,
      force: true,
    });

    const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
    console.log(`Node answering after ${elapsed()}.`);
    const hre = (await import("hardhat")).default;
    if (options.build) {
      await hre.tasks.getTask("build").run({ quiet: true });
      console.log(`Contracts built after ${elapsed()}.`);
    }
    const connection = await hre.network.connect({ network: "localhost", override: { url } });
    const { stackAddresses } = await import("../deploy/lib/localStack.ts");
    const { deployLocalVault } = await import("../deploy/lib/vaultLocal.ts");
    const { formatStackTable, stackRows } = await import("../deploy/lib/stackTable.ts");
    const { LOCAL_KEY_ENV, localKeeperConfigYaml } = await import("../deploy/lib/keeperConfig.ts");
    console.log(`Deploying the local system (Ignition deployment ${deploymentId})…`);
    const system = await deployLocalVault(connection, { deploymentId });
    const addresses = await stackAddresses(system);
    await fundDepositors(await connection.ethers.getSigners(), addresses.usdc);

    if (options.blockTime > 0) {
      await connection.provider.request({
        method: "evm_setIntervalMining",
        params: [options.blockTime * 1000],
      });
    }
    console.log(`\nBallast local system on ${url} (chain 31337), ready in ${elapsed()}\n`);
    console.log(formatStackTable(stackRows(addresses)));
    const keeperDir = path.join(ROOT, ".keeper");
    mkdirSync(keeperDir, { recursive: true });
    const configFile = path.join(keeperDir, `local-${options.port}.yaml`);
    const journal = `journal-local-${options.port}.sqlite`;
    rmSync(path.join(keeperDir, journal), { force: true }); // a new chain: no plans in flight
    writeFileSync(
      configFile,
      localKeeperConfigYaml(
        {
          rpcUrl: url,
          vault: addresses.vault,
          lens: addresses.lens,
          quoterV2: addresses.quoterV2,
        },
        journal,
      ),
    );
    const rel = path.relative(process.cwd(), configFile);
    console.log(
      `\nAccounts: Hardhat's default mnemonic ("test test … junk"); #0 deployed everything, ` +
        `#1 curator, #2 guardian, #3 keeper signer, #${DEPOSITORS[0]}–#${DEPOSITORS[DEPOSITORS.length - 1]} ` +
        `depositors holding ${DEPOSITOR_USDC / 10n ** 6n} test USDC each (import one into a wallet ` +
        `for the web page), #8 provides the Uniswap liquidity, #9 the Aave liquidity. Addresses ` +
        `also in deploy/deployments/${deploymentId}/.`,
    );
    const keeperCommands =
      `  ${LOCAL_KEY_ENV}=${HARDHAT_ACCOUNT_3_KEY} npm run keeper -- status --config ${rel}\n` +
      `  ${LOCAL_KEY_ENV}=${HARDHAT_ACCOUNT_3_KEY} npm run keeper -- run --config ${rel}`;
    if (!options.keep) {
      // --exit: the node (and the chain with everything above) is gone; the commands are for
      // the next `npm run node` on this port, which deploys anew and rewrites the same config
      await stopChild(child);
      console.log(
        `\nNode stopped (--exit): the system above is gone with it. The keeper config ${rel} ` +
          `and these commands apply to a running \`npm run node${options.port === 8545 ? "" : ` -- --port ${options.port}`}\` ` +
          `(without --exit), which deploys the system anew and rewrites the config:\n${keeperCommands}`,
      );
      process.exit(0);
    }
    console.log(`\nKeeper config for this system: ${rel}\n${keeperCommands}`);
    console.log(
      `\nNode running (pid ${child.pid}; ${options.blockTime > 0 ? `a block every ${options.blockTime} s and on each transaction` : "a block on each transaction only"}). Press Ctrl-C to stop.\n`,
    );
    echo = options.echoNode;
    child.once("exit", (code, signal) => {
      if (stopping) return;
      // Ctrl-C in a terminal signals the whole process group, so the node may see SIGINT
      // before this process does: that is a normal stop, not a crash.
      if (signal === "SIGINT" || signal === "SIGTERM" || code === 0 || code === 130) {
        console.log("\nhardhat node stopped.");
        process.exit(0);
      }
      console.error(`hardhat node exited unexpectedly (${code ?? signal})`);
      process.exit(code ?? 1);
    });
  } catch (err) {
    process.stderr.write(earlyLog.slice(-5000));
    await stopChild(child);
    throw err;
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`npm run node failed: ${message}`);
  if (!(err instanceof StartError)) console.error(err);
  process.exit(1);
});
