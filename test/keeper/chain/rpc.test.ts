import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { network } from "hardhat";
import { HDNodeWallet, Transaction } from "ethers";
import { RpcClient, RpcUnavailableError, makeProvider } from "../../../keeper/src/chain/rpc.ts";
import { decodeRevertData } from "../../../keeper/src/chain/errors.ts";
import { PreflightError, checkChainId } from "../../../keeper/src/chain/preflight.ts";

/**
 * RpcClient against the in-process Hardhat network behind a faulty JSON-RPC proxy on 127.0.0.1
 * (HTTP 500, timeouts, responses dropped after forwarding, garbage): retries, failover, counters,
 * and the raw-transaction rule (check the hash before re-sending; nothing mined twice).
 */

type Fault = "ok" | "http500" | "timeout" | "drop-after-forward" | "garbage";
const connection = await network.create();
const MNEMONIC = "test test test test test test test test test test test junk";

async function startProxy(faults: Fault[]) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const fault = faults.shift() ?? "ok";
      const p = JSON.parse(body) as { id: number; method: string; params?: unknown[] };
      seen.push(p.method);
      if (fault === "http500") return void res.writeHead(500).end("oops");
      if (fault === "timeout") return; // never answers; closed by closeAllConnections
      if (fault === "garbage") return void res.writeHead(200).end("{not json");
      void connection.provider
        .request({ method: p.method, params: p.params ?? [] })
        .then(
          (result) => ({ jsonrpc: "2.0", id: p.id, result }),
          (e: { code?: number; message?: string; data?: unknown }) => ({
            jsonrpc: "2.0",
            id: p.id,
            error: { code: e.code ?? -32000, message: e.message ?? "error", data: e.data },
          }),
        )
        .then((out) => {
          if (fault === "drop-after-forward") return void req.socket.destroy();
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(out));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("RpcClient with a faulty proxy", function () {
  this.timeout(60_000);
  const proxies: Awaited<ReturnType<typeof startProxy>>[] = [];
  const proxy = async (faults: Fault[]) => {
    const p = await startProxy(faults);
    proxies.push(p);
    return p;
  };
  after(async function () {
    await Promise.all(proxies.map((p) => p.close()));
  });

  it("retries HTTP 500, timeouts and garbage on the same URL with backoff", async function () {
    const a = await proxy(["http500", "timeout", "garbage", "ok"]);
    const c = new RpcClient({ urls: [a.url], timeoutMs: 300, retries: 3, backoffMs: 5 });
    expect(await c.request("eth_chainId")).to.equal("0x7a69");
    const st = c.stats();
    expect(st.retries).to.equal(3);
    expect(st.errorsByUrl[a.url]).to.equal(3);
    expect(st.failovers).to.equal(0);
  });

  it("fails over to the next URL and counts errors per URL; gives up with RpcUnavailableError", async function () {
    const a = await proxy(["http500", "http500", "http500", "http500"]);
    const b = await proxy([]);
    const c = new RpcClient({ urls: [a.url, b.url], retries: 1, backoffMs: 1 });
    expect(await c.request("eth_blockNumber")).to.match(/^0x/);
    expect(c.stats().errorsByUrl).to.deep.equal({ [a.url]: 2, [b.url]: 0 });
    expect(c.stats().failovers).to.equal(1);
    // a is cooling down: the next request goes to b first
    await c.request("eth_blockNumber");
    expect(a.seen.length).to.equal(2);
    const dead = new RpcClient({ urls: [a.url], retries: 0 });
    let err: unknown = null;
    try {
      await dead.request("eth_blockNumber");
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(RpcUnavailableError);
  });

  it("returns JSON-RPC errors (reverts) unchanged, with their data, without retrying", async function () {
    const a = await proxy([]);
    const c = new RpcClient({ urls: [a.url] });
    let err: { data?: unknown } | null = null;
    try {
      // a call to a non-existent method is a JSON-RPC error answer, not a transport error
      await c.request("eth_noSuchMethod");
    } catch (e) {
      err = e as { data?: unknown };
    }
    expect(err).to.not.equal(null);
    expect(c.stats().retries).to.equal(0);
    expect(decodeRevertData(null)).to.equal(null);
  });

  it("never blindly re-sends a raw transaction: a dropped answer is resolved by its hash", async function () {
    const a = await proxy([]);
    const b = await proxy([]);
    const provider = makeProvider([a.url, b.url], 31337n, { retries: 0, backoffMs: 1 });
    const w = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/7").connect(provider);
    const nonce = await provider.getTransactionCount(w.address, "pending");
    const raw = await w.signTransaction(
      Transaction.from({
        type: 2,
        chainId: 31337n,
        nonce,
        to: w.address,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: 10n ** 11n,
        maxPriorityFeePerGas: 10n ** 9n,
      }),
    );
    a.faults.push("drop-after-forward"); // the node gets the bytes, the answer is lost
    const sent = await provider.broadcastTransaction(raw);
    expect(sent.hash).to.equal(Transaction.from(raw).hash);
    const st = provider.client.stats();
    expect(st.rawTxKnown).to.equal(1);
    expect(st.rawTxResent).to.equal(0);
    expect(b.seen).to.include("eth_getTransactionByHash");
    expect(b.seen).to.not.include("eth_sendRawTransaction");
    expect(await provider.getTransactionCount(w.address, "latest")).to.equal(nonce + 1);
    provider.destroy();
  });
});

describe("preflight: every configured RPC URL must serve the configured chain", function () {
  /** A JSON-RPC server that answers eth_chainId with `chainId` (and nothing else). */
  async function chainServer(chainId: bigint) {
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const p = JSON.parse(body) as { id: number };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: p.id, result: `0x${chainId.toString(16)}` }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/v3/secret-key`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it("a fallback URL on another chain is refused naming it (redacted); a silent one is left to failover", async function () {
    const main = await chainServer(31337n);
    const other = await chainServer(1n);
    try {
      const dead = "http://127.0.0.1:1";
      const ok = makeProvider([main.url, dead], 31337n, { retries: 0, timeoutMs: 300 });
      await checkChainId(ok, 31337n, "networks.local.chainId");
      const bad = makeProvider([main.url, other.url], 31337n, { retries: 0, timeoutMs: 300 });
      let err: unknown;
      try {
        await checkChainId(bad, 31337n, "networks.local.chainId");
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(PreflightError);
      expect((err as PreflightError).code).to.equal("CHAIN_ID_MISMATCH");
      expect((err as Error).message).to.match(
        /^networks\.local\.chainId: configured chain id 31337, but the RPC URL http:\/\/127\.0\.0\.1:\d+\/\S+ serves chain 1$/,
      );
      expect((err as Error).message).to.not.include("secret-key");
      ok.destroy();
      bad.destroy();
    } finally {
      await main.close();
      await other.close();
    }
  });
});
