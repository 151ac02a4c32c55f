import { RateLimiterRes } from 'rate-limiter-flexible';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { newToken } from '../../src/auth/callers.js';
import type { GatewayConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { type RunningGateway, startGateway } from '../../src/inbound/server.js';
import { type AppRegistry, openMemoryRegistry } from '../../src/registry/index.js';
import { batchOf, FLUSH_MS } from '../../src/shared/fairness.js';
import { connectShared, type SharedState } from '../../src/shared/index.js';
import { emulatorConfig, eventually, haveRedisServer, PrivateRedis, rawClient, replicaOptions, replicas, sleep, uniquePrefix } from './helpers.js';

const installed = await haveRedisServer();
if (!installed) {
  if (process.env.CI === 'true') throw new Error('CI=true, so the flood guard tests must run: install redis-server');
  console.warn('skipping the flood guard tests: redis-server is not installed (Debian: apt-get install redis-server)');
}

let redis: PrivateRedis;
let open: SharedState[] = [];
beforeAll(async () => {
  if (installed) redis = await PrivateRedis.start();
});
afterEach(async () => {
  await Promise.all(open.map((r) => r.close()));
  open = [];
});
afterAll(async () => {
  await redis?.stop();
});

/** Consumes one request; true when admitted. */
const admit = (r: SharedState, token: string) =>
  r.fairness.requests.consume(token).then(
    () => true,
    (rejection: unknown) => {
      if (rejection instanceof RateLimiterRes) return false;
      throw rejection;
    },
  );

describe.skipIf(!installed)('the flood guard across replicas', () => {
  it('a token flooding two replicas is held to the limit plus one batch in its window, then let in again', async () => {
    const limit = 2_000;
    const batch = batchOf(limit);
    expect(batch).toBe(20);
    const [a, b] = (await replicas(2, redis.url, uniquePrefix('flood'), { fairness: { requestsPerSecond: limit, upstreamCallsPerMinute: 600 } })) as [SharedState, SharedState];
    open.push(a, b);
    // 6,000 requests at once, alternating replicas (well within the one-second window the first batch opens).
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 6_000 }, (_, i) => admit(i % 2 === 0 ? a : b, 'runaway')));
    const took = Date.now() - started;
    console.info(`6,000 requests in ${took} ms`);
    expect(took).toBeLessThan(800);
    const admitted = results.filter(Boolean).length;
    // Not refused before the fleet's count reaches the limit (that count includes the request of
    // each replica whose batch took it over, refused: one each); at most one batch beyond it.
    expect(admitted).toBeGreaterThanOrEqual(limit - 2);
    expect(admitted).toBeLessThanOrEqual(limit + (2 - 1) * batch);
    // Both replicas refuse now (what one admitted the other has heard of) ...
    expect(await admit(a, 'runaway')).toBe(false);
    expect(await admit(b, 'runaway')).toBe(false);
    const refusal = await b.fairness.requests.consume('runaway').catch((r: unknown) => r as RateLimiterRes);
    expect(refusal).toBeInstanceOf(RateLimiterRes);
    expect((refusal as RateLimiterRes).msBeforeNext).toBeLessThanOrEqual(1_000);
    // ... others are not affected ...
    expect(await admit(a, 'someone-else')).toBe(true);
    // ... and a second later the token is let in again.
    await sleep((refusal as RateLimiterRes).msBeforeNext + 50);
    expect(await admit(a, 'runaway')).toBe(true);
    expect(await admit(b, 'runaway')).toBe(true);
  });

  it('requests below a batch reach the fleet count within the flush period', async () => {
    const [a, b] = (await replicas(2, redis.url, uniquePrefix('flush'), { fairness: { requestsPerSecond: 10_000, upstreamCallsPerMinute: 600 } })) as [SharedState, SharedState];
    open.push(a, b);
    for (let i = 0; i < 7; i++) expect(await admit(a, 'frontend')).toBe(true);
    expect((await a.fairness.requests.get('frontend'))?.consumedPoints).toBe(7); // a counts its own at once
    await sleep(FLUSH_MS * 3);
    // b's next batch brings it the fleet's count, a's seven included.
    for (let i = 0; i < batchOf(10_000); i++) await admit(b, 'frontend');
    await eventually(async () => (await b.fairness.requests.get('frontend'))?.consumedPoints === 7 + batchOf(10_000), 1_000, "b to hear of a's requests");
  });
});

describe.skipIf(!installed)('the flood guard while Redis is away', () => {
  it('each replica holds a token to its share of the limit (within a batch), then the fleet count is shared again', async () => {
    const limit = 2_000;
    const [a, b] = (await replicas(2, redis.url, uniquePrefix('flood-outage'), { fairness: { requestsPerSecond: limit, upstreamCallsPerMinute: 600 } })) as [
      SharedState,
      SharedState,
    ];
    open.push(a, b);
    await eventually(() => a.status().replicas === 2 && b.status().replicas === 2, 3_000, 'two live replicas');
    await redis.stop('SIGKILL');
    try {
      await eventually(() => a.status().redis === 'degraded' && b.status().redis === 'degraded', 3_000, 'Redis seen gone');
      const results = await Promise.all(Array.from({ length: 3_000 }, () => admit(a, 'runaway')));
      const admitted = results.filter(Boolean).length;
      // The insurance's share, 2,000 / 2, and at most a batch more counted here before it answered.
      expect(admitted).toBeGreaterThanOrEqual(limit / 2 - 1);
      expect(admitted).toBeLessThanOrEqual(limit / 2 + batchOf(limit));
      expect(await admit(b, 'runaway')).toBe(true); // b has its own share
    } finally {
      await redis.start();
    }
    await eventually(() => a.status().redis === 'ok' && b.status().redis === 'ok', 5_000, 'Redis back');
    await sleep(1_100); // the outage's window over
    expect(await admit(a, 'runaway')).toBe(true);
  });
});

describe.skipIf(!installed)('Redis commands per request on a warm replica', () => {
  const token = newToken();
  let emulator: Emulator;
  let registry: AppRegistry;
  let config: GatewayConfig;
  const gateways: { gateway: RunningGateway; shared: SharedState }[] = [];

  beforeAll(async () => {
    if (!installed) return;
    emulator = await startEmulator();
    config = emulatorConfig(emulator, { name: 'frontend', token: token, role: 'reader' });
    registry = openMemoryRegistry();
    for (const app of emulator.apps) await registry.upsert({ ...app, source: 'config' }, app.masterSecret);
    const keyPrefix = uniquePrefix('commands');
    for (const id of ['gateway-a', 'gateway-b']) {
      // Heartbeats at the production period, so what they send does not drown the count.
      const shared = await connectShared(
        replicaOptions(redis.url, keyPrefix, { replicaId: id, fairness: config.fairness, localCacheMaxBytes: config.cache.maxBytes, heartbeatMs: 2_000 }),
      );
      gateways.push({ gateway: await startGateway({ config, registry, logger: createLogger({ level: 'silent' }), traffic: shared }), shared });
    }
  });

  afterAll(async () => {
    for (const { gateway, shared } of gateways) {
      await gateway.close();
      await shared.close();
    }
    await emulator?.close();
    await registry?.close();
  });

  /**
   * Watches what the replicas send Redis (MONITOR, on a connection of its own) until `stop`: the
   * commands of each round trip by name, those scripts run inside Redis (`[0 lua]`) left out.
   */
  async function watchCommands(): Promise<{ stop(): Promise<Record<string, number>> }> {
    const raw = await rawClient(redis.url);
    const seen: Record<string, number> = {};
    await raw.monitor((line: string) => {
      const match = /^\S+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
      if (!match || match[1] === 'lua') return;
      const name = match[2]!.toLowerCase();
      seen[name] = (seen[name] ?? 0) + 1;
    });
    return {
      async stop() {
        await sleep(50); // the last lines
        raw.destroy();
        return seen;
      },
    };
  }

  it('a cached page, 4,000 times over two replicas: no flood-guard round trip per request, a few per second', { timeout: 60_000 }, async () => {
    const appKey = emulator.apps[0]!.appKey;
    const body = JSON.stringify({ query: `{ app(appKey: "${appKey}") { name shortLinks(first: 20) { totalCount nodes { key name } } } }` });
    const pools = gateways.map(({ gateway }) => new Pool(new URL(gateway.graphqlUrl).origin, { connections: 10 }));
    const send = async (i: number) => {
      const res = await pools[i % 2]!.request({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
      const text = await res.body.text();
      if (res.statusCode !== 200 || text.includes('"errors"')) throw new Error(`${res.statusCode} ${text.slice(0, 300)}`);
    };
    try {
      // Warm: the page fetched once, read (so held in each replica's near cache), the token's budget seen.
      for (let i = 0; i < 40; i++) await send(i);
      await sleep(300);
      const watch = await watchCommands();
      const started = Date.now();
      const requests = 4_000;
      let next = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < requests) await send(next++);
        }),
      );
      const seconds = (Date.now() - started) / 1000;
      const sent = await watch.stop();
      const total = Object.values(sent).reduce((s, n) => s + n, 0);
      const summary = `${requests} requests in ${seconds.toFixed(2)} s, commands sent: ${JSON.stringify(sent)}`;
      console.info(summary);
      expect(emulator.countCalls({ service: 'jmlink' })).toBe(1);
      // The flood guard (RateLimiterRedis's EVAL): a batch per 1% of the limit (100 requests here)
      // or per flush period, per replica; the budget's view (a pipelined GET and PTTL): a refresh
      // per flush period per replica. Nothing grows with the requests beyond that.
      const perReplicaPerSecond = 1000 / FLUSH_MS;
      const periods = 2 * perReplicaPerSecond * (seconds + 1);
      expect(sent.eval ?? 0, summary).toBeLessThanOrEqual(Math.ceil(requests / batchOf(config.fairness.requestsPerSecond)) + periods);
      expect(sent.get ?? 0, summary).toBeLessThanOrEqual(periods);
      // Everything together, heartbeats included: well under one command per ten requests.
      expect(total / requests, summary).toBeLessThan(0.1);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});
