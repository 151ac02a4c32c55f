// The quota backends on Redis behave like MemoryQuotaBackend (sliding window with reservations,
// waits, refusals past notAfter, release, pause): the same tests run against the three.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { MemoryQuotaBackend, type QuotaBackend } from '../../src/http/quota.js';
import { connectShared } from '../../src/shared/index.js';
import { sharedKeys } from '../../src/shared/keys.js';
import { RedisLink } from '../../src/shared/link.js';
import { RedisQuotaBackend } from '../../src/shared/quota/redis.js';
import { requireRedis } from '../helpers/services.js';
import { deleteKeys, rawClient, replicaOptions, sleep, uniquePrefix } from './helpers.js';

const redis = await requireRedis();
const prefixes: string[] = [];
afterAll(async () => {
  if (!redis.skip) for (const prefix of prefixes) await deleteKeys(redis.url, prefix);
});

/** Redis answers in a round trip; slot times are compared within this. */
const SLACK = 40;
const LIMIT = 3;
const WINDOW = 400;
const FAR = () => Date.now() + 10_000;

interface Subject {
  quota: QuotaBackend;
  close(): Promise<void>;
}

const subjects: [string, () => Promise<Subject>][] = [
  ['MemoryQuotaBackend', async () => ({ quota: new MemoryQuotaBackend(), close: async () => {} })],
  [
    'RedisQuotaBackend',
    async () => {
      const prefix = uniquePrefix('quota-contract');
      prefixes.push(prefix);
      const link = new RedisLink({ url: redis.url, logger: createLogger({ level: 'silent' }), commandTimeoutMs: 1000, connectTimeoutMs: 1000, reconnectMaxMs: 200, probeMs: 1000 });
      await link.start(2000);
      return { quota: new RedisQuotaBackend(link, sharedKeys(prefix), 'test'), close: () => link.close() };
    },
  ],
  [
    'connectShared().quota',
    async () => {
      const prefix = uniquePrefix('quota-contract');
      prefixes.push(prefix);
      const shared = await connectShared(replicaOptions(redis.url, prefix, { commandTimeoutMs: 1000 }));
      expect(shared.status().redis).toBe('ok');
      return { quota: shared.quota, close: () => shared.close() };
    },
  ],
];

for (const [name, make] of subjects) {
  describe.skipIf(name !== 'MemoryQuotaBackend' && redis.skip)(`quota backend contract: ${name}`, () => {
    let subject: Subject;
    beforeEach(async () => {
      subject = await make();
      return () => subject.close();
    });

    it('reserves now while fewer than `limit` slots are in the window, then the slot the window frees', async () => {
      const { quota } = subject;
      const start = Date.now();
      const first = await Promise.all(Array.from({ length: LIMIT }, () => quota.reserve('b:1', LIMIT, WINDOW, FAR())));
      for (const r of first) {
        expect(r.reserved).toBe(true);
        expect(Math.abs(r.at - start)).toBeLessThan(SLACK);
      }
      const earliest = Math.min(...first.map((r) => r.at));
      const next = await quota.reserve('b:1', LIMIT, WINDOW, FAR());
      expect(next.reserved).toBe(true);
      expect(Math.abs(next.at - (earliest + WINDOW))).toBeLessThan(SLACK);
      // And the one after waits for the second oldest slot to leave.
      const after = await quota.reserve('b:1', LIMIT, WINDOW, FAR());
      expect(after.at).toBeGreaterThanOrEqual(next.at - 1);
      expect(after.at - start).toBeLessThan(WINDOW + SLACK * 2);
    });

    it('refuses a slot after notAfter, without taking it', async () => {
      const { quota } = subject;
      for (let i = 0; i < LIMIT; i++) await quota.reserve('b:2', LIMIT, WINDOW, FAR());
      const refused = await quota.reserve('b:2', LIMIT, WINDOW, Date.now() + 50);
      expect(refused.reserved).toBe(false);
      expect(refused.at - Date.now()).toBeGreaterThan(WINDOW - SLACK * 2);
      const taken = await quota.reserve('b:2', LIMIT, WINDOW, FAR());
      expect(taken.reserved).toBe(true);
      expect(Math.abs(taken.at - refused.at)).toBeLessThan(SLACK);
    });

    it('release gives a waiting slot back: the next caller gets it', async () => {
      const { quota } = subject;
      for (let i = 0; i < LIMIT; i++) await quota.reserve('b:3', LIMIT, WINDOW, FAR());
      const waiting = await quota.reserve('b:3', LIMIT, WINDOW, FAR());
      await quota.release('b:3', waiting.at);
      const again = await quota.reserve('b:3', LIMIT, WINDOW, FAR());
      expect(Math.abs(again.at - waiting.at)).toBeLessThan(SLACK);
      await quota.release('b:3', 12345); // a slot never reserved: nothing happens
    });

    it('slots leave the window: after it, reservations are immediate again', async () => {
      const { quota } = subject;
      for (let i = 0; i < LIMIT; i++) await quota.reserve('b:4', LIMIT, WINDOW, FAR());
      await sleep(WINDOW + 20);
      const r = await quota.reserve('b:4', LIMIT, WINDOW, FAR());
      expect(r.reserved).toBe(true);
      expect(Math.abs(r.at - Date.now())).toBeLessThan(SLACK);
    });

    it('buckets are independent', async () => {
      const { quota } = subject;
      for (let i = 0; i < LIMIT; i++) await quota.reserve('b:5', LIMIT, WINDOW, FAR());
      const other = await quota.reserve('b:6', LIMIT, WINDOW, FAR());
      expect(Math.abs(other.at - Date.now())).toBeLessThan(SLACK);
    });

    it('used counts the slots of the current window, not those reserved for later', async () => {
      const { quota } = subject;
      expect(quota.used('b:7', WINDOW)).toBe(0);
      await quota.reserve('b:7', LIMIT, WINDOW, FAR());
      await quota.reserve('b:7', LIMIT, WINDOW, FAR());
      expect(quota.used('b:7', WINDOW)).toBe(2);
      await quota.reserve('b:7', LIMIT, WINDOW, FAR());
      await quota.reserve('b:7', LIMIT, WINDOW, FAR()); // in the future
      expect(quota.used('b:7', WINDOW)).toBe(3);
    });

    it('pause holds until the time given, is never shortened, and ends', async () => {
      const { quota } = subject;
      expect(await quota.pausedUntil('b:8')).toBeLessThanOrEqual(Date.now());
      const until = Date.now() + 300;
      await quota.pause('b:8', until);
      expect(Math.abs((await quota.pausedUntil('b:8')) - until)).toBeLessThan(SLACK);
      await quota.pause('b:8', Date.now() + 100);
      expect(Math.abs((await quota.pausedUntil('b:8')) - until)).toBeLessThan(SLACK);
      const later = Date.now() + 400;
      await quota.pause('b:8', later);
      expect(Math.abs((await quota.pausedUntil('b:8')) - later)).toBeLessThan(SLACK);
      await sleep(450);
      expect(await quota.pausedUntil('b:8')).toBeLessThanOrEqual(Date.now());
      expect(await quota.pausedUntil('b:9')).toBeLessThanOrEqual(Date.now());
    });
  });
}

describe('notAfter already past', () => {
  it('in process: a slot free now is granted (notAfter was computed an await earlier), a later one is not', async () => {
    const quota = new MemoryQuotaBackend();
    const now = await quota.reserve('b', 1, WINDOW, Date.now() - 10);
    expect(now.reserved).toBe(true);
    expect(Math.abs(now.at - Date.now())).toBeLessThan(SLACK);
    expect((await quota.reserve('b', 1, WINDOW, Date.now() - 10)).reserved).toBe(false);
  });

  it.skipIf(redis.skip)('on Redis: a slot free now is granted (notAfter was computed a round trip earlier), a later one is not', async () => {
    const prefix = uniquePrefix('quota-late');
    prefixes.push(prefix);
    const shared = await connectShared(replicaOptions(redis.url, prefix));
    try {
      const now = await shared.quota.reserve('b', 1, WINDOW, Date.now() - 10);
      expect(now.reserved).toBe(true);
      expect(Math.abs(now.at - Date.now())).toBeLessThan(SLACK);
      expect((await shared.quota.reserve('b', 1, WINDOW, Date.now() - 10)).reserved).toBe(false);
    } finally {
      await shared.close();
    }
  });
});

describe.skipIf(redis.skip)('the Redis layout', () => {
  it('one sorted set per bucket, scored in Redis time, expiring after its last slot leaves the window', async () => {
    const prefix = uniquePrefix('quota-layout');
    prefixes.push(prefix);
    const shared = await connectShared(replicaOptions(redis.url, prefix));
    const raw = await rawClient(redis.url);
    const redisNow = async () => {
      const [seconds, micros] = await raw.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    };
    try {
      const before = await redisNow();
      await shared.quota.reserve('jmlink.links:app1', 2, 5_000, FAR());
      await shared.quota.reserve('jmlink.links:app1', 2, 5_000, FAR());
      await shared.quota.reserve('jmlink.links:app1', 2, 5_000, FAR()); // a window after the first
      const after = await redisNow();
      const scores = (await raw.zRangeWithScores(`${prefix}q:jmlink.links:app1`, 0, -1)).map((m) => m.score);
      expect(scores).toHaveLength(3);
      expect(scores[0]).toBeGreaterThanOrEqual(before);
      expect(scores[1]).toBeLessThanOrEqual(after);
      expect(scores[2]! - scores[0]!).toBe(5_000);
      // The set lives until its last slot has left the window.
      const ttl = await raw.pTTL(`${prefix}q:jmlink.links:app1`);
      expect(ttl).toBeLessThanOrEqual(scores[2]! + 5_000 - before);
      expect(ttl).toBeGreaterThanOrEqual(scores[2]! + 5_000 - (await redisNow()) - 1); // ms rounding
      await shared.quota.pause('jmlink.links:app1', Date.now() + 2_000);
      expect(await raw.pTTL(`${prefix}qp:jmlink.links:app1`)).toBeGreaterThan(1_900);
    } finally {
      raw.destroy();
      await shared.close();
    }
  });
});
