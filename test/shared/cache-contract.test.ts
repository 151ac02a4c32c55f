// The cache stores on Redis behave like the in-process one: the same tests run against
// MemoryCacheStore, RedisCacheStore (Redis alone) and the shared store of connectShared.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { MemoryCacheStore } from '../../src/http/cache/memory.js';
import type { CacheEntry, CacheStore } from '../../src/http/cache/store.js';
import { RedisCacheStore } from '../../src/shared/cache/redis.js';
import { connectShared } from '../../src/shared/index.js';
import { sharedKeys } from '../../src/shared/keys.js';
import { RedisLink } from '../../src/shared/link.js';
import { requireRedis } from '../helpers/services.js';
import { deleteKeys, rawClient, replicaOptions, sleep, uniquePrefix } from './helpers.js';

const redis = await requireRedis();
const prefixes: string[] = [];
afterAll(async () => {
  if (!redis.skip) for (const prefix of prefixes) await deleteKeys(redis.url, prefix);
});

const entry = <T>(value: T, staleInMs = 60_000, freshInMs = 30_000): CacheEntry<T> => {
  const now = Date.now();
  return { value, storedAt: now, freshUntil: now + freshInMs, staleUntil: now + staleInMs };
};

interface Subject {
  store: CacheStore;
  close(): Promise<void>;
}

const subjects: [string, () => Promise<Subject>][] = [
  ['MemoryCacheStore', async () => ({ store: new MemoryCacheStore(1 << 20), close: async () => {} })],
  [
    'RedisCacheStore',
    async () => {
      const prefix = uniquePrefix('cache-contract');
      prefixes.push(prefix);
      const link = new RedisLink({ url: redis.url, logger: createLogger({ level: 'silent' }), commandTimeoutMs: 1000, connectTimeoutMs: 1000, reconnectMaxMs: 200, probeMs: 1000 });
      await link.start(2000);
      return { store: new RedisCacheStore(link, sharedKeys(prefix)), close: () => link.close() };
    },
  ],
  [
    'connectShared().cache',
    async () => {
      const prefix = uniquePrefix('cache-contract');
      prefixes.push(prefix);
      const shared = await connectShared(replicaOptions(redis.url, prefix, { commandTimeoutMs: 1000 }));
      expect(shared.status().redis).toBe('ok');
      return { store: shared.cache, close: () => shared.close() };
    },
  ],
];

for (const [name, make] of subjects) {
  describe.skipIf(name !== 'MemoryCacheStore' && redis.skip)(`cache store contract: ${name}`, () => {
    let subject: Subject;
    beforeEach(async () => {
      subject = await make();
      return () => subject.close();
    });

    it('gets what was set, as it was set; undefined for what was not', async () => {
      const { store } = subject;
      const value = { nodes: [{ key: 'AAAA', url: 'https://例子.cn/?q=1', clicks: 3, tags: null }], totalCount: 1, flag: true };
      const stored = entry(value);
      expect(await store.get('a:app1|jmlink.links|1:20')).toBeUndefined();
      await store.set('a:app1|jmlink.links|1:20', stored, 200);
      expect(await store.get('a:app1|jmlink.links|1:20')).toEqual(stored);
      await store.set('a:app1|jmlink.links|1:20', entry('replaced'), 10);
      expect((await store.get('a:app1|jmlink.links|1:20'))?.value).toBe('replaced');
    });

    it('getMany answers in the order asked, undefined where nothing is held; setMany writes all', async () => {
      const { store } = subject;
      expect(await store.getMany([])).toEqual([]);
      await store.setMany([
        { key: 'a:app1|s|1', entry: entry(1), size: 8 },
        { key: 'a:app1|s|2', entry: entry(null), size: 8 },
        { key: 'a:app1|s|3', entry: entry('three'), size: 8 },
      ]);
      const got = await store.getMany<number | string | null>(['a:app1|s|3', 'a:app1|s|missing', 'a:app1|s|1', 'a:app1|s|2']);
      expect(got.map((e) => e?.value)).toEqual(['three', undefined, 1, null]);
      expect(got[3]).toBeDefined(); // a null value is an entry, not a miss
    });

    it('delete drops the keys given, and only those', async () => {
      const { store } = subject;
      await store.setMany(['k1', 'k2', 'k3'].map((key) => ({ key: `a:app1|e|${key}`, entry: entry(key), size: 8 })));
      await store.delete(['a:app1|e|k1', 'a:app1|e|k3', 'a:app1|e|never']);
      await store.delete([]);
      expect((await store.getMany(['a:app1|e|k1', 'a:app1|e|k2', 'a:app1|e|k3'])).map((e) => e?.value)).toEqual([undefined, 'k2', undefined]);
    });

    it('deletePrefix drops every key starting with the prefix, glob characters taken literally', async () => {
      const { store } = subject;
      const keys = ['a:app1|x|1', 'a:app1|x|2', 'a:app10|x|1', 'a:we*ird[1]|x|1', 'a:weXird1]|x|1', 'o:developer|x|1'];
      await store.setMany(keys.map((key) => ({ key, entry: entry(key), size: 8 })));
      await store.deletePrefix('a:app1|');
      await store.deletePrefix('a:we*ird[1]|');
      expect((await store.getMany(keys)).map((e) => e?.value)).toEqual([undefined, undefined, 'a:app10|x|1', undefined, 'a:weXird1]|x|1', 'o:developer|x|1']);
      await store.deletePrefix('a:nobody|');
    });

    it('entries leave at staleUntil; one already past it is not stored', async () => {
      const { store } = subject;
      await store.set('a:app1|t|short', entry('short', 150, 50), 8);
      await store.set('a:app1|t|long', entry('long'), 8);
      await store.set('a:app1|t|past', entry('past', -1, -1), 8);
      expect((await store.get('a:app1|t|short'))?.value).toBe('short');
      expect(await store.get('a:app1|t|past')).toBeUndefined();
      await sleep(250);
      expect(await store.get('a:app1|t|short')).toBeUndefined();
      expect((await store.get('a:app1|t|long'))?.value).toBe('long');
    });

    it('an entry past its freshness but within staleUntil is still held (grace, stale-if-error)', async () => {
      const { store } = subject;
      await store.set('a:app1|g|1', entry('kept', 60_000, -1_000), 8);
      const got = await store.get('a:app1|g|1');
      expect(got?.value).toBe('kept');
      expect(got!.freshUntil).toBeLessThan(Date.now());
    });
  });
}

describe.skipIf(redis.skip)('the Redis layout', () => {
  it('stores JSON under <keyPrefix>c:<key> with a PX expiry at staleUntil', async () => {
    const prefix = uniquePrefix('cache-layout');
    prefixes.push(prefix);
    const shared = await connectShared(replicaOptions(redis.url, prefix));
    const raw = await rawClient(redis.url);
    try {
      const stored = entry({ a: 1 }, 10_000);
      await shared.cache.set('a:app1|layout', stored, 16);
      expect(JSON.parse((await raw.get(`${prefix}c:a:app1|layout`)) ?? 'null')).toEqual(stored);
      const ttl = await raw.pTTL(`${prefix}c:a:app1|layout`);
      expect(ttl).toBeGreaterThan(9_000);
      expect(ttl).toBeLessThanOrEqual(10_000);
      // Something that is not an entry (another writer, a bug) reads as a miss, not as a crash.
      await raw.set(`${prefix}c:a:app1|garbage`, '{"not":"an entry"');
      expect(await shared.cache.get('a:app1|garbage')).toBeUndefined();
    } finally {
      raw.destroy();
      await shared.close();
    }
  });

  it('a value JSON cannot hold (a bigint) stays in this replica only, without failing', async () => {
    const prefix = uniquePrefix('cache-bigint');
    prefixes.push(prefix);
    const shared = await connectShared(replicaOptions(redis.url, prefix));
    const raw = await rawClient(redis.url);
    try {
      await shared.cache.set('o:growth|big', entry({ cuid: 9223372036854775807n }), 16);
      expect(await raw.exists(`${prefix}c:o:growth|big`)).toBe(0);
    } finally {
      raw.destroy();
      await shared.close();
    }
  });
});
