/**
 * Setup helpers of the forked-mainnet / forked-Arbitrum tests (test/fork/*.test.ts). Pure
 * functions and functions of an explicit connection: importing this file connects to nothing.
 *
 * - {@link forkConfigFromEnv}: the RPC URL (and optional block) from the environment, or
 *   undefined (the fork suites then print a reason and skip).
 * - {@link connectFork}: `network.create` with a `forking` override (hardhat.config.ts untouched).
 * - {@link setErc20Balance}: funds an account by writing the token's balance mapping slot
 *   (`hardhat_setStorageAt`), the slot found by probing, so no whale is needed.
 * - {@link deployRealVault}: the vault through the Ignition module `VaultRealNetwork` with the
 *   committed parameter file plus role parameters supplied here.
 * - Oracle arithmetic of docs/plan-format.md §4–§5 in bigint, and the vault's custom errors.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  AbiCoder,
  Contract,
  Interface,
  getAddress,
  keccak256,
  toBeHex,
  zeroPadValue,
} from "ethers";
import type { ContractRunner, Provider, Signer } from "ethers";
import type { NetworkConnection, NetworkManager } from "hardhat/types/network";
import { ARBITRUM, MAINNET } from "../../deploy/addresses.ts";
import type { RealNetworkAddresses } from "../../deploy/addresses.ts";
import { VAULT_ASSET_KEYS } from "../../deploy/lib/vaultConfig.ts";
import type { REAL_NETWORK_ROLE_PARAMETERS, VaultAssetKey } from "../../deploy/lib/vaultConfig.ts";
import VaultRealNetworkModule from "../../deploy/modules/VaultRealNetwork.ts";
import { signPlan } from "../../keeper/src/planner/eip712.ts";
import type { Action, Plan } from "../../keeper/src/planner/types.ts";

/** Which real network a fork suite runs against. */
export type ForkKind = "mainnet" | "arbitrum";

/** Environment variable holding the RPC URL of each fork kind. */
export const FORK_URL_ENV: Readonly<Record<ForkKind, string>> = {
  mainnet: "FORK_RPC_URL",
  arbitrum: "ARBITRUM_FORK_RPC_URL",
};

/**
 * Environment variable of the (optional) fork block number of each kind (block numbers of the
 * two chains are unrelated, so each has its own).
 */
export const FORK_BLOCK_ENV: Readonly<Record<ForkKind, string>> = {
  mainnet: "FORK_BLOCK",
  arbitrum: "ARBITRUM_FORK_BLOCK",
};

/** The line a fork suite prints before skipping. */
export function skipMessage(kind: ForkKind): string {
  return kind === "mainnet"
    ? "fork tests skipped: set FORK_RPC_URL to an Ethereum mainnet archive RPC URL to run them"
    : "fork tests skipped: set ARBITRUM_FORK_RPC_URL to an Arbitrum One archive RPC URL to run them";
}

/** Raised for a malformed fork setting or an unusable fork. */
export class ForkSetupError extends Error {
  readonly code: "BAD_FORK_BLOCK" | "BALANCE_SLOT_NOT_FOUND" | "WRONG_CHAIN";
  constructor(code: ForkSetupError["code"], message: string) {
    super(message);
    this.name = "ForkSetupError";
    this.code = code;
  }
}

/** Where and at which block to fork. */
export interface ForkConfig {
  readonly kind: ForkKind;
  readonly url: string;
  /** Undefined: the RPC's latest block. */
  readonly blockNumber?: bigint;
}

/**
 * The fork configuration from `env` (default `process.env`), or undefined when the URL variable
 * is unset or blank. Throws {@link ForkSetupError} for a block variable (`FORK_BLOCK`,
 * `ARBITRUM_FORK_BLOCK`) that is not a positive decimal integer.
 */
export function forkConfigFromEnv(
  kind: ForkKind,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ForkConfig | undefined {
  const url = env[FORK_URL_ENV[kind]]?.trim();
  if (url === undefined || url === "") return undefined;
  const blockVar = FORK_BLOCK_ENV[kind];
  const rawBlock = env[blockVar]?.trim();
  if (rawBlock === undefined || rawBlock === "") return { kind, url };
  if (!/^[0-9]+$/.test(rawBlock) || BigInt(rawBlock) === 0n) {
    throw new ForkSetupError("BAD_FORK_BLOCK", `${blockVar}=${rawBlock} is not a block number`);
  }
  return { kind, url, blockNumber: BigInt(rawBlock) };
}

/** The addresses of the fork kind's chain. */
export function forkAddresses(kind: ForkKind): RealNetworkAddresses {
  return kind === "mainnet" ? MAINNET : ARBITRUM;
}

/**
 * A new in-process network forking `cfg` (chain id set to the real one, so EIP-712 domains and
 * hardfork rules match the real chain), its clock anchored to the fork block. Checks the RPC
 * really serves that chain.
 */
export async function connectFork(
  networkManager: NetworkManager,
  cfg: ForkConfig,
): Promise<NetworkConnection> {
  const { chainId } = forkAddresses(cfg.kind);
  const connection = await networkManager.create({
    network: cfg.kind === "mainnet" ? "hardhatMainnet" : "default",
    override: {
      chainId,
      forking: {
        url: cfg.url,
        ...(cfg.blockNumber === undefined ? {} : { blockNumber: cfg.blockNumber }),
      },
    },
  });
  // the forked chain must hold the real USDC (a wrong URL would otherwise fail far later)
  const code = await connection.ethers.provider.getCode(forkAddresses(cfg.kind).tokens.usdc);
  if (code === "0x") {
    throw new ForkSetupError(
      "WRONG_CHAIN",
      `${FORK_URL_ENV[cfg.kind]} does not serve ${cfg.kind}: no code at USDC`,
    );
  }
  // Anchor the local clock to the fork block (whatever the node's default for forks): the next
  // block is 1 s after it, so Chainlink heartbeats are judged as on the real chain.
  const latest = await connection.ethers.provider.getBlock("latest");
  await connection.networkHelpers.time.setNextBlockTimestamp(latest!.timestamp + 1);
  await connection.networkHelpers.mine();
  return connection;
}

// ---------------------------------------------------------------- storage-slot funding

const coder = AbiCoder.defaultAbiCoder();

/** Layout of a `mapping(address => uint256)` slot key: Solidity or Vyper argument order. */
export type MappingLayout = "solidity" | "vyper";

/** A token's balance mapping: its base slot and key order. */
export interface BalanceSlot {
  readonly slot: bigint;
  readonly layout: MappingLayout;
}

/**
 * Storage key of `mapping[holder]` for a mapping at `slot`: Solidity
 * `keccak256(abi.encode(holder, slot))`, Vyper `keccak256(abi.encode(slot, holder))`.
 */
export function mappingSlot(
  holder: string,
  slot: bigint,
  layout: MappingLayout = "solidity",
): string {
  const encoded =
    layout === "solidity"
      ? coder.encode(["address", "uint256"], [getAddress(holder), slot])
      : coder.encode(["uint256", "address"], [slot, getAddress(holder)]);
  return keccak256(encoded);
}

/**
 * Known balance-mapping slots (checked by probing before use, so a wrong hint only costs time):
 * FiatTokenV2_2 USDC (mainnet and Arbitrum native) keeps `balanceAndBlacklistStates` at slot 9,
 * WETH9 `balanceOf` at 3, Arbitrum's aeWETH (OZ upgradeable ERC20) at 51, LINK at 1.
 */
export const BALANCE_SLOT_HINTS: Readonly<Record<string, BalanceSlot>> = {
  [MAINNET.tokens.usdc.toLowerCase()]: { slot: 9n, layout: "solidity" },
  [MAINNET.tokens.weth.toLowerCase()]: { slot: 3n, layout: "solidity" },
  [MAINNET.tokens.link.toLowerCase()]: { slot: 1n, layout: "solidity" },
  [ARBITRUM.tokens.usdc.toLowerCase()]: { slot: 9n, layout: "solidity" },
  [ARBITRUM.tokens.weth.toLowerCase()]: { slot: 51n, layout: "solidity" },
};

/** The JSON-RPC surface the funding helpers need (an EIP-1193 provider). */
export interface RpcProvider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

const ERC20_ABI = [
  "function balanceOf(address) view returns (uint256)",
  "function decimals() view returns (uint8)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function transfer(address to, uint256 amount) returns (bool)",
  "function allowance(address owner, address spender) view returns (uint256)",
];

/** An ERC-20 at `address` (balanceOf, decimals, approve, transfer). */
export function erc20(address: string, runner: ContractRunner): Contract {
  return new Contract(address, ERC20_ABI, runner);
}

const word = (v: bigint) => zeroPadValue(toBeHex(v), 32);

async function balanceOf(provider: Provider, token: string, holder: string): Promise<bigint> {
  return (await erc20(token, provider).balanceOf(holder)) as bigint;
}

/** True when writing `candidate`'s key for `holder` changes `balanceOf(holder)`; restores it. */
async function probe(
  rpc: RpcProvider,
  provider: Provider,
  token: string,
  holder: string,
  candidate: BalanceSlot,
): Promise<boolean> {
  const key = mappingSlot(holder, candidate.slot, candidate.layout);
  const original = (await rpc.request({
    method: "eth_getStorageAt",
    params: [token, key, "latest"],
  })) as string;
  const marker = 0x1badb002_5eedn; // < 2^255: survives USDC's blacklist-bit masking
  await rpc.request({ method: "hardhat_setStorageAt", params: [token, key, word(marker)] });
  try {
    return (await balanceOf(provider, token, holder)) === marker;
  } finally {
    await rpc.request({
      method: "hardhat_setStorageAt",
      params: [token, key, zeroPadValue(original, 32)],
    });
  }
}

/**
 * Finds the balance mapping of `token` by probing: the hint (if any) first, then slots
 * 0..maxSlot in Solidity and Vyper order. Every probe restores the slot it wrote. Throws
 * {@link ForkSetupError} when no slot works (e.g. a token storing balances as shares).
 */
export async function findBalanceSlot(
  rpc: RpcProvider,
  provider: Provider,
  token: string,
  maxSlot = 110n,
): Promise<BalanceSlot> {
  const holder = "0x00000000000000000000000000000000000b1a57";
  const hint = BALANCE_SLOT_HINTS[token.toLowerCase()];
  if (hint !== undefined && (await probe(rpc, provider, token, holder, hint))) return hint;
  for (let slot = 0n; slot <= maxSlot; slot++) {
    for (const layout of ["solidity", "vyper"] as const) {
      if (await probe(rpc, provider, token, holder, { slot, layout })) return { slot, layout };
    }
  }
  throw new ForkSetupError("BALANCE_SLOT_NOT_FOUND", `no balance mapping slot found for ${token}`);
}

/**
 * Sets `balanceOf(holder)` of `token` to `amount` by writing its storage slot (total supply is
 * not adjusted). Returns the slot used. Verifies the result.
 */
export async function setErc20Balance(
  connection: NetworkConnection,
  token: string,
  holder: string,
  amount: bigint,
): Promise<BalanceSlot> {
  const rpc = connection.provider as RpcProvider;
  const provider = connection.ethers.provider;
  const slot = await findBalanceSlot(rpc, provider, token);
  const key = mappingSlot(holder, slot.slot, slot.layout);
  await rpc.request({ method: "hardhat_setStorageAt", params: [token, key, word(amount)] });
  const got = await balanceOf(provider, token, holder);
  if (got !== amount) {
    throw new ForkSetupError(
      "BALANCE_SLOT_NOT_FOUND",
      `balanceOf(${holder}) of ${token} is ${got} after writing ${amount}`,
    );
  }
  return slot;
}

// ---------------------------------------------------------------- Ignition deployment

/** The role parameters the fork tests supply (absent from the committed parameter files). */
export type RoleParameters = Record<(typeof REAL_NETWORK_ROLE_PARAMETERS)[number], string>;

/** The committed parameter file `deploy/parameters/vault-<kind>.json`, parsed. */
export function readVaultParameterFile(
  kind: ForkKind,
): Record<string, Record<string, string | number>> {
  const file = path.resolve(process.cwd(), "deploy/parameters", `vault-${kind}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, string | number>>;
}

/** `parameters` with its `VaultRealNetwork` section extended by `roles`. */
export function withRoles(
  parameters: Record<string, Record<string, string | number>>,
  roles: RoleParameters,
): Record<string, Record<string, string | number>> {
  return { ...parameters, VaultRealNetwork: { ...parameters.VaultRealNetwork, ...roles } };
}

/** Ignition parameters for `VaultRealNetwork` on a fork: the committed file plus `roles`. */
export function vaultDeployParameters(
  kind: ForkKind,
  roles: RoleParameters,
): Record<string, Record<string, string | number>> {
  return withRoles(readVaultParameterFile(kind), roles);
}

/** Role accounts of a fork test: signers 0 (deployer / governance) to 5. */
export async function forkRoles(connection: NetworkConnection) {
  const [deployer, curator, guardian, keeper, alice, attacker] =
    await connection.ethers.getSigners();
  const roles: RoleParameters = {
    curator: curator.address,
    guardian: guardian.address,
    keeperSigner: keeper.address,
    timelockProposer: deployer.address,
    timelockExecutor: deployer.address,
    feeRecipient: deployer.address,
  };
  return { deployer, curator, guardian, keeper, alice, attacker, roles };
}

/**
 * What a scenario runs against: the addresses of the chain and the Ignition parameters of
 * `VaultRealNetwork` without the roles (for a fork: the committed parameter file).
 */
export interface VaultTarget {
  readonly net: RealNetworkAddresses;
  readonly parameters: Record<string, Record<string, string | number>>;
}

/** The target of a fork of `kind`: its addresses and its committed parameter file. */
export function forkTarget(kind: ForkKind): VaultTarget {
  return { net: forkAddresses(kind), parameters: readVaultParameterFile(kind) };
}

/**
 * Deploys `VaultRealNetwork` through Ignition with `target.parameters` plus `roles` (the
 * `VaultRealNetwork` section extended); returns its contracts (ethers, dynamic ABI).
 */
export async function deployRealVault(
  connection: NetworkConnection,
  target: VaultTarget,
  roles: RoleParameters,
) {
  const deployed = await connection.ignition.deploy(VaultRealNetworkModule, {
    parameters: withRoles(target.parameters, roles),
    displayUi: false,
  });
  const c = (x: unknown) => x as Contract;
  return {
    vault: c(deployed.vault),
    lens: c(deployed.lens),
    swapAdapter: c(deployed.swapAdapter),
    aaveAdapter: c(deployed.aaveAdapter),
    timelock: c(deployed.timelock),
  };
}

// ---------------------------------------------------------------- oracles and NAV (§4–§5)

const FEED_ABI = [
  "function decimals() view returns (uint8)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
];

/** A Chainlink AggregatorV3 at `address`. */
export function feedContract(address: string, runner: ContractRunner): Contract {
  return new Contract(address, FEED_ABI, runner);
}

/** One feed reading. */
export interface FeedReading {
  readonly feed: string;
  readonly answer: bigint;
  readonly decimals: bigint;
  readonly startedAt: bigint;
  readonly updatedAt: bigint;
}

/** `latestRoundData()` and `decimals()` of `feed`. */
export async function readFeed(feed: string, runner: ContractRunner): Promise<FeedReading> {
  const f = feedContract(feed, runner);
  const [, answer, startedAt, updatedAt] = (await f.latestRoundData()) as bigint[];
  return { feed, answer, decimals: (await f.decimals()) as bigint, startedAt, updatedAt };
}

/** Token price in base units per `amount`, rounded down (holdings) — docs/plan-format.md §4. */
export function valueInBase(
  amount: bigint,
  asset: { price: FeedReading; tokenDecimals: bigint },
  base: { price: FeedReading; tokenDecimals: bigint },
  roundUp = false,
): bigint {
  const num = asset.price.answer * 10n ** (base.tokenDecimals + base.price.decimals);
  const den = base.price.answer * 10n ** (asset.tokenDecimals + asset.price.decimals);
  const product = amount * num;
  return roundUp ? (product + den - 1n) / den : product / den;
}

/** Amount of the asset worth `baseValue` base units at the oracle prices (rounded down). */
export function amountForValue(
  baseValue: bigint,
  asset: { price: FeedReading; tokenDecimals: bigint },
  base: { price: FeedReading; tokenDecimals: bigint },
): bigint {
  const num = asset.price.answer * 10n ** (base.tokenDecimals + base.price.decimals);
  const den = base.price.answer * 10n ** (asset.tokenDecimals + asset.price.decimals);
  return (baseValue * den) / num;
}

/** Priced registry asset as the vault sees it. */
export interface PricedAsset {
  readonly key: VaultAssetKey;
  readonly token: string;
  readonly heartbeat: bigint;
  readonly tokenDecimals: bigint;
  readonly price: FeedReading;
}

/** Base asset and registry assets with their current feed readings (registry order). */
export async function pricedRegistry(vault: Contract, runner: ContractRunner) {
  const [baseFeedCfg] = (await vault.oracleConfig()) as [{ feed: string; heartbeat: bigint }];
  const baseToken = (await vault.asset()) as string;
  const base = {
    token: baseToken,
    feed: baseFeedCfg.feed,
    heartbeat: BigInt(baseFeedCfg.heartbeat),
    tokenDecimals: BigInt(await erc20(baseToken, runner).decimals()),
    price: await readFeed(baseFeedCfg.feed, runner),
  };
  const configs = (await vault.assetConfigs()) as {
    token: string;
    feed: string;
    heartbeat: bigint;
  }[];
  const assets: PricedAsset[] = [];
  for (const [i, cfg] of configs.entries()) {
    assets.push({
      key: VAULT_ASSET_KEYS[i],
      token: cfg.token,
      heartbeat: BigInt(cfg.heartbeat),
      tokenDecimals: BigInt(await erc20(cfg.token, runner).decimals()),
      price: await readFeed(cfg.feed, runner),
    });
  }
  return { base, assets };
}

// ---------------------------------------------------------------- errors and pools

/**
 * The vault's oracle and risk errors with the signatures of docs/plan-format.md §4 and §6
 * (decoded here, independent of which library's artifact declares them).
 */
export const VAULT_ERRORS = new Interface([
  "error OracleAnswerNotPositive(address feed, int256 answer)",
  "error OracleStale(address feed, uint256 updatedAt, uint256 heartbeat, uint256 nowTs)",
  "error OraclePriceOutOfBand(address feed, int256 answer, uint256 minPrice, uint256 maxPrice)",
  "error SequencerDown(address sequencerFeed, int256 answer)",
  "error SequencerGracePeriodNotOver(address sequencerFeed, uint256 startedAt, uint256 gracePeriod)",
  "error SlippageExceeded(uint256 index, uint256 inValue, uint256 outValue, uint256 slippageBps)",
  "error HealthFactorTooLow(uint256 healthFactor, uint256 minHealthFactor)",
  "error LossPerRebalanceExceeded(uint256 navBefore, uint256 navAfter, uint256 maxLossBps)",
]);

/** Revert data of an ethers call error (searched through nested `error`/`info` fields). */
export function revertData(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (v: unknown): string | undefined => {
    if (v === null || typeof v !== "object" || seen.has(v)) return undefined;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (typeof o.data === "string" && o.data.startsWith("0x") && o.data.length >= 10) return o.data;
    for (const k of ["error", "info", "cause", "data"]) {
      const found = walk(o[k]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(e);
}

/** Runs `fn`, expects a revert and decodes it with {@link VAULT_ERRORS} (name + args). */
export async function expectVaultError(
  fn: () => Promise<unknown>,
): Promise<{ name: string; args: readonly unknown[] }> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error("expected a revert, the call succeeded");
  const data = revertData(err);
  const parsed = data === undefined ? null : VAULT_ERRORS.parseError(data);
  if (parsed === null) throw new Error(`revert not decodable as a vault error: ${String(err)}`);
  return { name: parsed.name, args: [...parsed.args] };
}

/** SwapRouter02 `exactInput` (no deadline field) and QuoterV2 `quoteExactInput`. */
export const UNISWAP_ABI = {
  router: [
    "function exactInput((bytes path, address recipient, uint256 amountIn, uint256 amountOutMinimum) params) payable returns (uint256 amountOut)",
  ],
  quoter: [
    "function quoteExactInput(bytes path, uint256 amountIn) returns (uint256 amountOut, uint160[] sqrtPriceX96AfterList, uint32[] initializedTicksCrossedList, uint256 gasEstimate)",
  ],
  factory: ["function getPool(address, address, uint24) view returns (address)"],
  pool: [
    "function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)",
  ],
};

/** Aave V3 Pool `getUserAccountData`. */
export const AAVE_POOL_ABI = [
  "function getUserAccountData(address user) view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor)",
];

/** Fee tier of the USDC/WETH pool the tests trade through (the deepest one on both chains). */
export const USDC_WETH_FEE = 500;

/** QuoterV2 quote of `amountIn` along `path` (a static call; QuoterV2 is not a view). */
export async function quote(
  quoterAddress: string,
  runner: ContractRunner,
  path: string,
  amountIn: bigint,
): Promise<bigint> {
  const q = new Contract(quoterAddress, UNISWAP_ABI.quoter, runner);
  const [out] = (await q.quoteExactInput.staticCall(path, amountIn)) as [bigint];
  return out;
}

// ---------------------------------------------------------------- shared fixture

/** USDC amount in base units (6 decimals). */
export const usdc = (n: bigint): bigint => n * 10n ** 6n;

/**
 * Deploys the vault on `target`, funds `alice` with `deposit` base tokens by storage write and
 * deposits them. Returns contracts, accounts and addresses.
 */
export async function deployFundedVault(
  connection: NetworkConnection,
  target: VaultTarget,
  deposit: bigint,
) {
  const accounts = await forkRoles(connection);
  const contracts = await deployRealVault(connection, target, accounts.roles);
  const net = target.net;
  const vaultAddr = (await contracts.vault.getAddress()) as string;
  await setErc20Balance(connection, net.tokens.usdc, accounts.alice.address, deposit);
  const usdcAsAlice = erc20(net.tokens.usdc, accounts.alice);
  await (await usdcAsAlice.approve(vaultAddr, deposit)).wait();
  const asAlice = contracts.vault.connect(accounts.alice) as Contract;
  await (await asAlice.deposit(deposit, accounts.alice.address)).wait();
  const chainId = (await connection.ethers.provider.getNetwork()).chainId;
  return { ...contracts, ...accounts, net, vaultAddr, chainId };
}

/** The resolved type of {@link deployFundedVault}. */
export type FundedVault = Awaited<ReturnType<typeof deployFundedVault>>;

/**
 * Names of the feeds (base first) whose last update is older than their heartbeat at `now`:
 * at a fork block where this is non-empty the vault cannot price at all.
 */
export function staleFeeds(
  registry: Awaited<ReturnType<typeof pricedRegistry>>,
  now: bigint,
): string[] {
  const all = [
    { name: "base", heartbeat: registry.base.heartbeat, price: registry.base.price },
    ...registry.assets.map((a) => ({ name: a.key, heartbeat: a.heartbeat, price: a.price })),
  ];
  return all
    .filter((f) => now - f.price.updatedAt > f.heartbeat)
    .map((f) => `${f.name} (${f.price.feed}, updated ${now - f.price.updatedAt}s ago)`);
}

/** Plan options; weights in registry order (bps). */
export interface PlanOptions {
  readonly expectedWeightsBps: readonly bigint[];
  readonly weightToleranceBps: bigint;
  readonly slippageBps: bigint;
}

/** A plan for `s.vault` at its next nonce (deadline in one hour), signed by the keeper. */
export async function keeperSignedPlan(
  connection: NetworkConnection,
  s: FundedVault,
  actions: Action[],
  options: PlanOptions,
): Promise<{ plan: Plan; signature: string }> {
  const latest = await connection.ethers.provider.getBlock("latest");
  const plan: Plan = {
    nonce: (await s.vault.nextNonce()) as bigint,
    deadline: BigInt(latest!.timestamp) + 3_600n,
    actions,
    expectedWeightsBps: [...options.expectedWeightsBps],
    weightToleranceBps: options.weightToleranceBps,
    slippageBps: options.slippageBps,
  };
  const { signature } = await signPlan(plan, s.keeper, s.chainId, s.vaultAddr);
  return { plan, signature };
}

/**
 * Swaps `amountIn` of `path`'s input token through the real SwapRouter02 from `who` (funded
 * by storage write first), `amountOutMinimum` 0: the attacker's trade.
 */
export async function attackerSwap(
  connection: NetworkConnection,
  who: Signer,
  router: string,
  tokenIn: string,
  path: string,
  amountIn: bigint,
): Promise<void> {
  const addr = await who.getAddress();
  await setErc20Balance(connection, tokenIn, addr, amountIn);
  await (await erc20(tokenIn, who).approve(router, amountIn)).wait();
  const r = new Contract(router, UNISWAP_ABI.router, who);
  await (await r.exactInput({ path, recipient: addr, amountIn, amountOutMinimum: 0n })).wait();
}
