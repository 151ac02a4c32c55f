// Access rules on every path: a token limited to some apps reaches only their data — through
// `app`, `apps`, mutation payloads and every App field — and account- or project-level operations
// (createApp, Operation Growth) need a token that is not limited to apps. Refusals are FORBIDDEN
// before any upstream call; readers never mutate. `viewer` tells each token its own role and apps.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient, ViewerDocument } from '../../client/index.js';
import type { App, CreateAppPayload, ShortLinkConnection, VerificationStatus } from '../../src/generated/graphql.js';
import { assertKnownCodes, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
let own: string; // the app the scoped tokens may use
let other: string; // an app they may not
const clients = {} as Record<'admin' | 'reader' | 'scoped' | 'scopedAdmin', GatewayClient>;
beforeAll(async () => {
  h = await startHarness();
  own = h.emulator.apps[1]!.appKey;
  other = h.emulator.apps[0]!.appKey;
  for (const name of ['admin', 'reader', 'scoped', 'scopedAdmin'] as const) clients[name] = createGatewayClient({ url: h.gateway.graphqlUrl, token: h.tokens[name] });
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

/** Runs a document as one of the tokens; `T` is the shape of `data` the document asks for. */
async function run<T = unknown>(who: keyof typeof clients, query: string, variables?: Record<string, unknown>) {
  const r = await clients[who].executeText<T>(query, variables);
  assertKnownCodes(r);
  return { ...r, codes: (r.errors ?? []).map((e) => e.extensions?.code) };
}

const RSA = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const INTRO = 'A shopping app for small stores: browse the catalogue, order, pay and follow deliveries in one place.';

/** Every field of App that shows data of the app (registry or Jiguang). */
const APP_FIELDS = [
  'name',
  'shortLinks(first: 1) { totalCount }',
  'shortLink(key: "AAAA") { key }',
  'portraitTags(subject: { idType: OAID, value: "oaid-1" }) { found }',
  'certificates { sha256 }',
  'oneTapLogin(platform: ANDROID) { state }',
];

describe('a token limited to one app', () => {
  it.each(['scoped', 'scopedAdmin'] as const)('%s: `apps` lists only its app', async (who) => {
    const r = await run<{ apps: Pick<App, 'appKey'>[] }>(who, '{ apps { appKey } }');
    expect(r.data!.apps).toEqual([{ appKey: own }]);
  });

  it.each(['scoped', 'scopedAdmin'] as const)('%s: every App field of another app is FORBIDDEN, with no upstream call', async (who) => {
    for (const field of APP_FIELDS) {
      const r = await run<{ app: Record<string, unknown> | null }>(who, `{ app(appKey: "${other}") { ${field} } }`);
      expect(r.data?.app ?? null, field).toBeNull();
      expect(r.codes, field).toEqual(['FORBIDDEN']);
    }
    expect(h.emulator.countCalls()).toBe(0);
  });

  it.each(['scoped', 'scopedAdmin'] as const)('%s: every App field of its own app answers', async (who) => {
    const r = await run<{ app: { shortLinks: Pick<ShortLinkConnection, 'totalCount'> } }>(
      who,
      `{ app(appKey: "${own}") { ${APP_FIELDS.filter((f) => !f.startsWith('shortLink(')).join(' ')} } }`,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.app.shortLinks.totalCount).toBeGreaterThan(0);
  });

  it.each(['scoped', 'scopedAdmin'] as const)('%s: Operation Growth reads are project-level: FORBIDDEN', async (who) => {
    const r = await run(who, '{ growthUser(identityName: "phone", value: "13800000000") { cuid } }');
    expect(r.codes).toEqual(['FORBIDDEN']);
    expect(h.emulator.countCalls()).toBe(0);
  });
});

describe('every mutation, for an admin limited to one app', () => {
  const mutations: [string, string, Record<string, unknown> | undefined, 'own' | 'other' | 'project'][] = [
    [
      'createApp (account level)',
      'mutation { createApp(input: { name: "Escape", androidPackage: "com.example.demoshop" }) { masterSecret app { appKey shortLinks(first: 1) { totalCount } } } }',
      undefined,
      'project',
    ],
    ['deleteApp of another app', 'mutation($k: ID!) { deleteApp(appKey: $k) { deleted } }', { k: 'OTHER' }, 'other'],
    [
      'enableOneTapLogin of another app',
      'mutation($input: EnableOneTapLoginInput!) { enableOneTapLogin(input: $input) { state } }',
      { input: { appKey: 'OTHER', platform: 'IOS', packageName: 'com.example.x', category: 'APPLICATION', appIntro: INTRO, rsaPublicKey: RSA } },
      'other',
    ],
    ['resolveGrowthUsers (project level)', 'mutation { resolveGrowthUsers(identityName: "phone", values: ["1"]) { total } }', undefined, 'project'],
    [
      'setGrowthUserAttributes (project level)',
      'mutation { setGrowthUserAttributes(cuid: "1", attributes: [{ name: "vip", value: { boolean: true } }]) { names } }',
      undefined,
      'project',
    ],
    [
      'reportGrowthEvents for its own app (project level)',
      'mutation($k: ID!) { reportGrowthEvents(appKey: $k, events: [{ cuid: "1", name: "buy", time: "2026-11-01T00:00:00Z" }]) { total } }',
      { k: 'OWN' },
      'project',
    ],
    [
      'setGrowthUserChannels (project level)',
      'mutation { setGrowthUserChannels(users: [{ cuid: "1", channels: [{ id: 301, values: { phone: "1" } }] }]) { total } }',
      undefined,
      'project',
    ],
  ];

  it.each(mutations)('%s: FORBIDDEN, nothing reaches Jiguang', async (_name, query, variables) => {
    const vars = variables && JSON.parse(JSON.stringify(variables).replaceAll('"OTHER"', JSON.stringify(other)).replaceAll('"OWN"', JSON.stringify(own)));
    const r = await run('scopedAdmin', query, vars);
    expect(r.codes).toEqual(['FORBIDDEN']);
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('uploadCertificate for another app: FORBIDDEN before the file is read or sent', async () => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation($k: ID!, $f: Upload!) { uploadCertificate(appKey: $k, development: { file: $f, password: "p" }) { uploaded { sha256 } } }',
        variables: { k: other, f: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([Buffer.alloc(200, 0x30)]), 'c.p12');
    const res = await fetch(h.gateway.graphqlUrl, { method: 'POST', headers: { authorization: `Bearer ${h.tokens.scopedAdmin}`, 'apollo-require-preflight': 'true' }, body: form });
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('its own app: deleteApp and enableOneTapLogin are allowed', async () => {
    const r = await run<{ enableOneTapLogin: Pick<VerificationStatus, 'state'> }>(
      'scopedAdmin',
      'mutation($input: EnableOneTapLoginInput!) { enableOneTapLogin(input: $input) { state } }',
      {
        input: { appKey: own, platform: 'IOS', packageName: 'com.example.x', category: 'APPLICATION', appIntro: INTRO, rsaPublicKey: RSA },
      },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.enableOneTapLogin.state).toBe('PENDING');
  });
});

describe('readers never mutate', () => {
  it.each(['reader', 'scoped'] as const)('%s: a mutation is FORBIDDEN with no upstream call', async (who) => {
    const r = await run(who, `mutation { deleteApp(appKey: "${own}") { deleted } }`);
    expect(r.codes).toEqual(['FORBIDDEN']);
    expect(h.emulator.countCalls()).toBe(0);
  });
});

describe('viewer: the caller, as the gateway sees it', () => {
  const expected = () => ({
    admin: { name: 'test-admin', role: 'ADMIN', appKeys: null },
    reader: { name: 'test-reader', role: 'READER', appKeys: null },
    scoped: { name: 'test-scoped', role: 'READER', appKeys: [own] },
    scopedAdmin: { name: 'test-scoped-admin', role: 'ADMIN', appKeys: [own] },
  });

  it.each(['admin', 'reader', 'scoped', 'scopedAdmin'] as const)('%s: its role and apps, with no upstream call (the typed Viewer operation)', async (who) => {
    const r = await clients[who].execute(ViewerDocument);
    assertKnownCodes(r);
    expect(r.errors).toBeUndefined();
    expect(r.data!.viewer).toEqual(expected()[who]);
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('without a token: 401, as any request', async () => {
    const r = await fetch(h.gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { role } }' }) });
    expect(r.status).toBe(401);
  });
});

describe('master secrets are shown once', () => {
  type CreateOnce = { createApp: Pick<CreateAppPayload, 'newlyCreated' | 'masterSecret' | 'secretStored'> };

  it('createApp on an existing app never returns its secret again', async () => {
    const first = await run<CreateOnce>('admin', 'mutation { createApp(input: { name: "Once", androidPackage: "com.example.once" }) { newlyCreated masterSecret secretStored } }');
    expect(first.data!.createApp).toMatchObject({ newlyCreated: true, secretStored: true });
    expect(first.data!.createApp.masterSecret).toMatch(/^[0-9a-f]{24}$/);
    const again = await run<CreateOnce>('admin', 'mutation { createApp(input: { name: "Once", androidPackage: "com.example.once" }) { newlyCreated masterSecret secretStored } }');
    expect(again.data!.createApp).toEqual({ newlyCreated: false, masterSecret: null, secretStored: true });
    // An app the gateway knew without its secret: the secret is stored, still not shown.
    const existing = h.emulator.apps[2]!;
    await h.registry.upsert({ appKey: existing.appKey, name: existing.name, androidPackage: existing.androidPackage, groupName: null, source: 'config' });
    await h.registry.remove(existing.appKey);
    await h.registry.upsert({ appKey: existing.appKey, name: existing.name, androidPackage: existing.androidPackage, groupName: null, source: 'config' });
    const stored = await run<CreateOnce>(
      'admin',
      `mutation { createApp(input: { name: "x", androidPackage: "${existing.androidPackage}" }) { newlyCreated masterSecret secretStored } }`,
    );
    expect(stored.data!.createApp).toEqual({ newlyCreated: false, masterSecret: null, secretStored: true });
    expect(await h.registry.secretOf(existing.appKey)).toBe(existing.masterSecret);
    for (const text of [...h.responses, JSON.stringify(stored), JSON.stringify(again)]) expect(text).not.toContain(existing.masterSecret);
  });
});
