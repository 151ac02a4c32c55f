// CORS in a real browser (Debian's chromium through playwright-core): a frontend page served from a
// second origin, listed in GATEWAY_CORS_ORIGINS, calls the gateway with a bearer token and renders
// the data; the same page from an origin not listed is refused by the browser itself.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type GraphQLBody, type Harness, startHarness } from '../helpers/harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI === 'true') throw new Error(`no chromium at ${CHROMIUM}: CI must run the browser tests (apt-get install chromium)`);

let h: Harness;
let browser: Browser;
const pages: Server[] = [];
let allowedOrigin = '';
let otherOrigin = '';

/** A frontend page: asks the gateway (URL and token in the query string) for the apps and renders them. */
const PAGE = `<!doctype html><html><body><pre id="out">loading</pre><script>
const params = new URLSearchParams(location.search);
fetch(params.get('gateway'), {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer ' + params.get('token'), 'x-request-id': 'from-the-page' },
  body: JSON.stringify({ query: '{ apps { name } }' }),
})
  .then(async (r) => { document.getElementById('out').textContent = 'status ' + r.status + ' request ' + r.headers.get('x-request-id') + ' ' + JSON.stringify(await r.json()); })
  .catch((e) => { document.getElementById('out').textContent = 'refused: ' + e.name; });
</script></body></html>`;

async function servePage(): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pages.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  if (!hasChromium) return;
  allowedOrigin = await servePage();
  otherOrigin = await servePage();
  h = await startHarness({ env: { GATEWAY_CORS_ORIGINS: `${allowedOrigin}, https://dashboard.example.com` } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
  for (const page of pages) page.close();
});

async function open(origin: string, name: string): Promise<string> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/?gateway=${encodeURIComponent(h.gateway.graphqlUrl)}&token=${h.tokens.reader}`);
    await page.waitForFunction("document.getElementById('out')?.textContent !== 'loading'", undefined, { timeout: 20_000 });
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: `test-results/cors-${name}.png` });
    return (await page.locator('#out').innerText()).trim();
  } finally {
    await context.close();
  }
}

it.skipIf(!hasChromium)(
  'a listed origin calls the gateway with a token and renders the data',
  async () => {
    const text = await open(allowedOrigin, 'allowed');
    expect(text).toMatch(/^status 200 request from-the-page /);
    for (const app of h.emulator.apps) expect(text).toContain(app.name);
  },
  60_000,
);

it.skipIf(!hasChromium)(
  'an origin not listed is refused by the browser',
  async () => {
    const calls = h.emulator.countCalls();
    expect(await open(otherOrigin, 'refused')).toBe('refused: TypeError');
    expect(h.emulator.countCalls()).toBe(calls);
  },
  60_000,
);

it.skipIf(!hasChromium)('a preflight is answered before authentication, with Vary: Origin', async () => {
  const res = await fetch(h.gateway.graphqlUrl, {
    method: 'OPTIONS',
    headers: { origin: allowedOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, apollo-require-preflight' },
  });
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
  expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
  expect(res.headers.get('access-control-allow-headers')).toContain('apollo-require-preflight');
  expect(res.headers.get('vary')).toMatch(/Origin/);
  // A preflight from an origin not listed is refused as such (403, logged as a CORS refusal), never 401.
  const refused = await fetch(h.gateway.graphqlUrl, { method: 'OPTIONS', headers: { origin: otherOrigin, 'access-control-request-method': 'POST' } });
  expect(refused.status).toBe(403);
  expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  const body = (await refused.json()) as GraphQLBody;
  expect(body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  expect(body.errors![0]!.message).toMatch(/not allowed/);
  expect(h.logs.some((line) => line.includes('"outcome":"cors_refused"') && line.includes(otherOrigin))).toBe(true);
});

it('a preflight with no origin configured is refused with 403, never 401', async () => {
  const plain = await startHarness();
  try {
    const res = await fetch(plain.gateway.graphqlUrl, { method: 'OPTIONS', headers: { origin: allowedOrigin, 'access-control-request-method': 'POST' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  } finally {
    await plain.close();
  }
});
