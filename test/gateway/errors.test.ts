// Every upstream failure becomes a GraphQL error with a documented extensions.code and a
// diagnosis in extensions.jiguang; a failing field fails only its own subtree.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App, PortraitTag, PortraitTags, ShortLinkConnection } from '../../src/generated/graphql.js';
import { codes, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
let appKey: string;
beforeAll(async () => {
  h = await startHarness({ env: { UPSTREAM_TIMEOUT_MS: '400' } });
  appKey = h.emulator.apps[0]!.appKey;
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.resetTraffic();
  h.emulator.clearFaults();
  h.emulator.resetCalls();
});

const LINKS = `query($appKey: ID!) { app(appKey: $appKey) { shortLinks(first: 1) { totalCount } } }`;
const TAGS = `query($appKey: ID!) { app(appKey: $appKey) { portraitTags(subject: { idType: IMEI, value: "861234567890123" }) { found tags { code } } } }`;
/** What LINKS and TAGS answer: the field a failure hits is null. */
type Links = { app: { shortLinks: Pick<ShortLinkConnection, 'totalCount'> | null } };
type Tags = { app: { portraitTags: (Pick<PortraitTags, 'found' | 'score'> & { tags: Pick<PortraitTag, 'code'>[] }) | null } };

// The documented table (shared/jiguang-api.md §3) and the code each must become.
const JMLINK: [number, number, string][] = [
  [3001, 400, 'UPSTREAM_AUTH_FAILED'],
  [3002, 401, 'UPSTREAM_AUTH_FAILED'],
  [3003, 400, 'UPSTREAM_ERROR'],
  [3004, 403, 'UPSTREAM_ERROR'],
  [3005, 400, 'BAD_USER_INPUT'],
  [3006, 403, 'RATE_LIMITED'],
  [3007, 404, 'NOT_FOUND'],
  [3008, 405, 'UPSTREAM_ERROR'],
  [3009, 405, 'UPSTREAM_ACCESS_DENIED'],
  [3010, 405, 'UPSTREAM_ACCESS_DENIED'],
  [3011, 500, 'UPSTREAM_UNAVAILABLE'],
];

describe('JMLink business codes', () => {
  it.each(JMLINK)('code %i (HTTP %i) → %s', async (code, status, expected) => {
    h.emulator.injectFault({ service: 'jmlink', kind: 'business', code });
    const r = await h.gql<Links>(LINKS, { appKey });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ app: { shortLinks: null } });
    expect(codes(r)).toEqual([expected]);
    const jiguang = r.body.errors![0]!.extensions!.jiguang;
    expect(jiguang).toMatchObject({ service: 'jmlink', businessCode: code, httpStatus: status });
    expect(typeof jiguang!.upstreamMessage).toBe('string');
    expect(jiguang!.requestId).toBe(r.headers['x-request-id']);
    expect(r.body.errors![0]!.message).toMatch(/^JMLink /);
  });

  it("stops at Jiguang's real per-minute limit: RATE_LIMITED without sending a call it knows is refused", async () => {
    const limited = await startHarness({ emulator: { rateLimits: { jmlinkLinksPerMinute: 2 } }, env: { GATEWAY_QUOTA_MAX_WAIT_MS: '0' } });
    try {
      const key = limited.emulator.apps[0]!.appKey;
      for (let i = 0; i < 2; i++) expect((await limited.gql(LINKS, { appKey: key })).body.errors).toBeUndefined();
      // The second answer said X-Rate-Limit-Remaining: 0: the bucket waits for the window Jiguang named.
      const r = await limited.gql(LINKS, { appKey: key });
      expect(codes(r)).toEqual(['RATE_LIMITED']);
      expect(r.body.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
      expect(limited.emulator.countCalls({ service: 'jmlink' })).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('maps a wrong master secret to UPSTREAM_AUTH_FAILED', async () => {
    await h.registry.upsert({ ...(await h.registry.get(appKey))!, appKey: 'ffffffffffffffffffffffff', name: 'Stranger' }, 'not-the-secret');
    const r = await h.gql(LINKS, { appKey: 'ffffffffffffffffffffffff' });
    expect(codes(r)).toEqual(['UPSTREAM_AUTH_FAILED']);
    expect(r.body.errors![0]!.extensions!.jiguang).toMatchObject({ businessCode: 3002, httpStatus: 401 });
    await h.registry.remove('ffffffffffffffffffffffff');
  });
});

describe('JPortrait business codes', () => {
  it.each([
    ['2002', 200, 'UPSTREAM_ERROR'],
    ['4000', 400, 'BAD_USER_INPUT'],
    ['5000', 500, 'UPSTREAM_UNAVAILABLE'],
    ['6002', 401, 'UPSTREAM_AUTH_FAILED'],
  ])('code %s (HTTP %i) → %s', async (code, status, expected) => {
    h.emulator.injectFault({ service: 'portrait', kind: 'business', code });
    const r = await h.gql(TAGS, { appKey });
    expect(codes(r)).toEqual([expected]);
    expect(r.body.errors![0]!.extensions!.jiguang).toMatchObject({ service: 'portrait', businessCode: code, httpStatus: status });
  });

  it('2001 "data not found" is an empty answer, not an error', async () => {
    h.emulator.injectFault({ service: 'portrait', kind: 'business', code: '2001' });
    const r = await h.gql<Tags>(TAGS, { appKey });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.app.portraitTags).toEqual({ found: false, tags: [] });
  });

  it('a subject Jiguang does not know is an empty answer too', async () => {
    const r = await h.gql<Tags>(
      `query($appKey: ID!) { app(appKey: $appKey) { portraitTags(subject: { idType: OAID, value: "unknown-device" }) { found tags { code } score(code: "HADI_SHOPPING_MALL") } } }`,
      { appKey },
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.app.portraitTags).toEqual({ found: false, tags: [], score: null });
  });
});

describe('transport failures', () => {
  it('a timeout is UPSTREAM_TIMEOUT', async () => {
    h.emulator.injectFault({ service: 'jmlink', kind: 'timeout' });
    const started = Date.now();
    const r = await h.gql(LINKS, { appKey });
    expect(codes(r)).toEqual(['UPSTREAM_TIMEOUT']);
    expect(r.body.errors![0]!.extensions!.jiguang).toMatchObject({ service: 'jmlink', httpStatus: null, businessCode: null });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a connection reset is UPSTREAM_UNAVAILABLE after one retry of the idempotent read', async () => {
    h.emulator.injectFault({ service: 'jmlink', kind: 'reset' });
    const r = await h.gql(LINKS, { appKey });
    expect(codes(r)).toEqual(['UPSTREAM_UNAVAILABLE']);
  });

  it('a single reset is retried transparently', async () => {
    h.emulator.injectFault({ service: 'jmlink', kind: 'reset', times: 1 });
    const r = await h.gql<Links>(LINKS, { appKey });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.app.shortLinks!.totalCount).toBeGreaterThan(0);
  });

  it('a malformed body is UPSTREAM_ERROR', async () => {
    h.emulator.injectFault({ service: 'jmlink', kind: 'malformed' });
    const r = await h.gql(LINKS, { appKey });
    expect(codes(r)).toEqual(['UPSTREAM_ERROR']);
    expect(r.body.errors![0]!.extensions!.jiguang!.httpStatus).toBe(200);
  });

  it('an empty 200 body is UPSTREAM_ERROR, not a crash', async () => {
    h.emulator.injectFault({ service: 'portrait', kind: 'empty' });
    const r = await h.gql(TAGS, { appKey });
    expect(codes(r)).toEqual(['UPSTREAM_ERROR']);
  });

  it.each([
    [502, 'UPSTREAM_UNAVAILABLE'],
    [429, 'RATE_LIMITED'],
    [403, 'UPSTREAM_ACCESS_DENIED'],
  ])('a bare HTTP %i with a non-JSON body → %s', async (status, expected) => {
    h.emulator.injectFault({ service: 'jmlink', kind: 'status', status });
    const r = await h.gql(LINKS, { appKey });
    expect(codes(r)).toEqual([expected]);
    expect(r.body.errors![0]!.extensions!.jiguang).toMatchObject({ httpStatus: status, businessCode: null });
    expect(r.text).not.toMatch(/<html|127\.0\.0\.1|http:\/\//i);
  });

  it('an unreachable Jiguang is UPSTREAM_UNAVAILABLE', async () => {
    const down = await startHarness({ env: { JIGUANG_JMLINK_URL: 'http://127.0.0.1:9' } });
    try {
      const r = await down.gql(LINKS, { appKey: down.emulator.apps[0]!.appKey });
      expect(codes(r)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(r.text).not.toContain('127.0.0.1');
    } finally {
      await down.close();
    }
  });
});

describe('partial data', () => {
  it('a failing field fails only its own subtree', async () => {
    h.emulator.injectFault({ service: 'portrait', kind: 'business', code: '5000' });
    const r = await h.gql<{ app: Pick<App, 'name'> & { shortLinks: Pick<ShortLinkConnection, 'totalCount'>; tags: Pick<PortraitTags, 'found'> | null } }>(
      `query($appKey: ID!) { app(appKey: $appKey) { name shortLinks(first: 2) { totalCount }
         tags: portraitTags(subject: { idType: IMEI, value: "861234567890123" }) { found } } }`,
      { appKey },
    );
    expect(r.status).toBe(200);
    expect(r.body.data!.app.name).toBeTruthy();
    expect(r.body.data!.app.shortLinks.totalCount).toBeGreaterThan(0);
    expect(r.body.data!.app.tags).toBeNull();
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0]!.path).toEqual(['app', 'tags']);
  });
});

describe('cancellation', () => {
  it('a caller that goes away ends its upstream calls', async () => {
    h.emulator.injectFault({ service: 'jmlink', kind: 'timeout' });
    const controller = new AbortController();
    const pending = h
      .fetch(h.gateway.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: LINKS, variables: { appKey } }),
        signal: controller.signal,
      })
      .catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    expect(await pending).toBe('aborted');
    await new Promise((r) => setTimeout(r, 100));
    expect(await (await fetch(`${h.gateway.url}/metrics`, { headers: { authorization: `Bearer ${h.tokens.admin}` } })).text()).toMatch(
      /jiguang_upstream_requests_total\{service="jmlink",endpoint="jmlink.links",outcome="REQUEST_CANCELLED"\} 1/,
    );
  });
});
