import { createHash } from 'node:crypto';
import { FormData, Response } from 'undici';
import { describe, expect, it } from 'vitest';
import { basic, basicPair, type CreatedApp, call, type ErrorAnswer, type LinkPage, useEmulator } from './util.js';

const e = useEmulator();

const dev = () => ({ authorization: basicPair(e.developer.devKey, e.developer.devSecret) });
/** A JSON POST as the developer; `T` is the answer the test expects (`CreatedApp`, `ErrorAnswer`, …). */
const post = <T = unknown>(path: string, body?: unknown, headers: Record<string, string> = dev()) =>
  call<T>(`${e.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });

/** A fake .p12: DER SEQUENCE byte, then deterministic filler. */
function p12(size = 600, fill = 7): Buffer {
  const b = Buffer.alloc(size, fill);
  b[0] = 0x30;
  b[1] = 0x82;
  return b;
}

async function multipart(fields: Record<string, string | Buffer>): Promise<{ headers: Record<string, string>; body: Buffer }> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string') fd.append(k, v);
    else fd.append(k, new Blob([v]), `${k}.p12`);
  }
  const r = new Response(fd);
  return { headers: { ...dev(), 'content-type': r.headers.get('content-type')! }, body: Buffer.from(await r.arrayBuffer()) };
}

async function upload<T = unknown>(appKey: string, fields: Record<string, string | Buffer>) {
  const m = await multipart(fields);
  return call<T>(`${e.url}/v1/app/${appKey}/certificate`, { method: 'POST', headers: m.headers, body: m.body });
}

describe('JPush Admin auth and method', () => {
  it('seeds a developer account', () => {
    expect(e.developer.devKey).toMatch(/^[0-9a-f]{24}$/);
    expect(e.developer.devSecret).toMatch(/^[0-9a-f]{24}$/);
  });

  it('answers 4006 without a valid Basic string, 4004 for an unknown dev_key, 4005 for a wrong secret', async () => {
    for (const h of <Record<string, string>[]>[{}, { authorization: 'Bearer x' }, { authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }]) {
      const r = await post('/v1/app', { app_name: 'x', android_package: 'com.x.y' }, h);
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: { code: 4006, message: 'not a valid Basic auth string' } });
    }
    const unknown = await post('/v1/app', {}, { authorization: basicPair('nobody', e.developer.devSecret) });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toEqual({ error: { code: 4004, message: 'dev_key does not exist' } });
    const wrong = await post('/v1/app', {}, { authorization: basicPair(e.developer.devKey, 'f'.repeat(24)) });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ error: { code: 4005, message: 'dev_secret incorrect' } });
    // An app's own credentials are not a developer account.
    expect((await post<ErrorAnswer>('/v1/app', {}, { authorization: basic(e.apps[0]!) })).json.error.code).toBe(4004);
    expect(e.calls.every((c) => c.service === 'push-admin')).toBe(true);
  });

  it('answers 4001 for any method but POST, before auth', async () => {
    for (const [method, path] of [
      ['GET', '/v1/app'],
      ['DELETE', `/v1/app/${e.apps[0]!.appKey}/delete`],
      ['PUT', `/v1/app/${e.apps[0]!.appKey}/certificate`],
    ] as const) {
      const r = await call(`${e.url}${path}`, { method });
      expect(r.status, method).toBe(405);
      expect(r.json).toEqual({ error: { code: 4001, message: 'only POST is supported' } });
    }
  });

  it('routes /v1/app paths here and leaves other /v1/ paths to JMLink', async () => {
    expect((await post('/v1/app/x/other', {})).status).toBe(404);
    const jm = await call(`${e.url}/v1/apps`);
    expect(jm.json).toEqual({ error: { code: 3007, message: 'api not found' } });
    expect(e.calls.map((c) => c.service)).toEqual(['push-admin', 'jmlink']);
  });
});

describe('JPush Admin create', () => {
  it('validates parameters: 4002 when missing, 4003 when invalid', async () => {
    for (const body of [undefined, {}, { app_name: 'A' }, { android_package: 'com.a.b' }, { app_name: '', android_package: 'com.a.b' }]) {
      const r = await post('/v1/app', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json).toEqual({ error: { code: 4002, message: 'request parameters empty' } });
    }
    for (const pkg of ['nodots', 'com..x', '1com.x', 'com.1x', 'com.x-y', 'com.x.', 42]) {
      const r = await post('/v1/app', { app_name: 'A', android_package: pkg });
      expect(r.status, String(pkg)).toBe(400);
      expect(r.json).toEqual({ error: { code: 4003, message: 'request parameters invalid' } });
    }
    expect((await call<ErrorAnswer>(`${e.url}/v1/app`, { method: 'POST', headers: dev(), body: '{' })).json.error.code).toBe(4003);
    expect((await post<ErrorAnswer>('/v1/app', { app_name: 'A', android_package: 'com.a.b', group_name: 5 })).json.error.code).toBe(4003);
  });

  it('creates an app usable on JMLink at once, and is idempotent on the package', async () => {
    const r = await post<CreatedApp>('/v1/app', { app_name: 'Created', android_package: 'com.example.created_1', group_name: 'g' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['android_package', 'app_key', 'is_new_created', 'master_secret']);
    expect(r.json).toMatchObject({ android_package: 'com.example.created_1', is_new_created: true });
    expect(r.json.app_key).toMatch(/^[0-9a-f]{24}$/);
    expect(r.json.master_secret).toMatch(/^[0-9a-f]{24}$/);
    expect(e.apps.find((a) => a.appKey === r.json.app_key)).toMatchObject({ name: 'Created', androidPackage: 'com.example.created_1', groupName: 'g' });

    const links = await call<LinkPage>(`${e.url}/v1/links`, { headers: { authorization: basic({ appKey: r.json.app_key, masterSecret: r.json.master_secret }) } });
    expect(links.status).toBe(200);
    expect(links.json.total).toBeGreaterThan(0);

    const again = await post('/v1/app', { app_name: 'Other name', android_package: 'com.example.created_1' });
    expect(again.json).toEqual({ app_key: r.json.app_key, android_package: 'com.example.created_1', is_new_created: false, master_secret: r.json.master_secret });
    const seeded = await post('/v1/app', { app_name: 'x', android_package: e.apps[0]!.androidPackage });
    expect(seeded.json).toMatchObject({ app_key: e.apps[0]!.appKey, is_new_created: false, master_secret: e.apps[0]!.masterSecret });
    expect(e.apps.filter((a) => a.androidPackage === 'com.example.created_1')).toHaveLength(1);
  });
});

describe('JPush Admin delete', () => {
  it('answers 1013 with HTTP 200 for an unknown app, removes a known one', async () => {
    const unknown = await post(`/v1/app/${'0'.repeat(24)}/delete`);
    expect(unknown.status).toBe(200);
    expect(unknown.json).toEqual({ error: { code: 1013, message: 'appkey invalid' } });

    const created = (await post<CreatedApp>('/v1/app', { app_name: 'Doomed', android_package: 'com.example.doomed' })).json;
    const r = await post(`/v1/app/${created.app_key}/delete`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ success: 'Synchronized success' });
    expect(e.apps.some((a) => a.appKey === created.app_key)).toBe(false);
    expect((await call(`${e.url}/v1/links`, { headers: { authorization: basic({ appKey: created.app_key, masterSecret: created.master_secret }) } })).status).toBe(401);
    expect((await post<ErrorAnswer>(`/v1/app/${created.app_key}/delete`)).json.error.code).toBe(1013);
  });
});

describe('JPush Admin certificates', () => {
  it('stores a development and a production certificate, then refuses a second of each with 1010', async () => {
    const app = (await post<CreatedApp>('/v1/app', { app_name: 'iOS', android_package: 'com.example.ios_certs' })).json.app_key;
    const dev1 = p12(600, 1);
    const r = await upload(app, { devCertificateFile: dev1, devCertificatePassword: 'secret' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ success: 'Synchronized success' });
    expect(e.certificates(app)).toEqual([{ environment: 'development', sha256: createHash('sha256').update(dev1).digest('hex'), size: 600 }]);

    const again = await upload(app, { devCertificateFile: p12(700, 2), devCertificatePassword: 'secret' });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ error: { code: 1010, message: 'certificate already exists' } });

    const pro = await upload(app, { proCertificateFile: p12(800, 3), proCertificatePassword: '' });
    expect(pro.json).toEqual({ success: 'Synchronized success' });
    expect(e.certificates(app).map((c) => [c.environment, c.size])).toEqual([
      ['development', 600],
      ['production', 800],
    ]);
    expect(e.certificates(e.apps[2]!.appKey)).toEqual([]);
  });

  it('takes both environments in one request', async () => {
    const app = (await post<CreatedApp>('/v1/app', { app_name: 'Both', android_package: 'com.example.both_certs' })).json.app_key;
    const r = await upload(app, { devCertificateFile: p12(300), devCertificatePassword: 'a', proCertificateFile: p12(400), proCertificatePassword: 'b' });
    expect(r.json).toEqual({ success: 'Synchronized success' });
    expect(e.certificates(app).map((c) => c.environment)).toEqual(['development', 'production']);
  });

  it('answers 1014, 1013 and 1012 with HTTP 200', async () => {
    const app = e.apps[1]!.appKey;
    const none = await upload(app, { devCertificatePassword: 'x' });
    expect(none.status).toBe(200);
    expect(none.json).toEqual({ error: { code: 1014, message: 'no certificate file in the request' } });
    expect((await post<ErrorAnswer>(`/v1/app/${app}/certificate`, { not: 'multipart' })).json.error.code).toBe(1014);

    const unknownApp = await upload('f'.repeat(24), { devCertificateFile: p12(), devCertificatePassword: 'x' });
    expect(unknownApp.status).toBe(200);
    expect(unknownApp.json).toEqual({ error: { code: 1013, message: 'appkey invalid' } });

    const notDer = Buffer.alloc(500, 0x41);
    for (const file of [notDer, p12(99)]) {
      const bad = await upload(app, { devCertificateFile: file, devCertificatePassword: 'x' });
      expect(bad.status).toBe(200);
      expect(bad.json).toEqual({ error: { code: 1012, message: 'certificate invalid' } });
    }
    // Nothing is kept when one of the two files is invalid.
    expect(
      (await upload<ErrorAnswer>(app, { devCertificateFile: p12(), devCertificatePassword: 'x', proCertificateFile: notDer, proCertificatePassword: 'y' })).json.error.code,
    ).toBe(1012);
    expect(e.certificates(app)).toEqual([]);
    // A file without its password is missing a parameter.
    expect((await upload<ErrorAnswer>(app, { devCertificateFile: p12() })).json.error.code).toBe(4002);
  });

  it('answers 4003 for a broken multipart body', async () => {
    const r = await call<ErrorAnswer>(`${e.url}/v1/app/${e.apps[1]!.appKey}/certificate`, {
      method: 'POST',
      headers: { ...dev(), 'content-type': 'multipart/form-data; boundary=xyz' },
      body: 'garbage',
    });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe(4003);
  });
});

describe('JPush Admin business faults', () => {
  const table: [number, number, string][] = [
    [1010, 200, 'certificate already exists'],
    [1012, 200, 'certificate invalid'],
    [1013, 200, 'appkey invalid'],
    [1014, 200, 'no certificate file in the request'],
    [1015, 200, 'app delete failed'],
    [4001, 405, 'only POST is supported'],
    [4002, 400, 'request parameters empty'],
    [4003, 400, 'request parameters invalid'],
    [4004, 401, 'dev_key does not exist'],
    [4005, 401, 'dev_secret incorrect'],
    [4006, 401, 'not a valid Basic auth string'],
    [4007, 401, 'permission not enabled'],
    [10, 500, 'system error'],
  ];
  it.each(table)('code %i -> HTTP %i %s', async (code, status, message) => {
    e.injectFault({ service: 'push-admin', kind: 'business', code, times: 1 });
    const r = await post(`/v1/app/${e.apps[0]!.appKey}/delete`);
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ error: { code, message } });
    expect(e.calls[0]).toMatchObject({ service: 'push-admin', status, appKey: e.developer.devKey });
    expect(e.apps.some((a) => a.appKey === e.apps[0]!.appKey)).toBe(true);
  });

  it('only hits its own service', async () => {
    e.injectFault({ service: 'push-admin', kind: 'business', code: 4007 });
    expect((await call(`${e.url}/v1/links`, { headers: { authorization: basic(e.apps[0]!) } })).status).toBe(200);
    expect((await post<ErrorAnswer>('/v1/app', { app_name: 'x', android_package: 'com.x.y' })).json.error.code).toBe(4007);
  });
});
