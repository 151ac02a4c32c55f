// Fairness between callers by what a request costs: a token's budget counts the calls its requests
// start and the seconds they wait for quota slots, never answers from the cache or calls joined in
// flight; the plain request rate only guards against floods. Real server and emulator.
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type GraphQLResult, type Harness, startHarness } from '../helpers/harness.js';

const cost = (r: Pick<GraphQLResult, 'body'>) => r.body.extensions!.cost!;

describe('with the defaults', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ cache: true });
  });
  afterAll(() => h.close());

  it('one token loading one cached page over 50 connections for 10 s is never refused', { timeout: 60_000 }, async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    const query = JSON.stringify({ query: `{ app(appKey: "${appKey}") { name shortLinks(first: 20) { totalCount nodes { key name } } } }` });
    const first = await h.gql(`{ app(appKey: "${appKey}") { name shortLinks(first: 20) { totalCount nodes { key name } } } }`);
    expect(first.body.errors).toBeUndefined();
    const callsBefore = h.emulator.countCalls();
    const origin = new URL(h.gateway.url).origin;
    const pool = new Pool(origin, { connections: 50, pipelining: 1 });
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const until = Date.now() + 10_000;
    try {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (Date.now() < until) {
            try {
              const res = await pool.request({
                method: 'POST',
                path: '/graphql',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${h.tokens.reader}` },
                body: query,
              });
              const text = await res.body.text();
              statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
              if (res.statusCode === 200 && text.includes('"errors"') && failures.length < 5) failures.push(text.slice(0, 300));
            } catch (error) {
              if (failures.length < 5) failures.push(String(error));
            }
          }
        }),
      );
    } finally {
      await pool.close();
    }
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    console.info(`50 connections, 10 s, one cached page: ${total} answers, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(failures).toEqual([]);
    expect(statuses.get(429) ?? 0).toBe(0);
    expect(statuses.get(200)).toBe(total);
    expect(total).toBeGreaterThan(1_000);
    // Every answer came from the cache: Jiguang was not asked again.
    expect(h.emulator.countCalls()).toBe(callsBefore);
  });
});

describe('the upstream budget', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ cache: true, env: { GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE: '3' } });
  });
  afterAll(() => h.close());

  it('counts calls, not cached answers: a token over its share gets RATE_LIMITED fields, then HTTP 429 with Retry-After; others are served', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    const page = (n: number) => `{ app(appKey: "${appKey}") { shortLinks(first: ${n}) { totalCount } } }`;
    // One call, then the same page many times from the cache: the budget does not move.
    const cold = await h.gql(page(1));
    expect(cold.body.errors).toBeUndefined();
    expect(cost(cold).budget).toMatchObject({ charged: 1, remaining: 2, limit: 3 });
    const cached = await Promise.all(Array.from({ length: 100 }, () => h.gql(page(1))));
    expect(cached.map((r) => r.status)).toEqual(cached.map(() => 200));
    expect(cost(cached[99]!)).toMatchObject({ upstreamCalls: 0, cacheHits: 1, budget: { charged: 0, remaining: 2 } });
    expect(h.emulator.countCalls()).toBe(1);

    // Three more pages need three calls; the budget has two: the third field is refused.
    const over = await h.gql(
      `{ app(appKey: "${appKey}") { a: shortLinks(first: 2) { totalCount } b: shortLinks(first: 3) { totalCount } c: shortLinks(first: 4) { totalCount } } }`,
    );
    expect(over.status).toBe(200);
    expect(codes(over)).toEqual(['RATE_LIMITED']);
    expect(over.body.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(h.emulator.countCalls()).toBe(3);
    expect(cost(over)).toMatchObject({ upstreamCalls: 2, budget: { charged: 2, remaining: 0 } });

    // Spent: the next request of the token, even a cached one, is refused at admission.
    const refused = await h.gql(page(1));
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.body.errors![0]!.extensions!.retryAfterSeconds).toBe(retryAfter);
    expect(cost(refused)).toMatchObject({ estimatedUpstreamCalls: null, upstreamCalls: 0, budget: { remaining: 0, limit: 3, windowSeconds: 60 } });
    expect(cost(refused).budget!.resetInSeconds).toBeGreaterThanOrEqual(retryAfter - 1);
    expect(cost(refused).budget!.resetInSeconds).toBeLessThanOrEqual(retryAfter);

    // Another token has its own budget.
    const other = await h.gql(page(1), undefined, { authorization: `Bearer ${h.tokens.admin}` });
    expect(other.status).toBe(200);
    expect(cost(other).budget).toMatchObject({ remaining: 3 });
  });
});

describe('the flood guard', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ cache: true, env: { GATEWAY_TOKEN_REQUESTS_PER_SECOND: '3' } });
  });
  afterAll(() => h.close());

  it('a token over its requests a second gets HTTP 429 with Retry-After: 1, and is served again a second later', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.gql('{ apps { name } }')));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429]);
    const refused = answers.find((r) => r.status === 429)!;
    expect(refused.headers['retry-after']).toBe('1');
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.body.errors![0]!.extensions!.retryAfterSeconds).toBe(1);
    // The refusal tells the budget too: the flood guard spent nothing of it.
    expect(cost(refused).budget).toMatchObject({ remaining: h.config.fairness.upstreamCallsPerMinute });
    expect((await h.gql('{ apps { name } }', undefined, { authorization: `Bearer ${h.tokens.admin}` })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await h.gql('{ apps { name } }')).status).toBe(200);
  });
});
