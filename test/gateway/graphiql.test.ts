// A browser opening the GraphQL endpoint gets GraphiQL from the gateway itself: every file the page
// names is served locally (no CDN) under a content-hashed URL, compressed (brotli, gzip) as the
// browser accepts, with a strong ETag per encoding, 304 on If-None-Match, a year of immutable caching,
// HEAD as GET without the body, and 404 for anything else under /graphiql/. GraphiQL's files are a
// production build (scripts/build-graphiql.mjs) within the size budget, with no inlined font; without
// them the page is a 503 saying how to build them. The page itself is never cached, and goes away
// with introspection in production.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { buildSchema, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/generated/graphql.js';
import { TrustedDocuments } from '../../src/inbound/documents.js';
import { BUILT_ASSETS_DIR } from '../../src/inbound/graphiql/assets.js';
import { PAGE_SCRIPT } from '../../src/inbound/graphiql/browser.js';
import { exampleTabs, MUTATION_MARK, PLACEHOLDERS } from '../../src/inbound/graphiql/examples.js';
import { negotiateEncoding, notModified } from '../../src/inbound/graphiql/http.js';
import type { PageConfig } from '../../src/inbound/graphiql/page.js';
import { createGraphiQL } from '../../src/inbound/graphiql.js';
import { parseTarget } from '../../src/inbound/target.js';
import { loadTypeDefs } from '../../src/schema.js';
import { type GraphQLBody, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** An HTTP request as sent (fetch would normalise `..` and decompress the body). */
function raw(url: string, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    // Options, not a URL string: a URL would be normalised (`/a/../b` → `/b`) before it is sent.
    const req = request({ hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const HTML = { accept: 'text/html,application/xhtml+xml' };

async function page(harness: Harness = h): Promise<{ res: Raw; html: string; assets: string[]; config: PageConfig }> {
  const res = await raw(harness.gateway.url, '/graphql', { headers: HTML });
  const html = res.body.toString('utf8');
  const assets = [...html.matchAll(/<(?:script|link) [^>]*(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
  const config = JSON.parse(/<script type="application\/json" id="graphiql-config">(.*?)<\/script>/s.exec(html)![1]!) as PageConfig;
  return { res, html, assets, config };
}

describe('the page', () => {
  it('is served from the gateway, never cached, and names only same-origin, hashed files', async () => {
    const { res, html, assets } = await page();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.vary).toMatch(/Accept\b/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    // The page's script first: its requests run while GraphiQL's bundle (React included) loads.
    expect(assets.map((a) => a.replace(/^\/graphiql\/[0-9a-f]{16}\//, ''))).toEqual(['graphiql.css', 'page.css', 'page.js', 'graphiql.js']);
    for (const asset of assets) {
      const res = await fetch(new URL(asset, h.gateway.url));
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(500);
    }
    expect(html).not.toMatch(/https?:\/\//);
    // No inline script: the policy allows none.
    expect(html).not.toMatch(/<script>/);
  });

  it('is compressed as the browser accepts, and HEAD has its headers without the body', async () => {
    const plain = await raw(h.gateway.url, '/graphql', { headers: HTML });
    const br = await raw(h.gateway.url, '/graphql', { headers: { ...HTML, 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toContain('<div id="graphiql">');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const head = await raw(h.gateway.url, '/graphql', { method: 'HEAD', headers: { ...HTML, 'accept-encoding': 'gzip' } });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/html/);
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.body.length).toBe(0);
  });

  it('holds the example tabs: every service, reads first, mutations marked, the demo token', async () => {
    const { config } = await page();
    expect(config.mode).toBe('default');
    expect(config.token).toBe(h.tokens.reader);
    const titles = config.tabs.map((t: { query: string }) => /^(?:query|mutation) (\w+)/m.exec(t.query)![1]);
    expect(titles).toEqual(['Apps', 'ShortLinks', 'AudienceTags', 'OneTapLoginStatus', 'PushCertificates', 'GrowthUser', 'CreateApp', 'EnableOneTapLogin', 'ReportGrowthEvents']);
    for (const tab of config.tabs) expect(tab.query.startsWith(MUTATION_MARK), tab.query).toBe(/^mutation /m.test(tab.query));
    // The page asks which app has links, and the visitor's role, with the visitor's token.
    expect((config.probe as { query: string }).query).toMatch(/^query AppsWithLinks /);
    expect((config.viewer as { query: string }).query).toBe('query Viewer { viewer { role } }');
    // The mutation tabs a reader's page leaves out are those marked so.
    expect(config.mutationMark).toBe(MUTATION_MARK);
  });

  it('is a 503 saying how to build GraphiQL when its files are not built, and the gateway goes on', async () => {
    const graphiql = createGraphiQL({
      graphqlPath: '/graphql',
      documents: TrustedDocuments.from(h.config.documents),
      exampleApp: async () => undefined,
      assetDir: mkdtempSync(join(tmpdir(), 'graphiql-unbuilt-')),
    });
    const server = createServer((req, res) => {
      graphiql.handle(req, res, parseTarget(req.url)!).catch((error: { status: number; body(): unknown }) => {
        res.writeHead(error.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(error.body()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const path of ['/graphql', '/graphiql/0123456789abcdef/graphiql.js']) {
        const res = await raw(url, path, { headers: HTML });
        expect(res.status, path).toBe(503);
        expect(JSON.parse(res.body.toString()).error, path).toMatch(/^GraphiQL assets are not built \(.*graphiql\.(js|css) is missing\): run `npm run build`\.$/);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // A refusal of GraphiQL's route (an HttpError, written by the pipeline as any other): GraphQL is unaffected.
    expect((await h.gql<{ apps: unknown[] }>('{ apps { appKey } }')).status).toBe(200);
  });

  it('still answers GraphQL GETs from clients', async () => {
    const r = await h.fetch(`${h.gateway.graphqlUrl}?query=${encodeURIComponent('{ apps { name } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as GraphQLBody<{ apps: Pick<App, 'name'>[] }>).data!.apps.length).toBeGreaterThan(0);
  });
});

describe('/ in a browser', () => {
  it('redirects to GraphiQL when it is served', async () => {
    const res = await fetch(`${h.gateway.url}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/graphql');
  });

  it('is a short plain page saying where things are when GraphiQL is off', async () => {
    const off = await startHarness({ env: { GATEWAY_GRAPHIQL: 'false' } });
    try {
      const res = await fetch(`${off.gateway.url}/`, { redirect: 'manual' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toMatch(/POST \/graphql/);
      expect(text).toMatch(/\/health/);
      const other = await fetch(`${off.gateway.url}/nothing-here`);
      expect(other.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('the example tabs', () => {
  const schema = buildSchema(loadTypeDefs().join('\n'));
  it('are valid against the schema, and name the app only through placeholders', () => {
    for (const tab of exampleTabs()) {
      expect(validate(schema, parse(tab.query)), tab.query).toEqual([]);
      const json = JSON.stringify(tab.variables ?? {});
      expect(json).not.toMatch(/"appKey":"(?!\$appKey")/); // no app key baked in
    }
    expect(JSON.stringify(exampleTabs())).toContain(JSON.stringify(PLACEHOLDERS.appKey));
  });

  it("use the last 30 days of Jiguang's calendar (UTC+8)", () => {
    // 2026-03-01T17:00Z is already 2026-03-02 in China.
    const tab = exampleTabs(Date.parse('2026-03-01T17:00:00Z')).find((t) => t.query.includes('query ShortLinks'))!;
    expect(tab.variables).toMatchObject({ from: '2026-02-01', to: '2026-03-02' });
  });

  it('come with a page script that parses', () => {
    expect(() => new Script(PAGE_SCRIPT)).not.toThrow();
  });
});

describe('the files', () => {
  let assets: string[];
  beforeAll(async () => {
    assets = (await page()).assets;
  });

  it('are compressed with brotli or gzip as accepted, identical once decompressed, with Vary', async () => {
    for (const asset of assets) {
      const identity = await raw(h.gateway.url, asset);
      const br = await raw(h.gateway.url, asset, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      const gzip = await raw(h.gateway.url, asset, { headers: { 'accept-encoding': 'gzip' } });
      expect(identity.headers['content-encoding'], asset).toBeUndefined();
      expect(Number(identity.headers['content-length'])).toBe(identity.body.length);
      for (const [res, encoding, decode] of [
        [br, 'br', brotliDecompressSync],
        [gzip, 'gzip', gunzipSync],
      ] as const) {
        expect(res.status, asset).toBe(200);
        expect(res.headers.vary, asset).toBe('Accept-Encoding');
        expect(res.headers['content-type']).toBe(identity.headers['content-type']);
        expect(Number(res.headers['content-length'])).toBe(res.body.length);
        if (res.headers['content-encoding'] === undefined) {
          // Only a file compression does not shrink goes as it is.
          expect(identity.body.length, asset).toBeLessThan(1500);
          continue;
        }
        expect(res.headers['content-encoding'], asset).toBe(encoding);
        expect(res.body.length, asset).toBeLessThan(identity.body.length);
        expect(decode(res.body).equals(identity.body), asset).toBe(true);
      }
    }
  });

  it('are a production build: at most 1.5 MB of script, 400 KB compressed (br or gzip), and no inlined font', async () => {
    const scripts = assets.filter((a) => a.endsWith('.js'));
    const total = { identity: 0, br: 0, gzip: 0 };
    for (const script of scripts) {
      for (const encoding of ['identity', 'br', 'gzip'] as const) {
        const res = await raw(h.gateway.url, script, { headers: { 'accept-encoding': encoding } });
        total[encoding] += res.body.length;
      }
      const text = (await raw(h.gateway.url, script)).body.toString('utf8');
      // React's production build, not its development one (which warns, and checks every prop).
      expect(text, script).not.toMatch(/react-dom\.development|Warning: .*%s/);
    }
    expect(total.identity).toBeLessThanOrEqual(1_500_000);
    expect(total.br).toBeLessThanOrEqual(400_000);
    expect(total.gzip).toBeLessThanOrEqual(400_000);
    // Minified: few, long lines (the old "min" file was GraphiQL's development build, 96k lines).
    const bundle = (await raw(h.gateway.url, assets.find((a) => a.endsWith('/graphiql.js'))!)).body.toString('utf8');
    expect(bundle.split('\n').length).toBeLessThan(2_000);

    // The style uses the system's fonts: no @font-face, no font as a data: URL.
    const css = (await raw(h.gateway.url, assets.find((a) => a.endsWith('/graphiql.css'))!)).body.toString('utf8');
    expect(css.length).toBeLessThan(100_000);
    expect(css).not.toMatch(/@font-face/i);
    expect(css).not.toMatch(/data:(font|application\/(x-)?font)/i);
    expect(css).toMatch(/--font-family:\s*system-ui/);
  });

  it("are the build's (dist/graphiql/, up to date with its inputs), sent as the build compressed them", async () => {
    // The tests' global setup built them; nothing changed since, so a build now has nothing to do.
    const build = execFileSync(process.execPath, ['scripts/build-graphiql.mjs'], { encoding: 'utf8' });
    expect(build).toContain('dist/graphiql/ is up to date');
    for (const name of ['graphiql.js', 'graphiql.css']) {
      const asset = assets.find((a) => a.endsWith(`/${name}`))!;
      expect((await raw(h.gateway.url, asset)).body.equals(readFileSync(join(BUILT_ASSETS_DIR, name))), name).toBe(true);
      for (const [encoding, suffix] of [
        ['br', 'br'],
        ['gzip', 'gz'],
      ] as const) {
        const sent = await raw(h.gateway.url, asset, { headers: { 'accept-encoding': encoding } });
        expect(sent.body.equals(readFileSync(join(BUILT_ASSETS_DIR, `${name}.${suffix}`))), `${name} ${encoding}`).toBe(true);
      }
    }
  });

  it('are cached for a year, immutable, under a URL holding the hash of their content', async () => {
    for (const asset of assets) {
      const res = await raw(h.gateway.url, asset);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const hash = createHash('sha256').update(res.body).digest('hex').slice(0, 16);
      expect(asset).toBe(`/graphiql/${hash}/${asset.split('/').pop()}`);
      expect(res.body.toString('utf8')).not.toContain('sourceMappingURL');
    }
  });

  it('have a strong ETag per encoding, and If-None-Match gets 304 without a body', async () => {
    const asset = assets.find((a) => a.endsWith('/graphiql.js'))!;
    const identity = await raw(h.gateway.url, asset);
    const br = await raw(h.gateway.url, asset, { headers: { 'accept-encoding': 'br' } });
    const etag = br.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/); // strong: no W/
    expect(identity.headers.etag).not.toBe(etag);

    const again = await raw(h.gateway.url, asset, { headers: { 'accept-encoding': 'br', 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toContain('immutable');
    expect(again.headers.vary).toBe('Accept-Encoding');
    for (const header of [`"other", ${etag}`, `W/${etag}`, '*']) {
      expect((await raw(h.gateway.url, asset, { headers: { 'accept-encoding': 'br', 'if-none-match': header } })).status, header).toBe(304);
    }
    // Another encoding is another representation: its own ETag does not match.
    expect((await raw(h.gateway.url, asset, { headers: { 'if-none-match': etag } })).status).toBe(200);
    expect((await raw(h.gateway.url, asset, { headers: { 'if-none-match': '"nope"' } })).status).toBe(200);
  });

  it('answer HEAD with the headers of GET and no body', async () => {
    for (const asset of assets) {
      const headers = { 'accept-encoding': 'gzip' };
      const get = await raw(h.gateway.url, asset, { headers });
      const head = await raw(h.gateway.url, asset, { method: 'HEAD', headers });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      for (const name of ['content-type', 'content-length', 'content-encoding', 'etag', 'cache-control', 'vary'])
        expect(head.headers[name], `${asset} ${name}`).toBe(get.headers[name]);
    }
  });

  it('are 404 for anything else under /graphiql/: unknown names, other hashes, path tricks', async () => {
    const asset = assets.find((a) => a.endsWith('/graphiql.js'))!;
    const hash = asset.split('/')[2]!;
    for (const path of [
      '/graphiql/graphiql.js', // the unhashed name
      `/graphiql/${hash}/nope.js`,
      `/graphiql/${'0'.repeat(16)}/graphiql.js`,
      `/graphiql/${hash}/graphiql.js/x`,
      '/graphiql/../../package.json',
      `/graphiql/${hash}/../../package.json`,
      '/graphiql/%2e%2e/%2e%2e/package.json',
      `/graphiql/${hash}/..%2f..%2fpackage.json`,
      `/graphiql/${hash}/constructor`,
      '/graphiql/',
    ]) {
      const res = await raw(h.gateway.url, path);
      expect(res.status, path).toBe(404);
      expect(res.body.toString(), path).toContain('no such GraphiQL file'); // answered by GraphiQL's route, as sent
      expect(res.body.toString(), path).not.toContain('"name": "jiguang-gateway"');
    }
    const post = await raw(h.gateway.url, asset, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });
});

describe('content negotiation', () => {
  it('follows Accept-Encoding q-values, preferring br, then gzip, then identity', () => {
    expect(negotiateEncoding(undefined)).toBe('identity');
    expect(negotiateEncoding('')).toBe('identity');
    expect(negotiateEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(negotiateEncoding('gzip')).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip')).toBe('gzip');
    expect(negotiateEncoding('br;q=0.5, gzip;q=0.8')).toBe('gzip');
    expect(negotiateEncoding('*')).toBe('br');
    expect(negotiateEncoding('*;q=0')).toBe('identity');
    expect(negotiateEncoding('identity')).toBe('identity');
    expect(negotiateEncoding('deflate')).toBe('identity');
    expect(negotiateEncoding('x-gzip')).toBe('gzip');
  });

  it('compares ETags weakly for If-None-Match', () => {
    expect(notModified('"a-br"', '"a-br"')).toBe(true);
    expect(notModified('W/"a-br"', '"a-br"')).toBe(true);
    expect(notModified('"a"', '"a-br"')).toBe(false);
    expect(notModified(undefined, '"a"')).toBe(false);
  });
});

describe('trusted-documents mode', () => {
  let trusted: Harness;
  beforeAll(async () => {
    trusted = await startHarness({ env: { GATEWAY_TRUSTED_DOCUMENTS: 'true' } });
  });
  afterAll(() => trusted.close());

  it('offers exactly the manifest operations, each with its id, and the probe by id', async () => {
    const { config } = await page(trusted);
    expect(config.mode).toBe('trusted');
    const ids = new Set(Object.values(config.trustedIds));
    const documents = trusted.config.documents.list;
    expect(ids).toEqual(new Set(documents.map((d) => d.id)));
    expect(config.tabs).toHaveLength(documents.length);
    expect((config.probe as { documentId: string }).documentId).toMatch(/^sha256:/);
    // The role is asked by the id of the gateway's own `Viewer` document.
    const viewer = (config.viewer as { documentId: string }).documentId;
    expect(trusted.config.documents.list.find((d) => d.id === viewer)?.document).toMatch(/^query Viewer \{/m);
    expect(config.introspectionId).toMatch(/^sha256:/);
    expect(config.storagePrefix).toMatch(/^jiguang-gateway-trusted-[0-9a-f]{12}:$/);
  });
});

it('is off when introspection is off', async () => {
  const prod = await startHarness({ env: { GATEWAY_INTROSPECTION: 'false' } });
  try {
    const assets = (await page()).assets;
    const page2 = await fetch(prod.gateway.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page2.headers.get('content-type')).not.toMatch(/^text\/html/);
    for (const asset of assets) expect((await fetch(`${prod.gateway.url}${asset}`)).status).toBe(404);
  } finally {
    await prod.close();
  }
});
