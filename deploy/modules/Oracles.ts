import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { LOCAL_STACK } from "../config/local.ts";

const { oracles } = LOCAL_STACK;

/**
 * Local Chainlink feeds: Chainlink's own `MockV3Aggregator` (compiled from
 * `@chainlink/contracts` via `npmFilesToBuild`), 8-decimal USD prices from the config, plus an
 * L2 sequencer uptime feed answering 0 (= up). Anyone can move a price with
 * `updateAnswer(int256)`.
 */
export default buildModule("Oracles", (m) => {
  const feed = (id: string, answer: bigint) =>
    m.contract("MockV3Aggregator", [oracles.decimals, answer], { id });
  const usdcUsd = feed("USDC_USD", oracles.prices.usdc);
  const wethUsd = feed("WETH_USD", oracles.prices.weth);
  const wbtcUsd = feed("WBTC_USD", oracles.prices.wbtc);
  const linkUsd = feed("LINK_USD", oracles.prices.link);
  const uniUsd = feed("UNI_USD", oracles.prices.uni);
  const sequencerUptime = m.contract(
    "MockV3Aggregator",
    [oracles.sequencerUptime.decimals, oracles.sequencerUptime.answer],
    { id: "SequencerUptime" },
  );
  return { usdcUsd, wethUsd, wbtcUsd, linkUsd, uniUsd, sequencerUptime };
});
