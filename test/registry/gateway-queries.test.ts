// A gateway process on PostgreSQL (`node dist/main.js`, as production runs it) makes no registry round
// trip per request once warm: 200 requests that list apps, read an app, its side-records (certificates,
// one-tap login review) and upstream data signed with its master secret leave
// gateway_registry_queries_total where it was, except the periodic check's own (purpose "check", on
// its 5 s clock, not per request).
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { hashToken, newToken } from '../../src/auth/callers.js';
import { counter, Fleet } from '../fleet/fleet.js';
import { requirePostgres } from '../helpers/services.js';

const root = new URL('../..', import.meta.url).pathname;
const postgres = await requirePostgres();
const token = newToken();
const schema = `gwq_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

let emulator: Emulator;
let fleet: Fleet | undefined;

beforeAll(async () => {
  if (postgres.skip) return;
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  emulator = await startEmulator();
  const u = emulator.url;
  fleet = await Fleet.start(1, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: postgres.url,
    GATEWAY_DATABASE_SCHEMA: schema,
    GATEWAY_REGISTRY_KEY: randomBytes(32).toString('hex'),
    GATEWAY_TOKENS: JSON.stringify([{ name: 'queries', sha256: hashToken(token), role: 'admin' }]),
    JIGUANG_APPS: JSON.stringify(emulator.apps.slice(0, 3).map(({ appKey, masterSecret, name, androidPackage }) => ({ appKey, masterSecret, name, androidPackage }))),
    JIGUANG_DEV_KEY: emulator.developer.devKey,
    JIGUANG_DEV_SECRET: emulator.developer.devSecret,
    GATEWAY_TOKEN_REQUESTS_PER_SECOND: '1000000',
    GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE: '1000000',
    ...Object.fromEntries(['JMLINK', 'PORTRAIT', 'PUSH_ADMIN', 'VERIFICATION_ADMIN', 'GROWTH'].map((s) => [`JIGUANG_${s}_URL`, u])),
  });
}, 180_000);

afterAll(async () => {
  await fleet?.close();
  await emulator?.close();
  if (!postgres.skip) {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    await client.end();
  }
});

// A new subject each time: every portraitTags is a cache miss, a call to Jiguang signed with the app's secret.
const QUERY = `query Q($appKey: ID!, $subject: String!) {
  apps { appKey name }
  app(appKey: $appKey) {
    name
    certificates { sha256 }
    oneTapLogin(platform: ANDROID) { state requestedAt }
    portraitTags(subject: { idType: REGISTRATION_ID, value: $subject }) { found }
  }
}`;

describe.skipIf(postgres.skip)('a gateway on PostgreSQL, once warm', () => {
  it('makes no registry round trip per request (gateway_registry_queries_total)', { timeout: 120_000 }, async () => {
    const f = fleet!;
    const replica = f.replicas[0]!;
    const apps = emulator.apps.slice(0, 3).map((a) => a.appKey);
    let n = 0;
    const ask = async () => {
      const i = n++;
      const r = await f.gql(token, QUERY, { appKey: apps[i % apps.length], subject: `device-${i}-${randomUUID()}` });
      expect(r.status).toBe(200);
      expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
    };
    for (let i = 0; i < 6; i++) await ask(); // warm: the review-status cache, connections
    const queries = (text: string) =>
      Object.fromEntries(
        ['open', 'write', 'refresh', 'reload', 'check', 'lookup', 'ping', 'listen'].map((purpose) => [purpose, counter(text, 'gateway_registry_queries_total', { purpose })]),
      );
    const before = await f.metrics(replica, token);
    const upstreamBefore = counter(before, 'jiguang_upstream_requests_total', { service: 'portrait' });
    const requests = 200;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (n < 6 + requests) await ask();
      }),
    );
    const after = await f.metrics(replica, token);
    const upstreamCalls = counter(after, 'jiguang_upstream_requests_total', { service: 'portrait' }) - upstreamBefore;
    const was = queries(before);
    const now = queries(after);
    const perPurpose = Object.fromEntries(Object.keys(now).map((p) => [p, now[p]! - was[p]!]));
    const requestPath = Object.entries(perPurpose)
      .filter(([p]) => p !== 'check')
      .reduce((sum, [, d]) => sum + d, 0);
    console.log(
      `registry round trips during ${n - 6} requests (${upstreamCalls} signed upstream calls): ${JSON.stringify(perPurpose)}; per request, the check excluded: ${requestPath / (n - 6)}`,
    );
    expect(was.open).toBeGreaterThan(0); // the metric is there, counting
    expect(upstreamCalls).toBeGreaterThanOrEqual(requests); // each request read its app's secret for a call
    expect(requestPath).toBe(0);
    expect(perPurpose.check).toBeLessThanOrEqual(10); // one per 5 s
  });
});
