// The cache store replicas share: Redis while it answers, plus an in-process copy of what this
// replica wrote and read, served while Redis is down. No method throws because of Redis.
//  - Reads go to Redis when it is up, and the copy follows what they saw (present or absent).
//  - Invalidations drop the copy at once, and reach Redis and the other replicas' copies (pub/sub);
//    made while Redis is down, they are kept and replayed when it returns, so an entry that changed
//    during an outage is not served from Redis afterwards.
//  - After an outage, or when the subscription was interrupted (messages may have been missed), the
//    copy is dropped: Redis is the reference again.

import type { Logger } from '../../core/logger.js';
import { MemoryCacheStore } from '../../http/cache/memory.js';
import type { CacheEntry, CacheStore } from '../../http/cache/store.js';
import type { RedisLink } from '../link.js';
import type { Invalidation, InvalidationBus } from './invalidations.js';
import type { RedisCacheStore } from './redis.js';

/** Invalidations kept during an outage; beyond this, the whole shared cache is dropped on recovery instead. */
const MAX_PENDING = 1_000;

export class SharedCacheStore implements CacheStore {
  readonly kind = 'shared';
  private readonly local: MemoryCacheStore;
  private pending: Invalidation[] = [];
  private pendingOverflow = false;

  constructor(
    private readonly link: RedisLink,
    private readonly redis: RedisCacheStore,
    private readonly bus: InvalidationBus,
    localMaxBytes: number,
    private readonly logger: Logger,
    private readonly onFallback: () => void = () => {},
  ) {
    this.local = new MemoryCacheStore(localMaxBytes);
    bus.listen((invalidation) => void this.applyLocally(invalidation));
    link.onRecovery(() => this.resynchronise());
    // Invalidations made while the recovery hooks ran are replayed right after, best effort.
    link.onHealth((health) => {
      if (health === 'ok' && (this.pending.length > 0 || this.pendingOverflow)) void this.replayPending().catch(() => {});
    });
    link.onSubscriberReady(() => void this.dropCopy());
  }

  async get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    return (await this.getMany<T>([key]))[0];
  }

  async getMany<T>(keys: readonly string[]): Promise<(CacheEntry<T> | undefined)[]> {
    if (keys.length === 0) return [];
    if (this.link.up) {
      try {
        const found = await this.redis.readMany<T>(keys);
        const present: { key: string; entry: CacheEntry; size: number }[] = [];
        const absent: string[] = [];
        keys.forEach((key, i) => {
          const read = found[i];
          if (read) present.push({ key, entry: read.entry, size: read.size });
          else absent.push(key);
        });
        await this.local.setMany(present);
        await this.local.delete(absent);
        return found.map((read) => read?.entry);
      } catch (error) {
        this.fellBack('read', error);
      }
    }
    return this.local.getMany<T>(keys);
  }

  async set(key: string, entry: CacheEntry, size: number): Promise<void> {
    await this.setMany([{ key, entry, size }]);
  }

  async setMany(entries: readonly { key: string; entry: CacheEntry; size: number }[]): Promise<void> {
    await this.local.setMany(entries);
    if (!this.link.up) return;
    try {
      await this.redis.setMany(entries);
    } catch (error) {
      this.fellBack('write', error);
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
    await this.local.close();
  }

  /** Entries and bytes of the in-process copy (metrics, tests). */
  localUsage(): { entries: number; bytes: number } {
    return this.local.usage();
  }

  private async invalidate(invalidation: Invalidation): Promise<void> {
    await this.applyLocally(invalidation);
    if (this.link.up) {
      try {
        await this.applyShared(invalidation);
        return;
      } catch (error) {
        this.fellBack('invalidation', error);
      }
    }
    this.keep(invalidation);
  }

  private async applyLocally(invalidation: Invalidation): Promise<void> {
    if ('prefix' in invalidation) await this.local.deletePrefix(invalidation.prefix);
    else await this.local.delete(invalidation.keys);
  }

  /** Drops the entries in Redis, then tells the other replicas. */
  private async applyShared(invalidation: Invalidation): Promise<void> {
    if ('prefix' in invalidation) await this.redis.deletePrefix(invalidation.prefix);
    else await this.redis.delete(invalidation.keys);
    await this.bus.publish(invalidation);
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

  /** Recovery hook: replays the outage's invalidations (throws, keeping the link degraded, if Redis fails), then drops the copy. */
  private async resynchronise(): Promise<void> {
    await this.replayPending();
    await this.dropCopy();
  }

  private async replayPending(): Promise<void> {
    const overflow = this.pendingOverflow;
    const replay: Invalidation[] = overflow ? [{ prefix: '' }] : this.pending;
    this.pending = [];
    this.pendingOverflow = false;
    let done = 0;
    try {
      for (; done < replay.length; done++) await this.applyShared(replay[done]!);
    } catch (error) {
      // What is left goes back ahead of what was invalidated meanwhile.
      const left = [...replay.slice(done), ...this.pending];
      this.pendingOverflow = overflow || this.pendingOverflow || left.length > MAX_PENDING;
      this.pending = this.pendingOverflow ? [] : left;
      throw error;
    }
    if (replay.length > 0) this.logger.info('replayed cache invalidations made while Redis was down', { count: overflow ? 'all' : replay.length });
  }

  private async dropCopy(): Promise<void> {
    await this.local.deletePrefix('');
  }

  private fellBack(operation: string, error: unknown): void {
    this.onFallback();
    this.logger.debug('shared cache fell back to the in-process copy', { operation, cause: error instanceof Error ? error.message : String(error) });
  }
}
