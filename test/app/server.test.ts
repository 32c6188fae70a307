import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  AppArgError,
  DEFAULT_CONFIG,
  createAppServer,
  defaultArgs,
  listen,
  parseAppArgs,
  resolveAppPath,
} from "../../scripts/app.ts";
import type { PageConfig } from "../../scripts/app.ts";
import { startScript, waitOut } from "../helpers/proc.ts";

const SCRIPT = path.resolve(process.cwd(), "scripts/app.ts");
const VAULT = "0x99bbA657f2BbC93c02D617f8bA121cB8Fc104Acf";
const LENS = "0xc6e7DF5E7b4f2A278906862b61205850344D4e7d";
const CONFIG: PageConfig = {
  chainId: 31337,
  rpcUrl: "http://127.0.0.1:8545",
  vault: VAULT,
  lens: LENS,
};

/** GET (or another method) with the path sent verbatim (fetch would normalise `..`). */
function raw(
  base: string,
  rawPath: string,
  method = "GET",
): Promise<{ status: number; type: string; body: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: rawPath, method }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"]),
          body,
          headers: res.headers,
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function argError(argv: string[]): AppArgError {
  try {
    parseAppArgs(argv);
  } catch (e) {
    expect(e).to.be.instanceOf(AppArgError);
    return e as AppArgError;
  }
  throw new Error(`accepted ${argv.join(" ")}`);
}

describe("app server: arguments", function () {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "ballast-app-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("parses --rpc/--vault/--lens/--chain-id/--port (also --flag=value)", function () {
    const o = parseAppArgs([
      "--rpc",
      "http://127.0.0.1:8545",
      `--vault=${VAULT.toLowerCase()}`,
      "--lens",
      LENS,
      "--chain-id",
      "31337",
      "--port=0",
    ]);
    expect(o).to.deep.equal({
      rpcUrl: "http://127.0.0.1:8545",
      vault: VAULT,
      lens: LENS,
      chainId: 31337,
      port: 0,
    });
    expect(parseAppArgs(["--rpc", "https://x.example", "--vault", VAULT]).port).to.equal(5173);
  });

  it("rejects bad arguments naming the field and the reason", function () {
    expect(argError(["--vault", VAULT]).field).to.equal("--rpc");
    expect(argError(["--rpc", "http://x"]).message).to.match(/^--vault: required/);
    expect(argError(["--rpc", "ftp://x", "--vault", VAULT]).message).to.include(
      "must be an http(s) URL",
    );
    expect(argError(["--rpc", "nonsense", "--vault", VAULT]).message).to.include("is not a URL");
    const badVault = argError(["--rpc", "http://x", "--vault", "0x1234"]);
    expect([badVault.field, badVault.code]).to.deep.equal(["--vault", "BAD_ARGS"]);
    expect(badVault.message).to.include("is not an address");
    expect(argError(["--rpc", "http://x", "--vault", VAULT, "--lens", "lens"]).field).to.equal(
      "--lens",
    );
    expect(argError(["--rpc", "http://x", "--vault", VAULT, "--port", "70000"]).message).to.include(
      "integer from 0 to 65535",
    );
    expect(argError(["--rpc", "http://x", "--vault", VAULT, "--port", "1.5"]).field).to.equal(
      "--port",
    );
    expect(argError(["--rpc", "http://x", "--vault", VAULT, "--chain-id", "0"]).field).to.equal(
      "--chain-id",
    );
    expect(argError(["--rpc"]).message).to.equal("--rpc: needs a value");
    expect(argError(["--rpc", "--vault", VAULT]).message).to.equal("--rpc: needs a value");
    expect(argError(["--frobnicate"]).message).to.include("unknown option");
    expect(argError(["--port", "1", "--port", "2"]).message).to.equal("--port: given twice");
  });

  it("takes rpc, vault, lens and chain id from a keeper config; flags override it", function () {
    const file = path.join(dir, "local-9999.yaml");
    writeFileSync(
      file,
      [
        "networks:",
        "  local:",
        "    chainId: 31337",
        "    rpcUrls:",
        "      - http://127.0.0.1:9999",
        "vaults:",
        "  - name: local",
        "    network: local",
        `    address: "${VAULT}"`,
        `    lens: "${LENS}"`,
        "",
      ].join("\n"),
    );
    expect(parseAppArgs(["--config", file])).to.deep.equal({
      rpcUrl: "http://127.0.0.1:9999",
      vault: VAULT,
      lens: LENS,
      chainId: 31337,
      port: 5173,
    });
    const o = parseAppArgs(["--config", file, "--rpc", "http://127.0.0.1:1", "--port", "0"]);
    expect([o.rpcUrl, o.port]).to.deep.equal(["http://127.0.0.1:1", 0]);
    expect(argError(["--config", path.join(dir, "missing.yaml")]).message).to.include(
      "cannot read",
    );
    const broken = path.join(dir, "broken.yaml");
    writeFileSync(broken, "vaults: []\n");
    expect(argError(["--config", broken]).message).to.include("no vaults[0]");
  });

  it("with no option uses the config `npm run node` writes, when it exists", function () {
    expect(defaultArgs(["--port", "1"], dir)).to.deep.equal(["--port", "1"]);
    expect(defaultArgs([], dir)).to.deep.equal([]);
    const file = path.join(dir, DEFAULT_CONFIG);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "vaults: []\n");
    expect(defaultArgs([], dir)).to.deep.equal(["--config", file]);
    // and without it the CLI says how to start
    const r = spawnSync(process.execPath, [SCRIPT], { encoding: "utf8", cwd: tmpdir() });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include("app: --rpc: required (or --config)");
    expect(r.stderr).to.include("written by `npm run node`");
    // and says what to do: start the local system first, or name the RPC and the vault
    expect(r.stderr.split("\n")[0]).to.equal(
      `app: --rpc: required (or --config): ${DEFAULT_CONFIG} does not exist — start the local system with \`npm run node\` first (it writes that file), or pass --rpc <url> --vault <address>`,
    );
  });

  it("the CLI exits 2 with the field and reason on bad arguments", function () {
    const r = spawnSync(
      process.execPath,
      [SCRIPT, "--rpc", "http://127.0.0.1:1", "--vault", "0xnope"],
      {
        encoding: "utf8",
      },
    );
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('app: --vault: "0xnope" is not an address');
  });
});

describe("app server: serving the page", function () {
  let server: http.Server;
  let base: string;

  before(async function () {
    server = createAppServer({ config: CONFIG, root: process.cwd() });
    base = await listen(server, 0);
  });

  after(async function () {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("binds 127.0.0.1 and serves index.html with the import map and a CSP that allows it", async function () {
    expect(base).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await raw(base, "/");
    expect(r.status).to.equal(200);
    expect(r.type).to.equal("text/html; charset=utf-8");
    expect(r.body).to.include('"ethers": "/vendor/ethers.js"');
    expect(r.body).to.include('src="/src/main.ts"');
    const csp = String(r.headers["content-security-policy"]);
    expect(csp).to.match(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).to.include("connect-src 'self' http://127.0.0.1:8545");
    expect((await raw(base, "/style.css")).type).to.equal("text/css; charset=utf-8");
  });

  it("serves app/src/*.ts with the types stripped as text/javascript that runs", async function () {
    const r = await raw(base, "/src/amounts.ts");
    expect(r.status).to.equal(200);
    expect(r.type).to.equal("text/javascript; charset=utf-8");
    expect(r.body).to.not.include("readonly code: AmountErrorCode");
    expect(r.body).to.not.match(/export type AmountErrorCode/);
    const mod = (await import(`data:text/javascript,${encodeURIComponent(r.body)}`)) as {
      parseAmount: (t: string, d: number) => bigint;
    };
    expect(mod.parseAmount("1,000.5", 6)).to.equal(1_000_500_000n);
    // relative imports keep their .ts extension: the browser requests them from /src/
    const main = await raw(base, "/src/main.ts");
    expect(main.body).to.include('from "./amounts.ts"');
    expect(main.body).to.not.match(/^import type/m);
  });

  it("serves ethers, the ABIs and config.json", async function () {
    const e = await raw(base, "/vendor/ethers.js");
    expect([e.status, e.type]).to.deep.equal([200, "text/javascript; charset=utf-8"]);
    expect(e.body).to.include("export {");
    for (const [name, fn] of [
      ["BallastVault", "requestRedeem"],
      ["BallastLens", "vaultState"],
      ["ERC20", "approve"],
      ["ConfigLib", "LendingPositionOpen"],
    ]) {
      const a = await raw(base, `/abi/${name}.json`);
      expect(a.status, name).to.equal(200);
      const abi = JSON.parse(a.body) as { name?: string }[];
      expect(
        abi.some((x) => x.name === fn),
        `${name}.${fn}`,
      ).to.equal(true);
    }
    expect((await raw(base, "/abi/TimelockController.json")).status).to.equal(404);
    const c = await raw(base, "/config.json");
    expect(JSON.parse(c.body)).to.deep.equal(CONFIG);
  });

  it("refuses paths outside app/ and anything but GET/HEAD", async function () {
    for (const p of [
      "/../package.json",
      "/src/../../package.json",
      "/%2e%2e/package.json",
      "/src/..%2f..%2fpackage.json",
      "/src/%5c..%5cmain.ts",
      "/src/x%00.ts",
    ]) {
      expect((await raw(base, p)).status, p).to.equal(403);
    }
    expect((await raw(base, "/package.json")).status).to.equal(404);
    expect((await raw(base, "/src/nope.ts")).status).to.equal(404);
    expect((await raw(base, "/index.html.bak")).status).to.equal(404);
    expect((await raw(base, "/%E0%A4%A")).status).to.equal(400);
    expect((await raw(base, "/", "POST")).status).to.equal(405);
    expect(() => resolveAppPath("/srv/app", "/a/../../etc/passwd")).to.throw("forbidden path");
  });

  it("the CLI starts with --config-less flags, prints its URL and stops on SIGTERM", async function () {
    const app = startScript("scripts/app.ts", [
      "--rpc",
      "http://127.0.0.1:1",
      "--vault",
      VAULT,
      "--chain-id",
      "5",
      "--port",
      "0",
    ]);
    try {
      const url = (await waitOut(app, /(http:\/\/127\.0\.0\.1:\d+)\//, 15_000))[1];
      const c = await raw(url, "/config.json");
      expect(JSON.parse(c.body)).to.deep.equal({
        chainId: 5,
        rpcUrl: "http://127.0.0.1:1",
        vault: VAULT,
        lens: null,
      });
      expect(app.out).to.include("no lens");
      // serving TypeScript does not print node's ExperimentalWarning at the depositor
      expect((await raw(url, "/src/amounts.ts")).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 100));
      expect(app.out).to.not.include("ExperimentalWarning");
    } finally {
      app.child.kill("SIGTERM");
    }
    expect(await app.exited).to.equal(0);
  });
});
