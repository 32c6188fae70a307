/**
 * The Ballast vault system as Ignition futures, shared by deploy/modules/Vault.ts (local stack)
 * and deploy/modules/VaultRealNetwork.ts (mainnet / Arbitrum): TimelockController, the four linked
 * libraries, VaultRebalancer (run by the vault through DELEGATECALL), BallastVault, the registry, the Uniswap V3 swap adapter (id 1) and the Aave V3
 * adapter (id 2), roles, and BallastLens.
 *
 * Order of the configuration (the deployer must hold the rights while it configures):
 * 1. the vault is deployed with the deployer as DEFAULT_ADMIN and a curator timelock of 0;
 * 2. the deployer grants itself CURATOR, submits and accepts every asset and both adapters
 *    (with a 0 timelock, submit + accept is immediate);
 * 3. the curator timelock is set to its real value; CURATOR / GUARDIAN / KEEPER_SIGNER go to the
 *    named accounts; the deployer's CURATOR is revoked;
 * 4. DEFAULT_ADMIN goes to the TimelockController and the deployer renounces it.
 * Every call runs strictly after the previous one (`after`), so the order above is the order
 * on chain.
 */
import { id } from "ethers";
import type { ArgumentType, Future, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { loadNpmArtifact } from "./artifacts.ts";
import { ADAPTERS, VAULT_LIMITS, VAULT_TOKEN } from "./vaultConfig.ts";
import type { VaultAssetKey, VaultAssetRisk } from "./vaultConfig.ts";

/** OpenZeppelin's own TimelockController build (npm artifact; not compiled by this project). */
export const TIMELOCK_ARTIFACT = "@openzeppelin/contracts/build/contracts/TimelockController.json";

/** keccak256 role ids of BallastVault. */
export const ROLES = {
  DEFAULT_ADMIN: `0x${"00".repeat(32)}`,
  CURATOR: id("CURATOR_ROLE"),
  GUARDIAN: id("GUARDIAN_ROLE"),
  KEEPER_SIGNER: id("KEEPER_SIGNER_ROLE"),
} as const;

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** One registry entry: token and feed (futures or addresses), staleness threshold, risk. */
export interface VaultAssetInput extends VaultAssetRisk {
  readonly key: VaultAssetKey;
  readonly token: ArgumentType;
  readonly feed: ArgumentType;
  readonly heartbeat: ArgumentType;
}

/** Everything {@link buildVaultSystem} needs; values may be futures, accounts or parameters. */
export interface VaultSystemInputs {
  readonly base: ArgumentType;
  readonly baseFeed: ArgumentType;
  readonly baseHeartbeat: ArgumentType;
  readonly sequencerFeed: ArgumentType;
  readonly sequencerGracePeriod: ArgumentType;
  readonly assets: readonly VaultAssetInput[];
  readonly swapRouter02: ArgumentType;
  readonly aavePool: ArgumentType;
  readonly timelockMinDelay: ArgumentType;
  readonly timelockProposer: ArgumentType;
  readonly timelockExecutor: ArgumentType;
  readonly curatorTimelock: ArgumentType;
  readonly curator: ArgumentType;
  readonly guardian: ArgumentType;
  readonly keeperSigner: ArgumentType;
  readonly fees: {
    readonly recipient: ArgumentType;
    readonly entryFeeBps: number;
    readonly exitFeeBps: number;
    readonly managementFeeBps: number;
    readonly performanceFeeBps: number;
  };
  readonly limits?: typeof VAULT_LIMITS;
}

/** Adds the vault system's futures to module `m`; returns the contracts. */
export function buildVaultSystem(m: IgnitionModuleBuilder, x: VaultSystemInputs) {
  const deployer = m.getAccount(0);

  const timelock = m.contract("TimelockController", loadNpmArtifact(TIMELOCK_ARTIFACT), [
    x.timelockMinDelay,
    [x.timelockProposer],
    [x.timelockExecutor],
    ZERO_ADDRESS, // self-administered
  ]);

  const configLib = m.library("ConfigLib");
  const rebalanceLib = m.library("RebalanceLib");
  const priceLib = m.library("PriceLib");
  const planHashing = m.library("PlanHashing");
  const rebalancer = m.contract("VaultRebalancer", [x.base], {
    libraries: { PriceLib: priceLib },
  });
  const vault = m.contract(
    "BallastVault",
    [
      {
        base: x.base,
        name: VAULT_TOKEN.name,
        symbol: VAULT_TOKEN.symbol,
        admin: deployer,
        curatorTimelock: 0, // raised in step 3, after the configuration
        limits: { ...(x.limits ?? VAULT_LIMITS) },
        fees: { ...x.fees },
        baseFeed: { feed: x.baseFeed, heartbeat: x.baseHeartbeat, minPrice: 0n, maxPrice: 0n },
        sequencer: { feed: x.sequencerFeed, gracePeriod: x.sequencerGracePeriod },
      },
      rebalancer,
    ],
    {
      libraries: {
        ConfigLib: configLib,
        RebalanceLib: rebalanceLib,
        PriceLib: priceLib,
        PlanHashing: planHashing,
      },
    },
  );
  const swapAdapter = m.contract("UniswapV3SwapAdapter", [vault, x.swapRouter02]);
  const aaveAdapter = m.contract("AaveV3Adapter", [vault, x.aavePool]);
  const lens = m.contract("BallastLens");

  // Strictly sequential configuration calls on the vault.
  let previous: Future[] = [swapAdapter, aaveAdapter];
  const step = (fn: string, args: ArgumentType[], futureId: string) => {
    const f = m.call(vault, fn, args, { id: futureId, after: previous });
    previous = [f];
    return f;
  };

  // 2. registry and adapters, by the deployer acting as curator
  step("grantRole", [ROLES.CURATOR, deployer], "GrantCurator_deployer");
  x.assets.forEach((a, i) => {
    const cfg = {
      token: a.token,
      feed: a.feed,
      heartbeat: a.heartbeat,
      enabled: true,
      maxWeightBps: a.maxWeightBps,
      minNetDeltaBps: a.minNetDeltaBps,
      maxNetDeltaBps: a.maxNetDeltaBps,
      minPrice: 0n,
      maxPrice: 0n,
    };
    step("submitAsset", [i, cfg], `SubmitAsset_${a.key}`);
    step("acceptAsset", [i], `AcceptAsset_${a.key}`);
  });
  const adapters = [
    { ...ADAPTERS.swap, future: swapAdapter, name: "swap" },
    { ...ADAPTERS.lending, future: aaveAdapter, name: "lending" },
  ];
  for (const a of adapters) {
    step("submitAdapter", [a.id, a.future, a.kind], `SubmitAdapter_${a.name}`);
    step("acceptAdapter", [a.id], `AcceptAdapter_${a.name}`);
  }

  // 3. real curator timelock, named roles, deployer's curator role revoked
  step("setCuratorTimelock", [x.curatorTimelock], "SetCuratorTimelock");
  step("grantRole", [ROLES.CURATOR, x.curator], "GrantCurator");
  step("grantRole", [ROLES.GUARDIAN, x.guardian], "GrantGuardian");
  step("grantRole", [ROLES.KEEPER_SIGNER, x.keeperSigner], "GrantKeeperSigner");
  step("revokeRole", [ROLES.CURATOR, deployer], "RevokeCurator_deployer");

  // 4. admin to the timelock, renounced by the deployer
  step("grantRole", [ROLES.DEFAULT_ADMIN, timelock], "GrantAdmin_timelock");
  step("renounceRole", [ROLES.DEFAULT_ADMIN, deployer], "RenounceAdmin_deployer");

  return {
    vault,
    rebalancer,
    timelock,
    lens,
    swapAdapter,
    aaveAdapter,
    configLib,
    rebalanceLib,
    priceLib,
    planHashing,
  };
}
