/**
 * BENCHMARKS.md is assembled from sections, each written by the command that measures it between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers. Updating one section leaves the
 * others (measured by other commands, possibly on other days) untouched.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";

/** Replaces (or appends) the section `name` of the markdown file at `file` with `body`. */
export function writeBenchSection(file: string, name: string, title: string, body: string): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n## ${title}\n\n${body.trim()}\n\n${machineLine()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const i = current.indexOf(start);
  const j = current.indexOf(end);
  const next =
    i >= 0 && j > i
      ? current.slice(0, i) + block + current.slice(j + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/** One line naming when and on what a section was measured. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `_Measured ${new Date().toISOString().slice(0, 16)}Z on ${os.cpus().length} × ${cpu}, Node ${process.version}; load average at the end ${os.loadavg()[0].toFixed(1)}._`;
}
