import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { DEFAULT_OPTIONS, SimulateError, parseArgs } from "../../scripts/simulate.ts";

const SCRIPT = path.resolve(process.cwd(), "scripts/simulate.ts");

/** `node scripts/simulate.ts <args>` with this Node (nothing is simulated: parsing fails first). */
function simulate(args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `npm start` / `npm run simulate` option parsing (scripts/simulate.ts `parseArgs`): an option
 * without its value is a one-line usage error naming it (exit 1, as every option error of the
 * script: exit 2 means risk-bound breaches), `--opt=value` splits at the first `=` only, and
 * `--help` shows the real default columns.
 */
describe("npm run simulate: command-line options", function () {
  this.timeout(120_000);

  it("an option without its value is a SimulateError naming the option, not a TypeError", function () {
    const cases: [string[], string][] = [
      [["--columns"], "--columns"],
      [["--prices"], "--prices"],
      [["--out"], "--out"],
      [["--out="], "--out"],
      [["--prices", "--quiet"], "--prices"],
      [["--days"], "--days"],
      [["--model"], "--model"],
    ];
    for (const [argv, option] of cases) {
      let err: unknown;
      try {
        parseArgs(argv);
      } catch (e) {
        err = e;
      }
      expect(err, argv.join(" ")).to.be.instanceOf(SimulateError);
      expect((err as Error).message).to.match(new RegExp(`^${option} needs a value: ${option} <`));
    }
    expect(() => parseArgs(["--columns"])).to.throw(
      "--columns needs a value: --columns <4 CSV symbols, e.g. WETH,WBTC,LINK,UNI> (try --help)",
    );
  });

  it("the script prints one usage line naming the option and exits 1 like its other option errors (no stack trace)", function () {
    for (const opt of ["--columns", "--prices", "--out"]) {
      const r = simulate([opt]);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stderr).to.match(
        new RegExp(`^simulate failed: ${opt} needs a value: ${opt} <.*\\n$`),
      );
      expect(r.stderr).to.not.match(/Cannot read properties|\n\s+at /);
    }
    // the convention it follows: an unknown option
    const bogus = simulate(["--bogus"]);
    expect([bogus.code, bogus.stderr]).to.deep.equal([
      1,
      "simulate failed: unknown option --bogus (try --help)\n",
    ]);
  });

  it("--opt=value splits at the first '=' only", function () {
    const o = parseArgs(["--prices=/tmp/a=b.csv", "--out=/tmp/x=y", "--columns=A,B=C,D,E"]);
    expect(o.prices).to.equal("/tmp/a=b.csv");
    expect(o.outDir).to.equal("/tmp/x=y");
    expect(o.columns).to.deep.equal(["A", "B=C", "D", "E"]);
    expect(parseArgs(["--days=3", "--prices", "p.csv"]).days).to.equal(3);
  });

  it("--help shows the default columns the script uses (WETH,WBTC,LINK,UNI)", function () {
    expect(DEFAULT_OPTIONS.columns).to.deep.equal(["WETH", "WBTC", "LINK", "UNI"]);
    const r = simulate(["--help"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain(`[--columns ${DEFAULT_OPTIONS.columns.join(",")}]`);
    expect(r.stdout).to.not.contain("ETH,BTC,LINK,UNI]");
  });
});
