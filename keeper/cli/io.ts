/** The real process I/O for the CLI (stdout, stderr, env, a no-echo password prompt). */
import { createInterface } from "node:readline";
import type { CliIo } from "./runtime.ts";

/** {@link CliIo} over this process (a reader closing stdout or stderr early: {@link quietOnEpipe}). */
export function processIo(): CliIo {
  quietOnEpipe(process.stdout);
  quietOnEpipe(process.stderr);
  return {
    stdout: (s) => write(process.stdout, s),
    stderr: (s) => write(process.stderr, s),
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    promptSecret,
  };
}

/** Writes `s` to `stream` unless a closed pipe has ended it ({@link quietOnEpipe}). */
function write(stream: NodeJS.WritableStream & { destroyed?: boolean }, s: string): void {
  if (stream.destroyed !== true) stream.write(s);
}

const guarded = new WeakSet<NodeJS.EventEmitter>();

/**
 * A pipe whose reader has gone (`ballast --help | head -1`: `head` exits after one line) fails
 * the next write with EPIPE, which Node emits as an `error` event on the stream: unhandled, it
 * prints a stack trace and exits 1. With this, EPIPE ends that stream's output quietly (the stream
 * is destroyed; {@link processIo} drops later writes to it) and the command goes on to its own
 * exit code, as if the reader had read everything. Any other error of the stream is thrown as
 * before. Once per stream.
 */
export function quietOnEpipe(stream: NodeJS.EventEmitter): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
}

/** Reads one line from the terminal without echoing it. */
export function promptSecret(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    let asked = false;
    out._writeToOutput = (s: string) => {
      if (!asked) {
        process.stderr.write(s);
        asked = true;
      }
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
  });
}
