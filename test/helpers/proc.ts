/**
 * Child processes of the stack tests (no side effects on import): a repository script run with
 * this Node, its stdout and stderr collected as one text, waits on that text, and a free port.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";

/** A running script: its process, everything it printed so far, and its exit code. */
export interface Proc {
  readonly child: ChildProcess;
  out: string;
  readonly exited: Promise<number | null>;
}

/** Runs `script` (relative to the working directory) with this Node, collecting its output. */
export function startScript(script: string, args: readonly string[]): Proc {
  const child = spawn(process.execPath, [path.resolve(process.cwd(), script), ...args], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const p: Proc = {
    child,
    out: "",
    exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  };
  child.stdout?.on("data", (d: Buffer) => (p.out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (p.out += d.toString()));
  return p;
}

/** Resolves with the first match of `re` in `p.out`; rejects if `p` exits first or after `ms`. */
export async function waitOut(p: Proc, re: RegExp, ms: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = re.exec(p.out);
    if (m !== null) return m;
    if (p.child.exitCode !== null) throw new Error(`process exited early:\n${p.out}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}:\n${p.out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops `p` with SIGTERM (scripts/node.ts forwards it to the Hardhat node), SIGKILL after 10 s. */
export async function stop(p: Proc | undefined): Promise<void> {
  if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
  await p.exited;
  clearTimeout(timer);
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
