// The registry's behaviour, shared by the file and memory backends: validation, copy-on-write state,
// and one-at-a-time writes whose new state is adopted only after the backend made it durable. The
// validation helpers and the list order are exported for the PostgreSQL backend, which shares them.
import { RegistryError } from './errors.js';
import { closedError, WriteQueue } from './queue.js';
import type { AppInput, AppRecord, AppRegistry } from './types.js';

/** One stored app: its record and its decrypted master secret (null when none was given). */
export interface AppEntry {
  readonly record: Readonly<AppRecord>;
  readonly secret: string | null;
}

/** Immutable snapshot of everything the registry holds; every change builds a new one. */
export interface RegistryState {
  readonly apps: ReadonlyMap<string, AppEntry>;
  /** collection -> key -> JSON value (a private deep copy). */
  readonly records: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
}

export const EMPTY_STATE: RegistryState = { apps: new Map(), records: new Map() };

export interface Backend {
  /** Makes `next` durable, or throws (a RegistryError, or anything, which becomes REGISTRY_WRITE_FAILED). */
  persist(next: RegistryState): Promise<void>;
  /** What toJSON/inspect show about the backend; never the key. */
  readonly description: Readonly<Record<string, string>>;
  /** Called once by the first close(), after the last write (e.g. to release a lock). */
  close?(): Promise<void>;
}

export interface CoreOptions {
  /** Clock for createdAt/updatedAt (tests). */
  now?: () => Date;
}

const SOURCES: ReadonlySet<string> = new Set(['config', 'created']);
// C0, DEL and C1 control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A UTF-16 surrogate without its partner: it has no UTF-8 form, so it would not survive a write to a
// database (PostgreSQL text) or the UTF-8 encryption of a secret.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True for a usable identifier: a non-empty, well-formed string without control characters. */
export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && !CONTROL.test(value) && !LONE_SURROGATE.test(value);
}

/** True for text every backend stores exactly: well-formed, and without NUL (which PostgreSQL text cannot hold). */
function isStorableText(value: unknown): value is string {
  return typeof value === 'string' && !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

export function checkIdentifier(what: string, value: unknown): string {
  // The value is not echoed: a misplaced argument could be a secret.
  if (!isIdentifier(value)) throw new TypeError(`${what} must be a non-empty string without control characters or unpaired surrogates`);
  return value;
}

/** Validates upsert's input and keeps only the record's fields (callers may pass wider objects). */
export function checkApp(app: unknown): AppInput {
  if (typeof app !== 'object' || app === null) throw new TypeError('app must be an object');
  const a = app as Record<string, unknown>;
  const appKey = checkIdentifier('appKey', a.appKey);
  const text = 'a string without NUL characters or unpaired surrogates';
  if (!isStorableText(a.name)) throw new TypeError(`name of app "${appKey}" must be ${text}`);
  if (!isStorableText(a.androidPackage)) throw new TypeError(`androidPackage of app "${appKey}" must be ${text}`);
  if (a.groupName !== null && a.groupName !== undefined && !isStorableText(a.groupName)) {
    throw new TypeError(`groupName of app "${appKey}" must be ${text}, or null`);
  }
  if (typeof a.source !== 'string' || !SOURCES.has(a.source)) {
    throw new TypeError(`source of app "${appKey}" must be 'config' or 'created'`);
  }
  return {
    appKey,
    name: a.name,
    androidPackage: a.androidPackage,
    groupName: a.groupName ?? null,
    source: a.source as AppRecord['source'],
  };
}

export function checkSecret(appKey: string, secret: unknown): string | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret !== 'string' || secret.length === 0 || LONE_SURROGATE.test(secret)) {
    throw new TypeError(`masterSecret of app "${appKey}" must be a non-empty, well-formed string (or undefined to keep the stored one)`);
  }
  return secret;
}

/** The JSON text of a side-record value; throws if it has none (undefined, a function, a cycle, a BigInt). */
export function toJson(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) throw new TypeError('record value must be JSON-serialisable');
  return json;
}

/** True when upserting `input` over `record` changes no field. */
export function sameFields(record: Readonly<AppRecord>, input: AppInput): boolean {
  return record.name === input.name && record.androidPackage === input.androidPackage && record.groupName === input.groupName && record.source === input.source;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order of list(): by name, then appKey, comparing UTF-16 code units (no locale). */
export function compareApps(a: AppRecord, b: AppRecord): number {
  return compareCodeUnits(a.name, b.name) || compareCodeUnits(a.appKey, b.appKey);
}

/** True when a side-record belongs to an app (and goes with it): keyed by its appKey, alone or followed by ':'. */
export function isKeyedBy(appKey: string, recordKey: string): boolean {
  return recordKey === appKey || recordKey.startsWith(`${appKey}:`);
}

interface Change<T> {
  /** The state to persist and adopt; absent when nothing changes (no write). */
  next?: RegistryState;
  result: T;
}

export class Registry implements AppRegistry {
  #state: RegistryState;
  readonly #backend: Backend;
  readonly #now: () => Date;
  readonly #writes = new WriteQueue();
  #closing: Promise<void> | undefined;

  constructor(initial: RegistryState, backend: Backend, options: CoreOptions = {}) {
    this.#state = initial;
    this.#backend = backend;
    this.#now = options.now ?? (() => new Date());
  }

  async list(): Promise<AppRecord[]> {
    return [...this.#state.apps.values()].map((e) => ({ ...e.record })).sort(compareApps);
  }

  async get(appKey: string): Promise<AppRecord | undefined> {
    const entry = this.#state.apps.get(appKey);
    return entry ? { ...entry.record } : undefined;
  }

  async secretOf(appKey: string): Promise<string | undefined> {
    return this.#state.apps.get(appKey)?.secret ?? undefined;
  }

  async upsert(app: AppInput, masterSecret?: string): Promise<AppRecord> {
    const input = checkApp(app);
    const secret = checkSecret(input.appKey, masterSecret);
    return this.#change((state) => {
      const existing = state.apps.get(input.appKey);
      const nextSecret = secret ?? existing?.secret ?? null;
      if (existing && sameFields(existing.record, input) && existing.secret === nextSecret) {
        return { result: { ...existing.record } }; // already stored exactly so: nothing to write
      }
      const now = this.#now().toISOString();
      const record: AppRecord = Object.freeze({ ...input, createdAt: existing?.record.createdAt ?? now, updatedAt: now });
      const apps = new Map(state.apps).set(input.appKey, { record, secret: nextSecret });
      return { next: { ...state, apps }, result: { ...record } };
    });
  }

  async remove(appKey: string): Promise<boolean> {
    checkIdentifier('appKey', appKey);
    return this.#change((state) => {
      if (!state.apps.has(appKey)) return { result: false };
      const apps = new Map(state.apps);
      apps.delete(appKey);
      const records = new Map<string, ReadonlyMap<string, unknown>>();
      for (const [collection, entries] of state.records) {
        records.set(collection, new Map([...entries].filter(([key]) => !isKeyedBy(appKey, key))));
      }
      return { next: { apps, records }, result: true };
    });
  }

  async getRecord<T = unknown>(collection: string, key: string): Promise<T | undefined> {
    const value = this.#state.records.get(collection)?.get(key);
    return value === undefined ? undefined : (structuredClone(value) as T);
  }

  async updateRecord<T>(collection: string, key: string, update: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    checkIdentifier('record collection', collection);
    checkIdentifier('record key', key);
    return this.#change((state) => {
      const current = state.records.get(collection);
      const before = current?.get(key);
      const after = update(before === undefined ? undefined : (structuredClone(before) as T));
      const entries = new Map(current);
      if (after === undefined) {
        if (before === undefined) return { result: undefined };
        entries.delete(key);
      } else {
        const json = toJson(after);
        if (before !== undefined && JSON.stringify(before) === json) return { result: after };
        entries.set(key, JSON.parse(json) as unknown);
      }
      return { next: { ...state, records: new Map(state.records).set(collection, entries) }, result: after };
    });
  }

  async ping(): Promise<void> {
    if (this.#writes.closed) throw closedError();
  }

  async putRecord(collection: string, key: string, value: unknown): Promise<void> {
    checkIdentifier('record collection', collection);
    checkIdentifier('record key', key);
    const json = toJson(value);
    return this.#change((state) => {
      const current = state.records.get(collection);
      if (current?.has(key) && JSON.stringify(current.get(key)) === json) return { result: undefined };
      const records = new Map(state.records).set(collection, new Map(current).set(key, JSON.parse(json) as unknown));
      return { next: { ...state, records }, result: undefined };
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#writes.close().then(() => this.#backend.close?.());
    return this.#closing;
  }

  /** Safe summary: backend and app count, never secrets or the key. */
  toJSON(): Record<string, unknown> {
    return { ...this.#backend.description, apps: this.#state.apps.size, closed: this.#writes.closed };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `AppRegistry ${JSON.stringify(this.toJSON())}`;
  }

  get [Symbol.toStringTag](): string {
    return 'AppRegistry';
  }

  /**
   * Queues a change: it is computed from the state left by every earlier change (so concurrent
   * calls all land, in call order), persisted, and only then adopted.
   */
  #change<T>(compute: (state: RegistryState) => Change<T>): Promise<T> {
    return this.#writes.run(async () => {
      const { next, result } = compute(this.#state);
      if (next) {
        try {
          await this.#backend.persist(next);
        } catch (error) {
          if (error instanceof RegistryError) throw error;
          throw new RegistryError('REGISTRY_WRITE_FAILED', 'could not persist the registry; the change was not applied', { cause: error });
        }
        this.#state = next;
      }
      return result;
    });
  }
}
