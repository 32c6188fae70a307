import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { JsonRpcProvider } from "ethers";
import { MAINNET, NONE, realNetworkParameters } from "../../deploy/addresses.ts";
import type { RealNetworkAddresses } from "../../deploy/addresses.ts";
import { deployLocalStack } from "../../deploy/lib/localStack.ts";
import { LOCAL_HEARTBEAT } from "../../deploy/lib/vaultConfig.ts";
import { USDC_WETH_FEE, connectFork } from "./forkSetup.ts";
import type { VaultTarget } from "./forkSetup.ts";
import {
  hedgeScenarios,
  manipulationScenarios,
  newScenarioContext,
  oracleScenarios,
  rebalanceScenarios,
} from "./forkScenarios.ts";
import type { ScenarioContext } from "./forkScenarios.ts";
import { LOCAL_STACK } from "../../deploy/config/local.ts";

/**
 * Local rehearsal of the fork tests (NOT skipped): the same scenario bodies as
 * test/fork/{oracles,rebalance,manipulation,hedge}.test.ts, on a fork made by the same
 * `connectFork` (of an in-process node instead of a mainnet RPC), with the vault deployed through
 * the same `VaultRealNetwork` Ignition module, but against the local replica stack (TestERC20 USDC,
 * WETH9, Uniswap V3 npm bytecode, Aave V3 npm bytecode, Chainlink mocks) described as a
 * `RealNetworkAddresses`. It proves the scenarios, their helpers (storage-slot funding, EIP-712
 * signing, QuoterV2 minOut, error decoding) and the module wiring work; only the real chains'
 * data (liquidity, prices, caps, feed timing) is left to the forks.
 */

/** Deploys the local stack on `connection` and describes it as a real network + parameters. */
async function localTarget(connection: NetworkConnection): Promise<VaultTarget> {
  const stack = await deployLocalStack(connection);
  const a = async (c: { getAddress(): Promise<string> }) => c.getAddress();
  const net: RealNetworkAddresses = {
    chainId: Number((await connection.ethers.provider.getNetwork()).chainId),
    name: "mainnet",
    tokens: {
      usdc: await a(stack.usdc),
      weth: await a(stack.weth),
      wbtc: await a(stack.wbtc),
      link: await a(stack.link),
      uni: await a(stack.uni),
    },
    uniswap: {
      factory: await a(stack.factory),
      swapRouter02: await a(stack.swapRouter02),
      quoterV2: await a(stack.quoterV2),
      positionManager: await a(stack.positionManager),
    },
    aave: {
      pool: await a(stack.pool),
      poolAddressesProvider: await a(stack.poolAddressesProvider),
    },
    chainlink: {
      ethUsd: await a(stack.wethUsd),
      btcUsd: await a(stack.wbtcUsd),
      wbtcBtc: NONE,
      wbtcUsd: NONE,
      usdcUsd: await a(stack.usdcUsd),
      linkUsd: await a(stack.linkUsd),
      uniUsd: await a(stack.uniUsd),
      sequencerUptime: NONE,
    },
  };
  return {
    net,
    parameters: {
      ...realNetworkParameters(net),
      VaultRealNetwork: {
        wbtcFeed: net.chainlink.btcUsd,
        usdcHeartbeat: LOCAL_HEARTBEAT,
        wethHeartbeat: LOCAL_HEARTBEAT,
        // distinct thresholds: the stale scenario must name exactly one feed
        wbtcHeartbeat: LOCAL_HEARTBEAT - 100,
        linkHeartbeat: LOCAL_HEARTBEAT,
        uniHeartbeat: LOCAL_HEARTBEAT,
        sequencerGracePeriod: 0,
      },
    },
  };
}

/**
 * An in-process JSON-RPC node standing in for the real chain's RPC: the rehearsal forks it
 * with `connectFork` exactly as the fork suites fork mainnet (chain id 1, clock anchor, fork
 * mode of the simulated network). It only needs code at the mainnet USDC address, which
 * `connectFork` checks.
 */
interface Upstream {
  url: string;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const server = await network.createServer("default", "127.0.0.1");
  const { address, port } = await server.listen();
  const url = `http://${address}:${port}`;
  const rpc = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  await rpc.send("hardhat_setCode", [MAINNET.tokens.usdc, "0x60006000f3"]);
  await rpc.send("evm_mine", []);
  rpc.destroy();
  return { url, close: () => server.close() };
}

/** A describe block with its own fork of the upstream (no fixture leaks between groups). */
function rehearse(
  title: string,
  upstream: () => Upstream,
  scenarios: (ctx: ScenarioContext) => void,
): void {
  describe(title, function () {
    this.timeout(600_000);
    const ctx = newScenarioContext();
    before(async function () {
      ctx.connection = await connectFork(network, { kind: "mainnet", url: upstream().url });
      ctx.target = await localTarget(ctx.connection);
    });
    after(async function () {
      // Release the fork's keep-alive connections to the upstream server.
      await ctx.connection?.close();
    });
    scenarios(ctx);
  });
}

describe("fork scenarios rehearsed on a fork of a local node running the replica stack", function () {
  let upstream: Upstream | undefined;
  before(async function () {
    upstream = await startUpstream();
  });
  after(async function () {
    // Closing waits for open keep-alive sockets; never let that hang the suite.
    this.timeout(20_000);
    await Promise.race([upstream?.close(), new Promise((r) => setTimeout(r, 10_000))]);
  });
  const get = () => upstream!;

  it("the local WETH pool has the fee tier the scenarios trade through", function () {
    expect(LOCAL_STACK.uniswap.pools.weth.fee).to.equal(USDC_WETH_FEE);
  });

  rehearse("oracles", get, oracleScenarios);
  rehearse("deposit and rebalance", get, rebalanceScenarios);
  rehearse("pool manipulation and sandwich", get, manipulationScenarios);
  rehearse("Aave hedge", get, hedgeScenarios);
});
