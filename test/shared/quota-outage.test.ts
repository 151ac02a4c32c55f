import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayClient } from '../../client/index.js';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { newToken } from '../../src/auth/callers.js';
import type { GatewayConfig } from '../../src/config/index.js';
import { chinaToday, dateOfDay } from '../../src/core/dates.js';
import { createLogger } from '../../src/core/logger.js';
import { type RunningGateway, startGateway } from '../../src/inbound/server.js';
import { type AppRegistry, openMemoryRegistry } from '../../src/registry/index.js';
import { connectShared, type SharedState } from '../../src/shared/index.js';
import { emulatorConfig, eventually, haveRedisServer, PrivateRedis, rawClient, replicaOptions, sleep, uniquePrefix } from './helpers.js';

const installed = await haveRedisServer();
if (!installed) {
  if (process.env.CI === 'true') throw new Error('CI=true, so the quota outage test must run: install redis-server');
  console.warn('skipping the quota outage test: redis-server is not installed (Debian: apt-get install redis-server)');
}

/** The fleet's statistics bucket per AppKey and minute (the emulator's own quota, 500, is never reached). */
const LIMIT = 30;
const token = newToken();
let redis: PrivateRedis;
let emulator: Emulator;
let registry: AppRegistry;
let config: GatewayConfig;
let keyPrefix: string;
const gateways: { gateway: RunningGateway; shared: SharedState }[] = [];

beforeAll(async () => {
  if (!installed) return;
  redis = await PrivateRedis.start();
  emulator = await startEmulator();
  config = emulatorConfig(
    emulator,
    { name: 'load', token: token, role: 'reader' },
    {
      GATEWAY_QUOTA_JMLINK_STATS_PER_MINUTE: String(LIMIT),
      // A slot now or a refusal: the load keeps every replica asking.
      GATEWAY_QUOTA_MAX_WAIT_MS: '0',
      // Every refused request spent a point of the token's budget: not what this test is about.
      GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE: '1000000',
    },
  );
  registry = openMemoryRegistry();
  for (const app of emulator.apps) await registry.upsert({ ...app, source: 'config' }, app.masterSecret);
  keyPrefix = uniquePrefix('quota-outage');
  for (const id of ['gateway-a', 'gateway-b', 'gateway-c']) {
    const shared = await connectShared(replicaOptions(redis.url, keyPrefix, { replicaId: id, fairness: config.fairness, localCacheMaxBytes: config.cache.maxBytes }));
    const gateway = await startGateway({ config, registry, logger: createLogger({ level: 'silent' }), traffic: shared });
    gateways.push({ gateway, shared });
  }
  await eventually(() => gateways.every((g) => g.shared.status().replicas === 3), 3000, 'three live replicas');
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

const STATS = { service: 'jmlink' as const, pathPattern: '/stat$' };

/**
 * Three clients per gateway, each asking for statistics nobody asked for before (one link, one
 * day: one call to Jiguang each) until stopped.
 */
function load(appKey: string, keys: string[]): { stop(): Promise<void>; answers: () => number } {
  let running = true;
  let next = 0;
  let answers = 0;
  const clients = gateways.flatMap(({ gateway }) =>
    Array.from({ length: 3 }, async () => {
      const client = createGatewayClient({ url: gateway.graphqlUrl, token });
      while (running) {
        const n = next++;
        const day = dateOfDay(chinaToday() - 2 - Math.floor(n / keys.length));
        const query = `{ app(appKey: "${appKey}") { shortLink(key: "${keys[n % keys.length]}") { stats(from: "${day}", to: "${day}") { totals { clicks } } } } }`;
        const { status } = await client.executeText(query);
        if (status !== 200) throw new Error(`HTTP ${status}`);
        answers++;
        await sleep(5);
      }
    }),
  );
  return {
    answers: () => answers,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

describe.skipIf(!installed)('a statistics bucket under load while Redis goes away and comes back', () => {
  for (const [how, appIndex] of [
    ['killed (SIGKILL: back empty)', 0],
    ['frozen (SIGSTOP: back with its slots)', 1],
  ] as const) {
    it(`Redis ${how}: the fleet's calls in the minute stay within the limit, and Redis counts every one`, { timeout: 60_000 }, async () => {
      const appKey = emulator.apps[appIndex]!.appKey;
      const first = await createGatewayClient({ url: gateways[0]!.gateway.graphqlUrl, token }).executeText<{ app: { shortLinks: { nodes: { key: string }[] } } }>(
        `{ app(appKey: "${appKey}") { shortLinks(first: 20) { nodes { key } } } }`,
      );
      const keys = first.data!.app.shortLinks.nodes.map((n) => n.key);
      const calls = () => emulator.countCalls({ ...STATS, appKey });
      const started = Date.now();
      const traffic = load(appKey, keys);
      try {
        // Redis grants part of the window...
        await eventually(() => calls() >= 10, 10_000, 'ten statistics calls through Redis');
        const down = Date.now();
        if (how.startsWith('killed')) await redis.stop('SIGKILL');
        else redis.freeze();
        try {
          await eventually(() => gateways.every((g) => g.shared.status().redis === 'degraded'), 5_000, 'every gateway to see Redis gone');
          const atOutage = calls();
          // ...each replica takes its share of what was left...
          await sleep(1_500);
          const duringOutage = calls() - atOutage;
          expect(duringOutage).toBeGreaterThan(0);
          expect(atOutage + duringOutage).toBeLessThanOrEqual(LIMIT);
        } finally {
          if (how.startsWith('killed')) await redis.start();
          else redis.thaw();
        }
        await eventually(() => gateways.every((g) => g.shared.status().redis === 'ok'), 10_000, 'every gateway to use Redis again');
        // ...and after the return, Redis holds every slot before more are granted.
        await sleep(2_500);
        expect(Date.now() - down).toBeLessThan(30_000);
      } finally {
        await traffic.stop();
      }
      const total = calls();
      const raw = await rawClient(redis.url);
      const inRedis = await raw.zCard(`${keyPrefix}q:jmlink.stats:${appKey}`).finally(() => raw.destroy());
      const seen = `${total} calls, ${inRedis} slots in Redis`;
      expect(traffic.answers(), seen).toBeGreaterThan(3 * total); // the load asked for far more than the bucket
      expect(Date.now() - started).toBeLessThan(60_000); // so every call is in one window of the bucket
      expect(total, seen).toBeLessThanOrEqual(LIMIT);
      // Redis counts every call made, before, during and after the outage. A reservation Redis took
      // while frozen, after its replica had stopped waiting and used its share instead, is a slot no
      // call used (the safe side): at most the reservations in flight then (the nine clients'), so
      // the load used all the rest.
      expect(inRedis, seen).toBeGreaterThanOrEqual(total);
      expect(total, seen).toBeGreaterThanOrEqual(LIMIT - 9);
      // Jiguang counted the same (and never refused: its own quota is 500).
      expect(emulator.maxPerWindow({ ...STATS, appKey }, 60_000)).toBeLessThanOrEqual(LIMIT);
      expect(emulator.calls.filter((c) => c.status !== 200)).toEqual([]);
    });
  }
});
