import { expect } from "chai";
import { makeError } from "ethers";
import { isContractAnswer } from "../../../keeper/src/chain/errors.ts";

describe("chain/errors isContractAnswer: the contract's answer vs the node's failure", function () {
  const call = { to: "0x0000000000000000000000000000000000000001", data: "0x" };

  it("a revert (revert data, even empty) and an undecodable result are the contract's answer", function () {
    const reverted = makeError("execution reverted", "CALL_EXCEPTION", {
      action: "call",
      data: "0x",
      reason: null,
      transaction: call,
      invocation: null,
      revert: null,
    });
    expect(isContractAnswer(reverted)).to.equal(true);
    const bad = makeError("could not decode result data", "BAD_DATA", { value: "0x" });
    expect(isContractAnswer(bad)).to.equal(true);
  });

  it("an eth_call error without revert data (rate limit, missing header) is the node's", function () {
    const node = makeError("missing revert data", "CALL_EXCEPTION", {
      action: "call",
      data: null,
      reason: null,
      transaction: call,
      invocation: null,
      revert: null,
    });
    expect(isContractAnswer(node)).to.equal(false);
    expect(
      isContractAnswer(makeError("timeout", "TIMEOUT", { operation: "call", reason: "timeout" })),
    ).to.equal(false);
    expect(isContractAnswer(new Error("socket hang up"))).to.equal(false);
  });
});
