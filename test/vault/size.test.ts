import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";

/** EIP-170: deployed code must stay under 24 KiB for every Ballast contract. */
const LIMIT = 24_576;
const CONTRACTS = [
  "BallastVault.sol/BallastVault",
  "VaultModule.sol/VaultModule",
  "VaultRebalancer.sol/VaultRebalancer",
  "BallastLens.sol/BallastLens",
  "adapters/UniswapV3SwapAdapter.sol/UniswapV3SwapAdapter",
  "adapters/AaveV3Adapter.sol/AaveV3Adapter",
  "libraries/ConfigLib.sol/ConfigLib",
  "libraries/RebalanceLib.sol/RebalanceLib",
  "libraries/PriceLib.sol/PriceLib",
  "libraries/PlanHashing.sol/PlanHashing",
];

describe("contract sizes", function () {
  for (const name of CONTRACTS) {
    it(`${name} deployed bytecode < 24 KiB`, async function () {
      const file = path.resolve(process.cwd(), "artifacts/contracts", `${name}.json`);
      const artifact = JSON.parse(await readFile(file, "utf8")) as { deployedBytecode: string };
      const size = (artifact.deployedBytecode.length - 2) / 2;
      expect(size).to.be.greaterThan(0);
      expect(size).to.be.lessThan(LIMIT);
    });
  }
});

describe("build profiles", function () {
  it("production (what `ignition deploy` builds) compiles every contract as the tested default profile does", async function () {
    const { default: config } = await import("../../hardhat.config.ts");
    const profiles = (config.solidity as { profiles: Record<string, unknown> }).profiles as Record<
      string,
      { compilers: unknown[]; overrides?: Record<string, unknown> }
    >;
    const { default: dflt, production } = profiles;
    expect(production.compilers).to.deep.equal(dflt.compilers);
    const contractOverrides = (p: { overrides?: Record<string, unknown> }) =>
      Object.fromEntries(
        Object.entries(p.overrides ?? {}).filter(([file]) => file.startsWith("contracts/")),
      );
    expect(contractOverrides(production)).to.deep.equal(contractOverrides(dflt));
    expect(Object.keys(contractOverrides(dflt))).to.include("contracts/VaultRebalancer.sol");
  });
});
