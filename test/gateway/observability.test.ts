// What operators get: one access line per request with the fields that matter, upstream calls at
// debug with their cause, and /metrics with process, HTTP, GraphQL-operation, upstream, cache and
// quota series — protected by a token of its own or a separate address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../../src/auth/callers.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const metricsToken = newToken();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ cache: true, env: { GATEWAY_METRICS_TOKEN_SHA256: hashToken(metricsToken) } });
});
afterAll(() => h.close());

const scrape = (authorization?: string) => fetch(`${h.gateway.url}/metrics`, { headers: authorization ? { authorization } : {} });

describe('the access log', () => {
  it('one info line per request: request id, caller, operation, status, duration, upstream calls, cache hits', async () => {
    const appKey = h.emulator.apps[1]!.appKey;
    const query = `query Links { app(appKey: "${appKey}") { shortLinks(first: 4) { totalCount } } }`;
    await h.gql(query);
    const second = await h.gql(query);
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ level: 'info', caller: 'test-reader', operationName: 'Links', status: 200, outcome: 'ok', upstreamCalls: 0, cacheHits: 1, quotaWaitMs: 0 });
    expect(last.requestId).toBe(second.headers['x-request-id']);
    expect(typeof last.ms).toBe('number');
    expect(lines.at(-2)).toMatchObject({ upstreamCalls: 1, cacheHits: 0 });
    // Upstream calls are debug lines, never info.
    expect(h.logs.some((l) => l.includes('"msg":"upstream call"') && l.includes('"level":"debug"'))).toBe(true);
    expect(h.logs.some((l) => l.includes('"msg":"upstream call"') && l.includes('"level":"info"'))).toBe(false);
  });

  it('a failed connection says why (refused)', async () => {
    const down = await startHarness({ env: { JIGUANG_PORTRAIT_URL: 'http://127.0.0.1:9' } });
    try {
      await down.gql(`{ app(appKey: "${down.emulator.apps[0]!.appKey}") { portraitTags(subject: { idType: OAID, value: "x" }) { found } } }`);
      const failure = down.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'upstream call failed')!;
      expect(failure).toMatchObject({ level: 'warn', endpoint: 'portrait.tags', code: 'UPSTREAM_UNAVAILABLE', cause: 'refused' });
    } finally {
      await down.close();
    }
  });
});

describe('/metrics', () => {
  it('is refused without a token, to a reader, and to an admin limited to some apps', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape(`Bearer ${h.tokens.reader}`)).status).toBe(401);
    expect((await scrape(`Bearer ${h.tokens.scopedAdmin}`)).status).toBe(401);
    expect((await scrape('Bearer not-the-metrics-token-at-all')).status).toBe(401);
  });

  it('after a query: operation, upstream (decoded outcome), cache, HTTP and process series', async () => {
    h.emulator.injectFault({ service: 'portrait', kind: 'business', code: '2002', times: 1 });
    await h.gql(`query Tags { app(appKey: "${h.emulator.apps[0]!.appKey}") { portraitTags(subject: { idType: OAID, value: "m-1" }) { found } } }`);
    for (const authorization of [`Bearer ${metricsToken}`, `Bearer ${h.tokens.admin}`]) {
      const res = await scrape(authorization);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toMatch(/gateway_graphql_operations_total\{operation="Links",type="query",outcome="ok"\} 2/);
      expect(text).toMatch(/gateway_graphql_operations_total\{operation="Tags",type="query",outcome="partial"\} 1/);
      expect(text).toMatch(/gateway_graphql_operation_duration_seconds_bucket\{le="[^"]+",operation="Links",type="query"\} \d/);
      // A business error sent with HTTP 200 (JPortrait 2002) counts as an error, not as ok.
      expect(text).toMatch(/jiguang_upstream_requests_total\{service="portrait",endpoint="portrait.tags",outcome="UPSTREAM_ERROR"\} 1/);
      expect(text).toMatch(/jiguang_upstream_requests_total\{service="jmlink",endpoint="jmlink.links",outcome="ok"\} 1/);
      expect(text).toMatch(/gateway_cache_events_total\{endpoint="jmlink.links",event="hit"\} 1/);
      expect(text).toMatch(/gateway_http_requests_total\{route="\/graphql",method="POST",status="200"\} \d+/);
      expect(text).toMatch(/gateway_quota_slots_left\{bucket="jmlink.links",owner="[0-9a-f]+"\} \d+/);
      expect(text).toMatch(/process_cpu_seconds_total \d/);
      expect(text).toMatch(/nodejs_eventloop_lag_seconds \d/);
    }
  });

  it('on a separate address, and then not on the gateway port', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const separate = await startHarness({ env: { GATEWAY_METRICS_ADDRESS: `127.0.0.1:${port}` } });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/process_cpu_seconds_total/);
      expect((await fetch(`${separate.gateway.url}/metrics`, { headers: { authorization: `Bearer ${separate.tokens.admin}` } })).status).toBe(404);
    } finally {
      await separate.close();
    }
  });
});
