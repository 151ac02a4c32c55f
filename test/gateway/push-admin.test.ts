// App lifecycle through JPush Admin: createApp stores the app and its master secret before answering
// (and the app is usable at once), deleteApp forgets it only after Jiguang confirms; every documented
// JPush Admin code becomes its gateway code; only the idempotent creation is retried after a reset.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient, type GatewayResult } from '../../client/index.js';
import type { App, CreateAppPayload, DeleteAppPayload, ShortLink, ShortLinkConnection } from '../../src/generated/graphql.js';
import { PUSH_ADMIN_ENVELOPE } from '../../src/push/endpoints.js';

const PUSH_ADMIN_CODES = PUSH_ADMIN_ENVELOPE.codes;

import { type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
let admin: GatewayClient;
beforeAll(async () => {
  h = await startHarness();
  admin = createGatewayClient({ url: h.gateway.graphqlUrl, token: h.tokens.admin });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.resetTraffic();
  h.emulator.clearFaults();
  h.emulator.resetCalls();
});

const CREATE = `mutation($input: CreateAppInput!) {
  createApp(input: $input) { app { appKey name androidPackage groupName } newlyCreated masterSecret secretStored notice }
}`;
const DELETE = `mutation($appKey: ID!) { deleteApp(appKey: $appKey) { appKey deleted } }`;
const LINKS = `query($appKey: ID!) { app(appKey: $appKey) { name shortLinks(first: 5) { totalCount nodes { key } } } }`;

/** What CREATE, DELETE and LINKS answer. */
type Created = {
  createApp: Required<Pick<CreateAppPayload, 'newlyCreated' | 'masterSecret' | 'secretStored' | 'notice'>> & {
    app: Required<Pick<App, 'appKey' | 'name' | 'androidPackage' | 'groupName'>>;
  };
};
type Deleted = { deleteApp: Pick<DeleteAppPayload, 'appKey' | 'deleted'> };
type Links = { app: Pick<App, 'name'> & { shortLinks: Pick<ShortLinkConnection, 'totalCount'> & { nodes: Pick<ShortLink, 'key'>[] } } };

const errorCodes = (r: GatewayResult<unknown>) => (r.errors ?? []).map((e) => e.extensions?.code);
let packages = 0;
/** A package no other test of this file uses (the emulator derives the app key from it). */
const freshPackage = () => `com.example.pushadmin${++packages}`;

async function createApp(androidPackage = freshPackage(), name = 'Push Admin Test') {
  const r = await admin.executeText<Created>(CREATE, { input: { name, androidPackage } });
  expect(r.errors).toBeUndefined();
  return r.data!.createApp;
}

describe('createApp', () => {
  it('creates the app, shows the master secret once and stores both before answering', async () => {
    const r = await admin.executeText<Created>(CREATE, { input: { name: '  New Shop ', androidPackage: 'com.example.newshop', groupName: 'retail' } });
    expect(r.errors).toBeUndefined();
    const created = r.data!.createApp;
    expect(created).toMatchObject({
      app: { name: 'New Shop', androidPackage: 'com.example.newshop', groupName: 'retail' },
      newlyCreated: true,
      secretStored: true,
      notice: null,
    });
    expect(created.app.appKey).toMatch(/^[0-9a-f]{24}$/);
    expect(created.masterSecret).toMatch(/^[0-9a-f]{24}$/);
    expect(await h.registry.get(created.app.appKey)).toMatchObject({ name: 'New Shop', androidPackage: 'com.example.newshop', source: 'created' });
    expect(await h.registry.secretOf(created.app.appKey)).toBe(created.masterSecret);
    const calls = h.emulator.calls.filter((c) => c.service === 'push-admin');
    expect(calls.map((c) => [c.method, c.path, c.status])).toEqual([['POST', '/v1/app', 200]]);
    expect(calls[0]!.body).toEqual({ app_name: 'New Shop', android_package: 'com.example.newshop', group_name: 'retail' });
    // The secret is shown in that answer only: it is in no log line.
    for (const line of h.logs) expect(line).not.toContain(created.masterSecret);
  });

  it('makes the app usable at once: its links query against Jiguang with the new secret', async () => {
    const { app, masterSecret } = await createApp();
    h.emulator.resetCalls();
    const r = await h.gql<Links>(LINKS, { appKey: app.appKey });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.app.name).toBe('Push Admin Test');
    expect(typeof r.body.data!.app.shortLinks.totalCount).toBe('number');
    const jmlink = h.emulator.calls.filter((c) => c.service === 'jmlink');
    expect(jmlink.length).toBeGreaterThan(0);
    expect(jmlink.every((c) => c.appKey === app.appKey && c.status === 200)).toBe(true);
    expect(jmlink[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`${app.appKey}:${masterSecret}`).toString('base64')}`);
    // And the app is listed.
    expect((await h.gql<{ apps: Pick<App, 'appKey'>[] }>('{ apps { appKey } }')).body.data!.apps.map((a) => a.appKey)).toContain(app.appKey);
  });

  it('creating the same package again returns the existing app (newlyCreated false), no error', async () => {
    const androidPackage = freshPackage();
    const first = await createApp(androidPackage, 'First Name');
    const again = await admin.executeText<Created>(CREATE, { input: { name: 'Second Name', androidPackage } });
    expect(again.errors).toBeUndefined();
    expect(again.data!.createApp).toMatchObject({ app: { appKey: first.app.appKey, name: 'First Name' }, newlyCreated: false, secretStored: true });
    expect(await h.registry.secretOf(first.app.appKey)).toBe(first.masterSecret);
    expect((await h.registry.list()).filter((a) => a.androidPackage === androidPackage)).toHaveLength(1);
  });

  it('is retried once after a connection reset (idempotent by contract) and succeeds', async () => {
    h.emulator.injectFault({ service: 'push-admin', kind: 'reset', times: 1 });
    const androidPackage = freshPackage();
    const r = await admin.executeText<Created>(CREATE, { input: { name: 'Retried', androidPackage } });
    expect(r.errors).toBeUndefined();
    expect(r.data!.createApp.newlyCreated).toBe(true);
    expect(h.emulator.countCalls({ service: 'push-admin', pathPattern: '^/v1/app$' })).toBe(2);
    expect(await h.registry.secretOf(r.data!.createApp.app.appKey)).toBe(r.data!.createApp.masterSecret);
  });

  it('a reset on both attempts is UPSTREAM_UNAVAILABLE and stores nothing', async () => {
    h.emulator.injectFault({ service: 'push-admin', kind: 'reset', times: 2 });
    const before = (await h.registry.list()).length;
    const r = await admin.executeText(CREATE, { input: { name: 'Unlucky', androidPackage: freshPackage() } });
    expect(errorCodes(r)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(r.data).toBeNull();
    expect(h.emulator.countCalls({ service: 'push-admin' })).toBe(2);
    expect(await h.registry.list()).toHaveLength(before);
  });
});

describe('deleteApp', () => {
  it('removes the app from the registry after Jiguang confirms', async () => {
    const { app } = await createApp();
    h.emulator.resetCalls();
    const r = await admin.executeText<Deleted>(DELETE, { appKey: app.appKey });
    expect(r.errors).toBeUndefined();
    expect(r.data!.deleteApp).toEqual({ appKey: app.appKey, deleted: true });
    expect(h.emulator.calls.map((c) => [c.service, c.path, c.status])).toEqual([['push-admin', `/v1/app/${app.appKey}/delete`, 200]]);
    expect(await h.registry.get(app.appKey)).toBeUndefined();
    expect(await h.registry.secretOf(app.appKey)).toBeUndefined();
    const gone = await h.gql(LINKS, { appKey: app.appKey });
    expect(gone.body.errors!.map((e) => e.extensions!.code)).toEqual(['NOT_FOUND']);
  });

  it('keeps the app when Jiguang refuses (1015 "app delete failed", HTTP 200): UPSTREAM_ERROR', async () => {
    const { app, masterSecret } = await createApp();
    h.emulator.injectFault({ service: 'push-admin', kind: 'business', code: 1015 });
    const r = await admin.executeText(DELETE, { appKey: app.appKey });
    expect(r.data).toBeNull();
    expect(errorCodes(r)).toEqual(['UPSTREAM_ERROR']);
    expect(r.errors![0]!.extensions!.jiguang).toMatchObject({ service: 'push-admin', businessCode: 1015, httpStatus: 200, upstreamMessage: 'app delete failed' });
    expect(await h.registry.get(app.appKey)).toBeDefined();
    expect(await h.registry.secretOf(app.appKey)).toBe(masterSecret);
    expect((await h.gql(LINKS, { appKey: app.appKey })).body.errors).toBeUndefined();
  });

  it('an app the registry does not know is NOT_FOUND with no upstream call', async () => {
    const r = await admin.executeText(DELETE, { appKey: 'ffffffffffffffffffffffff' });
    expect(r.data).toBeNull();
    expect(errorCodes(r)).toEqual(['NOT_FOUND']);
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('is not retried after a connection reset: UPSTREAM_UNAVAILABLE, one call, the app kept', async () => {
    const { app } = await createApp();
    h.emulator.resetCalls();
    h.emulator.injectFault({ service: 'push-admin', kind: 'reset', times: 1 });
    const r = await admin.executeText(DELETE, { appKey: app.appKey });
    expect(errorCodes(r)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(h.emulator.countCalls({ service: 'push-admin', pathPattern: '/delete$' })).toBe(1);
    expect(h.emulator.countCalls()).toBe(1);
    expect(await h.registry.get(app.appKey)).toBeDefined();
  });

  it('a reader may not delete: FORBIDDEN before any upstream call', async () => {
    const r = await h.gql(DELETE, { appKey: h.emulator.apps[0]!.appKey });
    expect(r.body.errors!.map((e) => e.extensions!.code)).toEqual(['FORBIDDEN']);
    expect(h.emulator.countCalls()).toBe(0);
    expect(await h.registry.get(h.emulator.apps[0]!.appKey)).toBeDefined();
  });
});

describe('JPush Admin codes', () => {
  // The documented table (jpush/server/push/rest_api_admin_api_v1), with the HTTP status each comes with.
  const TABLE: [number, number][] = [
    [1010, 200],
    [1012, 200],
    [1013, 200],
    [1014, 200],
    [1015, 200],
    [4001, 405],
    [4002, 400],
    [4003, 400],
    [4004, 401],
    [4005, 401],
    [4006, 401],
    [4007, 401],
    [10, 500],
    [2002, 429],
  ];

  it('the table covers every mapped code', () => {
    expect(TABLE.map(([code]) => String(code)).sort()).toEqual(Object.keys(PUSH_ADMIN_CODES).sort());
  });

  it.each(TABLE)('code %i (HTTP %i) → the code in PUSH_ADMIN_CODES', async (code, status) => {
    h.emulator.injectFault({ service: 'push-admin', kind: 'business', code, ...(status === 429 ? { status } : {}) });
    const before = (await h.registry.list()).length;
    const r = await admin.executeText(CREATE, { input: { name: 'Faulty', androidPackage: freshPackage() } });
    expect(r.data).toBeNull();
    expect(errorCodes(r)).toEqual([PUSH_ADMIN_CODES[String(code)]]);
    const jiguang = r.errors![0]!.extensions!.jiguang as Record<string, unknown>;
    expect(jiguang).toMatchObject({ service: 'push-admin', businessCode: code, httpStatus: status });
    expect(typeof jiguang.upstreamMessage).toBe('string');
    expect(jiguang.requestId).toBe(r.headers['x-request-id']);
    // A business answer is not a connection failure: one call, nothing stored.
    expect(h.emulator.countCalls({ service: 'push-admin' })).toBe(1);
    expect(await h.registry.list()).toHaveLength(before);
  });
});

describe('createApp when the registry cannot be written', () => {
  it('still answers with the master secret and says it was not stored', async () => {
    const original = h.registry.upsert.bind(h.registry);
    h.registry.upsert = async () => {
      throw new Error('disk full');
    };
    try {
      const r = await admin.executeText<{ createApp: Omit<Created['createApp'], 'app'> & { app: Pick<App, 'appKey'> } }>(
        `mutation { createApp(input: { name: "Unstored", androidPackage: "com.example.unstored" }) { app { appKey } newlyCreated masterSecret secretStored notice } }`,
      );
      expect(r.errors).toBeUndefined();
      const payload = r.data!.createApp;
      expect(payload.masterSecret).toMatch(/^[0-9a-f]{24}$/);
      expect(payload.secretStored).toBe(false);
      expect(payload.notice).toMatch(/could not store it: keep this master secret/);
      expect(await h.registry.get(payload.app.appKey)).toBeUndefined();
      expect(h.logs.some((l) => l.includes('registry write failed after app creation'))).toBe(true);
    } finally {
      h.registry.upsert = original;
    }
  });
});
