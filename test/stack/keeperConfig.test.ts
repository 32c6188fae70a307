import { expect } from "chai";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { localKeeperConfigYaml } from "../../deploy/lib/keeperConfig.ts";
import { VAULT_LIMITS } from "../../deploy/lib/vaultConfig.ts";
import { loadConfig } from "../../keeper/src/config/load.ts";
import { checkLimitsInside } from "../../keeper/src/config/limits.ts";

/** The keeper config `npm run node` writes and `npm start` reads (deploy/lib/keeperConfig.ts). */
describe("local keeper config (deploy/lib/keeperConfig.ts)", function () {
  const addresses = {
    rpcUrl: "http://127.0.0.1:8545",
    vault: "0x" + "11".repeat(20),
    lens: "0x" + "22".repeat(20),
    quoterV2: "0x" + "33".repeat(20),
  };
  const load = (journal: string) =>
    loadConfig(parseYaml(localKeeperConfigYaml(addresses, journal)) as Record<string, unknown>, {});

  it("reads back any journal path unchanged, including YAML's special characters", function () {
    // (the loader resolves a relative path against the working directory for a parsed object)
    for (const journal of [
      "journal.sqlite",
      ":memory:",
      "/tmp/keeper data/j #1.sqlite",
      "keeper: main #2.sqlite",
      "'quoted' \"double\".sqlite",
    ]) {
      expect(load(journal).journal.path, journal).to.equal(path.resolve(journal));
    }
  });

  it("points at the given node and vault, with local limits inside the vault's on-chain ones", function () {
    const config = load("journal.sqlite");
    expect(config.networks.local.rpcUrls).to.deep.equal([addresses.rpcUrl]);
    expect(config.vaults[0].address.toLowerCase()).to.equal(addresses.vault);
    expect(config.vaults[0].lens?.toLowerCase()).to.equal(addresses.lens);
    const onchain = {
      maxTurnoverBps: BigInt(VAULT_LIMITS.maxTurnoverBps),
      maxSlippageBps: BigInt(VAULT_LIMITS.maxSlippageBps),
      maxLossPerRebalanceBps: BigInt(VAULT_LIMITS.maxLossPerRebalanceBps),
      maxLeverageBps: BigInt(VAULT_LIMITS.maxLeverageBps),
      minHealthFactor: VAULT_LIMITS.minHealthFactor,
    };
    expect(checkLimitsInside(config.vaults[0].limits, onchain, "vaults[0]")).to.deep.equal([]);
    // and strictly tighter on slippage, so that the local limit is what binds
    expect(BigInt(config.vaults[0].limits.maxSlippageBps)).to.be.lessThan(onchain.maxSlippageBps);
  });
});
