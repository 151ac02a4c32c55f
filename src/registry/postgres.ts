// The registry in PostgreSQL, for several gateway processes sharing one registry. Same contract and
// semantics as the file backend (validation and ordering come from registry.ts, encryption from
// crypto.ts), but every read goes to the database so it sees other processes' committed writes, and
// every write is one transaction that changes only its own rows, under an advisory lock on the app or
// record it touches: concurrent writers from any number of processes never lose a write.
import { escapeIdentifier, Pool, type PoolClient, type QueryResultRow } from 'pg';
import { assertKey, isSealed, makeKeyCheck, type Sealed, sealSecret, unsealSecret, verifyKeyCheck } from './crypto.js';
import { RegistryError } from './errors.js';
import { applyMigrations, loadMigrations } from './migrate.js';
import { APP_COLUMNS, type AppRow, checkOptions, databaseLabel, scrubber, toRecord } from './postgres-rows.js';
import { closedError, WriteQueue } from './queue.js';
import { type CoreOptions, checkApp, checkIdentifier, checkSecret, compareApps, isIdentifier, sameFields, toJson } from './registry.js';
import type { AppInput, AppRecord, AppRegistry } from './types.js';

export interface PostgresRegistryOptions extends CoreOptions {
  /** postgres:// or postgresql:// URL. Its password is never shown (messages use databaseLabel). */
  url: string;
  /** 32 bytes, e.g. from parseRegistryKey. Copied; never logged or formatted. */
  key: Buffer;
  /** The PostgreSQL schema holding the registry's tables (created if missing); default "public". */
  schema?: string;
  /** Most connections this process opens; default 10. */
  poolSize?: number;
}

export async function openPostgresRegistry(options: PostgresRegistryOptions): Promise<AppRegistry> {
  assertKey(options.key);
  const label = databaseLabel(options.url);
  const { schema, poolSize } = checkOptions(options);
  const migrations = await loadMigrations();

  const pool = new Pool({
    connectionString: options.url,
    max: poolSize,
    connectionTimeoutMillis: 5_000, // waiting for a connection (new or from the pool)
    idleTimeoutMillis: 30_000,
    statement_timeout: 10_000,
    // A process that dies or hangs inside a transaction must not hold its locks for long.
    idle_in_transaction_session_timeout: 30_000,
    keepAlive: true,
    application_name: 'jiguang-gateway registry',
  });
  // An idle connection that breaks (server restart) is dropped by the pool and the next query
  // reconnects; without a listener the 'error' event would end the process.
  pool.on('error', () => {});
  const where = `${label} (schema "${schema}")`;
  const scrub = scrubber(options.url);
  try {
    await applyMigrations(pool, schema, migrations);
    const registry = new PostgresRegistry(pool, Buffer.from(options.key), { label, schema, scrub }, options.now);
    await registry.verify();
    return registry;
  } catch (error) {
    await pool.end().catch(() => {});
    if (error instanceof RegistryError) throw error;
    throw new RegistryError('REGISTRY_UNAVAILABLE', `cannot open the PostgreSQL registry ${where}: ${scrub(error)}; check DATABASE_URL and that the database server is running`, {
      cause: error,
    });
  }
}

class PostgresRegistry implements AppRegistry {
  readonly #pool: Pool;
  readonly #key: Buffer;
  readonly #label: string;
  readonly #schema: string;
  readonly #where: string;
  readonly #scrub: (error: unknown) => string;
  readonly #now: () => Date;
  readonly #writes = new WriteQueue();
  readonly #apps: string;
  readonly #records: string;
  readonly #meta: string;
  #closing: Promise<void> | undefined;
  /** App count as this process last saw it (at open, list and its own writes): for toJSON only. */
  #appCount = 0;

  constructor(pool: Pool, key: Buffer, { label, schema, scrub }: { label: string; schema: string; scrub: (error: unknown) => string }, now?: () => Date) {
    this.#pool = pool;
    this.#key = key;
    this.#label = label;
    this.#schema = schema;
    this.#where = `${label} (schema "${schema}")`;
    this.#scrub = scrub;
    this.#now = now ?? (() => new Date());
    const table = (name: string) => `${escapeIdentifier(schema)}.${name}`;
    this.#apps = table('registry_apps');
    this.#records = table('registry_records');
    this.#meta = table('registry_meta');
  }

  /** At open: the key check (stored by the first opener), and every stored secret decrypts. */
  async verify(): Promise<void> {
    await this.#pool.query(`INSERT INTO ${this.#meta} (name, value) VALUES ('keyCheck', $1) ON CONFLICT (name) DO NOTHING`, [JSON.stringify(makeKeyCheck(this.#key))]);
    const [check] = await this.#read<{ value: unknown }>(`SELECT value FROM ${this.#meta} WHERE name = 'keyCheck'`);
    if (!isSealed(check?.value)) throw this.#corrupt('its key check is missing or malformed');
    if (!verifyKeyCheck(this.#key, check.value)) {
      throw new RegistryError('REGISTRY_KEY_MISMATCH', `the PostgreSQL registry ${this.#where} was written with a different registry key; configure the key it was written with`);
    }
    const rows = await this.#read<{ app_key: string; secret: unknown }>(`SELECT app_key, secret FROM ${this.#apps}`);
    for (const row of rows) if (row.secret !== null) this.#unseal(row.app_key, row.secret);
    this.#appCount = rows.length;
  }

  async list(): Promise<AppRecord[]> {
    const rows = await this.#read<AppRow>(`SELECT ${APP_COLUMNS} FROM ${this.#apps}`);
    this.#appCount = rows.length;
    return rows.map(toRecord).sort(compareApps); // sorted here: the database's collation is not code-unit order
  }

  async get(appKey: string): Promise<AppRecord | undefined> {
    const row = await this.#app(appKey);
    return row && toRecord(row);
  }

  async secretOf(appKey: string): Promise<string | undefined> {
    const row = await this.#app(appKey);
    return row?.secret == null ? undefined : this.#unseal(appKey, row.secret);
  }

  async upsert(app: AppInput, masterSecret?: string): Promise<AppRecord> {
    const input = checkApp(app);
    const secret = checkSecret(input.appKey, masterSecret);
    return this.#write(['app', input.appKey], async (tx) => {
      const [row] = await this.#query<AppRow>(tx, `SELECT ${APP_COLUMNS} FROM ${this.#apps} WHERE app_key = $1`, [input.appKey]);
      const existing = row && toRecord(row);
      let sealed = row?.secret ?? null;
      // A secret is re-encrypted (fresh IV) only when it changes, as in the file backend.
      const secretChanged = secret !== undefined && (sealed === null || !isSealed(sealed) || unsealSecret(this.#key, input.appKey, sealed) !== secret);
      if (secretChanged) sealed = sealSecret(this.#key, input.appKey, secret);
      if (existing && !secretChanged && sameFields(existing, input)) return existing; // nothing to write
      const now = this.#now().toISOString();
      const record: AppRecord = { ...input, createdAt: existing?.createdAt ?? now, updatedAt: now };
      await this.#query(
        tx,
        `INSERT INTO ${this.#apps} (${APP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (app_key) DO UPDATE SET name = excluded.name, android_package = excluded.android_package,
           group_name = excluded.group_name, source = excluded.source, secret = excluded.secret, updated_at = excluded.updated_at`,
        [record.appKey, record.name, record.androidPackage, record.groupName, record.source, sealed === null ? null : JSON.stringify(sealed), record.createdAt, record.updatedAt],
      );
      if (!existing) await this.#countApps(tx);
      return { ...record };
    });
  }

  async remove(appKey: string): Promise<boolean> {
    checkIdentifier('appKey', appKey);
    return this.#write(['app', appKey], async (tx) => {
      const deleted = await this.#query(tx, `DELETE FROM ${this.#apps} WHERE app_key = $1 RETURNING app_key`, [appKey]);
      if (deleted.length === 0) return false;
      // The app's side-records: keyed by its app key, alone or followed by ':' (isKeyedBy in registry.ts).
      await this.#query(tx, `DELETE FROM ${this.#records} WHERE key = $1 OR starts_with(key, $1 || ':')`, [appKey]);
      await this.#countApps(tx);
      return true;
    });
  }

  async getRecord<T = unknown>(collection: string, key: string): Promise<T | undefined> {
    if (!isIdentifier(collection) || !isIdentifier(key)) return undefined; // never stored
    const [row] = await this.#read<{ value: T }>(`SELECT value FROM ${this.#records} WHERE collection = $1 AND key = $2`, [collection, key]);
    return row?.value; // parsed afresh from the row: a copy
  }

  async putRecord(collection: string, key: string, value: unknown): Promise<void> {
    checkIdentifier('record collection', collection);
    checkIdentifier('record key', key);
    const json = toJson(value);
    // Under the record's lock too, so it cannot fall between an updateRecord's read and its write.
    await this.#write(['record', collection, key], (tx) => this.#putRecord(tx, collection, key, json));
  }

  async updateRecord<T>(collection: string, key: string, update: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    checkIdentifier('record collection', collection);
    checkIdentifier('record key', key);
    return this.#write(['record', collection, key], async (tx) => {
      const [row] = await this.#query<{ value: T }>(tx, `SELECT value FROM ${this.#records} WHERE collection = $1 AND key = $2`, [collection, key]);
      const before = row?.value;
      const after = update(before); // `before` was parsed from the row just now: a copy
      if (after === undefined) {
        if (row) await this.#query(tx, `DELETE FROM ${this.#records} WHERE collection = $1 AND key = $2`, [collection, key]);
      } else {
        const json = toJson(after);
        if (!row || JSON.stringify(before) !== json) await this.#putRecord(tx, collection, key, json);
      }
      return after;
    });
  }

  async ping(): Promise<void> {
    await this.#read('SELECT 1');
  }

  close(): Promise<void> {
    this.#closing ??= this.#writes.close().then(() => this.#pool.end());
    return this.#closing;
  }

  /** Safe summary: backend, database without credentials, schema and app count; never secrets or the key. */
  toJSON(): Record<string, unknown> {
    return { backend: 'postgres', database: this.#label, schema: this.#schema, apps: this.#appCount, closed: this.#writes.closed };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `AppRegistry ${JSON.stringify(this.toJSON())}`;
  }

  get [Symbol.toStringTag](): string {
    return 'AppRegistry';
  }

  async #app(appKey: string): Promise<AppRow | undefined> {
    if (!isIdentifier(appKey)) return undefined; // never stored
    const [row] = await this.#read<AppRow>(`SELECT ${APP_COLUMNS} FROM ${this.#apps} WHERE app_key = $1`, [appKey]);
    return row;
  }

  async #putRecord(tx: PoolClient, collection: string, key: string, json: string): Promise<void> {
    await this.#query(tx, `INSERT INTO ${this.#records} (collection, key, value) VALUES ($1, $2, $3) ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value`, [
      collection,
      key,
      json,
    ]);
  }

  async #countApps(tx: PoolClient): Promise<void> {
    const [row] = await this.#query<{ n: number }>(tx, `SELECT count(*)::int AS n FROM ${this.#apps}`);
    this.#appCount = row!.n;
  }

  #unseal(appKey: string, sealed: unknown): string {
    const secret = isSealed(sealed) ? unsealSecret(this.#key, appKey, sealed as Sealed) : undefined;
    if (secret === undefined) throw this.#corrupt(`the master secret of app ${JSON.stringify(appKey)} does not decrypt (altered, or copied from another app)`);
    return secret;
  }

  #corrupt(detail: string): RegistryError {
    return new RegistryError('REGISTRY_CORRUPT', `the PostgreSQL registry ${this.#where} is corrupt: ${detail}`);
  }

  async #read<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    if (this.#writes.closed) throw closedError();
    try {
      return (await this.#pool.query<R>(text, values)).rows;
    } catch (error) {
      throw new RegistryError('REGISTRY_UNAVAILABLE', `the PostgreSQL registry ${this.#where} is unavailable: ${this.#scrub(error)}`, { cause: error });
    }
  }

  /**
   * One write: queued behind this process's earlier writes (so they land in call order), in one
   * transaction holding the advisory lock of `lock` (an app or a record), which every writer of that
   * app or record takes: other processes' writes to it wait, none is lost, and an app or record that
   * does not exist yet is covered too (a row lock would have no row to lock).
   */
  #write<T>(lock: string[], work: (tx: PoolClient) => Promise<T>): Promise<T> {
    return this.#writes.run(async () => {
      let tx: PoolClient;
      try {
        tx = await this.#pool.connect();
      } catch (error) {
        throw this.#writeFailed(error);
      }
      let broken = false;
      try {
        // READ COMMITTED whatever the database's default: each statement after the lock must see
        // what the lock's previous holder committed (a REPEATABLE READ snapshot would not).
        await this.#query(tx, 'BEGIN ISOLATION LEVEL READ COMMITTED');
        await this.#query(tx, 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify([this.#schema, ...lock])]);
        const result = await work(tx);
        await this.#query(tx, 'COMMIT');
        return result;
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        tx.release(broken);
      }
    });
  }

  /** A query inside a write; database failures become REGISTRY_WRITE_FAILED (other errors, e.g. from `update`, pass as they are). */
  async #query<R extends QueryResultRow>(tx: PoolClient, text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await tx.query<R>(text, values)).rows;
    } catch (error) {
      throw this.#writeFailed(error);
    }
  }

  #writeFailed(error: unknown): RegistryError {
    return new RegistryError('REGISTRY_WRITE_FAILED', `could not write to the PostgreSQL registry ${this.#where}: ${this.#scrub(error)}`, { cause: error });
  }
}
