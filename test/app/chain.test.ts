import { expect } from "chai";
import { Contract, id } from "ethers";
import type { Provider } from "ethers";
import { projectAbi } from "../../keeper/src/chain/abis.ts";
import { HISTORY_BLOCKS, readHistory } from "../../app/src/chain.ts";

const VAULT = "0x99bbA657f2BbC93c02D617f8bA121cB8Fc104Acf";
const OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/**
 * A chain of `head + 1` blocks (hashes by fork label) with vault logs, answering the two calls
 * readHistory makes; `ranges` records every eth_getLogs range asked for.
 */
function fakeChain(head: number) {
  const vault = new Contract(VAULT, projectAbi("BallastVault"));
  const chain = {
    head,
    fork: "a",
    logs: [] as {
      blockNumber: number;
      index: number;
      transactionHash: string;
      topics: readonly string[];
      data: string;
    }[],
    ranges: [] as [number, number][],
  };
  const hash = (n: number) => id(`${chain.fork}:${n}`);
  /** A Deposit of `assets` in block `n`. */
  const deposit = (n: number, assets: bigint) => {
    const ev = vault.interface.getEvent("Deposit")!;
    const log = vault.interface.encodeEventLog(ev, [OWNER, OWNER, assets, assets * 10n ** 6n]);
    chain.logs.push({ blockNumber: n, index: 0, transactionHash: hash(n), ...log });
  };
  const provider = {
    getBlock: async (tag: number | "latest") => {
      const n = tag === "latest" ? chain.head : tag;
      return n > chain.head ? null : { number: n, hash: hash(n) };
    },
    getLogs: async (f: { fromBlock: number; toBlock: number }) => {
      chain.ranges.push([f.fromBlock, f.toBlock]);
      return chain.logs.filter((l) => l.blockNumber >= f.fromBlock && l.blockNumber <= f.toBlock);
    },
  } as unknown as Provider;
  return { chain, vault, provider, deposit };
}

describe("app chain: history", function () {
  it("reads the window once, then only the new blocks; a changed chain is read again in full", async function () {
    const head = HISTORY_BLOCKS + 100;
    const { chain, vault, provider, deposit } = fakeChain(head);
    deposit(50, 1n); // before the window
    deposit(head - 10, 2n);
    const first = await readHistory(vault, provider);
    expect(chain.ranges).to.deep.equal([[100, head]]);
    expect(first.toBlock).to.equal(head);
    expect(first.events.map((e) => [e.name, e.blockNumber, e.args.assets])).to.deep.equal([
      ["Deposit", head - 10, 2n],
    ]);

    // nothing new: no eth_getLogs at all
    expect((await readHistory(vault, provider, first)).events).to.deep.equal(first.events);
    expect(chain.ranges).to.have.length(1);

    // three new blocks, one with a deposit: only they are read
    chain.head += 3;
    deposit(head + 2, 3n);
    const second = await readHistory(vault, provider, first);
    expect(chain.ranges[1]).to.deep.equal([head + 1, head + 3]);
    expect(second.events.map((e) => e.args.assets)).to.deep.equal([2n, 3n]);

    // the block the last read ended at was replaced (a reorg): everything again, on the new chain
    chain.fork = "b";
    chain.logs.pop();
    deposit(head + 3, 4n);
    const third = await readHistory(vault, provider, second);
    expect(chain.ranges[2]).to.deep.equal([103, head + 3]);
    expect(third.events.map((e) => e.args.assets)).to.deep.equal([2n, 4n]);

    // a restarted node behind the last read: everything again
    chain.head = 20;
    const fourth = await readHistory(vault, provider, third);
    expect(chain.ranges[3]).to.deep.equal([0, 20]);
    expect(fourth.events).to.deep.equal([]);
  });
});
