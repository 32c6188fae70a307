/**
 * Target-volatility cap by scaling toward cash.
 *
 * Volatility is positively homogeneous: vol(s·w) = s·vol(w). When vol(w) > σ* and cash is
 * allowed, the risky weights are multiplied by s = σ* / vol(w) (never above 1) and the rest goes to
 * cash. This keeps the Sharpe ratio and the risk-contribution shares of w unchanged and keeps box
 * and budget constraints satisfied; a `minInvested` floor limits s (the cap is then reported as
 * not fully reached through volAfter > target). A turnover limit is NOT re-enforced by scaling:
 * any excess shows in the result's constraintViolation. Mean-variance uses γ-bisection instead
 * (see meanVariance.ts), which is exact under every constraint.
 */
import type { Matrix, Vector } from "../math/linalg.ts";
import type { NormalizedConstraints } from "./portfolio.ts";
import { portfolioVol } from "./portfolio.ts";
import type { TargetVolReport } from "./types.ts";

/** Apply the cap of `c.targetVol` to w; returns the new weights and the report (undefined when no cap). */
export function scaleToTargetVol(
  w: Vector,
  cov: Matrix,
  c: NormalizedConstraints,
): { weights: Vector; report?: TargetVolReport } {
  const target = c.targetVol;
  if (target === undefined) return { weights: w };
  const vol = portfolioVol(w, cov);
  if (vol <= target)
    return { weights: w, report: { target, volBefore: vol, volAfter: vol, action: "not-binding" } };
  if (c.fullyInvested)
    return { weights: w, report: { target, volBefore: vol, volAfter: vol, action: "unreachable" } };
  const invested = w.reduce((a, b) => a + b, 0);
  const floor = invested > 0 ? c.minInvested / invested : 0;
  const s = Math.min(1, Math.max(target / vol, floor));
  const weights = w.map((x) => x * s);
  return {
    weights,
    report: {
      target,
      volBefore: vol,
      volAfter: portfolioVol(weights, cov),
      action: "scaled-to-cash",
      value: s,
    },
  };
}
