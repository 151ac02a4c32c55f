// Every answer tells what it cost (`extensions.cost`): the calls the document could make and made,
// cache hits, calls joined in flight, time in quota waits, and the token's upstream budget after it.
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Cost } from '../../client/index.js';
import type { CostExtension } from '../../src/plugins/cost-extension.js';
import { codes, type GraphQLResult, type Harness, startHarness } from '../helpers/harness.js';

const cost = (r: Pick<GraphQLResult, 'body'>): Cost => {
  const c = r.body.extensions?.cost;
  if (!c) throw new Error(`no extensions.cost in ${JSON.stringify(r.body).slice(0, 300)}`);
  return c;
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ cache: true });
});
afterAll(() => h.close());
afterEach(async () => {
  h.emulator.clearFaults();
  await h.resetTraffic();
  h.emulator.resetCalls();
});

const LINKS_WITH_STATS = (appKey: string, first: number) =>
  `query LinksWithStats { app(appKey: "${appKey}") { shortLinks(first: ${first}) { totalCount nodes { key stats(from: "2026-01-01", to: "2026-01-07") { totals { clicks } } } } } }`;

describe('extensions.cost', () => {
  it('the client and the server agree on its shape', () => {
    expectTypeOf<CostExtension>().toEqualTypeOf<Cost>();
  });

  it('a cold query shows its calls (no more than estimated) and spends them from the budget; the same query cached shows cache hits and no calls', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    const before = cost(await h.gql('{ apps { name } }'));
    expect(before).toMatchObject({ upstreamCalls: 0, cacheHits: 0, coalesced: 0, quotaWaitMs: 0, budget: { charged: 0, limit: 600, windowSeconds: 60 } });

    const cold = await h.gql(LINKS_WITH_STATS(appKey, 3));
    expect(cold.body.errors).toBeUndefined();
    const c = cost(cold);
    expect(c.upstreamCalls).toBe(h.emulator.countCalls());
    expect(c.upstreamCalls).toBeGreaterThanOrEqual(2); // the page, and the statistics of its links
    expect(c.cacheHits).toBe(0);
    expect(c.estimatedUpstreamCalls).toBeGreaterThanOrEqual(c.upstreamCalls);
    expect(c.budget!.charged).toBe(c.upstreamCalls);
    expect(c.budget!.remaining).toBe(before.budget!.remaining - c.upstreamCalls);
    expect(c.budget!.resetInSeconds).toBeGreaterThan(0);
    expect(c.budget!.resetInSeconds).toBeLessThanOrEqual(60);

    const warm = cost(await h.gql(LINKS_WITH_STATS(appKey, 3)));
    expect(warm).toMatchObject({ upstreamCalls: 0, coalesced: 0, quotaWaitMs: 0, budget: { charged: 0, remaining: c.budget!.remaining } });
    expect(warm.cacheHits).toBeGreaterThanOrEqual(2);
    expect(warm.estimatedUpstreamCalls).toBe(c.estimatedUpstreamCalls);
    expect(h.emulator.countCalls()).toBe(c.upstreamCalls);

    // The access log has the same counts, and the quota wait.
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request' && l.operationName === 'LinksWithStats');
    expect(lines.at(-2)).toMatchObject({ upstreamCalls: c.upstreamCalls, cacheHits: 0, quotaWaitMs: 0 });
    expect(lines.at(-1)).toMatchObject({ upstreamCalls: 0, cacheHits: warm.cacheHits, quotaWaitMs: 0 });
  });

  it('of two identical requests in flight together, one makes the call and the other shows it joined (coalesced), charged nothing', async () => {
    const appKey = h.emulator.apps[1]!.appKey;
    h.emulator.injectFault({ service: 'jmlink', pathPattern: '^/v1/links$', delayMs: 300, times: 1 });
    const query = `{ app(appKey: "${appKey}") { shortLinks(first: 5) { totalCount } } }`;
    const pair = await Promise.all([h.gql(query), h.gql(query)]);
    for (const r of pair) expect(r.body.errors).toBeUndefined();
    expect(h.emulator.countCalls({ service: 'jmlink', pathPattern: '^/v1/links$' })).toBe(1);
    const costs = pair.map(cost).sort((a, b) => b.upstreamCalls - a.upstreamCalls);
    expect(costs[0]).toMatchObject({ upstreamCalls: 1, coalesced: 0, budget: { charged: 1 } });
    expect(costs[1]).toMatchObject({ upstreamCalls: 0, coalesced: 1, cacheHits: 0, budget: { charged: 0 } });
  });

  it('a wait for a quota slot shows as quotaWaitMs and is charged a point per whole second', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    // Jiguang says the links window is spent for 2 s: the next call waits for it.
    h.emulator.injectFault({ service: 'jmlink', pathPattern: '^/v1/links$', kind: 'business', code: 3006, resetSeconds: 2, times: 1 });
    const limited = await h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 6) { totalCount } } }`);
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
    expect(cost(limited)).toMatchObject({ upstreamCalls: 1, quotaWaitMs: 0, budget: { charged: 1 } });
    const waited = await h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 7) { totalCount } } }`);
    expect(waited.body.errors).toBeUndefined();
    const c = cost(waited);
    expect(c.upstreamCalls).toBe(1);
    expect(c.quotaWaitMs).toBeGreaterThan(1_000);
    expect(c.quotaWaitMs).toBeLessThan(2_500);
    expect(c.budget!.charged).toBe(1 + Math.floor(c.quotaWaitMs / 1000));
    expect(c.budget!.remaining).toBe(cost(limited).budget!.remaining - c.budget!.charged);
    const line = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).findLast((l) => l.msg === 'request');
    expect(line).toMatchObject({ upstreamCalls: 1, quotaWaitMs: c.quotaWaitMs });
  });

  it('is on answers refused before execution that know the token, with no estimate; a 401 has none', async () => {
    const invalid = await h.gql('{ nope }');
    expect(invalid.status).toBe(400);
    expect(cost(invalid)).toMatchObject({ estimatedUpstreamCalls: null, upstreamCalls: 0, budget: { charged: 0, limit: 600 } });
    const anonymous = await h.fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: JSON.stringify({ query: '{ apps { name } }' }),
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as GraphQLResult['body']).extensions).toBeUndefined();
  });
});
