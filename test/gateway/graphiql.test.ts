// A browser opening the GraphQL endpoint gets GraphiQL from the gateway itself: every asset the page
// names is served locally (no CDN), and the page goes away with introspection in production.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

it('serves GraphiQL and all its assets from the gateway', async () => {
  const page = await fetch(h.gateway.graphqlUrl, { headers: { accept: 'text/html,application/xhtml+xml' } });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  expect(assets).toHaveLength(4);
  for (const asset of assets) {
    expect(asset.startsWith('/graphiql/')).toBe(true); // same origin, never a CDN
    const res = await fetch(new URL(asset, h.gateway.url));
    expect(res.status, asset).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  }
  expect(html).not.toMatch(/https?:\/\//);
});

it('still answers GraphQL GETs from clients, and 404s unknown assets', async () => {
  const r = await h.fetch(`${h.gateway.graphqlUrl}?query=${encodeURIComponent('{ apps { name } }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
  expect(r.status).toBe(200);
  expect(((await r.json()) as any).data.apps.length).toBeGreaterThan(0);
  expect((await fetch(`${h.gateway.url}/graphiql/../../package.json`)).status).toBe(404);
  expect((await fetch(`${h.gateway.url}/graphiql/nope.js`)).status).toBe(404);
});

it('is off when introspection is off', async () => {
  const prod = await startHarness({ env: { GATEWAY_INTROSPECTION: 'false' } });
  try {
    const page = await fetch(prod.gateway.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).not.toMatch(/^text\/html/);
    expect((await fetch(`${prod.gateway.url}/graphiql/graphiql.js`)).status).toBe(404);
  } finally {
    await prod.close();
  }
});
