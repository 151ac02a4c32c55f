// The PostgreSQL backend beyond the shared contract: several processes at once (writes, migrations),
// what is stored, the key check, tampering, and messages free of keys, secrets and passwords.
import { inspect } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type Sealed, unsealSecret } from '../../src/registry/crypto.js';
import { type AppRegistry, RegistryError } from '../../src/registry/index.js';
import { applyMigrations, loadMigrations } from '../../src/registry/migrate.js';
import { openPostgresRegistry } from '../../src/registry/postgres.js';
import { requirePostgres } from '../helpers/services.js';
import { app, dropSchema, newKey, newSchema, runTogether, soon, sql } from './helpers.js';

const postgres = await requirePostgres();
const url = postgres.url;
const versions = (await loadMigrations()).map((m) => m.version);

/** A fresh schema for one test, dropped after the file. */
const schemas: string[] = [];
const freshSchema = () => {
  const schema = newSchema();
  schemas.push(schema);
  return schema;
};
afterAll(async () => {
  if (!postgres.skip) for (const schema of schemas) await dropSchema(url, schema);
});

const errorOf = (p: Promise<unknown>): Promise<RegistryError> =>
  p.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => {
      expect(error).toBeInstanceOf(RegistryError);
      return error as RegistryError;
    },
  );

describe.skipIf(postgres.skip)(`PostgreSQL registry at ${postgres.shown}`, () => {
  it('sees another process’s committed writes within moments (change notices), and its own at once', async () => {
    const schema = freshSchema();
    const key = newKey();
    const a = await openPostgresRegistry({ url, key, schema });
    const b = await openPostgresRegistry({ url, key, schema });
    try {
      await a.upsert(app('k1'), 's1');
      // An app key b does not hold yet is looked up at once: usable the moment it is created.
      expect(await b.get('k1')).toEqual(await a.get('k1'));
      expect(await b.secretOf('k1')).toBe('s1');
      await b.upsert(app('k1', { name: 'Renamed by b' }), 's2');
      expect(await b.secretOf('k1')).toBe('s2');
      await soon(async () => expect((await a.list()).map((x) => [x.name, x.appKey])).toEqual([['Renamed by b', 'k1']]));
      expect(await a.secretOf('k1')).toBe('s2');
      await b.putRecord('reviews', 'k1:ANDROID', { state: 'PENDING' });
      await soon(async () => expect(await a.getRecord('reviews', 'k1:ANDROID')).toEqual({ state: 'PENDING' }));
      expect(await a.remove('k1')).toBe(true);
      expect(await a.get('k1')).toBeUndefined();
      await soon(async () => expect(await b.get('k1')).toBeUndefined());
      expect(await b.getRecord('reviews', 'k1:ANDROID')).toBeUndefined();
      expect(await b.remove('k1')).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('three processes writing at once lose nothing: 40 apps with their secrets, and every increment', async () => {
    const schema = freshSchema();
    const key = newKey();
    const mine = await openPostgresRegistry({ url, key, schema }); // also applies the migrations first
    const increments = () => Promise.all(Array.from({ length: 25 }, () => mine.updateRecord<number>('counters', 'shared', (n) => (n ?? 0) + 1)));
    const tasks = ['a', 'b'].map((prefix) => ({ mode: 'pg-write' as const, url, schema, prefix, apps: 20, increments: 25 }));
    const done = (await runTogether(tasks, key, increments)).map(([report]) => report as { event: string; writes: number; from: number; to: number });
    for (const report of done) expect(report).toMatchObject({ event: 'done', writes: 45 });
    // The two children's writes overlapped in time (else this would prove nothing).
    expect(Math.max(...done.map((d) => d.from))).toBeLessThan(Math.min(...done.map((d) => d.to)));
    // The children's writes reach this instance's copy by their change notices, within moments.
    await soon(async () => {
      expect(await mine.list()).toHaveLength(40);
      expect(await mine.getRecord('counters', 'shared')).toBe(75);
    });
    for (const { appKey } of await mine.list()) expect(await mine.secretOf(appKey)).toBe(`secret-${appKey}`);
    await mine.close();
  });

  it('keeps every increment even when the database defaults to SERIALIZABLE transactions', async () => {
    const schema = freshSchema();
    const key = newKey();
    const strict = new URL(url);
    strict.searchParams.set('options', '-c default_transaction_isolation=serializable');
    const a = await openPostgresRegistry({ url: strict.href, key, schema });
    const b = await openPostgresRegistry({ url: strict.href, key, schema });
    const increment = (r: AppRegistry) => r.updateRecord<number>('counters', 'n', (n) => (n ?? 0) + 1);
    await Promise.all(Array.from({ length: 20 }, () => [increment(a), increment(b)]).flat());
    await soon(async () => expect(await a.getRecord('counters', 'n')).toBe(40)); // b's last increment may come by notice
    await a.close();
    await b.close();
  });

  it('applies each migration once when several processes start at the same moment', async () => {
    const schema = freshSchema();
    const key = newKey();
    const reports = await runTogether(
      Array.from({ length: 4 }, () => ({ mode: 'pg-migrate', url, schema })),
      key,
    );
    const applied = reports.map(([report]) => (report as { applied: number[] }).applied);
    expect(applied.filter((v) => v.length > 0)).toEqual([versions]);
    expect(applied.filter((v) => v.length === 0)).toHaveLength(3);
    const rows = await sql<{ version: number }>(url, `SELECT version FROM ${pg.escapeIdentifier(schema)}.registry_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(versions);
    // Opening (which migrates) from several processes at once, on the migrated schema and on a new one.
    const other = freshSchema();
    const opens = await runTogether(
      [schema, schema, other, other, other].map((s) => ({ mode: 'pg-open', url, schema: s })),
      key,
    );
    for (const [report] of opens) expect(report).toMatchObject({ event: 'opened' });
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      expect(await applyMigrations(pool, schema)).toEqual([]); // re-opening applies nothing new
      expect(await applyMigrations(pool, other)).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('applies each migration once under concurrent opens within one process too (separate connections)', async () => {
    const schema = freshSchema();
    const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: url, max: 1 }));
    try {
      const applied = await Promise.all(pools.map((pool) => applyMigrations(pool, schema)));
      expect(applied.filter((v) => v.length > 0)).toEqual([versions]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('refuses to open when an applied migration has changed', async () => {
    const schema = freshSchema();
    const key = newKey();
    await (await openPostgresRegistry({ url, key, schema })).close();
    await sql(url, `UPDATE ${pg.escapeIdentifier(schema)}.registry_migrations SET checksum = 'changed' WHERE version = 1`);
    const error = await errorOf(openPostgresRegistry({ url, key, schema }));
    expect(error.code).toBe('REGISTRY_CORRUPT');
    expect(error.message).toContain('001_init.sql');
  });

  it('stores secrets sealed (the file’s envelope, the appKey as AAD) and re-encrypts only when they change', async () => {
    const schema = freshSchema();
    const key = newKey();
    const r = await openPostgresRegistry({ url, key, schema });
    await r.upsert(app('k1'), 'plain-master-secret');
    const stored = async () => (await sql<{ secret: Sealed }>(url, `SELECT secret FROM ${pg.escapeIdentifier(schema)}.registry_apps WHERE app_key = 'k1'`))[0]!.secret;
    const first = await stored();
    expect(Object.keys(first).sort()).toEqual(['data', 'iv', 'tag']);
    expect(JSON.stringify(first)).not.toContain('plain-master-secret');
    expect(unsealSecret(key, 'k1', first)).toBe('plain-master-secret');
    await r.upsert(app('k1', { name: 'Renamed' }), 'plain-master-secret');
    expect(await stored()).toEqual(first);
    await r.upsert(app('k1', { name: 'Renamed' }), 'new-secret');
    expect((await stored()).iv).not.toBe(first.iv);
    await r.close();
  });

  it('a wrong key is REGISTRY_KEY_MISMATCH, without either key in the error', async () => {
    const schema = freshSchema();
    const key = newKey();
    const r = await openPostgresRegistry({ url, key, schema });
    await r.upsert(app('k1'), 'the-master-secret');
    await r.close();
    const wrong = newKey();
    const error = await errorOf(openPostgresRegistry({ url, key: wrong, schema }));
    expect(error.code).toBe('REGISTRY_KEY_MISMATCH');
    expect(error.message).toContain(`schema "${schema}"`);
    const shown = inspect(error, { depth: 10, showHidden: true }) + JSON.stringify(error);
    for (const k of [key, wrong]) {
      expect(shown).not.toContain(k.toString('hex'));
      expect(shown).not.toContain(k.toString('base64'));
    }
    expect(shown).not.toContain('the-master-secret');
  });

  it('a tampered or swapped secret is REGISTRY_CORRUPT naming the app, at open and on read', async () => {
    const schema = freshSchema();
    const key = newKey();
    const r = await openPostgresRegistry({ url, key, schema });
    await r.upsert(app('a'), 'secret-a');
    await r.upsert(app('b'), 'secret-b');
    const apps = `${pg.escapeIdentifier(schema)}.registry_apps`;
    await sql(url, `UPDATE ${apps} SET secret = (SELECT secret FROM ${apps} WHERE app_key = 'a') WHERE app_key = 'b'`);
    // Even a change made in psql is announced (a trigger): the copy in memory re-reads the row.
    const onRead = await soon(() => errorOf(r.secretOf('b')));
    expect(onRead.code).toBe('REGISTRY_CORRUPT');
    expect(onRead.message).toContain('"b"');
    expect(await r.secretOf('a')).toBe('secret-a');
    await r.close();
    const atOpen = await errorOf(openPostgresRegistry({ url, key, schema }));
    expect(atOpen.code).toBe('REGISTRY_CORRUPT');
    expect(inspect(atOpen, { depth: 10 })).not.toMatch(/secret-[ab]/);
  });

  it('shows the database without credentials, and the schema, in toJSON and inspect', async () => {
    const schema = freshSchema();
    const withPassword = new URL(url);
    if (!withPassword.password) withPassword.password = 'pw-unused-with-trust-auth';
    const r: AppRegistry = await openPostgresRegistry({ url: withPassword.href, key: newKey(), schema });
    await r.upsert(app('k1'), 'top-secret-value');
    const json = JSON.parse(JSON.stringify(r));
    expect(json).toEqual({ backend: 'postgres', database: postgres.shown, schema, apps: 1, closed: false });
    for (const text of [inspect(r, { depth: 10, showHidden: true }), JSON.stringify(r), String(r)]) {
      expect(text).not.toContain(withPassword.password);
      expect(text).not.toContain('top-secret-value');
    }
    await r.ping();
    await r.close();
    await expect(r.ping()).rejects.toThrow(/closed/);
    await expect(r.get('k1')).rejects.toThrow(/closed/);
  });
});

describe('PostgreSQL registry options and failures (no server needed)', () => {
  it('an unreachable server is REGISTRY_UNAVAILABLE naming the database, without the password', async () => {
    const started = Date.now();
    const error = await errorOf(openPostgresRegistry({ url: 'postgres://gateway:pa55-w0rd@127.0.0.1:1/registry?sslmode=disable', key: newKey() }));
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.message).toContain('postgres://127.0.0.1:1/registry');
    expect(error.message).toContain('DATABASE_URL');
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain('pa55-w0rd');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('checks its options without echoing them', async () => {
    const key = newKey();
    await expect(openPostgresRegistry({ url: 'mysql://u:hunter2@h/db', key })).rejects.toThrow(/postgres:\/\//);
    await expect(openPostgresRegistry({ url: 'mysql://u:hunter2@h/db', key })).rejects.not.toThrow(/hunter2/);
    await expect(openPostgresRegistry({ url: 'not a url hunter2', key })).rejects.not.toThrow(/hunter2/);
    await expect(openPostgresRegistry({ url, key, schema: 'a"b' })).rejects.toBeInstanceOf(TypeError);
    await expect(openPostgresRegistry({ url, key, schema: '1abc' })).rejects.toBeInstanceOf(TypeError);
    await expect(openPostgresRegistry({ url, key, poolSize: 0 })).rejects.toBeInstanceOf(TypeError);
    await expect(openPostgresRegistry({ url, key: Buffer.alloc(16) })).rejects.toThrow(/32 bytes/);
  });
});
