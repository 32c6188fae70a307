import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ArgumentType, Future } from "@nomicfoundation/ignition-core";
import { AAVE_LOCAL } from "../config/aave.ts";
import type { AaveListedAsset } from "../config/aave.ts";
import { LOCAL_STACK } from "../config/local.ts";
import { loadAaveArtifacts } from "../lib/aaveArtifacts.ts";
import OraclesModule from "./Oracles.ts";
import TokensModule from "./Tokens.ts";

const { aave, tokens } = LOCAL_STACK;
const A = loadAaveArtifacts();
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** Upper-case id fragment of an asset key ("usdc" → "USDC"). */
function tag(asset: AaveListedAsset): string {
  return asset.toUpperCase();
}

/**
 * Aave V3 (`@aave/core-v3` 1.19.3 npm artifacts, never recompiled) on the local stack's tokens
 * and Chainlink feeds, wired the way Aave's own deploy scripts do it:
 *
 * 1. `PoolAddressesProvider` (deployer = owner), ACL admin, `ACLManager` with the deployer as
 *    pool admin and risk admin.
 * 2. The seven logic libraries linked into `Pool` (FlashLoanLogic itself links BorrowLogic) and
 *    `ConfiguratorLogic` linked into `PoolConfigurator`; both implementations are registered with
 *    `setPoolImpl` / `setPoolConfiguratorImpl`, which create and initialise the proxies.
 * 3. `AaveOracle` (USD base, unit 1e8) reading the `MockV3Aggregator` feeds,
 *    `AaveProtocolDataProvider`, one `DefaultReserveInterestRateStrategy` per reserve and the
 *    AToken / StableDebtToken / VariableDebtToken implementations.
 * 4. `initReserves` per listed asset, then collateral parameters, borrowing, reserve factor,
 *    caps and the flash-loan premium.
 * 5. The seeder account supplies each reserve's `seedSupply` so borrowing works.
 *
 * `pool` and `poolConfigurator` are the PROXIES. The deployer is also the reserves' treasury.
 */
export default buildModule("AaveV3", (m) => {
  const tokenFutures = m.useModule(TokensModule);
  const feeds = m.useModule(OraclesModule);
  const deployer = m.getAccount(0);
  const seeder = m.getAccount(AAVE_LOCAL.seederAccountIndex);
  const assets = AAVE_LOCAL.listedAssets;

  const asset = (key: AaveListedAsset) => tokenFutures[key];
  const feed = (key: AaveListedAsset) => {
    const byAsset = { usdc: feeds.usdcUsd, weth: feeds.wethUsd, wbtc: feeds.wbtcUsd } as const;
    return byAsset[key];
  };

  // 1. Addresses provider and access control.
  const poolAddressesProvider = m.contract("PoolAddressesProvider", A.poolAddressesProvider, [
    AAVE_LOCAL.marketId,
    deployer,
  ]);
  const setAclAdmin = m.call(poolAddressesProvider, "setACLAdmin", [deployer]);
  // The ACLManager constructor reads the ACL admin from the provider.
  const aclManager = m.contract("ACLManager", A.aclManager, [poolAddressesProvider], {
    after: [setAclAdmin],
  });
  const setAclManager = m.call(poolAddressesProvider, "setACLManager", [aclManager]);
  const addPoolAdmin = m.call(aclManager, "addPoolAdmin", [deployer]);
  const addRiskAdmin = m.call(aclManager, "addRiskAdmin", [deployer]);
  const aclReady = [setAclManager, addPoolAdmin, addRiskAdmin];

  // 2. Logic libraries, Pool and PoolConfigurator.
  const supplyLogic = m.library("SupplyLogic", A.supplyLogic);
  const borrowLogic = m.library("BorrowLogic", A.borrowLogic);
  const liquidationLogic = m.library("LiquidationLogic", A.liquidationLogic);
  const eModeLogic = m.library("EModeLogic", A.eModeLogic);
  const bridgeLogic = m.library("BridgeLogic", A.bridgeLogic);
  const flashLoanLogic = m.library("FlashLoanLogic", A.flashLoanLogic, {
    libraries: { BorrowLogic: borrowLogic },
  });
  const poolLogic = m.library("PoolLogic", A.poolLogic);
  const configuratorLogic = m.library("ConfiguratorLogic", A.configuratorLogic);

  const poolImpl = m.contract("Pool", A.pool, [poolAddressesProvider], {
    id: "PoolImpl",
    libraries: {
      SupplyLogic: supplyLogic,
      BorrowLogic: borrowLogic,
      LiquidationLogic: liquidationLogic,
      EModeLogic: eModeLogic,
      BridgeLogic: bridgeLogic,
      FlashLoanLogic: flashLoanLogic,
      PoolLogic: poolLogic,
    },
  });
  const setPoolImpl = m.call(poolAddressesProvider, "setPoolImpl", [poolImpl]);
  const poolProxyAddress = m.readEventArgument(setPoolImpl, "ProxyCreated", "proxyAddress", {
    id: "PoolProxyAddress",
  });
  const pool = m.contractAt("Pool", A.pool, poolProxyAddress, { id: "Pool" });

  const poolConfiguratorImpl = m.contract("PoolConfigurator", A.poolConfigurator, [], {
    id: "PoolConfiguratorImpl",
    libraries: { ConfiguratorLogic: configuratorLogic },
  });
  // PoolConfigurator.initialize caches provider.getPool(), so the Pool proxy must exist first.
  const setConfiguratorImpl = m.call(
    poolAddressesProvider,
    "setPoolConfiguratorImpl",
    [poolConfiguratorImpl],
    { after: [setPoolImpl] },
  );
  const configuratorProxyAddress = m.readEventArgument(
    setConfiguratorImpl,
    "ProxyCreated",
    "proxyAddress",
    { id: "PoolConfiguratorProxyAddress" },
  );
  const poolConfigurator = m.contractAt(
    "PoolConfigurator",
    A.poolConfigurator,
    configuratorProxyAddress,
    { id: "PoolConfigurator" },
  );

  // 3. Oracle, data provider, rate strategies and token implementations.
  const aaveOracle = m.contract("AaveOracle", A.aaveOracle, [
    poolAddressesProvider,
    assets.map(asset),
    assets.map(feed),
    ZERO_ADDRESS, // no fallback oracle
    ZERO_ADDRESS, // base currency: USD
    aave.baseCurrencyUnit,
  ]);
  const setPriceOracle = m.call(poolAddressesProvider, "setPriceOracle", [aaveOracle]);
  const poolDataProvider = m.contract("AaveProtocolDataProvider", A.poolDataProvider, [
    poolAddressesProvider,
  ]);
  const setPoolDataProvider = m.call(poolAddressesProvider, "setPoolDataProvider", [
    poolDataProvider,
  ]);

  const aTokenImpl = m.contract("AToken", A.aToken, [pool], { id: "ATokenImpl" });
  const stableDebtTokenImpl = m.contract("StableDebtToken", A.stableDebtToken, [pool], {
    id: "StableDebtTokenImpl",
  });
  const variableDebtTokenImpl = m.contract("VariableDebtToken", A.variableDebtToken, [pool], {
    id: "VariableDebtTokenImpl",
  });

  // 4. Reserves: list, then configure.
  let previousInit: Future[] = [];
  const listReserve = (key: AaveListedAsset) => {
    const reserve = aave.reserves[key];
    const token = tokens[key];
    const rs = reserve.rateStrategy;
    const rateStrategy = m.contract(
      "DefaultReserveInterestRateStrategy",
      A.rateStrategy,
      [
        poolAddressesProvider,
        rs.optimalUsageRatio,
        rs.baseVariableBorrowRate,
        rs.variableRateSlope1,
        rs.variableRateSlope2,
        rs.stableRateSlope1,
        rs.stableRateSlope2,
        rs.baseStableRateOffset,
        rs.stableRateExcessOffset,
        rs.optimalStableToTotalDebtRatio,
      ],
      { id: `RateStrategy_${tag(key)}` },
    );
    const name = `${AAVE_LOCAL.tokenNamePrefix} ${token.symbol}`;
    const sym = `${AAVE_LOCAL.tokenSymbolPrefix}${token.symbol}`;
    const input = {
      aTokenImpl,
      stableDebtTokenImpl,
      variableDebtTokenImpl,
      underlyingAssetDecimals: token.decimals,
      interestRateStrategyAddress: rateStrategy,
      underlyingAsset: asset(key),
      treasury: deployer,
      incentivesController: ZERO_ADDRESS,
      aTokenName: name,
      aTokenSymbol: `a${sym}`,
      variableDebtTokenName: `${name} Variable Debt`,
      variableDebtTokenSymbol: `variableDebt${sym}`,
      stableDebtTokenName: `${name} Stable Debt`,
      stableDebtTokenSymbol: `stableDebt${sym}`,
      params: "0x",
    };
    // Listed one after the other so reserve ids (and getReservesList) follow `listedAssets`.
    const init = m.call(poolConfigurator, "initReserves", [[input]], {
      id: `InitReserve_${tag(key)}`,
      after: [...aclReady, ...previousInit],
    });
    previousInit = [init];
    const aTokenAddress = m.readEventArgument(init, "ReserveInitialized", "aToken", {
      id: `InitReserve_${tag(key)}_aToken`,
    });
    const variableDebtAddress = m.readEventArgument(
      init,
      "ReserveInitialized",
      "variableDebtToken",
      { id: `InitReserve_${tag(key)}_variableDebtToken` },
    );
    const aToken = m.contractAt("AToken", A.aToken, aTokenAddress, { id: `a${tag(key)}` });
    const variableDebtToken = m.contractAt(
      "VariableDebtToken",
      A.variableDebtToken,
      variableDebtAddress,
      { id: `variableDebt${tag(key)}` },
    );

    const cfg = (fn: string, args: ArgumentType[], label: string) =>
      m.call(poolConfigurator, fn, args, { id: `${label}_${tag(key)}`, after: [init] });
    const configured = [
      cfg(
        "configureReserveAsCollateral",
        [asset(key), reserve.ltv, reserve.liquidationThreshold, reserve.liquidationBonus],
        "Collateral",
      ),
      cfg("setReserveBorrowing", [asset(key), reserve.borrowingEnabled], "Borrowing"),
      // Stable-rate borrowing starts disabled after initReserves.
      ...(reserve.stableBorrowingEnabled
        ? [cfg("setReserveStableRateBorrowing", [asset(key), true], "StableBorrowing")]
        : []),
      cfg("setReserveFactor", [asset(key), reserve.reserveFactor], "ReserveFactor"),
      cfg("setSupplyCap", [asset(key), reserve.supplyCap], "SupplyCap"),
      cfg("setBorrowCap", [asset(key), reserve.borrowCap], "BorrowCap"),
    ];
    return { aToken, variableDebtToken, configured };
  };
  const reserves = Object.fromEntries(assets.map((key) => [key, listReserve(key)])) as Record<
    AaveListedAsset,
    ReturnType<typeof listReserve>
  >;
  const configured = assets.flatMap((key) => reserves[key].configured);
  configured.push(
    m.call(poolConfigurator, "updateFlashloanPremiumTotal", [aave.flashLoanPremiumTotal], {
      after: aclReady,
    }),
    m.call(
      poolConfigurator,
      "updateFlashloanPremiumToProtocol",
      [aave.flashLoanPremiumToProtocol],
      { after: aclReady },
    ),
  );

  // 5. Seed liquidity from the seeder account, once the market is fully configured.
  const ready = [...configured, setPriceOracle, setPoolDataProvider];
  for (const key of assets) {
    const amount = aave.reserves[key].seedSupply;
    const fund =
      key === "weth"
        ? m.call(tokenFutures.weth, "deposit", [], {
            id: "Seed_WETH_wrap",
            value: amount,
            from: seeder,
          })
        : m.call(tokenFutures[key], "mint", [seeder, amount], { id: `Seed_${tag(key)}_mint` });
    const approve = m.call(asset(key), "approve", [pool, amount], {
      id: `Seed_${tag(key)}_approve`,
      from: seeder,
      after: [fund],
    });
    m.call(pool, "supply", [asset(key), amount, seeder, 0], {
      id: `Seed_${tag(key)}_supply`,
      from: seeder,
      after: [approve, ...ready],
    });
  }

  return {
    pool,
    poolAddressesProvider,
    poolConfigurator,
    aclManager,
    aaveOracle,
    poolDataProvider,
    poolImpl,
    poolConfiguratorImpl,
    aUSDC: reserves.usdc.aToken,
    aWETH: reserves.weth.aToken,
    aWBTC: reserves.wbtc.aToken,
    variableDebtUSDC: reserves.usdc.variableDebtToken,
    variableDebtWETH: reserves.weth.variableDebtToken,
    variableDebtWBTC: reserves.wbtc.variableDebtToken,
  };
});
