// The registry in PostgreSQL, for several gateway processes sharing one registry. Same contract and
// semantics as the file backend (validation and ordering come from registry.ts, encryption from
// crypto.ts). Every write is one transaction that changes only its own rows, under an advisory lock on
// the app or record it touches: concurrent writers from any number of processes never lose a write.
//
// Reads never wait for the database: each process holds every app (record and decrypted secret) and
// every side-record in memory (postgres-snapshot.ts), loaded at open. Triggers (migration 002) stamp
// each change with a version and announce it on the schema's channel at commit; the process LISTENs on
// a connection of its own (postgres-feed.ts), re-reads the rows a notice names and adopts them unless
// it holds something newer. Its own writes are adopted as soon as they commit. A periodic check (one
// query) compares the copy with the database and reloads it if a notice was missed, as does every
// reconnection of the feed. An app key the copy lacks is looked up once (it may have been created a
// moment ago elsewhere), then not again for a second.
import { escapeIdentifier, Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';
import { assertKey, isSealed, makeKeyCheck, type Sealed, sealSecret, unsealSecret, verifyKeyCheck } from './crypto.js';
import { RegistryError } from './errors.js';
import { applyMigrations, loadMigrations } from './migrate.js';
import { type CountingClient, countingClient, type Labelled, type QueryPurpose, QueryTally } from './postgres-client.js';
import { ChangeFeed } from './postgres-feed.js';
import { APP_COLUMNS, APP_SELECT, type AppRow, channelOf, checkOptions, databaseLabel, RECORD_SELECT, type RecordRow, scrubber, toRecord } from './postgres-rows.js';
import { type AppState, CORRUPT, nextTick, type RecordState, recordId, Snapshot } from './postgres-snapshot.js';
import { closedError, WriteQueue } from './queue.js';
import { type CoreOptions, checkApp, checkIdentifier, checkSecret, isIdentifier, sameFields, toJson } from './registry.js';
import type { AppInput, AppRecord, AppRegistry, QueryCounting, RegistryLog } from './types.js';

export interface PostgresRegistryOptions extends CoreOptions {
  /** postgres:// or postgresql:// URL. Its password is never shown (messages use databaseLabel). */
  url: string;
  /** 32 bytes, e.g. from parseRegistryKey. Copied; never logged or formatted. */
  key: Buffer;
  /** The PostgreSQL schema holding the registry's tables (created if missing); default "public". */
  schema?: string;
  /** Most pooled connections this process opens (the change feed has one more of its own); default 10. */
  poolSize?: number;
  /** How often the copy in memory is compared with the database (one query); default 5000 ms. */
  checkIntervalMs?: number;
  /** First wait before the change feed reconnects after a drop, doubled up to 5 s; default 100 ms. */
  reconnectDelayMs?: number;
  /** Where the change feed's troubles are reported; default nowhere. */
  log?: RegistryLog;
}

const CHECK_INTERVAL_MS = 5_000;
const CHECK_TIMEOUT_MS = 5_000;
/** After a difference, the check runs again this soon before reloading: a notice may have been in flight. */
const RECHECK_MS = 250;
const RECONNECT_DELAY_MS = 100;
const RECONNECT_MAX_MS = 5_000;
/** An app key found in neither the copy nor the database is not looked up again for this long. */
const ABSENT_MS = 1_000;
const ABSENT_MAX = 10_000;

/** The PostgreSQL registry: the contract, and its round trips by purpose. */
export interface PostgresAppRegistry extends AppRegistry, QueryCounting {
  queries(): Readonly<Record<QueryPurpose, number>>;
}

export async function openPostgresRegistry(options: PostgresRegistryOptions): Promise<PostgresAppRegistry> {
  assertKey(options.key);
  const label = databaseLabel(options.url);
  const { schema, poolSize } = checkOptions(options);
  const checkIntervalMs = options.checkIntervalMs ?? CHECK_INTERVAL_MS;
  const reconnectDelayMs = options.reconnectDelayMs ?? RECONNECT_DELAY_MS;
  if (!Number.isInteger(checkIntervalMs) || checkIntervalMs < 10) throw new TypeError('checkIntervalMs must be an integer of at least 10');
  if (!Number.isInteger(reconnectDelayMs) || reconnectDelayMs < 1) throw new TypeError('reconnectDelayMs must be a positive integer');
  const migrations = await loadMigrations();

  const tally = new QueryTally();
  const Client = countingClient(tally);
  const connection = {
    connectionString: options.url,
    connectionTimeoutMillis: 5_000, // waiting for a connection (new or from the pool)
    statement_timeout: 10_000,
    keepAlive: true,
  };
  const pool = new Pool({
    ...connection,
    Client: Client as unknown as PoolConfig['Client'],
    max: poolSize,
    idleTimeoutMillis: 30_000,
    // A process that dies or hangs inside a transaction must not hold its locks for long.
    idle_in_transaction_session_timeout: 30_000,
    application_name: 'jiguang-gateway registry',
  });
  // An idle connection that breaks (server restart) is dropped by the pool and the next query
  // reconnects; without a listener the 'error' event would end the process.
  pool.on('error', () => {});
  const where = `${label} (schema "${schema}")`;
  const scrub = scrubber(options.url);
  let registry: PostgresRegistry | undefined;
  try {
    await applyMigrations(pool, schema, migrations);
    registry = new PostgresRegistry(pool, Buffer.from(options.key), {
      label,
      schema,
      scrub,
      tally,
      now: options.now,
      log: options.log ?? (() => {}),
      checkIntervalMs,
      reconnectDelayMs,
      feedClient: () => new Client({ ...connection, application_name: 'jiguang-gateway registry feed' }),
    });
    await registry.start();
    return registry;
  } catch (error) {
    await registry?.stop();
    await pool.end().catch(() => {});
    if (error instanceof RegistryError) throw error;
    throw new RegistryError('REGISTRY_UNAVAILABLE', `cannot open the PostgreSQL registry ${where}: ${scrub(error)}; check DATABASE_URL and that the database server is running`, {
      cause: error,
    });
  }
}

interface Settings {
  label: string;
  schema: string;
  scrub: (error: unknown) => string;
  tally: QueryTally;
  now?: () => Date;
  log: RegistryLog;
  checkIntervalMs: number;
  reconnectDelayMs: number;
  feedClient: () => CountingClient;
}

/** A change notice as registry_notify (migration 002) sends it. */
interface Notice {
  s: string;
  t: 'app' | 'record';
  op: 'I' | 'U' | 'D' | 'T';
  c?: string;
  k?: string;
  v?: number;
}

type Adopt = (adopt: () => void) => void;

class PostgresRegistry implements PostgresAppRegistry {
  readonly #pool: Pool;
  readonly #key: Buffer;
  readonly #label: string;
  readonly #schema: string;
  readonly #where: string;
  readonly #scrub: (error: unknown) => string;
  readonly #now: () => Date;
  readonly #log: RegistryLog;
  readonly #tally: QueryTally;
  readonly #checkIntervalMs: number;
  readonly #writes = new WriteQueue();
  readonly #apps: string;
  readonly #records: string;
  readonly #meta: string;
  readonly #snapshot = new Snapshot();
  readonly #feed: ChangeFeed;
  #closing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  // Bringing the copy up to date: one task at a time (#pump), in this order of precedence.
  #reloadWanted = false;
  /** Notices to re-read: app key, or recordId, -> the newest version announced. */
  readonly #staleApps = new Map<string, number>();
  readonly #staleRecords = new Map<string, { collection: string; key: string; version: number }>();
  #checkWanted = false;
  /** The last check found a difference: the next one reloads if it persists. */
  #suspect = false;
  /** A task failed (the database is unreachable?): the next periodic tick reloads everything. */
  #behind = false;
  #pumping: Promise<void> | undefined;

  /** Lookups of app keys the copy lacks, one per key at a time; keys found nowhere, until when. */
  readonly #lookups = new Map<string, Promise<void>>();
  readonly #absent = new Map<string, number>();

  constructor(pool: Pool, key: Buffer, settings: Settings) {
    const { label, schema } = settings;
    this.#pool = pool;
    this.#key = key;
    this.#label = label;
    this.#schema = schema;
    this.#where = `${label} (schema "${schema}")`;
    this.#scrub = settings.scrub;
    this.#now = settings.now ?? (() => new Date());
    this.#log = settings.log;
    this.#tally = settings.tally;
    this.#checkIntervalMs = settings.checkIntervalMs;
    const table = (name: string) => `${escapeIdentifier(schema)}.${name}`;
    this.#apps = table('registry_apps');
    this.#records = table('registry_records');
    this.#meta = table('registry_meta');
    this.#feed = new ChangeFeed({
      connect: settings.feedClient,
      channel: channelOf(schema),
      minDelayMs: settings.reconnectDelayMs,
      maxDelayMs: Math.max(settings.reconnectDelayMs, RECONNECT_MAX_MS),
      onNotice: (payload) => this.#onNotice(payload),
      onLost: (error, retryInMs) => {
        this.#log('warn', 'registry change feed lost: answering from memory, reconnecting', { schema, error: this.#scrub(error), retryInMs });
      },
      onReconnected: () => {
        this.#log('info', 'registry change feed restored: reloading the registry', { schema });
        this.#want('reload');
      },
    });
  }

  /**
   * At open: the key check (stored by the first opener), the change feed listening, then every row
   * loaded (after LISTEN, so no change falls between), each secret decrypting, and the periodic check.
   */
  async start(): Promise<void> {
    await this.#session('open', async (client) => {
      await client.query(`INSERT INTO ${this.#meta} (name, value) VALUES ('keyCheck', $1) ON CONFLICT (name) DO NOTHING`, [JSON.stringify(makeKeyCheck(this.#key))]);
      const [check] = (await client.query<{ value: unknown }>(`SELECT value FROM ${this.#meta} WHERE name = 'keyCheck'`)).rows;
      if (!isSealed(check?.value)) throw this.#corrupt('its key check is missing or malformed');
      if (!verifyKeyCheck(this.#key, check.value)) {
        throw new RegistryError('REGISTRY_KEY_MISMATCH', `the PostgreSQL registry ${this.#where} was written with a different registry key; configure the key it was written with`);
      }
    });
    await this.#feed.start();
    await this.#reload('open', true);
    this.#timer = setInterval(() => this.#tick(), this.#checkIntervalMs);
    this.#timer.unref();
  }

  /** Stops the feed and the periodic check (a failed open, or close). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#feed.close();
    await this.#pumping;
    await Promise.allSettled(this.#lookups.values());
  }

  async list(): Promise<AppRecord[]> {
    this.#ensureOpen();
    return this.#snapshot.sortedApps().map((record) => ({ ...record }));
  }

  async get(appKey: string): Promise<AppRecord | undefined> {
    const state = await this.#app(appKey);
    return state && { ...state.record };
  }

  async secretOf(appKey: string): Promise<string | undefined> {
    const state = await this.#app(appKey);
    if (state?.secret === CORRUPT) throw this.#undecryptable(appKey);
    return state?.secret ?? undefined;
  }

  async upsert(app: AppInput, masterSecret?: string): Promise<AppRecord> {
    const input = checkApp(app);
    const secret = checkSecret(input.appKey, masterSecret);
    return this.#write(['app', input.appKey], async (tx, adopt) => {
      const [row] = await this.#query<AppRow>(tx, `SELECT ${APP_SELECT} FROM ${this.#apps} WHERE app_key = $1`, [input.appKey]);
      const existing = row && toRecord(row);
      let sealed = row?.secret ?? null;
      // A secret is re-encrypted (fresh IV) only when it changes, as in the file backend.
      const stored = sealed === null ? null : this.#decrypt(input.appKey, sealed);
      const secretChanged = secret !== undefined && stored !== secret;
      if (secretChanged) sealed = sealSecret(this.#key, input.appKey, secret);
      if (row && existing && !secretChanged && sameFields(existing, input)) {
        adopt(() => this.#snapshot.apps.put(row.app_key, { record: Object.freeze(existing), secret: stored, version: Number(row.version) }));
        return { ...existing }; // nothing to write
      }
      const now = this.#now().toISOString();
      const record: AppRecord = { ...input, createdAt: existing?.createdAt ?? now, updatedAt: now };
      const [written] = await this.#query<{ version: string }>(
        tx,
        `INSERT INTO ${this.#apps} (${APP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (app_key) DO UPDATE SET name = excluded.name, android_package = excluded.android_package,
           group_name = excluded.group_name, source = excluded.source, secret = excluded.secret, updated_at = excluded.updated_at
         RETURNING version`,
        [record.appKey, record.name, record.androidPackage, record.groupName, record.source, sealed === null ? null : JSON.stringify(sealed), record.createdAt, record.updatedAt],
      );
      const state: AppState = { record: Object.freeze({ ...record }), secret: secretChanged ? secret : stored, version: Number(written!.version) };
      adopt(() => this.#snapshot.apps.put(record.appKey, state));
      return { ...record };
    });
  }

  async remove(appKey: string): Promise<boolean> {
    checkIdentifier('appKey', appKey);
    return this.#write(['app', appKey], async (tx, adopt) => {
      const [deleted] = await this.#query<{ version: string }>(tx, `DELETE FROM ${this.#apps} WHERE app_key = $1 RETURNING version`, [appKey]);
      if (!deleted) return false;
      // The app's side-records: keyed by its app key, alone or followed by ':' (isKeyedBy in registry.ts).
      const records = await this.#query<{ collection: string; key: string; version: string }>(
        tx,
        `DELETE FROM ${this.#records} WHERE key = $1 OR starts_with(key, $1 || ':') RETURNING collection, key, version`,
        [appKey],
      );
      adopt(() => {
        this.#snapshot.apps.remove(appKey, Number(deleted.version));
        for (const r of records) this.#snapshot.records.remove(recordId(r.collection, r.key), Number(r.version));
      });
      return true;
    });
  }

  async getRecord<T = unknown>(collection: string, key: string): Promise<T | undefined> {
    this.#ensureOpen();
    if (!isIdentifier(collection) || !isIdentifier(key)) return undefined; // never stored
    const state = this.#snapshot.records.get(recordId(collection, key));
    return state === undefined ? undefined : (JSON.parse(state.json) as T); // parsed afresh: a copy
  }

  async putRecord(collection: string, key: string, value: unknown): Promise<void> {
    checkIdentifier('record collection', collection);
    checkIdentifier('record key', key);
    const json = toJson(value);
    // Under the record's lock too, so it cannot fall between an updateRecord's read and its write.
    await this.#write(['record', collection, key], (tx, adopt) => this.#putRecord(tx, adopt, collection, key, json));
  }

  async updateRecord<T>(collection: string, key: string, update: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    checkIdentifier('record collection', collection);
    checkIdentifier('record key', key);
    const id = recordId(collection, key);
    return this.#write(['record', collection, key], async (tx, adopt) => {
      const [row] = await this.#query<RecordRow>(tx, `SELECT ${RECORD_SELECT} FROM ${this.#records} WHERE collection = $1 AND key = $2`, [collection, key]);
      const before = row && (JSON.parse(row.json) as T);
      const after = update(before); // `before` was parsed from the row just now: a copy
      if (after === undefined) {
        if (row) {
          const [gone] = await this.#query<{ version: string }>(tx, `DELETE FROM ${this.#records} WHERE collection = $1 AND key = $2 RETURNING version`, [collection, key]);
          if (gone) adopt(() => this.#snapshot.records.remove(id, Number(gone.version)));
        }
      } else {
        const json = toJson(after);
        if (!row || JSON.stringify(before) !== json) await this.#putRecord(tx, adopt, collection, key, json);
        else adopt(() => this.#snapshot.records.put(id, { json: row.json, version: Number(row.version) }));
      }
      return after;
    });
  }

  async ping(): Promise<void> {
    this.#ensureOpen();
    await this.#session('ping', (client) => client.query('SELECT 1'));
  }

  queries(): Readonly<Record<QueryPurpose, number>> {
    return { ...this.#tally.counts };
  }

  close(): Promise<void> {
    this.#closing ??= this.#writes
      .close()
      .then(() => this.stop())
      .then(() => this.#pool.end());
    return this.#closing;
  }

  /** Safe summary: backend, database without credentials, schema and app count; never secrets or the key. */
  toJSON(): Record<string, unknown> {
    return { backend: 'postgres', database: this.#label, schema: this.#schema, apps: this.#snapshot.apps.size, closed: this.#writes.closed };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `AppRegistry ${JSON.stringify(this.toJSON())}`;
  }

  get [Symbol.toStringTag](): string {
    return 'AppRegistry';
  }

  #ensureOpen(): void {
    if (this.#writes.closed) throw closedError();
  }

  /** An app from the copy, or looked up when the copy lacks it (created elsewhere a moment ago?). */
  async #app(appKey: string): Promise<AppState | undefined> {
    this.#ensureOpen();
    if (!isIdentifier(appKey)) return undefined; // never stored
    return this.#snapshot.apps.get(appKey) ?? this.#lookUp(appKey);
  }

  async #lookUp(appKey: string): Promise<AppState | undefined> {
    const until = this.#absent.get(appKey);
    if (until !== undefined && until > Date.now()) return undefined;
    let lookup = this.#lookups.get(appKey);
    if (!lookup) {
      lookup = this.#fetchApp(appKey).finally(() => this.#lookups.delete(appKey));
      this.#lookups.set(appKey, lookup);
    }
    await lookup;
    return this.#snapshot.apps.get(appKey);
  }

  /** Best effort: when the database cannot answer, the copy's answer (no such app) stands. */
  async #fetchApp(appKey: string): Promise<void> {
    try {
      const [row] = await this.#session('lookup', async (client) => (await client.query<AppRow>(`SELECT ${APP_SELECT} FROM ${this.#apps} WHERE app_key = $1`, [appKey])).rows);
      if (row) {
        this.#snapshot.apps.put(appKey, this.#stateOf(row));
        return;
      }
    } catch {
      // unreachable: treated as absent for a moment, like a key the database does not hold
    }
    this.#absent.delete(appKey); // re-inserted last: the oldest entry is dropped first
    this.#absent.set(appKey, Date.now() + ABSENT_MS);
    if (this.#absent.size > ABSENT_MAX) this.#absent.delete(this.#absent.keys().next().value!);
  }

  #onNotice(payload: string): void {
    let notice: Notice | undefined;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      notice = undefined;
    }
    if (notice?.s !== undefined && notice.s !== this.#schema) return; // another schema sharing the channel (long names)
    const { t, op, c, k, v } = notice ?? {};
    const versioned = typeof v === 'number' && Number.isSafeInteger(v);
    if (t === 'app' && typeof k === 'string' && versioned && (op === 'I' || op === 'U' || op === 'D')) {
      this.#absent.delete(k);
      if (op === 'D') this.#snapshot.apps.remove(k, v);
      else if (v > this.#snapshot.apps.known(k) && v > (this.#staleApps.get(k) ?? 0)) {
        this.#staleApps.set(k, v);
        this.#kick();
      }
      return;
    }
    if (t === 'record' && typeof c === 'string' && typeof k === 'string' && versioned && (op === 'I' || op === 'U' || op === 'D')) {
      const id = recordId(c, k);
      if (op === 'D') this.#snapshot.records.remove(id, v);
      else if (v > this.#snapshot.records.known(id) && v > (this.#staleRecords.get(id)?.version ?? 0)) {
        this.#staleRecords.set(id, { collection: c, key: k, version: v });
        this.#kick();
      }
      return;
    }
    // A truncation, a notice without its key (too long for NOTIFY), or one this version does not know.
    this.#want('reload');
  }

  #want(task: 'reload' | 'check'): void {
    if (task === 'reload') this.#reloadWanted = true;
    else this.#checkWanted = true;
    this.#kick();
  }

  /** Every periodic interval: forget old deletions and absent keys, then check (or reload after a failure). */
  #tick(): void {
    const now = Date.now();
    this.#snapshot.prune(now);
    for (const [appKey, until] of this.#absent) if (until <= now) this.#absent.delete(appKey);
    if (this.#behind) {
      this.#behind = false;
      this.#want('reload');
    } else this.#want('check');
  }

  #kick(): void {
    if (this.#pumping || this.#writes.closed) return;
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#reloadWanted || this.#staleApps.size > 0 || this.#staleRecords.size > 0 || this.#checkWanted) this.#kick();
    });
  }

  /** Brings the copy up to date, one task at a time: a reload, else the rows notices named, else the check. */
  async #pump(): Promise<void> {
    while (!this.#writes.closed) {
      try {
        if (this.#reloadWanted) {
          this.#reloadWanted = false;
          // Every notice received so far is of a change committed before this read begins.
          this.#staleApps.clear();
          this.#staleRecords.clear();
          await this.#reload('reload');
        } else if (this.#staleApps.size > 0 || this.#staleRecords.size > 0) {
          await this.#refresh();
        } else if (this.#checkWanted) {
          this.#checkWanted = false;
          await this.#check();
        } else return;
      } catch (error) {
        this.#behind = true;
        this.#log('warn', 'registry could not bring its copy up to date: answering from memory, reloading at the next check', {
          schema: this.#schema,
          error: this.#scrub(error),
        });
      }
    }
  }

  /** Reads the whole of both tables and adopts what changed; `strict` (at open): an undecryptable secret fails. */
  async #reload(purpose: QueryPurpose, strict = false): Promise<number> {
    const since = nextTick();
    const [apps, records] = await this.#session(purpose, async (client) => [
      (await client.query<AppRow>(`SELECT ${APP_SELECT} FROM ${this.#apps}`)).rows,
      (await client.query<RecordRow>(`SELECT ${RECORD_SELECT} FROM ${this.#records}`)).rows,
    ]);
    const now = Date.now();
    return (
      this.#snapshot.apps.replace(
        new Map(apps.map((row) => [row.app_key, row])),
        (row) => Number(row.version),
        (row) => this.#stateOf(row, strict),
        since,
        now,
      ) +
      this.#snapshot.records.replace(
        new Map(records.map((row) => [recordId(row.collection, row.key), row])),
        (row) => Number(row.version),
        (row) => ({ json: row.json, version: Number(row.version) }),
        since,
        now,
      )
    );
  }

  /** Re-reads the rows notices named (at most one query per table); a row gone meanwhile is dropped. */
  async #refresh(): Promise<void> {
    const apps = new Map(this.#staleApps);
    const records = new Map(this.#staleRecords);
    this.#staleApps.clear();
    this.#staleRecords.clear();
    await this.#session('refresh', async (client) => {
      if (apps.size > 0) {
        const rows = (await client.query<AppRow>(`SELECT ${APP_SELECT} FROM ${this.#apps} WHERE app_key = ANY($1::text[])`, [[...apps.keys()]])).rows;
        for (const row of rows) {
          apps.delete(row.app_key);
          this.#snapshot.apps.put(row.app_key, this.#stateOf(row));
        }
        for (const [appKey, version] of apps) this.#snapshot.apps.remove(appKey, version); // deleted since: its notice follows
      }
      if (records.size > 0) {
        const wanted = [...records.values()];
        const rows = (
          await client.query<RecordRow>(`SELECT ${RECORD_SELECT} FROM ${this.#records} JOIN unnest($1::text[], $2::text[]) AS wanted (collection, key) USING (collection, key)`, [
            wanted.map((r) => r.collection),
            wanted.map((r) => r.key),
          ])
        ).rows;
        for (const row of rows) {
          const id = recordId(row.collection, row.key);
          records.delete(id);
          this.#snapshot.records.put(id, { json: row.json, version: Number(row.version) });
        }
        for (const [id, { version }] of records) this.#snapshot.records.remove(id, version);
      }
    });
  }

  /**
   * The safety net: count and version sums of both tables against the copy's, in one query (on the
   * feed's connection when it is up, proving it alive). A difference seen twice in a row (the first
   * may be a notice in flight) reloads everything.
   */
  async #check(): Promise<void> {
    const text = `SELECT a.n AS apps, a.s AS apps_sum, a.m AS apps_max, r.n AS records, r.s AS records_sum, r.m AS records_max
      FROM (SELECT count(*)::int AS n, coalesce(sum(version), 0)::text AS s, coalesce(max(version), 0)::text AS m FROM ${this.#apps}) a,
           (SELECT count(*)::int AS n, coalesce(sum(version), 0)::text AS s, coalesce(max(version), 0)::text AS m FROM ${this.#records}) r`;
    type Row = { apps: number; apps_sum: string; apps_max: string; records: number; records_sum: string; records_max: string };
    const rows = (await this.#feed.query<Row>(text, CHECK_TIMEOUT_MS)) ?? (await this.#session('check', async (client) => (await client.query<Row>(text)).rows));
    const db = rows[0]!;
    const apps = this.#snapshot.apps.aggregate();
    const records = this.#snapshot.records.aggregate();
    const same =
      db.apps === apps.count &&
      db.apps_sum === apps.sum &&
      db.apps_max === apps.max &&
      db.records === records.count &&
      db.records_sum === records.sum &&
      db.records_max === records.max;
    if (same) {
      this.#suspect = false;
      return;
    }
    if (!this.#suspect) {
      this.#suspect = true;
      setTimeout(() => this.#want('check'), RECHECK_MS).unref();
      return;
    }
    this.#suspect = false;
    const changed = await this.#reload('reload');
    this.#log('warn', 'registry copy differed from the database at the periodic check (a change notice was missed): reloaded', { schema: this.#schema, changed });
  }

  /** The state of an app row: its record and decrypted secret (CORRUPT if it does not decrypt; `strict`: REGISTRY_CORRUPT). */
  #stateOf(row: AppRow, strict = false): AppState {
    const secret = row.secret === null ? null : this.#decrypt(row.app_key, row.secret);
    if (strict && secret === CORRUPT) throw this.#undecryptable(row.app_key);
    return { record: Object.freeze(toRecord(row)), secret, version: Number(row.version) };
  }

  #decrypt(appKey: string, sealed: unknown): string | typeof CORRUPT {
    return (isSealed(sealed) ? unsealSecret(this.#key, appKey, sealed as Sealed) : undefined) ?? CORRUPT;
  }

  #undecryptable(appKey: string): RegistryError {
    return this.#corrupt(`the master secret of app ${JSON.stringify(appKey)} does not decrypt (altered, or copied from another app)`);
  }

  #corrupt(detail: string): RegistryError {
    return new RegistryError('REGISTRY_CORRUPT', `the PostgreSQL registry ${this.#where} is corrupt: ${detail}`);
  }

  /** A pooled connection labelled `purpose` for `work`; database failures become REGISTRY_UNAVAILABLE. */
  async #session<T>(purpose: QueryPurpose, work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient & Labelled;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#unavailable(error);
    }
    client.purpose = purpose;
    let failed: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      failed = error instanceof Error ? error : new Error(String(error));
      throw this.#unavailable(error);
    } finally {
      client.purpose = undefined;
      client.release(failed); // a connection that failed a query is not reused
    }
  }

  #unavailable(error: unknown): RegistryError {
    return new RegistryError('REGISTRY_UNAVAILABLE', `the PostgreSQL registry ${this.#where} is unavailable: ${this.#scrub(error)}`, { cause: error });
  }

  async #putRecord(tx: PoolClient, adopt: Adopt, collection: string, key: string, json: string): Promise<void> {
    const [written] = await this.#query<{ version: string }>(
      tx,
      `INSERT INTO ${this.#records} (collection, key, value) VALUES ($1, $2, $3) ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value RETURNING version`,
      [collection, key, json],
    );
    adopt(() => this.#snapshot.records.put(recordId(collection, key), { json, version: Number(written!.version) } satisfies RecordState));
  }

  /**
   * One write: queued behind this process's earlier writes (so they land in call order), in one
   * transaction holding the advisory lock of `lock` (an app or a record), which every writer of that
   * app or record takes: other processes' writes to it wait, none is lost, and an app or record that
   * does not exist yet is covered too (a row lock would have no row to lock). What `work` hands to
   * `adopt` updates the copy in memory once the transaction has committed (other processes learn of
   * it from the change notice the triggers send at commit).
   */
  #write<T>(lock: string[], work: (tx: PoolClient, adopt: Adopt) => Promise<T>): Promise<T> {
    return this.#writes.run(async () => {
      let tx: PoolClient & Labelled;
      try {
        tx = await this.#pool.connect();
      } catch (error) {
        throw this.#writeFailed(error);
      }
      tx.purpose = 'write';
      const adoptions: Array<() => void> = [];
      let broken = false;
      try {
        // READ COMMITTED whatever the database's default: each statement after the lock must see
        // what the lock's previous holder committed (a REPEATABLE READ snapshot would not).
        await this.#query(tx, 'BEGIN ISOLATION LEVEL READ COMMITTED');
        await this.#query(tx, 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify([this.#schema, ...lock])]);
        const result = await work(tx, (adopt) => adoptions.push(adopt));
        await this.#query(tx, 'COMMIT');
        for (const adopt of adoptions) adopt();
        return result;
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        tx.purpose = undefined;
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
