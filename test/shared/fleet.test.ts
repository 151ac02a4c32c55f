// Several replicas (connectShared instances, each with its own connections) on one Redis share the
// cache, invalidations, quotas, pauses, fairness limits and upstream calls in flight.
import { RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/http/cache/store.js';
import { Metrics } from '../../src/observability/metrics.js';
import type { SharedState } from '../../src/shared/index.js';
import { requireRedis } from '../helpers/services.js';
import { deleteKeys, eventually, rawClient, replicas, sleep, uniquePrefix } from './helpers.js';

const redis = await requireRedis();
const prefixes: string[] = [];
let open: SharedState[] = [];
afterEach(async () => {
  await Promise.all(open.map((r) => r.close()));
  open = [];
});
afterAll(async () => {
  if (!redis.skip) for (const prefix of prefixes) await deleteKeys(redis.url, prefix);
});

async function fleet(count: number, name: string, extra: Parameters<typeof replicas>[3] = {}): Promise<{ prefix: string; all: SharedState[] }> {
  const prefix = uniquePrefix(name);
  prefixes.push(prefix);
  const all = await replicas(count, redis.url, prefix, extra);
  open.push(...all);
  for (const r of all) expect(r.status().redis).toBe('ok');
  return { prefix, all };
}

const entry = <T>(value: T, freshMs = 30_000): CacheEntry<T> => {
  const now = Date.now();
  return { value, storedAt: now, freshUntil: now + freshMs, staleUntil: now + freshMs + 60_000 };
};

describe.skipIf(redis.skip)('replicas sharing one Redis', () => {
  it('see each other’s cache entries', async () => {
    const { all } = await fleet(3, 'fleet-cache');
    const [a, b, c] = all as [SharedState, SharedState, SharedState];
    await a.cache.setMany([
      { key: 'a:app1|links|1', entry: entry({ n: 1 }), size: 32 },
      { key: 'a:app1|links|2', entry: entry({ n: 2 }), size: 32 },
    ]);
    // (A read crossing the tracking message of a write is answered but not kept: the message is let through first.)
    await sleep(50);
    expect((await b.cache.get('a:app1|links|1'))?.value).toEqual({ n: 1 });
    expect((await c.cache.getMany(['a:app1|links|2', 'a:app1|links|3'])).map((e) => e?.value)).toEqual([{ n: 2 }, undefined]);
    // What a replica read is kept in its in-process copy.
    expect(b.cache.localUsage().entries).toBe(1);
    expect(c.cache.localUsage().entries).toBe(1);
  });

  it('an invalidation on one replica drops the entries in Redis and in every replica’s in-process copy', async () => {
    const { all } = await fleet(3, 'fleet-invalidate');
    const [a, b, c] = all as [SharedState, SharedState, SharedState];
    const keys = ['a:app1|links|1', 'a:app1|stats|2', 'a:app2|links|1', 'o:developer|review|1'];
    await a.cache.setMany(keys.map((key) => ({ key, entry: entry(key), size: 32 })));
    await sleep(50); // the writes' tracking messages first
    for (const r of [b, c]) {
      await r.cache.getMany(keys);
      expect(r.cache.localUsage().entries).toBe(4);
    }
    await a.cache.deletePrefix('a:app1|');
    for (const r of [b, c]) await eventually(() => r.cache.localUsage().entries === 2, 2000, 'the prefix invalidation to reach the other replicas');
    await a.cache.delete(['o:developer|review|1']);
    for (const r of [b, c]) await eventually(() => r.cache.localUsage().entries === 1, 2000, 'the key invalidation to reach the other replicas');
    expect((await c.cache.getMany(keys)).map((e) => e?.value)).toEqual([undefined, undefined, 'a:app2|links|1', undefined]);
  });

  it('three replicas reserving at once never exceed the limit in any window, and share the refusals', async () => {
    const { prefix, all } = await fleet(3, 'fleet-quota');
    const LIMIT = 10;
    const WINDOW = 1_000;
    const notAfter = Date.now() + 2_500;
    const results = await Promise.all(all.flatMap((r) => Array.from({ length: 20 }, () => r.quota.reserve('jmlink.links:app1', LIMIT, WINDOW, notAfter))));
    const reserved = results
      .filter((r) => r.reserved)
      .map((r) => r.at)
      .sort((x, y) => x - y);
    // Windows starting now, in one and in two windows' time: 30 slots, the other 30 refused.
    expect(reserved).toHaveLength(30);
    for (const refused of results.filter((r) => !r.reserved)) expect(refused.at).toBeGreaterThan(notAfter);
    // In Redis (one clock): no LIMIT + 1 slots within less than a window.
    const raw = await rawClient(redis.url);
    try {
      const scores = (await raw.zRangeWithScores(`${prefix}q:jmlink.links:app1`, 0, -1)).map((m) => m.score);
      expect(scores).toHaveLength(30);
      for (let i = 0; i + LIMIT < scores.length; i++) expect(scores[i + LIMIT]! - scores[i]!).toBeGreaterThanOrEqual(WINDOW);
    } finally {
      raw.destroy();
    }
    // As each replica sees them (its own clock, a round trip of slack).
    for (let i = 0; i + LIMIT < reserved.length; i++) expect(reserved[i + LIMIT]! - reserved[i]!).toBeGreaterThan(WINDOW - 40);
  });

  it('a pause learnt by one replica holds for all', async () => {
    const { all } = await fleet(3, 'fleet-pause');
    const until = Date.now() + 1_000;
    await all[0]!.quota.pause('growth:growth', until);
    for (const r of all.slice(1)) expect(Math.abs((await r.quota.pausedUntil('growth:growth')) - until)).toBeLessThan(40);
  });

  it('per-token fairness limits count every replica’s requests and upstream calls', async () => {
    const { all } = await fleet(3, 'fleet-fairness', { fairness: { requestsPerSecond: 5, upstreamCallsPerMinute: 4 } });
    // The flood guard, per second.
    for (let i = 0; i < 5; i++) await all[i % 3]!.fairness.requests.consume('frontend');
    for (const r of all) {
      const refusal = await r.fairness.requests.consume('frontend').then(
        () => expect.unreachable('the sixth request of the second must be refused'),
        (rejection: unknown) => rejection,
      );
      expect(refusal).toBeInstanceOf(RateLimiterRes);
      expect((refusal as RateLimiterRes).msBeforeNext).toBeLessThanOrEqual(1_000);
    }
    // The upstream budget, per minute: calls and quota-wait points spent on any replica.
    await all[2]!.fairness.upstreamCalls.consume('frontend', 2);
    await all[1]!.fairness.upstreamCalls.penalty('frontend', 1);
    const budget = await all[0]!.fairness.upstreamCalls.get('frontend');
    expect(budget?.remainingPoints).toBe(1);
    expect(budget?.msBeforeNext).toBeGreaterThan(50_000);
    await all[0]!.fairness.upstreamCalls.consume('frontend');
    await expect(all[1]!.fairness.upstreamCalls.consume('frontend')).rejects.toBeInstanceOf(RateLimiterRes);
    await all[0]!.fairness.requests.consume('someone-else');
  });

  it('count the live replicas by their heartbeats; one that leaves stops counting at once', async () => {
    const { all } = await fleet(3, 'fleet-replicas');
    await eventually(() => all.every((r) => r.status().replicas === 3), 3000, 'three live replicas');
    const metrics = new Metrics();
    all[0]!.instrument(metrics);
    const text = await metrics.text();
    expect(text).toMatch(/^gateway_redis_up 1$/m);
    expect(text).toMatch(/^gateway_replicas_live 3$/m);
    await all[2]!.close();
    open = open.filter((r) => r !== all[2]);
    await eventually(() => all[0]!.status().replicas === 2 && all[1]!.status().replicas === 2, 3000, 'two live replicas');
  });
});

describe.skipIf(redis.skip)('coalescing across replicas', () => {
  /** A fetch that counts its calls and stores its answer in the replica's cache, and a read of that answer. */
  function call(replica: SharedState, key: string, counter: { calls: number }, behaviour: { ms?: number; fail?: boolean } = {}) {
    const fetch = async () => {
      counter.calls++;
      await sleep(behaviour.ms ?? 150);
      if (behaviour.fail) throw new Error('upstream failed');
      const value = { from: replica.replicaId, at: Date.now() };
      await replica.cache.set(key, entry(value), 64);
      return value;
    };
    const read = async () => {
      const found = await replica.cache.get<{ from: string; at: number }>(key);
      return found && found.freshUntil > Date.now() ? found.value : undefined;
    };
    return { fetch, read };
  }

  it('three replicas asking the same thing at once make one call, and all get its answer', async () => {
    const { all } = await fleet(3, 'coalesce-one');
    const counter = { calls: 0 };
    const key = 'a:app1|jmlink.links|1:20';
    const answers = await Promise.all(
      all.map((r) => {
        const { fetch, read } = call(r, key, counter);
        return r.coalescer.run(key, fetch, read, 2_000);
      }),
    );
    expect(counter.calls).toBe(1);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    // Different keys are not coalesced.
    const other = await Promise.all(
      all.map((r, i) => {
        const { fetch, read } = call(r, `${key}:${i}`, counter);
        return r.coalescer.run(`${key}:${i}`, fetch, read, 2_000);
      }),
    );
    expect(other).toHaveLength(3);
    expect(counter.calls).toBe(4);
  });

  it('when the leader fails, another replica makes the call (the leader’s caller gets the failure)', async () => {
    const { all } = await fleet(3, 'coalesce-fail');
    const [a, b, c] = all as [SharedState, SharedState, SharedState];
    const counter = { calls: 0 };
    const key = 'a:app1|k';
    const failing = call(a, key, counter, { fail: true });
    const leader = a.coalescer.run(key, failing.fetch, failing.read, 2_000);
    await sleep(20); // a holds the lease
    const followers = [b, c].map((r) => {
      const { fetch, read } = call(r, key, counter);
      return r.coalescer.run(key, fetch, read, 2_000);
    });
    await expect(leader).rejects.toThrow('upstream failed');
    const [fromB, fromC] = await Promise.all(followers);
    expect(counter.calls).toBe(2);
    expect(fromC).toEqual(fromB);
  });

  it('when the leader outlives its lease (it died), another replica takes over', async () => {
    const { all } = await fleet(3, 'coalesce-expire');
    const [a, b, c] = all as [SharedState, SharedState, SharedState];
    const counter = { calls: 0 };
    const key = 'a:app1|slow';
    const slow = call(a, key, counter, { ms: 1_500 });
    const started = Date.now();
    const leader = a.coalescer.run(key, slow.fetch, slow.read, 300);
    await sleep(20);
    const followers = [b, c].map((r) => {
      const { fetch, read } = call(r, key, counter, { ms: 50 });
      return r.coalescer.run(key, fetch, read, 300);
    });
    const [fromB, fromC] = await Promise.all(followers);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(counter.calls).toBe(2);
    expect(fromC).toEqual(fromB);
    await leader;
  });

  it('a follower stops waiting when its signal aborts', async () => {
    const { all } = await fleet(2, 'coalesce-abort');
    const counter = { calls: 0 };
    const key = 'a:app1|abort';
    const slow = call(all[0]!, key, counter, { ms: 500 });
    const leader = all[0]!.coalescer.run(key, slow.fetch, slow.read, 2_000);
    await sleep(20);
    const controller = new AbortController();
    const { fetch, read } = call(all[1]!, key, counter);
    const follower = all[1]!.coalescer.run(key, fetch, read, 2_000, controller.signal);
    setTimeout(() => controller.abort(new Error('the request went away')), 50);
    await expect(follower).rejects.toThrow('the request went away');
    await leader;
    expect(counter.calls).toBe(1);
  });
});
