// What the PostgreSQL registry (postgres.ts) checks, reads and says apart from its queries: its
// options, the label of a database URL (no user, password or query), error text with the URL's
// password blanked out, the apps table's rows as records, and the change feed's channel.
import type { AppRecord } from './types.js';

/** `postgres://host:port/database` without user, password or query; throws (without echoing it) unless `url` is a postgres URL. */
export function databaseLabel(url: unknown): string {
  let u: URL | undefined;
  try {
    u = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')) {
    throw new TypeError('the database URL must be a URL of the form postgres://user:password@host:5432/database');
  }
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** Error text with the URL's password (user info or ?password=) blanked out, in case a driver message ever quotes it. */
export function scrubber(url: string): (error: unknown) => string {
  const u = new URL(url);
  const secrets = [u.password, decodeOr(u.password), u.searchParams.get('password') ?? ''].filter((s) => s !== '');
  return (error) => {
    let text = error instanceof Error ? error.message : String(error);
    for (const s of secrets) text = text.split(s).join('***');
    return text || 'unknown error';
  };
}

function decodeOr(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // not valid percent-encoding: used as it is
  }
}

export interface AppRow {
  app_key: string;
  name: string;
  android_package: string;
  group_name: string | null;
  source: AppRecord['source'];
  secret: unknown;
  created_at: Date;
  updated_at: Date;
  /** int8 (pg returns it as text): the version of the row's last change (migration 002). */
  version: string;
}

export const toRecord = (row: AppRow): AppRecord => ({
  appKey: row.app_key,
  name: row.name,
  androidPackage: row.android_package,
  groupName: row.group_name,
  source: row.source,
  // new Date(…) also accepts a string, should someone install another timestamptz parser in pg.
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
});

/** The columns a write sets, in the order of its values. */
export const APP_COLUMNS = 'app_key, name, android_package, group_name, source, secret, created_at, updated_at';
/** What a read selects: the written columns and the version the database stamped. */
export const APP_SELECT = `${APP_COLUMNS}, version`;

/** A side-record's row as read: its JSON text exactly as stored, and its version. */
export interface RecordRow {
  collection: string;
  key: string;
  json: string;
  version: string;
}

export const RECORD_SELECT = 'collection, key, value::text AS json, version';

/**
 * The NOTIFY channel of a schema's changes, as registry_notify (migration 002) names it: at most 63
 * bytes, so a long schema name is cut (notices carry the schema, and others are ignored).
 */
export const channelOf = (schema: string): string => `jiguang_registry_${schema.slice(0, 46)}`;

const DEFAULT_POOL_SIZE = 10;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The schema (default "public") and pool size (default 10) of the options; TypeError when out of range. */
export function checkOptions(options: { schema?: string; poolSize?: number }): { schema: string; poolSize: number } {
  const schema = options.schema ?? 'public';
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new TypeError('PostgreSQL schema name must be 1 to 63 letters, digits or underscores, not starting with a digit');
  }
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 100) throw new TypeError('PostgreSQL pool size must be an integer from 1 to 100');
  return { schema, poolSize };
}
