// Document limits that run in linear time and an upstream-call budget: the bombs that froze the
// server or spent an app's quota from one request are refused before anything runs, quickly, with a
// GRAPHQL_VALIDATION_FAILED naming the limit; and the run-time counter holds whatever an estimate missed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codes, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

/** A query answered 400 GRAPHQL_VALIDATION_FAILED naming `limit`, within `ms`, with no upstream call. */
async function refusedQuickly(query: string, limit: string, ms = 500) {
  const started = performance.now();
  const r = await h.gql(query);
  const took = performance.now() - started;
  expect(r.status).toBe(400);
  expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  expect(r.body.errors![0]!.extensions!.limit).toBe(limit);
  expect(took).toBeLessThan(ms);
  expect(h.emulator.countCalls()).toBe(0);
  return r;
}

describe('document bombs', () => {
  it('the fragment-doubling bomb (918 bytes, 2^22 spreads) is refused in milliseconds, /health unaffected', async () => {
    const fragments = Array.from({ length: 22 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
    const query = `query { ...F0 } ${fragments} fragment F22 on Query { __typename }`;
    const pending = h.gql(query);
    const started = performance.now();
    const health = await fetch(`${h.gateway.url}/health`);
    expect(health.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(500);
    const r = await pending;
    expect(r.status).toBe(400);
    expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(['cost', 'aliases', 'depth', 'upstreamCalls']).toContain(r.body.errors![0]!.extensions!.limit);
  });

  it('5,000 chained fragments answer 400, not 500', async () => {
    const chain = Array.from({ length: 5_000 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} }`).join(' ');
    await refusedQuickly(`query { ...F0 } ${chain} fragment F5000 on Query { __typename }`, 'tokens');
  });

  it('4,000 aliased introspections are refused', async () => {
    const field = (i: number) => `s${i}: __schema { types { fields { name type { name } } } }`;
    await refusedQuickly(`{ ${Array.from({ length: 4_000 }, (_, i) => field(i)).join(' ')} }`, 'tokens');
    // Under the token limit, the alias limit holds; introspection counts like any other field.
    await refusedQuickly(`{ ${Array.from({ length: 40 }, (_, i) => field(i)).join(' ')} }`, 'aliases');
  });

  it('introspection counts in the cost: a few aliased full introspections are over it', async () => {
    const full =
      'types { name kind fields(includeDeprecated: true) { name args { name type { name kind ofType { name kind ofType { name } } } } type { name kind ofType { name kind ofType { name kind } } } } }';
    const ok = await h.gql(`{ __schema { ${full} } }`);
    expect(ok.body.errors).toBeUndefined();
    await refusedQuickly(`{ ${Array.from({ length: 20 }, (_, i) => `s${i}: __schema { ${full} }`).join(' ')} }`, 'cost');
  });

  it('3,000 aliased portraitTags fields make no upstream call', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    const fields = Array.from({ length: 3_000 }, (_, i) => `t${i}: portraitTags(subject: { idType: OAID, value: "oaid-${i}" }) { found }`).join(' ');
    await refusedQuickly(`{ app(appKey: "${appKey}") { ${fields} } }`, 'tokens');
    const few = Array.from({ length: 25 }, (_, i) => `t${i}: portraitTags(subject: { idType: OAID, value: "oaid-${i}" }) { found }`).join(' ');
    const r = await h.gql(`{ app(appKey: "${appKey}") { ${few} } }`);
    expect(r.body.errors).toBeUndefined();
    expect(h.emulator.countCalls({ service: 'portrait' })).toBe(25);
  });
});

describe('the upstream-call budget', () => {
  it('refuses every app × 500 links × statistics before any call, saying what to ask for instead', async () => {
    const r = await refusedQuickly('{ apps { shortLinks(first: 500) { nodes { stats(from: "2026-10-01", to: "2026-10-31") { totals { clicks } } } } } }', 'upstreamCalls');
    expect(r.body.errors![0]!.message).toMatch(/may make up to 1503 calls to Jiguang \(ShortLink\.stats: 1500/);
    expect(r.body.errors![0]!.message).toMatch(/at most 100/);
    expect(r.body.errors![0]!.message).toMatch(/fewer links/);
  });

  it("reads a variable left out as its operation's default, as execution will", async () => {
    await refusedQuickly(
      'query Q($n: Int = 500) { apps { shortLinks(first: $n) { nodes { stats(from: "2026-10-01", to: "2026-10-31") { totals { clicks } } } } } }',
      'upstreamCalls',
    );
  });

  it('counts aliases, and `apps` as the apps the caller may see', async () => {
    // Two platforms: ranges that cannot share a call (overlapping ranges of one platform would be one, src/jmlink/loaders.ts).
    const stats = (n: number) =>
      Array.from({ length: n }, (_, i) => `s${i}: stats(from: "2026-10-0${(i % 9) + 1}", to: "2026-10-10", platform: ${i % 2 ? 'IOS' : 'ANDROID'}) { totals { clicks } }`).join(
        ' ',
      );
    // 3 apps × (a page + 20 links × 2 statistics fields) = 123 > 100; the scoped token sees one app: 41.
    const query = `{ apps { shortLinks(first: 20) { nodes { ${stats(2)} } } } }`;
    await refusedQuickly(query, 'upstreamCalls');
    const scoped = await h.gql(query, undefined, { authorization: `Bearer ${h.tokens.scoped}` });
    expect(scoped.body.errors).toBeUndefined();
  });

  it('enforces the same budget at run time, whatever the estimate missed', async () => {
    // A key lookup is estimated at one call, but an unknown key walks every page (600 links: 2 pages).
    const tight = await startHarness({ env: { GATEWAY_MAX_UPSTREAM_CALLS: '1' } });
    try {
      const appKey = tight.emulator.apps[0]!.appKey;
      const r = await tight.gql(`{ app(appKey: "${appKey}") { shortLink(key: "zzzz") { key } } }`);
      expect(codes(r)).toEqual(['UPSTREAM_BUDGET_EXCEEDED']);
      expect(r.body.errors![0]!.path).toEqual(['app', 'shortLink']);
      expect(tight.emulator.countCalls({ service: 'jmlink' })).toBe(1);
    } finally {
      await tight.close();
    }
  });
});
