import { defineConfig } from "hardhat/config";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { fileURLToPath } from "node:url";

/**
 * Hardhat cannot download compilers on this project's machines (no internet but the package
 * registries), so the build uses the wasm compiler shipped by the exactly-pinned npm `solc`
 * package. Bump `SOLC_VERSION` only together with the `solc` pin in package.json.
 */
const SOLC_VERSION = "0.8.28";
const SOLC_PATH = fileURLToPath(import.meta.resolve("solc/soljson.js"));

const compiler = {
  version: SOLC_VERSION,
  path: SOLC_PATH,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
  },
};

/**
 * The wasm compiler runs out of memory ("memory access out of bounds", HHE908) when all Solidity
 * tests go through one solc run, since the vault embeds VaultModule's creation code and every
 * test embeds the vault's. Hardhat merges files into one run per compiler-config object, so the
 * biggest suites get their own (identical) config objects: contracts, then tests in four runs.
 */
const ownRun = (...files: string[]) => {
  const own = { ...compiler };
  return files.map((f) => [`test/solidity/vault/${f}.t.sol`, own] as const);
};
const TEST_RUNS = Object.fromEntries([
  ...ownRun("VaultInvariants"),
  ...ownRun("Fees", "Redemptions", "Timelock", "Operators"),
  ...ownRun(
    "ErrorPathsConfig",
    "ErrorPathsFixture",
    "ErrorPathsRebalance",
    "ErrorPathsVault",
    "RedemptionLock", // on ErrorPathsFixture
  ),
]);

/**
 * The rebalance path through the IR pipeline: ~20 % fewer instructions (≈8k gas per rebalance,
 * BENCHMARKS.md) and 3.6 KB less code. In both profiles, so that what `ignition deploy` builds
 * (the production profile) is the bytecode the tests and benchmarks ran. The Solidity tests deploy
 * it from this artifact (`VaultFixture._rebalancer`, `deployCode`), not with `new`, which would
 * compile it again with the test run's legacy settings.
 */
const REBALANCER_VIA_IR = {
  "contracts/VaultRebalancer.sol": { ...compiler, settings: { ...compiler.settings, viaIR: true } },
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    profiles: {
      default: {
        compilers: [compiler],
        overrides: {
          ...TEST_RUNS,
          ...REBALANCER_VIA_IR,
        },
      },
      production: { compilers: [compiler], overrides: REBALANCER_VIA_IR },
    },
    npmFilesToBuild: ["@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol"],
    splitTestsCompilation: true,
  },
  paths: {
    ignition: "deploy",
  },
  test: {
    solidity: {
      profiles: {
        // CI profile: fuzz >= 1,000 runs, invariants >= 256 runs x depth 32.
        default: {
          fuzz: { runs: 1000 },
          invariant: { runs: 256, depth: 32, failOnRevert: false },
        },
        // `npm run test:deep`: invariants >= 1,000 runs x depth 50.
        deep: {
          fuzz: { runs: 10000 },
          invariant: { runs: 1000, depth: 50, failOnRevert: false },
        },
      },
    },
  },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
  },
});
