/**
 * `npm run bench`: runs every benchmark in one process and rewrites its section of BENCHMARKS.md.
 * `npm run bench -- risk derivatives` runs only the named sections; `npm run bench -- --help` lists
 * them, and an unknown name is refused (exit 2) before anything runs.
 * Toolchain figures (install, compile, deploy, test suite) come from `bash scripts/bench-toolchain.sh`.
 */
import path from "node:path";
import { writeBenchSection } from "./lib/benchmarks-md.ts";

interface Section {
  name: string;
  title: string;
  command: string;
  run: () => Promise<string>;
}

const SECTIONS: Section[] = [
  {
    name: "decision",
    title: "Keeper decision latency, N = 10 (estimation + optimization + planning)",
    command: "npm run bench -- decision",
    run: async () => {
      const { measureDecision, decisionTable } = await import("../keeper/bench/decision.bench.ts");
      return decisionTable(await measureDecision());
    },
  },
  {
    name: "optimizers",
    title: "Optimizers vs portfolio-allocation 0.0.11 (keeper/src/optimize)",
    command: "npm run bench -- optimizers",
    run: async () => {
      const { runOptimizerBench, benchTable } = await import("../keeper/bench/optimizers.bench.ts");
      return benchTable(await runOptimizerBench());
    },
  },
  {
    name: "risk",
    title: "Covariance estimation (keeper/src/risk)",
    command: "npm run bench -- risk",
    run: async () => {
      const { measureRiskBench, formatRiskBench } = await import("../keeper/bench/risk.bench.ts");
      return formatRiskBench(await measureRiskBench());
    },
  },
  {
    name: "derivatives",
    title: "Derivatives analytics (keeper/src/derivatives)",
    command: "npm run bench -- derivatives",
    run: async () => {
      const { measureDerivatives, toMarkdown } =
        await import("../keeper/bench/derivatives.bench.ts");
      return toMarkdown(measureDerivatives());
    },
  },
  {
    name: "gas",
    title: "Vault gas (issue 4)",
    command: "npm run bench -- gas",
    run: async () => {
      const { measureGas } = await import("./bench/gas.ts");
      return measureGas();
    },
  },
  {
    name: "keeper",
    title: "Keeper runtime latency and memory (issue 6)",
    command: "npm run bench -- keeper",
    run: async () => {
      const { measureRuntime } = await import("../keeper/bench/runtime.bench.ts");
      return measureRuntime();
    },
  },
];

const USAGE =
  "usage: npm run bench [-- <section> ...]\n" +
  "Runs the named sections (all of them without any) and rewrites them in BENCHMARKS.md.\n" +
  "Sections:\n" +
  SECTIONS.map((s) => `  ${s.name.padEnd(12)} ${s.title}`).join("\n");

const wanted = process.argv.slice(2);
if (wanted.includes("--help") || wanted.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = wanted.filter((w) => !SECTIONS.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(`npm run bench: unknown section ${unknown.join(", ")}\n\n${USAGE}`);
  process.exit(2);
}
const file = path.resolve(import.meta.dirname, "..", "BENCHMARKS.md");
for (const s of SECTIONS) {
  if (wanted.length > 0 && !wanted.includes(s.name)) continue;
  console.log(`▶ ${s.title}`);
  const body = await s.run();
  console.log(body);
  writeBenchSection(file, s.name, s.title, `Reproduce: \`${s.command}\`\n\n${body}`);
}
console.log(`BENCHMARKS.md updated (${wanted.length > 0 ? wanted.join(", ") : "all sections"}).`);
