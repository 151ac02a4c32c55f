// The limits line: how long the gateway takes to refuse documents built to hurt it — the 22-level
// fragment-doubling document (2^22 fields once expanded) and a ~1 MB document of aliases — sent
// one after the other on one connection, many times: the refusal time, median and p99.
import type { Bench } from './measure.js';
import { measure } from './measure.js';
import { ms, num } from './report.js';
import { fragmentBomb, hugeDocument } from './scenarios.js';
import type { Server, Upstream } from './servers.js';

export interface LimitResult {
  name: string;
  bytes: number;
  reps: number;
  p50: number;
  p99: number;
  /** HTTP status, code and limit of the answer, e.g. `400 GRAPHQL_VALIDATION_FAILED (cost)`. */
  answer: string;
  refused: boolean;
  cpuMsPerRefusal: number;
  upstreamCalls: number;
}

export async function runLimits(bench: Bench, gateway: Server, upstream: Upstream, token: string, reps: number, log: (line: string) => void): Promise<LimitResult[]> {
  const out: LimitResult[] = [];
  for (const [name, doc] of [
    ['22-level fragment doubling', fragmentBomb()],
    ['~1 MB document (aliases)', hugeDocument()],
  ] as const) {
    const spec = { connections: 1, bodies: [doc], tokens: [token], expectStatus: 400 };
    await bench.loadgen.run({ ...spec, targets: gateway.urls, amount: Math.min(5, reps) }); // warm-up
    const m = await measure(bench, gateway, upstream, { ...spec, targets: gateway.urls, amount: reps });
    const refused = m.load.wrongStatus === 0 && m.load.connErrors === 0;
    const r: LimitResult = {
      name,
      bytes: Buffer.byteLength(doc),
      reps: m.load.responses,
      p50: m.load.p50,
      p99: m.load.p99,
      answer: describe(m.load.statuses, m.load.sample),
      refused,
      cpuMsPerRefusal: m.cpuPer1k,
      upstreamCalls: Math.round(m.callsPerRequest * m.load.responses),
    };
    out.push(r);
    log(
      `  ${name} (${num(r.bytes / 1024)} KiB body): ${refused ? 'refused' : 'NOT REFUSED'} with ${r.answer} in ${ms(r.p50)} median, ${ms(r.p99)} p99 over ${r.reps} requests; ` +
        `${num(r.cpuMsPerRefusal)} ms CPU each; ${r.upstreamCalls} upstream calls`,
    );
  }
  return out;
}

function describe(statuses: Record<string, number>, sample: string | null): string {
  const status = Object.entries(statuses)
    .map(([s, n]) => (Object.keys(statuses).length > 1 ? `${s}×${n}` : s))
    .join(', ');
  try {
    const error = (JSON.parse(sample ?? '') as { errors?: { extensions?: { code?: string; limit?: string } }[] }).errors?.[0]?.extensions;
    return `HTTP ${status} ${error?.code ?? '?'}${error?.limit ? ` (limit: ${error.limit})` : ''}`;
  } catch {
    return `HTTP ${status}`;
  }
}
