// The upstream-call estimate prices batched fields as their loaders batch them (src/http/batch.ts):
// growthUser per identity name per 100 values, statistics of one link per covering range, one
// JPortrait call per subject of an app, identical link pages once — wherever the fields sit in the
// document — and it is never below the calls the gateway then makes.
import { buildSchema, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CostModel, type Measure } from '../../src/limits/cost.js';
import { loadTypeDefs } from '../../src/schema.js';
import { codes, type Harness, startHarness } from '../helpers/harness.js';

const schema = buildSchema(loadTypeDefs().join('\n'));
const model = new CostModel(schema, { maxCost: Number.POSITIVE_INFINITY, maxUpstreamCalls: Number.POSITIVE_INFINITY });

/** The gateway's estimate of a document (the same model and schema the server measures with). */
function estimate(query: string, visibleApps: number, variables: Record<string, unknown> = {}): Measure {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return model.measure({ operation, fragments, variables, sizes: { visibleApps } });
}

const growthUser = (alias: string, name: string, value: string) => `${alias}: growthUser(identityName: "${name}", value: "${value}") { cuid }`;
const phones = (n: number, from = 0) => Array.from({ length: n }, (_, i) => growthUser(`p${from + i}`, 'phone', `139${String(from + i).padStart(8, '0')}`));

// Document limits raised so that only the upstream-call limit (100, the default) can refuse these.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { GATEWAY_MAX_ALIASES: '10000', GATEWAY_MAX_TOKENS: '200000', GATEWAY_MAX_BODY_BYTES: String(4 * 1024 * 1024) } });
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

/** Runs an accepted query: no errors, and the estimate is at least the calls made upstream. */
async function run(query: string, headers?: Record<string, string>, visibleApps = h.emulator.apps.length) {
  const r = await h.gql(query, undefined, headers);
  expect(r.body.errors).toBeUndefined();
  const m = estimate(query, visibleApps);
  expect(m.calls).toBeGreaterThanOrEqual(h.emulator.countCalls());
  return m;
}

describe('growthUser', () => {
  it('150 aliases of one identity name are 2 register calls, estimated as 2', async () => {
    const query = `{ ${phones(150).join(' ')} }`;
    const m = await run(query);
    expect(h.emulator.countCalls({ service: 'growth', pathPattern: '/user/register' })).toBe(2);
    expect(h.emulator.countCalls()).toBe(2);
    expect(m.calls).toBe(2);
    expect(Object.fromEntries(m.callsBy)).toEqual({ 'Query.growthUser': 2 });
  });

  it('groups across fragments and inline fragments, per identity name, a repeated value once', async () => {
    const query = `{ ${phones(50).join(' ')} ...More ... on Query { ${phones(50, 100).join(' ')} again: growthUser(identityName: "phone", value: "13900000000") { cuid } }
      e0: growthUser(identityName: "email", value: "a@example.com") { cuid } }
      fragment More on Query { ${phones(50, 50).join(' ')} e1: growthUser(identityName: "email", value: "b@example.com") { cuid } }`;
    const m = await run(query);
    // phone: 150 distinct values (2 calls); email: 2 values (1 call).
    expect(m.calls).toBe(3);
    expect(h.emulator.countCalls({ service: 'growth', pathPattern: '/user/register' })).toBe(3);
  });

  it('10,001 values of one identity name (101 calls) are refused before any call, naming the upstream-call limit', async () => {
    // GATEWAY_MAX_ALIASES is at most 10,000: the 10,001st field is the one without an alias.
    const query = `{ ${phones(10_000).join(' ')} growthUser(identityName: "phone", value: "extra") { cuid } }`;
    expect(estimate(query, 3).calls).toBe(101);
    const r = await h.gql(query);
    expect(r.status).toBe(400);
    expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(r.body.errors![0]!.extensions!.limit).toBe('upstreamCalls');
    expect(r.body.errors![0]!.message).toMatch(/may make up to 101 calls to Jiguang \(Query\.growthUser: 101\)/);
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('10,100 values are priced as 101 calls, 10,000 as 100', () => {
    expect(estimate(`{ ${phones(10_100).join(' ')} }`, 3).calls).toBe(101);
    expect(estimate(`{ ${phones(10_000).join(' ')} }`, 3).calls).toBe(100);
  });
});

describe('statistics', () => {
  const ranges = [
    ['2026-10-01', '2026-10-10'],
    ['2026-10-05', '2026-10-20'],
    ['2026-10-15', '2026-10-31'],
  ];
  const stats = (rs: string[][]) => rs.map(([from, to], i) => `s${i}: stats(from: "${from}", to: "${to}") { totals { clicks } }`).join(' ');

  it('20 links × 3 overlapping ranges are 21 calls (a page and one covering range a link), accepted under a budget of 25', async () => {
    const tight = await startHarness({ env: { GATEWAY_MAX_UPSTREAM_CALLS: '25' } });
    try {
      const appKey = tight.emulator.apps[0]!.appKey;
      const query = `{ app(appKey: "${appKey}") { shortLinks(first: 20) { nodes { key ${stats(ranges)} } } } }`;
      const m = estimate(query, tight.emulator.apps.length);
      expect(m.calls).toBe(21); // was 1 + 20 × 3 = 61, refused
      expect(Object.fromEntries(m.callsBy)).toEqual({ 'App.shortLinks': 1, 'ShortLink.stats': 20 });
      const r = await tight.gql(query);
      expect(r.body.errors).toBeUndefined();
      expect(tight.emulator.countCalls({ service: 'jmlink', pathPattern: '/stat$' })).toBe(20);
      expect(tight.emulator.countCalls()).toBe(21);
    } finally {
      await tight.close();
    }
  });

  it('ranges too far apart for one call, or of another platform, are calls of their own', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    const far = `far: stats(from: "2025-01-01", to: "2025-01-31") { totals { clicks } }`;
    const ios = `ios: stats(from: "2026-10-01", to: "2026-10-10", platform: IOS) { totals { clicks } }`;
    const query = `{ app(appKey: "${appKey}") { shortLinks(first: 5) { nodes { ${stats(ranges)} ...Far } } } } fragment Far on ShortLink { ${far} ${ios} }`;
    const m = await run(query);
    expect(m.calls).toBe(1 + 5 * 3);
    expect(h.emulator.countCalls()).toBe(16);
  });

  it('a list multiplies: every app × its links', () => {
    const m = estimate(`{ apps { shortLinks(first: 10) { nodes { ${stats(ranges)} } } } }`, 3);
    expect(m.calls).toBe(3 * (1 + 10));
  });
});

describe('JPortrait', () => {
  it('is one call per subject per app, wherever the fields sit; `apps` multiplies', async () => {
    const subject = (value: string) => `subject: { idType: OAID, value: "${value}" }`;
    const query = `{ apps { appKey a: portraitTags(${subject('oaid-1')}) { found } b: portraitTags(${subject(' oaid-1 ')}, tags: ["t1"]) { found } ...P } }
      fragment P on App { c: portraitTags(${subject('oaid-2')}, tags: ["t2"]) { found } d: portraitTags(${subject('oaid-2')}) { found } }`;
    const m = await run(query);
    expect(m.calls).toBe(3 * 2);
    expect(h.emulator.countCalls({ service: 'portrait' })).toBe(6);
    // The token limited to one app: 2.
    h.emulator.resetCalls();
    const scoped = await run(query, { authorization: `Bearer ${h.tokens.scoped}` }, 1);
    expect(scoped.calls).toBe(2);
    expect(h.emulator.countCalls({ service: 'portrait' })).toBe(2);
  });
});

describe('link pages', () => {
  it('identical pages are one call: two equal windows and key lookups that read the same page of an app', async () => {
    const appKey = h.emulator.apps[1]!.appKey; // 120 links: the key walk reads one page
    const listed = await h.gql<{ app: { shortLinks: { nodes: { key: string }[] } } }>(`{ app(appKey: "${appKey}") { shortLinks(first: 3) { nodes { key } } } }`);
    const keys = listed.body.data!.app.shortLinks.nodes.map((n) => n.key);
    h.emulator.resetCalls();
    const lookups = keys.map((k, i) => `k${i}: shortLink(key: "${k}") { key }`).join(' ');
    const query = `{ app(appKey: "${appKey}") { a: shortLinks(first: 500) { totalCount } b: shortLinks(first: 500) { totalCount } ${lookups} } }`;
    const m = await run(query);
    expect(m.calls).toBe(1);
    expect(h.emulator.countCalls()).toBe(1);
  });

  it('a window after a cursor that fits no single page reads two', () => {
    const cursorAt = (position: number) => Buffer.from(`link:${position}`).toString('base64url');
    // Links 1..500 cross a boundary of every page size; 490..509 fit page 19 of 27.
    expect(estimate(`{ apps { shortLinks(first: 500, after: "${cursorAt(0)}") { totalCount } } }`, 3).calls).toBe(3 * 2);
    expect(estimate(`{ apps { shortLinks(first: 20, after: "${cursorAt(489)}") { totalCount } } }`, 3).calls).toBe(3);
  });
});
