import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { LOCAL_STACK } from "../config/local.ts";
import { loadNpmArtifact, NPM_ARTIFACTS } from "../lib/artifacts.ts";

const { tokens } = LOCAL_STACK;

/**
 * Local tokens: USDC (6 decimals), WBTC (8), LINK (18) and UNI (18) as freely mintable
 * `TestERC20`s, and WETH as the canonical WETH9 bytecode from the `canonical-weth` package.
 */
export default buildModule("Tokens", (m) => {
  const usdc = m.contract(
    "TestERC20",
    [tokens.usdc.name, tokens.usdc.symbol, tokens.usdc.decimals],
    { id: "USDC" },
  );
  const wbtc = m.contract(
    "TestERC20",
    [tokens.wbtc.name, tokens.wbtc.symbol, tokens.wbtc.decimals],
    { id: "WBTC" },
  );
  const link = m.contract(
    "TestERC20",
    [tokens.link.name, tokens.link.symbol, tokens.link.decimals],
    { id: "LINK" },
  );
  const uni = m.contract("TestERC20", [tokens.uni.name, tokens.uni.symbol, tokens.uni.decimals], {
    id: "UNI",
  });
  const weth = m.contract("WETH9", loadNpmArtifact(NPM_ARTIFACTS.weth9), [], { id: "WETH" });
  return { usdc, weth, wbtc, link, uni };
});
