// The cross-request cache's storage contract. The in-process store (memory.ts) is the default; a
// Redis store shares entries between replicas. Values are JSON-serialisable models, never
// credentials; keys always hold the app (or project), the endpoint and its normalised parameters.

export interface CacheEntry<T = unknown> {
  value: T;
  /** When the value was fetched from Jiguang (epoch ms). */
  storedAt: number;
  /** Served as is until then. */
  freshUntil: number;
  /** Kept until then: served while a refresh runs (grace), or instead of an error (stale-if-error). */
  staleUntil: number;
}

export interface CacheStore {
  readonly kind: string;
  get<T>(key: string): Promise<CacheEntry<T> | undefined>;
  getMany<T>(keys: readonly string[]): Promise<(CacheEntry<T> | undefined)[]>;
  /** `size` approximates the entry's bytes (the memory bound); entries leave by staleUntil. */
  set(key: string, entry: CacheEntry, size: number): Promise<void>;
  setMany(entries: readonly { key: string; entry: CacheEntry; size: number }[]): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  /** Drops every entry whose key starts with `prefix` (an app's or a project's data). */
  deletePrefix(prefix: string): Promise<void>;
  close(): Promise<void>;
  /** Versions of the data, for stores shared by several processes (src/shared/cache/shared.ts). */
  readonly epochs?: Epochs;
}

/** What a call saw of the invalidations covering its key when it started (and what else the store keeps in it). */
export interface Epoch {
  readonly key: string;
}

/**
 * Versions (epochs) shared by every process using the store: each invalidation moves the version of
 * what it covers (an owner's data, one key). A call reads the version of its key before it starts,
 * and what it stores is kept only if no invalidation came since — on any process.
 */
export interface Epochs {
  /** The version covering `key` now; undefined when it cannot be known (the store is unreachable). */
  read(key: string): Promise<Epoch | undefined>;
  /**
   * Runs `store` (writes to this cache store) so that its writes are kept only while `epoch` holds:
   * false when an invalidation came since (nothing was written), true otherwise.
   */
  guard(epoch: Epoch, store: () => Promise<void>): Promise<boolean>;
}

/** The key prefix of everything cached about one app. */
export function appPrefix(appKey: string): string {
  return `a:${appKey}|`;
}

/** The key prefix of everything cached about one account or project (developer, Growth). */
export function ownerPrefix(owner: string): string {
  return `o:${owner}|`;
}
