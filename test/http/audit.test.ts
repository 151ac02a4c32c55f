// GraphQL over HTTP conformance: every server audit of the `graphql-http` package, run against the real
// gateway (emulator behind it, both on loopback). An audit ending in `error` fails its test; the
// audits ending in `warn` or `notice` must be exactly the ones listed in KEPT, each with its reason.
import { type AuditResult, serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/generated/graphql.js';
import { type GraphQLBody, type Harness, startHarness } from '../helpers/harness.js';

/** The non-ok audits we keep on purpose: id → the status graphql-http gives it. */
const KEPT: Record<string, 'warn' | 'notice'> = {
  // Apollo Server answers a document that fails to parse with HTTP 400 whatever the accept header, and
  // the README documents GRAPHQL_PARSE_FAILED as HTTP 400: a SHOULD for legacy application/json only.
  '572B': 'warn',
  // Same for a document that fails validation (the audit's document does not even parse): HTTP 400, documented.
  FDE2: 'warn',
  // Same for variables (Apollo validates first: the unused `$id` is GRAPHQL_VALIDATION_FAILED): HTTP 400, documented.
  '7B9B': 'warn',
  // GET without a preflight header is refused by Apollo's CSRF prevention, which we keep on purpose (a
  // browser can send such a GET cross-site). Clients send `apollo-require-preflight` or POST instead.
  '5A70': 'notice',
  // Same CSRF prevention: a GET with `variables` and no preflight header (application/graphql-response+json).
  D6D5: 'notice',
  // Same CSRF prevention: a GET with `variables` and no preflight header (application/json).
  '6A70': 'notice',
};

let h: Harness;
/** A response's JSON body as a GraphQL answer; `T` is the shape of `data` the test reads (the tests check the shape). */
const json = async <T = unknown>(r: Response): Promise<GraphQLBody<T>> => (await r.json()) as GraphQLBody<T>;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('graphql-http server audits', () => {
  // The URL is resolved lazily: the gateway's port is only known once beforeAll has run.
  const audits = serverAudits({ url: () => h.gateway.graphqlUrl, fetchFn: (input: string | URL, init?: RequestInit) => h.fetch(input, init) });
  const notOk = new Map<string, { status: string; name: string; reason: string }>();

  for (const audit of audits) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result: AuditResult = await audit.fn();
      if (result.status === 'ok') return;
      const body = await result.response.text().catch(() => '');
      if (result.status === 'error') expect.fail(`${result.reason} (HTTP ${result.response.status}: ${body.slice(0, 300)})`);
      notOk.set(audit.id, { status: result.status, name: audit.name, reason: result.reason });
    });
  }

  it('warns only where we decided to (KEPT)', () => {
    const lines = [...notOk].map(([id, w]) => `  ${w.status} ${id} ${w.name}: ${w.reason}`);
    if (lines.length > 0) console.log(`graphql-http audits, ${audits.length} run, kept warnings and notices:\n${lines.join('\n')}`);
    expect(Object.fromEntries([...notOk].map(([id, w]) => [id, w.status]))).toEqual(KEPT);
  });
});

describe('response media types', () => {
  const post = (query: string, accept: string, contentType = 'application/json') =>
    h.fetch(h.gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': contentType, accept }, body: JSON.stringify({ query }) });

  it('application/graphql-response+json is answered in kind, and a document failing validation is HTTP 400', async () => {
    const ok = await post('{ apps { appKey } }', 'application/graphql-response+json');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/graphql-response\+json\b/);
    expect((await json<{ apps: Pick<App, 'appKey'>[] }>(ok)).data!.apps.length).toBeGreaterThan(0);

    const invalid = await post('{ noSuchField }', 'application/graphql-response+json');
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toMatch(/^application\/graphql-response\+json\b/);
    const body = await json(invalid);
    expect(body.data).toBeUndefined();
    expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('application/json gets HTTP 200 for a field error, with the rest of the data', async () => {
    const r = await post('{ apps { appKey } app(appKey: "nope") { name } }', 'application/json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json\b/);
    const body = await json<{ apps: Pick<App, 'appKey'>[]; app: Pick<App, 'name'> | null }>(r);
    expect(body.data!.app).toBeNull();
    expect(body.data!.apps.length).toBeGreaterThan(0);
    expect(body.errors!.map((e) => e.extensions!.code)).toEqual(['NOT_FOUND']);
  });
});

describe('request media types', () => {
  const send = (headers: Record<string, string>, body: string) => h.fetch(h.gateway.graphqlUrl, { method: 'POST', headers, body });
  const query = JSON.stringify({ query: '{ __typename }' });

  it('accepts application/json with or without a UTF-8 charset', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"']) {
      const r = await send({ 'content-type': type }, query);
      expect(r.status, type).toBe(200);
      expect(await json(r)).toEqual({ data: { __typename: 'Query' }, extensions: { cost: expect.objectContaining({ upstreamCalls: 0 }) } });
    }
  });

  it('refuses any other content type, or none, with 415 before executing anything', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/graphql', 'text/x-json', 'application/json; charset=iso-8859-1', '']) {
      const r = await send(type ? { 'content-type': type, 'apollo-require-preflight': 'true' } : {}, query);
      expect(r.status, type).toBe(415);
      expect(r.headers.get('accept-post')).toBe('application/json, multipart/form-data');
      expect((await json(r)).errors![0]!.extensions!.code).toBe('BAD_REQUEST');
    }
  });

  it('answers a JSON body that does not parse with 400', async () => {
    const r = await send({ 'content-type': 'application/json' }, '{"query": ');
    expect(r.status).toBe(400);
    expect((await json(r)).errors![0]!.message).toMatch(/not valid JSON/);
  });
});
