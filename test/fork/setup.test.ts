import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, ContractFactory, JsonRpcProvider, keccak256 } from "ethers";
import { createRequire } from "node:module";
import { ARBITRUM, MAINNET } from "../../deploy/addresses.ts";
import { REAL_NETWORK_ROLE_PARAMETERS } from "../../deploy/lib/vaultConfig.ts";
import VaultRealNetworkModule from "../../deploy/modules/VaultRealNetwork.ts";
import {
  BALANCE_SLOT_HINTS,
  ForkSetupError,
  amountForValue,
  connectFork,
  erc20,
  findBalanceSlot,
  forkConfigFromEnv,
  mappingSlot,
  readVaultParameterFile,
  setErc20Balance,
  skipMessage,
  valueInBase,
  vaultDeployParameters,
} from "./forkSetup.ts";
import type { FeedReading, RoleParameters, RpcProvider } from "./forkSetup.ts";

/**
 * The locally checkable part of the fork tests: their setup helpers (environment parsing,
 * storage-slot funding against locally deployed tokens with known layouts, the oracle
 * arithmetic) and the `VaultRealNetwork` Ignition module built with the parameters the fork
 * tests pass (construction only; deploying it needs a fork).
 */

const connection = await network.create();
const { ethers } = connection;
const rpc = connection.provider as RpcProvider;
const require = createRequire(import.meta.url);

const ROLES: RoleParameters = {
  curator: "0x0000000000000000000000000000000000000c01",
  guardian: "0x0000000000000000000000000000000000000c02",
  keeperSigner: "0x0000000000000000000000000000000000000c03",
  timelockProposer: "0x0000000000000000000000000000000000000c04",
  timelockExecutor: "0x0000000000000000000000000000000000000c04",
  feeRecipient: "0x0000000000000000000000000000000000000c05",
};

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

describe("fork test setup helpers (local)", function () {
  it("reads the fork URL and block from the environment; absent URL means skip", function () {
    expect(forkConfigFromEnv("mainnet", {})).to.equal(undefined);
    expect(forkConfigFromEnv("mainnet", { FORK_RPC_URL: "  " })).to.equal(undefined);
    // the Arbitrum suite reads its own variable, not the mainnet one
    expect(forkConfigFromEnv("arbitrum", { FORK_RPC_URL: "http://x" })).to.equal(undefined);
    expect(forkConfigFromEnv("mainnet", { FORK_RPC_URL: "http://x" })).to.deep.equal({
      kind: "mainnet",
      url: "http://x",
    });
    expect(
      forkConfigFromEnv("arbitrum", {
        ARBITRUM_FORK_RPC_URL: "http://a",
        ARBITRUM_FORK_BLOCK: "123",
        FORK_BLOCK: "99",
      }),
    ).to.deep.equal({ kind: "arbitrum", url: "http://a", blockNumber: 123n });
    // FORK_BLOCK pins mainnet only (the chains' block numbers are unrelated)
    expect(
      forkConfigFromEnv("arbitrum", { ARBITRUM_FORK_RPC_URL: "http://a", FORK_BLOCK: "99" }),
    ).to.deep.equal({ kind: "arbitrum", url: "http://a" });
    expect(
      forkConfigFromEnv("mainnet", { FORK_RPC_URL: "http://m", FORK_BLOCK: " 21500000 " }),
    ).to.deep.equal({ kind: "mainnet", url: "http://m", blockNumber: 21_500_000n });
    for (const bad of ["abc", "0", "-5", "1e6"]) {
      expect(() => forkConfigFromEnv("mainnet", { FORK_RPC_URL: "http://x", FORK_BLOCK: bad }))
        .to.throw(ForkSetupError)
        .with.property("code", "BAD_FORK_BLOCK");
    }
    expect(skipMessage("mainnet")).to.equal(
      "fork tests skipped: set FORK_RPC_URL to an Ethereum mainnet archive RPC URL to run them",
    );
    expect(skipMessage("arbitrum")).to.match(/ARBITRUM_FORK_RPC_URL/);
  });

  it("mappingSlot is keccak256(abi.encode(holder, slot)) (Solidity) and the reverse (Vyper)", function () {
    const holder = "0x1111111111111111111111111111111111111111";
    const coder = AbiCoder.defaultAbiCoder();
    expect(mappingSlot(holder, 9n)).to.equal(
      keccak256(coder.encode(["address", "uint256"], [holder, 9n])),
    );
    expect(mappingSlot(holder, 9n, "vyper")).to.equal(
      keccak256(coder.encode(["uint256", "address"], [9n, holder])),
    );
    expect(mappingSlot(holder, 9n)).to.not.equal(mappingSlot(holder, 3n));
    expect(BALANCE_SLOT_HINTS[MAINNET.tokens.usdc.toLowerCase()].slot).to.equal(9n);
    expect(BALANCE_SLOT_HINTS[ARBITRUM.tokens.usdc.toLowerCase()].slot).to.equal(9n);
  });

  it("the computed slot holds the balance of an OpenZeppelin ERC20 (slot 0) and of WETH9 (slot 3)", async function () {
    const [holder] = await ethers.getSigners();
    const token = await ethers.deployContract("TestERC20", ["USD Coin", "USDC", 6]);
    await token.mint(holder.address, 123_456_789n);
    const stored = (await rpc.request({
      method: "eth_getStorageAt",
      params: [await token.getAddress(), mappingSlot(holder.address, 0n), "latest"],
    })) as string;
    expect(BigInt(stored)).to.equal(123_456_789n);

    const wethArtifact = require("canonical-weth/build/contracts/WETH9.json") as {
      abi: unknown[];
      bytecode: string;
    };
    const weth = await new ContractFactory(
      wethArtifact.abi as never,
      wethArtifact.bytecode,
      holder,
    ).deploy();
    await weth.waitForDeployment();
    await holder.sendTransaction({ to: await weth.getAddress(), value: 5n * 10n ** 17n });
    const wethStored = (await rpc.request({
      method: "eth_getStorageAt",
      params: [await weth.getAddress(), mappingSlot(holder.address, 3n), "latest"],
    })) as string;
    expect(BigInt(wethStored)).to.equal(5n * 10n ** 17n);
  });

  it("probing finds the balance slot, restores what it probed, and setErc20Balance funds", async function () {
    const [holder, other] = await ethers.getSigners();
    const token = await ethers.deployContract("TestERC20", ["USD Coin", "USDC", 6]);
    const addr = await token.getAddress();
    await token.mint(other.address, 777n);
    const supplyBefore = (await token.totalSupply()) as bigint;

    expect(await findBalanceSlot(rpc, ethers.provider, addr)).to.deep.equal({
      slot: 0n,
      layout: "solidity",
    });
    // probing wrote and restored slots: balances and supply are untouched
    expect(await token.balanceOf(other.address)).to.equal(777n);
    expect(await token.totalSupply()).to.equal(supplyBefore);

    const amount = 10n ** 15n;
    expect(await setErc20Balance(connection, addr, holder.address, amount)).to.deep.equal({
      slot: 0n,
      layout: "solidity",
    });
    expect(await erc20(addr, ethers.provider).balanceOf(holder.address)).to.equal(amount);
    // the funded balance is spendable
    await token.connect(holder).transfer(other.address, 1_000n);
    expect(await token.balanceOf(other.address)).to.equal(1_777n);
  });

  it("probing finds WETH9's slot 3 (a layout with the mapping after other variables)", async function () {
    const [holder] = await ethers.getSigners();
    const wethArtifact = require("canonical-weth/build/contracts/WETH9.json") as {
      abi: unknown[];
      bytecode: string;
    };
    const weth = await new ContractFactory(
      wethArtifact.abi as never,
      wethArtifact.bytecode,
      holder,
    ).deploy();
    await weth.waitForDeployment();
    const addr = await weth.getAddress();
    expect(await setErc20Balance(connection, addr, holder.address, 42n)).to.deep.equal({
      slot: 3n,
      layout: "solidity",
    });
  });

  it("a contract without a balance mapping is reported with a typed error", async function () {
    const [holder] = await ethers.getSigners();
    // an account whose balanceOf is constant: a TestERC20's address probed as another token
    const token = await ethers.deployContract("TestERC20", ["X", "X", 18]);
    await token.mint(holder.address, 5n);
    let err: unknown;
    try {
      // maxSlot -1: nothing is probed but the (absent) hint
      await findBalanceSlot(rpc, ethers.provider, await token.getAddress(), -1n);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ForkSetupError);
    expect((err as ForkSetupError).code).to.equal("BALANCE_SLOT_NOT_FOUND");
  });

  it("oracle value arithmetic follows docs/plan-format.md §4 (floor for holdings, ceil for debt)", function () {
    const feed = (answer: bigint, decimals = 8n): FeedReading => ({
      feed: "0x0",
      answer,
      decimals,
      startedAt: 0n,
      updatedAt: 0n,
    });
    const usdc = { price: feed(100_000_000n), tokenDecimals: 6n }; // $1.00
    const weth = { price: feed(3_000n * 10n ** 8n), tokenDecimals: 18n }; // $3,000
    expect(valueInBase(10n ** 18n, weth, usdc)).to.equal(3_000n * 10n ** 6n);
    expect(valueInBase(1n, weth, usdc)).to.equal(0n);
    expect(valueInBase(1n, weth, usdc, true)).to.equal(1n);
    expect(amountForValue(3_000n * 10n ** 6n, weth, usdc)).to.equal(10n ** 18n);
    const usdcOff = { price: feed(99_990_000n), tokenDecimals: 6n }; // $0.9999
    // 1 WETH = 3000 / 0.9999 USDC = 3000.30003 -> floor to 6 decimals
    expect(valueInBase(10n ** 18n, weth, usdcOff)).to.equal(3_000_300_030n);
  });
});

describe("VaultRealNetwork module with the fork tests' parameters (construction only)", function () {
  for (const kind of ["mainnet", "arbitrum"] as const) {
    it(`${kind}: the committed file plus the supplied roles fills every required parameter`, function () {
      const params = vaultDeployParameters(kind, ROLES);
      const file = readVaultParameterFile(kind);
      expect(params.RealNetwork).to.deep.equal(file.RealNetwork);
      for (const role of REAL_NETWORK_ROLE_PARAMETERS) {
        expect(params.VaultRealNetwork[role]).to.equal(ROLES[role]);
        expect(file.VaultRealNetwork[role], `${role} is not committed`).to.equal(undefined);
      }
      const net = kind === "mainnet" ? MAINNET : ARBITRUM;
      expect(params.RealNetwork.chainId).to.equal(net.chainId);
      expect(params.RealNetwork.usdc).to.equal(net.tokens.usdc);
      expect(params.RealNetwork.sequencerUptimeFeed).to.equal(net.chainlink.sequencerUptime);

      const used = moduleParameters(VaultRealNetworkModule);
      expect(used.size).to.be.greaterThan(20);
      for (const [key, hasDefault] of used) {
        const [moduleId, name] = key.split(".");
        if (!hasDefault) {
          expect(params[moduleId]?.[name], `${key} must be supplied`).to.not.equal(undefined);
        }
      }
      const ids = [...VaultRealNetworkModule.futures].map((f) => f.id);
      for (const id of [
        "VaultRealNetwork#BallastVault",
        "VaultRealNetwork#UniswapV3SwapAdapter",
        "VaultRealNetwork#AaveV3Adapter",
        "VaultRealNetwork#BallastLens",
      ]) {
        expect(ids).to.include(id);
      }
    });
  }
});

describe("connectFork against an in-process JSON-RPC node (local upstream)", function () {
  this.timeout(300_000);

  it("rejects an RPC without USDC, else forks with the real chain id and the clock anchored to the fork block", async function () {
    const server = await network.createServer("default", "127.0.0.1");
    const { address, port } = await server.listen();
    const url = `http://${address}:${port}`;
    const upstream = new JsonRpcProvider(url, undefined, { staticNetwork: true });
    try {
      let err: unknown;
      try {
        await connectFork(network, { kind: "mainnet", url });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ForkSetupError);
      expect((err as ForkSetupError).code).to.equal("WRONG_CHAIN");

      // give the upstream "USDC" code and a clock 30 days ahead of the wall clock
      await upstream.send("hardhat_setCode", [MAINNET.tokens.usdc, "0x60006000f3"]);
      const future = Math.floor(Date.now() / 1000) + 30 * 86_400;
      await upstream.send("evm_setNextBlockTimestamp", [future]);
      await upstream.send("evm_mine", []);
      const forkBlock = await upstream.getBlock("latest");
      expect(forkBlock!.timestamp).to.equal(future);

      const fork = await connectFork(network, {
        kind: "mainnet",
        url,
        blockNumber: BigInt(forkBlock!.number),
      });
      const provider = fork.ethers.provider;
      expect((await provider.getNetwork()).chainId).to.equal(1n);
      const latest = await provider.getBlock("latest");
      expect(latest!.number).to.equal(forkBlock!.number + 1);
      expect(latest!.timestamp).to.equal(future + 1);
      expect(await provider.getCode(MAINNET.tokens.usdc)).to.equal("0x60006000f3");
      await fork.close();
    } finally {
      upstream.destroy();
      await server.close();
    }
  });
});
