// Invalidation wins its race across replicas: three real gateways (startGateway with connectShared)
// on a private Redis, in front of one emulator. Gateway A reaches JVerification through a proxy that
// holds back the answer of its first status call; while it is held, a mutation on gateway C
// (enableOneTapLogin after a rejected review) changes the status and invalidates it. The answer A
// holds — NO_PASS, read before the mutation — must never be served or stored after the mutation:
// not by C (whose own re-read waits for A's call, coalesced), not by A, not by B.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { newToken } from '../../src/auth/callers.js';
import type { GatewayConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import type { VerificationStatus } from '../../src/generated/graphql.js';
import { type RunningGateway, startGateway } from '../../src/inbound/server.js';
import { type AppRegistry, openMemoryRegistry } from '../../src/registry/index.js';
import { connectShared, type SharedState } from '../../src/shared/index.js';
import { emulatorConfig, eventually, haveRedisServer, PrivateRedis, replicaOptions, sleep, uniquePrefix } from './helpers.js';

const installed = await haveRedisServer();
if (!installed) {
  if (process.env.CI === 'true') throw new Error('CI=true, so the invalidation race test must run: install redis-server');
  console.warn('skipping the invalidation race test: redis-server is not installed (Debian: apt-get install redis-server)');
}

const REVIEW_MS = 1_500;
const HOLD_MS = 800;
const admin = newToken();
let redis: PrivateRedis;
let emulator: Emulator;
let proxy: HoldingProxy;
let registry: AppRegistry;
const gateways: { gateway: RunningGateway; shared: SharedState }[] = [];

/** Forwards to the emulator; the answer of the first status query after `holdNext()` is held back `HOLD_MS`. */
class HoldingProxy {
  private armed = false;
  /** Resolves when a held query has been answered by the emulator (its answer read before anything after). */
  held: Promise<void> = Promise.resolve();
  private heldNow: () => void = () => {};
  queries = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<HoldingProxy> {
    let self: HoldingProxy | undefined;
    const server = createServer((req, res) => void self!.forward(target, req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new HoldingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  holdNext(): void {
    this.armed = true;
    this.held = new Promise((resolve) => (this.heldNow = resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async forward(target: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v;
    const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined });
    const body = Buffer.from(await answer.arrayBuffer());
    if (req.url?.startsWith('/v1/admin/query')) {
      this.queries++;
      if (this.armed) {
        this.armed = false;
        this.heldNow();
        await sleep(HOLD_MS);
      }
    }
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(body);
  }
}

function configFor(verificationUrl: string): GatewayConfig {
  return emulatorConfig(
    emulator,
    { name: 'race-admin', token: admin, role: 'admin' },
    {
      JIGUANG_VERIFICATION_ADMIN_URL: verificationUrl,
    },
  );
}

beforeAll(async () => {
  if (!installed) return;
  redis = await PrivateRedis.start();
  emulator = await startEmulator({ verificationReviewDelayMs: REVIEW_MS });
  proxy = await HoldingProxy.start(emulator.url);
  registry = openMemoryRegistry();
  for (const app of emulator.apps) await registry.upsert({ ...app, source: 'config' }, app.masterSecret);
  const keyPrefix = uniquePrefix('race');
  for (const [id, url] of [
    ['gateway-a', proxy.url],
    ['gateway-b', emulator.url],
    ['gateway-c', emulator.url],
  ] as const) {
    const config = configFor(url);
    const shared = await connectShared(replicaOptions(redis.url, keyPrefix, { replicaId: id, fairness: config.fairness, localCacheMaxBytes: config.cache.maxBytes }));
    const gateway = await startGateway({ config, registry, logger: createLogger({ level: 'silent' }), traffic: shared });
    gateways.push({ gateway, shared });
  }
}, 60_000);

afterAll(async () => {
  for (const { gateway, shared } of gateways) {
    await gateway.close();
    await shared.close();
  }
  await proxy?.close();
  await emulator?.close();
  await registry?.close();
  await redis?.stop();
});

type State = VerificationStatus['state'];

async function gql<T>(gateway: RunningGateway, query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: unknown[] }> {
  const res = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T; errors?: unknown[] };
}

const STATUS = 'query($k: ID!) { app(appKey: $k) { oneTapLogin(platform: IOS) { state } } }';
const ENABLE = 'mutation($input: EnableOneTapLoginInput!) { enableOneTapLogin(input: $input) { state } }';

async function status(gateway: RunningGateway, appKey: string): Promise<State> {
  const r = await gql<{ app: { oneTapLogin: { state: State } } }>(gateway, STATUS, { k: appKey });
  expect(r.errors).toBeUndefined();
  return r.data!.app.oneTapLogin.state;
}

async function enable(gateway: RunningGateway, appKey: string, appIntro: string): Promise<State> {
  const rsaPublicKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const r = await gql<{ enableOneTapLogin: { state: State } }>(gateway, ENABLE, {
    input: { appKey, platform: 'IOS', packageName: 'com.example.race', category: 'APPLICATION', appIntro, rsaPublicKey },
  });
  expect(r.errors).toBeUndefined();
  return r.data!.enableOneTapLogin.state;
}

describe.skipIf(!installed)('an invalidation during a slow call on another replica', () => {
  it('the answer read before the invalidating mutation is never served or stored after it returned', { timeout: 30_000 }, async () => {
    const [a, b, c] = gateways.map((g) => g.gateway) as [RunningGateway, RunningGateway, RunningGateway];
    const appKey = emulator.apps[0]!.appKey;
    const intro = 'A shopping app for small stores: browse the catalogue, order, pay and follow deliveries.';

    // A first review, rejected: Jiguang answers NO_PASS once it is over (its callback dropped the cached status).
    expect(await enable(b, appKey, `Please reject this one. ${intro}`)).toBe('PENDING');
    await eventually(() => emulator.callbacks.some((cb) => cb.status === 200), REVIEW_MS + 5_000, 'the rejection callback');

    // A asks (a cache miss everywhere); Jiguang answers NO_PASS, and the proxy holds that answer back.
    proxy.holdNext();
    const slow = status(a, appKey);
    await proxy.held;

    // Meanwhile, on C: a new review. Its invalidation must win over A's call in flight.
    const mutated = await enable(c, appKey, intro);
    const returnedAt = Date.now();
    expect(mutated).not.toBe('NO_PASS');

    // Neither A's own answer, nor anything asked after the mutation returned, on any replica, is the old one.
    const seen: State[] = [await slow];
    for (let round = 0; round < 5; round++) for (const g of [a, b, c]) seen.push(await status(g, appKey));
    expect(seen.filter((s) => s === 'NO_PASS')).toEqual([]);
    expect(Date.now() - returnedAt).toBeLessThan(REVIEW_MS); // all within the second review (still PENDING)
    expect(new Set(seen)).toEqual(new Set(['PENDING']));
    // A's call, superseded, was made again.
    expect(proxy.queries).toBe(2);
  });
});
