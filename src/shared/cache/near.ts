// A replica's near cache: decoded cache entries in process (no round trip, no JSON parse on a hit),
// an LRU bounded by approximate bytes like the in-process cache (MemoryCacheStore), entries leaving
// at their staleUntil. It is kept coherent with Redis by the invalidations the shared store feeds it
// (Redis's own tracking messages and the replicas' invalidation channel), and it is the copy a
// replica serves from while Redis is down.
//
// Fills race with invalidations: a reply read from Redis before a key changed may arrive after the
// invalidation of that change. So a fill takes a ticket before its command is sent, and an entry is
// filled only if no invalidation covering its key came since that ticket.
import { LRUCache } from 'lru-cache';
import type { CacheEntry } from '../../http/cache/store.js';

/** Keys invalidated while fills are in flight, beyond which every fill in flight is dropped instead. */
const MAX_REMEMBERED = 10_000;

export class NearCache {
  private readonly lru: LRUCache<string, CacheEntry>;
  /** Bumped by every invalidation. */
  private seq = 0;
  /** Fills whose ticket is older than this are dropped (a flush, a prefix invalidation, an overflow). */
  private floor = 0;
  /** The last invalidation of each key, while fills are in flight. */
  private readonly invalidated = new Map<string, number>();
  private inFlight = 0;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, CacheEntry>({ maxSize: maxBytes, maxEntrySize: Math.max(1, Math.floor(maxBytes / 4)) });
  }

  /** The entry held for `key`, undefined when none or past its staleUntil. */
  get<T>(key: string, now = Date.now()): CacheEntry<T> | undefined {
    const entry = this.lru.get(key);
    if (entry === undefined) return undefined;
    if (entry.staleUntil <= now) {
      this.lru.delete(key);
      return undefined;
    }
    return entry as CacheEntry<T>;
  }

  /** Whether an entry is held for `key` (tests, debugging). */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Keeps an entry; with a ticket, only if no invalidation covering the key came since it was taken. */
  set(key: string, entry: CacheEntry, size: number, ticket?: number, now = Date.now()): void {
    if (ticket !== undefined && !this.mayFill(key, ticket)) return;
    if (entry.staleUntil <= now) {
      this.lru.delete(key);
      return;
    }
    this.lru.set(key, entry, { size: Math.max(1, Math.ceil(size) + key.length + 64) });
  }

  /** Forgets `key` (read as absent), with the same ticket rule as `set`. */
  forget(key: string, ticket: number): void {
    if (this.mayFill(key, ticket)) this.lru.delete(key);
  }

  /** Before a command whose reply fills the cache: the ticket to fill with. Pair it with `release`. */
  ticket(): number {
    this.inFlight++;
    return this.seq;
  }

  release(): void {
    if (--this.inFlight <= 0) {
      this.inFlight = 0;
      this.invalidated.clear();
    }
  }

  invalidate(keys: Iterable<string>): void {
    this.seq++;
    for (const key of keys) {
      this.lru.delete(key);
      if (this.inFlight > 0) this.invalidated.set(key, this.seq);
    }
    if (this.invalidated.size > MAX_REMEMBERED) this.dropFillsInFlight();
  }

  invalidatePrefix(prefix: string): void {
    this.seq++;
    this.dropFillsInFlight();
    if (prefix === '') {
      this.lru.clear();
      return;
    }
    for (const key of [...this.lru.keys()]) if (key.startsWith(prefix)) this.lru.delete(key);
  }

  /** Drops everything, fills in flight included (reconnection: invalidations may have been missed). */
  flush(): void {
    this.invalidatePrefix('');
  }

  usage(): { entries: number; bytes: number } {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize };
  }

  private mayFill(key: string, ticket: number): boolean {
    if (ticket < this.floor) return false;
    const last = this.invalidated.get(key);
    return last === undefined || last <= ticket;
  }

  private dropFillsInFlight(): void {
    this.floor = this.seq;
    this.invalidated.clear();
  }
}
