/**
 * The human-readable address table `npm run node` prints for the local system. Pure formatting:
 * rows come from the deployed contracts' addresses, grouped by protocol.
 */

/** One printed row. */
export interface StackRow {
  readonly group: string;
  readonly name: string;
  readonly address: string;
}

/** Display group and name of each LocalStack result key; unknown keys go under "Other". */
export const STACK_LABELS: Readonly<Record<string, readonly [string, string]>> = {
  usdc: ["Tokens", "USDC"],
  weth: ["Tokens", "WETH (WETH9)"],
  wbtc: ["Tokens", "WBTC"],
  link: ["Tokens", "LINK"],
  uni: ["Tokens", "UNI"],
  usdcUsd: ["Chainlink", "USDC / USD"],
  wethUsd: ["Chainlink", "ETH / USD"],
  wbtcUsd: ["Chainlink", "WBTC / USD"],
  linkUsd: ["Chainlink", "LINK / USD"],
  uniUsd: ["Chainlink", "UNI / USD"],
  sequencerUptime: ["Chainlink", "L2 sequencer uptime"],
  factory: ["Uniswap V3", "UniswapV3Factory"],
  swapRouter02: ["Uniswap V3", "SwapRouter02"],
  quoterV2: ["Uniswap V3", "QuoterV2"],
  positionManager: ["Uniswap V3", "NonfungiblePositionManager"],
  wethUsdcPool: ["Uniswap V3", "Pool WETH/USDC"],
  wbtcUsdcPool: ["Uniswap V3", "Pool WBTC/USDC"],
  linkUsdcPool: ["Uniswap V3", "Pool LINK/USDC"],
  uniUsdcPool: ["Uniswap V3", "Pool UNI/USDC"],
  pool: ["Aave V3", "Pool (proxy)"],
  poolAddressesProvider: ["Aave V3", "PoolAddressesProvider"],
  poolConfigurator: ["Aave V3", "PoolConfigurator (proxy)"],
  aclManager: ["Aave V3", "ACLManager"],
  aaveOracle: ["Aave V3", "AaveOracle"],
  poolDataProvider: ["Aave V3", "PoolDataProvider"],
  poolImpl: ["Aave V3", "Pool implementation"],
  poolConfiguratorImpl: ["Aave V3", "PoolConfigurator implementation"],
  vault: ["Ballast", "BallastVault (bUSDC)"],
  lens: ["Ballast", "BallastLens"],
  timelock: ["Ballast", "TimelockController (admin)"],
  swapAdapter: ["Ballast", "UniswapV3SwapAdapter (id 1)"],
  aaveAdapter: ["Ballast", "AaveV3Adapter (id 2)"],
  configLib: ["Ballast", "ConfigLib (library)"],
  rebalanceLib: ["Ballast", "RebalanceLib (library)"],
  priceLib: ["Ballast", "PriceLib (library)"],
  planHashing: ["Ballast", "PlanHashing (library)"],
};

const GROUP_ORDER = ["Ballast", "Tokens", "Chainlink", "Uniswap V3", "Aave V3", "Other"];

/** Rows for every `key → address` entry, grouped and ordered for display. */
export function stackRows(addresses: Readonly<Record<string, string>>): StackRow[] {
  const rows = Object.entries(addresses).map(([key, address]) => {
    const aaveToken = /^(a[A-Z]|variableDebt|stableDebt)/.test(key);
    const [group, name] = STACK_LABELS[key] ?? [aaveToken ? "Aave V3" : "Other", key];
    return { group, name, address };
  });
  const rank = (group: string) => {
    const i = GROUP_ORDER.indexOf(group);
    return i === -1 ? GROUP_ORDER.length : i;
  };
  // Stable sort: keeps the module's own order within a group.
  return rows.sort((a, b) => rank(a.group) - rank(b.group));
}

/** Fixed-width text table of `rows` with a header line. */
export function formatStackTable(rows: readonly StackRow[]): string {
  const groupWidth = Math.max(5, ...rows.map((r) => r.group.length));
  const nameWidth = Math.max(8, ...rows.map((r) => r.name.length));
  const line = (g: string, n: string, a: string) =>
    `${g.padEnd(groupWidth)}  ${n.padEnd(nameWidth)}  ${a}`;
  const header = line("GROUP", "CONTRACT", "ADDRESS");
  return [header, "-".repeat(header.length + 40 - "ADDRESS".length)]
    .concat(rows.map((r) => line(r.group, r.name, r.address)))
    .join("\n");
}
