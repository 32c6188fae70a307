import { expect } from "chai";
import { network } from "hardhat";
import { deployLocalVault } from "../../deploy/lib/vaultLocal.ts";
import { AppArgError, checkTarget, targetFields } from "../../scripts/app.ts";
import { startScript, stop, waitOut } from "../helpers/proc.ts";
import { startRpcProxy } from "../helpers/rpc.ts";

/**
 * `npm run app`'s start-up check (scripts/app.ts `checkTarget`, the keeper CLI's preflight
 * checks): a `--vault` address without a Ballast vault, or a `--lens` without a BallastLens, is
 * refused before the page is served — exit 2, one line naming the option — instead of a page
 * showing "could not decode result data"; the local vault and lens pass; an RPC that does not
 * answer only skips the check (with `--chain-id` the page may start before the node).
 */
const connection = await network.create();

const PRECOMPILE = "0x0000000000000000000000000000000000000001";

describe("app server: start-up check of the vault and lens", function () {
  this.timeout(180_000);
  let proxy: Awaited<ReturnType<typeof startRpcProxy>>;
  let vault: string;
  let lens: string;
  let usdc: string;
  let chainId: number;

  before(async function () {
    const d = await deployLocalVault(connection);
    proxy = await startRpcProxy(connection.provider);
    vault = await d.vault.getAddress();
    lens = await d.lens.getAddress();
    usdc = await d.usdc.getAddress();
    chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
  });

  after(async function () {
    await proxy.close();
  });

  async function refusal(p: Promise<unknown>): Promise<AppArgError> {
    try {
      await p;
    } catch (e) {
      expect(e).to.be.instanceOf(AppArgError);
      return e as AppArgError;
    }
    throw new Error("accepted");
  }

  it("the local vault and lens pass; no contract, a contract that is not a vault, a lens that is not a BallastLens are refused naming the option", async function () {
    expect(await checkTarget(proxy.url, chainId, vault, lens)).to.equal(null);
    expect(await checkTarget(proxy.url, chainId, vault, null)).to.equal(null);
    const none = await refusal(checkTarget(proxy.url, chainId, PRECOMPILE, null));
    expect([none.field, none.code, none.message]).to.deep.equal([
      "--vault",
      "BAD_ARGS",
      `--vault: no contract at ${PRECOMPILE}`,
    ]);
    const token = await refusal(checkTarget(proxy.url, chainId, usdc, null));
    expect(token.message).to.equal(
      `--vault: the contract at ${usdc} is not a Ballast vault (its vault getters do not answer)`,
    );
    const badLens = await refusal(checkTarget(proxy.url, chainId, vault, usdc));
    expect(badLens.field).to.equal("--lens");
    expect(badLens.message).to.match(
      /^--lens: the contract at 0x[0-9a-fA-F]{40} is not a BallastLens/,
    );
    // from a keeper config (`--config`): the config's field is named
    const fromConfig = await refusal(
      checkTarget(proxy.url, chainId, PRECOMPILE, null, targetFields(["--config", "x.yaml"])),
    );
    expect(fromConfig.message).to.equal(`--config vaults[0].address: no contract at ${PRECOMPILE}`);
    expect(targetFields(["--vault=0x1", "--lens", "0x2"])).to.deep.equal({
      vault: "--vault",
      lens: "--lens",
    });
  });

  it("an RPC that does not answer skips the check with a warning (the page starts, as with --chain-id before)", async function () {
    const warning = await checkTarget("http://127.0.0.1:1", 5, vault, lens);
    expect(warning).to.match(
      new RegExp(
        `^could not check --vault ${vault} \\(the RPC did not answer: .*\\); starting anyway$`,
      ),
    );
  });

  it("the CLI refuses a --vault without a Ballast vault (exit 2, one line naming --vault) and starts with the local vault", async function () {
    const bad = startScript("scripts/app.ts", [
      "--rpc",
      proxy.url,
      "--vault",
      PRECOMPILE,
      "--port",
      "0",
    ]);
    expect(await bad.exited, bad.out).to.equal(2);
    expect(bad.out).to.equal(`app: --vault: no contract at ${PRECOMPILE}\n`);
    const good = startScript("scripts/app.ts", [
      "--rpc",
      proxy.url,
      "--vault",
      vault,
      "--lens",
      lens,
      "--port",
      "0",
    ]);
    try {
      await waitOut(good, /Ballast depositor page: http:\/\/127\.0\.0\.1:\d+\//, 30_000);
      expect(good.out).to.not.match(/warning|error/i);
    } finally {
      await stop(good);
    }
  });
});
