// The dashboard scenario: real traffic within Jiguang's quotas. The gateway with its defaults
// (cache on, quotas on, per-token fairness on) in front of an emulator with Jiguang's real quotas
// (100 link-list and 500 statistics calls per AppKey a minute) and 30 ms per call; N users open M
// dashboards, paced, over a minute — cold (a fresh gateway), then warm. Then, on warm data, the
// gateway's throughput against the raw proxy making the dashboard's upstream calls at 30 ms (on an
// emulator of its own without quotas: the proxy cannot cache, so Jiguang's quotas would refuse it).
import { type Comparison, compare, type Timing } from './compare.js';
import type { LoadResult } from './load.js';
import type { Bench } from './measure.js';
import type { Pinning } from './processes.js';
import { checkReference } from './reference.js';
import { ms, num, pct } from './report.js';
import { dashboards, loadBenchData } from './scenarios.js';
import { makeTokens, metricSums, type Server, startEmulator, startGateway, startProxy, type Token } from './servers.js';

export interface DashboardOptions {
  users: number;
  /** Dashboards opened per second, all users together. */
  rate: number;
  /** Length of the cold and of the warm phase. */
  phaseSec: number;
  latencyMs: number;
  /** The warm throughput comparison. */
  connections: number;
  timing: Timing;
  dir: string;
  pinning: Pinning;
  gatewayEnv: Record<string, string>;
  /** Plain `node dist/main.js`, without npm start's flags. */
  bareNode: boolean;
  nodeArgs: string[];
  metricsToken: Token;
}

export interface PhaseReport {
  name: string;
  load: LoadResult;
  /** Per app and API: calls in the phase, the most in one minute window so far, the quota. */
  quota: { app: string; api: string; calls: number; maxPerMinute: number; quota: number; refused: number }[];
  cache: { hits: number; grace: number; coalesced: number; calls: number; hitRate: number };
}

export interface DashboardReport {
  phases: PhaseReport[];
  throughput: Comparison;
  users: number;
  dashboards: number;
  rate: number;
  /** JMLink calls one dashboard makes with nothing cached and nobody to share with. */
  callsAlone: number;
}

const APIS = [
  { api: 'links', endpoint: 'jmlink.links', pathPattern: '^/v1/links$', quota: 100 },
  { api: 'stats', endpoint: 'jmlink.stats', pathPattern: '/stat$', quota: 500 },
] as const;

export async function runDashboard(bench: Bench, o: DashboardOptions, log: (line: string) => void): Promise<DashboardReport> {
  const users = makeTokens('user', o.users);
  // Many more callers for the closed-loop throughput runs, so per-token fairness (1,200 requests a
  // minute each by default) measures nothing there.
  const crowd = makeTokens('crowd', 200);
  const started: Server[] = [];
  try {
    const jiguang = await startEmulator({ name: 'emulator (real quotas, 30 ms)', latencyMs: o.latencyMs, linksPerMinute: 100, statsPerMinute: 500, pinning: o.pinning });
    started.push(jiguang);
    const open = await startEmulator({ name: 'emulator (no quotas, 30 ms)', latencyMs: o.latencyMs, linksPerMinute: 1_000_000, statsPerMinute: 1_000_000, pinning: o.pinning });
    started.push(open);
    bench.upstreams.push(jiguang, open);
    const data = await loadBenchData(open);
    const bodies = dashboards(data);
    const gateway = await startGateway({
      bareNode: o.bareNode,
      name: 'gateway',
      upstream: jiguang,
      tokens: [...users, ...crowd],
      metricsSha256: o.metricsToken.sha256,
      dir: o.dir,
      replicas: 1,
      settings: o.gatewayEnv,
      pinning: o.pinning,
      nodeArgs: o.nodeArgs,
    });
    started.push(gateway);
    const proxy = await startProxy('raw proxy', open, [...users, ...crowd], o.pinning);
    started.push(proxy);

    log(
      `  ${o.users} users open ${bodies.length} dashboards (2 apps × ${bodies.length / 2} links by key, 20 links × 30 days each), ${o.rate}/s together = ${Math.round(o.rate * 60)}/min ` +
        `(${Math.round((o.rate * 60) / 2)} per app a minute: ${num((o.rate * 60) / 2 / 100)}× the link-list quota); each user ${num((o.rate * 60) / o.users)}/min`,
    );
    const phases: PhaseReport[] = [];
    let before = await cacheCounts(gateway, o.metricsToken.token);
    const callsSoFar = new Map<string, number>();
    for (const name of ['cold (fresh gateway)', 'warm']) {
      // A count of requests at the pace, not a time: nothing is cut off in flight at the end.
      const load = await bench.loadgen.run({
        targets: gateway.urls,
        connections: o.users,
        amount: Math.round(o.rate * o.phaseSec),
        overallRate: o.rate,
        bodies,
        tokens: users.map((t) => t.token),
      });
      const after = await cacheCounts(gateway, o.metricsToken.token);
      const cache = cacheRate(before, after);
      before = after;
      const quota: PhaseReport['quota'] = [];
      for (const app of [data.shop, data.news]) {
        for (const api of APIS) {
          const filter = { appKey: app.appKey, pathPattern: api.pathPattern };
          const total = await jiguang.count(filter);
          const key = `${app.appKey} ${api.api}`;
          quota.push({
            app: app.name,
            api: api.api,
            calls: total - (callsSoFar.get(key) ?? 0),
            maxPerMinute: await jiguang.maxPerWindow(filter, 60_000),
            quota: api.quota,
            refused: await jiguang.count({ ...filter, status: '403' }),
          });
          callsSoFar.set(key, total);
        }
      }
      const phase = { name, load, quota, cache };
      phases.push(phase);
      for (const line of phaseLines(phase)) log(line);
    }

    // The same dashboards through the proxy and its own emulator must read the same bytes as the gateway.
    const alone = await checkReference(
      gateway,
      proxy,
      users[0]!.token,
      bodies.map((b, i) => ({ name: `dashboard ${i + 1}`, body: b })),
      open,
    );
    log(
      `  reference: the ${bodies.length} dashboards read the same bytes from the gateway (real-quota emulator) and the raw proxy (its own emulator); alone, one makes ${num(alone)} JMLink calls on average`,
    );

    log(`  warm data, closed loop, ${o.connections} connections, ${crowd.length} callers: gateway (cache, quotas) vs raw proxy (no cache, ${o.latencyMs} ms per call):`);
    const throughput = await compare(
      bench,
      { server: gateway, upstream: jiguang },
      { server: proxy, upstream: open },
      { connections: o.connections, bodies, tokens: crowd.map((t) => t.token) },
      o.timing,
      log,
    );
    // The throughput runs must not have pushed the gateway past Jiguang's quotas either.
    for (const app of [data.shop, data.news]) {
      for (const api of APIS) {
        const filter = { appKey: app.appKey, pathPattern: api.pathPattern };
        const max = await jiguang.maxPerWindow(filter, 60_000);
        const refused = await jiguang.count({ ...filter, status: '403' });
        if (max > api.quota || refused > 0) log(`  ! ${app.name} ${api.api}: ${max} calls in one minute (quota ${api.quota}), ${refused} refused by Jiguang`);
      }
    }
    return { phases, throughput, users: o.users, dashboards: bodies.length, rate: o.rate, callsAlone: alone };
  } finally {
    for (const s of started.reverse()) await s.close();
    bench.upstreams.splice(0, bench.upstreams.length, ...bench.upstreams.filter((u) => !started.includes(u)));
  }
}

type CacheCounts = { events: Record<string, number>; calls: Record<string, number> };

export async function cacheCounts(gateway: Server, token: string): Promise<CacheCounts> {
  return {
    events: await metricSums(gateway, token, 'gateway_cache_events_total', ['event']),
    calls: await metricSums(gateway, token, 'jiguang_upstream_requests_total', ['service']),
  };
}

/**
 * Lookups answered from the cache: hits (and grace hits) over hits + coalesced + calls made.
 * (Per-day statistics record no `miss` event; a call made is the miss.)
 */
export function cacheRate(before: CacheCounts, after: CacheCounts): PhaseReport['cache'] {
  const d = (kind: 'events' | 'calls', key: string) => (after[kind][key] ?? 0) - (before[kind][key] ?? 0);
  const hits = d('events', 'hit');
  const grace = d('events', 'grace');
  const coalesced = d('events', 'coalesced');
  const calls = d('calls', 'jmlink');
  const lookups = hits + grace + coalesced + calls;
  return { hits, grace, coalesced, calls, hitRate: lookups > 0 ? (hits + grace) / lookups : Number.NaN };
}

function phaseLines(p: PhaseReport): string[] {
  const l = p.load;
  const lines = [
    `  ${p.name}: ${l.responses} dashboards in ${num(l.seconds)} s, errors ${l.failed}${l.failed > 0 ? ` (e.g. ${l.sample})` : ''}, p50 ${ms(l.p50)}, p99 ${ms(l.p99)}; ` +
      `cache hit rate ${pct(p.cache.hitRate)} (${p.cache.hits} hits, ${p.cache.grace} grace, ${p.cache.coalesced} coalesced, ${p.cache.calls} calls)`,
  ];
  for (const q of p.quota) {
    const over = q.maxPerMinute > q.quota || q.refused > 0 ? '  OVER QUOTA' : '';
    lines.push(
      `    ${q.app.padEnd(10)} ${q.api.padEnd(5)} ${String(q.calls).padStart(5)} calls; at most ${q.maxPerMinute} in one minute (quota ${q.quota}); refused ${q.refused}${over}`,
    );
  }
  return lines;
}
