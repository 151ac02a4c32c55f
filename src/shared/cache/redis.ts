// The cache store on Redis, on its own: entries as JSON strings expiring (PX) at their staleUntil,
// reads in one MGET, writes pipelined, prefix deletions by SCAN + UNLINK. Every method throws when
// Redis cannot be used; the shared store (shared.ts) decides what to do then.
import type { CacheEntry, CacheStore } from '../../http/cache/store.js';
import type { SharedKeys } from '../keys.js';
import type { RedisLink } from '../link.js';

/** An entry read from Redis and its size in memory (approximately twice its JSON length). */
export interface ReadEntry<T = unknown> {
  entry: CacheEntry<T>;
  size: number;
}

export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis';

  /** @param scanTimeoutMs bound of a whole prefix deletion (many SCAN round trips), longer than one command's. */
  constructor(
    private readonly link: RedisLink,
    private readonly keys: SharedKeys,
    private readonly scanTimeoutMs = 5_000,
  ) {}

  async get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    return (await this.readMany<T>([key]))[0]?.entry;
  }

  async getMany<T>(keys: readonly string[]): Promise<(CacheEntry<T> | undefined)[]> {
    return (await this.readMany<T>(keys)).map((found) => found?.entry);
  }

  /** One round trip (MGET) for any number of keys; entries past their staleUntil read as absent. */
  async readMany<T>(keys: readonly string[]): Promise<(ReadEntry<T> | undefined)[]> {
    if (keys.length === 0) return [];
    const raw = await this.link.run((c) => c.mGet(keys.map((k) => this.keys.cache(k))));
    const now = Date.now();
    return raw.map((json) => {
      const entry = typeof json === 'string' ? decode<T>(json) : undefined;
      return entry && entry.staleUntil > now ? { entry, size: 2 * (json as string).length } : undefined;
    });
  }

  async set(key: string, entry: CacheEntry, size: number): Promise<void> {
    await this.setMany([{ key, entry, size }]);
  }

  async setMany(entries: readonly { key: string; entry: CacheEntry; size: number }[]): Promise<void> {
    const now = Date.now();
    const writes: { key: string; json: string; ttl: number }[] = [];
    for (const { key, entry } of entries) {
      const ttl = entry.staleUntil - now;
      const json = ttl > 0 ? encode(entry) : undefined;
      if (json !== undefined) writes.push({ key: this.keys.cache(key), json, ttl });
    }
    if (writes.length === 0) return;
    await this.link.run(async (c) => {
      const pipeline = c.multi();
      for (const { key, json, ttl } of writes) pipeline.set(key, json, { expiration: { type: 'PX', value: ttl } });
      await pipeline.execAsPipeline();
    });
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.link.run((c) => c.unlink(keys.map((k) => this.keys.cache(k))));
  }

  async deletePrefix(prefix: string): Promise<void> {
    const match = this.keys.cachePattern(prefix);
    await this.link.run(async (c) => {
      let cursor = '0';
      do {
        const page = await c.scan(cursor, { MATCH: match, COUNT: 1000 });
        cursor = page.cursor;
        if (page.keys.length > 0) await c.unlink(page.keys);
      } while (cursor !== '0');
    }, this.scanTimeoutMs);
  }

  async close(): Promise<void> {}
}

/** JSON of an entry, or undefined for a value JSON cannot hold (a bigint): such an entry stays in process. */
function encode(entry: CacheEntry): string | undefined {
  try {
    return JSON.stringify(entry);
  } catch {
    return undefined;
  }
}

function decode<T>(json: string): CacheEntry<T> | undefined {
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || !('value' in parsed)) return undefined;
    const { storedAt, freshUntil, staleUntil } = parsed as Record<string, unknown>;
    if (typeof storedAt !== 'number' || typeof freshUntil !== 'number' || typeof staleUntil !== 'number') return undefined;
    return parsed as CacheEntry<T>;
  } catch {
    return undefined;
  }
}
