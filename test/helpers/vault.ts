/**
 * The shared fixture of the TypeScript vault tests (test/vault/*.test.ts) on the real local stack
 * (Uniswap V3 and Aave V3 npm bytecode, Chainlink mock feeds):
 *
 * - a Ballast vault deployed directly with `TEST_LIMITS` (any field overridable), roles on Hardhat
 *   accounts #1 curator, #2 guardian, #3 keeper signer (#0 is the admin);
 * - the Uniswap V3 swap adapter as id 1 and, with {@link lendingVault}, the Aave V3 adapter as id 2;
 * - WETH as asset 0 against its feed (max weight 60 %, net-delta band overridable);
 * - alice's (#4) deposit of 1,000,000 USDC.
 *
 * Plans are signed with {@link PLAN_TYPES}: a transcription of docs/plan-format.md §2 made
 * independently of the keeper's encoder (keeper/src/planner/eip712.ts), so a test that signs here
 * and the vault that verifies check each other.
 */
import { AbiCoder, solidityPacked } from "ethers";
import type { Contract, Signer, TypedDataDomain } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import { LOCAL_STACK } from "../../deploy/config/local.ts";
import { deployLocalStack } from "../../deploy/lib/localStack.ts";
import { deployTestVault, TEST_LIMITS } from "../../deploy/lib/vaultDirect.ts";
import { LENDING_OP } from "../../keeper/src/planner/eip712.ts";
import type { Action, Plan } from "../../keeper/src/planner/types.ts";

/** `n` whole USDC in base units (6 decimals). */
export const USDC = (n: bigint): bigint => n * 10n ** 6n;
/** `n` whole WETH in wei. */
export const WETH = (n: bigint): bigint => n * 10n ** 18n;
/** Fee tier of the local WETH/USDC pool. */
export const WETH_FEE = LOCAL_STACK.uniswap.pools.weth.fee;

/** Stack contracts are Ignition-typed; the tests call them through ethers' dynamic Contract. */
export function dyn(contract: unknown): Contract {
  return contract as Contract;
}

/** EIP-712 types of a plan, primary type Plan (docs/plan-format.md §2). */
export const PLAN_TYPES = {
  Plan: [
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "actions", type: "Action[]" },
    { name: "expectedWeightsBps", type: "uint16[]" },
    { name: "weightToleranceBps", type: "uint16" },
    { name: "slippageBps", type: "uint16" },
  ],
  Action: [
    { name: "adapterId", type: "uint8" },
    { name: "data", type: "bytes" },
  ],
};

/** Options of {@link wethVault}. */
export interface WethVaultOptions {
  /** Fields of `TEST_LIMITS` to override. */
  limits?: Partial<typeof TEST_LIMITS>;
  /** WETH's net-delta band in bps (default −10,000 … 10,000). */
  netDeltaBand?: { min: number; max: number };
}

/** A vault with WETH registered, the swap adapter as id 1 and alice's deposit (see the header). */
export async function wethVault(connection: NetworkConnection, opts: WethVaultOptions = {}) {
  const { ethers } = connection;
  const stack = await deployLocalStack(connection);
  const [admin, curator, guardian, keeper, alice, attacker, trader] = await ethers.getSigners();
  const limits = { ...TEST_LIMITS, ...opts.limits };
  const usdc = dyn(stack.usdc);
  const weth = dyn(stack.weth);
  const usdcAddr = await usdc.getAddress();
  const wethAddr = await weth.getAddress();
  const routerAddr = await stack.swapRouter02.getAddress();
  const vault = await deployTestVault(
    ethers,
    { base: usdcAddr, baseFeed: await stack.usdcUsd.getAddress(), admin: admin.address, limits },
    { curator: curator.address, guardian: guardian.address, keeperSigner: keeper.address },
  );
  const vaultAddr = await vault.getAddress();
  const swapAdapter = await ethers.deployContract("UniswapV3SwapAdapter", [vaultAddr, routerAddr]);
  await vault.connect(curator).submitAdapter(1, await swapAdapter.getAddress(), 1);
  await vault.acceptAdapter(1);
  const band = opts.netDeltaBand ?? { min: -10_000, max: 10_000 };
  const wethConfig = {
    token: wethAddr,
    feed: await stack.wethUsd.getAddress(),
    heartbeat: 86_400,
    enabled: true,
    maxWeightBps: 6_000,
    minNetDeltaBps: band.min,
    maxNetDeltaBps: band.max,
    minPrice: 0,
    maxPrice: 0,
  };
  await vault.connect(curator).submitAsset(0, wethConfig);
  await vault.acceptAsset(0);

  await usdc.mint(alice.address, USDC(1_000_000n));
  await dyn(usdc.connect(alice)).approve(vaultAddr, USDC(1_000_000n));
  await vault.connect(alice).deposit(USDC(1_000_000n), alice.address);

  const chainId = (await ethers.provider.getNetwork()).chainId;
  const domain: TypedDataDomain = {
    name: "Ballast Vault",
    version: "1",
    chainId,
    verifyingContract: vaultAddr,
  };
  const riskChecks = await ethers.getContractAt("RiskChecks", vaultAddr);

  /** The one-hop path tokenIn → tokenOut through the WETH/USDC pool. */
  const path = (tokenIn: string, tokenOut: string): string =>
    solidityPacked(["address", "uint24", "address"], [tokenIn, WETH_FEE, tokenOut]);
  /** A swap action on adapter 1 (§3 kind 1). */
  const swap = (tokenIn: string, tokenOut: string, amountIn: bigint, minOut = 0n): Action => ({
    adapterId: 1,
    data: AbiCoder.defaultAbiCoder().encode(
      ["bytes", "uint256", "uint256"],
      [path(tokenIn, tokenOut), amountIn, minOut],
    ),
  });
  /** A plan with the next nonce, an hour to its deadline, 1 % slippage, weights unchecked. */
  async function plan(actions: Action[], overrides: Partial<Plan> = {}): Promise<Plan> {
    const latest = await ethers.provider.getBlock("latest");
    const k = ((await vault.assetConfigs()) as unknown[]).length;
    return {
      nonce: await vault.nextNonce(),
      deadline: BigInt(latest!.timestamp) + 3_600n,
      actions,
      expectedWeightsBps: new Array<bigint>(k).fill(0n),
      weightToleranceBps: 10_000n,
      slippageBps: 100n,
      ...overrides,
    };
  }
  /** `signer`'s EIP-712 signature of `p` (another domain for the replay tests). */
  const sign = (signer: Signer, p: Plan, d: TypedDataDomain = domain): Promise<string> =>
    signer.signTypedData(d, PLAN_TYPES, p);
  /** A plan of `actions` and the keeper's signature of it. */
  async function signed(actions: Action[], overrides: Partial<Plan> = {}) {
    const p = await plan(actions, overrides);
    return [p, await sign(keeper, p)] as const;
  }

  return {
    stack,
    usdc,
    weth,
    usdcAddr,
    wethAddr,
    routerAddr,
    vault,
    vaultAddr,
    swapAdapter,
    admin,
    curator,
    guardian,
    keeper,
    alice,
    attacker,
    trader,
    limits,
    wethConfig,
    chainId,
    domain,
    riskChecks,
    path,
    swap,
    plan,
    sign,
    signed,
  };
}

/** {@link wethVault} with the Aave V3 lending adapter registered as id 2. */
export async function lendingVault(connection: NetworkConnection, opts: WethVaultOptions = {}) {
  const s = await wethVault(connection, opts);
  const poolAddr = await s.stack.pool.getAddress();
  const aave = await connection.ethers.deployContract("AaveV3Adapter", [s.vaultAddr, poolAddr]);
  const aaveAddr = await aave.getAddress();
  await s.vault.connect(s.curator).submitAdapter(2, aaveAddr, 2);
  await s.vault.acceptAdapter(2);
  /** A lending action on adapter 2 (§3 kind 2): op, asset, amount. */
  const lend = (op: number, asset: string, amount: bigint): Action => ({
    adapterId: 2,
    data: AbiCoder.defaultAbiCoder().encode(["uint8", "address", "uint256"], [op, asset, amount]),
  });
  return { ...s, poolAddr, aave, aaveAddr, lend };
}

/**
 * The delta hedge the lending suites run on a {@link lendingVault}: buy ~300k of WETH, supply
 * 400k USDC, borrow 50 WETH and sell it (a debt plus collateral).
 */
export function hedgeActions(s: Awaited<ReturnType<typeof lendingVault>>): Action[] {
  return [
    s.swap(s.usdcAddr, s.wethAddr, USDC(300_000n)),
    s.lend(LENDING_OP.SUPPLY, s.usdcAddr, USDC(400_000n)),
    s.lend(LENDING_OP.BORROW, s.wethAddr, WETH(50n)),
    s.swap(s.wethAddr, s.usdcAddr, WETH(50n)),
  ];
}
