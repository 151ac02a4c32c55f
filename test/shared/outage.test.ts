// Redis going away and coming back, on a private redis-server: killed (SIGKILL, SIGTERM), frozen
// (SIGSTOP: connections open, no answers), absent at start-up. Throughout, no operation of any part
// fails; while Redis is away each replica serves its in-process cache copy, its quota share and its
// fairness insurance; when Redis returns, the shared state is used again.
import { RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/http/cache/store.js';
import { Metrics } from '../../src/observability/metrics.js';
import { connectShared, type SharedState } from '../../src/shared/index.js';
import { collectingLogger, eventually, freePort, haveRedisServer, PrivateRedis, rawClient, replicaOptions, replicas, sleep, uniquePrefix } from './helpers.js';

const installed = await haveRedisServer();
if (!installed) {
  if (process.env.CI === 'true') throw new Error('CI=true, so the Redis outage tests must run: install redis-server');
  console.warn('skipping the Redis outage tests: redis-server is not installed (Debian: apt-get install redis-server)');
}

let server: PrivateRedis;
let open: SharedState[] = [];
beforeAll(async () => {
  if (installed) server = await PrivateRedis.start();
});
beforeEach(async () => {
  if (installed) await server.ensureRunning();
});
afterEach(async () => {
  await Promise.all(open.map((r) => r.close()));
  open = [];
});
afterAll(async () => {
  server?.thaw();
  await server?.stop('SIGKILL');
});

const entry = <T>(value: T): CacheEntry<T> => {
  const now = Date.now();
  return { value, storedAt: now, freshUntil: now + 60_000, staleUntil: now + 120_000 };
};

/**
 * Runs every kind of operation on every replica every few milliseconds until stopped, and collects
 * whatever throws (a fairness refusal is an answer, not a failure).
 */
function keepBusy(all: SharedState[]): { stop(): Promise<void>; failures: unknown[]; rounds: () => number } {
  const failures: unknown[] = [];
  let running = true;
  let rounds = 0;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        all.map(async (r, i) => {
          const ops: Promise<unknown>[] = [
            r.cache.get('a:busy|1'),
            r.cache.getMany(['a:busy|1', 'a:busy|2']),
            r.cache.set(`a:busy|${i}`, entry(i), 16),
            r.quota.reserve('busy:owner', 1_000_000, 60_000, Date.now() + 1_000),
            r.quota.pausedUntil('busy:owner'),
            r.fairness.upstreamCalls.get('busy-token'),
            r.fairness.requests.consume('busy-token').catch((rejection: unknown) => {
              if (!(rejection instanceof RateLimiterRes)) throw rejection;
            }),
            r.coalescer.run(
              `a:busy|${rounds}`,
              async () => 1,
              async () => 1,
              500,
            ),
          ];
          const settled = await Promise.allSettled(ops);
          for (const s of settled) if (s.status === 'rejected') failures.push(s.reason);
        }),
      );
      rounds++;
      await sleep(10);
    }
  })();
  return {
    failures,
    rounds: () => rounds,
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe.skipIf(!installed)('Redis killed and restarted', () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`(${signal}) every part keeps working on per-replica state, then shares again`, async () => {
      const prefix = uniquePrefix('outage');
      const logs = collectingLogger();
      const metrics = new Metrics();
      const fairness = { requestsPerSecond: 6_000, upstreamCallsPerMinute: 6 };
      const [a, b, c] = (await replicas(3, server.url, prefix, { fairness })) as [SharedState, SharedState, SharedState];
      open.push(a, b, c);
      const watched = await connectShared(replicaOptions(server.url, prefix, { replicaId: 'watched', logger: logs.logger, metrics, fairness }));
      open.push(watched);
      await eventually(() => [a, b, c, watched].every((r) => r.status().replicas === 4), 3000, 'four live replicas');

      // Before: shared entries, read (so copied) by b and c; an invalidation that reached them.
      await a.cache.setMany(['a:app1|1', 'a:app1|2', 'a:app2|1'].map((key) => ({ key, entry: entry(key), size: 16 })));
      await sleep(50); // the writes' tracking messages first (a read crossing one is answered, not kept)
      for (const r of [b, c]) await r.cache.getMany(['a:app1|1', 'a:app1|2', 'a:app2|1']);
      for (const r of [b, c]) expect(r.cache.localUsage().entries).toBe(3);
      await a.cache.delete(['a:app1|2']);
      for (const r of [b, c]) await eventually(() => r.cache.localUsage().entries === 2, 2000, 'the invalidation to reach the copies');

      const busy = keepBusy([a, b, c, watched]);
      await sleep(100);
      const downAt = Date.now();
      await server.stop(signal);
      await eventually(() => [a, b, c, watched].every((r) => r.status().redis === 'degraded'), 3000, 'every replica to see Redis down');
      expect(watched.status().since).toBeGreaterThanOrEqual(downAt);
      expect(watched.status().replicas).toBe(4);

      // Cache: each replica serves its in-process copy (invalidated entries stay invalidated).
      expect((await b.cache.getMany(['a:app1|1', 'a:app1|2', 'a:app2|1'])).map((e) => e?.value)).toEqual(['a:app1|1', undefined, 'a:app2|1']);
      await a.cache.set('a:app3|1', entry('written during the outage'), 16);
      expect((await a.cache.get('a:app3|1'))?.value).toBe('written during the outage');
      expect(await b.cache.get('a:app3|1')).toBeUndefined();

      // Quotas: a share of floor(8 / 4) = 2 per replica, so the four together stay within 8.
      const notAfter = Date.now() + 100;
      const reserved = [];
      for (const r of [a, b, c, watched]) for (let i = 0; i < 3; i++) reserved.push(await r.quota.reserve('jmlink.links:app1', 8, 60_000, notAfter));
      expect(reserved.filter((x) => x.reserved)).toHaveLength(8);
      const pausedUntil = Date.now() + 5_000;
      await a.quota.pause('jmlink.stats:app1', pausedUntil);

      // Fairness: the insurance, a share of floor(6 / 4) = 1 upstream call per replica and minute.
      for (const r of [a, b, c, watched]) {
        await r.fairness.upstreamCalls.consume('frontend');
        await expect(r.fairness.upstreamCalls.consume('frontend')).rejects.toBeInstanceOf(RateLimiterRes);
      }

      // Coalescing: every replica calls on its own.
      let calls = 0;
      await Promise.all(
        [a, b, c].map((r) =>
          r.coalescer.run(
            'a:app1|same',
            async () => ++calls,
            async () => undefined,
            1_000,
          ),
        ),
      );
      expect(calls).toBe(3);

      // Back.
      await server.start();
      await eventually(() => [a, b, c, watched].every((r) => r.status().redis === 'ok'), 5000, 'every replica to see Redis back');
      const roundsAtRecovery = busy.rounds();
      await eventually(() => busy.rounds() > roundsAtRecovery + 5, 3000, 'more busy rounds');
      await busy.stop();
      expect(busy.failures).toEqual([]);

      // The outage's slots (still in their minute) are in the shared bucket: it is full.
      const raw = await rawClient(server.url);
      try {
        expect(await raw.zCard(`${prefix}q:jmlink.links:app1`)).toBe(8);
        expect(await raw.pTTL(`${prefix}qp:jmlink.stats:app1`)).toBeGreaterThan(3_000);
      } finally {
        raw.destroy();
      }
      expect((await c.quota.reserve('jmlink.links:app1', 8, 60_000, Date.now() + 100)).reserved).toBe(false);
      // The pause learnt during the outage reached the others.
      expect(Math.abs((await b.quota.pausedUntil('jmlink.stats:app1')) - pausedUntil)).toBeLessThan(50);

      // Cache: Redis (restarted empty) is the reference again, the copies were dropped.
      expect(await b.cache.get('a:app1|1')).toBeUndefined();
      await a.cache.set('a:app4|1', entry('after'), 16);
      await sleep(50);
      expect((await b.cache.get('a:app4|1'))?.value).toBe('after');
      expect(b.cache.holdsLocally('a:app4|1')).toBe(true);
      // Invalidations travel again (the subscriptions came back).
      const copies = b.cache.localUsage().entries;
      await a.cache.deletePrefix('a:app4|');
      await eventually(async () => b.cache.localUsage().entries === copies - 1, 2000, 'the invalidation after recovery');

      // Fairness is shared again (the limiters in Redis start afresh: the Redis was restarted empty).
      await a.fairness.upstreamCalls.consume('frontend', 6);
      await expect(b.fairness.upstreamCalls.consume('frontend')).rejects.toBeInstanceOf(RateLimiterRes);

      // Each transition logged once, and counted.
      const warnings = logs.lines.filter((l) => l.level === 'warn' && l.msg.startsWith('Redis unreachable'));
      const infos = logs.lines.filter((l) => l.level === 'info' && l.msg.startsWith('Redis reachable'));
      expect(warnings).toHaveLength(1);
      expect(infos).toHaveLength(2); // start-up, recovery
      expect(logs.lines.some((l) => JSON.stringify(l).includes(server.url))).toBe(false);
      const text = await metrics.text();
      expect(text).toMatch(/^gateway_redis_transitions_total\{to="degraded"\} 1$/m);
      expect(text).toMatch(/^gateway_redis_transitions_total\{to="ok"\} 2$/m);
      expect(text).toMatch(/^gateway_redis_up 1$/m);
    }, 30_000);
  }
});

describe.skipIf(!installed)('Redis frozen (SIGSTOP): connected, not answering', () => {
  it('costs one command timeout, then answers at once from per-replica state; invalidations made meanwhile are replayed', async () => {
    const prefix = uniquePrefix('frozen');
    const [a, b] = (await replicas(2, server.url, prefix)) as [SharedState, SharedState];
    open.push(a, b);
    await a.cache.set('a:app1|1', entry('before'), 16);
    await sleep(50); // the write's tracking message first
    expect((await b.cache.get('a:app1|1'))?.value).toBe('before');
    expect(b.cache.holdsLocally('a:app1|1')).toBe(true);

    server.freeze();
    try {
      let started = Date.now();
      // What the near cache holds is answered without asking Redis.
      expect((await b.cache.get('a:app1|1'))?.value).toBe('before');
      expect(Date.now() - started).toBeLessThan(100);
      // What it does not hold costs one command timeout, and Redis is taken as down.
      expect(await b.cache.get('a:app1|2')).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(600);
      expect(b.status().redis).toBe('degraded');
      started = Date.now();
      for (let i = 0; i < 20; i++) {
        expect((await b.cache.get('a:app1|1'))?.value).toBe('before');
        expect((await b.quota.reserve('growth:growth', 100, 1_000, Date.now() + 1_000)).reserved).toBe(true);
        await b.fairness.requests.consume('frontend');
      }
      expect(Date.now() - started).toBeLessThan(600); // no more waiting on Redis
      // An invalidation Redis cannot take now.
      await a.cache.delete(['a:app1|1']);
      expect(a.status().redis).toBe('degraded');
    } finally {
      server.thaw();
    }
    await eventually(() => a.status().redis === 'ok' && b.status().redis === 'ok', 5000, 'both replicas to see Redis answer again');
    // Redis kept the entry through the freeze; the replayed invalidation removed it.
    expect(await b.cache.get('a:app1|1')).toBeUndefined();
  }, 20_000);
});

describe.skipIf(!installed)('quotas across an outage', () => {
  it('the outage shares start from what Redis held, and the outage slots join Redis after: never more than the limit', async () => {
    const prefix = uniquePrefix('crossing');
    const [a, b] = (await replicas(2, server.url, prefix)) as [SharedState, SharedState];
    open.push(a, b);
    await eventually(() => a.status().replicas === 2 && b.status().replicas === 2, 3000, 'two live replicas');
    const bucket = 'jmlink.links:app1';
    const far = () => Date.now() + 1_000;
    for (let i = 0; i < 3; i++) expect((await a.quota.reserve(bucket, 8, 60_000, far())).reserved).toBe(true);
    expect((await b.quota.reserve(bucket, 8, 60_000, far())).reserved).toBe(true); // b read: 4 held

    server.freeze(); // Redis keeps its 4 slots
    try {
      await eventually(() => a.status().redis === 'degraded' && b.status().redis === 'degraded', 3000, 'Redis seen frozen');
      // Shares of 4 each, minus ceil(3 / 2) = 2 for a and ceil(4 / 2) = 2 for b: 4 more in all.
      const during = [];
      for (const r of [a, b]) for (let i = 0; i < 4; i++) during.push(await r.quota.reserve(bucket, 8, 60_000, far()));
      expect(during.filter((r) => r.reserved)).toHaveLength(4);
    } finally {
      server.thaw();
    }
    await eventually(() => a.status().redis === 'ok' && b.status().redis === 'ok', 5000, 'Redis answering again');
    const raw = await rawClient(server.url);
    try {
      expect(await raw.zCard(`${prefix}q:${bucket}`)).toBe(8);
    } finally {
      raw.destroy();
    }
    expect((await a.quota.reserve(bucket, 8, 60_000, far())).reserved).toBe(false);
    expect((await b.quota.reserve(bucket, 8, 60_000, far())).reserved).toBe(false);
  }, 20_000);
});

describe.skipIf(!installed)('Redis absent at start-up', () => {
  it('connectShared returns degraded within its wait, serves from per-replica state, and shares once Redis comes', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const logs = collectingLogger();
    const started = Date.now();
    const prefix = uniquePrefix('absent');
    const shared = await connectShared(replicaOptions(url, prefix, { logger: logs.logger, startupWaitMs: 500, minReplicas: 2 }));
    open.push(shared);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(shared.status()).toMatchObject({ redis: 'degraded', replicas: 2 });
    expect(logs.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(logs.lines.find((l) => l.level === 'warn')?.msg).toMatch(/start-up/);

    await shared.cache.set('a:app1|1', entry('local'), 16);
    expect((await shared.cache.get('a:app1|1'))?.value).toBe('local');
    // The quota share assumes minReplicas replicas: 4 / 2.
    const results = await Promise.all(Array.from({ length: 3 }, () => shared.quota.reserve('jmlink.links:app1', 4, 60_000, Date.now() + 50)));
    expect(results.filter((r) => r.reserved)).toHaveLength(2);
    await shared.fairness.requests.consume('frontend');
    expect(
      await shared.coalescer.run(
        'k',
        async () => 'fetched',
        async () => undefined,
        500,
      ),
    ).toBe('fetched');

    const late = await PrivateRedis.startOn(port);
    try {
      await eventually(() => shared.status().redis === 'ok', 5000, 'Redis to be used once it answers');
      expect(shared.status().replicas).toBe(2); // the floor
      const raw = await rawClient(url);
      try {
        // The slots taken before Redis came joined the shared bucket.
        expect(await raw.zCard(`${prefix}q:jmlink.links:app1`)).toBe(2);
      } finally {
        raw.destroy();
      }
      await shared.cache.set('a:app1|2', entry('shared'), 16);
      expect((await shared.cache.get('a:app1|2'))?.value).toBe('shared');
      expect(logs.lines.filter((l) => l.level === 'info' && l.msg.startsWith('Redis reachable'))).toHaveLength(1);
    } finally {
      await shared.close();
      open = open.filter((r) => r !== shared);
      await late.stop();
    }
  }, 20_000);
});
