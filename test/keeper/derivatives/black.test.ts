import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import type { OptionType } from "../../../keeper/src/derivatives/black.ts";
import {
  black76Greeks,
  black76Price,
  bsGreeks,
  bsPrice,
} from "../../../keeper/src/derivatives/black.ts";
import { DerivativesError } from "../../../keeper/src/derivatives/errors.ts";
import {
  erf,
  erfc,
  normCdf,
  normInv,
  normPdf,
  normSf,
} from "../../../keeper/src/derivatives/normal.ts";

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe("derivatives/normal", () => {
  it("matches high-precision Φ(x) (mpmath, 30 digits) to ~1e-15 relative, including deep tails", () => {
    const ref: [number, number][] = [
      [-37, 5.725571222524577e-300],
      [-20, 2.7536241186062337e-89],
      [-10, 7.619853024160525e-24],
      [-5, 2.866515718791939e-7],
      [-2, 0.02275013194817921],
      [-0.5, 0.3085375387259869],
      [0, 0.5],
      [0.3, 0.6179114221889527],
      [1, 0.8413447460685429],
      [3, 0.9986501019683699],
    ];
    for (const [x, v] of ref) {
      expect(rel(normCdf(x), v), `x=${x}`).to.be.below(2e-15);
      expect(rel(normSf(-x), v), `sf x=${-x}`).to.be.below(2e-15);
    }
    expect(rel(1 - normCdf(8), 6.221e-16)).to.be.below(0.2); // upper tail lost in 1−Φ…
    expect(rel(normSf(8), 6.22096057427178e-16)).to.be.below(1e-14); // …but kept by normSf
  });

  it("erf/erfc are consistent and the pdf integrates to the cdf", () => {
    expect(rel(erfc(3), 2.209049699858544e-5)).to.be.below(1e-14);
    expect(Math.abs(erf(0.5) - 0.5204998778130465)).to.be.below(1e-15);
    expect(Math.abs(erf(-0.5) + erf(0.5))).to.be.below(1e-16);
    // Simpson on [-1, 1.5]
    const n = 2000;
    const a = -1;
    const b = 1.5;
    const h = (b - a) / n;
    let s = normPdf(a) + normPdf(b);
    for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * normPdf(a + i * h);
    expect(Math.abs((s * h) / 3 - (normCdf(b) - normCdf(a)))).to.be.below(1e-13);
  });

  it("normInv inverts normCdf to near machine precision", () => {
    for (const p of [1e-300, 1e-20, 1e-8, 0.001, 0.02425, 0.1, 0.25, 0.5, 0.75, 0.975, 0.999999]) {
      const x = normInv(p);
      expect(rel(normCdf(x), p), `p=${p}`).to.be.below(1e-13);
    }
    expect(normInv(0)).to.equal(-Infinity);
    expect(normInv(1)).to.equal(Infinity);
    expect(normInv(1.5)).to.be.NaN;
  });
});

describe("derivatives/black: prices", () => {
  it("satisfies put–call parity for Black–Scholes: C − P = S·e^{−qT} − K·e^{−rT}", () => {
    for (const [S, K, T, vol, r, q] of [
      [100, 100, 1, 0.2, 0.05, 0.01],
      [100, 50, 0.01, 0.8, 0.03, 0],
      [100, 250, 3, 1.2, 0, 0.04],
      [95000, 60000, 2 / 365, 0.6, 0.04, 0],
    ]) {
      const c = bsPrice({ type: "call", spot: S, strike: K, T, vol, r, q });
      const p = bsPrice({ type: "put", spot: S, strike: K, T, vol, r, q });
      expect(Math.abs(c - p - (S * Math.exp(-q * T) - K * Math.exp(-r * T)))).to.be.below(
        1e-10 * S,
      );
    }
  });

  it("satisfies put–call parity for Black-76: C − P = DF·(F − K)", () => {
    for (const [F, K, T, vol, df] of [
      [100, 100, 1, 0.2, 0.95],
      [100, 30, 0.003, 1.5, 1],
      [100, 400, 2, 0.9, 0.9],
    ]) {
      const c = black76Price({ type: "call", forward: F, strike: K, T, vol, df });
      const p = black76Price({ type: "put", forward: F, strike: K, T, vol, df });
      expect(Math.abs(c - p - df * (F - K))).to.be.below(1e-12 * F);
    }
  });

  it("reproduces a textbook value (Hull: S=42, K=40, r=10%, σ=20%, T=0.5 → C=4.76, P=0.81)", () => {
    const c = bsPrice({ type: "call", spot: 42, strike: 40, T: 0.5, vol: 0.2, r: 0.1 });
    const p = bsPrice({ type: "put", spot: 42, strike: 40, T: 0.5, vol: 0.2, r: 0.1 });
    expect(c).to.be.closeTo(4.759422, 1e-6);
    expect(p).to.be.closeTo(0.808599, 1e-6);
  });

  it("returns intrinsic value at zero vol or expiry and rejects bad inputs with a typed error", () => {
    expect(
      black76Price({ type: "call", forward: 110, strike: 100, T: 0, vol: 0.5, df: 0.9 }),
    ).to.be.closeTo(9, 1e-12);
    expect(bsPrice({ type: "put", spot: 90, strike: 100, T: 1, vol: 0 })).to.be.closeTo(10, 1e-12);
    expect(() => bsPrice({ type: "call", spot: 100, strike: -1, T: 1, vol: 0.2 }))
      .to.throw(DerivativesError)
      .with.property("code", "INVALID_INPUT");
  });
});

describe("derivatives/black: Greeks vs central finite differences", () => {
  const types: OptionType[] = ["call", "put"];
  const bsCases = [
    { spot: 100, strike: 100, T: 1, vol: 0.25, r: 0.03, q: 0.01 },
    { spot: 100, strike: 70, T: 0.1, vol: 0.6, r: 0.05, q: 0 },
    { spot: 100, strike: 140, T: 2, vol: 0.9, r: 0.01, q: 0.02 },
    { spot: 92000, strike: 90000, T: 3 / 365, vol: 0.45, r: 0, q: 0 },
  ];
  for (const c of bsCases) {
    for (const type of types) {
      it(`Black–Scholes ${type} K/S=${(c.strike / c.spot).toFixed(2)} T=${c.T.toFixed(3)}`, () => {
        const g = bsGreeks({ ...c, type });
        const f = (o: Partial<typeof c>): number => bsPrice({ ...c, ...o, type });
        const hS = 1e-4 * c.spot * Math.min(1, 5 * c.vol * Math.sqrt(c.T));
        const hV = 1e-5;
        const hT = Math.min(1e-5, c.T / 100);
        const hR = 1e-6;
        const delta = (f({ spot: c.spot + hS }) - f({ spot: c.spot - hS })) / (2 * hS);
        const gamma =
          (f({ spot: c.spot + hS }) - 2 * g.price + f({ spot: c.spot - hS })) / (hS * hS);
        const vega = (f({ vol: c.vol + hV }) - f({ vol: c.vol - hV })) / (2 * hV);
        const theta = -(f({ T: c.T + hT }) - f({ T: c.T - hT })) / (2 * hT);
        const rho = (f({ r: c.r + hR }) - f({ r: c.r - hR })) / (2 * hR);
        const scale = c.spot;
        expect(Math.abs(g.delta - delta)).to.be.below(1e-7);
        expect(Math.abs(g.gamma - gamma) * scale).to.be.below(
          2e-4 * Math.max(g.gamma * scale, 1e-3),
        );
        expect(Math.abs(g.vega - vega)).to.be.below(1e-6 * scale);
        expect(Math.abs(g.theta - theta)).to.be.below(1e-5 * scale);
        expect(Math.abs(g.rho - rho)).to.be.below(1e-6 * scale);
      });
    }
  }

  const b76Cases = [
    { forward: 100, strike: 100, T: 0.5, vol: 0.3, df: 0.98 },
    { forward: 100, strike: 60, T: 0.05, vol: 0.9, df: 1 },
    { forward: 93000, strike: 110000, T: 0.3, vol: 0.5, df: 0.99 },
  ];
  for (const c of b76Cases) {
    for (const type of types) {
      it(`Black-76 ${type} K/F=${(c.strike / c.forward).toFixed(2)} T=${c.T}`, () => {
        const g = black76Greeks({ ...c, type });
        const r = -Math.log(c.df) / c.T;
        const f = (o: { forward?: number; vol?: number; T?: number; r?: number }): number => {
          const T = o.T ?? c.T;
          const rr = o.r ?? r;
          return black76Price({
            type,
            forward: o.forward ?? c.forward,
            strike: c.strike,
            vol: o.vol ?? c.vol,
            T,
            df: Math.exp(-rr * T),
          });
        };
        const hF = 1e-4 * c.forward;
        const hT = 1e-5;
        const delta = (f({ forward: c.forward + hF }) - f({ forward: c.forward - hF })) / (2 * hF);
        const gamma =
          (f({ forward: c.forward + hF }) - 2 * g.price + f({ forward: c.forward - hF })) /
          (hF * hF);
        const vega = (f({ vol: c.vol + 1e-5 }) - f({ vol: c.vol - 1e-5 })) / 2e-5;
        const theta = -(f({ T: c.T + hT }) - f({ T: c.T - hT })) / (2 * hT);
        const rho = (f({ r: r + 1e-6 }) - f({ r: r - 1e-6 })) / 2e-6;
        const scale = c.forward;
        expect(Math.abs(g.delta - delta)).to.be.below(1e-7);
        expect(Math.abs(g.gamma - gamma) * scale).to.be.below(
          2e-4 * Math.max(g.gamma * scale, 1e-3),
        );
        expect(Math.abs(g.vega - vega)).to.be.below(1e-6 * scale);
        expect(Math.abs(g.theta - theta)).to.be.below(1e-5 * scale);
        expect(Math.abs(g.rho - rho)).to.be.below(1e-6 * scale);
      });
    }
  }

  it("states vega per 1.00 vol and theta per year (a 1-point vol bump ≈ vega/100)", () => {
    const c = { type: "call" as const, spot: 100, strike: 100, T: 1, vol: 0.2 };
    const g = bsGreeks(c);
    const bump = bsPrice({ ...c, vol: 0.21 }) - g.price;
    expect(Math.abs(bump - g.vega / 100)).to.be.below(1e-3);
    const oneDay = bsPrice({ ...c, T: 1 - 1 / 365 }) - g.price;
    expect(Math.abs(oneDay - g.theta / 365)).to.be.below(1e-4);
  });
});
