// One-tap login (JVerification Admin): input is checked field by field before any upstream call, the
// review result arrives asynchronously at the gateway's own callback endpoint, the status is one
// upstream call per app and platform per request, and forged or malformed callbacks change nothing.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient, type GatewayResult } from '../../client/index.js';
import type { App, VerificationStatus } from '../../src/generated/graphql.js';
import { VERIFICATION_ENVELOPE } from '../../src/verification/endpoints.js';

const VERIFICATION_CODES = VERIFICATION_ENVELOPE.codes;

import { type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
let admin: GatewayClient;
beforeAll(async () => {
  h = await startHarness({ emulator: { verificationReviewDelayMs: 200 } });
  admin = createGatewayClient({ url: h.gateway.graphqlUrl, token: h.tokens.admin });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.resetTraffic();
  h.emulator.clearFaults();
  h.emulator.resetCalls();
});

const keyOf = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const RSA_1024 = keyOf(1024);
const APP_SIGN = '0123456789abcdef0123456789abcdef';
const INTRO = 'A shopping app for small stores: browse the catalogue, order, pay and follow deliveries in one place.';

const ENABLE = `mutation($input: EnableOneTapLoginInput!) {
  enableOneTapLogin(input: $input) { appKey platform state requestedAt lastCallback { code receivedAt } }
}`;
const STATUS = `query($appKey: ID!, $platform: AppPlatform!) {
  app(appKey: $appKey) { oneTapLogin(platform: $platform) { appKey platform state requestedAt lastCallback { code receivedAt } } }
}`;

/** A one-tap login status as ENABLE and STATUS select it (DateTime values arrive as ISO strings). */
type OneTap = Pick<VerificationStatus, 'appKey' | 'platform' | 'state'> & { requestedAt: string | null; lastCallback: { code: number; receivedAt: string } | null };

const errorCodes = (r: GatewayResult<unknown>) => (r.errors ?? []).map((e) => e.extensions?.code);
const input = (appKey: string, overrides: Record<string, unknown> = {}) => ({
  appKey,
  platform: 'ANDROID',
  packageName: 'com.example.shop',
  appSign: APP_SIGN,
  category: 'APPLICATION',
  appIntro: INTRO,
  rsaPublicKey: RSA_1024,
  ...overrides,
});

let packages = 0;
/** A new app of its own (through createApp), so no review state leaks between tests. */
async function freshApp(): Promise<string> {
  const r = await admin.executeText<{ createApp: { app: Pick<App, 'appKey'> } }>(
    `mutation($p: String!) { createApp(input: { name: "Verification Test", androidPackage: $p }) { app { appKey } } }`,
    {
      p: `com.example.verification${++packages}`,
    },
  );
  expect(r.errors).toBeUndefined();
  h.emulator.resetCalls();
  return r.data!.createApp.app.appKey;
}

async function status(appKey: string, platform = 'ANDROID') {
  const r = await h.gql<{ app: { oneTapLogin: OneTap } }>(STATUS, { appKey, platform });
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.app.oneTapLogin;
}

/** Polls the status until a callback is on record (bounded: fails after `timeoutMs`). */
async function untilCallback(appKey: string, platform = 'ANDROID', timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(appKey, platform);
    if (s.lastCallback) return s;
    if (Date.now() > deadline)
      throw new Error(`no review callback for ${appKey}/${platform} within ${timeoutMs} ms (emulator deliveries: ${JSON.stringify(h.emulator.callbacks)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function enable(appKey: string, overrides: Record<string, unknown> = {}) {
  const r = await admin.executeText<{ enableOneTapLogin: OneTap }>(ENABLE, { input: input(appKey, overrides) });
  expect(r.errors).toBeUndefined();
  return r.data!.enableOneTapLogin;
}

describe('enableOneTapLogin', () => {
  it('asks Jiguang, is PENDING, then PASS once the review result reaches the gateway callback', async () => {
    const appKey = await freshApp();
    expect(await status(appKey)).toMatchObject({ state: 'NONE', requestedAt: null, lastCallback: null });
    const pending = await enable(appKey);
    expect(pending).toMatchObject({ appKey, platform: 'ANDROID', state: 'PENDING', lastCallback: null });
    expect(Date.parse(pending.requestedAt!)).toBeGreaterThan(Date.now() - 10_000);

    const open = h.emulator.calls.find((c) => c.path === '/v1/admin/open')!;
    const body = open.body as Record<string, unknown>;
    expect(body).toMatchObject({ app_key: appKey, platform: 'a', package_name: 'com.example.shop', app_sign: APP_SIGN, app_type: 2, app_intro: INTRO, rsa_pubkey: RSA_1024 });
    // The callback URL handed to Jiguang is the gateway's own endpoint, with the secret token.
    expect(body.callback_url).toMatch(new RegExp(`^${h.gateway.url}/callbacks/jverification/[A-Za-z0-9_-]{20,}$`));

    const done = await untilCallback(appKey);
    expect(done.state).toBe('PASS');
    expect(done.requestedAt).toBe(pending.requestedAt);
    expect(done.lastCallback!.code).toBe(2001);
    expect(Date.parse(done.lastCallback!.receivedAt)).toBeGreaterThanOrEqual(Date.parse(pending.requestedAt!));
    const delivered = h.emulator.callbacks.filter((c) => c.body.app_key === appKey);
    expect(delivered).toEqual([{ url: body.callback_url, body: { app_key: appKey, platform: 'a', code: 2001 }, status: 200 }]);
  });

  it('an intro containing "reject" ends NO_PASS', async () => {
    const appKey = await freshApp();
    expect((await enable(appKey, { appIntro: `${INTRO} Please reject this one.` })).state).toBe('PENDING');
    const done = await untilCallback(appKey);
    expect(done.state).toBe('NO_PASS');
    expect(done.lastCallback!.code).toBe(2002);
  });

  it('on iOS, needs no appSign and sends none', async () => {
    const appKey = await freshApp();
    expect((await enable(appKey, { platform: 'IOS', packageName: 'com.example.shop.ios', appSign: 'IGNORED' })).state).toBe('PENDING');
    const body = h.emulator.calls.find((c) => c.path === '/v1/admin/open')!.body as Record<string, unknown>;
    expect(body.platform).toBe('i');
    expect(body).not.toHaveProperty('app_sign');
    expect((await untilCallback(appKey, 'IOS')).state).toBe('PASS');
    // The other platform is untouched.
    expect((await status(appKey, 'ANDROID')).state).toBe('NONE');
  });

  it('counts a Chinese character as 2: 30 of them are a long enough intro, PEM keys are accepted', async () => {
    const appKey = await freshApp();
    const pem = `-----BEGIN PUBLIC KEY-----\n${RSA_1024.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
    expect((await enable(appKey, { appIntro: '极'.repeat(30), rsaPublicKey: pem, category: 'GAME' })).state).toBe('PENDING');
    const body = h.emulator.calls.find((c) => c.path === '/v1/admin/open')!.body as Record<string, unknown>;
    expect(body).toMatchObject({ rsa_pubkey: RSA_1024, app_type: 1 });
  });

  describe('checks every field before any upstream call', () => {
    const RSA_2048 = keyOf(2048);
    it.each<[string, Record<string, unknown>, string]>([
      ['appSign missing on ANDROID', { appSign: null }, 'input.appSign'],
      ['appSign empty on ANDROID', { appSign: '' }, 'input.appSign'],
      ['upper-case appSign', { appSign: APP_SIGN.toUpperCase() }, 'input.appSign'],
      ['appSign of 31 characters', { appSign: APP_SIGN.slice(1) }, 'input.appSign'],
      ['appIntro of 59 characters', { appIntro: 'x'.repeat(59) }, 'input.appIntro'],
      ['appIntro of 29 Chinese characters and 1 other (counts 59)', { appIntro: `${'极'.repeat(29)}x` }, 'input.appIntro'],
      ['appIntro over 1200 (601 Chinese characters)', { appIntro: '极'.repeat(601) }, 'input.appIntro'],
      ['a 2048-bit key', { rsaPublicKey: RSA_2048 }, 'input.rsaPublicKey'],
      ['a key that is not base64', { rsaPublicKey: 'not a key!' }, 'input.rsaPublicKey'],
      ['a PKCS#1 key', { rsaPublicKey: '-----BEGIN RSA PUBLIC KEY-----\nMIGJAoGBAK==\n-----END RSA PUBLIC KEY-----' }, 'input.rsaPublicKey'],
      ['a package name with one part', { packageName: 'shop' }, 'input.packageName'],
      ['a package name with a space', { packageName: 'com.example shop' }, 'input.packageName'],
      ['a package name starting with a digit', { packageName: 'com.1example' }, 'input.packageName'],
    ])('%s → BAD_USER_INPUT naming the field', async (_name, overrides, argument) => {
      const appKey = h.emulator.apps[0]!.appKey;
      const r = await admin.executeText(ENABLE, { input: input(appKey, overrides) });
      // Refused before the operation runs: a request error, with no data.
      expect(r.status).toBe(400);
      expect(r.data).toBeUndefined();
      expect(errorCodes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0]!.extensions!.argument).toBe(argument);
      expect(r.errors![0]!.message).toMatch(argument.slice('input.'.length));
      expect(h.emulator.countCalls()).toBe(0);
    });

    it('an unknown app is NOT_FOUND, and a reader is FORBIDDEN, with no upstream call', async () => {
      const unknown = await admin.executeText(ENABLE, { input: input('ffffffffffffffffffffffff') });
      expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
      const reader = await h.gql(ENABLE, { input: input(h.emulator.apps[0]!.appKey) });
      expect(reader.body.errors!.map((e) => e.extensions!.code)).toEqual(['FORBIDDEN']);
      expect(h.emulator.countCalls()).toBe(0);
    });
  });
});

describe('JVerification codes', () => {
  // The documented table (jverification/server/rest_api/code_description), with the emulator's HTTP statuses.
  const TABLE: [number, number][] = [
    [1801, 200],
    [1802, 200],
    [1803, 200],
    [1804, 200],
    [1805, 200],
    [2000, 500],
    [9010, 401],
    [9011, 401],
    [9012, 200],
    [9013, 405],
    [9014, 200],
    [9015, 415],
    [9018, 200],
    [9099, 500],
  ];

  it('the table covers every mapped code', () => {
    expect(TABLE.map(([code]) => String(code)).sort()).toEqual(Object.keys(VERIFICATION_CODES).sort());
  });

  it.each(TABLE)('code %i (HTTP %i) on the status query → the code in VERIFICATION_CODES', async (code, httpStatus) => {
    h.emulator.injectFault({ service: 'verification-admin', kind: 'business', code });
    const r = await h.gql(STATUS, { appKey: h.emulator.apps[0]!.appKey, platform: 'ANDROID' });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ app: { oneTapLogin: null } });
    expect(r.body.errors!.map((e) => e.extensions!.code)).toEqual([VERIFICATION_CODES[String(code)]]);
    const jiguang = r.body.errors![0]!.extensions!.jiguang;
    expect(jiguang).toMatchObject({ service: 'verification-admin', businessCode: code, httpStatus });
    expect(typeof jiguang!.upstreamMessage).toBe('string');
    expect(jiguang!.requestId).toBe(r.headers['x-request-id']);
    expect(r.body.errors![0]!.path).toEqual(['app', 'oneTapLogin']);
  });

  it.each(TABLE)('code %i (HTTP %i) on enableOneTapLogin → the same code, nothing recorded', async (code, httpStatus) => {
    const appKey = h.emulator.apps[1]!.appKey;
    h.emulator.injectFault({ service: 'verification-admin', kind: 'business', code, pathPattern: '/open$' });
    const r = await admin.executeText(ENABLE, { input: input(appKey, { platform: 'IOS' }) });
    expect(r.data).toBeNull();
    expect(errorCodes(r)).toEqual([VERIFICATION_CODES[String(code)]]);
    expect(r.errors![0]!.extensions!.jiguang).toMatchObject({ service: 'verification-admin', businessCode: code, httpStatus });
    // Not retried, and the gateway did not record a request it did not make.
    expect(h.emulator.countCalls({ service: 'verification-admin' })).toBe(1);
    // 1804 (a QPS limit) pauses the developer account's bucket; the record is what this checks.
    await h.resetTraffic();
    expect(await status(appKey, 'IOS')).toMatchObject({ state: 'NONE', requestedAt: null });
  });
});

describe('status batching', () => {
  it('asks once per app and platform, for many apps in one query', async () => {
    const apps = h.emulator.apps.slice(0, 3);
    expect(apps).toHaveLength(3);
    const fields = apps
      .map((a, i) => `a${i}: app(appKey: "${a.appKey}") { android: oneTapLogin(platform: ANDROID) { state } ios: oneTapLogin(platform: IOS) { state } }`)
      .join('\n');
    const r = await h.gql<Record<string, Record<'android' | 'ios', Pick<VerificationStatus, 'state'>>>>(`{ ${fields} }`);
    expect(r.body.errors).toBeUndefined();
    for (let i = 0; i < 3; i++) expect(r.body.data![`a${i}`]).toEqual({ android: { state: expect.any(String) }, ios: { state: expect.any(String) } });
    expect(h.emulator.countCalls({ service: 'verification-admin' })).toBe(6);
    const asked = h.emulator.calls
      .map((c) => c.body as { app_key: string; platform: string })
      .map((body) => `${body.app_key}:${body.platform}`)
      .sort();
    expect(asked).toEqual(apps.flatMap((a) => [`${a.appKey}:a`, `${a.appKey}:i`]).sort());
  });

  it('the same app and platform asked twice in one query is one call', async () => {
    const appKey = h.emulator.apps[2]!.appKey;
    const r = await h.gql(
      `query($k: ID!) {
      first: app(appKey: $k) { oneTapLogin(platform: ANDROID) { state } }
      second: app(appKey: $k) { x: oneTapLogin(platform: ANDROID) { state } y: oneTapLogin(platform: ANDROID) { requestedAt } }
    }`,
      { k: appKey },
    );
    expect(r.body.errors).toBeUndefined();
    expect(h.emulator.countCalls({ service: 'verification-admin' })).toBe(1);
  });

  it('a new request asks again (nothing is cached across requests)', async () => {
    const appKey = h.emulator.apps[2]!.appKey;
    await status(appKey);
    await status(appKey);
    expect(h.emulator.countCalls({ service: 'verification-admin' })).toBe(2);
  });
});

describe('review callback endpoint', () => {
  let appKey: string;
  let callbackUrl: string;
  let settled: Awaited<ReturnType<typeof status>>;
  beforeAll(async () => {
    appKey = await freshApp();
    await enable(appKey);
    callbackUrl = (h.emulator.calls.find((c) => c.path === '/v1/admin/open')!.body as { callback_url: string }).callback_url;
    settled = await untilCallback(appKey);
    expect(settled.state).toBe('PASS');
  });

  const post = (url: string, body: string, contentType = 'application/json') => fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  const valid = () => JSON.stringify({ app_key: appKey, platform: 'a', code: 2002 });

  it.each<[string, () => Promise<Response>, number]>([
    ['a wrong token', () => post(callbackUrl.replace(/[^/]+$/, 'wrong-token'), valid()), 404],
    ['no token', () => post(callbackUrl.replace(/[^/]+$/, ''), valid()), 404],
    ['the right token with a longer path', () => post(`${callbackUrl}x`, valid()), 404],
    ['a body that is not JSON', () => post(callbackUrl, 'app_key=x&code=2002', 'application/x-www-form-urlencoded'), 400],
    ['a JSON body that is not an object', () => post(callbackUrl, 'null'), 400],
    ['a missing code', () => post(callbackUrl, JSON.stringify({ app_key: appKey, platform: 'a' })), 400],
    ['a missing app_key', () => post(callbackUrl, JSON.stringify({ platform: 'a', code: 2002 })), 400],
    ['an unknown platform', () => post(callbackUrl, JSON.stringify({ app_key: appKey, platform: 'w', code: 2002 })), 400],
    ['a code that is a string', () => post(callbackUrl, JSON.stringify({ app_key: appKey, platform: 'a', code: '2002' })), 400],
    ['an unknown app', () => post(callbackUrl, JSON.stringify({ app_key: 'ffffffffffffffffffffffff', platform: 'a', code: 2002 })), 404],
    ['a GET', () => fetch(callbackUrl), 405],
    ['a body over 16 KiB', () => post(callbackUrl, JSON.stringify({ app_key: appKey, platform: 'a', code: 2002, pad: 'x'.repeat(17 * 1024) })), 413],
  ])('%s is refused and changes nothing', async (_name, send, expected) => {
    const r = await send();
    expect(r.status).toBe(expected);
    expect(((await r.json()) as { ok: boolean }).ok).toBe(false);
    expect(await status(appKey)).toEqual(settled);
    expect(await h.registry.getRecord('one-tap-login', 'ffffffffffffffffffffffff:ANDROID')).toBeUndefined();
  });

  it('never answers a forged call with anything that reveals the token', async () => {
    const r = await post(callbackUrl.replace(/[^/]+$/, 'wrong-token'), valid());
    const text = await r.text();
    expect(text).not.toContain(callbackUrl.split('/').pop()!);
    expect(h.logs.some((l) => l.includes('review callback refused'))).toBe(true);
    for (const line of h.logs) expect(line).not.toContain(callbackUrl.split('/').pop()!);
  });

  it('a repeated valid callback is idempotent', async () => {
    const again = JSON.stringify({ app_key: appKey, platform: 'a', code: settled.lastCallback!.code });
    for (let i = 0; i < 3; i++) {
      const r = await post(callbackUrl, again);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ ok: true });
    }
    expect(await status(appKey)).toEqual(settled);
  });
});
