import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EXIT_CODES_HELP } from "../../../keeper/cli/runtime.ts";

const NODE = path.resolve("node_modules/.bin/node");
const CLI = path.resolve("keeper/cli/ballast.ts");
/** The package's `bin` entry: checks the Node version, then loads the CLI. */
const LAUNCHER = path.resolve("keeper/cli/ballast.js");
/** The launcher's refusal under a Node older than 22 (one line). */
const OLD_NODE =
  /^ballast: error: the keeper CLI needs Node >= 22 \(TypeScript run with type stripping\), this is Node (\S+): from the repository run `npx ballast …` or `npm run keeper -- …` \(both use the project's Node 22\), or `node_modules\/\.bin\/node keeper\/cli\/ballast\.ts …`\n$/;

/** PATH without the node_modules/.bin entries npm and Hardhat put first: the system's own Node. */
function systemPath(): string {
  const bin = `${path.sep}node_modules${path.sep}.bin`;
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((p) => !p.endsWith(bin))
    .join(path.delimiter);
}

/** Major version of the system's `node` (null when there is none). */
function systemNodeMajor(): number | null {
  const r = spawnSync("node", ["--version"], {
    encoding: "utf8",
    env: { PATH: systemPath() },
  });
  return r.status === 0 ? Number(r.stdout.trim().replace(/^v/, "").split(".")[0]) : null;
}

function ballast(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(NODE, [CLI, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), ...env },
    cwd: os.tmpdir(),
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GOOD = {
  networks: { local: { chainId: 31337, rpcUrls: ["http://127.0.0.1:9"], maxFeePerGasGwei: 100 } },
  vaults: [
    {
      name: "main",
      network: "local",
      address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      lens: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      strategy: {
        model: "min-variance",
        estimator: "ledoit-wolf",
        lookbackDays: 60,
        driftBandBps: 200,
        scheduleSeconds: 3600,
      },
      limits: {
        maxTurnoverBps: 2500,
        maxSlippageBps: 50,
        maxLossPerRebalanceBps: 30,
        maxLeverageBps: 12000,
        minHealthFactor: "1.6",
      },
    },
  ],
  signer: { privateKeyEnv: "DEV_KEY", allowRawKey: true },
};

describe("ballast CLI (child process)", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), "ballast-cli-"));
  const good = path.join(dir, "good.yaml");
  writeFileSync(good, JSON.stringify(GOOD));

  it("--help lists every command and the exit codes", () => {
    const r = ballast(["--help"]);
    expect(r.code).to.equal(0);
    for (const c of ["run", "status", "plan", "keys", "config"])
      expect(r.stdout).to.match(new RegExp(`\\n  ${c}\\b`));
    expect(r.stdout).to.contain("Exit codes:");
    expect(r.stdout).to.match(/4\s+refused for safety/);
    const k = ballast(["keys", "--help"]);
    expect(k.code).to.equal(0);
    expect(k.stdout).to.contain("create");
    expect(k.stdout).to.contain("inspect");
  });

  it("every subcommand's --help ends with the same exit codes as the commands' (keys create, keys inspect, config check, data fetch)", () => {
    const status = ballast(["status", "--help"]);
    expect(status.stdout.trimEnd().endsWith(`\n${EXIT_CODES_HELP}`), status.stdout).to.equal(true);
    for (const args of [
      ["keys", "create"],
      ["keys", "inspect"],
      ["config", "check"],
      ["data", "fetch"],
    ]) {
      const r = ballast([...args, "--help"]);
      expect(r.code, args.join(" ")).to.equal(0);
      expect(r.stdout, args.join(" ")).to.match(new RegExp(`^Usage: ballast ${args.join(" ")} `));
      expect(r.stdout.trimEnd().endsWith(`\n${EXIT_CODES_HELP}`), r.stdout).to.equal(true);
      expect(r.stdout.split("Exit codes:").length, args.join(" ")).to.equal(2);
    }
  });

  it("the bin entry (keeper/cli/ballast.js) runs the CLI under Node 22; under an older Node it prints one error line naming how to run it and exits 1", () => {
    const run = (pre: string[], env: Record<string, string> = {}, node = NODE) => {
      const r = spawnSync(node, [...pre, LAUNCHER, "--help"], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), ...env },
        cwd: os.tmpdir(),
        timeout: 60_000,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const ok = run([]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.equal(ballast(["--help"]).stdout);
    expect(ok.stderr).to.equal("");
    // Node 22 reporting an older version: the launcher stops before loading any TypeScript
    const fake = run([
      "--import",
      `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.20.2"})`,
    ]);
    expect(fake.code).to.equal(1);
    expect(fake.stdout).to.equal("");
    expect(fake.stderr).to.match(OLD_NODE);
    expect(OLD_NODE.exec(fake.stderr)?.[1]).to.equal("20.20.2");
    // the real thing, where the system's Node is older than 22 (as on a Node 20 machine)
    const major = systemNodeMajor();
    if (major !== null && major < 22) {
      const sys = run([], { PATH: systemPath() }, "node");
      expect(sys.code).to.equal(1);
      expect(sys.stdout).to.equal("");
      expect(sys.stderr).to.match(OLD_NODE);
    }
  });

  it("npx ballast --help from the repository with the system's npm and a fresh npx cache prints the help and no npm EBADENGINE warning", () => {
    // `npx ballast` links the root package's own bin through its npx cache on first use, and npm
    // checks the package's `engines` against the Node running npm (the system's, 20 on a Node 20
    // machine): that is where EBADENGINE came from. A fresh, offline cache makes every run a
    // first run. (Where the system's Node is already 22 this cannot reproduce the warning.)
    const home = mkdtempSync(path.join(os.tmpdir(), "ballast-npx-"));
    const r = spawnSync("npx", ["ballast", "--help"], {
      encoding: "utf8",
      env: {
        PATH: systemPath(),
        HOME: home,
        npm_config_cache: path.join(home, "npm-cache"),
        npm_config_offline: "true",
        npm_config_update_notifier: "false",
      },
      cwd: process.cwd(),
      timeout: 120_000,
    });
    const node = `system node ${systemNodeMajor() ?? "none"}`;
    expect(r.error, node).to.equal(undefined);
    expect(r.status, `${node}: ${r.stderr}`).to.equal(0);
    expect(r.stdout).to.equal(ballast(["--help"]).stdout);
    expect(r.stderr, node).to.not.match(/EBADENGINE|npm warn/);
  });

  it("config check on a bad file exits 2 with the field path, one line, no stack", () => {
    const bad = path.join(dir, "bad.yaml");
    const cfg = structuredClone(GOOD);
    cfg.vaults[0].limits.maxTurnoverBps = 20_000;
    writeFileSync(bad, JSON.stringify(cfg));
    const r = ballast(["--config", bad, "config", "check"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("vaults[0].limits.maxTurnoverBps: must be <= 10000");
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.not.match(/\n\s+at /);
    const j = ballast(["config", "check", "--json"], { BALLAST_CONFIG: bad });
    expect(j.code).to.equal(2);
    const out = JSON.parse(j.stdout);
    expect(out.ok).to.equal(false);
    expect(out.exitCode).to.equal(2);
    expect(out.error.issues[0].path).to.equal("vaults[0].limits.maxTurnoverBps");
  });

  it("config check on a good file prints the redacted config, the raw-key warning and env overrides", () => {
    const r = ballast(["-c", good, "config", "check", "--json"], {
      BALLAST__vaults__0__limits__maxSlippageBps: "40",
      DEV_KEY: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    });
    expect(r.code).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).to.equal(true);
    expect(out.config.vaults[0].limits.maxSlippageBps).to.equal(40);
    expect(out.config.vaults[0].limits.minHealthFactor).to.equal("1600000000000000000");
    expect(out.warnings.join(" ")).to.match(/RAW private key/);
    expect(r.stdout).to.not.contain("59c6995e");
    const t = ballast(["-c", good, "config", "check"]);
    expect(t.code).to.equal(0);
    expect(t.stderr).to.match(/warning: .*RAW private key/);
    expect(t.stderr).to.match(/DEV_KEY is not set/);
  });

  it("config check refuses (exit 2, naming the field or env var and why) a raw key that is no private key and a keystore that is missing or no keystore; run names signer.keystore", () => {
    const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    const bad: [string, RegExp][] = [
      ["0x1234", /has 4 hex digits, a private key has 64 \(32 bytes\)/],
      [`0x${"00".repeat(32)}`, /is zero/],
      [`0x${"ZZ".repeat(32)}`, /not hex digits/],
      [` ${key}`, /leading or trailing whitespace/],
    ];
    for (const [value, why] of bad) {
      const r = ballast(["-c", good, "config", "check"], { DEV_KEY: value });
      expect(r.code, `${JSON.stringify(value)}: ${r.stderr}`).to.equal(2);
      expect(r.stdout).to.not.contain("configuration OK");
      expect(r.stderr.trim().split("\n")).to.have.length(1);
      expect(r.stderr).to.match(
        /^ballast: error: invalid configuration \(.*good\.yaml\): signer\.privateKeyEnv: environment variable DEV_KEY does not hold a valid 32-byte hex private key: /,
      );
      expect(r.stderr).to.match(why);
    }
    const j = ballast(["-c", good, "config", "check", "--json"], { DEV_KEY: "0x1234" });
    expect(j.code).to.equal(2);
    expect(JSON.parse(j.stdout).error.issues[0].path).to.equal("signer.privateKeyEnv");
    expect(ballast(["-c", good, "config", "check"], { DEV_KEY: key }).code).to.equal(0);

    // keystore forms: missing file, not a keystore, a real one (no password needed to check it)
    const withKeystore = (keystore: string) => {
      const f = path.join(dir, `ks-${path.basename(keystore)}.yaml`);
      writeFileSync(f, JSON.stringify({ ...GOOD, signer: { keystore, passwordEnv: "KS_PW" } }));
      return f;
    };
    const missingCfg = withKeystore("keys/missing.json");
    const missing = ballast(["-c", missingCfg, "config", "check"]);
    expect(missing.code, missing.stderr).to.equal(2);
    expect(missing.stderr).to.equal(
      `ballast: error: invalid configuration (${missingCfg}): signer.keystore: ${path.join(dir, "keys/missing.json")}: file not found\n`,
    );
    writeFileSync(path.join(dir, "junk-keystore.json"), '{"hello": 1}');
    const junk = ballast(["-c", withKeystore("junk-keystore.json"), "config", "check"]);
    expect(junk.code).to.equal(2);
    expect(junk.stderr).to.match(
      /signer\.keystore: .*junk-keystore\.json is not an encrypted JSON keystore/,
    );
    const ks = path.join(dir, "real-keystore.json");
    const c = ballast(
      ["keys", "create", "--out", ks, "--password-env", "KS_PW", "--scrypt-n", "1024"],
      {
        KS_PW: "pw",
      },
    );
    expect(c.code, c.stderr).to.equal(0);
    const ok = ballast(["-c", withKeystore("real-keystore.json"), "config", "check"]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/^configuration OK/);
    // at run time a missing keystore names the field too (not a bare ENOENT)
    const run = ballast(["-c", missingCfg, "run"], { KS_PW: "pw" });
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(
      /^ballast: error: signer\.keystore: .*missing\.json: file not found\n$/,
    );
  });

  it("a missing config file and an unknown command exit 2 with one line", () => {
    const r = ballast(["--config", path.join(dir, "nope.yaml"), "config", "check"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^ballast: error: cannot load configuration .*file not found\n$/);
    const u = ballast(["frobnicate"]);
    expect(u.code).to.equal(2);
    expect(u.stderr).to.match(/unknown command 'frobnicate'/);
    const o = ballast(["status", "--bogus", "--json"]);
    expect(o.code).to.equal(2);
    expect(JSON.parse(o.stdout).error.message).to.match(/unknown option/);
  });

  it("keys create + keys inspect round trip with --json; no overwrite; no password exits 2", () => {
    const file = path.join(dir, "keys", "keeper.json");
    const c = ballast(
      ["keys", "create", "--out", file, "--password-env", "KS_PW", "--scrypt-n", "1024", "--json"],
      { KS_PW: "correct horse" },
    );
    expect(c.code, c.stderr).to.equal(0);
    const created = JSON.parse(c.stdout);
    expect(created.ok).to.equal(true);
    expect(created.address).to.match(/^0x[0-9a-fA-F]{40}$/);
    const i = ballast(["keys", "inspect", file, "--json"]);
    expect(i.code).to.equal(0);
    const info = JSON.parse(i.stdout);
    expect(info.address).to.equal(created.address);
    expect(info.kdf).to.equal("scrypt");
    expect(i.stdout).to.not.contain("ciphertext");
    const again = ballast(["keys", "create", "--out", file, "--password-env", "KS_PW"], {
      KS_PW: "x",
    });
    expect(again.code).to.equal(2);
    expect(again.stderr).to.match(/already exists/);
    const nopw = ballast(["keys", "create", "--out", path.join(dir, "other.json")]);
    expect(nopw.code).to.equal(2);
    expect(nopw.stderr).to.match(/--password-env/);
    const missing = ballast(["keys", "inspect", path.join(dir, "none.json")]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/file not found/);
  });

  it("run refuses to start without its signer key (exit 2) or without a reachable RPC (exit 1)", () => {
    const noKey = ballast(["-c", good, "run"]);
    expect(noKey.code).to.equal(2);
    expect(noKey.stderr.trim().split("\n")).to.have.length(1);
    expect(noKey.stderr).to.match(/DEV_KEY \(private key\) is not set/);
    // Hardhat's well-known dev account #1 key: a raw key is accepted only with a warning.
    const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    const noRpc = ballast(["-c", good, "run"], { DEV_KEY: key });
    expect(noRpc.code).to.equal(1);
    expect(noRpc.stderr).to.match(/warning: .*RAW private key/);
    expect(noRpc.stderr).to.match(/ballast: error: .*all RPC endpoints failed/);
  });

  it("status against an unreachable RPC fails with exit 1 and one line (stack only at debug)", () => {
    const r = ballast(["-c", good, "status"]);
    expect(r.code).to.be.oneOf([1, 3]);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/^ballast: error: /);
    const d = ballast(["-c", good, "--log-level", "debug", "status"]);
    expect(d.code).to.equal(r.code);
    if (r.code === 1) expect(d.stderr).to.match(/\n\s+at /);
  });

  it("bad option values are usage errors (exit 2) naming the option; --ttl has the config's bounds", () => {
    const cases: [string[], RegExp][] = [
      [["status", "--events", "abc"], /option '--events <blocks>' argument 'abc' is invalid/],
      [["plan", "--ttl", "abc"], /option '--ttl <seconds>' argument 'abc' is invalid/],
      [
        ["plan", "--ttl", "0"],
        /'--ttl <seconds>' argument '0' is invalid. expected an integer in 30…86400/,
      ],
      [
        ["plan", "--ttl", "99999999"],
        /argument '99999999' is invalid. expected an integer in 30…86400/,
      ],
      [
        ["plan", "--targets", "0.9,0.9,0.1,0.1"],
        /'--targets <weights>' .* the weights sum to 200 %/,
      ],
      [["plan", "--targets", "0.5,x"], /'--targets <weights>' argument '0.5,x' is invalid/],
      [
        ["plan", "--lens", "0x123"],
        /'--lens <address>' argument '0x123' is invalid. not a valid address/,
      ],
      [["plan", "--quoter", "nope"], /'--quoter <address>' argument 'nope' is invalid/],
    ];
    for (const [args, message] of cases) {
      const r = ballast(["-c", good, ...args]);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr.trim().split("\n")).to.have.length(1);
    }
    const j = ballast(["-c", good, "plan", "--ttl", "0", "--json"]);
    expect(JSON.parse(j.stdout).error.code).to.equal("USAGE_invalidArgument");
  });

  it("status with an unknown vault name exits 2", () => {
    const r = ballast(["-c", good, "status", "nosuch"]);
    expect(r.code).to.be.oneOf([2, 3]);
    if (r.code === 2) expect(r.stderr).to.match(/unknown vault "nosuch" \(configured: main\)/);
  });
});
