/**
 * Self-contained HTML report of a market simulation: a summary table and inline SVG charts (NAV
 * per share vs the benchmarks, portfolio weights over time, drawdowns, the simulated prices with
 * the crash regime shaded). No external assets, no scripts, no CDN: the file opens offline.
 */

/** One line of a chart. */
export interface ChartSeries {
  name: string;
  color: string;
  values: readonly number[];
}

/** Everything the report shows. */
export interface HtmlReportInput {
  title: string;
  /** Lines under the title (run parameters). */
  subtitle: readonly string[];
  /** Summary table, first row = header. */
  table: readonly (readonly string[])[];
  /** Extra key/value facts (rebalances, gas, breaches, wall time …). */
  facts: readonly (readonly [string, string])[];
  /** Day index of every point. */
  days: readonly number[];
  /** NAV per share and benchmarks, each normalized to 1 at day 0. */
  performance: readonly ChartSeries[];
  /** Weights (fractions of NAV) per asset plus cash; stacked. */
  weights: readonly ChartSeries[];
  /** Drawdowns (positive fractions) of the same series as `performance`. */
  drawdowns: readonly ChartSeries[];
  /** Normalized asset prices. */
  prices: readonly ChartSeries[];
  /** Crash-regime flags per point (shaded on the price and performance charts). */
  crash: readonly boolean[];
  /** Days on which the keeper rebalanced (tick marks on the weights chart). */
  rebalanceDays: readonly number[];
}

const W = 860;
const H = 280;
const PAD = { l: 64, r: 16, t: 16, b: 36 };

function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(v);
  return out;
}

interface Frame {
  x: (i: number) => number;
  y: (v: number) => number;
  svg: string[];
}

function frame(
  days: readonly number[],
  lo: number,
  hi: number,
  fmt: (v: number) => string,
  crash: readonly boolean[],
): Frame {
  const n = days.length;
  const x = (i: number) => PAD.l + (n <= 1 ? 0 : (i / (n - 1)) * (W - PAD.l - PAD.r));
  const y = (v: number) => PAD.t + (1 - (v - lo) / (hi - lo || 1)) * (H - PAD.t - PAD.b);
  const svg: string[] = [];
  for (let i = 0; i < n; i++) {
    if (!crash[i]) continue;
    const x0 = x(Math.max(0, i - 1));
    svg.push(
      `<rect x="${x0.toFixed(1)}" y="${PAD.t}" width="${(x(i) - x0).toFixed(1)}" height="${H - PAD.t - PAD.b}" fill="#f8d7da"/>`,
    );
  }
  for (const v of niceTicks(lo, hi)) {
    svg.push(
      `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${PAD.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${esc(fmt(v))}</text>`,
    );
  }
  const dx = niceTicks(days[0] ?? 0, days[n - 1] ?? 0, 8);
  for (const d of dx) {
    const i = days.findIndex((v) => v >= d);
    if (i < 0) continue;
    svg.push(`<text x="${x(i).toFixed(1)}" y="${H - 14}" text-anchor="middle">${d}</text>`);
  }
  svg.push(
    `<text x="${W - PAD.r}" y="${H - 2}" text-anchor="end">day</text>`,
    `<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" fill="none" stroke="#999"/>`,
  );
  return { x, y, svg };
}

function legend(series: readonly ChartSeries[]): string {
  return `<div class="legend">${series
    .map((s) => `<span><i style="background:${s.color}"></i>${esc(s.name)}</span>`)
    .join("")}</div>`;
}

function wrap(title: string, id: string, body: string[], series: readonly ChartSeries[]): string {
  return `<section><h2>${esc(title)}</h2>${legend(series)}<svg id="${id}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}">${body.join("")}</svg></section>`;
}

/** A multi-line chart as an inline SVG section. */
export function lineChart(
  title: string,
  id: string,
  days: readonly number[],
  series: readonly ChartSeries[],
  fmt: (v: number) => string,
  crash: readonly boolean[] = [],
): string {
  const all = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!(hi > lo)) {
    lo -= 0.01;
    hi += 0.01;
  }
  const pad = (hi - lo) * 0.05;
  const f = frame(days, lo - pad, hi + pad, fmt, crash);
  for (const s of series) {
    const pts = s.values.map((v, i) => `${f.x(i).toFixed(1)},${f.y(v).toFixed(1)}`).join(" ");
    f.svg.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="1.8" points="${pts}"><title>${esc(s.name)}</title></polyline>`,
    );
  }
  return wrap(title, id, f.svg, series);
}

/** A stacked-area chart (weights) with rebalance ticks, as an inline SVG section. */
export function stackedChart(
  title: string,
  id: string,
  days: readonly number[],
  series: readonly ChartSeries[],
  ticks: readonly number[],
): string {
  const f = frame(days, 0, 1, (v) => `${Math.round(v * 100)}%`, []);
  const n = days.length;
  let base = new Array<number>(n).fill(0);
  for (const s of series) {
    const top = base.map((b, i) => b + Math.max(0, s.values[i] ?? 0));
    const up = top.map((v, i) => `${f.x(i).toFixed(1)},${f.y(Math.min(1, v)).toFixed(1)}`);
    const down = base
      .map((v, i) => `${f.x(i).toFixed(1)},${f.y(Math.min(1, v)).toFixed(1)}`)
      .reverse();
    f.svg.push(
      `<polygon fill="${s.color}" fill-opacity="0.75" stroke="none" points="${[...up, ...down].join(" ")}"><title>${esc(s.name)}</title></polygon>`,
    );
    base = top;
  }
  for (const d of ticks) {
    const i = days.indexOf(d);
    if (i < 0) continue;
    f.svg.push(
      `<line class="rebalance" x1="${f.x(i).toFixed(1)}" x2="${f.x(i).toFixed(1)}" y1="${H - PAD.b}" y2="${H - PAD.b + 6}" stroke="#000"/>`,
    );
  }
  return wrap(title, id, f.svg, series);
}

/** The full HTML document. */
export function renderHtmlReport(r: HtmlReportInput): string {
  const pctFmt = (v: number) => `${(v * 100).toFixed(0)}%`;
  const table = `<table><thead><tr>${r.table[0].map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${r.table
    .slice(1)
    .map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
  const facts = `<table class="facts"><tbody>${r.facts
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join("")}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:900px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 4px}
.sub{color:#666;margin:0}
table{border-collapse:collapse;margin:12px 0}th,td{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}.facts th{text-align:left;font-weight:normal;color:#555}
svg.chart text{font-size:11px;fill:#444}
.legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.note{color:#666;font-size:12px}
</style></head><body>
<h1>${esc(r.title)}</h1>
${r.subtitle.map((s) => `<p class="sub">${esc(s)}</p>`).join("\n")}
<h2>Summary</h2>
${table}
${facts}
${lineChart("NAV per share vs benchmarks (start = 1)", "chart-nav", r.days, r.performance, (v) => v.toFixed(2), r.crash)}
<p class="note">Shaded days: crash regime of the simulated market.</p>
${stackedChart("Portfolio weights (fraction of NAV)", "chart-weights", r.days, r.weights, r.rebalanceDays)}
<p class="note">Ticks under the axis: days the keeper's plan was mined.</p>
${lineChart("Drawdown", "chart-drawdown", r.days, r.drawdowns, pctFmt)}
${lineChart("Asset prices (start = 1)", "chart-prices", r.days, r.prices, (v) => v.toFixed(2), r.crash)}
</body></html>
`;
}
