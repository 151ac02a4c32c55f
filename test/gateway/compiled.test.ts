// Compiled execution (src/execution/compiled.ts): a document runs on graphql-js at its first use and
// compiled (graphql-jit) from its second, and both answer byte for byte the same — data, nulls, error
// messages, paths, codes and HTTP statuses — for reads, partial failures, refusals, variables that do
// not coerce, fragments, aliases and @skip/@include. /metrics counts both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../../src/auth/callers.js';
import { type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
const metricsToken = newToken();
beforeAll(async () => {
  h = await startHarness({ env: { GATEWAY_COMPILE_AFTER_USES: '2', GATEWAY_METRICS_TOKEN_SHA256: hashToken(metricsToken) } });
});
afterAll(() => h?.close());

/** The answer without what differs between two runs of one document (request ids, the budget left). */
function comparable(text: string): unknown {
  return JSON.parse(text, (key, value) => (key === 'requestId' || key === 'budget' ? undefined : value));
}

async function post(token: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(h.gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

async function executions(): Promise<Record<string, number>> {
  const text = await (await fetch(`${h.gateway.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
  const counts: Record<string, number> = {};
  for (const [, engine, n] of text.matchAll(/^gateway_graphql_executions_total\{engine="(\w+)"\} (\d+)/gm)) counts[engine!] = Number(n);
  return counts;
}

describe('compiled execution', () => {
  const cases = (): { name: string; token: string; body: Record<string, unknown> }[] => {
    const [first, second] = h.emulator.apps.map((a) => a.appKey);
    return [
      {
        name: 'a page with fragments, aliases and @skip/@include under variables',
        token: h.tokens.reader,
        body: {
          query: `query Page($app: ID!, $n: Int = 5, $withUrl: Boolean!) {
            app(appKey: $app) { ...A links: shortLinks(first: $n) { totalCount nodes { key url @include(if: $withUrl) name @skip(if: $withUrl) createdOn } pageInfo { hasNextPage endCursor } } }
          }
          fragment A on App { appKey name androidPackage }`,
          variables: { app: first, withUrl: true },
        },
      },
      {
        name: 'an unknown app: null with NOT_FOUND',
        token: h.tokens.reader,
        body: { query: 'query($k: ID!) { app(appKey: $k) { name } apps { appKey } }', variables: { k: 'no-such-app' } },
      },
      {
        name: 'a field refused to a scoped token: null with FORBIDDEN beside data',
        token: h.tokens.scoped,
        body: { query: `{ a: app(appKey: "${first}") { name } b: app(appKey: "${second}") { name } }` },
      },
      {
        name: 'variables that do not coerce: 400 BAD_USER_INPUT',
        token: h.tokens.reader,
        body: { query: 'query($k: ID!, $n: Int) { app(appKey: $k) { shortLinks(first: $n) { totalCount } } }', variables: { k: first, n: 'ten' } },
      },
      { name: 'a missing required variable', token: h.tokens.reader, body: { query: 'query($k: ID!) { app(appKey: $k) { name } }', variables: {} } },
      {
        name: 'input refused before execution',
        token: h.tokens.reader,
        body: { query: `{ app(appKey: "${first}") { shortLinks(first: 1) { nodes { stats(from: "2026-05-02", to: "2026-05-01") { totals { clicks } } } } } }` },
      },
      { name: 'a reader’s mutation: refused whole', token: h.tokens.reader, body: { query: `mutation { deleteApp(appKey: "${first}") { deleted } }` } },
      {
        name: '__typename and introspection beside data',
        token: h.tokens.reader,
        body: { query: '{ __typename apps { __typename appKey } __type(name: "App") { name fields { name } } }' },
      },
    ];
  };

  it('answers the same bytes on graphql-js (first use) and compiled (second use)', async () => {
    for (const c of cases()) {
      const before = await executions();
      const first = await post(c.token, c.body);
      const second = await post(c.token, c.body);
      const after = await executions();
      expect(second.status, c.name).toBe(first.status);
      expect(comparable(second.text), c.name).toEqual(comparable(first.text));
      // A document that reached execution ran once on each engine (a refused one on neither).
      const ran = (after.interpreted ?? 0) - (before.interpreted ?? 0) + (after.compiled ?? 0) - (before.compiled ?? 0);
      if (ran > 0) {
        expect((after.interpreted ?? 0) - (before.interpreted ?? 0), c.name).toBe(1 + (first.status === 400 && second.status === 400 ? 1 : 0));
        if (first.status !== 400) expect((after.compiled ?? 0) - (before.compiled ?? 0), c.name).toBe(1);
      }
    }
  });

  it('a third use runs the compiled document again, and the page answers what the emulator holds', async () => {
    const app = h.emulator.apps[0]!.appKey;
    const body = { query: 'query Third($k: ID!) { app(appKey: $k) { shortLinks(first: 3) { totalCount nodes { key } } } }', variables: { k: app } };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post(h.tokens.reader, body));
    const before = await executions();
    const fourth = await post(h.tokens.reader, body);
    const after = await executions();
    expect((after.compiled ?? 0) - (before.compiled ?? 0)).toBe(1);
    expect(comparable(fourth.text)).toEqual(comparable(answers[0]!.text));
    const data = JSON.parse(fourth.text).data.app.shortLinks;
    expect(data.nodes).toHaveLength(3);
    expect(data.totalCount).toBeGreaterThan(3);
  });

  it('a compiled document still refuses what a token may not use after Apollo parsed its text again', async () => {
    const [, , other] = h.emulator.apps.map((a) => a.appKey);
    const page = { query: 'query Refused($k: ID!) { app(appKey: $k) { name shortLinks(first: 2) { totalCount } } }', variables: { k: other } };
    for (let i = 0; i < 2; i++) expect((await post(h.tokens.admin, page)).status).toBe(200); // compiled, from this parse
    // Apollo's parsed documents fill (4 MiB, ~300 bytes a token): the page's parse is dropped, its compiled query kept.
    for (let i = 0; i < 40; i++) {
      const fields = Array.from({ length: 390 }, (_, j) => (j % 2 ? 'name' : 'appKey')).join(' ');
      expect((await post(h.tokens.admin, { query: `query Filler${i} { apps { ${fields} } }` })).status).toBe(200);
    }
    const calls = h.emulator.countCalls();
    const refused = await post(h.tokens.scoped, page);
    expect(refused.status).toBe(403);
    const body = JSON.parse(refused.text);
    expect(body.data).toEqual({ app: null });
    expect(body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect(h.emulator.countCalls()).toBe(calls);
  });
});
