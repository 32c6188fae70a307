/**
 * Shared plumbing of the keeper's chain-edge tests (no side effects on import): the keeper talks
 * JSON-RPC over HTTP like it does in production, answered by Hardhat's in-process network —
 * through a pass-through HTTP proxy on 127.0.0.1, or a `fetch` that calls the network directly
 * (no socket). Plus Hardhat's default accounts as ethers wallets and bigint-safe JSON.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { HDNodeWallet } from "ethers";
import type { Contract, Provider } from "ethers";

/** Hardhat's default mnemonic. */
export const MNEMONIC = "test test test test test test test test test test test junk";

/** The EIP-1193 side of a Hardhat network connection. */
export interface Eip1193 {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
}

interface RpcRequest {
  id: number;
  method: string;
  params?: unknown[];
}

/** Hardhat default account `i` as a wallet on `provider`. */
export function walletAt(i: number, provider: Provider): HDNodeWallet {
  return HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
}

/** Ignition-typed contracts called through ethers' dynamic Contract. */
export function dyn(c: unknown): Contract {
  return c as Contract;
}

/** JSON.stringify with bigints as decimal strings (assertion messages, logs). */
export function js(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
}

/** Answers one JSON-RPC request (or a batch, as text) against `node`; errors keep code and data. */
export async function answerRpc(node: Eip1193, body: string): Promise<string> {
  const one = async (p: RpcRequest) => {
    try {
      const result = await node.request({ method: p.method, params: p.params ?? [] });
      return { jsonrpc: "2.0", id: p.id, result };
    } catch (e) {
      const err = e as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: p.id,
        error: { code: err.code ?? -32000, message: err.message ?? String(e), data: err.data },
      };
    }
  };
  const parsed = JSON.parse(body) as unknown;
  const out = Array.isArray(parsed)
    ? await Promise.all((parsed as RpcRequest[]).map(one))
    : await one(parsed as RpcRequest);
  return JSON.stringify(out, (_k, v: unknown) =>
    typeof v === "bigint" ? `0x${v.toString(16)}` : v,
  );
}

/** Pass-through JSON-RPC proxy on 127.0.0.1 (random port) to `node`; `close` ends it. */
export async function startRpcProxy(
  node: Eip1193,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      void answerRpc(node, body).then((out) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(out);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A `fetch` that answers JSON-RPC bodies straight from `node` (no socket). */
export function inProcessFetch(node: Eip1193): typeof fetch {
  return (async (_url: unknown, init?: { body?: unknown }) =>
    new Response(await answerRpc(node, String(init?.body)), {
      status: 200,
      headers: { "content-type": "application/json" },
    })) as typeof fetch;
}

/** Polls `cond` every 50 ms until true; throws naming `what` after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs before a JSON-RPC call reaches the node; may return a callback run once it answered. */
export type RpcHook = (method: string, params: unknown[]) => Promise<(() => void) | void>;

/** `node` with `hook` around every request (fault and race injection). */
export function hookedNode(node: Eip1193, hook: RpcHook): Eip1193 {
  return {
    async request(args) {
      const params = Array.isArray(args.params) ? (args.params as unknown[]) : [];
      const answered = await hook(args.method, params);
      try {
        return await node.request(args);
      } finally {
        answered?.();
      }
    },
  };
}
