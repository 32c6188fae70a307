/**
 * JSON-RPC over several HTTP endpoints, in fallback order: per-request timeout, bounded retries
 * with exponential backoff on transport errors (network error, timeout, HTTP 5xx/429, malformed
 * or dropped responses), failover to the next URL, a cool-down for failing URLs, and counters for
 * metrics. JSON-RPC error responses (reverts, "nonce too low", …) are answers, not transport
 * failures: they are returned unchanged and never retried.
 *
 * `eth_sendRawTransaction` is never re-sent blindly: after an ambiguous failure (the node may have
 * received the bytes) the client first asks the next endpoint for the transaction by its hash and
 * returns that hash if it is known; otherwise it re-sends (harmless for identical signed bytes)
 * and counts the re-send. `ResilientProvider` plugs the client into ethers v6.
 */
import { JsonRpcApiProvider, Network, keccak256 } from "ethers";
import type {
  JsonRpcApiProviderOptions,
  JsonRpcError,
  JsonRpcPayload,
  JsonRpcResult,
  Networkish,
} from "ethers";

/** A transport failure on one URL (never a JSON-RPC error response). */
export class RpcTransportError extends Error {
  readonly code: "RPC_TRANSPORT";
  readonly url: string;
  readonly status: number | null;

  constructor(url: string, message: string, status: number | null = null) {
    super(`${url}: ${message}`);
    this.name = "RpcTransportError";
    this.code = "RPC_TRANSPORT";
    this.url = url;
    this.status = status;
  }
}

/** Every URL failed every attempt. */
export class RpcUnavailableError extends Error {
  readonly code: "RPC_UNAVAILABLE";
  readonly failures: string[];

  constructor(method: string, failures: string[]) {
    super(`${method}: all RPC endpoints failed (${failures.join("; ")})`);
    this.name = "RpcUnavailableError";
    this.code = "RPC_UNAVAILABLE";
    this.failures = failures;
  }
}

/** Something the client did that a metrics/log sink may want to see. */
export type RpcEvent =
  | { kind: "retry"; url: string; method: string; attempt: number; error: string }
  | { kind: "failover"; from: string; to: string; method: string }
  | { kind: "raw-tx-known"; url: string; hash: string }
  | { kind: "raw-tx-resent"; url: string; hash: string };

/** Options of {@link RpcClient}. */
export interface RpcClientOptions {
  /** Endpoints in fallback order (at least one). */
  urls: readonly string[];
  /** Per-request timeout (default 10 000 ms). */
  timeoutMs?: number;
  /** Extra attempts on the same URL after a transport error (default 2). */
  retries?: number;
  /** First backoff delay; doubles per attempt (default 100 ms). */
  backoffMs?: number;
  /** Backoff ceiling (default 2 000 ms). */
  maxBackoffMs?: number;
  /** A failing URL is tried last for this long (default 30 000 ms). */
  cooldownMs?: number;
  /** Injected for tests (default global fetch). */
  fetch?: typeof fetch;
  /** Injected clock (default Date.now). */
  now?: () => number;
  /** Event sink (logs/metrics). */
  onEvent?: (e: RpcEvent) => void;
}

/** Counters for metrics. */
export interface RpcStats {
  requests: number;
  retries: number;
  failovers: number;
  /** Transport errors per URL. */
  errorsByUrl: Record<string, number>;
  /** Raw transactions found already known after an ambiguous failure (not re-sent). */
  rawTxKnown: number;
  /** Raw transactions re-sent after an ambiguous failure (identical bytes; harmless). */
  rawTxResent: number;
}

type Answer = JsonRpcResult | JsonRpcError;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isAnswer(x: unknown): x is Answer {
  return typeof x === "object" && x !== null && "id" in x && ("result" in x || "error" in x);
}

/** JSON-RPC client over several URLs; see the module comment. */
export class RpcClient {
  readonly urls: readonly string[];
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly cooldownMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly onEvent: (e: RpcEvent) => void;
  private readonly failedAt = new Map<string, number>();
  private readonly counters: RpcStats;
  private nextId = 1;

  constructor(opts: RpcClientOptions) {
    if (opts.urls.length === 0) throw new RpcUnavailableError("init", ["no RPC URL configured"]);
    this.urls = [...opts.urls];
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.retries = opts.retries ?? 2;
    this.backoffMs = opts.backoffMs ?? 100;
    this.maxBackoffMs = opts.maxBackoffMs ?? 2_000;
    this.cooldownMs = opts.cooldownMs ?? 30_000;
    this.fetchFn = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
    this.onEvent = opts.onEvent ?? (() => undefined);
    this.counters = {
      requests: 0,
      retries: 0,
      failovers: 0,
      errorsByUrl: Object.fromEntries(this.urls.map((u) => [u, 0])),
      rawTxKnown: 0,
      rawTxResent: 0,
    };
  }

  /** A copy of the counters. */
  stats(): RpcStats {
    return { ...this.counters, errorsByUrl: { ...this.counters.errorsByUrl } };
  }

  /** URLs in the order to try now: healthy ones in configured order, cooling ones last. */
  private order(): string[] {
    const t = this.now();
    const healthy = this.urls.filter(
      (u) => (this.failedAt.get(u) ?? -Infinity) + this.cooldownMs <= t,
    );
    const cooling = this.urls.filter((u) => !healthy.includes(u));
    return [...healthy, ...cooling];
  }

  /** One HTTP POST with the timeout; throws RpcTransportError on any transport problem. */
  private async post(url: string, body: unknown): Promise<unknown> {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.timeoutMs);
    try {
      const res = await this.fetchFn(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: ctrl.signal,
      });
      const text = await res.text();
      if (!res.ok) throw new RpcTransportError(url, `HTTP ${res.status}`, res.status);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new RpcTransportError(url, `malformed response (${text.length} bytes)`, res.status);
      }
    } catch (e) {
      if (e instanceof RpcTransportError) throw e;
      const msg = ctrl.signal.aborted ? `timeout after ${this.timeoutMs} ms` : String(e);
      throw new RpcTransportError(url, msg);
    } finally {
      clearTimeout(timer);
    }
  }

  private fail(url: string): void {
    this.counters.errorsByUrl[url] = (this.counters.errorsByUrl[url] ?? 0) + 1;
    this.failedAt.set(url, this.now());
  }

  /** POSTs `body` to `url`, validating the answer shape against `ids`. */
  private async attempt(url: string, body: JsonRpcPayload | JsonRpcPayload[]): Promise<Answer[]> {
    const raw = await this.post(url, body);
    const list = Array.isArray(raw) ? raw : [raw];
    const want = Array.isArray(body) ? body.map((p) => p.id) : [body.id];
    if (!list.every(isAnswer)) throw new RpcTransportError(url, "response is not JSON-RPC");
    const byId = new Map(list.map((a) => [a.id, a]));
    const out = want.map((id) => byId.get(id));
    if (out.some((a) => a === undefined)) throw new RpcTransportError(url, "response ids missing");
    return out as Answer[];
  }

  /**
   * `eth_chainId` of every configured URL on its own (no retry, no failover), in configured
   * order: the chain id, or the error of a URL that does not answer.
   */
  async chainIdsByUrl(): Promise<{ url: string; chainId: bigint | null; error: string | null }[]> {
    return Promise.all(
      this.urls.map(async (url) => {
        try {
          const [ans] = await this.attempt(url, {
            id: this.nextId++,
            jsonrpc: "2.0",
            method: "eth_chainId",
            params: [],
          });
          if (!("result" in ans)) return { url, chainId: null, error: JSON.stringify(ans.error) };
          return { url, chainId: BigInt(ans.result as string), error: null };
        } catch (e) {
          return { url, chainId: null, error: String((e as Error).message) };
        }
      }),
    );
  }

  /** Retries/failover loop for idempotent requests. */
  private async withFailover(
    method: string,
    body: JsonRpcPayload | JsonRpcPayload[],
  ): Promise<Answer[]> {
    const failures: string[] = [];
    const urls = this.order();
    for (const [u, url] of urls.entries()) {
      if (u > 0) {
        this.counters.failovers++;
        this.onEvent({ kind: "failover", from: urls[u - 1], to: url, method });
      }
      for (let a = 0; a <= this.retries; a++) {
        try {
          const out = await this.attempt(url, body);
          this.failedAt.delete(url);
          return out;
        } catch (e) {
          this.fail(url);
          failures.push(String((e as Error).message));
          if (a < this.retries) {
            this.counters.retries++;
            this.onEvent({ kind: "retry", url, method, attempt: a + 1, error: String(e) });
            await sleep(Math.min(this.maxBackoffMs, this.backoffMs * 2 ** a));
          }
        }
      }
    }
    throw new RpcUnavailableError(method, failures);
  }

  /** `eth_sendRawTransaction` with the "check the hash before re-sending" rule. */
  private async sendRaw(p: JsonRpcPayload): Promise<Answer> {
    const raw = (p.params as unknown[])[0] as string;
    const hash = keccak256(raw);
    const failures: string[] = [];
    let ambiguous = false;
    const urls = this.order();
    for (const [u, url] of urls.entries()) {
      if (u > 0) {
        this.counters.failovers++;
        this.onEvent({ kind: "failover", from: urls[u - 1], to: url, method: p.method });
      }
      for (let a = 0; a <= this.retries; a++) {
        try {
          if (ambiguous) {
            const [known] = await this.attempt(url, {
              id: this.nextId++,
              jsonrpc: "2.0",
              method: "eth_getTransactionByHash",
              params: [hash],
            });
            if ("result" in known && known.result !== null) {
              this.counters.rawTxKnown++;
              this.onEvent({ kind: "raw-tx-known", url, hash });
              return { id: p.id, result: hash };
            }
            this.counters.rawTxResent++;
            this.onEvent({ kind: "raw-tx-resent", url, hash });
          }
          const [ans] = await this.attempt(url, p);
          this.failedAt.delete(url);
          if (
            ambiguous &&
            "error" in ans &&
            /already known|known transaction/i.test(ans.error.message ?? "")
          ) {
            return { id: p.id, result: hash };
          }
          return ans;
        } catch (e) {
          this.fail(url);
          ambiguous = true;
          failures.push(String((e as Error).message));
          if (a < this.retries) {
            this.counters.retries++;
            this.onEvent({
              kind: "retry",
              url,
              method: p.method,
              attempt: a + 1,
              error: String(e),
            });
            await sleep(Math.min(this.maxBackoffMs, this.backoffMs * 2 ** a));
          }
        }
      }
    }
    throw new RpcUnavailableError(p.method, failures);
  }

  /** Sends one payload or a batch; answers in payload order. */
  async send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<Answer[]> {
    const list = Array.isArray(payload) ? payload : [payload];
    this.counters.requests += list.length;
    const raws = list.filter((p) => p.method === "eth_sendRawTransaction");
    const rest = list.filter((p) => p.method !== "eth_sendRawTransaction");
    const answers = new Map<number, Answer>();
    const tasks: Promise<void>[] = raws.map(async (p) => {
      answers.set(p.id, await this.sendRaw(p));
    });
    if (rest.length > 0) {
      tasks.push(
        this.withFailover(
          rest.map((p) => p.method).join(","),
          rest.length === 1 ? rest[0] : rest,
        ).then((out) => out.forEach((a) => answers.set(a.id, a))),
      );
    }
    await Promise.all(tasks);
    return list.map((p) => answers.get(p.id) as Answer);
  }

  /** Convenience: one call; throws the JSON-RPC error (with `code`/`data`) if the node answers one. */
  async request(method: string, params: unknown[] = []): Promise<unknown> {
    const [a] = await this.send({ id: this.nextId++, jsonrpc: "2.0", method, params });
    if ("error" in a) {
      const err = new Error(a.error.message) as Error & { code?: number; data?: unknown };
      err.code = a.error.code;
      err.data = a.error.data;
      throw err;
    }
    return a.result;
  }
}

/** ethers v6 provider on top of an {@link RpcClient}. */
export class ResilientProvider extends JsonRpcApiProvider {
  readonly client: RpcClient;

  constructor(client: RpcClient, network?: Networkish, options: JsonRpcApiProviderOptions = {}) {
    const staticNetwork = network === undefined ? undefined : Network.from(network);
    super(network, { staticNetwork, ...options });
    this.client = client;
  }

  /** Transport hook of JsonRpcApiProvider. */
  async _send(
    payload: JsonRpcPayload | JsonRpcPayload[],
  ): Promise<(JsonRpcResult | JsonRpcError)[]> {
    return this.client.send(payload);
  }
}

/** Builds a provider over `urls` (fallback order); `chainId` pins the network (no eth_chainId polling). */
export function makeProvider(
  urls: readonly string[],
  chainId?: bigint | number,
  opts: Omit<RpcClientOptions, "urls"> = {},
): ResilientProvider {
  const client = new RpcClient({ ...opts, urls });
  // cacheTimeout -1: no 250 ms request cache (a keeper must never read a stale "latest" block)
  return new ResilientProvider(client, chainId === undefined ? undefined : Number(chainId), {
    pollingInterval: 500,
    cacheTimeout: -1,
  });
}
