// The gateway against its baseline under the same load: both warmed up, then measured in turn —
// gateway, proxy, gateway, proxy, … — so a change in the machine's load (it is shared) falls on
// both alike; each side's medians with their spread. A measured run is a number of requests (about
// `durationSec` at the rate last seen), not a time: a timed run ends with requests cut off in
// flight, whose CPU and upstream calls would be charged to the requests that were answered (and
// whose cancellation can fail requests of the next run: see the report).
import type { LoadSpec } from './load.js';
import { type Bench, type Measured, measure } from './measure.js';
import { num, runLine, type Summary, summarize } from './report.js';
import type { Server, Upstream } from './servers.js';

export interface Side {
  server: Server;
  /** The upstream it calls (its calls are counted there). */
  upstream: Upstream;
}

export interface Timing {
  warmupSec: number;
  durationSec: number;
  reps: number;
}

export interface Comparison {
  gateway: Summary;
  proxy: Summary;
  runs: Measured[];
}

export async function compare(bench: Bench, gateway: Side, proxy: Side, spec: Omit<LoadSpec, 'targets'>, timing: Timing, log: (line: string) => void): Promise<Comparison> {
  // Warm-ups are counts of requests too (a first short one gives the rate), so that none is cut off.
  const rate = new Map<Side, number>();
  for (const side of [gateway, proxy]) {
    const t0 = performance.now();
    let w = await bench.loadgen.run({ ...spec, targets: side.server.urls, amount: spec.connections * 2, durationSec: undefined });
    let requests = w.responses;
    let failed = w.failed;
    const left = timing.warmupSec - (performance.now() - t0) / 1000;
    if (left > 0.1) {
      w = await bench.loadgen.run({ ...spec, targets: side.server.urls, amount: Math.max(spec.connections, Math.round(w.rps * left)), durationSec: undefined });
      requests += w.responses;
      failed += w.failed;
    }
    rate.set(side, w.rps);
    log(`  warm-up ${side.server.name}: ${requests} requests in ${num((performance.now() - t0) / 1000)} s${failed > 0 ? `, ${failed} FAILED: ${w.sample}` : ''}`);
  }
  const g: Measured[] = [];
  const p: Measured[] = [];
  for (let rep = 1; rep <= timing.reps; rep++) {
    for (const [side, into] of [
      [gateway, g],
      [proxy, p],
    ] as const) {
      const amount = Math.max(spec.connections * 2, Math.round((rate.get(side) ?? 1) * timing.durationSec));
      const m = await measure(bench, side.server, side.upstream, { ...spec, targets: side.server.urls, amount, durationSec: undefined }, { quiet: [gateway.server, proxy.server] });
      rate.set(side, m.load.rps);
      into.push(m);
      log(runLine(`run ${rep} ${side.server.name}`, m));
    }
  }
  return { gateway: summarize(g), proxy: summarize(p), runs: [...g, ...p] };
}
