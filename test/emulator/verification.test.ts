import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, basicPair, type CreatedApp, call, useEmulator, type VerificationAnswer } from './util.js';

const e = useEmulator({ verificationReviewDelayMs: 50 });

const dev = () => ({ authorization: basicPair(e.developer.devKey, e.developer.devSecret) });
const post = (path: string, body: unknown, headers: Record<string, string> = dev()) =>
  call(`${e.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

const spki = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const RSA1024 = spki(1024);
const RSA2048 = spki(2048);
const EC = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const INTRO = 'A shopping app that lets users log in with one tap using the phone number of their SIM card.';

/** A callback receiver: answers with the next status of `plan` (then 200) and records the bodies. */
let receiver: Server;
let receiverUrl = '';
const received: { path: string; body: unknown }[] = [];
const plans = new Map<string, number[]>();
beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(raw) });
      const status = plans.get(req.url ?? '')?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const a = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function openBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    app_key: e.apps[0]!.appKey,
    platform: 'a',
    package_name: 'com.example.demoshop',
    app_sign: '0123456789abcdef0123456789abcdef',
    app_type: 2,
    app_intro: INTRO,
    rsa_pubkey: RSA1024,
    callback_url: `${receiverUrl}/cb`,
    ...over,
  };
}

describe('JVerification Admin protocol errors', () => {
  it('answers 9013 / HTTP 405 for any method but POST', async () => {
    for (const path of ['/v1/admin/open', '/v1/admin/query']) {
      const r = await call(`${e.url}${path}`, { headers: dev() });
      expect(r.status).toBe(405);
      expect(r.json).toEqual({ code: 9013, content: 'method not supported' });
    }
    expect(e.calls[0]!.service).toBe('verification-admin');
  });

  it('answers 9010 without auth and 9011 for wrong credentials, both HTTP 401', async () => {
    const missing = await post('/v1/admin/query', { app_key: e.apps[0]!.appKey, platform: 'a' }, {});
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ code: 9010, content: 'missing auth' });
    for (const h of [basicPair(e.developer.devKey, 'nope'), basicPair('nobody', e.developer.devSecret), basic(e.apps[0]!)]) {
      const wrong = await post('/v1/admin/query', { app_key: e.apps[0]!.appKey, platform: 'a' }, { authorization: h });
      expect(wrong.status).toBe(401);
      expect(wrong.json).toEqual({ code: 9011, content: 'auth failed' });
    }
  });

  it('answers 9015 / HTTP 415 for a body that is not JSON', async () => {
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded']) {
      const r = await call(`${e.url}/v1/admin/query`, { method: 'POST', headers: { ...dev(), 'content-type': ct }, body: '{}' });
      expect(r.status).toBe(415);
      expect(r.json).toEqual({ code: 9015, content: 'media type not supported' });
    }
    const noType = await call(`${e.url}/v1/admin/query`, { method: 'POST', headers: dev(), body: '{}' });
    expect(noType.status).toBe(415);
    const charset = await call(`${e.url}/v1/admin/query`, { method: 'POST', headers: { ...dev(), 'content-type': 'application/json; charset=utf-8' }, body: '{' });
    expect(charset.json).toEqual({ code: 9012, content: 'parameter invalid' });
  });
});

describe('JVerification Admin open validation', () => {
  const han59 = `${'中'.repeat(29)}a`; // 29 * 2 + 1 = 59
  const cases: [string, Record<string, unknown>][] = [
    ['unknown app_key', { app_key: 'f'.repeat(24) }],
    ['missing app_key', { app_key: undefined }],
    ['platform', { platform: 'w' }],
    ['package_name without dot', { package_name: 'demoshop' }],
    ['missing package_name', { package_name: undefined }],
    ['app_sign upper case', { app_sign: '0123456789ABCDEF0123456789ABCDEF' }],
    ['app_sign short', { app_sign: '0123456789abcdef' }],
    ['app_sign missing on Android', { app_sign: undefined }],
    ['app_type 3', { app_type: 3 }],
    ['app_intro short', { app_intro: 'x'.repeat(59) }],
    ['app_intro short in Han', { app_intro: han59 }],
    ['app_intro long', { app_intro: 'x'.repeat(1201) }],
    ['app_intro long in Han', { app_intro: '中'.repeat(601) }],
    ['rsa_pubkey empty', { rsa_pubkey: '' }],
    ['rsa_pubkey not base64', { rsa_pubkey: 'not base64!' }],
    ['rsa_pubkey 2048 bits', { rsa_pubkey: RSA2048 }],
    ['rsa_pubkey EC', { rsa_pubkey: EC }],
    ['rsa_pubkey garbage DER', { rsa_pubkey: Buffer.from('hello world!').toString('base64') }],
    ['callback_url ftp', { callback_url: 'ftp://example.com/cb' }],
    ['callback_url relative', { callback_url: '/cb' }],
  ];
  it.each(cases)('%s -> 9012 with HTTP 200', async (_name, over) => {
    const r = await post('/v1/admin/open', openBody(over));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ code: 9012, content: 'parameter invalid' });
    expect(e.calls[0]!.status).toBe(200);
  });

  it('answers 9012 for a body that is not a JSON object', async () => {
    for (const body of ['[]', '"x"', 'null', '{']) {
      const r = await call<VerificationAnswer>(`${e.url}/v1/admin/open`, { method: 'POST', headers: { ...dev(), 'content-type': 'application/json' }, body });
      expect(r.json.code, body).toBe(9012);
    }
  });

  it('counts a Han character as 2 (60 and 1200 are accepted)', async () => {
    const ok60 = await post(
      '/v1/admin/open',
      openBody({ app_key: e.apps[1]!.appKey, platform: 'i', app_sign: undefined, app_intro: '中'.repeat(30), callback_url: `${receiverUrl}/han` }),
    );
    expect(ok60.json).toEqual({ code: 9200 });
    const ok1200 = await post(
      '/v1/admin/open',
      openBody({ app_key: e.apps[2]!.appKey, platform: 'i', app_type: '1', app_intro: '中'.repeat(600), callback_url: `${receiverUrl}/han` }),
    );
    expect(ok1200.json).toEqual({ code: 9200 });
  });
});

describe('JVerification Admin review', () => {
  it('opens, stays NONE while pending, passes and posts the result to callback_url', async () => {
    const app = e.apps[0]!.appKey;
    const q = () => post('/v1/admin/query', { app_key: app, platform: 'a' });
    expect((await q()).json).toEqual({ status: 'NONE' });
    const r = await post('/v1/admin/open', openBody({ callback_url: `${receiverUrl}/pass` }));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ code: 9200 });
    // Re-opening while pending is accepted and does not start a second review.
    expect((await post('/v1/admin/open', openBody({ callback_url: `${receiverUrl}/pass` }))).json).toEqual({ code: 9200 });
    expect((await q()).json).toEqual({ status: 'NONE' });

    await until(() => e.callbacks.some((c) => c.url === `${receiverUrl}/pass`));
    expect(received.filter((x) => x.path === '/pass').map((x) => x.body)).toEqual([{ app_key: app, platform: 'a', code: 2001 }]);
    expect(e.callbacks.filter((c) => c.url === `${receiverUrl}/pass`)).toEqual([{ url: `${receiverUrl}/pass`, body: { app_key: app, platform: 'a', code: 2001 }, status: 200 }]);
    expect((await q()).json).toEqual({ status: 'PASS' });
    // The other platform of the same app is still not opened.
    expect((await post('/v1/admin/query', { app_key: app, platform: 'i' })).json).toEqual({ status: 'NONE' });
    // After PASS, opening again changes nothing and posts nothing.
    expect((await post('/v1/admin/open', openBody({ callback_url: `${receiverUrl}/pass` }))).json).toEqual({ code: 9200 });
    await new Promise((res) => setTimeout(res, 150));
    expect(received.filter((x) => x.path === '/pass')).toHaveLength(1);
  });

  it('rejects when app_intro says "reject", and retries a failing callback', async () => {
    const app = e.apps[1]!.appKey;
    plans.set('/reject', [500, 503]);
    const intro = `${INTRO} Please reject this one.`;
    const r = await post('/v1/admin/open', openBody({ app_key: app, package_name: 'com.example.demonews', app_intro: intro, callback_url: `${receiverUrl}/reject` }));
    expect(r.json).toEqual({ code: 9200 });
    await until(() => e.callbacks.filter((c) => c.url.endsWith('/reject')).length === 3);
    const attempts = e.callbacks.filter((c) => c.url.endsWith('/reject'));
    expect(attempts.map((c) => c.status)).toEqual([500, 503, 200]);
    expect(attempts[0]!.body).toEqual({ app_key: app, platform: 'a', code: 2002 });
    expect((await post('/v1/admin/query', { app_key: app, platform: 'a' })).json).toEqual({ status: 'NO_PASS' });
  });

  it('gives up after 3 retries and records unreachable callbacks with status null', async () => {
    const app = e.apps[2]!.appKey;
    plans.set('/down', [500, 500, 500, 500, 500]);
    await post('/v1/admin/open', openBody({ app_key: app, package_name: 'com.example.demoempty', callback_url: `${receiverUrl}/down` }));
    await until(() => e.callbacks.filter((c) => c.url.endsWith('/down')).length === 4);
    await new Promise((res) => setTimeout(res, 700));
    expect(e.callbacks.filter((c) => c.url.endsWith('/down')).map((c) => c.status)).toEqual([500, 500, 500, 500]);
    expect(plans.get('/down')).toEqual([500]);

    // A port nobody listens on: the failures are recorded with status null.
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
    const a = closed.address();
    const deadUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/gone`;
    await new Promise<void>((res) => closed.close(() => res()));
    const fresh = (
      await call<CreatedApp>(`${e.url}/v1/app`, {
        method: 'POST',
        headers: { ...dev(), 'content-type': 'application/json' },
        body: JSON.stringify({ app_name: 'Dead', android_package: 'com.example.dead_callback' }),
      })
    ).json.app_key;
    await post('/v1/admin/open', openBody({ app_key: fresh, platform: 'i', app_sign: undefined, package_name: 'com.example.dead', callback_url: deadUrl }));
    await until(() => e.callbacks.filter((c) => c.url === deadUrl).length === 4);
    expect(e.callbacks.filter((c) => c.url === deadUrl).map((c) => c.status)).toEqual([null, null, null, null]);
    expect((await post('/v1/admin/query', { app_key: fresh, platform: 'i' })).json).toEqual({ status: 'PASS' });
  });

  it('answers 9012 to a query for an unknown app or a bad platform', async () => {
    for (const body of [{ app_key: 'f'.repeat(24), platform: 'a' }, { app_key: e.apps[0]!.appKey, platform: 'x' }, { app_key: e.apps[0]!.appKey }, {}]) {
      const r = await post('/v1/admin/query', body);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ code: 9012, content: 'parameter invalid' });
    }
  });

  it('accepts an app just created through JPush Admin', async () => {
    const created = await call<CreatedApp>(`${e.url}/v1/app`, {
      method: 'POST',
      headers: { ...dev(), 'content-type': 'application/json' },
      body: JSON.stringify({ app_name: 'New', android_package: 'com.example.verify_new' }),
    });
    expect(created.json.is_new_created).toBe(true);
    expect((await post('/v1/admin/query', { app_key: created.json.app_key, platform: 'a' })).json).toEqual({ status: 'NONE' });
  });
});

describe('JVerification Admin business faults', () => {
  const table: [number, number, string][] = [
    [1801, 200, 'invalid parameters'],
    [1802, 200, 'auth failed'],
    [1803, 200, 'no permission'],
    [1804, 200, 'qps limit'],
    [1805, 200, 'insufficient balance'],
    [2000, 500, 'internal error'],
    [9010, 401, 'missing auth'],
    [9011, 401, 'auth failed'],
    [9012, 200, 'parameter invalid'],
    [9013, 405, 'method not supported'],
    [9014, 200, 'appkey blocked'],
    [9015, 415, 'media type not supported'],
    [9018, 200, 'no balance'],
    [9099, 500, 'server error'],
  ];
  it.each(table)('code %i -> HTTP %i %s', async (code, status, content) => {
    e.injectFault({ service: 'verification-admin', kind: 'business', code, times: 1 });
    const r = await post('/v1/admin/query', { app_key: e.apps[0]!.appKey, platform: 'a' });
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ code, content });
    expect(e.calls[0]).toMatchObject({ service: 'verification-admin', status });
  });
});
