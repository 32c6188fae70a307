import { expect } from "chai";
import { contractCall, simulateAndSend } from "../../app/src/tx.ts";
import type { PreparedCall, TxUpdate } from "../../app/src/tx.ts";

interface Fake extends PreparedCall {
  sent: bigint[];
}

function fake(opts: {
  simulate?: () => Promise<unknown>;
  gas?: () => Promise<bigint>;
  send?: () => Promise<never>;
  status?: number | null;
}): Fake {
  const sent: bigint[] = [];
  return {
    label: "Deposit 1 USDC",
    sent,
    simulate: opts.simulate ?? (() => Promise.resolve(1n)),
    estimateGas: opts.gas ?? (() => Promise.resolve(100_000n)),
    send: async (gasLimit) => {
      if (opts.send !== undefined) return opts.send();
      sent.push(gasLimit);
      return { hash: "0xabc", wait: async () => ({ status: opts.status ?? 1 }) };
    },
  };
}

async function run(call: PreparedCall) {
  const phases: TxUpdate["phase"][] = [];
  const res = await simulateAndSend(call, (u) => phases.push(u.phase));
  return { res, phases };
}

describe("app tx: simulate before every transaction", function () {
  it("sends only after the simulation and gas estimate pass, with 20 % gas headroom", async function () {
    const call = fake({});
    const { res, phases } = await run(call);
    expect(res.ok).to.equal(true);
    expect(res.hash).to.equal("0xabc");
    expect(call.sent).to.deep.equal([120_000n]);
    expect(phases).to.deep.equal(["simulating", "signing", "pending", "confirmed"]);
  });

  it("never sends when eth_call reverts, and keeps the revert for decoding", async function () {
    const revert = { data: "0x1234567800" };
    const call = fake({ simulate: () => Promise.reject(revert) });
    const { res, phases } = await run(call);
    expect(res.ok).to.equal(false);
    expect(res.phase).to.equal("reverted");
    expect(res.error).to.equal(revert);
    expect(call.sent).to.deep.equal([]);
    expect(phases).to.deep.equal(["simulating", "reverted"]);
  });

  it("never sends when gas estimation reverts", async function () {
    const call = fake({ gas: () => Promise.reject(new Error("execution reverted")) });
    const { res } = await run(call);
    expect(res.phase).to.equal("reverted");
    expect(call.sent).to.deep.equal([]);
  });

  it("distinguishes a wallet rejection, a send failure and an on-chain revert", async function () {
    const rejected = await run(fake({ send: () => Promise.reject({ code: 4001 }) }));
    expect(rejected.res.phase).to.equal("rejected");
    const failed = await run(fake({ send: () => Promise.reject(new Error("nonce too low")) }));
    expect(failed.res.phase).to.equal("failed");
    const reverted = await run(fake({ status: 0 }));
    expect(reverted.res.ok).to.equal(false);
    expect(reverted.phases).to.deep.equal(["simulating", "signing", "pending", "failed"]);
  });

  it("contractCall passes the same arguments to staticCall, estimateGas and send", async function () {
    const seen: unknown[][] = [];
    const method = {
      staticCall: async (...a: unknown[]) => seen.push(["call", ...a]),
      estimateGas: async (...a: unknown[]) => {
        seen.push(["gas", ...a]);
        return 50n;
      },
      send: async (...a: unknown[]) => {
        seen.push(["send", ...a]);
        return { hash: "0x1", wait: async () => ({ status: 1 }) };
      },
    };
    const res = await simulateAndSend(contractCall("x", method, [7n, "0xme"]), () => undefined);
    expect(res.ok).to.equal(true);
    expect(seen).to.deep.equal([
      ["call", 7n, "0xme"],
      ["gas", 7n, "0xme"],
      ["send", 7n, "0xme", { gasLimit: 60n }],
    ]);
  });
});
