// No anonymous caller: every GraphQL request needs a bearer token from the configuration; a token
// limited to some apps sees only those. Refusals happen before any upstream call.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient } from '../../client/index.js';
import type { App, ShortLinkConnection } from '../../src/generated/graphql.js';
import { codes, type GraphQLBody, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

const LINKS = (appKey: string) => `{ app(appKey: "${appKey}") { name shortLinks(first: 1) { totalCount } } }`;
/** What LINKS answers: null for an app the token may not use. */
type Links = { app: (Pick<App, 'name'> & { shortLinks: Pick<ShortLinkConnection, 'totalCount'> }) | null };

it.each([
  ['no Authorization header', undefined],
  ['an unknown token', `Bearer ${'x'.repeat(43)}`],
  ['a Basic header', `Basic ${Buffer.from('a:b').toString('base64')}`],
  ['an empty bearer', 'Bearer '],
])('refuses %s with 401 and no upstream call', async (_name, authorization) => {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const r = await fetch(h.gateway.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query: LINKS(h.emulator.apps[0]!.appKey) }) });
  expect(r.status).toBe(401);
  expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
  const body = (await r.json()) as GraphQLBody;
  expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  expect(body.errors![0]!.message).toMatch(/bearer token/);
  expect(h.emulator.countCalls()).toBe(0);
});

it('serves a reader and an admin', async () => {
  for (const token of [h.tokens.reader, h.tokens.admin]) {
    const r = await createGatewayClient({ url: h.gateway.graphqlUrl, token }).executeText<Links>(LINKS(h.emulator.apps[0]!.appKey));
    expect(r.status).toBe(200);
    expect(r.data!.app!.shortLinks.totalCount).toBeGreaterThan(0);
  }
});

it('limits a scoped token to its apps, refusing others with FORBIDDEN before any upstream call', async () => {
  const scoped = createGatewayClient({ url: h.gateway.graphqlUrl, token: h.tokens.scoped });
  const own = h.emulator.apps[1]!.appKey;
  const other = h.emulator.apps[0]!.appKey;
  const apps = await scoped.executeText<{ apps: Pick<App, 'appKey'>[] }>('{ apps { appKey } }');
  expect(apps.data!.apps).toEqual([{ appKey: own }]);
  expect((await scoped.executeText<Links>(LINKS(own))).data!.app!.shortLinks.totalCount).toBeGreaterThan(0);
  h.emulator.resetCalls();
  const refused = await scoped.executeText<Links>(LINKS(other));
  expect(refused.data!.app).toBeNull();
  expect(refused.errors!.map((e) => e.extensions!.code)).toEqual(['FORBIDDEN']);
  expect(refused.errors![0]!.message).toBe(`The token "test-scoped" may not use app ${other}.`);
  expect(h.emulator.countCalls()).toBe(0);
});

it('never writes a token into a log line or a response', async () => {
  await h.gql('{ apps { name } }');
  await h.gql(LINKS('nope'));
  for (const text of [...h.logs, ...h.responses]) {
    for (const token of Object.values(h.tokens)) expect(text).not.toContain(token);
  }
  expect(h.logs.some((l) => l.includes('"caller":"test-reader"'))).toBe(true);
});

it('the reader used by the other tests is what the harness sends', async () => {
  const r = await h.gql('{ apps { appKey } }');
  expect(codes(r)).toEqual([]);
});

describe('mutations', () => {
  const CREATE = `mutation { createApp(input: { name: "Shop", androidPackage: "com.example.newshop" }) { app { appKey } } }`;

  it('refuses a reader with FORBIDDEN before any upstream call', async () => {
    const r = await h.gql(CREATE);
    expect(r.status).toBe(403);
    expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(r.body.errors![0]!.message).toBe('Mutations need an admin token; "test-reader" is a reader.');
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('lets an admin through (here to SERVICE_NOT_CONFIGURED: a gateway without developer credentials)', async () => {
    const bare = await startHarness({ env: { JIGUANG_DEV_KEY: '', JIGUANG_DEV_SECRET: '' } });
    try {
      const admin = createGatewayClient({ url: bare.gateway.graphqlUrl, token: bare.tokens.admin });
      const r = await admin.executeText(CREATE);
      expect(r.errors!.map((e) => e.extensions!.code)).toEqual(['SERVICE_NOT_CONFIGURED']);
      expect(r.errors![0]!.message).toMatch(/JIGUANG_DEV_KEY/);
      expect(bare.emulator.countCalls()).toBe(0);
    } finally {
      await bare.close();
    }
  });

  it('checks input before anything else', async () => {
    const admin = createGatewayClient({ url: h.gateway.graphqlUrl, token: h.tokens.admin });
    const r = await admin.executeText(`mutation { createApp(input: { name: "Shop", androidPackage: "not a package" }) { app { appKey } } }`);
    expect(r.errors!.map((e) => e.extensions!.code)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0]!.extensions!.argument).toBe('input.androidPackage');
    expect(h.emulator.countCalls()).toBe(0);
  });
});
