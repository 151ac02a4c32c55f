// One measured run: a load run against one server while its processes are measured from /proc —
// CPU seconds (utime + stime) before and after, peak RSS (VmHWM, reset before the run; sampled RSS
// where the kernel does not allow the reset) — and how busy the other core was (the load generator,
// the upstream and this orchestrator), so a run bounded by them rather than by the server shows.
import type { LoadGenerator, LoadResult, LoadSpec } from './load.js';
import { cpuSeconds, peakRssMb, resetPeakRss, rssMb } from './processes.js';
import { pidsOf, type Server, type Upstream } from './servers.js';

export interface Measured {
  server: string;
  load: LoadResult;
  /** CPU seconds of the server's processes per 1,000 answered requests. */
  cpuPer1k: number;
  /** The server's CPU time over the wall time: 1 = one core busy all along. */
  serverBusy: number;
  /** The same for the load generator, the upstream(s) and this process. */
  sideBusy: number;
  /** Peak resident memory of the server's processes during the run (summed over replicas), MB. */
  peakRssMb: number;
  /** Upstream calls the run caused per answered request. */
  callsPerRequest: number;
}

export interface Bench {
  loadgen: LoadGenerator;
  /** Every upstream alive (their CPU counts as side work). */
  upstreams: Upstream[];
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Waits until the servers are idle (under 5% of a core over 200 ms, at most 10 s): work of the run
 * before (the other server's, background refreshes, requests cut off at the end of a timed run —
 * the raw proxy does not cancel its upstream calls when a client goes away) would be charged to this one.
 */
export async function settle(...servers: Server[]): Promise<void> {
  const pids = servers.flatMap(pidsOf);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const before = sum(pids.map(cpuSeconds));
    await new Promise((r) => setTimeout(r, 200));
    if (sum(pids.map(cpuSeconds)) - before < 0.01) return;
  }
}

export async function measure(bench: Bench, server: Server, upstream: Upstream, spec: LoadSpec, options: { quiet?: Server[] } = {}): Promise<Measured> {
  await settle(server, upstream, ...(options.quiet ?? []));
  await upstream.resetCalls();
  const pids = pidsOf(server);
  const sidePids = [bench.loadgen.pid, ...bench.upstreams.flatMap(pidsOf)];
  const peakReset = pids.map(resetPeakRss).every(Boolean);
  let sampled = sum(pids.map(rssMb));
  const sampler = setInterval(() => (sampled = Math.max(sampled, sum(pids.map(rssMb)))), 250);
  const cpu0 = sum(pids.map(cpuSeconds));
  const side0 = sum(sidePids.map(cpuSeconds)) + selfCpu();
  let load: LoadResult;
  try {
    load = await bench.loadgen.run({ ...spec, targets: server.urls });
  } finally {
    clearInterval(sampler);
  }
  const cpu = sum(pids.map(cpuSeconds)) - cpu0;
  const side = sum(sidePids.map(cpuSeconds)) + selfCpu() - side0;
  const peak = peakReset ? sum(pids.map(peakRssMb)) : Math.max(sampled, sum(pids.map(rssMb)));
  const calls = await upstream.count();
  return {
    server: server.name,
    load,
    cpuPer1k: load.responses > 0 ? (cpu / load.responses) * 1000 : Number.NaN,
    // Over the time requests were answered (the run's end waits a moment for nothing).
    serverBusy: cpu / Math.max(load.seconds, 0.001),
    sideBusy: side / Math.max(load.seconds, 0.001),
    peakRssMb: peak,
    callsPerRequest: load.responses > 0 ? calls / load.responses : Number.NaN,
  };
}

function selfCpu(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
