import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayExtensions } from '../../client/index.js';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { newToken } from '../../src/auth/callers.js';
import type { GatewayConfig } from '../../src/config/index.js';
import { chinaToday, dateOfDay } from '../../src/core/dates.js';
import { createLogger } from '../../src/core/logger.js';
import type { ShortLinkConnection } from '../../src/generated/graphql.js';
import { type RunningGateway, startGateway } from '../../src/inbound/server.js';
import { type AppRegistry, openMemoryRegistry } from '../../src/registry/index.js';
import { connectShared, type SharedState } from '../../src/shared/index.js';
import { redisReadiness } from '../../src/shared/readiness.js';
import { emulatorConfig, eventually, haveRedisServer, PrivateRedis, replicaOptions, uniquePrefix } from './helpers.js';

const installed = await haveRedisServer();
if (!installed) {
  if (process.env.CI === 'true') throw new Error('CI=true, so the shared-gateway tests must run: install redis-server');
  console.warn('skipping the shared-gateway tests: redis-server is not installed (Debian: apt-get install redis-server)');
}

const token = newToken();
let redis: PrivateRedis;
let emulator: Emulator;
let registry: AppRegistry;
let config: GatewayConfig;
const gateways: { gateway: RunningGateway; shared: SharedState }[] = [];

beforeAll(async () => {
  if (!installed) return;
  redis = await PrivateRedis.start();
  emulator = await startEmulator();
  config = emulatorConfig(
    emulator,
    { name: 'fleet-reader', token: token, role: 'reader' },
    {
      // Five statistics calls per app and minute for the whole fleet, and no waiting for a slot.
      GATEWAY_QUOTA_JMLINK_STATS_PER_MINUTE: '5',
      GATEWAY_QUOTA_MAX_WAIT_MS: '0',
    },
  );
  registry = openMemoryRegistry();
  for (const app of emulator.apps) await registry.upsert({ ...app, source: 'config' }, app.masterSecret);
  const keyPrefix = uniquePrefix('gateways');
  for (const id of ['gateway-a', 'gateway-b']) {
    const shared = await connectShared(replicaOptions(redis.url, keyPrefix, { replicaId: id, fairness: config.fairness, localCacheMaxBytes: config.cache.maxBytes }));
    const gateway = await startGateway({ config, registry, logger: createLogger({ level: 'silent' }), traffic: shared, readiness: [redisReadiness(shared)] });
    gateways.push({ gateway, shared });
  }
});

afterAll(async () => {
  for (const { gateway, shared } of gateways) {
    await gateway.close();
    await shared.close();
  }
  await emulator?.close();
  await registry?.close();
  await redis?.stop();
});

/** Asks one gateway; `T` is the shape of `data` the document asks for. */
async function gql<T = unknown>(
  gateway: RunningGateway,
  query: string,
): Promise<{ status: number; body: { data?: T | null; errors?: { extensions?: Record<string, unknown> }[]; extensions?: GatewayExtensions } }> {
  const { status, headers: _headers, ...body } = await createGatewayClient({ url: gateway.graphqlUrl, token }).executeText<T>(query);
  return { status, body };
}

async function ready(gateway: RunningGateway): Promise<{ status: number; body: { status: string; checks: Record<string, { status: string; detail?: string }> } }> {
  const res = await fetch(`${gateway.url}/ready`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { status: string; detail?: string }> } };
}

const LIST = { service: 'jmlink' as const, pathPattern: '^/v1/links$' };
const STATS = { service: 'jmlink' as const, pathPattern: '/stat$' };

describe.skipIf(!installed)('two gateways sharing a Redis', () => {
  it('a page one gateway fetched is served by the other without calling Jiguang', async () => {
    const [a, b] = gateways as [(typeof gateways)[0], (typeof gateways)[0]];
    const query = `{ app(appKey: "${emulator.apps[0]!.appKey}") { shortLinks(first: 20) { totalCount nodes { key url } } } }`;
    const fromA = await gql(a.gateway, query);
    expect(fromA.body.errors).toBeUndefined();
    expect(emulator.countCalls(LIST)).toBe(1);
    const fromB = await gql(b.gateway, query);
    expect(fromB.body.data).toEqual(fromA.body.data);
    expect(emulator.countCalls(LIST)).toBe(1);
    // The token's upstream budget is the fleet's: the call made through A shows on B; B's cached answer costs nothing.
    const limit = config.fairness.upstreamCallsPerMinute;
    expect(fromA.body.extensions?.cost).toMatchObject({ upstreamCalls: 1, cacheHits: 0, budget: { charged: 1, remaining: limit - 1, limit } });
    expect(fromB.body.extensions?.cost).toMatchObject({ upstreamCalls: 0, cacheHits: 1, budget: { charged: 0, remaining: limit - 1, limit } });
  });

  it('one quota for both: five statistics calls per minute in all, the rest refused', async () => {
    const [a, b] = gateways as [(typeof gateways)[0], (typeof gateways)[0]];
    const query = `{ app(appKey: "${emulator.apps[1]!.appKey}") { shortLinks(first: 20) { nodes { key stats(from: "${dateOfDay(chinaToday() - 3)}", to: "${dateOfDay(chinaToday())}") { totals { clicks } } } } } }`;
    const before = emulator.countCalls({ ...STATS, appKey: emulator.apps[1]!.appKey });
    const answers = await Promise.all([gql(a.gateway, query), gql(b.gateway, query)]);
    const refused = answers.flatMap((r) => r.body.errors ?? []).filter((e) => e.extensions?.code === 'RATE_LIMITED');
    expect(emulator.countCalls({ ...STATS, appKey: emulator.apps[1]!.appKey }) - before).toBe(5);
    expect(refused.length).toBeGreaterThan(0);
    expect(emulator.maxPerWindow({ ...STATS, appKey: emulator.apps[1]!.appKey }, 60_000)).toBeLessThanOrEqual(5);
  });

  it('with Redis gone, both keep answering; a page already read comes from the in-process copy', async () => {
    const [a, b] = gateways as [(typeof gateways)[0], (typeof gateways)[0]];
    const known = `{ app(appKey: "${emulator.apps[0]!.appKey}") { shortLinks(first: 20) { totalCount nodes { key url } } } }`;
    const fresh = `{ app(appKey: "${emulator.apps[2]!.appKey}") { shortLinks(first: 20) { totalCount } } }`;
    const before = await gql(b.gateway, known);
    expect(await ready(b.gateway)).toMatchObject({ status: 200, body: { status: 'ready', checks: { redis: { status: 'ok', detail: 'shared by 2 replicas' } } } });
    await redis.stop('SIGKILL');
    try {
      await eventually(() => gateways.every((g) => g.shared.status().redis === 'degraded'), 3000, 'both gateways to see Redis gone');
      // Still in rotation: Redis is reported, not fatal.
      expect(await ready(b.gateway)).toMatchObject({ status: 200, body: { status: 'degraded', checks: { redis: { status: 'degraded' } } } });
      const calls = emulator.countCalls(LIST);
      const again = await gql(b.gateway, known);
      expect(again.status).toBe(200);
      expect(again.body.data).toEqual(before.body.data);
      expect(emulator.countCalls(LIST)).toBe(calls);
      // Something never fetched is fetched (within the gateway's quota share).
      const other = await gql<{ app: { shortLinks: Pick<ShortLinkConnection, 'totalCount'> } }>(a.gateway, fresh);
      expect(other.body.errors, JSON.stringify(other.body.errors)).toBeUndefined();
      expect(typeof other.body.data!.app.shortLinks.totalCount).toBe('number');
      expect(emulator.countCalls(LIST)).toBe(calls + 1);
    } finally {
      await redis.start();
    }
    await eventually(() => gateways.every((g) => g.shared.status().redis === 'ok'), 5000, 'both gateways to use Redis again');
    expect((await gql(a.gateway, known)).status).toBe(200);
    expect((await ready(a.gateway)).body.status).toBe('ready');
  });
});
