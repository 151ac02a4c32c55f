// The registry's public shapes, kept apart from the backends so callers (context, resolvers,
// generated GraphQL types) can import them without pulling in node:fs or node:crypto.

/** One Jiguang app the gateway knows, without its master secret. */
export interface AppRecord {
  appKey: string;
  name: string;
  androidPackage: string;
  groupName: string | null;
  /** Where it came from: start-up configuration, or the app-creation mutation. */
  source: 'config' | 'created';
  /** ISO timestamp of when the app was first stored. */
  createdAt: string;
  /** ISO timestamp of the last change to the record or its secret. */
  updatedAt: string;
}

/** What callers pass to `upsert`: the record minus the timestamps the registry maintains. */
export type AppInput = Omit<AppRecord, 'createdAt' | 'updatedAt'>;

export interface AppRegistry {
  /** Sorted by name then appKey; an in-memory copy, no I/O. */
  list(): AppRecord[];
  /** No I/O. */
  get(appKey: string): AppRecord | undefined;
  /** The decrypted master secret (decrypted once on load, kept in memory), no I/O. */
  secretOf(appKey: string): string | undefined;
  /** Inserts or updates an app. masterSecret undefined keeps the stored one. Resolves only once durably written. */
  upsert(app: AppInput, masterSecret?: string): Promise<AppRecord>;
  /** Removes an app; resolves true if it existed, once durably written. */
  remove(appKey: string): Promise<boolean>;
  /** Generic durable side-records for later features (e.g. review callbacks): keyed JSON values, not encrypted. */
  getRecord<T = unknown>(collection: string, key: string): T | undefined;
  putRecord(collection: string, key: string, value: unknown): Promise<void>;
  /** Waits for pending writes; later writes reject. */
  close(): Promise<void>;
}
