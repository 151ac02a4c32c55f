// Bad input gets BAD_USER_INPUT or NOT_FOUND with a sentence a person understands, and no upstream call.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ShortLink } from '../../src/generated/graphql.js';
import { codes, type GraphQLBody, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
let appKey: string;
let linkKey: string;
beforeAll(async () => {
  h = await startHarness();
  appKey = h.emulator.apps[0]!.appKey;
  const r = await h.gql<{ app: { shortLinks: { nodes: Pick<ShortLink, 'key'>[] } } }>(`query($appKey: ID!) { app(appKey: $appKey) { shortLinks(first: 1) { nodes { key } } } }`, {
    appKey,
  });
  linkKey = r.body.data!.app.shortLinks.nodes[0]!.key;
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

const STATS = `query($appKey: ID!, $key: String!, $from: LocalDate!, $to: LocalDate!) { app(appKey: $appKey) { shortLink(key: $key) { stats(from: $from, to: $to) { totals { clicks } } } } }`;

describe('input checked before any upstream call', () => {
  it.each([
    ['a wrong date format in a variable', STATS, { from: '2024/01/01', to: '2024-01-02' }, 'BAD_USER_INPUT', /LocalDate/],
    ['an impossible date', STATS, { from: '2024-02-30', to: '2024-03-02' }, 'BAD_USER_INPUT', /LocalDate/],
  ])('%s', async (_name, query, vars, code, message) => {
    const r = await h.gql(query, { appKey, key: linkKey, ...vars });
    expect(r.status).toBe(400);
    expect(codes(r)).toEqual([code]);
    expect(r.body.errors![0]!.message).toMatch(message);
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('a wrong date format written in the query is BAD_USER_INPUT too', async () => {
    const r = await h.gql(`{ app(appKey: "${appKey}") { shortLink(key: "${linkKey}") { stats(from: "2024-13-01", to: "2024-12-31") { days { day } } } } }`);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('`to` before `from` names both dates and calls no stats', async () => {
    const r = await h.gql(STATS, { appKey, key: linkKey, from: '2024-03-10', to: '2024-03-01' });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors![0]!.message).toBe('`to` (2024-03-01) is before `from` (2024-03-10).');
    expect(h.emulator.countCalls({ pathPattern: '/stat$' })).toBe(0);
  });

  it('a range over 366 days is refused', async () => {
    const r = await h.gql(STATS, { appKey, key: linkKey, from: '2023-01-01', to: '2024-12-31' });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors![0]!.message).toMatch(/at most 366 days/);
    expect(h.emulator.countCalls({ pathPattern: '/stat$' })).toBe(0);
  });

  it.each([0, -1, 501])('first: %i is out of range', async (first) => {
    const r = await h.gql(`query($appKey: ID!, $first: Int) { app(appKey: $appKey) { shortLinks(first: $first) { totalCount } } }`, { appKey, first });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors![0]!.message).toMatch(/between 1 and 500/);
    expect(r.body.errors![0]!.extensions!.argument).toBe('first');
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('a cursor the API did not issue is refused', async () => {
    const r = await h.gql(`query($appKey: ID!) { app(appKey: $appKey) { shortLinks(after: "bm9wZQ") { totalCount } } }`, { appKey });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('an unknown app is NOT_FOUND with no upstream call', async () => {
    const r = await h.gql(`{ app(appKey: "000000000000000000000000") { name shortLinks { totalCount } } }`);
    expect(codes(r)).toEqual(['NOT_FOUND']);
    expect(r.body.errors![0]!.message).toBe('No app with key "000000000000000000000000" is known to the gateway.');
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('an unknown link key is NOT_FOUND and its stats are never asked for', async () => {
    const r = await h.gql(STATS, { appKey, key: 'ZZZZ9', from: '2024-01-01', to: '2024-01-31' });
    expect(codes(r)).toEqual(['NOT_FOUND']);
    expect(r.body.errors![0]!.message).toMatch(/no short link with key "ZZZZ9"/);
    expect(h.emulator.countCalls({ pathPattern: '/stat$' })).toBe(0);
  });

  it('a malformed link key is BAD_USER_INPUT with no upstream call', async () => {
    const r = await h.gql(STATS, { appKey, key: '../admin', from: '2024-01-01', to: '2024-01-31' });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(h.emulator.countCalls()).toBe(0);
  });

  it.each([
    [{ idType: 'PHONE_MD5', value: 'not-a-hash' }, null, /32 lower-case hex/],
    [{ idType: 'IMEI', value: '' }, null, /1 to 128/],
    [{ idType: 'IMEI', value: '861234567890123' }, ['bad code!'], /not a tag code/],
    [{ idType: 'IMEI', value: '861234567890123' }, Array.from({ length: 101 }, (_, i) => `T${i}`), /At most 100/],
  ])('portrait subject %j with tags %j is refused', async (subject, tags, message) => {
    const r = await h.gql(`query($appKey: ID!, $s: PortraitSubjectInput!, $t: [String!]) { app(appKey: $appKey) { portraitTags(subject: $s, tags: $t) { found } } }`, {
      appKey,
      s: subject,
      t: tags,
    });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors![0]!.message).toMatch(message);
    expect(h.emulator.countCalls()).toBe(0);
  });
});

describe('input before quota, budget and stale data, on every field', () => {
  const LINKS_STATS = `query($appKey: ID!, $first: Int!, $from: LocalDate!, $to: LocalDate!) {
    app(appKey: $appKey) { shortLinks(first: $first) { nodes { key stats(from: $from, to: $to) { totals { clicks } } } } }
  }`;

  it('a stats range backwards under a paused JMLink bucket is BAD_USER_INPUT, not RATE_LIMITED', async () => {
    await h.gateway.upstream.deps.quota.pause('jmlink.links', appKey, Date.now() + 60_000);
    try {
      const r = await h.gql(LINKS_STATS, { appKey, first: 5, from: '2024-03-10', to: '2024-03-01' });
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.body.errors![0]!.message).toBe('`to` (2024-03-01) is before `from` (2024-03-10).');
      expect(r.body.errors![0]!.extensions!.argument).toBe('to');
      expect(r.body.data).toBeUndefined();
      // The same document with good input meets the pause.
      const paused = await h.gql(LINKS_STATS, { appKey, first: 5, from: '2024-03-01', to: '2024-03-10' }, { 'x-request-id': 'paused-1' });
      expect(codes(paused)).toEqual(['RATE_LIMITED']);
    } finally {
      await h.resetTraffic();
    }
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('bad input in a document over the upstream-call budget is BAD_USER_INPUT', async () => {
    const all = `query($first: Int!, $from: LocalDate!, $to: LocalDate!) { apps { shortLinks(first: $first) { nodes { stats(from: $from, to: $to) { totals { clicks } } } } } }`;
    const r = await h.gql(all, { first: 500, from: '2024-03-10', to: '2024-03-01' });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    const budget = await h.gql(all, { first: 500, from: '2024-03-01', to: '2024-03-10' });
    expect(budget.body.errors![0]!.extensions!.limit).toBe('upstreamCalls');
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('fields in fragments and under aliases are checked; a field @skip leaves out is not', async () => {
    const fragment = await h.gql(
      `query($appKey: ID!) { app(appKey: $appKey) { ...L } } fragment L on App { a: shortLinks(first: 1) { totalCount } b: shortLinks(first: 0) { totalCount } }`,
      { appKey },
    );
    expect(codes(fragment)).toEqual(['BAD_USER_INPUT']);
    expect(fragment.body.errors![0]!.extensions!.argument).toBe('first');
    const skipped = await h.gql(`query($appKey: ID!, $no: Boolean!) { app(appKey: $appKey) { shortLinks(first: 0) @skip(if: $no) { totalCount } name } }`, {
      appKey,
      no: true,
    });
    expect(skipped.body.errors).toBeUndefined();
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('a mutation’s input is checked before any call, for an admin', async () => {
    const admin = { authorization: `Bearer ${h.tokens.admin}` };
    const r = await h.gql('mutation { setGrowthUserAttributes(cuid: "42", attributes: [{ name: "a", value: {} }]) { cuid } }', undefined, admin);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors![0]!.extensions!.argument).toBe('attributes[0].value');
    expect(h.emulator.countCalls()).toBe(0);
  });
});

describe('limits on what one request may ask', () => {
  it('refuses a body over the size limit with 413', async () => {
    const r = await h.fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ apps { name } }`, padding: 'x'.repeat(1_100_000) }),
    });
    expect(r.status).toBe(413);
    expect(((await r.json()) as GraphQLBody).errors![0]!.extensions!.code).toBe('BAD_REQUEST');
  });

  it('refuses a body that is not JSON with 400', async () => {
    const r = await h.fetch(h.gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(r.status).toBe(400);
  });

  it('refuses a query deeper than the limit before running it, fragments included', async () => {
    const query = `query { apps { ...A } } fragment A on App { shortLinks(first: 1) { edges { node { stats(from: "2024-01-01", to: "2024-01-02") { days { day } } } } } }`;
    expect((await h.gql(query)).body.errors).toBeUndefined(); // 7 levels: within the default 15
    const strict = await startHarness({ env: { GATEWAY_MAX_DEPTH: '6' } });
    try {
      const r = await strict.gql(query);
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(r.body.errors![0]!.message).toMatch(/depth limit of 6 exceeded, found 7/);
      expect(r.body.errors![0]!.extensions!.limit).toBe('depth');
      expect(strict.emulator.countCalls()).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('refuses a query whose cost is over the limit, counting `first` as a multiplier', async () => {
    const links = (i: number, first: number) => `l${i}: shortLinks(first: ${first}) { nodes { id key url name channel domain shareTitle androidUri iosUri createdOn } }`;
    // 3 apps × 8 × 500 links × 11 fields is over 100000 (and only 24 upstream calls); first: 2 is fine.
    const ok = await h.gql(`{ apps { ${[0, 1, 2, 3, 4, 5].map((i) => links(i, 2)).join(' ')} } }`);
    expect(ok.body.errors).toBeUndefined();
    h.emulator.resetCalls();
    const r = await h.gql(`{ apps { ${[0, 1, 2, 3, 4, 5, 6, 7].map((i) => links(i, 500)).join(' ')} } }`);
    expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(r.body.errors![0]!.message).toMatch(/cost is \d+; at most 100000/);
    expect(r.body.errors![0]!.extensions!.limit).toBe('cost');
    expect(h.emulator.countCalls()).toBe(0);
  });
});
