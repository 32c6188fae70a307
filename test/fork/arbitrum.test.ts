import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { ARBITRUM } from "../../deploy/addresses.ts";
import {
  connectFork,
  deployFundedVault,
  erc20,
  forkConfigFromEnv,
  forkTarget,
  pricedRegistry,
  readFeed,
  readVaultParameterFile,
  setErc20Balance,
  skipMessage,
  staleFeeds,
  usdc,
  valueInBase,
} from "./forkSetup.ts";
import type { FundedVault } from "./forkSetup.ts";
import { forkedContext, oracleScenarios, rebalanceScenarios } from "./forkScenarios.ts";

/**
 * Forked Arbitrum One: the vault deployed with the L2 sequencer uptime feed (docs/plan-format.md
 * §4 check 1) prices its NAV from the real Arbitrum feeds while the sequencer is up and past
 * its grace period; the generic oracle and rebalance scenarios then run on the Arbitrum fork.
 */

const DEPOSIT = usdc(250_000n);
const WETH_HOLDING = 3n * 10n ** 18n;

describe("fork (Arbitrum One): vault with the sequencer uptime feed", function () {
  this.timeout(1_800_000);
  let connection: NetworkConnection;
  let fixture: () => Promise<FundedVault>;
  let s: FundedVault;

  before(async function () {
    const cfg = forkConfigFromEnv("arbitrum");
    if (cfg === undefined) {
      console.log(skipMessage("arbitrum"));
      this.skip();
    }
    connection = await connectFork(network, cfg);
    fixture = () => deployFundedVault(connection, forkTarget("arbitrum"), DEPOSIT);
  });

  beforeEach(async function () {
    s = await connection.networkHelpers.loadFixture(fixture);
  });

  it("is configured with the real sequencer feed and its grace period", async function () {
    const params = readVaultParameterFile("arbitrum").VaultRealNetwork;
    const [baseFeed, sequencer] = await s.vault.oracleConfig();
    expect(baseFeed.feed).to.equal(ARBITRUM.chainlink.usdcUsd);
    expect(sequencer.feed).to.equal(ARBITRUM.chainlink.sequencerUptime);
    expect(sequencer.gracePeriod).to.equal(BigInt(params.sequencerGracePeriod));
    expect(BigInt(params.sequencerGracePeriod)).to.be.greaterThan(0n);
    const configs = await s.vault.assetConfigs();
    expect(configs[0].token).to.equal(ARBITRUM.tokens.weth);
    expect(configs[0].feed).to.equal(ARBITRUM.chainlink.ethUsd);
    expect(configs[1].feed).to.equal(ARBITRUM.chainlink.wbtcUsd);
  });

  it("sequencer up: deposits work and NAV = idle + WETH × ETH/USD (bigint)", async function () {
    const { ethers, networkHelpers } = connection;
    const provider = ethers.provider;
    const now = BigInt(await networkHelpers.time.latest());
    const [, sequencer] = await s.vault.oracleConfig();
    const seq = await readFeed(sequencer.feed as string, provider);
    expect(seq.answer, "sequencer reported down at the fork block").to.equal(0n);
    expect(now - seq.startedAt).to.be.greaterThan(BigInt(sequencer.gracePeriod));

    const reg = await pricedRegistry(s.vault, provider);
    expect(staleFeeds(reg, now), "feeds already stale at the fork block").to.deep.equal([]);
    expect(await erc20(ARBITRUM.tokens.usdc, provider).balanceOf(s.vaultAddr)).to.equal(DEPOSIT);
    expect(await s.vault.balanceOf(s.alice.address)).to.be.greaterThan(0n);
    expect(await s.vault.totalAssets()).to.equal(DEPOSIT);

    await setErc20Balance(connection, ARBITRUM.tokens.weth, s.vaultAddr, WETH_HOLDING);
    const wethValue = valueInBase(WETH_HOLDING, reg.assets[0], reg.base);
    expect(wethValue).to.be.greaterThan(0n);
    expect(await s.vault.totalAssets()).to.equal(DEPOSIT + wethValue);
    expect((await s.lens.vaultState(s.vaultAddr)).navAvailable).to.equal(true);
  });
});

describe("fork (Arbitrum One): oracle and rebalance scenarios", function () {
  this.timeout(1_800_000);

  describe("oracles", function () {
    const ctx = forkedContext(network, "arbitrum");
    oracleScenarios(ctx);
  });

  describe("rebalance", function () {
    const ctx = forkedContext(network, "arbitrum");
    rebalanceScenarios(ctx);
  });
});
