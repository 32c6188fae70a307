/** The real process I/O for the CLI (stdout, stderr, env, a no-echo password prompt). */
import { createInterface } from "node:readline";
import type { CliIo } from "./runtime.ts";

/** {@link CliIo} over this process. */
export function processIo(): CliIo {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    promptSecret,
  };
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
