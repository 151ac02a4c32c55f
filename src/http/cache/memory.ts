// The in-process cache store: an LRU bounded by approximate bytes (lru-cache), entries leaving at
// their staleUntil. Values are kept as objects (no serialisation on the hot path), so they are
// shared between requests and must be treated as immutable by every reader.
import { LRUCache } from 'lru-cache';
import type { CacheEntry, CacheStore } from './store.js';

export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory';
  private readonly lru: LRUCache<string, CacheEntry>;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, CacheEntry>({ maxSize: maxBytes, maxEntrySize: Math.max(1, Math.floor(maxBytes / 4)) });
  }

  async get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    return this.read<T>(key);
  }

  async getMany<T>(keys: readonly string[]): Promise<(CacheEntry<T> | undefined)[]> {
    return keys.map((key) => this.read<T>(key));
  }

  async set(key: string, entry: CacheEntry, size: number): Promise<void> {
    this.write(key, entry, size);
  }

  async setMany(entries: readonly { key: string; entry: CacheEntry; size: number }[]): Promise<void> {
    for (const { key, entry, size } of entries) this.write(key, entry, size);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.lru.delete(key);
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (const key of [...this.lru.keys()]) if (key.startsWith(prefix)) this.lru.delete(key);
  }

  async close(): Promise<void> {
    this.lru.clear();
  }

  /** Entries held and their approximate bytes (metrics). */
  usage(): { entries: number; bytes: number } {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize };
  }

  private read<T>(key: string): CacheEntry<T> | undefined {
    const entry = this.lru.get(key);
    if (entry && entry.staleUntil <= Date.now()) {
      this.lru.delete(key);
      return undefined;
    }
    return entry as CacheEntry<T> | undefined;
  }

  private write(key: string, entry: CacheEntry, size: number): void {
    const ttl = entry.staleUntil - Date.now();
    if (ttl <= 0) return;
    this.lru.set(key, entry, { size: Math.max(1, Math.ceil(size) + key.length + 64) });
  }
}
