// `--heap`: heap snapshots of the gateway under load. The gateway runs with
// `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR` (Node ≥ 12); in a run of its own after the
// measured ones (writing a snapshot stops the process for seconds, so that run is never counted)
// the bench warms the gateway up, starts the load, and halfway through it reads the gateway's RSS
// (/proc) and V8 heap (its /metrics: prom-client's default nodejs_* gauges) and sends SIGUSR2.
// Node writes Heap.<date>.<time>.<pid>.0.<seq>.heapsnapshot into DIR; it is renamed
// <scenario>-Heap….heapsnapshot once complete (heap.ts reads it).
import { readdirSync, renameSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from './load.js';
import { type Bench, settle } from './measure.js';
import { rssMb } from './processes.js';
import type { Server, Upstream } from './servers.js';

/** Options of node for the gateway: a snapshot into `dir` on SIGUSR2. */
export const heapNodeArgs = (dir: string) => ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];

/** The V8 heap as the gateway's /metrics tells it (bytes), or null when it could not be read. */
export interface V8Heap {
  used: number;
  total: number;
  oldUsed: number;
  newUsed: number;
  external: number;
}

export interface HeapShot {
  file: string;
  /** Gateway RSS right before the signal, and once the snapshot was written, MB. */
  rssMb: number;
  rssAfterMb: number;
  heap: V8Heap | null;
  /** Requests of the warm-up before the run. */
  warmup: number;
  /** The run the snapshot was taken in (not counted anywhere else). */
  load: LoadResult;
  signalAtSec: number;
  /** From the signal until the file was complete. */
  writeSec: number;
}

export interface ShotOptions {
  dir: string;
  /** Prefix of the file's new name (the scenario). */
  label: string;
  /** Requests per second last measured, to size the runs. */
  rate: number;
  warmupSec: number;
  durationSec: number;
  metricsToken: string;
}

/** One snapshot of the (first process of the) gateway halfway through a run of `spec`. */
export async function snapshotUnderLoad(bench: Bench, gateway: Server, upstream: Upstream, spec: Omit<LoadSpec, 'targets'>, o: ShotOptions): Promise<HeapShot> {
  const pid = gateway.children[0]!.pid;
  await settle(gateway, upstream);
  const requests = (seconds: number) => Math.max(spec.connections * 2, Math.round(o.rate * seconds));
  const warm = await bench.loadgen.run({ ...spec, targets: gateway.urls, amount: requests(o.warmupSec), durationSec: undefined });
  const before = new Set(snapshotFiles(o.dir));
  const signalAtSec = Math.max(0.5, o.durationSec / 2);
  let done = false;
  const run = bench.loadgen.run({ ...spec, targets: gateway.urls, amount: requests(o.durationSec), durationSec: undefined });
  void run.then(
    () => (done = true),
    () => (done = true),
  );
  const t0 = performance.now();
  await Promise.race([run, new Promise((r) => setTimeout(r, signalAtSec * 1000))]);
  if (done) throw new Error(`${o.label}: the heap-snapshot run ended before its signal at ${signalAtSec} s (a longer --duration?)`);
  const heap = await v8Heap(gateway.urls[0]!, o.metricsToken);
  const rss = rssMb(pid);
  const signalled = performance.now();
  process.kill(pid, 'SIGUSR2');
  const file = await waitForSnapshot(o.dir, before, 300_000);
  const writeSec = (performance.now() - signalled) / 1000;
  const rssAfter = rssMb(pid);
  const load = await run;
  const named = join(o.dir, `${o.label}-${file}`);
  renameSync(join(o.dir, file), named);
  return { file: named, rssMb: rss, rssAfterMb: rssAfter, heap, warmup: warm.responses, load, signalAtSec: (signalled - t0) / 1000, writeSec };
}

const snapshotFiles = (dir: string) => readdirSync(dir).filter((f) => /^Heap\..*\.heapsnapshot$/.test(f));

/** Waits for a new snapshot in `dir` whose size has settled and whose JSON is closed (`]}`). */
async function waitForSnapshot(dir: string, before: Set<string>, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const file = snapshotFiles(dir).find((f) => !before.has(f));
    if (!file) continue;
    const size = statSync(join(dir, file)).size;
    if (size > 0 && size === lastSize && (await endsClosed(join(dir, file), size))) return file;
    lastSize = size;
  }
  throw new Error(`no complete heap snapshot in ${dir} ${timeoutMs / 1000} s after SIGUSR2 (does the gateway run with --heapsnapshot-signal?)`);
}

async function endsClosed(path: string, size: number): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const tail = Buffer.alloc(Math.min(64, size));
    await handle.read(tail, 0, tail.length, size - tail.length);
    return /\]\s*\}\s*$/.test(tail.toString('latin1'));
  } finally {
    await handle.close();
  }
}

async function v8Heap(graphqlUrl: string, metricsToken: string): Promise<V8Heap | null> {
  try {
    const res = await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${metricsToken}` } });
    if (!res.ok) return null;
    const text = await res.text();
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    return {
      used: value('nodejs_heap_size_used_bytes'),
      total: value('nodejs_heap_size_total_bytes'),
      oldUsed: value('nodejs_heap_space_size_used_bytes{space="old"}'),
      newUsed: value('nodejs_heap_space_size_used_bytes{space="new"}'),
      external: value('nodejs_external_memory_bytes'),
    };
  } catch {
    return null;
  }
}
