import "../../helpers/float-matchers.ts";
import { expect } from "chai";
import {
  excessKurtosis,
  gammaSample,
  lnGamma,
  mean,
  mulberry32,
  normal,
  normalCdf,
  normalQuantile,
  quantile,
  regularizedIncompleteBeta,
  StatsError,
  std,
  studentT,
  studentTCdf,
  studentTQuantile,
  variance,
} from "../../../keeper/src/math/stats.ts";

describe("math/stats", () => {
  it("computes mean, variance and std", () => {
    const x = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(x)).to.equal(5);
    expect(variance(x, 0)).to.equal(4);
    expect(variance(x)).to.be.closeTo(32 / 7, 1e-15);
    expect(std(x, 0)).to.equal(2);
    expect(() => mean([]))
      .to.throw(StatsError)
      .with.property("code", "EMPTY_INPUT");
    expect(() => variance([1]))
      .to.throw(StatsError)
      .with.property("code", "INVALID_ARGUMENT");
  });

  it("quantile uses type-7 linear interpolation (NumPy default)", () => {
    // numpy.quantile([1,2,3,4,5,6,7,8,9,10], [0, .05, .25, .5, .9, 1])
    const x = [10, 3, 5, 1, 2, 4, 9, 6, 8, 7];
    expect(quantile(x, 0)).to.equal(1);
    expect(quantile(x, 0.05)).to.be.closeTo(1.45, 1e-12);
    expect(quantile(x, 0.25)).to.be.closeTo(3.25, 1e-12);
    expect(quantile(x, 0.5)).to.be.closeTo(5.5, 1e-12);
    expect(quantile(x, 0.9)).to.be.closeTo(9.1, 1e-12);
    expect(quantile(x, 1)).to.equal(10);
    expect(x[0]).to.equal(10); // input not sorted in place
    expect(() => quantile(x, 1.1)).to.throw(StatsError);
  });

  it("mulberry32 is deterministic, seed-dependent and uniform", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).to.deep.equal(xa);
    expect(Array.from({ length: 5 }, c)).to.not.deep.equal(xa);
    const r = mulberry32(1);
    const u = Array.from({ length: 100000 }, r);
    expect(Math.min(...u)).to.be.at.least(0);
    expect(Math.max(...u)).to.be.lessThan(1);
    expect(mean(u)).to.be.closeTo(0.5, 0.005);
    expect(variance(u)).to.be.closeTo(1 / 12, 0.002);
  });

  it("normal and Student-t samplers have the right moments", () => {
    const r = mulberry32(7);
    const z = Array.from({ length: 100000 }, () => normal(r, 1, 2));
    expect(mean(z)).to.be.closeTo(1, 0.03);
    expect(std(z)).to.be.closeTo(2, 0.03);
    expect(Math.abs(excessKurtosis(z))).to.be.lessThan(0.1);
    const t = Array.from({ length: 200000 }, () => studentT(r, 6));
    expect(variance(t)).to.be.closeTo(6 / 4, 0.05);
    expect(excessKurtosis(t)).to.be.greaterThan(1.5); // theoretical 6/(ν−4) = 3
    // Empirical quantile vs analytic quantile
    expect(quantile(t, 0.01)).to.be.closeTo(studentTQuantile(0.01, 6), 0.08);
    const g = Array.from({ length: 50000 }, () => gammaSample(r, 0.5));
    expect(mean(g)).to.be.closeTo(0.5, 0.02);
  });

  it("lnGamma and the regularized incomplete beta match known values", () => {
    expect(lnGamma(1)).to.be.closeTo(0, 1e-13);
    expect(lnGamma(5)).to.be.closeTo(Math.log(24), 1e-12);
    expect(lnGamma(0.5)).to.be.closeTo(0.5 * Math.log(Math.PI), 1e-12);
    // I_x(1, 1) = x;  I_x(a, 1) = x^a;  I_0.5(a, a) = 0.5
    expect(regularizedIncompleteBeta(0.3, 1, 1)).to.be.closeTo(0.3, 1e-13);
    expect(regularizedIncompleteBeta(0.3, 2.5, 1)).to.be.closeTo(Math.pow(0.3, 2.5), 1e-13);
    expect(regularizedIncompleteBeta(0.5, 3.7, 3.7)).to.be.closeTo(0.5, 1e-13);
    // scipy.special.betainc(2, 3, 0.4) = 0.5248
    expect(regularizedIncompleteBeta(0.4, 2, 3)).to.be.closeTo(0.5248, 1e-12);
  });

  it("Student-t CDF and quantile match published tables (scipy.stats.t)", () => {
    expect(studentTCdf(0, 4)).to.equal(0.5);
    expect(studentTCdf(2, 10)).to.be.closeTo(0.9633059826146297, 1e-12);
    expect(studentTCdf(-1, 1)).to.be.closeTo(0.25, 1e-13); // Cauchy
    expect(studentTQuantile(0.975, 5)).to.be.closeTo(2.5705818356363146, 1e-9);
    expect(studentTQuantile(0.95, 1)).to.be.closeTo(6.313751514675043, 1e-9);
    expect(studentTQuantile(0.01, 3)).to.be.closeTo(-4.540702858568132, 1e-9);
    expect(studentTQuantile(0.995, 30)).to.be.closeTo(2.7499956535672254, 1e-9);
    expect(studentTQuantile(0.5, 3)).to.equal(0);
    for (const nu of [1.5, 3, 8, 50]) {
      for (const p of [0.001, 0.05, 0.3, 0.8, 0.999]) {
        expect(studentTCdf(studentTQuantile(p, nu), nu)).to.be.closeTo(p, 1e-11);
      }
    }
    // Large ν approaches the normal
    expect(studentTQuantile(0.975, 1e6)).to.be.closeTo(normalQuantile(0.975), 1e-5);
  });

  it("normal CDF and quantile are consistent", () => {
    expect(normalQuantile(0.975)).to.be.closeTo(1.959963984540054, 1e-8);
    expect(normalQuantile(0.01)).to.be.closeTo(-2.326347874040841, 1e-8);
    expect(normalCdf(1.959963984540054)).to.be.closeTo(0.975, 1e-7);
    expect(normalCdf(0)).to.be.closeTo(0.5, 1e-9);
  });
});
