// The typed client in a browser: the example frontend page (client/example/), bundled here with
// esbuild for browsers exactly as scripts/client-example.ts does, is served from its own origin on
// another port; Chromium loads it, a person types a token, and the page runs the generated
// AppsWithLinks query through CORS and shows the apps with their short-link counts as the emulator
// holds them. The bundle holds nothing of Node (undici above all), and an import of a Node-only module
// fails the bundle. From an origin the gateway does not list, the page shows that no answer came.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmulatorApp } from '../../emulator/index.js';
import { type BrowserBundle, bundleClientExample } from '../../scripts/client-example.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { hasChromium, launch, screenshot, skipMessage, type Watch, watch } from './graphiql-helpers.js';

let h: Harness;
let browser: Browser;
let bundle: BrowserBundle;
const servers: Server[] = [];
let allowedOrigin = '';
let otherOrigin = '';

/** A static server for the page and its script, with a Content-Security-Policy that lets it talk to the gateway only. */
async function servePage(): Promise<string> {
  const server = createServer((req, res) => {
    const csp = `default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src ${new URL(h.gateway.graphqlUrl).origin}; form-action 'none'`;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
      res.end(bundle.html);
    } else if (path === '/main.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(bundle.js);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  bundle = await bundleClientExample();
  if (!hasChromium) return;
  allowedOrigin = await servePage();
  otherOrigin = await servePage();
  h = await startHarness({ env: { GATEWAY_CORS_ORIGINS: allowedOrigin } });
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
  for (const server of servers) server.close();
});

/** An app's link count as the emulator holds it, asked of its JMLink API directly. */
async function linkCount(app: EmulatorApp): Promise<number> {
  const res = await fetch(`${h.emulator.url}/v1/links?page_size=1`, { headers: { authorization: `Basic ${Buffer.from(`${app.appKey}:${app.masterSecret}`).toString('base64')}` } });
  return ((await res.json()) as { total: number }).total;
}

interface Seen {
  page: Page;
  w: Watch;
  /** What the page says: the status line, the table's rows (cells as shown), the error lines. */
  status: string;
  rows: string[][];
  errors: string[];
  /** `data-state` on <body> once the page settled. */
  state: string;
}

async function read(page: Page, w: Watch): Promise<Seen> {
  await page.waitForSelector('body[data-state="done"], body[data-state="failed"]', { timeout: 20_000 });
  const rows: string[][] = [];
  if (await page.locator('#apps').isVisible()) {
    for (const row of await page.locator('#apps tbody tr').all()) rows.push((await row.locator('td').allInnerTexts()).map((t) => t.trim()));
  }
  return {
    page,
    w,
    status: (await page.locator('#status').innerText()).trim(),
    rows,
    errors: (await page.locator('#errors li').allInnerTexts()).map((t) => t.trim()),
    state: (await page.locator('body').getAttribute('data-state')) ?? '',
  };
}

/** Opens the page with the gateway in the fragment, types `token` and clicks Load, as a person does. */
async function ask(origin: string, token: string, name: string, allow?: (url: string, status: number) => boolean): Promise<Seen> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const w = watch(page, origin, allow);
  await page.goto(`${origin}/#gateway=${encodeURIComponent(h.gateway.graphqlUrl)}`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Load' }).click();
  const seen = await read(page, w);
  await screenshot(page, `client-example-${name}`);
  return seen;
}

it('bundles for browsers without undici or anything else of Node, and fails the bundle if any slips in', async () => {
  expect(bundle.inputs).toContain('client/index.ts');
  expect(bundle.inputs).toContain('client/example/main.ts');
  expect(bundle.inputs.filter((input) => /undici|^node:|node_modules\/(?!graphql\/)/.test(input))).toEqual([]);
  expect(bundle.js).not.toMatch(/undici/i);
  // The whole page's script: the client, one operation and graphql's printer.
  expect(bundle.bytes).toBeLessThan(24 * 1024);
  // Of the generated operations, only the one the page runs is in the bundle.
  expect(bundle.js).toContain('AppsWithLinks');
  expect(bundle.js).not.toContain('PortraitTags');

  for (const contents of [
    `import { request } from 'undici'; console.log(request);`,
    `import { readFileSync } from 'node:fs'; console.log(readFileSync);`,
    `import { EventEmitter } from 'events'; console.log(EventEmitter);`,
  ]) {
    await expect(bundleClientExample({ stdin: { contents, sourcefile: 'slipped.ts', loader: 'ts' } }), contents).rejects.toThrow(
      /is Node-only and has no place in a browser bundle \(imported by client\/example\/slipped\.ts\)/,
    );
  }
});

it.skipIf(!hasChromium)(
  hasChromium ? 'a page on a listed origin runs the typed query through CORS and shows the apps with their short-link counts' : skipMessage,
  async () => {
    const calls = h.emulator.countCalls();
    const seen = await ask(allowedOrigin, h.tokens.reader, 'allowed');
    try {
      // Exactly what the emulator holds, in the gateway's order (by name).
      const expected = await Promise.all(
        [...h.emulator.apps].sort((a, b) => a.name.localeCompare(b.name)).map(async (app) => [app.appKey, app.name, app.androidPackage, String(await linkCount(app))]),
      );
      expect(seen.rows).toEqual(expected);
      expect(seen.rows.some((row) => row[3] === '0')).toBe(true); // "Demo Empty"
      expect(seen.rows.some((row) => Number(row[3]) > 0)).toBe(true);
      expect(seen.errors).toEqual([]);
      expect(seen.state).toBe('done');
      // The status line: HTTP status, the count, extensions.cost and the exposed x-request-id, all read across origins.
      expect(seen.status).toMatch(new RegExp(`^HTTP 200 · ${expected.length} apps · \\d+ upstream calls · request \\S+$`));
      expect(h.emulator.countCalls()).toBeGreaterThan(calls);

      // The page sent the generated document, printed, by the typed client; the browser saw nothing go wrong.
      expect(seen.w.posted).toHaveLength(1);
      expect(seen.w.posted[0]!.query).toMatch(/^query AppsWithLinks \{/);
      expect(seen.w.foreign.every((url) => url === h.gateway.graphqlUrl)).toBe(true);
      expect(seen.w.failed).toEqual([]);
      expect(seen.w.errors).toEqual([]);
      // The token went in a header only: never in a URL.
      expect(seen.page.url()).not.toContain(h.tokens.reader);
    } finally {
      await seen.page.context().close();
    }
  },
  60_000,
);

it.skipIf(!hasChromium)(
  hasChromium ? 'a token in the URL fragment runs the query at once and leaves the address bar' : skipMessage,
  async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const w = watch(page, allowedOrigin);
      await page.goto(`${allowedOrigin}/#gateway=${encodeURIComponent(h.gateway.graphqlUrl)}&token=${h.tokens.scoped}`);
      const seen = await read(page, w);
      // The scoped reader sees its one app.
      const app = h.emulator.apps[1]!;
      expect(seen.rows).toEqual([[app.appKey, app.name, app.androidPackage, String(await linkCount(app))]]);
      expect(seen.status).toMatch(/^HTTP 200 · 1 app · /);
      expect(page.url()).toBe(`${allowedOrigin}/#gateway=${encodeURIComponent(h.gateway.graphqlUrl)}`);
      expect(await page.getByLabel('Token').inputValue()).toBe(h.tokens.scoped);
      expect(w.failed).toEqual([]);
      expect(w.errors).toEqual([]);
    } finally {
      await context.close();
    }
  },
  60_000,
);

it.skipIf(!hasChromium)(
  hasChromium ? "a wrong token shows the gateway's error code, read across origins" : skipMessage,
  async () => {
    const unauthorized = (url: string, status: number) => url === h.gateway.graphqlUrl && status === 401;
    const seen = await ask(allowedOrigin, 'not-a-token', 'unauthenticated', unauthorized);
    try {
      expect(seen.state).toBe('done');
      expect(seen.status).toMatch(/^HTTP 401 · 0 apps/);
      expect(seen.rows).toEqual([]);
      expect(seen.errors).toHaveLength(1);
      expect(seen.errors[0]).toMatch(/^UNAUTHENTICATED: /);
      expect(seen.w.failed).toEqual([]);
      // Chromium reports every 4xx answer to fetch in the console; nothing else went wrong.
      expect(seen.w.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    } finally {
      await seen.page.context().close();
    }
  },
  60_000,
);

it.skipIf(!hasChromium)(
  hasChromium ? 'a page on an origin not listed shows that no answer came, and no data' : skipMessage,
  async () => {
    const calls = h.emulator.countCalls();
    const seen = await ask(otherOrigin, h.tokens.reader, 'refused');
    try {
      expect(seen.state).toBe('failed');
      expect(seen.status).toBe(
        `No answer from the gateway (TypeError: Failed to fetch). Is it running, and is this page's origin, ${otherOrigin}, listed in its GATEWAY_CORS_ORIGINS?`,
      );
      expect(seen.rows).toEqual([]);
      expect(await seen.page.locator('#apps').isHidden()).toBe(true);
      for (const app of h.emulator.apps) expect(await seen.page.locator('body').innerText()).not.toContain(app.name);
      // The browser refused it under CORS (its preflight was answered 403), said so, and nothing else went wrong.
      expect(seen.w.errors).toEqual([
        expect.stringMatching(new RegExp(`^console: Access to fetch at '${h.gateway.graphqlUrl}' from origin '${otherOrigin}' has been blocked by CORS policy`)),
        'console: Failed to load resource: net::ERR_FAILED',
      ]);
      expect(seen.w.failed).toEqual([`${h.gateway.graphqlUrl}: net::ERR_FAILED`]);
      // The gateway refused the preflight, so the query itself never reached it.
      expect(h.logs.some((line) => line.includes('"outcome":"cors_refused"') && line.includes(otherOrigin))).toBe(true);
      expect(h.emulator.countCalls()).toBe(calls);
    } finally {
      await seen.page.context().close();
    }
  },
  60_000,
);
