/**
 * `npm run stress`: the market simulation (scripts/simulate.ts, the keeper's own run loop against
 * the real local stack) through each named stress scenario of keeper/src/sim/stress.ts — a flash
 * crash, a liquidity crunch, an oracle outage, a USDC depeg — with a verdict per scenario on what
 * the vault must do through it (docs/simulation.md, "Stress scenarios"). Prints a table, writes
 * reports/stress-<timestamp>.md (and each run's HTML report); exit 0 when every scenario held,
 * 2 when one did not, 1 on an error.
 *
 *   npm run stress -- [--scenario <name>[,<name>…]] [--days 45] [--shock-day 30] [--seed 42]
 *                     [--out reports] [--no-build] [--json]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DEFAULT_OPTIONS, runSimulation } from "./simulate.ts";
import type { ScenarioDay, SimulationResult } from "./simulate.ts";
import { SCENARIOS, scenario } from "../keeper/src/sim/stress.ts";
import type { ScenarioName } from "../keeper/src/sim/stress.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A bad command-line option. */
export class StressArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StressArgsError";
  }
}

export interface StressOptions {
  scenarios: ScenarioName[];
  days: number;
  shockDay: number;
  seed: number;
  outDir: string;
  build: boolean;
  json: boolean;
}

const USAGE =
  "usage: npm run stress -- [--scenario <name>[,<name>…]] [--days 45] [--shock-day 30] " +
  `[--seed 42] [--out reports] [--no-build] [--json]\n  scenarios: ${SCENARIOS.join(", ")}`;

/** Parses argv (after `node scripts/stress.ts`). */
export function parseStressArgs(argv: readonly string[]): StressOptions | "help" {
  const o: StressOptions = {
    scenarios: [...SCENARIOS],
    days: 45,
    shockDay: 30,
    seed: DEFAULT_OPTIONS.seed,
    outDir: path.join(ROOT, "reports"),
    build: true,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const value = (): string => {
      const v = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (v === undefined || v === "") throw new StressArgsError(`${flag} needs a value`);
      return v;
    };
    const whole = (min: number): number => {
      const raw = value();
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min)
        throw new StressArgsError(`${flag}: a whole number ≥ ${min}, got ${raw}`);
      return n;
    };
    if (flag === "--scenario") {
      const names = value().split(",");
      for (const n of names)
        if (!(SCENARIOS as readonly string[]).includes(n))
          throw new StressArgsError(`--scenario: unknown "${n}" (one of ${SCENARIOS.join(", ")})`);
      o.scenarios = names as ScenarioName[];
    } else if (flag === "--days") o.days = whole(2);
    else if (flag === "--shock-day") o.shockDay = whole(1);
    else if (flag === "--seed") o.seed = whole(0);
    else if (flag === "--out") o.outDir = path.resolve(value());
    else if (flag === "--no-build") o.build = false;
    else if (flag === "--json") o.json = true;
    else if (flag === "--help" || flag === "-h") return "help";
    else throw new StressArgsError(`unknown option ${arg} (try --help)`);
  }
  // every scenario's window must end before the run does, with a day to recover
  for (const n of o.scenarios) {
    const s = scenario(n, o.shockDay);
    if (s.end >= o.days)
      throw new StressArgsError(
        `--days ${o.days}: scenario ${n} shocks days ${s.start}–${s.end}; run at least to day ${s.end + 1}`,
      );
  }
  return o;
}

/** One expectation of a scenario and whether the run met it. */
export interface Check {
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
}

const count = (days: readonly ScenarioDay[], f: (d: ScenarioDay) => boolean) =>
  days.filter(f).length;

/** Price per share on the day before the scenario's shock (the reference of the report). */
function ppsBefore(r: SimulationResult): number {
  const sc = r.scenario!;
  return r.days.find((d) => d.day === sc.start - 1)?.pps ?? r.days[0].pps;
}

/**
 * What the vault must do through scenario `r.scenario` (its `expected` line), checked on the run:
 * the common checks (no bound broken after any rebalance or day, the NAV equal to the vault's
 * `totalAssets()` whenever it answers, a depositor's withdrawal of idle funds going through on
 * every probed day) and the scenario's own.
 */
export function checkScenario(r: SimulationResult): Check[] {
  const sc = r.scenario;
  if (sc === undefined) throw new Error("not a scenario run");
  const window = sc.days.filter((d) => d.day >= sc.start && d.day <= sc.end);
  const after = sc.days.filter((d) => d.day > sc.end);
  const checks: Check[] = [
    {
      what: "every on-chain bound held (recomputed after each rebalance and each day)",
      ok: r.breaches.length === 0,
      detail: r.breaches.length === 0 ? "0 breaches" : r.breaches.slice(0, 3).join("; "),
    },
    {
      what: "NAV = totalAssets() whenever the vault prices",
      ok: r.navMismatches === 0,
      detail: `${r.navMismatches} mismatches`,
    },
    {
      what: "a depositor could withdraw idle funds every probed day",
      ok: sc.days.every((d) => d.withdrawOk),
      detail: `${count(sc.days, (d) => d.withdrawOk)} of ${sc.days.length} days`,
    },
  ];
  const keeper = (d: ScenarioDay) => `${d.day}: ${d.keeperAction || "—"}`;
  switch (sc.name) {
    case "flash-crash":
      checks.push({
        what: "the circuit breaker tripped: defensive mode, deposits closed",
        ok: window.some((d) => d.defensive && !d.depositsOpen),
        detail: `defensive on ${count(sc.days, (d) => d.defensive)} probed days; trips ${r.breakerTrips}`,
      });
      break;
    case "liquidity-crunch":
      checks.push({
        what: "into the thin pools the keeper only sent plans that passed their simulation: none reverted",
        ok: window.every((d) => !/reverted|simulation-failed|error/.test(d.keeperAction)),
        detail: `window: ${window.map(keeper).join(", ")}`,
      });
      break;
    case "oracle-outage": {
      const stale = window.filter((d) => !d.navAvailable);
      checks.push(
        {
          what: "while the feed was stale: no NAV, deposits closed, no rebalance",
          ok: stale.length > 0 && stale.every((d) => !d.depositsOpen && !d.rebalanced),
          detail: `NAV unavailable on ${stale.length} of ${window.length} window days; keeper ${stale.map(keeper).join(", ")}`,
        },
        {
          what: "after the feed answered again: NAV and deposits back",
          ok: after.length > 0 && after.every((d) => d.navAvailable && d.depositsOpen),
          detail: `${count(after, (d) => d.navAvailable && d.depositsOpen)} of ${after.length} days after`,
        },
      );
      break;
    }
    case "depeg": {
      const ref = ppsBefore(r);
      checks.push(
        {
          what: "the NAV kept pricing and deposits stayed open through the depeg",
          ok: window.every((d) => d.navAvailable && d.depositsOpen),
          detail: `${count(window, (d) => d.navAvailable && d.depositsOpen)} of ${window.length} days`,
        },
        {
          what: "the price per share in USDC rose as USDC fell (assets are worth more USDC)",
          ok: window.some((d) => d.pps > ref * 1.02),
          detail: `price per share vs the day before: ${window.map((d) => (d.pps / ref).toFixed(4)).join(", ")}`,
        },
      );
      break;
    }
  }
  return checks;
}

/** The run's figures inside the window: worst price per share against the day before it. */
function windowFacts(r: SimulationResult): string {
  const sc = r.scenario!;
  const before = ppsBefore(r);
  const low = Math.min(...sc.days.map((d) => d.pps));
  const end = r.days[r.days.length - 1].pps;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  return (
    `price per share: ${pct(low / before - 1)} at the worst probed day, ${pct(end / before - 1)} at the end ` +
    `(vs the day before the shock); over the whole run: rebalances ${r.rebalances} of ${r.planAttempts} plans, breaker trips ${r.breakerTrips}`
  );
}

/** Markdown report of all runs. */
export function stressReport(
  runs: readonly { result: SimulationResult; checks: Check[] }[],
): string {
  const lines = ["# Ballast stress scenarios", ""];
  lines.push("| scenario | verdict | what happened |", "|---|---|---|");
  for (const { result, checks } of runs) {
    const sc = result.scenario!;
    const ok = checks.every((c) => c.ok);
    lines.push(`| ${sc.name} | ${ok ? "HELD" : "FAILED"} | ${sc.description} |`);
  }
  for (const { result, checks } of runs) {
    const sc = result.scenario!;
    lines.push("", `## ${sc.name}`, "", sc.description, "", `Expected: ${sc.expected}.`, "");
    for (const c of checks) lines.push(`- ${c.ok ? "✔" : "✘"} ${c.what} — ${c.detail}`);
    lines.push("", windowFacts(result), "");
    lines.push(
      "| day | NAV prices | deposits | withdraw idle | defensive | keeper | price per share ÷ day before |",
    );
    lines.push("|---:|---|---|---|---|---|---:|");
    const ref = ppsBefore(result);
    for (const d of sc.days)
      lines.push(
        `| ${d.day} | ${d.navAvailable ? "yes" : "no"} | ${d.depositsOpen ? "open" : "closed"} | ${d.withdrawOk ? "ok" : "FAILED"} | ${d.defensive ? "yes" : "no"} | ${d.keeperAction || "—"} | ${(d.pps / ref).toFixed(4)} |`,
      );
    lines.push(
      "",
      `Run report: ${path.relative(ROOT, result.reportPath)}; market: ${result.source}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  let opts: StressOptions | "help";
  try {
    opts = parseStressArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`stress: ${(e as Error).message}`);
    process.exit(2);
  }
  if (opts === "help") {
    console.log(USAGE);
    return;
  }
  const runs: { result: SimulationResult; checks: Check[] }[] = [];
  for (const [i, name] of opts.scenarios.entries()) {
    if (!opts.json) console.log(`${name}: ${opts.days} days, shock from day ${opts.shockDay}…`);
    const result = await runSimulation({
      ...DEFAULT_OPTIONS,
      days: opts.days,
      seed: opts.seed,
      outDir: opts.outDir,
      build: opts.build && i === 0,
      progress: false,
      scenario: scenario(name, opts.shockDay),
    });
    const checks = checkScenario(result);
    runs.push({ result, checks });
    if (!opts.json)
      for (const c of checks) console.log(`  ${c.ok ? "✔" : "✘"} ${c.what} — ${c.detail}`);
  }
  const md = stressReport(runs);
  mkdirSync(opts.outDir, { recursive: true });
  const file = path.join(
    opts.outDir,
    `stress-${new Date().toISOString().replace(/[:.]/g, "-")}.md`,
  );
  writeFileSync(file, md);
  const held = runs.every((r) => r.checks.every((c) => c.ok));
  if (opts.json)
    console.log(
      JSON.stringify(
        {
          ok: held,
          report: file,
          scenarios: runs.map(({ result, checks }) => ({
            name: result.scenario!.name,
            held: checks.every((c) => c.ok),
            checks,
            days: result.scenario!.days,
          })),
        },
        (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
        2,
      ),
    );
  else {
    console.log("");
    for (const { result, checks } of runs)
      console.log(
        `${result.scenario!.name.padEnd(17)} ${checks.every((c) => c.ok) ? "HELD" : "FAILED"}`,
      );
    console.log(`\nReport: ${path.relative(process.cwd(), file)}`);
  }
  process.exit(held ? 0 : 2);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(`stress failed: ${err instanceof Error ? err.message : String(err)}`);
    console.error(err);
    process.exit(1);
  });
}
