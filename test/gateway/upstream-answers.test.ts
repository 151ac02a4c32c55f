// What the gateway makes of upstream answers it did not expect, from a scripted upstream that
// answers whatever a test tells it to: unknown business codes decided by the HTTP status for all five
// services, upstream text scrubbed and bounded before it reaches a client, 64-bit CUIDs kept exact,
// and a failure that belongs to one app failing only that app's fields.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient } from '../../client/index.js';
import type { GrowthUser, SetGrowthUserAttributesPayload } from '../../src/generated/graphql.js';
import { assertKnownCodes, type Harness, startHarness } from '../helpers/harness.js';

interface Scripted {
  status: number;
  headers?: Record<string, string>;
  /** The body, or a function of the request (to echo what it carried). */
  body: string | ((req: IncomingMessage, text: string) => string);
}

let script: Scripted = { status: 200, body: '{}' };
const received: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
let upstream: Server;
let h: Harness;
let admin: GatewayClient;
let appKey: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: text });
      res.writeHead(script.status, { 'content-type': 'application/json', ...script.headers });
      res.end(typeof script.body === 'function' ? script.body(req, text) : script.body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  h = await startHarness({
    env: { JIGUANG_JMLINK_URL: url, JIGUANG_PORTRAIT_URL: url, JIGUANG_PUSH_ADMIN_URL: url, JIGUANG_VERIFICATION_ADMIN_URL: url, JIGUANG_GROWTH_URL: url },
  });
  admin = createGatewayClient({ url: h.gateway.graphqlUrl, token: h.tokens.admin });
  appKey = h.emulator.apps[0]!.appKey;
});
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => upstream.close(resolve));
});
beforeEach(async () => {
  await h.resetTraffic();
  received.length = 0;
});

/** One field per service, each making one call: the document and the error path. */
const SERVICES: Record<'jmlink' | 'portrait' | 'verification-admin' | 'push-admin' | 'growth', () => [string, string[]]> = {
  jmlink: () => [`{ app(appKey: "${appKey}") { shortLinks(first: 1) { totalCount } } }`, ['app', 'shortLinks']],
  portrait: () => [`{ app(appKey: "${appKey}") { portraitTags(subject: { idType: OAID, value: "oaid-1" }) { found } } }`, ['app', 'portraitTags']],
  'verification-admin': () => [`{ app(appKey: "${appKey}") { oneTapLogin(platform: ANDROID) { state } } }`, ['app', 'oneTapLogin']],
  'push-admin': () => ['mutation { createApp(input: { name: "S", androidPackage: "com.example.scripted" }) { newlyCreated } }', ['createApp']],
  growth: () => ['{ growthUser(identityName: "phone", value: "13800000000") { cuid } }', ['growthUser']],
};

/** Runs the service's document; `T` is the shape of `data` a test reads from it. */
async function ask<T = unknown>(service: keyof typeof SERVICES) {
  const [query, path] = SERVICES[service]();
  const r = await admin.executeText<T>(query);
  assertKnownCodes(r);
  const error = r.errors?.find((e) => JSON.stringify(e.path) === JSON.stringify(path));
  return { r, error };
}

describe('an unknown business code: the HTTP status decides, for all five services', () => {
  const cases: [number, Record<string, string>, string, number | undefined][] = [
    [401, {}, 'UPSTREAM_AUTH_FAILED', undefined],
    [403, {}, 'UPSTREAM_ACCESS_DENIED', undefined],
    [429, { 'x-rate-limit-reset': '7' }, 'RATE_LIMITED', 7],
    [429, { 'retry-after': '3' }, 'RATE_LIMITED', 3],
    [503, {}, 'UPSTREAM_UNAVAILABLE', undefined],
  ];
  for (const service of Object.keys(SERVICES) as (keyof typeof SERVICES)[]) {
    it.each(cases)(`${service}: HTTP %i with a code it does not know → %s`, async (status, headers, code, retryAfter) => {
      // Growth's own envelope carries `code`; the others an error object: both with a code no table has.
      script = { status, headers, body: JSON.stringify({ code: status, msg: 'scripted', error: { code: 987654, message: 'scripted' } }) };
      const { error } = await ask(service);
      expect(error?.extensions?.code).toBe(code);
      expect((error?.extensions?.jiguang as { httpStatus: number } | undefined)?.httpStatus).toBe(status);
      expect(error?.extensions?.retryAfterSeconds).toBe(retryAfter);
    });
  }
});

describe('client-facing text from upstream is scrubbed and bounded', () => {
  it('an upstream that echoes the Authorization header and secrets in its message leaks nothing', async () => {
    const secret = h.emulator.apps[0]!.masterSecret;
    script = {
      status: 401,
      body: (req) =>
        JSON.stringify({
          error: { code: 3002, message: `auth failed for ${req.headers.authorization} (secret=${secret}, password: hunter22) ${'x'.repeat(5000)}` },
          requestId: `req-${req.headers.authorization}`,
        }),
    };
    const { r, error } = await ask('jmlink');
    const text = JSON.stringify(r);
    expect(error?.extensions?.code).toBe('UPSTREAM_AUTH_FAILED');
    const authorization = String(received[0]!.headers.authorization);
    expect(authorization).toMatch(/^Basic /);
    expect(text).not.toContain(authorization.slice(6));
    expect(text).not.toContain(secret);
    expect(text).not.toContain('hunter22');
    const message = (error?.extensions?.jiguang as { upstreamMessage: string } | undefined)?.upstreamMessage ?? '';
    expect(message).toContain('[REDACTED]');
    expect(message.length).toBeLessThanOrEqual(201);
  });

  it('an upstream request id that is not a short token is dropped; a token is passed on', async () => {
    script = { status: 200, body: (req) => JSON.stringify({ code: '4000', message: 'bad', requestId: `${req.headers.authorization} ${'y'.repeat(500)}` }) };
    const { r } = await ask('portrait');
    expect(r.errors![0]!.extensions!.jiguang).not.toHaveProperty('upstreamRequestId');
    expect(JSON.stringify(r)).not.toContain(String(received[0]!.headers.authorization).slice(6));
    script = { status: 200, body: JSON.stringify({ code: 4000, message: 'bad', requestId: 'req-1a2b.3c:4d_5e' }) };
    const second = await ask('portrait');
    expect(second.r.errors![0]!.extensions!.jiguang).toMatchObject({ businessCode: 4000, upstreamRequestId: 'req-1a2b.3c:4d_5e' });
  });
});

describe('Operation Growth CUIDs are exact', () => {
  it('a CUID beyond 2^53 comes back exactly, and is sent back exactly', async () => {
    script = { status: 200, body: '{"code":0,"msg":"ok","data":[{"identityValue":"13800000000","cuid":9223372036854775807}]}' };
    const { r } = await ask<{ growthUser: Pick<GrowthUser, 'cuid'> | null }>('growth');
    expect(r.errors).toBeUndefined();
    expect(r.data!.growthUser).toEqual({ cuid: '9223372036854775807' });
    script = { status: 200, body: '{"code":0,"msg":"ok","data":null}' };
    const set = await admin.executeText<{ setGrowthUserAttributes: Pick<SetGrowthUserAttributesPayload, 'cuid'> }>(
      'mutation { setGrowthUserAttributes(cuid: "9223372036854775807", attributes: [{ name: "vip", value: { boolean: true } }]) { cuid } }',
    );
    expect(set.errors).toBeUndefined();
    expect(set.data!.setGrowthUserAttributes.cuid).toBe('9223372036854775807');
    expect(received.at(-1)!.body).toContain('"cuid":9223372036854775807');
  });

  it('a CUID that is not a positive integer is an error, never a silent null', async () => {
    script = { status: 200, body: '{"code":0,"msg":"ok","data":[{"identityValue":"13800000000","cuid":-5}]}' };
    const { error } = await ask('growth');
    expect(error?.extensions?.code).toBe('UPSTREAM_ERROR');
  });
});

describe('a failure that belongs to one app fails only its fields', () => {
  it('one app without a stored master secret: NOT_FOUND for its links, the others answer', async () => {
    script = { status: 200, body: '{"total":3,"records":[]}' };
    await h.registry.upsert({ appKey: 'nosecret000000000000000a', name: 'AAA without secret', androidPackage: 'com.example.nosecret', groupName: null, source: 'config' });
    try {
      const r = await admin.executeText<{ apps: { appKey: string; shortLinks: { totalCount: number } | null }[] }>('{ apps { appKey shortLinks(first: 1) { totalCount } } }');
      assertKnownCodes(r);
      const apps = r.data!.apps;
      expect(apps.filter((a) => a.shortLinks === null).map((a) => a.appKey)).toEqual(['nosecret000000000000000a']);
      expect(apps.filter((a) => a.shortLinks !== null)).toHaveLength(3);
      expect(r.errors!.map((e) => e.extensions!.code)).toEqual(['NOT_FOUND']);
    } finally {
      await h.registry.remove('nosecret000000000000000a');
    }
  });
});
