import { expect } from "chai";
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";

/**
 * The CLI (child process) whose stdout is a pipe the reader closes early, as `ballast --help |
 * head -1` does: the CLI's next write fails with EPIPE, which must end its output quietly — no
 * `Error: write EPIPE` stack on stderr, the command's own exit code — through the TypeScript entry
 * and the package's `bin` launcher alike.
 */

const NODE = path.resolve("node_modules/.bin/node");
const CLI = path.resolve("keeper/cli/ballast.ts");
const LAUNCHER = path.resolve("keeper/cli/ballast.js");

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the reader read before it closed the pipe. */
  read: string;
  stderr: string;
}

/**
 * Runs `node <entry> <args>` with stdout piped to a reader that closes its end after `lines`
 * lines (0: before the CLI writes anything, so its first write meets a closed pipe).
 */
function runClosingAfter(entry: string, args: string[], lines: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [entry, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir() },
      cwd: os.tmpdir(),
    });
    let read = "";
    let stderr = "";
    const close = () => child.stdout.destroy();
    if (lines === 0) close();
    else
      child.stdout.on("data", (d: Buffer) => {
        read += d.toString("utf8");
        if (read.split("\n").length > lines) {
          read = read.split("\n").slice(0, lines).join("\n");
          close();
        }
      });
    child.stderr.on("data", (d: Buffer) => void (stderr += d.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("the CLI did not exit within 60 s"));
    }, 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, read, stderr });
    });
  });
}

describe("ballast CLI with its stdout closed early (child process)", function () {
  this.timeout(240_000);

  for (const [name, entry] of [
    ["ballast.ts", CLI],
    ["the bin launcher ballast.js", LAUNCHER],
  ] as const) {
    it(`${name}: --help into a pipe closed before the first write exits 0, stderr empty`, async function () {
      const r = await runClosingAfter(entry, ["--help"], 0);
      expect(r.stderr).to.equal("");
      expect([r.code, r.signal]).to.deep.equal([0, null]);
    });
  }

  it("--help | head -1: the first line is read, no EPIPE stack, exit 0 (every run)", async function () {
    // whether the CLI's later writes meet the closed pipe is a race: repeat it
    for (let i = 0; i < 4; i++) {
      const r = await runClosingAfter(CLI, ["--help"], 1);
      expect(r.read).to.equal("Usage: ballast [options] [command]");
      expect(r.stderr).to.not.match(/EPIPE|\n\s+at /);
      expect(r.stderr).to.equal("");
      expect([r.code, r.signal]).to.deep.equal([0, null]);
    }
  });

  it("a failing command keeps its exit code and its error line on stderr when stdout is closed", async function () {
    const missing = path.join(os.tmpdir(), "ballast-pipe-test-no-such-config.yaml");
    const r = await runClosingAfter(CLI, ["-c", missing, "config", "check"], 0);
    expect(r.stderr).to.equal(
      `ballast: error: cannot load configuration (${missing}): file not found\n`,
    );
    expect(r.code).to.equal(2);
    // --json puts the error document on stdout: it is dropped, the exit code stays
    const j = await runClosingAfter(CLI, ["-c", missing, "--json", "config", "check"], 0);
    expect(j.stderr).to.equal("");
    expect(j.code).to.equal(2);
  });
});
