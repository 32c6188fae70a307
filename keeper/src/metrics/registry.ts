/**
 * The keeper's Prometheus metrics on a registry of its own (never prom-client's global default
 * registry): one {@link KeeperMetrics} per process, labelled by vault name and chain id. RPC
 * error counters are copied from each RPC client's `stats()` at scrape time.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RpcStats } from "../chain/rpc.ts";

/** The metric handles of one process. */
export interface KeeperMetrics {
  registry: Registry;
  nav: Gauge;
  weight: Gauge;
  netDelta: Gauge;
  volatility: Gauge;
  healthFactor: Gauge;
  drawdown: Gauge;
  lossBudgetLeft: Gauge;
  lastTick: Gauge;
  triggers: Counter;
  rebalances: Counter;
  rebalanceLatency: Histogram;
  rebalanceGas: Counter;
  tickErrors: Counter;
  rpcErrors: Counter;
  /** Registers an RPC client whose counters are exported under `network`. */
  watchRpc(network: string, stats: () => RpcStats): void;
}

/** Creates the registry and every metric on it. */
export function createMetrics(prefix = "ballast_"): KeeperMetrics {
  const registry = new Registry();
  const v = ["vault", "chain_id"];
  const gauge = (name: string, help: string, labels = v) =>
    new Gauge({ name: prefix + name, help, labelNames: labels, registers: [registry] });
  const rpcSources: { network: string; stats: () => RpcStats }[] = [];
  const seen = new Map<string, number>();
  const rpcErrors = new Counter({
    name: prefix + "rpc_errors_total",
    help: "RPC transport errors per network and URL (from the RPC client's counters)",
    labelNames: ["network", "url"],
    registers: [registry],
    collect() {
      for (const src of rpcSources) {
        for (const [url, n] of Object.entries(src.stats().errorsByUrl)) {
          const key = `${src.network} ${url}`;
          const delta = n - (seen.get(key) ?? 0);
          if (delta > 0) this.inc({ network: src.network, url }, delta);
          else if (!seen.has(key)) this.inc({ network: src.network, url }, 0);
          seen.set(key, n);
        }
      }
    },
  });
  return {
    registry,
    nav: gauge("nav", "Vault NAV in base units (float)"),
    weight: gauge("weight_bps", "Asset weight, bps of NAV", [...v, "asset"]),
    netDelta: gauge("net_delta_bps", "Asset net delta, bps of NAV", [...v, "asset"]),
    volatility: gauge(
      "volatility",
      "Annualised portfolio volatility estimate (0 until enough history)",
    ),
    healthFactor: gauge("health_factor", "Lending health factor (absent without debt)"),
    drawdown: gauge("drawdown_bps", "Price-per-share drawdown from the observed peak, bps"),
    lossBudgetLeft: gauge("loss_budget_left_bps", "Loss budget left, bps of NAV"),
    lastTick: gauge("last_tick_timestamp_seconds", "Unix time of the worker's last completed tick"),
    triggers: new Counter({
      name: prefix + "triggers_fired_total",
      help: "Trigger firings per kind",
      labelNames: [...v, "kind"],
      registers: [registry],
    }),
    rebalances: new Counter({
      name: prefix + "rebalances_total",
      help: "Rebalance submissions by final outcome",
      labelNames: [...v, "status"],
      registers: [registry],
    }),
    rebalanceLatency: new Histogram({
      name: prefix + "rebalance_latency_seconds",
      help: "Trigger detection to mined receipt",
      labelNames: v,
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    rebalanceGas: new Counter({
      name: prefix + "rebalance_gas_used_total",
      help: "Gas used by mined rebalances",
      labelNames: v,
      registers: [registry],
    }),
    tickErrors: new Counter({
      name: prefix + "tick_errors_total",
      help: "Worker ticks that failed (RPC down, unexpected errors)",
      labelNames: v,
      registers: [registry],
    }),
    rpcErrors,
    watchRpc(network, stats) {
      rpcSources.push({ network, stats });
    },
  };
}
