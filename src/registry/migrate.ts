// Versioned schema changes of the PostgreSQL registry: the SQL files of ./migrations/ (NNN_name.sql),
// applied in order, each once, and recorded in registry_migrations. All of it runs in one transaction
// under an advisory lock, so processes starting together apply each migration exactly once.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { escapeIdentifier, type Pool } from 'pg';
import { RegistryError } from './errors.js';

/** Beside this module in src/ and in dist/ alike (the build copies the .sql files). */
const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d+)_[a-z0-9_]+\.sql$/;

export interface Migration {
  version: number;
  file: string;
  sql: string;
  /** sha256 of the file (line endings normalised): an applied migration must never change. */
  checksum: string;
}

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.sql'))) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration file ${file} must be named NNN_lower_case_name.sql`);
    const sql = (await readFile(new URL(file, dir), 'utf8')).replace(/\r\n/g, '\n');
    migrations.push({ version: Number(match[1]), file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) throw new Error(`two migration files have version ${migrations[i]!.version}`);
  }
  return migrations;
}

/**
 * Brings `schema` (created if missing) up to date and returns the versions this call applied.
 * Versions recorded in the database but unknown here are left alone: a newer gateway applied them,
 * and migrations only add, so an older one keeps working during a rolling update.
 */
export async function applyMigrations(pool: Pool, schema: string, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED'); // see the lock's previous holder's work
    // Waiting for another process's migrations, or running a long one, may take longer than a query.
    await client.query(`SET LOCAL statement_timeout = '5min'`);
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify(['jiguang-gateway', schema, 'migrations'])]);
    // Looked up first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when it exists.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
    await client.query(`SET LOCAL search_path TO ${escapeIdentifier(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS registry_migrations (
      version integer PRIMARY KEY,
      file text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Map<number, { file: string; checksum: string }>();
    for (const row of (await client.query<{ version: number; file: string; checksum: string }>('SELECT version, file, checksum FROM registry_migrations')).rows) {
      done.set(row.version, row);
    }
    const applied: number[] = [];
    for (const m of all) {
      const previous = done.get(m.version);
      if (previous) {
        if (previous.checksum !== m.checksum) {
          throw new RegistryError(
            'REGISTRY_CORRUPT',
            `migration ${m.file} differs from the one applied to schema "${schema}" (as ${previous.file}); ` +
              'an applied migration must not change: restore it and put the change in a new migration file',
          );
        }
        continue;
      }
      await client.query(m.sql);
      await client.query('INSERT INTO registry_migrations (version, file, checksum) VALUES ($1, $2, $3)', [m.version, m.file, m.checksum]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
