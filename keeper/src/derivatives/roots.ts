/**
 * One-dimensional root finding: Brent's method (inverse quadratic interpolation + secant +
 * bisection, R. P. Brent, "Algorithms for Minimization without Derivatives", 1973, ch. 4).
 */
import { DerivativesError } from "./errors.ts";

/** Options of {@link brent}. */
export interface BrentOptions {
  /** Absolute tolerance on x (default 1e-14). */
  xtol?: number;
  /** Relative tolerance on x (default 4·eps). */
  rtol?: number;
  /** Maximum iterations (default 200). */
  maxIter?: number;
}

/** Result of {@link brent}. */
export interface RootResult {
  x: number;
  fx: number;
  iterations: number;
}

/**
 * Root of `f` in [a, b] where f(a) and f(b) have opposite signs (or one is zero).
 * Throws ROOT_NOT_BRACKETED (with the end values) otherwise.
 */
export function brent(
  f: (x: number) => number,
  a: number,
  b: number,
  opts: BrentOptions = {},
): RootResult {
  const xtol = opts.xtol ?? 1e-14;
  const rtol = opts.rtol ?? 4 * Number.EPSILON;
  const maxIter = opts.maxIter ?? 200;
  let fa = f(a);
  let fb = f(b);
  if (fa === 0) return { x: a, fx: 0, iterations: 0 };
  if (fb === 0) return { x: b, fx: 0, iterations: 0 };
  if (!(Math.sign(fa) !== Math.sign(fb)) || Number.isNaN(fa) || Number.isNaN(fb)) {
    throw new DerivativesError("ROOT_NOT_BRACKETED", `root not bracketed on [${a}, ${b}]`, {
      a,
      b,
      fa,
      fb,
    });
  }
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let iter = 1; iter <= maxIter; iter++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * rtol * Math.abs(b) + 0.5 * xtol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return { x: b, fx: fb, iterations: iter };
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
  }
  return { x: b, fx: fb, iterations: maxIter };
}
