// OpenTelemetry spans, collected by an in-memory exporter: one server span per GraphQL request (the
// caller's W3C trace continued) and one client span per call to Jiguang under it, with the service,
// endpoint, HTTP status, business code and cache outcome; and the trace id in the access log line.
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTracing, type Tracing, tracingWanted } from '../../src/observability/tracing.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let h: Harness;
beforeAll(async () => {
  tracing = (await startTracing({}, exporter))!;
  h = await startHarness({ cache: true });
});
afterAll(async () => {
  await h.close();
  await tracing.shutdown();
});
beforeEach(() => exporter.reset());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('spans', () => {
  it('a query: a server span, and a client span per upstream call under it', async () => {
    const appKey = h.emulator.apps[1]!.appKey;
    const r = await h.gql(
      `query Overview { app(appKey: "${appKey}") { shortLinks(first: 2) { nodes { stats(from: "2026-10-01", to: "2026-10-03") { totals { clicks } } } } portraitTags(subject: { idType: OAID, value: "oaid-1" }) { found } } }`,
      undefined,
      { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
    );
    expect(r.body.errors).toBeUndefined();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'graphql query Overview')!;
    expect(server).toBeDefined();
    expect(server.spanContext().traceId).toBe(TRACE_ID);
    expect(server.attributes).toMatchObject({ 'graphql.operation.name': 'Overview', 'gateway.outcome': 'ok', 'gateway.upstream_calls': 4, 'http.response.status_code': 200 });
    const calls = spans.filter((s) => s.name.startsWith('jiguang ') && s.attributes['jiguang.cache'] === 'miss');
    expect(calls.map((s) => s.attributes['jiguang.endpoint']).sort()).toEqual(['jmlink.links', 'jmlink.stats', 'jmlink.stats', 'portrait.tags']);
    for (const call of calls) {
      expect(call.spanContext().traceId).toBe(TRACE_ID);
      expect(call.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
      expect(call.attributes).toMatchObject({ 'http.response.status_code': 200, 'jiguang.outcome': 'ok' });
    }
    expect(calls.find((s) => s.attributes['jiguang.endpoint'] === 'portrait.tags')!.attributes['jiguang.business_code']).toBe('2000');
    const line = h.logs.filter((l) => l.includes('"msg":"request"')).at(-1)!;
    expect(JSON.parse(line)).toMatchObject({ traceId: TRACE_ID, operationName: 'Overview', upstreamCalls: 4 });
  });

  it('a cache hit is a span too, without a call', async () => {
    const appKey = h.emulator.apps[1]!.appKey;
    await h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 3) { totalCount } } }`);
    exporter.reset();
    await h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 3) { totalCount } } }`);
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'jiguang jmlink.links');
    expect(spans.map((s) => s.attributes['jiguang.cache'])).toEqual(['hit']);
  });

  it('a business error marks the call span with its code', async () => {
    await h.resetTraffic();
    h.emulator.injectFault({ service: 'portrait', kind: 'business', code: '4000', times: 1 });
    await h.gql(`{ app(appKey: "${h.emulator.apps[0]!.appKey}") { portraitTags(subject: { idType: OAID, value: "oaid-9" }) { found } } }`);
    const call = exporter.getFinishedSpans().find((s) => s.name === 'jiguang portrait.tags')!;
    expect(call.attributes).toMatchObject({ 'jiguang.business_code': '4000', 'jiguang.outcome': 'BAD_USER_INPUT', 'http.response.status_code': 400 });
    expect(call.status.code).toBe(2);
  });
});

describe('turned on by the standard variables only', () => {
  it('reads OTEL_* as the specification names them', () => {
    expect(tracingWanted({})).toBeNull();
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('otlp');
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'console' })).toBe('console');
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBeNull();
    expect(tracingWanted({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBeNull();
  });
});
