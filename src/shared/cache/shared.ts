// The cache store replicas share: Redis, with a near cache in each replica, and versions (epochs) so
// that an invalidation wins its races. No method throws because of Redis.
//  - Near cache (./near.ts): what this replica read from Redis or wrote there, decoded, bounded by the
//    cache's byte budget. While Redis is up it answers without a round trip, kept coherent by Redis's
//    tracking messages (./tracking.ts: any change of an entry, by anyone) and by the invalidation
//    channel (./invalidations.ts). While Redis is down it is the copy this replica serves from.
//  - Invalidations drop the near cache's entries at once, move the versions in Redis and delete the
//    entries there, then tell the other replicas and wait (briefly) until each applied them. Made
//    while Redis is down, they are kept and replayed when it returns, so an entry that changed during
//    an outage is not served from Redis afterwards.
//  - Epochs: a call reads the versions covering its key before it starts (`epochs.read`), and what it
//    stores under `epochs.guard` is written only if none moved since — checked in Redis, in the same
//    script as the write, so it holds across replicas.
//  - After an outage, or when a connection was interrupted (messages may have been missed), the near
//    cache is flushed: Redis is the reference again.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../../core/logger.js';
import type { CacheEntry, CacheStore, Epoch, Epochs } from '../../http/cache/store.js';
import type { SharedKeys } from '../keys.js';
import type { RedisLink } from '../link.js';
import type { Invalidation, InvalidationBus } from './invalidations.js';
import { NearCache } from './near.js';
import type { RedisCacheStore, RedisEpoch } from './redis.js';
import type { TrackingFeed } from './tracking.js';

/** Invalidations kept during an outage; beyond this, the whole shared cache is dropped on recovery instead. */
const MAX_PENDING = 1_000;

type Write = { key: string; entry: CacheEntry; size: number };

/** A store running under an epoch (`epochs.guard`): superseded once a write found the epoch moved. */
interface Guarded {
  epoch: RedisEpoch;
  superseded: boolean;
}

export interface SharedCacheEvents {
  /** An operation answered from the near cache alone because a Redis command failed. */
  fallback?(): void;
  /** An invalidation sent: how long until every replica applied it, and whether they all did in time. */
  invalidated?(seconds: number, complete: boolean): void;
}

export class SharedCacheStore implements CacheStore {
  readonly kind = 'shared';
  readonly epochs: Epochs;
  private readonly near: NearCache;
  private readonly guarded = new AsyncLocalStorage<Guarded>();
  private pending: Invalidation[] = [];
  private pendingOverflow = false;

  constructor(
    private readonly link: RedisLink,
    private readonly redis: RedisCacheStore,
    private readonly bus: InvalidationBus,
    keys: SharedKeys,
    tracking: TrackingFeed,
    nearMaxBytes: number,
    private readonly logger: Logger,
    private readonly events: SharedCacheEvents = {},
  ) {
    this.near = new NearCache(nearMaxBytes);
    const { cachePrefix } = keys;
    tracking.onInvalidate((redisKey) => {
      if (redisKey === null) this.near.flush();
      else if (redisKey.startsWith(cachePrefix)) this.near.invalidate([redisKey.slice(cachePrefix.length)]);
    });
    bus.listen((invalidation) => this.applyLocally(invalidation));
    link.onRecovery(() => this.resynchronise());
    // Invalidations made while the recovery hooks ran are replayed right after, best effort.
    link.onHealth((health) => {
      if (health === 'ok' && (this.pending.length > 0 || this.pendingOverflow)) void this.replayPending().catch(() => {});
    });
    link.onSubscriberReady(() => this.near.flush());
    this.epochs = {
      read: (key) => this.readEpoch(key),
      guard: (epoch, store) => this.guard(epoch, store),
    };
  }

  async get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    if (this.link.up) {
      const entry = this.near.get<T>(key);
      if (entry !== undefined) return entry;
    }
    return (await this.getMany<T>([key]))[0];
  }

  async getMany<T>(keys: readonly string[]): Promise<(CacheEntry<T> | undefined)[]> {
    if (keys.length === 0) return [];
    const now = Date.now();
    const found: (CacheEntry<T> | undefined)[] = new Array(keys.length);
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) if ((found[i] = this.near.get<T>(keys[i]!, now)) === undefined) missing.push(i);
    if (missing.length === 0 || !this.link.up) return found;
    const ticket = this.near.ticket();
    try {
      const read = await this.redis.readMany<T>(missing.map((i) => keys[i]!));
      missing.forEach((i, j) => {
        const got = read[j];
        if (got) {
          found[i] = got.entry;
          this.near.set(keys[i]!, got.entry, got.size, ticket);
        }
      });
      return found;
    } catch (error) {
      this.fellBack('read', error);
      return found;
    } finally {
      this.near.release();
    }
  }

  async set(key: string, entry: CacheEntry, size: number): Promise<void> {
    await this.setMany([{ key, entry, size }]);
  }

  async setMany(entries: readonly Write[]): Promise<void> {
    if (entries.length === 0) return;
    const guarded = this.guarded.getStore();
    if (guarded?.superseded) return;
    if (!this.link.up) {
      // The near cache is this replica's own copy now; it is flushed when Redis returns.
      for (const { key, entry, size } of entries) this.near.set(key, entry, size);
      return;
    }
    const ticket = this.near.ticket();
    try {
      if (!(await this.redis.write(entries, guarded?.epoch))) {
        guarded!.superseded = true;
        return;
      }
      for (const { key, entry, size } of entries) this.near.set(key, entry, size, ticket);
    } catch (error) {
      this.fellBack('write', error);
      // Unknown whether a write under an epoch was kept: it is not copied either.
      if (!guarded) for (const { key, entry, size } of entries) this.near.set(key, entry, size, ticket);
    } finally {
      this.near.release();
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.invalidate({ keys: [...keys] });
  }

  async deletePrefix(prefix: string): Promise<void> {
    await this.invalidate({ prefix });
  }

  async close(): Promise<void> {
    this.near.flush();
  }

  /** Entries and bytes of the near cache (metrics, tests). */
  localUsage(): { entries: number; bytes: number } {
    return this.near.usage();
  }

  /** Whether the near cache holds `key` (tests, debugging). */
  holdsLocally(key: string): boolean {
    return this.near.has(key);
  }

  private async readEpoch(key: string): Promise<Epoch | undefined> {
    if (!this.link.up) return undefined;
    try {
      return await this.redis.epoch(key);
    } catch (error) {
      this.fellBack('epoch', error);
      return undefined;
    }
  }

  private async guard(epoch: Epoch, store: () => Promise<void>): Promise<boolean> {
    const guarded: Guarded = { epoch: epoch as RedisEpoch, superseded: false };
    await this.guarded.run(guarded, store);
    return !guarded.superseded;
  }

  private async invalidate(invalidation: Invalidation): Promise<void> {
    this.applyLocally(invalidation);
    if (this.link.up) {
      try {
        await this.applyShared(invalidation, true);
        return;
      } catch (error) {
        this.fellBack('invalidation', error);
      }
    }
    this.keep(invalidation);
  }

  private applyLocally(invalidation: Invalidation): void {
    if ('prefix' in invalidation) this.near.invalidatePrefix(invalidation.prefix);
    else this.near.invalidate(invalidation.keys);
  }

  /** Moves the versions and drops the entries in Redis, then tells the other replicas (waiting until they applied it, with `wait`). */
  private async applyShared(invalidation: Invalidation, wait: boolean): Promise<void> {
    const started = performance.now();
    if ('prefix' in invalidation) await this.redis.deletePrefix(invalidation.prefix);
    else await this.redis.delete(invalidation.keys);
    const complete = await this.bus.publish(invalidation, wait);
    if (wait) this.events.invalidated?.((performance.now() - started) / 1000, complete);
  }

  private keep(invalidation: Invalidation): void {
    if (this.pendingOverflow) return;
    if (this.pending.length >= MAX_PENDING) {
      this.pendingOverflow = true;
      this.pending = [];
      return;
    }
    this.pending.push(invalidation);
  }

  /** Recovery hook: replays the outage's invalidations (throws, keeping the link degraded, if Redis fails), then flushes the near cache. */
  private async resynchronise(): Promise<void> {
    await this.replayPending();
    this.near.flush();
  }

  private async replayPending(): Promise<void> {
    const overflow = this.pendingOverflow;
    const replay: Invalidation[] = overflow ? [{ prefix: '' }] : this.pending;
    this.pending = [];
    this.pendingOverflow = false;
    let done = 0;
    try {
      // Not waited for: the other replicas flush their near caches when they reconnect, or get the message.
      for (; done < replay.length; done++) await this.applyShared(replay[done]!, false);
    } catch (error) {
      // What is left goes back ahead of what was invalidated meanwhile.
      const left = [...replay.slice(done), ...this.pending];
      this.pendingOverflow = overflow || this.pendingOverflow || left.length > MAX_PENDING;
      this.pending = this.pendingOverflow ? [] : left;
      throw error;
    }
    if (replay.length > 0) this.logger.info('replayed cache invalidations made while Redis was down', { count: overflow ? 'all' : replay.length });
  }

  private fellBack(operation: string, error: unknown): void {
    this.events.fallback?.();
    this.logger.debug('shared cache fell back to the near cache', { operation, cause: error instanceof Error ? error.message : String(error) });
  }
}
