// The real servers some tests need (PostgreSQL, Redis): where they are, and whether the tests that
// need them run. Unreachable locally: those tests are skipped with a message saying what to start.
// Unreachable in CI (CI=true): the test file fails, so a missing server can never pass as "skipped".
import pg from 'pg';
import { createClient } from 'redis';

export interface Service {
  /** The server's URL, credentials included (never print it; see `shown`). */
  url: string;
  /** The URL without credentials, for messages. */
  shown: string;
  /** Why tests needing this server are skipped here; undefined when it answered. */
  skip?: string;
}

export const postgresUrl = (): string => process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = (): string => process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** PostgreSQL at postgresUrl(), checked with `select 1`. Call once at the top of a test file. */
export function requirePostgres(): Promise<Service> {
  return requireService('PostgreSQL', postgresUrl(), 'DATABASE_URL', 'install and start PostgreSQL (Debian: apt-get install postgresql)', async (url) => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
    } finally {
      await client.end().catch(() => {});
    }
  });
}

/** Redis at redisUrl(), checked with PING. */
export function requireRedis(): Promise<Service> {
  return requireService('Redis', redisUrl(), 'REDIS_URL', 'install and start Redis (Debian: apt-get install redis-server)', async (url) => {
    const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
    client.on('error', () => {}); // the failure is reported by connect()
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.destroy();
    }
  });
}

async function requireService(name: string, url: string, variable: string, install: string, check: (url: string) => Promise<void>): Promise<Service> {
  const shown = withoutCredentials(url);
  try {
    await check(url);
    return { url, shown };
  } catch (error) {
    const reason = `${name} is not reachable at ${shown} (${(error as Error).message}): ${install}, or set ${variable}`;
    if (process.env.CI === 'true') throw new Error(`CI=true, so the ${name} tests must run: ${reason}`);
    console.warn(`skipping the ${name} tests: ${reason}`);
    return { url, shown, skip: reason };
  }
}

/** `scheme://host:port/path`: no user, password or query (which may carry a password too). */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an unparsable URL)';
  }
}
