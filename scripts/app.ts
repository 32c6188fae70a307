/**
 * The depositor web page's server (no bundler, no build step): a small `node:http` server on
 * 127.0.0.1 that serves
 *
 *   /                    app/index.html (with a Content-Security-Policy allowing only this origin,
 *                        the RPC URL and the page's inline import map)
 *   /style.css           app/style.css
 *   /src/<file>.ts       app/src/<file>.ts with its types stripped (node:module
 *                        stripTypeScriptTypes), as text/javascript
 *   /vendor/ethers.js    node_modules/ethers/dist/ethers.js (the import map maps "ethers" to it)
 *   /abi/<Name>.json     ABIs from the Hardhat artifacts: BallastVault, BallastLens, the linked
 *                        libraries ConfigLib, PriceLib, RebalanceLib, PlanHashing, VaultModule and VaultRebalancer
 *                        (for their errors), ERC20 (OpenZeppelin's build)
 *   /config.json         { chainId, rpcUrl, vault, lens }
 *
 * Usage (`npm run app -- <options>`):
 *   node scripts/app.ts --rpc <url> --vault <addr> [--lens <addr>] [--chain-id <n>] [--port 5173]
 *   node scripts/app.ts --config .keeper/local-8545.yaml [--port 5173]
 *   node scripts/app.ts             (no option: .keeper/local-8545.yaml, if `npm run node` wrote it)
 *
 * `--config` takes rpc/vault/lens/chainId from a keeper config (the one `npm run node` writes);
 * explicit flags override it. Without `--chain-id` the server asks the RPC for it at start.
 * Before serving, the keeper CLI's start-up check (keeper/src/chain/preflight.ts) makes sure the
 * vault address holds a Ballast vault and the lens a BallastLens: otherwise it refuses, exit 2,
 * with one line naming `--vault` / `--lens` (or the config field they came from). An RPC that
 * does not answer (possible with `--chain-id`) only skips the check, with a warning.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { stripTypeScriptTypes } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { getAddress, isAddress } from "ethers";
import { parse as parseYaml } from "yaml";
import type { ABI_NAMES, AppConfig } from "../app/src/chain.ts";
import { checkLens, checkVault, PreflightError } from "../keeper/src/chain/preflight.ts";
import { makeProvider } from "../keeper/src/chain/rpc.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HOST = "127.0.0.1";

/** A bad command-line argument or config file; `field` names what to fix. */
export class AppArgError extends Error {
  readonly code: "BAD_ARGS";
  readonly field: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = "AppArgError";
    this.code = "BAD_ARGS";
    this.field = field;
  }
}

/** Parsed command line. */
export interface AppOptions {
  readonly rpcUrl: string;
  readonly vault: string;
  readonly lens: string | null;
  readonly chainId: number | null;
  readonly port: number;
}

/** What /config.json serves: what the page validates and reads. */
export type PageConfig = AppConfig;

/** The keeper config `npm run node` writes for its default port; used when no option is given. */
export const DEFAULT_CONFIG = ".keeper/local-8545.yaml";

const USAGE =
  "usage: npm run app -- --rpc <url> --vault <address> [--lens <address>] [--chain-id <n>] [--port <n>]\n" +
  "       npm run app -- --config .keeper/local-<port>.yaml [--port <n>]\n" +
  `       npm run app              (uses ${DEFAULT_CONFIG}, written by \`npm run node\`)`;

/**
 * The arguments to parse: `argv` itself, or `--config DEFAULT_CONFIG` when `argv` is empty and
 * that file exists under `root` (the local node is running, or was).
 */
export function defaultArgs(argv: readonly string[], root: string): readonly string[] {
  if (argv.length > 0) return argv;
  const file = path.join(root, DEFAULT_CONFIG);
  return existsSync(file) ? ["--config", file] : argv;
}

function checkUrl(field: string, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AppArgError(field, `"${raw}" is not a URL (example: http://127.0.0.1:8545)`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new AppArgError(field, `"${raw}" must be an http(s) URL`);
  }
  return raw;
}

function checkAddress(field: string, raw: string): string {
  if (!isAddress(raw))
    throw new AppArgError(field, `"${raw}" is not an address (0x + 40 hex digits)`);
  return getAddress(raw.toLowerCase());
}

function checkInt(field: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new AppArgError(field, `"${raw}" must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** rpc/vault/lens/chainId of the first vault of a keeper config file (YAML). */
export function readKeeperConfig(file: string): {
  rpcUrl: string;
  vault: string;
  lens: string | null;
  chainId: number | null;
} {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new AppArgError("--config", `cannot read ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new AppArgError("--config", `${file} is not valid YAML: ${(e as Error).message}`);
  }
  const d = (doc ?? {}) as {
    networks?: Record<string, { chainId?: unknown; rpcUrls?: unknown }>;
    vaults?: { network?: unknown; address?: unknown; lens?: unknown }[];
  };
  const v = Array.isArray(d.vaults) ? d.vaults[0] : undefined;
  if (v === undefined) throw new AppArgError("--config", `${file} has no vaults[0]`);
  const net = typeof v.network === "string" ? d.networks?.[v.network] : undefined;
  if (net === undefined) {
    throw new AppArgError(
      "--config",
      `${file}: vaults[0].network does not name an entry of networks`,
    );
  }
  const urls = net.rpcUrls;
  if (!Array.isArray(urls) || typeof urls[0] !== "string") {
    throw new AppArgError(
      "--config",
      `${file}: networks.${String(v.network)}.rpcUrls[0] is missing`,
    );
  }
  if (typeof v.address !== "string")
    throw new AppArgError("--config", `${file}: vaults[0].address is missing`);
  return {
    rpcUrl: checkUrl("--config rpcUrls[0]", urls[0]),
    vault: checkAddress("--config vaults[0].address", v.address),
    lens: typeof v.lens === "string" ? checkAddress("--config vaults[0].lens", v.lens) : null,
    chainId: typeof net.chainId === "number" ? net.chainId : null,
  };
}

/** Parses argv (after `node scripts/app.ts`). Throws {@link AppArgError} naming the field. */
export function parseAppArgs(argv: readonly string[]): AppOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") throw new AppArgError("--help", USAGE);
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!["--rpc", "--vault", "--lens", "--port", "--config", "--chain-id"].includes(name)) {
      throw new AppArgError(name, `unknown option\n${USAGE}`);
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) {
      throw new AppArgError(name, "needs a value");
    }
    if (flags.has(name)) throw new AppArgError(name, "given twice");
    flags.set(name, value);
  }
  const fromFile = flags.has("--config")
    ? readKeeperConfig(path.resolve(flags.get("--config") as string))
    : null;
  const rpcRaw = flags.get("--rpc") ?? fromFile?.rpcUrl;
  if (rpcRaw === undefined) throw new AppArgError("--rpc", `required (or --config)\n${USAGE}`);
  const vaultRaw = flags.get("--vault") ?? fromFile?.vault;
  if (vaultRaw === undefined) throw new AppArgError("--vault", `required (or --config)\n${USAGE}`);
  const lensRaw = flags.get("--lens") ?? fromFile?.lens ?? null;
  const chainRaw = flags.get("--chain-id");
  return {
    rpcUrl: checkUrl("--rpc", rpcRaw),
    vault: checkAddress("--vault", vaultRaw),
    lens: lensRaw === null ? null : checkAddress("--lens", lensRaw),
    chainId:
      chainRaw !== undefined
        ? checkInt("--chain-id", chainRaw, 1, Number.MAX_SAFE_INTEGER)
        : (fromFile?.chainId ?? null),
    port: flags.has("--port") ? checkInt("--port", flags.get("--port") as string, 0, 65535) : 5173,
  };
}

/** eth_chainId of `rpcUrl` (5 s timeout). Throws {@link AppArgError} on --rpc when unreachable. */
export async function fetchChainId(rpcUrl: string): Promise<number> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 5000);
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: ctl.signal,
    });
    const body = (await res.json()) as { result?: string };
    if (typeof body.result !== "string") throw new Error("no result");
    return Number(BigInt(body.result));
  } catch (e) {
    throw new AppArgError(
      "--rpc",
      `${rpcUrl} did not answer eth_chainId (${(e as Error).message}); is the node running? ` +
        "Pass --chain-id to start anyway.",
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Where the vault and lens addresses came from (the error of a bad one names it). */
export interface TargetFields {
  vault: string;
  lens: string;
}

/** The fields of `argv`: the flag when given, else the keeper config's field (`--config`). */
export function targetFields(argv: readonly string[]): TargetFields {
  const given = (flag: string) => argv.some((a) => a === flag || a.startsWith(`${flag}=`));
  return {
    vault: given("--vault") ? "--vault" : "--config vaults[0].address",
    lens: given("--lens") ? "--lens" : "--config vaults[0].lens",
  };
}

/**
 * The keeper's start-up check of the page's target (keeper/src/chain/preflight.ts): `vault` holds
 * a Ballast vault (its getters answer) and `lens`, when given, a BallastLens answering
 * `vaultState(vault)`. Throws {@link AppArgError} naming the field otherwise (`--vault: no
 * contract at 0x…`, `--vault: the contract at 0x… is not a Ballast vault …`). When the RPC
 * itself does not answer, returns a warning instead (the page then says what is wrong); null when
 * the check passed.
 */
export async function checkTarget(
  rpcUrl: string,
  chainId: number,
  vault: string,
  lens: string | null,
  fields: TargetFields = { vault: "--vault", lens: "--lens" },
): Promise<string | null> {
  const provider = makeProvider([rpcUrl], chainId, { timeoutMs: 5000, retries: 0 });
  try {
    await checkVault(provider, vault, fields.vault);
    if (lens !== null) await checkLens(provider, lens, vault, fields.lens);
    return null;
  } catch (e) {
    if (e instanceof PreflightError)
      throw new AppArgError(e.field, e.message.slice(e.field.length + 2));
    const why = ((e as { shortMessage?: string }).shortMessage ?? (e as Error).message).split(
      "\n",
    )[0];
    return `could not check ${fields.vault} ${vault} (the RPC did not answer: ${why}); starting anyway`;
  } finally {
    provider.destroy();
  }
}

/** ABIs served under /abi/<Name>.json (the page loads ABI_NAMES): name → file under the root. */
export const ABI_FILES: Readonly<Record<string, string>> = {
  BallastVault: "artifacts/contracts/BallastVault.sol/BallastVault.json",
  BallastLens: "artifacts/contracts/BallastLens.sol/BallastLens.json",
  ConfigLib: "artifacts/contracts/libraries/ConfigLib.sol/ConfigLib.json",
  PriceLib: "artifacts/contracts/libraries/PriceLib.sol/PriceLib.json",
  RebalanceLib: "artifacts/contracts/libraries/RebalanceLib.sol/RebalanceLib.json",
  PlanHashing: "artifacts/contracts/libraries/PlanHashing.sol/PlanHashing.json",
  VaultModule: "artifacts/contracts/VaultModule.sol/VaultModule.json",
  VaultRebalancer: "artifacts/contracts/VaultRebalancer.sol/VaultRebalancer.json",
  ERC20: "node_modules/@openzeppelin/contracts/build/contracts/ERC20.json",
} satisfies Record<(typeof ABI_NAMES)[number], string>;

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".ts": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

/** A request the server refuses, with its HTTP status. */
class HttpError extends Error {
  readonly code: "HTTP";
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpError";
    this.code = "HTTP";
    this.status = status;
  }
}

/**
 * Maps a URL path to a file under `appDir`, refusing anything that leaves it (`..`, encoded
 * separators, absolute paths, NUL) with 403, and unknown extensions with 404.
 */
export function resolveAppPath(appDir: string, urlPath: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    throw new HttpError(400, "bad URL encoding");
  }
  if (decoded.includes("\0") || decoded.includes("\\")) throw new HttpError(403, "forbidden path");
  const segments = decoded.split("/");
  if (segments.some((s) => s === ".." || s === ".")) throw new HttpError(403, "forbidden path");
  const rel = decoded === "/" ? "index.html" : decoded.replace(/^\/+/, "");
  const file = path.resolve(appDir, rel);
  if (file !== appDir && !file.startsWith(appDir + path.sep)) {
    throw new HttpError(403, "forbidden path");
  }
  if (TYPES[path.extname(file)] === undefined) throw new HttpError(404, "not found");
  return file;
}

/** SHA-256 CSP source of the inline import map in `html` (null when there is none). */
export function importMapHash(html: string): string | null {
  const m = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  if (m === null) return null;
  return `'sha256-${createHash("sha256").update(m[1], "utf8").digest("base64")}'`;
}

/** Options of {@link createAppServer}. */
export interface ServerOptions {
  readonly config: PageConfig;
  /** Repository root (default: this script's parent directory). */
  readonly root?: string;
}

/** The request handler and server (not listening yet). */
export function createAppServer(options: ServerOptions): http.Server {
  const root = options.root ?? ROOT;
  const appDir = path.join(root, "app");
  const rpcOrigin = new URL(options.config.rpcUrl).origin;
  const configJson = JSON.stringify(options.config);

  const send = (
    res: http.ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    extra: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      "content-type": type,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      ...extra,
    });
    res.end(body);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      throw new HttpError(405, "method not allowed");
    }
    // the raw path, not a normalised URL: a request naming ".." is refused, never rewritten
    const urlPath = (req.url ?? "/").split(/[?#]/)[0];
    if (!urlPath.startsWith("/")) throw new HttpError(400, "bad request path");
    if (urlPath === "/config.json") return send(res, 200, TYPES[".json"], configJson);
    if (urlPath === "/vendor/ethers.js") {
      const file = path.join(root, "node_modules/ethers/dist/ethers.js");
      return send(res, 200, TYPES[".js"], await readFile(file));
    }
    const abi = /^\/abi\/([A-Za-z0-9]+)\.json$/.exec(urlPath);
    if (abi !== null) {
      const rel = ABI_FILES[abi[1]];
      if (rel === undefined) throw new HttpError(404, `no ABI named ${abi[1]}`);
      let artifact: { abi: unknown };
      try {
        artifact = JSON.parse(await readFile(path.join(root, rel), "utf8")) as { abi: unknown };
      } catch {
        throw new HttpError(500, `artifact ${rel} missing: run npx hardhat build`);
      }
      return send(res, 200, TYPES[".json"], JSON.stringify(artifact.abi));
    }
    if (urlPath.startsWith("/abi/")) throw new HttpError(404, "not found");
    const file = resolveAppPath(appDir, urlPath);
    const ext = path.extname(file);
    if (ext === ".ts" && !file.startsWith(path.join(appDir, "src") + path.sep)) {
      throw new HttpError(404, "not found");
    }
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      throw new HttpError(404, "not found");
    }
    if (ext === ".ts") {
      let js: string;
      try {
        js = stripTypeScriptTypes(text, { mode: "strip" });
      } catch (e) {
        throw new HttpError(
          500,
          `cannot strip types of ${path.basename(file)}: ${(e as Error).message}`,
        );
      }
      return send(res, 200, TYPES[".ts"], js);
    }
    if (ext === ".html") {
      const hash = importMapHash(text);
      const csp = [
        "default-src 'self'",
        `script-src 'self'${hash === null ? "" : ` ${hash}`}`,
        `connect-src 'self' ${rpcOrigin}`,
        "img-src 'self' data:",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
      ].join("; ");
      return send(res, 200, TYPES[".html"], text, { "content-security-policy": csp });
    }
    return send(res, 200, TYPES[ext], text);
  };

  return http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      const message = e instanceof Error ? e.message : String(e);
      if (!res.headersSent)
        send(res, status, "text/plain; charset=utf-8", `${status} ${message}\n`);
      else res.end();
    });
  });
}

/** Starts the server on 127.0.0.1:`port` (0 = any free port); resolves with its URL. */
export async function listen(server: http.Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return `http://${HOST}:${bound}`;
}

async function main(): Promise<void> {
  // node:module's stripTypeScriptTypes is stable enough for this server; its one-time
  // ExperimentalWarning would only confuse a depositor starting the page
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes("stripTypeScriptTypes")) return;
    (emit as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
  const given = process.argv.slice(2);
  const argv = defaultArgs(given, process.cwd());
  if (given.length === 0 && argv.length > 0) {
    console.log(`No options: using ${DEFAULT_CONFIG} (written by \`npm run node\`).`);
  }
  if (argv.length === 0)
    throw new AppArgError(
      "--rpc",
      `required (or --config): ${DEFAULT_CONFIG} does not exist — start the local system with ` +
        `\`npm run node\` first (it writes that file), or pass --rpc <url> --vault <address>\n${USAGE}`,
    );
  const options = parseAppArgs(argv);
  const chainId = options.chainId ?? (await fetchChainId(options.rpcUrl));
  // a vault address without a Ballast vault would only show "could not decode result data"
  const unchecked = await checkTarget(
    options.rpcUrl,
    chainId,
    options.vault,
    options.lens,
    targetFields(argv),
  );
  if (unchecked !== null) console.warn(`app: warning: ${unchecked}`);
  const config: PageConfig = {
    chainId,
    rpcUrl: options.rpcUrl,
    vault: options.vault,
    lens: options.lens,
  };
  const server = createAppServer({ config });
  let url: string;
  try {
    url = await listen(server, options.port);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE") {
      throw new AppArgError(
        "--port",
        `${options.port} on ${HOST} is already in use; pick another with --port <n>`,
      );
    }
    throw e;
  }
  console.log(
    `Ballast depositor page: ${url}/\n` +
      `  vault ${config.vault}${config.lens === null ? " (no lens: holdings show balances only)" : `, lens ${config.lens}`}\n` +
      `  chain ${config.chainId} via ${config.rpcUrl}\n` +
      "Press Ctrl-C to stop.",
  );
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href
) {
  main().catch((err: unknown) => {
    if (err instanceof AppArgError) {
      console.error(
        err.field === "--help" ? err.message.replace(/^--help: /, "") : `app: ${err.message}`,
      );
      process.exit(err.field === "--help" ? 0 : 2);
    }
    console.error("app: failed:", err);
    process.exit(1);
  });
}
