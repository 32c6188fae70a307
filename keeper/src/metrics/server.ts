/**
 * HTTP endpoint of the keeper: `GET /metrics` (Prometheus text from the process's registry) and
 * `GET /healthz` (200 with per-vault status when every worker ticked recently, 503 otherwise; a
 * vault whose NAV is unavailable is reported `degraded` with the reason, without changing the code).
 * Binds to 127.0.0.1 unless told otherwise; port 0 picks a free port.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** Health of one worker as /healthz reports it. */
export interface WorkerHealth {
  name: string;
  chainId: string;
  healthy: boolean;
  lastTickAt: number | null;
  ageMs: number | null;
  consecutiveErrors: number;
  lastError: string | null;
  lastBlock: number | null;
  /**
   * Why the vault is degraded (its NAV unavailable: a feed fails), else null. The keeper still
   * ticks, so this does not make it unhealthy (/healthz status stays 200).
   */
  degraded?: string | null;
}

/** The whole /healthz body. */
export interface HealthReport {
  healthy: boolean;
  /** True when any vault is degraded (see {@link WorkerHealth.degraded}). */
  degraded?: boolean;
  vaults: WorkerHealth[];
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  registry: Registry;
  health: () => HealthReport;
  host?: string;
  port?: number;
}

/** A running server. */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the server (see the module comment). */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const route = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405).end();
      return;
    }
    if (route === "/metrics") {
      opts.registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": opts.registry.contentType });
          res.end(text);
        },
        (e: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(String((e as Error).message));
        },
      );
      return;
    }
    if (route === "/healthz") {
      const h = opts.health();
      res.writeHead(h.healthy ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify(h));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
