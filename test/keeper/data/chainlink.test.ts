import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import {
  composeRoundId,
  scaleAnswer,
  splitRoundId,
  walkRounds,
} from "../../../keeper/src/data/chainlink.ts";
import type { RoundData } from "../../../keeper/src/data/chainlink.ts";
import { DataError } from "../../../keeper/src/data/types.ts";

/** In-memory feed: phase `phase`, aggregator rounds `first..last`, one round per hour. */
function mockFeed(opts: {
  phase: bigint;
  first: bigint;
  last: bigint;
  t0: number;
  missing?: bigint[];
  zeroUpdated?: bigint[];
  overrides?: Record<string, Partial<RoundData>>;
}) {
  const calls: bigint[] = [];
  const read = async (roundId: bigint): Promise<RoundData> => {
    calls.push(roundId);
    const { phaseId, aggregatorRoundId: a } = splitRoundId(roundId);
    if (phaseId !== opts.phase || a < opts.first || a > opts.last || opts.missing?.includes(a)) {
      throw new Error("No data present");
    }
    const t = BigInt(opts.t0 + Number(a) * 3600);
    const base: RoundData = {
      roundId,
      answer: 2000_00000000n + a * 1_00000000n, // 8 decimals: 2000 + a USD
      startedAt: t,
      updatedAt: opts.zeroUpdated?.includes(a) ? 0n : t,
      answeredInRound: roundId,
    };
    return { ...base, ...(opts.overrides?.[a.toString()] ?? {}) };
  };
  return { read, calls };
}

describe("data/chainlink", () => {
  it("splits and composes phase round ids", () => {
    const id = (5n << 64n) | 1234n;
    expect(splitRoundId(id)).to.deep.equal({ phaseId: 5n, aggregatorRoundId: 1234n });
    expect(composeRoundId(5n, 1234n)).to.equal(id);
    // a real ETH/USD proxy round id: phase 6
    expect(splitRoundId(110680464442257320247n).phaseId).to.equal(6n);
    expect(() => composeRoundId(1n, 1n << 64n)).to.throw(DataError);
  });

  it("scales answers with the feed decimals, also beyond 2^53", () => {
    expect(scaleAnswer(2000_12345678n, 8)).to.equal(2000.12345678);
    expect(scaleAnswer(-150000000n, 8)).to.equal(-1.5);
    expect(scaleAnswer(123456789012345678901234n, 18)).to.be.closeTo(123456.78901234567, 1e-9);
    expect(scaleAnswer(42n, 0)).to.equal(42);
    expect(() => scaleAnswer(1n, -1)).to.throw(DataError);
  });

  it("walks back within the phase and stops at the phase start", async () => {
    const phase = 3n;
    const feed = mockFeed({ phase, first: 1n, last: 10n, t0: 1_700_000_000 });
    const res = await walkRounds(feed.read, {
      latestRoundId: composeRoundId(phase, 10n),
      maxRounds: 100,
      decimals: 8,
    });
    expect(res.stoppedBecause).to.equal("phaseStart");
    expect(res.phaseId).to.equal(phase);
    expect(res.points).to.have.length(10);
    expect(res.points[0]).to.deep.equal({ t: 1_700_000_000 + 3600, price: 2001 });
    expect(res.points[9]).to.deep.equal({ t: 1_700_000_000 + 36000, price: 2010 });
    // never asked for a round of another phase
    expect(feed.calls.every((c) => splitRoundId(c).phaseId === phase)).to.equal(true);
    expect(feed.calls).to.have.length(10);
  });

  it("stops at a missing round (revert or updatedAt = 0)", async () => {
    const a = mockFeed({ phase: 2n, first: 1n, last: 20n, t0: 0, missing: [15n] });
    const ra = await walkRounds(a.read, {
      latestRoundId: composeRoundId(2n, 20n),
      maxRounds: 100,
      decimals: 8,
    });
    expect(ra.stoppedBecause).to.equal("missingRound");
    expect(ra.missingRoundId).to.equal(composeRoundId(2n, 15n));
    expect(ra.points.map((p) => p.price)).to.deep.equal([2016, 2017, 2018, 2019, 2020]);
    const b = mockFeed({ phase: 2n, first: 1n, last: 20n, t0: 0, zeroUpdated: [18n] });
    const rb = await walkRounds(b.read, {
      latestRoundId: composeRoundId(2n, 20n),
      maxRounds: 100,
      decimals: 8,
    });
    expect(rb.stoppedBecause).to.equal("missingRound");
    expect(rb.points).to.have.length(2);
  });

  it("honours maxRounds and since", async () => {
    const f = mockFeed({ phase: 1n, first: 1n, last: 100n, t0: 0 });
    const r1 = await walkRounds(f.read, {
      latestRoundId: composeRoundId(1n, 100n),
      maxRounds: 7,
      decimals: 8,
    });
    expect(r1.stoppedBecause).to.equal("maxRounds");
    expect(r1.points).to.have.length(7);
    const r2 = await walkRounds(f.read, {
      latestRoundId: composeRoundId(1n, 100n),
      maxRounds: 1000,
      since: 95 * 3600,
      decimals: 8,
    });
    expect(r2.stoppedBecause).to.equal("since");
    expect(r2.points.map((p) => p.t / 3600)).to.deep.equal([95, 96, 97, 98, 99, 100]);
  });

  it("rejects non-positive and stale answers from the points but keeps them in rounds", async () => {
    const phase = 1n;
    const f = mockFeed({
      phase,
      first: 1n,
      last: 5n,
      t0: 0,
      overrides: {
        "4": { answer: 0n },
        "3": { answeredInRound: composeRoundId(phase, 2n) },
      },
    });
    const r = await walkRounds(f.read, {
      latestRoundId: composeRoundId(phase, 5n),
      maxRounds: 10,
      decimals: 8,
    });
    expect(r.rounds).to.have.length(5);
    expect(r.rejected.map((x) => x.reason)).to.deep.equal(["non-positive-answer", "stale"]);
    expect(r.points.map((p) => p.price)).to.deep.equal([2001, 2002, 2005]);
  });

  it("validates its arguments", async () => {
    const f = mockFeed({ phase: 1n, first: 1n, last: 5n, t0: 0 });
    let err: unknown;
    try {
      await walkRounds(f.read, {
        latestRoundId: composeRoundId(1n, 5n),
        maxRounds: -1,
        decimals: 8,
      });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(DataError);
  });
});
