import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Interface } from "ethers";
import type { InterfaceAbi } from "ethers";
import {
  describeFeedFailure,
  explainRevert,
  extractRevertData,
  feedStatusRevert,
  formatRevert,
  makeDecoder,
  reportError,
} from "../../app/src/errors.ts";
import type { ErrorContext } from "../../app/src/errors.ts";
import { errorAbis, loadAbis } from "../../app/src/chain.ts";
import { ABI_FILES } from "../../scripts/app.ts";

/** The ABIs exactly as the page's server serves them (Hardhat artifacts, OpenZeppelin build). */
function abi(name: string): InterfaceAbi {
  const file = path.resolve(process.cwd(), ABI_FILES[name]);
  return (JSON.parse(readFileSync(file, "utf8")) as { abi: InterfaceAbi }).abi;
}

const CTX: ErrorContext = {
  baseSymbol: "USDC",
  baseDecimals: 6,
  shareSymbol: "bUSDC",
  shareDecimals: 12,
};
const OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const FEED = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("app errors: decoding real vault errors", function () {
  const vault = new Interface(abi("BallastVault"));
  const lens = new Interface(abi("BallastLens"));
  const decode = makeDecoder([
    abi("BallastVault"),
    abi("BallastLens"),
    abi("ConfigLib"),
    abi("ERC20"),
  ]);

  it("decodes every custom error of the vault, its module and linked libraries (as the page loads them)", async function () {
    const page = await loadAbis(async (url) => abi(/^\/abi\/(\w+)\.json$/.exec(url)![1]));
    const pageDecode = makeDecoder(errorAbis(page));
    // every artifact whose errors can reach a depositor's or relayer's call (plan-format.md §10)
    const sources = [
      "artifacts/contracts/BallastVault.sol/BallastVault.json",
      "artifacts/contracts/VaultModule.sol/VaultModule.json",
      "artifacts/contracts/VaultRebalancer.sol/VaultRebalancer.json",
      ...[
        "ConfigLib",
        "RebalanceLib",
        "PriceLib",
        "PlanHashing",
        "OracleLib",
        "RiskChecks",
        "LossBudget",
      ].map((l) => `artifacts/contracts/libraries/${l}.sol/${l}.json`),
    ];
    let count = 0;
    for (const file of sources) {
      const iface = new Interface(
        (JSON.parse(readFileSync(path.resolve(file), "utf8")) as { abi: InterfaceAbi }).abi,
      );
      iface.forEachError((e) => {
        const values = e.inputs.map((p) =>
          p.type === "address"
            ? OWNER
            : p.type === "bool"
              ? true
              : p.type.startsWith("bytes") && p.type !== "bytes"
                ? `0x${"11".repeat(Number(p.type.slice(5)))}`
                : p.type === "bytes"
                  ? "0x1234"
                  : p.type === "string"
                    ? "x"
                    : 7n,
        );
        const d = pageDecode(iface.encodeErrorResult(e, values));
        expect(d?.name, `${file}: ${e.format()}`).to.equal(e.name);
        expect(d?.args.map((a) => a.name)).to.deep.equal(e.inputs.map((p) => p.name));
        count++;
      });
    }
    expect(count).to.be.greaterThan(60);
  });

  it("decodes ERC4626ExceededMaxWithdraw with its values and explains it in base units", function () {
    const data = vault.encodeErrorResult("ERC4626ExceededMaxWithdraw", [
      OWNER,
      5_000_000_000n,
      599_400_000n,
    ]);
    const d = decode(data);
    expect(d?.name).to.equal("ERC4626ExceededMaxWithdraw");
    expect(d?.args.map((a) => a.name)).to.deep.equal(["owner", "assets", "max"]);
    expect(formatRevert(d!)).to.equal(
      `ERC4626ExceededMaxWithdraw(owner=${OWNER}, assets=5000000000, max=599400000)`,
    );
    const text = explainRevert(d!, CTX);
    expect(text).to.include("at most 599.4 USDC");
    expect(text).to.include("asked for 5,000 USDC");
  });

  it("decodes the oracle errors (declared by the lens and the linked libraries)", function () {
    const stale = lens.encodeErrorResult("OracleStale", [
      FEED,
      1_700_000_000n,
      3600n,
      1_700_010_000n,
    ]);
    const d = decode(stale);
    expect(d?.name).to.equal("OracleStale");
    expect(formatRevert(d!)).to.include("heartbeat=3600");
    expect(explainRevert(d!, CTX)).to.include("2023-11-14T22:13:20.000Z");
    const band = lens.encodeErrorResult("OraclePriceOutOfBand", [FEED, -5n, 1n, 10n]);
    expect(formatRevert(decode(band)!)).to.equal(
      `OraclePriceOutOfBand(feed=${FEED}, answer=-5, minPrice=1, maxPrice=10)`,
    );
  });

  it("says which feed fails and how, in words, keeping the decoded error for reference", function () {
    const labels = { [FEED.toLowerCase()]: "WETH/USD feed" };
    const stale = decode(
      lens.encodeErrorResult("OracleStale", [FEED, 1_700_000_000n, 86_400n, 1_700_200_000n]),
    );
    expect(describeFeedFailure(stale, labels)).to.equal(
      "the WETH/USD feed is stale: its last answer is from 2023-11-14T22:13:20Z, older than its " +
        `heartbeat of 1 d [OracleStale(feed=${FEED}, updatedAt=1700000000, heartbeat=86400, nowTs=1700200000)]`,
    );
    const band = decode(lens.encodeErrorResult("OraclePriceOutOfBand", [OWNER, -5n, 1n, 10n]));
    expect(describeFeedFailure(band, labels)).to.match(
      new RegExp(`^the feed ${OWNER} answers -5, outside its accepted band 1–10 \\[`),
    );
    const seq = decode(
      lens.encodeErrorResult("SequencerGracePeriodNotOver", [FEED, 1_700_000_000n, 3600n]),
    );
    expect(describeFeedFailure(seq, labels)).to.match(
      /^the L2 sequencer restarted at 2023-11-14T22:13:20Z and its grace period of 1 h is not over \[/,
    );
    const silent = decode(lens.encodeErrorResult("OracleCallFailed", [FEED]));
    expect(describeFeedFailure(silent, labels)).to.equal(
      `the WETH/USD feed does not answer (its call fails) [OracleCallFailed(feed=${FEED})]`,
    );
    expect(describeFeedFailure(null, labels)).to.equal(
      "a price check failed with an unknown error",
    );
  });

  it("words a tryAssetStates feed status as the revert OracleLib.price raises for it (same name, selector, arguments, text)", function () {
    const labels = { [FEED.toLowerCase()]: "WBTC/USD feed" };
    const f = {
      feed: FEED,
      answer: -7n,
      updatedAt: 1_700_000_000n,
      heartbeat: 86_400n,
      minPrice: 5n,
      maxPrice: 10n,
      nowTs: 1_700_200_000n,
    };
    const cases: [bigint, string, unknown[]][] = [
      [1n, "OracleAnswerNotPositive", [FEED, -7n]],
      [2n, "OracleStale", [FEED, 1_700_000_000n, 86_400n, 1_700_200_000n]],
      [3n, "OraclePriceOutOfBand", [FEED, -7n, 5n, 10n]],
      [4n, "OracleCallFailed", [FEED]],
    ];
    for (const [status, name, args] of cases) {
      const real = decode(lens.encodeErrorResult(name, args));
      const made = feedStatusRevert({ ...f, status });
      expect(made, name).to.deep.equal(real);
      expect(describeFeedFailure(made, labels)).to.equal(describeFeedFailure(real, labels));
    }
    expect(describeFeedFailure(feedStatusRevert({ ...f, status: 2n }), labels)).to.match(
      /^the WBTC\/USD feed is stale: its last answer is from 2023-11-14T22:13:20Z/,
    );
    expect(feedStatusRevert({ ...f, status: 0n })).to.equal(null);
    expect(feedStatusRevert({ ...f, status: 9n })).to.equal(null);
  });

  it("decodes share-denominated, pause, redemption and shutdown errors", function () {
    const redeem = decode(
      vault.encodeErrorResult("ERC4626ExceededMaxRedeem", [OWNER, 2n * 10n ** 12n, 10n ** 12n]),
    );
    expect(explainRevert(redeem!, CTX)).to.include("at most 1 bUSDC");
    expect(decode(vault.encodeErrorResult("EnforcedPause", []))?.name).to.equal("EnforcedPause");
    expect(decode(vault.encodeErrorResult("NotShutDown", []))?.name).to.equal("NotShutDown");
    const open = decode(
      new Interface(abi("ConfigLib")).encodeErrorResult("LendingPositionOpen", [5_000_000n, 7n]),
    );
    expect(explainRevert(open!, CTX)).to.include("collateral 5 USDC");
    const allowance = decode(
      vault.encodeErrorResult("ERC20InsufficientAllowance", [OWNER, 0n, 1_000_000_000n]),
    );
    expect(explainRevert(allowance!, CTX)).to.equal(
      "Allowance too low: 0 USDC approved, 1,000 USDC needed.",
    );
    // the same ERC-20 error about the vault's own share token (redeem, requestRedeem, exit)
    const shareBalance = decode(
      vault.encodeErrorResult("ERC20InsufficientBalance", [OWNER, 10n ** 12n, 25n * 10n ** 11n]),
    );
    expect(explainRevert(shareBalance!, { ...CTX, erc20Unit: "share" })).to.equal(
      "Balance too low: 1 bUSDC available, 2.5 bUSDC needed.",
    );
    const none = decode(vault.encodeErrorResult("NoPendingRequest", [OWNER]));
    expect(explainRevert(none!, CTX)).to.include("no pending redemption request to cancel");
    const locked = decode(
      vault.encodeErrorResult("RedeemRequestLocked", [OWNER, 3n, 1_700_000_000n + 3n * 86_400n]),
    );
    expect(formatRevert(locked!)).to.equal(
      `RedeemRequestLocked(controller=${OWNER}, epoch=3, unlocksAt=1700259200)`,
    );
    expect(explainRevert(locked!, CTX)).to.equal(
      "Your redemption request (epoch 3) is locked until 2023-11-17T22:13:20Z: a fulfilment found the queue " +
        "larger than the idle funds, so it waits to be fulfilled at the next rebalance. You can cancel it " +
        "from then on (at once if the vault is shut down).",
    );
    const notController = decode(vault.encodeErrorResult("NotController", [OWNER, FEED]));
    expect(explainRevert(notController!, CTX)).to.equal(
      `Only the request's controller ${FEED} (or an operator it approved) can act on it; this call came from ${OWNER}.`,
    );
  });

  it("decodes Error(string) and Panic(uint256); unknown selectors and junk give null", function () {
    const std = new Interface(["error Error(string)", "error Panic(uint256)"]);
    const e = decode(std.encodeErrorResult("Error", ["nope"]));
    expect(explainRevert(e!, CTX)).to.equal("Reverted: nope");
    const p = decode(std.encodeErrorResult("Panic", [0x11n]));
    expect(explainRevert(p!, CTX)).to.include("0x11");
    expect(decode("0xdeadbeef")).to.equal(null);
    expect(decode("0x12")).to.equal(null);
    expect(decode(null)).to.equal(null);
    // a known selector with truncated arguments does not throw
    const data = vault.encodeErrorResult("ERC4626ExceededMaxWithdraw", [OWNER, 1n, 2n]);
    expect(decode(data.slice(0, 20))).to.equal(null);
  });

  it("finds revert data nested in ethers / JSON-RPC / wallet errors", function () {
    const data = vault.encodeErrorResult("ZeroShares", []);
    expect(extractRevertData({ data })).to.equal(data);
    expect(extractRevertData({ info: { error: { data } } })).to.equal(data);
    expect(extractRevertData({ error: { data: { data } } })).to.equal(data);
    expect(extractRevertData({ cause: { cause: { data } } })).to.equal(data);
    // MetaMask: { code: -32603, data: { originalError: { code: 3, data } } }
    expect(
      extractRevertData({ code: -32603, data: { originalError: { code: 3, data } } }),
    ).to.equal(data);
    expect(extractRevertData({ data: "0x" })).to.equal(null);
    expect(extractRevertData(new Error("plain"))).to.equal(null);
  });

  it("reports wallet rejections, decoded reverts, unknown reverts and plain messages", function () {
    const data = vault.encodeErrorResult("ERC4626ExceededMaxDeposit", [OWNER, 2_000_000n, 0n]);
    const r = reportError(
      { shortMessage: "execution reverted", info: { error: { data } } },
      decode,
      CTX,
    );
    expect(r.decoded).to.equal(
      `ERC4626ExceededMaxDeposit(receiver=${OWNER}, assets=2000000, max=0)`,
    );
    expect(r.message).to.include("at most 0 USDC");
    expect(reportError({ code: "ACTION_REJECTED" }, decode, CTX).rejected).to.equal(true);
    expect(reportError({ error: { code: 4001 } }, decode, CTX).message).to.include("declined");
    expect(reportError({ data: "0xdeadbeef00" }, decode, CTX).message).to.include("0xdeadbeef");
    expect(reportError(new Error("network down"), decode, CTX).message).to.equal("network down");
  });
});
