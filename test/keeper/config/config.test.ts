import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  ConfigError,
  applyEnvOverrides,
  checkLimitsInside,
  configWarnings,
  formatPath,
  gweiToWei,
  loadConfig,
  parseEnvValue,
  redactedConfig,
} from "../../../keeper/src/config/index.ts";
import type { ConfigIssue } from "../../../keeper/src/config/errors.ts";
import type { Limits } from "../../../keeper/src/planner/types.ts";
import { feeTierOf, triggerConfigOf } from "../../../keeper/src/commands/run.ts";

const VAULT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const LENS = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

function base(): Record<string, unknown> {
  return {
    networks: {
      local: { chainId: 31337, rpcUrls: ["http://127.0.0.1:8545"], maxFeePerGasGwei: 100 },
    },
    vaults: [
      {
        name: "main",
        network: "local",
        address: VAULT.toLowerCase(),
        lens: LENS,
        strategy: {
          model: "mean-variance",
          estimator: "ewma",
          lookbackDays: 60,
          ewmaLambda: 0.94,
          riskAversion: 3,
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
    signer: { keystore: "keys/k.json", passwordEnv: "PW" },
  };
}

/** Sets `value` at a dotted path ("vaults.0.limits.maxTurnoverBps"); undefined deletes. */
function withField(pathStr: string, value: unknown): Record<string, unknown> {
  const cfg = base();
  const segs = pathStr.split(".");
  let node = cfg as Record<string, unknown>;
  for (const s of segs.slice(0, -1)) node = node[s] as Record<string, unknown>;
  const last = segs[segs.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return cfg;
}

function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  expect.fail("expected a ConfigError");
}

describe("keeper config: schema and loader", () => {
  it("accepts the baseline, applies defaults, checksums addresses, converts the health factor to WAD", () => {
    const c = loadConfig(base(), {}, { baseDir: "/srv/keeper" });
    expect(c.vaults[0].address).to.equal(VAULT);
    expect(c.vaults[0].limits.minHealthFactor).to.equal(1_600_000_000_000_000_000n);
    expect(c.vaults[0].strategy.deltaNeutral).to.equal(false);
    expect(c.networks.local.confirmations).to.equal(1);
    expect(c.networks.local.feeBumpPercent).to.equal(15);
    expect(c.metrics).to.deep.equal({ port: 9464, host: "127.0.0.1" });
    expect(c.log.level).to.equal("info");
    expect(c.journal.path).to.equal(path.resolve("/srv/keeper", ".keeper/journal.sqlite"));
    expect(c.vaults[0].strategy.expectedReturns).to.equal("shrunk-mean");
    expect(c.vaults[0].strategy.cvarAlpha).to.equal(0.95);
    expect(c.vaults[0].strategy.minHistory).to.equal(30);
    expect(c.vaults[0].defaultFeeTier).to.equal(3_000);
    expect(c.vaults[0].feeTiers).to.equal(undefined);
    expect(c.vaults[0].triggers).to.deep.equal({});
    expect(c.vaults[0].planTtlSeconds).to.equal(600);
    expect(c.networks.local.quoterV2).to.equal(undefined);
    expect(c.signer).to.deep.equal({
      kind: "keystore",
      keystore: path.resolve("/srv/keeper", "keys/k.json"),
      passwordEnv: "PW",
    });
  });

  // [field path set, value (undefined = delete), expected issue path, message pattern]
  const cases: [string, unknown, string, RegExp][] = [
    ["networks", {}, "networks", /at least one network/],
    ["networks.local.chainId", 0, "networks.local.chainId", />= 1/],
    ["networks.local.chainId", "1", "networks.local.chainId", /must be a number/],
    ["networks.local.rpcUrls", [], "networks.local.rpcUrls", /at least one RPC/],
    ["networks.local.rpcUrls", ["ws://x:1"], "networks.local.rpcUrls[0]", /http\(s\) URL/],
    ["networks.local.rpcUrls", "http://a", "networks.local.rpcUrls", /list of http/],
    ["networks.local.privateRpcUrl", "nope", "networks.local.privateRpcUrl", /http\(s\) URL/],
    ["networks.local.pollIntervalMs", 1.5, "networks.local.pollIntervalMs", /integer/],
    ["networks.local.confirmations", -1, "networks.local.confirmations", />= 0/],
    ["networks.local.maxFeePerGasGwei", undefined, "networks.local.maxFeePerGasGwei", /number/],
    ["networks.local.maxFeePerGasGwei", 0, "networks.local.maxFeePerGasGwei", /> 0/],
    ["networks.local.priorityFeeGwei", 1e-10, "networks.local.priorityFeeGwei", /9 decimals/],
    ["networks.local.receiptTimeoutMs", 10, "networks.local.receiptTimeoutMs", />= 1000/],
    ["networks.local.feeBumpPercent", 5, "networks.local.feeBumpPercent", />= 10/],
    ["networks.local.extra", 1, "networks.local", /extra/],
    ["vaults", [], "vaults", /at least one vault/],
    ["vaults.0.name", "bad name!", "vaults[0].name", /letters, digits/],
    ["vaults.0.network", "mainnet", "vaults[0].network", /unknown network "mainnet"/],
    ["vaults.0.address", "0x123", "vaults[0].address", /20-byte hex address/],
    [
      "vaults.0.address",
      "0x5FBDB2315678afecb367f032d93F642f64180aa3",
      "vaults[0].address",
      /checksum/,
    ],
    ["vaults.0.lens", undefined, "vaults[0].lens", /address/],
    ["vaults.0.strategy.model", "kelly", "vaults[0].strategy.model", /one of min-variance/],
    ["vaults.0.strategy.estimator", "garch", "vaults[0].strategy.estimator", /one of sample/],
    ["vaults.0.strategy.lookbackDays", 1, "vaults[0].strategy.lookbackDays", />= 2/],
    ["vaults.0.strategy.ewmaLambda", 1, "vaults[0].strategy.ewmaLambda", /\(0, 1\)/],
    ["vaults.0.strategy.riskAversion", undefined, "vaults[0].strategy.riskAversion", /exactly one/],
    [
      "vaults.0.strategy.targetVolatility",
      0.2,
      "vaults[0].strategy.targetVolatility",
      /exactly one/,
    ],
    ["vaults.0.strategy.driftBandBps", 0, "vaults[0].strategy.driftBandBps", />= 1/],
    ["vaults.0.strategy.scheduleSeconds", 0, "vaults[0].strategy.scheduleSeconds", />= 1/],
    ["vaults.0.strategy.deltaNeutral", "yes", "vaults[0].strategy.deltaNeutral", /true or false/],
    ["vaults.0.limits.maxTurnoverBps", 10_001, "vaults[0].limits.maxTurnoverBps", /<= 10000/],
    ["vaults.0.limits.maxSlippageBps", -1, "vaults[0].limits.maxSlippageBps", />= 0/],
    [
      "vaults.0.limits.maxLossPerRebalanceBps",
      2.5,
      "vaults[0].limits.maxLossPerRebalanceBps",
      /integer/,
    ],
    ["vaults.0.limits.maxLeverageBps", undefined, "vaults[0].limits.maxLeverageBps", /number/],
    ["vaults.0.limits.minHealthFactor", "0.9", "vaults[0].limits.minHealthFactor", />= 1/],
    [
      "vaults.0.limits.minHealthFactor",
      "1.5x",
      "vaults[0].limits.minHealthFactor",
      /not a decimal/,
    ],
    ["signer", {}, "signer", /needs \{ keystore, passwordEnv \}/],
    ["signer", { keystore: "k.json" }, "signer.passwordEnv", /required/],
    ["signer", { privateKeyEnv: "K" }, "signer.allowRawKey", /local development only/],
    ["signer", { keystore: "k", passwordEnv: "P", privateKeyEnv: "K" }, "signer", /not both/],
    [
      "signer",
      { keystore: "k", passwordEnv: "bad-name" },
      "signer.passwordEnv",
      /environment variable name/,
    ],
    ["networks.local.quoterV2", "0x12", "networks.local.quoterV2", /20-byte hex address/],
    [
      "vaults.0.strategy.expectedReturns",
      "capm",
      "vaults[0].strategy.expectedReturns",
      /one of zero, shrunk-mean, ewma-momentum/,
    ],
    ["vaults.0.strategy.cvarAlpha", 0.4, "vaults[0].strategy.cvarAlpha", /\(0\.5, 1\)/],
    ["vaults.0.strategy.minHistory", 1, "vaults[0].strategy.minHistory", />= 2/],
    ["vaults.0.feeTiers", [500, 2_500], "vaults[0].feeTiers[1]", /one of 100, 500, 3000, 10000/],
    ["vaults.0.defaultFeeTier", 1, "vaults[0].defaultFeeTier", /one of 100, 500/],
    ["vaults.0.triggers", { drawdownBps: 0 }, "vaults[0].triggers.drawdownBps", />= 1/],
    [
      "vaults.0.triggers",
      { regimeStressedAbove: 1 },
      "vaults[0].triggers.regimeStressedAbove",
      /> 1/,
    ],
    ["vaults.0.triggers", { refireWorsening: -1 }, "vaults[0].triggers.refireWorsening", />= 0/],
    ["vaults.0.triggers", { volatilty: 0.1 }, "vaults[0].triggers", /volatilty/],
    ["vaults.0.planTtlSeconds", 5, "vaults[0].planTtlSeconds", />= 30/],
    ["metrics", { port: 70_000 }, "metrics.port", /<= 65535/],
    ["log", { level: "verbose" }, "log.level", /one of fatal/],
    ["journal", { path: "" }, "journal.path", /must be a path/],
    ["unknownTop", 1, "", /unknownTop/],
  ];
  for (const [field, value, wantPath, pattern] of cases) {
    it(`rejects ${field} = ${JSON.stringify(value)} at ${wantPath || "(top level)"}`, () => {
      const issues = issuesOf(() => loadConfig(withField(field, value), {}));
      const hit = issues.find((i) => i.path === wantPath && pattern.test(i.message));
      expect(hit, JSON.stringify(issues)).to.not.equal(undefined);
    });
  }

  it("the loop reads trigger thresholds, fee tiers and the quoter from the config", () => {
    const cfg = withField("vaults.0.triggers", {
      volatilityTolerance: 0.2,
      netDeltaMarginBps: 50,
      healthWarnMarginBps: 2_000,
      drawdownBps: 300,
      regimeStressedAbove: 1.5,
      refireWorsening: 0.5,
    });
    const vaults = cfg.vaults as Record<string, unknown>[];
    vaults[0].feeTiers = [500, 3_000];
    vaults[0].defaultFeeTier = 10_000;
    (cfg.networks as Record<string, Record<string, unknown>>).local.quoterV2 = LENS.toLowerCase();
    const c = loadConfig(cfg, {});
    expect(triggerConfigOf(c.vaults[0])).to.deep.equal({
      scheduleSeconds: 3600,
      driftBandBps: 200,
      targetVolatility: undefined,
      volatilityTolerance: 0.2,
      netDeltaMarginBps: 50,
      healthWarnMarginBps: 2_000,
      drawdownBps: 300,
      regime: { stressedAbove: 1.5 },
      refireWorsening: 0.5,
    });
    expect(triggerConfigOf(c.vaults[0], { drawdownBps: 100 }).drawdownBps).to.equal(100);
    const tier = feeTierOf(c.vaults[0]);
    expect([tier(0), tier(1), tier(2)]).to.deep.equal([500, 3_000, 10_000]);
    expect(c.networks.local.quoterV2).to.equal(LENS);
  });

  it("cross-field checks: duplicate vault names, duplicate vaults, duplicate chain ids", () => {
    const cfg = base();
    const v = (cfg.vaults as Record<string, unknown>[])[0];
    cfg.vaults = [v, { ...v }, { ...v, name: "other" }];
    (cfg.networks as Record<string, unknown>).copy = {
      chainId: 31337,
      rpcUrls: ["http://x"],
      maxFeePerGasGwei: 1,
    };
    const issues = issuesOf(() => loadConfig(cfg, {}));
    const paths = issues.map((i) => i.path);
    expect(paths).to.include("vaults[1].name");
    expect(paths).to.include("vaults[2].address");
    expect(paths).to.include("networks.copy.chainId");
  });

  it("wording: a missing field says it is required and missing; zod's own wording never shows; one issue per field", () => {
    const only = (cfg: Record<string, unknown>) => {
      const issues = issuesOf(() => loadConfig(cfg, {}));
      expect(issues, JSON.stringify(issues)).to.have.length(1);
      return issues[0];
    };
    expect(only(withField("networks.local.chainId", undefined))).to.deep.equal({
      path: "networks.local.chainId",
      message: "required field is missing (must be a number)",
    });
    expect(only(withField("signer", undefined))).to.deep.equal({
      path: "signer",
      message:
        "required field is missing (must be { keystore, passwordEnv }, or { privateKeyEnv, allowRawKey: true } for local development)",
    });
    expect(only(withField("vaults.0.strategy", undefined))).to.deep.equal({
      path: "vaults[0].strategy",
      message: "required field is missing (must be a mapping)",
    });
    expect(only(withField("vaults.0.strategy.model", undefined)).message).to.match(
      /^required field is missing \(must be one of min-variance, /,
    );
    expect(only(withField("vaults.0.limits.minHealthFactor", undefined)).message).to.match(
      /^required field is missing \(must be a decimal/,
    );
    // present but of the wrong type: what it must be and what it is, in the config's words
    expect(only(withField("metrics", "x"))).to.deep.equal({
      path: "metrics",
      message: "must be a mapping (got a string)",
    });
    expect(only(withField("signer", "k.json")).message).to.equal(
      "must be { keystore, passwordEnv }, or { privateKeyEnv, allowRawKey: true } for local development",
    );
    // a malformed address: its format only, no checksum complaint on top
    expect(only(withField("vaults.0.address", "0x1234"))).to.deep.equal({
      path: "vaults[0].address",
      message: "must be a 0x-prefixed 20-byte hex address",
    });
    // a zero chain id is not "missing"
    expect(only(withField("networks.local.chainId", 0)).message).to.equal("must be >= 1");
    for (const field of ["networks.local.chainId", "signer", "vaults.0.strategy", "metrics", "log"])
      for (const value of [undefined, null, "x", [1]]) {
        if (value === undefined && (field === "metrics" || field === "log")) continue; // defaults
        const issues = issuesOf(() => loadConfig(withField(field, value), {}));
        expect(issues.map((i) => i.message).join(" ")).to.not.match(/Invalid input|received/);
      }
  });

  it("an override naming an array index past the end is one error naming the variable and how many entries exist, not one per gap", () => {
    const issues = issuesOf(() => loadConfig(base(), { BALLAST__vaults__5__name: "x" }));
    expect(issues).to.deep.equal([
      {
        path: "vaults",
        message:
          "environment variable BALLAST__vaults__5__name names vaults[5], but only 1 entry exists (vaults[0]): an override can change an existing entry or add the next one, vaults[1]",
        env: "BALLAST__vaults__5__name",
      },
    ]);
    // a new array: nothing exists yet
    const fresh = issuesOf(() =>
      applyEnvOverrides(base(), { BALLAST__networks__arb__rpcUrls__2: "http://a" }),
    );
    expect(fresh.map((i) => [i.path, i.message])).to.deep.equal([
      [
        "networks.arb.rpcUrls",
        "environment variable BALLAST__networks__arb__rpcUrls__2 names networks.arb.rpcUrls[2], but networks.arb.rpcUrls has no entries: an override can change an existing entry or add the next one, networks.arb.rpcUrls[0]",
      ],
    ]);
    // the next entry, and entries other overrides fill in, are fine
    const c = loadConfig(base(), {
      BALLAST__networks__local__rpcUrls__1: "http://b.example",
      BALLAST__networks__local__rpcUrls__2: "http://c.example",
    });
    expect(c.networks.local.rpcUrls).to.have.length(3);
    const twoBy = issuesOf(() =>
      loadConfig(base(), {
        BALLAST__networks__local__rpcUrls__1: "http://b.example",
        BALLAST__networks__local__rpcUrls__4: "http://e.example",
      }),
    );
    expect(twoBy[0].message).to.contain(
      "but only 2 entries exist (networks.local.rpcUrls[0]…networks.local.rpcUrls[1])",
    );
  });

  it("ConfigError message lists every issue on its own line, no stack needed", () => {
    try {
      loadConfig(withField("vaults.0.limits.maxTurnoverBps", -1), {});
      expect.fail("should throw");
    } catch (e) {
      expect((e as ConfigError).code).to.equal("CONFIG_INVALID");
      expect((e as Error).message).to.contain("vaults[0].limits.maxTurnoverBps: must be >= 0");
    }
  });

  describe("environment overrides", () => {
    it("parses values: booleans, numbers, JSON, plain strings", () => {
      expect(parseEnvValue("true")).to.equal(true);
      expect(parseEnvValue("42")).to.equal(42);
      expect(parseEnvValue("1.5")).to.equal(1.5);
      expect(parseEnvValue('["a","b"]')).to.deep.equal(["a", "b"]);
      expect(parseEnvValue('"007"')).to.equal("007");
      expect(parseEnvValue("0xabc")).to.equal("0xabc");
      expect(parseEnvValue("http://h:1/x")).to.equal("http://h:1/x");
    });

    it("sets nested fields and array elements before validation, without mutating the input", () => {
      const raw = base();
      const c = loadConfig(raw, {
        BALLAST__vaults__0__limits__maxTurnoverBps: "1000",
        BALLAST__networks__local__rpcUrls__1: "https://backup.example/rpc",
        BALLAST__networks__local__confirmations: "3",
        BALLAST__metrics__port: "9000",
        BALLAST__vaults__0__strategy__deltaNeutral: "true",
        BALLAST_CONFIG: "ignored.yaml",
        UNRELATED: "x",
      });
      expect(c.vaults[0].limits.maxTurnoverBps).to.equal(1000);
      expect(c.networks.local.rpcUrls).to.deep.equal([
        "http://127.0.0.1:8545",
        "https://backup.example/rpc",
      ]);
      expect(c.networks.local.confirmations).to.equal(3);
      expect(c.metrics.port).to.equal(9000);
      expect(c.metrics.host).to.equal("127.0.0.1");
      expect(c.vaults[0].strategy.deltaNeutral).to.equal(true);
      const orig = (raw.vaults as { limits: { maxTurnoverBps: number } }[])[0];
      expect(orig.limits.maxTurnoverBps).to.equal(2500);
    });

    it("creates a whole network from the environment and replaces arrays with JSON", () => {
      const c = loadConfig(base(), {
        BALLAST__networks__arb__chainId: "42161",
        BALLAST__networks__arb__rpcUrls: '["https://a.example","https://b.example"]',
        BALLAST__networks__arb__maxFeePerGasGwei: "0.5",
      });
      expect(c.networks.arb.chainId).to.equal(42161);
      expect(c.networks.arb.rpcUrls).to.have.length(2);
      expect(gweiToWei(c.networks.arb.maxFeePerGasGwei)).to.equal(500_000_000n);
    });

    it("an invalid override is reported at its field path", () => {
      const issues = issuesOf(() =>
        loadConfig(base(), { BALLAST__vaults__0__limits__maxSlippageBps: "abc" }),
      );
      expect(issues[0].path).to.equal("vaults[0].limits.maxSlippageBps");
      // the message names the variable that set the value (not only the file)
      expect(issues[0].message).to.match(
        /\(from environment variable BALLAST__vaults__0__limits__maxSlippageBps\)$/,
      );
      expect(issues[0].env).to.equal("BALLAST__vaults__0__limits__maxSlippageBps");
      // an unknown key set from the environment, and a whole object replaced from it
      const unknown = issuesOf(() => loadConfig(base(), { BALLAST__vaults__0__bogus: "1" }));
      expect(unknown[0].env).to.equal("BALLAST__vaults__0__bogus");
      const whole = issuesOf(() =>
        loadConfig(base(), { BALLAST__vaults__0__limits: '{"maxSlippageBps": -1}' }),
      );
      expect(whole.every((i) => i.env === "BALLAST__vaults__0__limits")).to.equal(true);
      // a bad value from the file names no variable
      const fromFile = base();
      (fromFile.vaults as { limits: Record<string, unknown> }[])[0].limits.maxSlippageBps = "abc";
      const plain = issuesOf(() => loadConfig(fromFile, { BALLAST__metrics__port: "9000" }));
      expect(plain[0].env).to.equal(undefined);
      expect(plain[0].message).to.not.match(/environment variable/);
    });

    it("refuses overrides that index into a scalar or a non-index into an array", () => {
      expect(() => applyEnvOverrides(base(), { BALLAST__log__level__x: "1" })).to.not.throw();
      const i1 = issuesOf(() =>
        applyEnvOverrides(base(), { BALLAST__networks__local__chainId__x: "1" }),
      );
      expect(i1[0].path).to.equal("networks.local.chainId");
      const i2 = issuesOf(() => applyEnvOverrides(base(), { BALLAST__vaults__first: "1" }));
      expect(i2[0].message).to.match(/not an array index/);
      const i3 = issuesOf(() => applyEnvOverrides(base(), { BALLAST____proto____x: "1" }));
      expect(i3[0].message).to.match(/reserved/);
    });
  });

  describe("files", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ballast-cfg-"));

    it("loads YAML and JSON by extension; relative paths resolve against the file's directory", () => {
      const y = path.join(dir, "k.yaml");
      writeFileSync(y, `# comment\n${JSON.stringify(base())}\n`);
      const j = path.join(dir, "k.json");
      writeFileSync(j, JSON.stringify(base()));
      for (const f of [y, j]) {
        const c = loadConfig(f, {});
        expect(c.signer.kind === "keystore" && c.signer.keystore).to.equal(
          path.join(dir, "keys/k.json"),
        );
      }
    });

    it("missing file, bad extension, unparsable content and a non-mapping are typed errors", () => {
      const bad = path.join(dir, "bad.yaml");
      writeFileSync(bad, "networks: [unclosed\n");
      const list = path.join(dir, "list.yml");
      writeFileSync(list, "- a\n- b\n");
      const txt = path.join(dir, "c.toml");
      writeFileSync(txt, "x=1");
      const codes = [path.join(dir, "none.yaml"), txt, bad, list].map((f) => {
        try {
          loadConfig(f, {});
          return "ok";
        } catch (e) {
          expect(e).to.be.instanceOf(ConfigError);
          return (e as ConfigError).code;
        }
      });
      expect(codes).to.deep.equal(["CONFIG_READ", "CONFIG_READ", "CONFIG_PARSE", "CONFIG_PARSE"]);
    });
  });

  it("raw key: valid only with allowRawKey, and produces a warning", () => {
    const c = loadConfig(withField("signer", { privateKeyEnv: "DEV_KEY", allowRawKey: true }), {});
    expect(c.signer).to.deep.equal({ kind: "raw", privateKeyEnv: "DEV_KEY", allowRawKey: true });
    const w = configWarnings(c);
    expect(w).to.have.length(1);
    expect(w[0]).to.match(/RAW private key.*DEV_KEY.*local development only/);
    expect(configWarnings(loadConfig(base(), {}))).to.deep.equal([]);
  });

  it("redactedConfig masks URL paths/credentials and serialises bigints", () => {
    const c = loadConfig(
      withField("networks", {
        main: {
          chainId: 1,
          rpcUrls: ["https://mainnet.infura.io/v3/SECRETKEY", "https://user:pw@rpc.example"],
          privateRpcUrl: "https://relay.example/?key=SECRET",
          maxFeePerGasGwei: 50,
        },
      }),
      { BALLAST__vaults__0__network: "main" },
    );
    const text = JSON.stringify(redactedConfig(c));
    expect(text).to.not.contain("SECRET");
    expect(text).to.not.contain("pw@");
    expect(text).to.contain("https://mainnet.infura.io/***");
    expect(text).to.contain('"minHealthFactor":"1600000000000000000"');
  });

  it("formatPath renders indices and odd keys", () => {
    expect(formatPath(["vaults", 0, "limits", "maxTurnoverBps"])).to.equal(
      "vaults[0].limits.maxTurnoverBps",
    );
    expect(formatPath(["networks", "my net"])).to.equal('networks["my net"]');
    expect(formatPath([])).to.equal("");
  });

  it("gweiToWei is exact to the wei", () => {
    expect(gweiToWei(1)).to.equal(1_000_000_000n);
    expect(gweiToWei(0.000000001)).to.equal(1n);
    expect(gweiToWei(123.456789012)).to.equal(123_456_789_012n);
  });
});

describe("keeper config: checkLimitsInside", () => {
  const onchain: Limits = {
    maxSlippageBps: 100n,
    maxLossPerRebalanceBps: 50n,
    lossBudgetBps: 200n,
    lossWindow: 86_400n,
    maxTurnoverBps: 5_000n,
    maxLeverageBps: 15_000n,
    minHealthFactor: 1_500_000_000_000_000_000n,
    rebalanceCooldown: 600n,
  };
  const local = loadConfig(base(), {}).vaults[0].limits;

  it("accepts limits inside, and exactly equal to, the on-chain ones", () => {
    expect(checkLimitsInside(local, onchain)).to.deep.equal([]);
    const equal = {
      maxTurnoverBps: 5_000,
      maxSlippageBps: 100,
      maxLossPerRebalanceBps: 50,
      maxLeverageBps: 15_000,
      minHealthFactor: 1_500_000_000_000_000_000n,
    };
    expect(checkLimitsInside(equal, onchain)).to.deep.equal([]);
  });

  const fields: [string, unknown, bigint, bigint][] = [
    ["maxTurnoverBps", 5_001, 5_001n, 5_000n],
    ["maxSlippageBps", 101, 101n, 100n],
    ["maxLossPerRebalanceBps", 51, 51n, 50n],
    ["maxLeverageBps", 15_001, 15_001n, 15_000n],
    [
      "minHealthFactor",
      1_499_999_999_999_999_999n,
      1_499_999_999_999_999_999n,
      1_500_000_000_000_000_000n,
    ],
  ];
  for (const [field, value, l, o] of fields) {
    it(`names ${field} with both values when one unit looser`, () => {
      const issues = checkLimitsInside({ ...local, [field]: value }, onchain, "vaults[2]");
      expect(issues).to.have.length(1);
      expect(issues[0].path).to.equal(`vaults[2].limits.${field}`);
      expect(issues[0].local).to.equal(l);
      expect(issues[0].onchain).to.equal(o);
      expect(issues[0].message).to.contain("looser");
    });
  }

  it("reports every looser field at once", () => {
    const loose = {
      maxTurnoverBps: 10_000,
      maxSlippageBps: 10_000,
      maxLossPerRebalanceBps: 10_000,
      maxLeverageBps: 20_000,
      minHealthFactor: 10n ** 18n,
    };
    const issues = checkLimitsInside(loose, onchain);
    expect(issues.map((i) => i.field).sort()).to.deep.equal([
      "maxLeverageBps",
      "maxLossPerRebalanceBps",
      "maxSlippageBps",
      "maxTurnoverBps",
      "minHealthFactor",
    ]);
    expect(issues.find((i) => i.field === "minHealthFactor")?.message).to.contain("1.5");
  });
});
