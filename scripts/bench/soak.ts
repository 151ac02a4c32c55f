// Soak mode: 50 connections on the one-page scenario for some minutes, the server's RSS sampled
// every few seconds; a leak shows as a slope (MB per minute) that does not flatten after warm-up.
import type { LoadResult, LoadSpec } from './load.js';
import type { Bench } from './measure.js';
import { cpuSeconds, rssMb } from './processes.js';
import { ms, num } from './report.js';
import { pidsOf, type Server, type Upstream } from './servers.js';

export interface SoakReport {
  samples: { seconds: number; rssMb: number }[];
  slopeAll: number;
  slopeAfterWarmup: number;
  load: LoadResult;
  cpuPer1k: number;
}

export async function runSoak(
  bench: Bench,
  server: Server,
  upstream: Upstream,
  spec: Omit<LoadSpec, 'targets'>,
  seconds: number,
  everySec: number,
  log: (line: string) => void,
): Promise<SoakReport> {
  const pids = pidsOf(server);
  const rss = () => pids.reduce((sum, pid) => sum + rssMb(pid), 0);
  const samples: { seconds: number; rssMb: number }[] = [{ seconds: 0, rssMb: rss() }];
  log(`  t=${'0'.padStart(4)} s  RSS ${num(samples[0]!.rssMb)} MB`);
  const cpu0 = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const t0 = performance.now();
  const run = bench.loadgen.run({ ...spec, targets: server.urls, durationSec: seconds });
  let done = false;
  void run.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    await Promise.race([run.catch(() => undefined), new Promise((r) => setTimeout(r, everySec * 1000))]);
    if (done) break;
    const s = { seconds: (performance.now() - t0) / 1000, rssMb: rss() };
    samples.push(s);
    log(`  t=${Math.round(s.seconds).toString().padStart(4)} s  RSS ${num(s.rssMb)} MB`);
    // The emulator keeps every call it gets; forget them so its memory stays flat over the soak.
    await upstream.resetCalls();
  }
  const load = await run;
  const cpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpu0;
  const slopeAll = slope(samples);
  const slopeAfterWarmup = slope(samples.filter((s) => s.seconds >= seconds / 3));
  log(`  ${load.responses} requests, ${num(load.rps)} req/s, p50 ${ms(load.p50)}, p99 ${ms(load.p99)}, failed ${load.failed}${load.failed > 0 ? ` (e.g. ${load.sample})` : ''}`);
  log(`  RSS slope: ${num(slopeAll)} MB/min over the whole run, ${num(slopeAfterWarmup)} MB/min after the first third (warm-up)`);
  return { samples, slopeAll, slopeAfterWarmup, load, cpuPer1k: (cpu / Math.max(1, load.responses)) * 1000 };
}

/** Least-squares slope of RSS over time, in MB per minute. */
function slope(samples: { seconds: number; rssMb: number }[]): number {
  if (samples.length < 2) return Number.NaN;
  const n = samples.length;
  const mx = samples.reduce((s, p) => s + p.seconds, 0) / n;
  const my = samples.reduce((s, p) => s + p.rssMb, 0) / n;
  let num_ = 0;
  let den = 0;
  for (const p of samples) {
    num_ += (p.seconds - mx) * (p.rssMb - my);
    den += (p.seconds - mx) ** 2;
  }
  return den === 0 ? Number.NaN : (num_ / den) * 60;
}
