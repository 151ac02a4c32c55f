// `npm run bench`: the gateway as production runs it (`node dist/main.js`, configured through its
// environment) against a baseline measured in the same run — a raw node:http + undici proxy
// (raw-proxy.mjs) that makes the same upstream calls and writes the same bytes by hand — with the
// standalone Jiguang emulator as upstream and autocannon as load generator, each in a process of
// its own, the server under test pinned to one core and the rest to the other (taskset).
//   1. CPU scenarios (cache off, quotas and fairness lifted): one page of 20 links, 20 links × 3
//      overlapping statistics ranges, 10 links by key at 50 connections, one page at 1 connection.
//   2. Limits: time to refuse the fragment-doubling document and a ~1 MB document.
//   3. Dashboard: the defaults (cache, quotas, fairness) against Jiguang's real quotas at 30 ms.
// `--soak [minutes]` instead watches the gateway's memory under load. See args.ts for the options.
// Without taskset (or with one core) nothing is pinned and the machine line says so. A fleet:
// `--replicas N` starts N gateway processes and the load generator spreads its connections over
// them (one autocannon instance per process); their CPU and memory are summed. `--heap [DIR]`: a
// heap snapshot of the gateway under load per scenario at --connections, summarized (snapshot.ts, heap.ts).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Options, parseArgs, USAGE, UsageError } from './args.js';
import { compare, type Timing } from './compare.js';
import { type DashboardReport, runDashboard } from './dashboard.js';
import { type FleetRow, runFleet } from './fleet.js';
import { heapSummaryLines, summarizeHeapSnapshot } from './heap.js';
import { type LimitResult, runLimits } from './limits.js';
import { LoadGenerator } from './load.js';
import { machineLines } from './machine.js';
import type { Bench } from './measure.js';
import { installCleanup, keepTempDirs, pinSelf, planPinning, removeOnExit, stopAll } from './processes.js';
import { checkReference, ReferenceMismatch } from './reference.js';
import { caveats, markdownTable, ms, num, pct, summaryLines, type TableRow } from './report.js';
import { dashboards, loadBenchData, type Scenario, type ScenarioId, scenarios } from './scenarios.js';
import { makeTokens, NO_CACHE_NO_LIMITS, NPM_START, ROOT, type Server, startEmulator, startGateway, startProxy, type Upstream } from './servers.js';
import { heapNodeArgs, snapshotUnderLoad } from './snapshot.js';
import { runSoak } from './soak.js';

const log = (line = '') => console.log(line);

let options: Options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  if (error.message) console.error(`bench: ${error.message}`);
  console.error(USAGE);
  process.exit(error.message ? 2 : 0);
}
const o = options;

installCleanup();
keepTempDirs(o.keep);
const pinning = planPinning(!o.pin);
log(`# jiguang-gateway benchmark${o.quick ? ' (--quick: a smoke run, not a measurement)' : ''}${o.soakMinutes !== null ? ` (--soak ${o.soakMinutes} min)` : ''}`);
for (const line of machineLines(pinning)) log(line);

if (o.build) {
  const t = performance.now();
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) {
    console.error(`bench: the build (node scripts/build.mjs, what npm run build runs) failed:\n${build.stdout}${build.stderr}`);
    process.exit(1);
  }
  log(`build: dist/ rebuilt in ${num((performance.now() - t) / 1000)} s (--no-build uses it as it is)`);
}
// Built first on every core; from here on this process stays off the server's core.
pinSelf(pinning);

const dir = mkdtempSync(join(tmpdir(), 'jiguang-bench-'));
removeOnExit(dir);
const bench: Bench = { loadgen: LoadGenerator.start(pinning), upstreams: [] };
const metricsToken = makeTokens('metrics', 1)[0]!;
const problems: string[] = [];
const rows: TableRow[] = [];
let limits: LimitResult[] = [];
let dashboard: DashboardReport | null = null;
let fleet: FleetRow[] | null = null;
let addedLatency: string | null = null;
const timing: Timing = { warmupSec: o.warmupSec, durationSec: o.durationSec, reps: o.reps };
// --heap: where the gateway writes its snapshots; a folder of its own that outlives the run.
const heapDir = o.heapDir === null ? null : o.heapDir === '' ? mkdtempSync(join(tmpdir(), 'jiguang-bench-heap-')) : resolve(o.heapDir);
if (heapDir) mkdirSync(heapDir, { recursive: true });

try {
  const cpuScenarios = (['page', 'stats', 'bykey', 'latency', 'limits'] as const).filter((s) => o.only.has(s));
  if (o.soakMinutes !== null || cpuScenarios.length > 0) await cpuPart();
  if (o.soakMinutes === null && o.only.has('dashboard')) await dashboardPart();
  if (o.soakMinutes === null && o.only.has('fleet')) await fleetPart();
  if (o.soakMinutes === null) finalReport();
} catch (error) {
  // A failed reference check says all there is to say; anything else comes with its stack.
  console.error(`\nbench: ${error instanceof ReferenceMismatch ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopAll();
  process.exit(1);
}
await bench.loadgen.close();
await stopAll();
if (problems.length > 0) {
  log('\nPROBLEMS:');
  for (const p of problems) log(`  - ${p}`);
  process.exit(1);
}

async function cpuPart(): Promise<void> {
  const emulator = await startEmulator({ name: 'emulator', latencyMs: o.latencyMs, linksPerMinute: 1_000_000, statsPerMinute: 1_000_000, pinning });
  bench.upstreams.push(emulator);
  const data = await loadBenchData(emulator);
  const [caller] = makeTokens('bench', 1);
  const gateway = await startGateway({
    bareNode: o.bareNode,
    name: 'gateway',
    upstream: emulator,
    tokens: [caller!],
    metricsSha256: metricsToken.sha256,
    dir,
    replicas: o.replicas,
    settings: { ...NO_CACHE_NO_LIMITS, ...o.gatewayEnv },
    pinning,
    nodeArgs: [...profileArgs(), ...(heapDir ? heapNodeArgs(heapDir) : [])],
  });
  const proxy = await startProxy('raw proxy', emulator, [caller!], pinning);
  const token = caller!.token;
  log(
    `\nupstream: the standalone emulator, ${o.latencyMs} ms per call, quotas lifted; gateway: ${gatewayCommand()}${o.replicas > 1 ? ` ×${o.replicas} (connections spread over them)` : ''}, LOG_LEVEL=info to a file, cache off, quotas and fairness lifted`,
  );
  const all = scenarios(data);
  // Every distinct request of every scenario, the dashboards included.
  const cases = new Map<string, string>();
  for (const s of all) {
    for (const [i, body] of s.bodies.entries()) if (!cases.has(body)) cases.set(body, `${s.title} #${i + 1}`);
  }
  for (const [i, body] of dashboards(data).entries()) cases.set(body, `dashboard #${i + 1}`);
  await checkReference(
    gateway,
    proxy,
    token,
    [...cases].map(([body, name]) => ({ name, body })),
  );
  log(`reference: the gateway and the raw proxy answered all ${cases.size} distinct requests of every scenario with the same bytes`);

  if (o.soakMinutes !== null) {
    const onePage = all.find((s) => s.id === 'page')!;
    log(`\n## soak: ${onePage.title}, ${o.connections} connections, ${o.soakMinutes} min, gateway RSS sampled every ${o.quick ? 2 : 5} s`);
    const soak = await runSoak(bench, gateway, emulator, { connections: o.connections, bodies: onePage.bodies, tokens: [token] }, o.soakMinutes * 60, o.quick ? 2 : 5, log);
    if (soak.load.failed > 0) problems.push(`soak: ${soak.load.failed} failed answers, e.g. ${soak.load.sample}`);
    log(`\n| soak | requests | req/s | p50 / p99 | CPU-s per 1k req | RSS start → end | slope whole run | slope after warm-up |`);
    log('|---|---|---|---|---|---|---|---|');
    log(
      `| ${o.soakMinutes} min, one page, ${o.connections} conns | ${soak.load.responses} | ${num(soak.load.rps)} | ${num(soak.load.p50)} / ${num(soak.load.p99)} ms | ${num(soak.cpuPer1k)} | ` +
        `${num(soak.samples[0]!.rssMb)} → ${num(soak.samples.at(-1)!.rssMb)} MB | ${num(soak.slopeAll)} MB/min | ${num(soak.slopeAfterWarmup)} MB/min |`,
    );
  } else {
    const rates = new Map<ScenarioId, number>();
    for (const s of all.filter((s) => o.only.has(s.id))) {
      const connections = s.connections || o.connections;
      log(`\n## ${s.title}, ${connections} connection${connections > 1 ? 's' : ''} (${s.calls} JMLink call${s.calls > 1 ? 's' : ''} a request; ${s.note})`);
      const c = await compare(
        bench,
        { server: gateway, upstream: emulator },
        { server: proxy, upstream: emulator },
        { connections, bodies: s.bodies, tokens: [token] },
        timing,
        log,
      );
      for (const line of summaryLines(c.gateway, c.proxy)) log(line);
      if (s.id === 'latency') {
        addedLatency = `p50 ${ms(c.gateway.p50.median - c.proxy.p50.median)}, p99 ${ms(c.gateway.p99.median - c.proxy.p99.median)}`;
        log(`  added by the gateway over the raw proxy: ${addedLatency} (upstream: ${o.latencyMs} ms per call)`);
      }
      const warn = caveats(c.gateway, c.proxy);
      for (const line of warn) log(line);
      for (const side of [c.gateway, c.proxy]) if (side.failed > 0) problems.push(`${s.title}: ${side.server} gave ${side.failed} failed answers, e.g. ${side.sample}`);
      rows.push({ scenario: s.title, connections: String(connections), gateway: c.gateway, proxy: c.proxy });
      rates.set(s.id, c.gateway.rps.median);
    }
    if (o.only.has('limits')) {
      log('\n## limits: documents the gateway must refuse (1 connection, one after the other)');
      limits = await runLimits(bench, gateway, emulator, token, o.limitReps, log);
      for (const l of limits) if (!l.refused) problems.push(`limits: the gateway did not refuse the ${l.name} (${l.answer})`);
    }
    if (heapDir)
      await heapPart(
        heapDir,
        gateway,
        emulator,
        all.filter((s) => o.only.has(s.id) && s.connections === 0),
        rates,
        token,
      );
  }
  log(`gateway log: ${num(logBytes() / 2 ** 20)} MB written so far at LOG_LEVEL=info`);
  await gateway.close();
  await proxy.close();
  await emulator.close();
  bench.upstreams.length = 0;
}

async function dashboardPart(): Promise<void> {
  log(`\n## dashboard: gateway defaults (cache, quotas, fairness) against Jiguang's real quotas, ${o.dashboardLatencyMs} ms per call`);
  dashboard = await runDashboard(
    bench,
    {
      users: o.users,
      rate: o.dashboardRate,
      phaseSec: o.dashboardSec,
      latencyMs: o.dashboardLatencyMs,
      connections: o.connections,
      timing,
      dir,
      pinning,
      gatewayEnv: o.gatewayEnv,
      bareNode: o.bareNode,
      nodeArgs: profileArgs(),
      metricsToken,
    },
    log,
  );
  for (const p of dashboard.phases) {
    if (p.load.failed > 0) problems.push(`dashboard ${p.name}: ${p.load.failed} errors (must be 0), e.g. ${p.load.sample}`);
    for (const q of p.quota)
      if (q.maxPerMinute > q.quota || q.refused > 0)
        problems.push(`dashboard ${p.name}: ${q.app} ${q.api}: ${q.maxPerMinute} calls in one minute (quota ${q.quota}), ${q.refused} refused`);
  }
  const t = dashboard.throughput;
  for (const line of summaryLines(t.gateway, t.proxy)) log(line);
  for (const line of caveats(t.gateway, t.proxy, false)) log(line);
  log(
    `  upstream calls per dashboard: gateway ${num(t.gateway.callsPerRequest.median)} (its cache), raw proxy ${num(t.proxy.callsPerRequest.median)} ` +
      `(${num(dashboard.callsAlone)} alone; the rest shared with identical calls in flight from the other connections)`,
  );
  for (const side of [t.gateway, t.proxy]) if (side.failed > 0) problems.push(`dashboard throughput: ${side.server} gave ${side.failed} failed answers, e.g. ${side.sample}`);
  rows.push({
    scenario: `dashboard on warm data (upstream ${o.dashboardLatencyMs} ms; gateway cached, proxy cannot cache)`,
    connections: String(o.connections),
    gateway: t.gateway,
    proxy: t.proxy,
  });
}

async function fleetPart(): Promise<void> {
  log(`\n## fleet: the dashboard through the embedded gateway and 1 and 3 replicas on PostgreSQL and Redis, Jiguang's real quotas, ${o.dashboardLatencyMs} ms per call`);
  fleet = await runFleet(
    bench,
    {
      sizes: [0, 1, 3],
      users: o.users,
      rate: o.dashboardRate,
      phaseSec: o.quick ? 5 : 30,
      latencyMs: o.dashboardLatencyMs,
      connections: o.connections,
      throughputSec: o.quick ? 2 : o.durationSec,
      dir,
      pinning,
      gatewayEnv: o.gatewayEnv,
      bareNode: o.bareNode,
      metricsToken,
    },
    log,
  );
  if (!fleet) problems.push('fleet: not measured (PostgreSQL or Redis unreachable; leave it out with --only)');
  for (const row of fleet ?? []) {
    if (row.errors > 0 || row.warmErrors > 0) problems.push(`fleet of ${row.replicas}: ${row.errors + row.warmErrors} errors (must be 0)`);
    if (row.maxLinksPerMinute > 100 || row.maxStatsPerMinute > 500)
      problems.push(`fleet of ${row.replicas}: over a quota (links ${row.maxLinksPerMinute}, stats ${row.maxStatsPerMinute} in one minute)`);
  }
}

function finalReport(): void {
  log(`\n## results (paste into README "Performance")\n`);
  log(
    `${o.quick ? 'A --quick smoke run: not a measurement. ' : ''}Node ${process.version}; taskset ${pinning.on ? 'on' : 'off'}; medians of ${o.reps} interleaved runs of ${o.durationSec} s each (min–max); ` +
      `CPU scenarios with the gateway's cache off and quotas lifted, upstream ${o.latencyMs} ms per call.`,
  );
  log('');
  if (rows.length > 0) for (const line of markdownTable(rows)) log(line);
  if (addedLatency) log(`\nAdded latency at 1 connection (gateway minus raw proxy, upstream ${o.latencyMs} ms per call): ${addedLatency}.`);
  if (dashboard) {
    const d = dashboard;
    log('');
    log(
      `| dashboard: ${d.users} users, ${d.dashboards} dashboards, ${d.rate}/s, Jiguang's real quotas, ${o.dashboardLatencyMs} ms | dashboards | errors | p50 / p99 | JMLink calls links + stats | most calls in one minute per AppKey, links / stats (quota 100 / 500) | cache hit rate |`,
    );
    log('|---|---|---|---|---|---|---|');
    for (const p of d.phases) {
      const calls = (api: string) => p.quota.filter((q) => q.api === api).reduce((n, q) => n + q.calls, 0);
      const max = (api: string) => Math.max(...p.quota.filter((q) => q.api === api).map((q) => q.maxPerMinute));
      log(
        `| ${p.name}, ${num(p.load.seconds)} s | ${p.load.responses} | ${p.load.failed} | ${num(p.load.p50)} / ${num(p.load.p99)} ms | ${calls('links')} + ${calls('stats')} | ${max('links')} / ${max('stats')} | ${pct(p.cache.hitRate)} |`,
      );
    }
  }
  if (fleet) {
    log('');
    log(
      `| fleet on PostgreSQL and Redis: dashboards at ${o.dashboardRate}/s, then warm at ${o.connections} connections | dashboards | errors | p50 / p99 | JMLink calls | most in one minute per AppKey, links / stats | cache hit rate | warm req/s | warm Q1 / Q2 per server CPU-s (vs embedded) | RSS |`,
    );
    log('|---|---|---|---|---|---|---|---|---|---|');
    const embedded = fleet.find((r) => r.replicas === 0);
    const vs = (value: number, base: number | undefined) => (base ? ` (${(value / base).toFixed(2)}×)` : '');
    for (const r of fleet) {
      log(
        `| ${r.replicas === 0 ? 'embedded' : `${r.replicas} replica${r.replicas > 1 ? 's' : ''}`} | ${r.dashboards} | ${r.errors + r.warmErrors} | ${num(r.p50)} / ${num(r.p99)} ms | ${r.calls} | ${r.maxLinksPerMinute} / ${r.maxStatsPerMinute} | ${pct(r.hitRate)} | ${num(r.warmRps)} | ${num(r.q1PerCpu)}${vs(r.q1PerCpu, embedded?.q1PerCpu)} / ${num(r.q2PerCpu)}${vs(r.q2PerCpu, embedded?.q2PerCpu)} | ${num(r.rssMb)} MB${vs(r.rssMb, embedded?.rssMb)} |`,
      );
    }
  }
  if (limits.length > 0) {
    log('');
    log(
      `Limits: ${limits.map((l) => `the ${l.name} is refused (${l.answer}) in ${ms(l.p50)} median, ${ms(l.p99)} p99`).join('; ')} (${limits[0]!.reps} requests each, one connection).`,
    );
  }
}

/** After every measured run: per scenario, a snapshot halfway through an extra run, and its summary. */
async function heapPart(heapDir: string, gateway: Server, emulator: Upstream, chosen: Scenario[], rates: Map<ScenarioId, number>, token: string): Promise<void> {
  log(`\n## heap snapshots (--heap): the gateway under ${o.connections} connections, cache off, files in ${heapDir}`);
  log(
    `  one per scenario, ${num(Math.max(0.5, o.durationSec / 2))} s into an extra run of ~${num(o.durationSec)} s (after a ${num(o.warmupSec)} s warm-up) once every measured run is over: ` +
      `writing a snapshot stops the gateway for seconds, so that run is in none of the figures${o.replicas > 1 ? '; of the first replica only' : ''}`,
  );
  const mb = (bytes: number) => `${num(bytes / 2 ** 20)} MB`;
  for (const s of chosen) {
    log(`\n### heap: ${s.title}, ${o.connections} connections`);
    const shot = await snapshotUnderLoad(
      bench,
      gateway,
      emulator,
      { connections: o.connections, bodies: s.bodies, tokens: [token] },
      { dir: heapDir, label: s.id, rate: rates.get(s.id) ?? 200, warmupSec: o.warmupSec, durationSec: o.durationSec, metricsToken: metricsToken.token },
    );
    const l = shot.load;
    log(
      `  warm-up ${shot.warmup} requests; the snapshot run (not counted): ${l.responses} requests, ${num(l.rps)} req/s with the pause, p50 ${ms(l.p50)}, max ${ms(l.max)}` +
        (l.failed > 0 ? `, ${l.failed} FAILED: ${l.sample}` : ''),
    );
    if (l.failed > 0) problems.push(`heap snapshot run of ${s.title}: ${l.failed} failed answers, e.g. ${l.sample}`);
    const h = shot.heap;
    log(
      `  at the signal, ${num(shot.signalAtSec)} s into the run: gateway RSS ${num(shot.rssMb)} MB; ` +
        (h
          ? `V8 heap used ${mb(h.used)} of ${mb(h.total)} (old space ${mb(h.oldUsed)}, new space ${mb(h.newUsed)}), external ${mb(h.external)}`
          : 'V8 heap unknown (/metrics did not answer)'),
    );
    log(`  written in ${num(shot.writeSec)} s (the gateway stopped meanwhile); its RSS just after: ${num(shot.rssAfterMb)} MB`);
    const summary = await summarizeHeapSnapshot(shot.file);
    for (const line of heapSummaryLines(summary)) log(line);
    if (h) {
      log(
        `\n  live in the snapshot ${mb(summary.totalSize)} of the ${mb(h.used)} V8 heap used at the signal: about ${mb(Math.max(0, h.used - summary.totalSize))} was garbage ` +
          `not yet collected, which no snapshot shows (at most ${mb(h.newUsed)} of it in new space; the rest in old space: objects that outlived a scavenge, then died); ` +
          `RSS beyond the V8 heap's ${mb(h.total)}: ${num(shot.rssMb - h.total / 2 ** 20)} MB (malloc, buffers, code, stacks).`,
      );
    }
    log(`  (the snapshot is streamed: this process's peak RSS so far is ${num(process.resourceUsage().maxRSS / 1024)} MB)`);
  }
}

/** The gateway's command line as the bench runs it (npm start's, unless --bare-node). */
function gatewayCommand(): string {
  if (o.bareNode) return "node dist/main.js (--bare-node: without npm start's flags)";
  const env = Object.entries(NPM_START.env).map(([k, v]) => `${k}=${v} `);
  return `${env.join('')}node ${NPM_START.nodeArgs.join(' ')} dist/main.js (as npm start)`;
}

function profileArgs(): string[] {
  return o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(o.profileDir)}`] : [];
}

function logBytes(): number {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}
