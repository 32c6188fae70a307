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
