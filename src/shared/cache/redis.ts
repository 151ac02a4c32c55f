// The cache store on Redis, on its own: entries as JSON strings expiring (PX) at their staleUntil,
// reads in one MGET, writes pipelined (or, under an epoch, in one script), prefix deletions by SCAN +
// UNLINK. Every method throws when Redis cannot be used; the shared store (shared.ts) decides what to
// do then.
//
// Epochs: every invalidation first moves a version in Redis — of the prefix it drops (an owner's
// data), or of each key it drops — then deletes. A version is Redis time in microseconds (or one more
// than the last, if greater), so it never comes back to a value a call may have read: not after it
// expires (a day, far longer than any call), nor after Redis restarts empty. A write under an epoch
// checks, in the same script, that every version covering its key is still the one read before the
// call: an answer fetched before an invalidation is never stored after it.
import type { CacheEntry, CacheStore, Epoch } from '../../http/cache/store.js';
import type { SharedKeys } from '../keys.js';
import type { RedisLink } from '../link.js';
import { LuaScript } from '../script.js';

/** An entry read from Redis and its size in memory (approximately twice its JSON length). */
export interface ReadEntry<T = unknown> {
  entry: CacheEntry<T>;
  size: number;
}

/** The versions covering a key, as read before a call: the Redis keys holding them and their values ('' for none). */
export interface RedisEpoch extends Epoch {
  readonly epochKeys: string[];
  readonly values: string[];
}

/** How long a version outlives its last invalidation: far longer than any call. */
const EPOCH_TTL_MS = 24 * 3_600_000;

const LUA_NOW_US = `local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000000 + tonumber(__t[2])`;

// KEYS: versions to move. ARGV: their TTL (ms).
const BUMP = new LuaScript(`${LUA_NOW_US}
for i = 1, #KEYS do
  local v = math.max((tonumber(redis.call('GET', KEYS[i])) or 0) + 1, now)
  redis.call('SET', KEYS[i], string.format('%.0f', v), 'PX', ARGV[1])
end
return 0`);

// KEYS: n versions, then n entries. ARGV: the versions' TTL (ms). Moves the versions, then deletes the entries.
const INVALIDATE_KEYS = new LuaScript(`${LUA_NOW_US}
local n = #KEYS / 2
for i = 1, n do
  local v = math.max((tonumber(redis.call('GET', KEYS[i])) or 0) + 1, now)
  redis.call('SET', KEYS[i], string.format('%.0f', v), 'PX', ARGV[1])
end
for i = n + 1, #KEYS do redis.call('UNLINK', KEYS[i]) end
return 0`);

// KEYS: m versions, then the entries. ARGV: m, the m versions read before the call ('' for none),
// then (json, ttl ms) per entry. 1 when written, 0 when a version moved (nothing written).
const STORE = new LuaScript(`local m = tonumber(ARGV[1])
for i = 1, m do
  if (redis.call('GET', KEYS[i]) or '') ~= ARGV[i + 1] then return 0 end
end
local a = m + 2
for i = m + 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[a], 'PX', ARGV[a + 1])
  a = a + 2
end
return 1`);

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
    await this.write(entries);
  }

  /**
   * Writes the entries JSON can hold (pipelined; in one script under an epoch). False when the
   * epoch no longer holds: nothing was written.
   */
  async write(entries: readonly { key: string; entry: CacheEntry }[], epoch?: RedisEpoch): Promise<boolean> {
    const now = Date.now();
    const writes: { key: string; json: string; ttl: number }[] = [];
    for (const { key, entry } of entries) {
      const ttl = entry.staleUntil - now;
      const json = ttl > 0 ? encode(entry) : undefined;
      if (json !== undefined) writes.push({ key: this.keys.cache(key), json, ttl });
    }
    if (epoch) {
      const args: (string | number)[] = [epoch.epochKeys.length, ...epoch.values];
      for (const { json, ttl } of writes) args.push(json, ttl);
      const reply = await this.link.run((c) => STORE.run(c, [...epoch.epochKeys, ...writes.map((w) => w.key)], args));
      return reply === 1;
    }
    if (writes.length === 0) return true;
    await this.link.run(async (c) => {
      const pipeline = c.multi();
      for (const { key, json, ttl } of writes) pipeline.set(key, json, { expiration: { type: 'PX', value: ttl } });
      await pipeline.execAsPipeline();
    });
    return true;
  }

  /** The versions covering `key` now: of every entry, of each owner-like prefix of it (up to a `|`), and its own. */
  async epoch(key: string): Promise<RedisEpoch> {
    const epochKeys = this.epochKeysOf(key);
    const values = await this.link.run((c) => c.mGet(epochKeys));
    return { key, epochKeys, values: values.map((v) => (typeof v === 'string' ? v : '')) };
  }

  /** Moves the version of each key, then deletes the entries, in one script. */
  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.link.run((c) => INVALIDATE_KEYS.run(c, [...keys.map((k) => this.keys.keyEpoch(k)), ...keys.map((k) => this.keys.cache(k))], [EPOCH_TTL_MS]));
  }

  /**
   * Moves the version of the prefix, then deletes its entries. A prefix that does not end an owner's
   * part of a key (a `|`) moves the version of every entry instead: calls read only those.
   */
  async deletePrefix(prefix: string): Promise<void> {
    const match = this.keys.cachePattern(prefix);
    const version = prefix === '' || prefix.endsWith('|') ? prefix : '';
    await this.link.run(async (c) => {
      await BUMP.run(c, [this.keys.prefixEpoch(version)], [EPOCH_TTL_MS]);
      let cursor = '0';
      do {
        const page = await c.scan(cursor, { MATCH: match, COUNT: 1000 });
        cursor = page.cursor;
        if (page.keys.length > 0) await c.unlink(page.keys);
      } while (cursor !== '0');
    }, this.scanTimeoutMs);
  }

  private epochKeysOf(key: string): string[] {
    const found = [this.keys.prefixEpoch('')];
    for (let i = key.indexOf('|'); i >= 0; i = key.indexOf('|', i + 1)) found.push(this.keys.prefixEpoch(key.slice(0, i + 1)));
    found.push(this.keys.keyEpoch(key));
    return found;
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
