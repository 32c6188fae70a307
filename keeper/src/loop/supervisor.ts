/**
 * Runs several workers in one process, isolated: each has its own loop (poll eth_blockNumber at
 * its poll interval; tick on a new block or when `maxIntervalMs` passed), its own error counter
 * and exponential backoff. A worker whose RPC or vault fails only delays itself.
 */
import type { HealthReport, WorkerHealth } from "../metrics/server.ts";
import { tickWorker } from "./worker.ts";
import type { Worker } from "./worker.ts";

/** Per-worker loop settings. */
export interface LoopSettings {
  pollIntervalMs: number;
  /** Tick at least this often even without a new block (default 10 × poll). */
  maxIntervalMs?: number;
  /** First backoff after an error (default = poll); doubles per consecutive error. */
  backoffMs?: number;
  /** Backoff ceiling (default 60 000 ms). */
  maxBackoffMs?: number;
  /** A worker is unhealthy when its last good tick is older (default max(3 × maxInterval, 30 s)). */
  staleAfterMs?: number;
}

/** A running supervisor. */
export interface Supervisor {
  /** Stops every loop after its current step; resolves when all stopped. */
  stop(): Promise<void>;
  /** Resolves when every loop has ended. */
  done: Promise<void>;
  health(): HealthReport;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Backoff before the next attempt after `errors` consecutive failures. */
export function backoffDelay(errors: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, errors - 1));
}

async function runOne(w: Worker, s: LoopSettings, signal: AbortSignal): Promise<void> {
  const maxInterval = s.maxIntervalMs ?? 10 * s.pollIntervalMs;
  const now = w.opts.now ?? Date.now;
  let lastTick = 0;
  while (!signal.aborted) {
    let wait = s.pollIntervalMs;
    try {
      const bn = await w.opts.provider.getBlockNumber();
      if (bn !== w.state.lastBlock || now() - lastTick >= maxInterval) {
        lastTick = now();
        await tickWorker(w);
      }
    } catch (e) {
      w.state.consecutiveErrors++;
      w.state.lastError = String((e as Error)?.message ?? e).slice(0, 500);
      w.opts.metrics?.tickErrors.inc({ vault: w.opts.name, chain_id: w.opts.chainId.toString() });
      wait = backoffDelay(
        w.state.consecutiveErrors,
        s.backoffMs ?? s.pollIntervalMs,
        s.maxBackoffMs ?? 60_000,
      );
      w.opts.logger.error(
        {
          vault: w.opts.name,
          error: w.state.lastError,
          code: (e as { code?: unknown })?.code,
          consecutiveErrors: w.state.consecutiveErrors,
          backoffMs: wait,
        },
        "tick failed: backing off",
      );
    }
    await sleep(wait, signal);
  }
}

/** Health of the workers at `nowMs`. */
export function healthOf(
  workers: readonly Worker[],
  staleAfterMs: number,
  nowMs: number,
): HealthReport {
  const vaults: WorkerHealth[] = workers.map((w) => {
    const age = w.state.lastTickAt === null ? null : nowMs - w.state.lastTickAt;
    return {
      name: w.opts.name,
      chainId: w.opts.chainId.toString(),
      healthy: age !== null && age <= staleAfterMs,
      lastTickAt: w.state.lastTickAt,
      ageMs: age,
      consecutiveErrors: w.state.consecutiveErrors,
      lastError: w.state.lastError,
      lastBlock: w.state.lastBlock,
      degraded: w.state.degraded,
    };
  });
  return {
    healthy: vaults.length > 0 && vaults.every((v) => v.healthy),
    degraded: vaults.some((v) => v.degraded !== null && v.degraded !== undefined),
    vaults,
  };
}

/** Starts one loop per worker (see the module comment). */
export function startSupervisor(
  workers: readonly Worker[],
  settings: (w: Worker) => LoopSettings,
): Supervisor {
  const ac = new AbortController();
  const done = Promise.all(workers.map((w) => runOne(w, settings(w), ac.signal))).then(
    () => undefined,
  );
  return {
    async stop() {
      ac.abort();
      await done;
    },
    done,
    health() {
      const stale = Math.max(
        ...workers.map((w) => {
          const st = settings(w);
          return (
            st.staleAfterMs ?? Math.max(3 * (st.maxIntervalMs ?? 10 * st.pollIntervalMs), 30_000)
          );
        }),
      );
      return healthOf(workers, stale, Date.now());
    },
  };
}
