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

/**
 * The registry's contract, shared by every backend (memory, file, PostgreSQL). Reads are async so a
 * backend may answer from another process's writes; every write resolves only once it is durable.
 */
export interface AppRegistry {
  /** Sorted by name then appKey; copies. */
  list(): Promise<AppRecord[]>;
  get(appKey: string): Promise<AppRecord | undefined>;
  /** The decrypted master secret. */
  secretOf(appKey: string): Promise<string | undefined>;
  /** Inserts or updates an app. masterSecret undefined keeps the stored one. */
  upsert(app: AppInput, masterSecret?: string): Promise<AppRecord>;
  /** Removes an app and every side-record keyed by it; true if it existed. */
  remove(appKey: string): Promise<boolean>;
  /** Durable side-records (review requests and callbacks, certificates, settings): keyed JSON values, not encrypted. */
  getRecord<T = unknown>(collection: string, key: string): Promise<T | undefined>;
  putRecord(collection: string, key: string, value: unknown): Promise<void>;
  /**
   * Read-modify-write of one record, atomic against every other writer (other processes included):
   * `update` gets the current value and returns the new one (undefined deletes it).
   */
  updateRecord<T>(collection: string, key: string, update: (current: T | undefined) => T | undefined): Promise<T | undefined>;
  /** Throws when the backend cannot serve (readiness). */
  ping(): Promise<void>;
  /** Waits for pending writes; later writes reject. */
  close(): Promise<void>;
}

/** Where a registry reports what an operator should know (main passes the gateway's logger); never secrets. */
export type RegistryLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

/** A registry that counts its database round trips (the PostgreSQL backend): by purpose, since it opened. */
export interface QueryCounting {
  queries(): Readonly<Record<string, number>>;
}
