import { expect } from "chai";
import {
  computePoolAddress,
  encodeSqrtPriceX96,
  MAX_TICK,
  MIN_TICK,
  sortTokens,
  sqrtBigInt,
  sqrtPriceX96ToPrice,
  sqrtPriceX96ToTick,
  tickRange,
  UniswapMathError,
} from "../../deploy/lib/uniswapMath.ts";

const LOW = "0x1000000000000000000000000000000000000000";
const HIGH = "0xF000000000000000000000000000000000000000";

describe("uniswapMath", function () {
  it("sqrtBigInt is the exact floor square root", function () {
    for (const v of [
      0n,
      1n,
      2n,
      3n,
      4n,
      99n,
      100n,
      101n,
      10n ** 40n + 7n,
      2n ** 255n,
      3n * 2n ** 192n,
    ]) {
      const r = sqrtBigInt(v);
      expect(r * r <= v && (r + 1n) * (r + 1n) > v, `sqrt(${v})`).to.equal(true);
    }
    expect(() => sqrtBigInt(-1n)).to.throw(UniswapMathError);
  });

  it("sortTokens orders by address and rejects identical tokens", function () {
    const [a, b] = sortTokens({ address: HIGH }, { address: LOW });
    expect([a.address, b.address]).to.deep.equal([LOW, HIGH]);
    expect(() => sortTokens({ address: LOW }, { address: LOW.toLowerCase() })).to.throw(
      UniswapMathError,
    );
  });

  it("encodes USDC/WETH at $3000 for both orderings (decimals 6 and 18)", function () {
    const usdc = { address: LOW, decimals: 6, usdPrice: 1_00000000n };
    const weth = { address: HIGH, decimals: 18, usdPrice: 3000_00000000n };
    // token0 = USDC: 1e12 / 3000 raw WETH per raw USDC → sqrt ≈ 18257.4 → × 2^96.
    const s01 = encodeSqrtPriceX96(usdc, weth);
    expect(s01).to.equal(1446501726624926496477173928747177n);
    expect(Math.abs(1 / sqrtPriceX96ToPrice(s01, 6, 18) - 3000)).to.be.lessThan(1e-6);
    // token0 = WETH: 3000 / 1e12 raw USDC per raw WETH.
    const s10 = encodeSqrtPriceX96(weth, usdc);
    expect(Math.abs(sqrtPriceX96ToPrice(s10, 18, 6) - 3000)).to.be.lessThan(1e-6);
    // The two are reciprocal around 2^96: s01 * s10 ≈ 2^192.
    const product = Number(s01) * Number(s10);
    expect(Math.abs(product / 2 ** 192 - 1)).to.be.lessThan(1e-12);
  });

  it("price → tick matches 1.0001^tick", function () {
    const s = encodeSqrtPriceX96(
      { address: LOW, decimals: 8, usdPrice: 60000_00000000n },
      { address: HIGH, decimals: 6, usdPrice: 1_00000000n },
    );
    const tick = sqrtPriceX96ToTick(s);
    const price = sqrtPriceX96ToPrice(s, 0, 0);
    expect(1.0001 ** tick <= price && price < 1.0001 ** (tick + 1)).to.equal(true);
  });

  it("tickRange spans ±rangeBps on the tick spacing, inside the global bounds", function () {
    const [lower, upper] = tickRange(196_256, 10, 2000);
    expect(lower % 10).to.equal(0);
    expect(upper % 10).to.equal(0);
    expect(1.0001 ** (196_256 - lower)).to.be.at.least(1.2);
    expect(1.0001 ** (upper - 196_256)).to.be.at.least(1.2);
    const [minL, maxU] = tickRange(MAX_TICK - 5, 60, 5000);
    expect(maxU).to.be.at.most(MAX_TICK);
    expect(tickRange(MIN_TICK + 5, 60, 5000)[0]).to.be.at.least(MIN_TICK);
    expect(minL).to.be.lessThan(maxU);
    expect(() => tickRange(0, 10, 0)).to.throw(UniswapMathError);
  });

  it("computePoolAddress reproduces mainnet's USDC/WETH 0.05% pool", function () {
    // Uniswap V3 factory 0x1F98…F984; USDC/WETH 500 pool 0x88e6…5640 (Uniswap docs/info).
    const pool = computePoolAddress(
      "0x1F98431c8aD98523631AE4a59f267346ea31F984",
      "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
      "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
      500,
    );
    expect(pool).to.equal("0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640");
  });
});
