import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildVaultSystem } from "../lib/vaultModule.ts";
import {
  LOCAL_HEARTBEAT,
  VAULT_ASSET_KEYS,
  VAULT_ASSET_RISK,
  VAULT_DELAYS,
  VAULT_FEES,
} from "../lib/vaultConfig.ts";
import LocalStackModule from "./LocalStack.ts";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * The Ballast vault on the local replica stack (LocalStack: tokens, Chainlink mocks, Uniswap V3,
 * Aave V3): TimelockController (proposer and executor = the deployer), the four linked
 * libraries, BallastVault over USDC with WETH, WBTC, LINK and UNI registered on their mock feeds,
 * the swap adapter (id 1) and the Aave adapter (id 2), roles, BallastLens. See
 * deploy/lib/vaultModule.ts for the configuration order.
 *
 * Parameters (`Vault` section, all optional): `timelockMinDelay`, `curatorTimelock` (seconds),
 * `curator`, `guardian`, `keeperSigner` (default accounts #1, #2, #3), `feeRecipient`
 * (default: none, so no management/performance fee shares are minted). The Uniswap pools come
 * out unseeded: use `deploy/lib/vaultLocal.ts#deployLocalVault`, which deploys this module and
 * seeds them.
 */
export default buildModule("Vault", (m) => {
  const stack = m.useModule(LocalStackModule);
  const deployer = m.getAccount(0);
  const feeds = {
    weth: stack.wethUsd,
    wbtc: stack.wbtcUsd,
    link: stack.linkUsd,
    uni: stack.uniUsd,
  } as const;

  const system = buildVaultSystem(m, {
    base: stack.usdc,
    baseFeed: stack.usdcUsd,
    baseHeartbeat: LOCAL_HEARTBEAT,
    // L1-like local chain: no sequencer check (the stack's uptime mock is for L2 tests).
    sequencerFeed: ZERO_ADDRESS,
    sequencerGracePeriod: 0,
    assets: VAULT_ASSET_KEYS.map((key) => ({
      key,
      token: stack[key],
      feed: feeds[key],
      heartbeat: LOCAL_HEARTBEAT,
      ...VAULT_ASSET_RISK[key],
    })),
    swapRouter02: stack.swapRouter02,
    aavePool: stack.pool,
    timelockMinDelay: m.getParameter("timelockMinDelay", VAULT_DELAYS.local.timelockMinDelay),
    timelockProposer: deployer,
    timelockExecutor: deployer,
    curatorTimelock: m.getParameter("curatorTimelock", VAULT_DELAYS.local.curatorTimelock),
    curator: m.getParameter("curator", m.getAccount(1)),
    guardian: m.getParameter("guardian", m.getAccount(2)),
    keeperSigner: m.getParameter("keeperSigner", m.getAccount(3)),
    fees: { recipient: m.getParameter("feeRecipient", ZERO_ADDRESS), ...VAULT_FEES },
  });
  return { ...stack, ...system };
});
