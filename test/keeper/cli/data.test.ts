import { expect } from "chai";
// float closeTo (Hardhat's chai matchers replace it with a bigint-only one once a network connects)
import "../../helpers/float-matchers.ts";
import { Command } from "commander";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  formatDataFetch,
  parseDataFetchFlags,
  registerData,
  runDataFetch,
} from "../../../keeper/cli/commands/data.ts";
import type {
  DataFetchDeps,
  DataFetchFlags,
  DataFetchOptions,
} from "../../../keeper/cli/commands/data.ts";
import { CliError, EXIT } from "../../../keeper/cli/runtime.ts";
import type { CliIo } from "../../../keeper/cli/runtime.ts";
import { CCXT_INSTALL_COMMAND, CcxtError } from "../../../keeper/src/data/ccxt.ts";
import type { CcxtExchangeLike, OhlcvRow } from "../../../keeper/src/data/ccxt.ts";
import { loadPriceCsvFile } from "../../../keeper/src/data/csv.ts";
import { DEFAULT_MODEL, replayMarket } from "../../../keeper/src/sim/returns.ts";

// Offline only: the exchange is a fake with a ccxt-shaped fetchOHLCV; ccxt is never loaded
// except in the child-process test, which checks the "not installed" path.

const utc = (s: string): number => Date.parse(s) / 1000;
const DAY_MS = 86_400_000;
const NOW_MS = Date.parse("2024-06-01T00:00:00Z");
const noSleep = async (): Promise<void> => {};
const ASSETS = ["WETH", "WBTC", "LINK", "UNI"];
const BASE: Record<string, number> = {
  "ETH/USDT": 2281.87,
  "BTC/USDT": 42283.58,
  "BTC/USDC": 42290.11,
  "LINK/USDT": 15.1,
  "UNI/USDT": 6.6,
};

/** Deterministic candle of `market` opening at `ms` (prices with many significant digits). */
function candle(market: string, ms: number, step: number): OhlcvRow {
  const k = ms / step;
  const c = BASE[market] * (1 + 0.05 * Math.sin(k / 3) + 1e-7 * (k % 7));
  return [ms, c * 0.99, c * 1.02, c * 0.97, c, k % 5 === 0 ? null : 1000 + k];
}

interface FakeOptions {
  /** Markets listed by loadMarkets. */
  markets?: string[];
  /** Open times (ms) each market does not have. */
  holes?: Record<string, number[]>;
  /** Last open time (ms) each market has; default far future. */
  endMs?: Record<string, number>;
}

/**
 * Fake exchange: each page starts one candle BEFORE `since` (an overlap, as some exchanges do),
 * so every page after the first repeats one candle and the first page brings one out of range.
 */
function fakeExchange(o: FakeOptions = {}): CcxtExchangeLike & {
  calls: { symbol: string; timeframe?: string; since?: number; limit?: number }[];
} {
  const calls: { symbol: string; timeframe?: string; since?: number; limit?: number }[] = [];
  const ex = {
    id: "fakeex",
    rateLimit: 0,
    timeframes: { "1h": "1h", "1d": "1d" },
    has: { fetchOHLCV: true },
    markets: undefined as Record<string, unknown> | undefined,
    calls,
    async loadMarkets() {
      ex.markets = Object.fromEntries(
        (o.markets ?? Object.keys(BASE)).map((m) => [m, { symbol: m }]),
      );
      return ex.markets;
    },
    async fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number) {
      calls.push({ symbol, timeframe, since, limit });
      const step = timeframe === "1h" ? 3_600_000 : DAY_MS;
      const end = o.endMs?.[symbol] ?? Infinity;
      const rows: OhlcvRow[] = [];
      for (let k = 0, ms = (since as number) - step; k < (limit as number); k++, ms += step) {
        if (ms > end) break;
        if (o.holes?.[symbol]?.includes(ms)) continue;
        rows.push(candle(symbol, ms, step));
      }
      return rows;
    },
  };
  return ex;
}

function options(dir: string, over: Partial<DataFetchOptions> = {}): DataFetchOptions {
  return {
    exchange: "fakeex",
    assets: ASSETS,
    markets: {},
    quote: "USDT",
    timeframe: "1d",
    since: utc("2024-01-01"),
    until: utc("2024-01-10"),
    out: path.join(dir, "prices.csv"),
    force: false,
    limit: 4,
    maxPages: undefined,
    minIntervalMs: 0,
    ...over,
  };
}

function deps(ex: CcxtExchangeLike, lines: string[] = []): DataFetchDeps & { created: string[] } {
  const created: string[] = [];
  return {
    created,
    createExchange: async (id) => {
      created.push(id);
      return ex;
    },
    now: () => NOW_MS,
    sleep: noSleep,
    progress: (l) => void lines.push(l),
  };
}

async function rejection(p: Promise<unknown>): Promise<CliError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(CliError);
    return e as CliError;
  }
  throw new Error("expected a rejection");
}

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), "ballast-data-"));

describe("ballast data fetch", function () {
  this.timeout(120_000);

  describe("parseDataFetchFlags", () => {
    const flags = (over: Partial<DataFetchFlags> = {}): DataFetchFlags => ({
      exchange: "binance",
      assets: "WETH,WBTC,LINK,UNI",
      since: "2024-01-01",
      out: "prices.csv",
      ...over,
    });

    it("parses the documented flags with their defaults", () => {
      const o = parseDataFetchFlags(
        flags({ markets: "WETH=ETH/USDC, LINK=LINK/USDC", until: "2024-03-01T12:00:00Z" }),
      );
      expect(o.assets).to.deep.equal(ASSETS);
      expect(o.markets).to.deep.equal({ WETH: "ETH/USDC", LINK: "LINK/USDC" });
      expect(o.timeframe).to.equal("1d");
      expect(o.quote).to.equal("USDT");
      expect(o.since).to.equal(utc("2024-01-01"));
      expect(o.until).to.equal(utc("2024-03-01T12:00:00Z"));
      expect(o.force).to.equal(false);
      expect(o.limit).to.equal(undefined);
      expect(parseDataFetchFlags(flags({ timeframe: "1h", limit: "500" })).limit).to.equal(500);
      expect(parseDataFetchFlags(flags({ since: "1704067200" })).since).to.equal(1704067200);
    });

    it("rejects bad values with exit 2 and the flag's name", () => {
      const bad = (over: Partial<DataFetchFlags>, re: RegExp) => {
        let err: unknown;
        try {
          parseDataFetchFlags(flags(over));
        } catch (e) {
          err = e;
        }
        expect(err, JSON.stringify(over)).to.be.instanceOf(CliError);
        expect((err as CliError).exitCode).to.equal(EXIT.USAGE);
        expect((err as CliError).message).to.match(re);
      };
      bad({ timeframe: "1w" }, /--timeframe: "1w" is not supported/);
      bad({ assets: "WETH,WETH" }, /--assets: "WETH" is listed twice/);
      bad({ assets: "WETH,,UNI" }, /--assets: bad symbol ""/);
      bad({ assets: 'WE"TH' }, /--assets: bad symbol/);
      bad({ markets: "WETH" }, /--markets: expected ASSET=MARKET/);
      bad({ markets: "DOGE=DOGE/USDT" }, /"DOGE" is not one of --assets/);
      bad({ markets: "WETH=ETH/USDT,WETH=ETH/USDC" }, /mapped twice/);
      bad({ since: "2024-02-30" }, /--since: expected/);
      bad({ since: "yesterday" }, /--since: expected/);
      bad({ until: "2023-12-31" }, /--until .* is before --since/);
      bad({ limit: "0" }, /--limit: expected an integer >= 1/);
      bad({ minInterval: "-5" }, /--min-interval/);
      bad({ exchange: "bin ance" }, /--exchange/);
    });
  });

  describe("runDataFetch (fake exchange)", () => {
    it("writes a CSV that loadPriceCsvFile and the simulator's replay read, with the fetch report", async () => {
      const dir = tmp();
      const ex = fakeExchange({ holes: { "LINK/USDT": [Date.parse("2024-01-05T00:00:00Z")] } });
      const lines: string[] = [];
      const opts = options(dir, { markets: { WBTC: "BTC/USDC" } });
      const r = await runDataFetch(opts, deps(ex, lines));

      // The markets asked for: defaults, one override, `${asset}/USDT` for the rest.
      expect([...new Set(ex.calls.map((c) => c.symbol))]).to.deep.equal([
        "ETH/USDT",
        "BTC/USDC",
        "LINK/USDT",
        "UNI/USDT",
      ]);
      expect(ex.calls.every((c) => c.timeframe === "1d" && c.limit === 4)).to.equal(true);

      // Report: 10 daily candles Jan 1..10; 4 pages of 4 with a 1-candle overlap.
      const weth = r.assets[0];
      expect(weth).to.deep.include({
        asset: "WETH",
        market: "ETH/USDT",
        candles: 10,
        firstT: utc("2024-01-01"),
        lastT: utc("2024-01-10"),
        pages: 4,
        duplicates: 3,
        gaps: 0,
        outOfRange: 3,
        stoppedBecause: "reachedEnd",
      });
      expect(r.assets[2]).to.deep.include({ asset: "LINK", candles: 9, gaps: 1 });
      expect(r.rows).to.equal(39);
      expect(r.commonTimestamps).to.equal(9);
      expect(r.timeColumn).to.equal("date");
      expect(r.until).to.equal(utc("2024-01-10"));
      expect(lines).to.have.length(4);
      expect(lines[0]).to.equal("WETH (ETH/USDT): 10 candles, 4 pages, stopped: reachedEnd");

      // The file: the documented long format, read back exactly.
      const text = readFileSync(opts.out, "utf8");
      expect(text.split("\n")[0]).to.equal("date,symbol,open,high,low,close,volume");
      expect(text.split("\n")[1]).to.match(/^2024-01-01,WETH,[\d.]+,[\d.]+,[\d.]+,[\d.]+,[\d.]*$/);
      const loaded = await loadPriceCsvFile(opts.out);
      expect(Object.keys(loaded).sort()).to.deep.equal([...ASSETS].sort());
      const wantWeth = Array.from({ length: 10 }, (_, i) => {
        const ms = Date.parse("2024-01-01T00:00:00Z") + i * DAY_MS;
        return { t: ms / 1000, price: candle("ETH/USDT", ms, DAY_MS)[4] as number };
      });
      expect(loaded.WETH).to.deep.equal(wantWeth);
      const openB = await loadPriceCsvFile(opts.out, { field: "open", symbols: ["WBTC"] });
      expect(openB.WBTC[0].price).to.equal(
        candle("BTC/USDC", Date.parse("2024-01-01T00:00:00Z"), DAY_MS)[1],
      );
      // A null volume is an empty cell.
      expect(text).to.match(/\n2024-01-0\d,WETH,[\d.]+,[\d.]+,[\d.]+,[\d.]+,\n/);

      // What `npm run simulate -- --prices <file> --columns WETH,WBTC,LINK,UNI` does with it.
      const initial = [2000, 40000, 15, 7];
      const m = replayMarket(text, DEFAULT_MODEL.assets, ASSETS, initial);
      expect(m.returns).to.have.length(r.commonTimestamps - 1);
      expect(m.prices[0]).to.deep.equal(initial);
      expect(m.prices[1][0] / m.prices[0][0]).to.be.closeTo(
        wantWeth[1].price / wantWeth[0].price,
        1e-12,
      );

      // Text report: summary, one row per asset, replay hint.
      const out = formatDataFetch(r);
      expect(out).to.contain("wrote " + opts.out + ": 39 rows, 4 assets, 1d candles from fakeex");
      expect(out).to.match(
        /\nasset\s+market\s+candles\s+first\s+last\s+pages\s+dups\s+gaps\s+dropped\s+stop\n/,
      );
      expect(out).to.match(
        /\nLINK\s+LINK\/USDT\s+9\s+2024-01-01\s+2024-01-10\s+4\s+3\s+1\s+3\s+reachedEnd\n/,
      );
      expect(out).to.contain(`--prices ${opts.out} --columns WETH,WBTC,LINK,UNI`);
    });

    it("hourly candles get an ISO ts_utc column; an exchange running dry stops (noProgress: only the overlap candle comes back)", async () => {
      const dir = tmp();
      const end = Date.parse("2024-01-01T05:00:00Z");
      const ex = fakeExchange({ endMs: { "ETH/USDT": end } });
      const opts = options(dir, {
        assets: ["WETH"],
        timeframe: "1h",
        until: utc("2024-01-02T00:00:00Z"),
      });
      const r = await runDataFetch(opts, deps(ex));
      expect(r.assets[0]).to.deep.include({ candles: 6, pages: 3, stoppedBecause: "noProgress" });
      expect(r.timeColumn).to.equal("ts_utc");
      const text = readFileSync(opts.out, "utf8");
      expect(text.split("\n")[0]).to.equal("ts_utc,symbol,open,high,low,close,volume");
      expect(text.split("\n")[6]).to.match(/^2024-01-01T05:00:00Z,WETH,/);
      expect((await loadPriceCsvFile(opts.out)).WETH.map((p) => p.t)).to.deep.equal(
        Array.from({ length: 6 }, (_, h) => utc("2024-01-01") + h * 3600),
      );
    });

    it("refuses an existing --out before touching the exchange (exit 2); --force overwrites", async () => {
      const dir = tmp();
      const opts = options(dir);
      writeFileSync(opts.out, "keep me\n");
      const d = deps(fakeExchange());
      const err = await rejection(runDataFetch(opts, d));
      expect(err.code).to.equal("OUT_EXISTS");
      expect(err.exitCode).to.equal(EXIT.USAGE);
      expect(d.created).to.deep.equal([]);
      expect(readFileSync(opts.out, "utf8")).to.equal("keep me\n");
      await runDataFetch({ ...opts, force: true }, d);
      expect(readFileSync(opts.out, "utf8")).to.match(/^date,symbol,/);
    });

    it("an unknown market exits 2 naming it; an asset without candles exits 1; nothing is written", async () => {
      const dir = tmp();
      const opts = options(dir);
      const noUni = fakeExchange({ markets: ["ETH/USDT", "BTC/USDT", "LINK/USDT"] });
      const e1 = await rejection(runDataFetch(opts, deps(noUni)));
      expect(e1.code).to.equal("CCXT_UNKNOWN_MARKET");
      expect(e1.exitCode).to.equal(EXIT.USAGE);
      expect(e1.message).to.match(/no market UNI\/USDT \(for UNI\).*--markets/);
      expect(noUni.calls).to.deep.equal([]);

      const dry = fakeExchange({ endMs: { "UNI/USDT": Date.parse("2023-06-01T00:00:00Z") } });
      const e2 = await rejection(runDataFetch(opts, deps(dry)));
      expect(e2.code).to.equal("NO_CANDLES");
      expect(e2.exitCode).to.equal(EXIT.FAILURE);
      expect(e2.message).to.match(/UNI \(UNI\/USDT, stopped: emptyPage\); nothing written/);
      expect(existsSync(opts.out)).to.equal(false);
    });

    it("maps ccxt errors to exit codes: not installed 3, timeframe 2, fetch failure 1", async () => {
      const dir = tmp();
      const opts = options(dir);
      const missing = await rejection(
        runDataFetch(opts, {
          createExchange: async () => {
            throw new CcxtError("CCXT_NOT_INSTALLED", `run \`${CCXT_INSTALL_COMMAND}\``);
          },
        }),
      );
      expect(missing.exitCode).to.equal(EXIT.UNAVAILABLE);
      expect(missing.code).to.equal("CCXT_NOT_INSTALLED");

      const hourlyOnly = { ...fakeExchange(), timeframes: { "1h": "1h" } };
      const tf = await rejection(runDataFetch(opts, deps(hourlyOnly)));
      expect([tf.code, tf.exitCode]).to.deep.equal(["CCXT_TIMEFRAME", EXIT.USAGE]);

      const broken = {
        ...fakeExchange(),
        fetchOHLCV: async (): Promise<OhlcvRow[]> => {
          throw new Error("boom");
        },
      };
      const f = await rejection(runDataFetch(opts, deps(broken)));
      expect([f.code, f.exitCode]).to.deep.equal(["CCXT_FETCH", EXIT.FAILURE]);
      expect(f.message).to.match(/boom.*symbol=ETH\/USDT/);
      expect(existsSync(opts.out)).to.equal(false);
    });
  });

  describe("registerData (commander, fake exchange)", () => {
    function cli(ex: CcxtExchangeLike) {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = {
        stdout: (s) => void out.push(s),
        stderr: (s) => void err.push(s),
        env: {},
        interactive: false,
        promptSecret: async () => "",
      };
      const root = new Command("ballast").option("--json", "json", false).exitOverride();
      root.configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
      const d = deps(ex);
      registerData(root, io, { createExchange: d.createExchange, now: d.now, sleep: d.sleep });
      for (const c of root.commands) c.exitOverride();
      for (const c of root.commands.flatMap((c) => c.commands)) c.exitOverride();
      return { root, out, err };
    }

    it("parses the flags, prints progress on stderr and the report (text or --json) on stdout", async () => {
      const dir = tmp();
      const file = path.join(dir, "p.csv");
      const args = [
        "data",
        "fetch",
        "--exchange",
        "fakeex",
        "--assets",
        "WETH,WBTC",
        "--since",
        "2024-01-01",
        "--until",
        "2024-01-10",
        "--limit",
        "4",
        "--min-interval",
        "0",
        "--out",
        file,
      ];
      const t = cli(fakeExchange());
      await t.root.parseAsync(args, { from: "user" });
      expect(t.err.join("")).to.match(/^ballast: WETH \(ETH\/USDT\): 10 candles/);
      expect(t.out.join("")).to.match(/^wrote .*p\.csv: 20 rows, 2 assets/);
      expect(t.out.join("")).to.match(/\nWBTC\s+BTC\/USDT\s+10\s/);

      const j = cli(fakeExchange());
      await j.root.parseAsync([...args, "--force", "--json"], { from: "user" });
      expect(j.err).to.deep.equal([]);
      const doc = JSON.parse(j.out.join(""));
      expect(doc.ok).to.equal(true);
      expect(doc.fetch.file).to.equal(file);
      expect(doc.fetch.rows).to.equal(20);
      expect(
        doc.fetch.assets.map((a: { stoppedBecause: string }) => a.stoppedBecause),
      ).to.deep.equal(["reachedEnd", "reachedEnd"]);
    });

    it("a missing required flag is a commander usage error", async () => {
      const t = cli(fakeExchange());
      let err: unknown;
      try {
        await t.root.parseAsync(["data", "fetch", "--exchange", "x", "--assets", "A"], {
          from: "user",
        });
      } catch (e) {
        err = e;
      }
      expect((err as { code?: string }).code).to.equal("commander.missingMandatoryOptionValue");
    });
  });

  describe("real CLI entry (child process)", () => {
    const NODE = path.resolve("node_modules/.bin/node");
    const CLI = path.resolve("keeper/cli/ballast.ts");
    // If ccxt happens to be installed, a resolve hook makes `import("ccxt")` fail as if it were not.
    const installed = (() => {
      try {
        createRequire(path.resolve("keeper/src/data/ccxt.ts")).resolve("ccxt");
        return true;
      } catch {
        return false;
      }
    })();
    function hideCcxt(): string[] {
      const dir = tmp();
      writeFileSync(
        path.join(dir, "hook.mjs"),
        `export async function resolve(s, c, next) {
  if (s === "ccxt") {
    const e = new Error("Cannot find package 'ccxt'");
    e.code = "ERR_MODULE_NOT_FOUND";
    throw e;
  }
  return next(s, c);
}\n`,
      );
      const reg = path.join(dir, "register.mjs");
      writeFileSync(
        reg,
        `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(dir, "hook.mjs")).href)});\n`,
      );
      return ["--import", pathToFileURL(reg).href];
    }
    // BALLAST_TEST_HIDE_CCXT=1 forces the hook (to check it works where ccxt is absent).
    const pre = installed || process.env.BALLAST_TEST_HIDE_CCXT === "1" ? hideCcxt() : [];

    function ballast(args: string[]) {
      const r = spawnSync(NODE, [...pre, CLI, ...args], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir() },
        cwd: os.tmpdir(),
        timeout: 60_000,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    it("without ccxt: exit 3, one line naming the install command, no stack, no file", () => {
      const dir = tmp();
      const file = path.join(dir, "prices.csv");
      const args = ["data", "fetch", "--exchange", "binance", "--assets", "WETH,WBTC,LINK,UNI"];
      const r = ballast([...args, "--since", "2024-01-01", "--out", file]);
      expect(r.code, r.stderr).to.equal(3);
      expect(r.stdout).to.equal("");
      expect(r.stderr.trim().split("\n")).to.have.length(1);
      expect(r.stderr).to.match(/^ballast: error: ccxt is not installed/);
      expect(r.stderr).to.contain(CCXT_INSTALL_COMMAND);
      expect(r.stderr).to.not.match(/\n\s+at /);
      expect(existsSync(file)).to.equal(false);

      const j = ballast([...args, "--since", "2024-01-01", "--out", file, "--json"]);
      expect(j.code).to.equal(3);
      const doc = JSON.parse(j.stdout);
      expect(doc).to.deep.include({ ok: false, exitCode: 3 });
      expect(doc.error.code).to.equal("CCXT_NOT_INSTALLED");
      expect(doc.error.message).to.contain(CCXT_INSTALL_COMMAND);
    });

    it("bad flags exit 2 before ccxt is needed; --help documents the command", () => {
      const r = ballast([
        "data",
        "fetch",
        "--exchange",
        "binance",
        "--assets",
        "WETH",
        "--since",
        "2024-01-01",
        "--timeframe",
        "1w",
        "--out",
        "x.csv",
      ]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/^ballast: error: --timeframe: "1w" is not supported/);
      const h = ballast(["data", "fetch", "--help"]);
      expect(h.code).to.equal(0);
      for (const flag of [
        "--exchange",
        "--assets",
        "--markets",
        "--timeframe",
        "--since",
        "--until",
        "--out",
      ])
        expect(h.stdout).to.contain(flag);
      expect(h.stdout).to.contain(CCXT_INSTALL_COMMAND);
      const top = ballast(["--help"]);
      expect(top.stdout).to.match(/\n {2}data\b/);
    });
  });
});
