// The fleet line: the dashboard scenario through the embedded gateway (size 0: file registry,
// in-process cache and quotas), one replica and three, side by side, in the same run — every replica
// on PostgreSQL (the registry) and Redis (cache, coalescing, quotas) in front of an emulator with
// Jiguang's real quotas at 30 ms a call. Per fleet: a paced phase (errors, p50/p99, upstream calls
// against the quota, cache hit rate), a closed-loop phase on warm data (throughput), then one page
// (Q1) and 20 links × 3 statistics ranges (Q2) closed-loop on warm data, priced in requests per
// second of the servers' CPU, and their RSS. Skipped with a message when PostgreSQL or Redis is not
// reachable.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createClient } from 'redis';
import { cacheCounts, cacheRate } from './dashboard.js';
import type { Bench } from './measure.js';
import type { Pinning } from './processes.js';
import { cpuSeconds, rssMb } from './processes.js';
import { ms, num, pct } from './report.js';
import { dashboards, loadBenchData, scenarios } from './scenarios.js';
import { makeTokens, type Server, startEmulator, startGateway, type Token } from './servers.js';

export interface FleetOptions {
  sizes: number[];
  users: number;
  rate: number;
  phaseSec: number;
  latencyMs: number;
  connections: number;
  throughputSec: number;
  dir: string;
  pinning: Pinning;
  gatewayEnv: Record<string, string>;
  /** Plain `node dist/main.js`, without npm start's flags. */
  bareNode: boolean;
  metricsToken: Token;
}

export interface FleetRow {
  replicas: number;
  dashboards: number;
  errors: number;
  p50: number;
  p99: number;
  calls: number;
  maxLinksPerMinute: number;
  maxStatsPerMinute: number;
  hitRate: number;
  warmRps: number;
  warmErrors: number;
  /** Warm Q1 and Q2: requests per second of the servers' CPU, and the servers' RSS after them (MB). */
  q1PerCpu: number;
  q2PerCpu: number;
  rssMb: number;
}

const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export async function runFleet(bench: Bench, o: FleetOptions, log: (line: string) => void): Promise<FleetRow[] | null> {
  const missing = await unreachable();
  if (missing) {
    log(`  skipped: ${missing} (the fleet line needs PostgreSQL at DATABASE_URL and Redis at REDIS_URL)`);
    return null;
  }
  const users = makeTokens('user', o.users);
  const crowd = makeTokens('crowd', 200);
  const rows: FleetRow[] = [];
  const schemas: string[] = [];
  const prefixes: string[] = [];
  for (const size of o.sizes) {
    const started: Server[] = [];
    try {
      const jiguang = await startEmulator({
        name: `emulator (real quotas, ${o.latencyMs} ms)`,
        latencyMs: o.latencyMs,
        linksPerMinute: 100,
        statsPerMinute: 500,
        pinning: o.pinning,
      });
      started.push(jiguang);
      bench.upstreams.push(jiguang);
      const data = await loadBenchData(jiguang);
      const bodies = dashboards(data);
      // A few variants each, so that the warm phase is served from the cache within the quotas.
      const cpu = scenarios(data);
      const q1 = cpu.find((x) => x.id === 'page')!.bodies.slice(0, 10);
      const q2 = cpu.find((x) => x.id === 'stats')!.bodies.slice(0, 3);
      await jiguang.resetCalls();
      const id = randomUUID().replaceAll('-', '').slice(0, 10);
      schemas.push(`bench_fleet_${id}`);
      prefixes.push(`bench:${id}:`);
      const fleet = await startGateway({
        bareNode: o.bareNode,
        name: size === 0 ? 'embedded gateway' : `fleet of ${size}`,
        upstream: jiguang,
        tokens: [...users, ...crowd],
        metricsSha256: o.metricsToken.sha256,
        dir: o.dir,
        replicas: Math.max(1, size),
        settings: size === 0 ? o.gatewayEnv : { ...o.gatewayEnv, DATABASE_URL, GATEWAY_DATABASE_SCHEMA: schemas.at(-1)!, REDIS_URL, GATEWAY_REDIS_PREFIX: prefixes.at(-1)! },
        pinning: o.pinning,
      });
      started.push(fleet);
      const before = await cacheCounts(fleet, o.metricsToken.token);
      const paced = await bench.loadgen.run({
        targets: fleet.urls,
        connections: o.users,
        amount: Math.round(o.rate * o.phaseSec),
        overallRate: o.rate,
        bodies,
        tokens: users.map((t) => t.token),
      });
      const cache = cacheRate(before, await cacheCounts(fleet, o.metricsToken.token));
      const warm = await bench.loadgen.run({ targets: fleet.urls, connections: o.connections, durationSec: o.throughputSec, bodies, tokens: crowd.map((t) => t.token) });
      const pids = fleet.children.map((c) => c.pid);
      const perCpu = async (variants: string[]): Promise<number> => {
        const run = (durationSec: number) =>
          bench.loadgen.run({ targets: fleet.urls, connections: o.connections, durationSec, bodies: variants, tokens: crowd.map((t) => t.token) });
        await run(2); // warms the cache for these variants
        const cpu0 = pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
        const measured = await run(o.throughputSec);
        const cpu = pids.reduce((n, pid) => n + cpuSeconds(pid), 0) - cpu0;
        return cpu > 0 ? (measured.responses - measured.failed) / cpu : 0;
      };
      const q1PerCpu = await perCpu(q1);
      const q2PerCpu = await perCpu(q2);
      const rss = pids.reduce((n, pid) => n + rssMb(pid), 0);
      const row: FleetRow = {
        replicas: size,
        dashboards: paced.responses,
        errors: paced.failed,
        p50: paced.p50,
        p99: paced.p99,
        calls: cache.calls,
        maxLinksPerMinute: await jiguang.maxPerWindow({ pathPattern: '^/v1/links$' }, 60_000),
        maxStatsPerMinute: await jiguang.maxPerWindow({ pathPattern: '/stat$' }, 60_000),
        hitRate: cache.hitRate,
        warmRps: warm.rps,
        warmErrors: warm.failed,
        q1PerCpu,
        q2PerCpu,
        rssMb: rss,
      };
      rows.push(row);
      log(
        `  ${size === 0 ? 'embedded' : `${size} replica${size > 1 ? 's' : ''}`}: ${row.dashboards} dashboards, errors ${row.errors}, p50 ${ms(row.p50)}, p99 ${ms(row.p99)}, ${row.calls} JMLink calls ` +
          `(most in one minute per AppKey: links ${row.maxLinksPerMinute} / 100, stats ${row.maxStatsPerMinute} / 500), cache hit rate ${pct(row.hitRate)}; ` +
          `warm, ${o.connections} connections: ${num(row.warmRps)} req/s${row.warmErrors > 0 ? `, ${row.warmErrors} FAILED` : ''}; ` +
          `warm Q1 ${num(row.q1PerCpu)} and Q2 ${num(row.q2PerCpu)} req per server CPU-s, RSS ${num(row.rssMb)} MB`,
      );
    } finally {
      for (const s of started.reverse()) await s.close();
      bench.upstreams.splice(0, bench.upstreams.length, ...bench.upstreams.filter((u) => !started.includes(u)));
    }
  }
  await cleanUp(schemas, prefixes);
  return rows;
}

async function unreachable(): Promise<string | null> {
  const db = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
  try {
    await db.connect();
    await db.query('select 1');
  } catch (error) {
    return `PostgreSQL is not reachable (${(error as Error).message})`;
  } finally {
    await db.end().catch(() => {});
  }
  const redis = createClient({ url: REDIS_URL, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    return `Redis is not reachable (${(error as Error).message})`;
  } finally {
    redis.destroy();
  }
  return null;
}

async function cleanUp(schemas: string[], prefixes: string[]): Promise<void> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  for (const schema of schemas) await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.end();
  const redis = createClient({ url: REDIS_URL });
  redis.on('error', () => {});
  await redis.connect();
  for (const prefix of prefixes) {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length > 0) await redis.unlink(keys);
  }
  redis.destroy();
}
