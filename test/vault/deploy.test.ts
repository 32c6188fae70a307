import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { network } from "hardhat";
import type { Contract } from "ethers";
import { ARBITRUM, MAINNET, NONE } from "../../deploy/addresses.ts";
import { deployLocalVault } from "../../deploy/lib/vaultLocal.ts";
import { ROLES } from "../../deploy/lib/vaultModule.ts";
import {
  ADAPTERS,
  REAL_NETWORK_ROLE_PARAMETERS,
  VAULT_ASSET_KEYS,
  VAULT_ASSET_RISK,
  VAULT_LIMITS,
} from "../../deploy/lib/vaultConfig.ts";
import {
  vaultParametersFilePath,
  vaultParametersFileText,
} from "../../deploy/lib/vault-parameters.ts";
import VaultRealNetworkModule from "../../deploy/modules/VaultRealNetwork.ts";
import {
  LENDING_OP,
  encodeLendingData,
  encodeSwapData,
  encodeV3Path,
  signPlan,
} from "../../keeper/src/planner/eip712.ts";
import type { Plan } from "../../keeper/src/planner/types.ts";
import { LOCAL_STACK } from "../../deploy/config/local.ts";

/**
 * deploy/modules/Vault.ts on the in-process network (roles, registry, adapters, a deposit and a
 * signed rebalance through the deployed system) and deploy/modules/VaultRealNetwork.ts built
 * against the committed mainnet / Arbitrum parameter files (it cannot be deployed here).
 */

const USDC = (n: bigint) => n * 10n ** 6n;
const CURATOR_TIMELOCK = 3_600;
const MIN_DELAY = 120;

const connection = await network.create();
const { ethers, networkHelpers } = connection;

function dyn(contract: unknown): Contract {
  return contract as Contract;
}

async function deploy() {
  return deployLocalVault(connection, {
    parameters: { curatorTimelock: CURATOR_TIMELOCK, timelockMinDelay: MIN_DELAY },
  });
}

describe("Vault Ignition module on the local stack", function () {
  let d: Awaited<ReturnType<typeof deploy>>;

  beforeEach(async function () {
    d = await networkHelpers.loadFixture(deploy);
  });

  it("hands DEFAULT_ADMIN to the timelock and leaves the deployer with no role", async function () {
    const [deployer, curator, guardian, keeper] = await ethers.getSigners();
    const vault = dyn(d.vault);
    const timelock = dyn(d.timelock);
    const timelockAddr = await timelock.getAddress();
    expect(await vault.hasRole(ROLES.DEFAULT_ADMIN, timelockAddr)).to.equal(true);
    for (const role of Object.values(ROLES)) {
      expect(await vault.hasRole(role, deployer.address)).to.equal(false);
    }
    expect(await vault.hasRole(ROLES.CURATOR, curator.address)).to.equal(true);
    expect(await vault.hasRole(ROLES.GUARDIAN, guardian.address)).to.equal(true);
    expect(await vault.hasRole(ROLES.KEEPER_SIGNER, keeper.address)).to.equal(true);
    expect(await vault.hasRole(ROLES.CURATOR, guardian.address)).to.equal(false);
    expect(await vault.curatorTimelock()).to.equal(BigInt(CURATOR_TIMELOCK));
    // the timelock: min delay from the parameters, the deployer proposes and executes locally
    expect(await timelock.getMinDelay()).to.equal(BigInt(MIN_DELAY));
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), deployer.address)).to.equal(true);
    expect(await timelock.hasRole(await timelock.EXECUTOR_ROLE(), deployer.address)).to.equal(true);
    // the deployer can no longer administer the vault directly ...
    await expect(vault.grantRole(ROLES.CURATOR, deployer.address))
      .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
      .withArgs(deployer.address, ROLES.DEFAULT_ADMIN);
    // ... only through the timelock, after its delay
    const call = vault.interface.encodeFunctionData("setCuratorTimelock", [7_200]);
    const salt = ethers.ZeroHash;
    await timelock.schedule(await vault.getAddress(), 0, call, ethers.ZeroHash, salt, MIN_DELAY);
    await expect(
      timelock.execute(await vault.getAddress(), 0, call, ethers.ZeroHash, salt),
    ).to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState");
    await networkHelpers.time.increase(MIN_DELAY);
    await timelock.execute(await vault.getAddress(), 0, call, ethers.ZeroHash, salt);
    expect(await vault.curatorTimelock()).to.equal(7_200n);
  });

  it("registers WETH, WBTC, LINK, UNI on their feeds, the limits and both adapters", async function () {
    const vault = dyn(d.vault);
    const configs = await vault.assetConfigs();
    expect(configs.length).to.equal(VAULT_ASSET_KEYS.length);
    const feeds = { weth: d.wethUsd, wbtc: d.wbtcUsd, link: d.linkUsd, uni: d.uniUsd };
    for (const [i, key] of VAULT_ASSET_KEYS.entries()) {
      expect(configs[i].token).to.equal(await d[key].getAddress());
      expect(configs[i].feed).to.equal(await feeds[key].getAddress());
      expect(configs[i].enabled).to.equal(true);
      expect(configs[i].maxWeightBps).to.equal(BigInt(VAULT_ASSET_RISK[key].maxWeightBps));
      expect(configs[i].minNetDeltaBps).to.equal(BigInt(VAULT_ASSET_RISK[key].minNetDeltaBps));
    }
    const [baseFeed] = await vault.oracleConfig();
    expect(baseFeed.feed).to.equal(await d.usdcUsd.getAddress());
    expect(await vault.asset()).to.equal(await d.usdc.getAddress());
    expect((await vault.limits()).maxLeverageBps).to.equal(BigInt(VAULT_LIMITS.maxLeverageBps));
    const swap = await vault.adapter(ADAPTERS.swap.id);
    expect(swap.adapter).to.equal(await d.swapAdapter.getAddress());
    expect(swap.kind).to.equal(BigInt(ADAPTERS.swap.kind));
    const lending = await vault.adapter(ADAPTERS.lending.id);
    expect(lending.adapter).to.equal(await d.aaveAdapter.getAddress());
    expect(lending.kind).to.equal(BigInt(ADAPTERS.lending.kind));
    expect(await vault.lendingAdapter()).to.equal(await d.aaveAdapter.getAddress());
    expect(await dyn(d.aaveAdapter).pool()).to.equal(await d.pool.getAddress());
    expect(await dyn(d.swapAdapter).VAULT()).to.equal(await vault.getAddress());
    const state = await dyn(d.lens).vaultState(await vault.getAddress());
    expect(state.navAvailable).to.equal(true);
  });

  it("takes a deposit and executes a keeper-signed swap + supply plan", async function () {
    const [, , , keeper, alice, relayer] = await ethers.getSigners();
    const vault = dyn(d.vault);
    const vaultAddr = await vault.getAddress();
    const usdc = dyn(d.usdc);
    const usdcAddr = await usdc.getAddress();
    const wethAddr = await d.weth.getAddress();
    await usdc.mint(alice.address, USDC(100_000n));
    await dyn(usdc.connect(alice)).approve(vaultAddr, USDC(100_000n));
    const preview = await vault.previewDeposit(USDC(100_000n));
    await dyn(vault.connect(alice)).deposit(USDC(100_000n), alice.address);
    expect(await vault.balanceOf(alice.address)).to.equal(preview);
    expect(preview).to.be.greaterThan(0n);
    expect(await vault.totalAssets()).to.equal(USDC(100_000n));

    const latest = await ethers.provider.getBlock("latest");
    const plan: Plan = {
      nonce: await vault.nextNonce(),
      deadline: BigInt(latest!.timestamp) + 600n,
      actions: [
        {
          adapterId: ADAPTERS.swap.id,
          data: encodeSwapData(
            encodeV3Path([usdcAddr, wethAddr], [LOCAL_STACK.uniswap.pools.weth.fee]),
            USDC(20_000n),
            0n,
          ),
        },
        {
          adapterId: ADAPTERS.lending.id,
          data: encodeLendingData(LENDING_OP.SUPPLY, usdcAddr, USDC(10_000n)),
        },
      ],
      expectedWeightsBps: [2_000n, 0n, 0n, 0n],
      weightToleranceBps: 50n,
      slippageBps: 50n,
    };
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const { signature } = await signPlan(plan, keeper, chainId, vaultAddr);
    await expect(dyn(vault.connect(relayer)).rebalance(plan, signature)).to.emit(
      vault,
      "Rebalanced",
    );
    expect(await vault.nextNonce()).to.equal(1n);
    expect(await dyn(d.weth).balanceOf(vaultAddr)).to.be.greaterThan(0n);
    expect(await dyn(d.aaveAdapter).collateralOf(usdcAddr)).to.equal(USDC(10_000n));
    const nav = (await vault.totalAssets()) as bigint;
    expect(nav).to.be.lessThan(USDC(100_000n));
    expect(nav).to.be.greaterThan((USDC(100_000n) * 9_990n) / 10_000n);
  });
});

/** Every module parameter a module (and its submodules) reads: `moduleId.name` → has default. */
function moduleParameters(root: unknown): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (o.type === "MODULE_PARAMETER" && typeof o.name === "string") {
      out.set(`${String(o.moduleId)}.${o.name}`, o.defaultValue !== undefined);
      return;
    }
    const values = v instanceof Map || v instanceof Set ? [...v.values()] : Object.values(o);
    for (const child of values) walk(child);
  };
  walk(root);
  return out;
}

describe("VaultRealNetwork Ignition module", function () {
  for (const net of [MAINNET, ARBITRUM]) {
    it(`builds against deploy/parameters/vault-${net.name}.json; only the role parameters are left to fill`, async function () {
      const file = vaultParametersFilePath(net);
      const text = await readFile(file, "utf8");
      // the committed file is exactly what the generator writes from deploy/addresses.ts
      expect(text).to.equal(vaultParametersFileText(net));
      const params = JSON.parse(text) as Record<string, Record<string, unknown>>;
      const realNetwork = JSON.parse(
        await readFile(path.resolve(path.dirname(file), `${net.name}.json`), "utf8"),
      ) as Record<string, unknown>;
      expect(params.RealNetwork).to.deep.equal(realNetwork.RealNetwork);

      expect(VaultRealNetworkModule.id).to.equal("VaultRealNetwork");
      const ids = [...VaultRealNetworkModule.futures].map((f) => f.id);
      for (const expected of [
        "VaultRealNetwork#BallastVault",
        "VaultRealNetwork#TimelockController",
        "VaultRealNetwork#AaveV3Adapter",
        "VaultRealNetwork#UniswapV3SwapAdapter",
        "VaultRealNetwork#BallastLens",
        "VaultRealNetwork#RenounceAdmin_deployer",
      ]) {
        expect(ids).to.include(expected);
      }
      const roles = new Set<string>(REAL_NETWORK_ROLE_PARAMETERS);
      const used = moduleParameters(VaultRealNetworkModule);
      expect(used.size).to.be.greaterThan(20);
      for (const [key, hasDefault] of used) {
        const [moduleId, name] = key.split(".");
        const present = params[moduleId]?.[name] !== undefined;
        if (moduleId === "VaultRealNetwork" && roles.has(name)) {
          expect(present, `${key} must be filled in by the operator`).to.equal(false);
          expect(hasDefault, `${key} has no default`).to.equal(false);
        } else if (!hasDefault) {
          expect(present, `${key} missing from ${file}`).to.equal(true);
        }
      }
      for (const role of roles) expect(used.has(`VaultRealNetwork.${role}`)).to.equal(true);
      const vaultParams = params.VaultRealNetwork;
      const { wbtcUsd, btcUsd } = net.chainlink;
      expect(vaultParams.wbtcFeed).to.equal(wbtcUsd !== NONE ? wbtcUsd : btcUsd);
    });
  }
});
