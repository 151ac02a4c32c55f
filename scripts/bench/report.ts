// Numbers into words: medians with their spread, run lines, ratios, and the Markdown table for the
// README.
import type { Measured } from './measure.js';

export interface Stat {
  median: number;
  min: number;
  max: number;
}

export function stat(values: number[]): Stat {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

export interface Summary {
  server: string;
  runs: number;
  rps: Stat;
  p50: Stat;
  p99: Stat;
  cpuPer1k: Stat;
  /** The highest peak of any run. */
  peakRssMb: number;
  callsPerRequest: Stat;
  serverBusy: Stat;
  sideBusy: Stat;
  failed: number;
  sample: string | null;
}

export function summarize(runs: Measured[]): Summary {
  return {
    server: runs[0]?.server ?? '?',
    runs: runs.length,
    rps: stat(runs.map((r) => r.load.rps)),
    p50: stat(runs.map((r) => r.load.p50)),
    p99: stat(runs.map((r) => r.load.p99)),
    cpuPer1k: stat(runs.map((r) => r.cpuPer1k)),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    callsPerRequest: stat(runs.map((r) => r.callsPerRequest)),
    serverBusy: stat(runs.map((r) => r.serverBusy)),
    sideBusy: stat(runs.map((r) => r.sideBusy)),
    failed: runs.reduce((n, r) => n + r.load.failed, 0),
    sample: runs.find((r) => r.load.sample)?.load.sample ?? null,
  };
}

/** A number with sensible precision: 1234, 123, 12.3, 1.23. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const a = Math.abs(value);
  if (a >= 100) return Math.round(value).toString();
  if (a >= 10) return value.toFixed(1);
  if (a >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export const ms = (value: number) => `${num(value)} ms`;
export const pct = (value: number) => `${Math.round(value * 100)}%`;
/** `median (min–max)` */
export const spread = (s: Stat, unit = '') => `${num(s.median)}${unit} (${num(s.min)}–${num(s.max)})`;
export const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : '–');

export function runLine(label: string, m: Measured): string {
  const l = m.load;
  const failed = l.failed > 0 ? `  FAILED ${l.failed}` : '';
  return (
    `  ${label.padEnd(16)} ${num(l.rps).padStart(6)} req/s  p50 ${ms(l.p50).padStart(9)}  p99 ${ms(l.p99).padStart(9)}  ` +
    `CPU ${num(m.cpuPer1k)} s/1k  RSS ${Math.round(m.peakRssMb)} MB  calls/req ${num(m.callsPerRequest)}  ` +
    `server ${pct(m.serverBusy)} side ${pct(m.sideBusy)} of a core  (${l.responses} req)${failed}`
  );
}

export function summaryLines(g: Summary, p: Summary): string[] {
  const row = (s: Summary) =>
    `  ${s.server.padEnd(10)} ${spread(s.rps, ' req/s')}  p50 ${spread(s.p50, ' ms')}  p99 ${spread(s.p99, ' ms')}  CPU ${spread(s.cpuPer1k)} s/1k req  peak RSS ${Math.round(s.peakRssMb)} MB  calls/req ${num(s.callsPerRequest.median)}`;
  return [
    `  median of ${g.runs} runs each (min–max):`,
    row(g),
    row(p),
    `  gateway/proxy: throughput ${ratio(g.rps.median, p.rps.median)}, p50 ${ratio(g.p50.median, p.p50.median)}, p99 ${ratio(g.p99.median, p.p99.median)}, ` +
      `CPU per request ${ratio(g.cpuPer1k.median, p.cpuPer1k.median)}, peak RSS ${ratio(g.peakRssMb, p.peakRssMb)}`,
  ];
}

/** Warnings about a comparison that is not what it seems (`sameCalls`: both should make the same upstream calls). */
export function caveats(g: Summary, p: Summary, sameCalls = true): string[] {
  const out: string[] = [];
  for (const s of [g, p]) {
    if (s.failed > 0) out.push(`  ! ${s.server}: ${s.failed} failed answers, e.g. ${s.sample}`);
    if (s.sideBusy.median > 0.9)
      out.push(`  ! ${s.server}: the side core (load generator + upstream) was ${pct(s.sideBusy.median)} busy: the run may be bounded by it, not by the server`);
  }
  const cg = g.callsPerRequest.median;
  const cp = p.callsPerRequest.median;
  if (sameCalls && Number.isFinite(cg) && Number.isFinite(cp) && Math.abs(cg - cp) > 0.1 * Math.max(cg, cp) + 0.05) {
    out.push(`  ! upstream calls per request differ: gateway ${num(cg)}, proxy ${num(cp)} (coalescing of concurrent identical calls differs with timing)`);
  }
  return out;
}

export interface TableRow {
  scenario: string;
  connections: string;
  gateway: Summary;
  proxy: Summary;
}

export function markdownTable(rows: TableRow[]): string[] {
  const lines = [
    '| scenario | conns | gateway req/s | raw proxy req/s | gateway/proxy | gateway p50 / p99 | proxy p50 / p99 | CPU-s per 1k req gateway / proxy | peak RSS gateway / proxy |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { scenario, connections, gateway: g, proxy: p } of rows) {
    lines.push(
      `| ${scenario} | ${connections} | ${num(g.rps.median)} (${num(g.rps.min)}–${num(g.rps.max)}) | ${num(p.rps.median)} (${num(p.rps.min)}–${num(p.rps.max)}) | ${ratio(g.rps.median, p.rps.median)} | ` +
        `${num(g.p50.median)} / ${num(g.p99.median)} ms | ${num(p.p50.median)} / ${num(p.p99.median)} ms | ${num(g.cpuPer1k.median)} / ${num(p.cpuPer1k.median)} (${ratio(g.cpuPer1k.median, p.cpuPer1k.median)}) | ` +
        `${Math.round(g.peakRssMb)} / ${Math.round(p.peakRssMb)} MB |`,
    );
  }
  return lines;
}
