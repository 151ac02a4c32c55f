// The baseline of `npm run bench`: the benchmark's screens served with no GraphQL library at all —
// node:http, undici and JSON built by hand. It answers the same POST /graphql requests (told apart
// by operationName; their variables read as the gateway reads them) by making the same JMLink calls
// the gateway makes (the same pages; statistics merged per link into one call over the union of the
// ranges; a link by key found by walking pages of 500; identical reads in flight shared, as the
// gateway coalesces them) and writes byte for byte the body the gateway writes. It cannot cache.
// Plain .mjs, run by plain `node` like dist/main.js, so no loader or compiler sits in its process.
//   env: PORT, JIGUANG_APPS, JIGUANG_JMLINK_URL, GATEWAY_TOKENS (the gateway's callers: same tokens)
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Agent } from 'undici';

const MAX_PAGE_SIZE = 500;
const MAX_STATS_RANGE_DAYS = 366;
const MAX_BODY_BYTES = 1024 * 1024;
const DAY_MS = 86_400_000;

const apps = new Map(JSON.parse(process.env.JIGUANG_APPS).map((a) => [a.appKey, { ...a, auth: `Basic ${Buffer.from(`${a.appKey}:${a.masterSecret}`).toString('base64')}` }]));
const origin = process.env.JIGUANG_JMLINK_URL;
const tokenHashes = new Set(JSON.parse(process.env.GATEWAY_TOKENS).map((t) => t.sha256.toLowerCase()));
// The gateway's pool settings (src/http/transport.ts).
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 64, pipelining: 1 });

class Failure extends Error {}

// ---- upstream ----------------------------------------------------------------------------------

/** Identical calls in flight, from any request, share one call (the gateway's coalescing). */
const inflight = new Map();

/** A JMLink GET, once per request (per-request memo: DataLoader's role) and shared while in flight. */
function get(req, app, path) {
  const key = `${app.appKey} ${path}`;
  let promise = req.memo.get(key);
  if (promise) return promise;
  promise = inflight.get(key);
  if (!promise) {
    promise = call(app, path, req.id);
    inflight.set(key, promise);
    const done = () => inflight.delete(key);
    promise.then(done, done);
  }
  req.memo.set(key, promise);
  return promise;
}

async function call(app, path, requestId) {
  const res = await agent.request({
    origin,
    path,
    method: 'GET',
    headers: { authorization: app.auth, accept: 'application/json', 'x-request-id': requestId },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Failure(`JMLink answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

const page = (req, app, index, size) => get(req, app, `/v1/links?page_index=${index}&page_size=${size}`);

/** Rows of one statistics call, renamed as the gateway renames them. */
async function statsCall(req, app, linkKey, from, to) {
  const body = await get(req, app, `/v1/links/${encodeURIComponent(linkKey)}/stat?start_date=${dateOf(from)}&end_date=${dateOf(to)}&platform=all`);
  return (body.data ?? []).map((r) => ({
    day: String(r.iday).slice(0, 10),
    exposures: count(r.exposure_count),
    clicks: count(r.click_count),
    opens: count(r.open_count),
    installs: count(r.install_count),
  }));
}

/** The rows of every range asked for one link, with the gateway's merging: one call per covering range. */
async function statsOfRanges(req, app, linkKey, ranges) {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const covering = [];
  for (const r of sorted) {
    const last = covering.at(-1);
    if (last && Math.max(last.to, r.to) - last.from + 1 <= MAX_STATS_RANGE_DAYS) last.to = Math.max(last.to, r.to);
    else covering.push({ from: r.from, to: r.to });
  }
  const rows = await Promise.all(covering.map((c) => statsCall(req, app, linkKey, c.from, c.to)));
  return ranges.map((r) => {
    const i = covering.findIndex((c) => c.from <= r.from && r.to <= c.to);
    const fromDate = dateOf(r.from);
    const toDate = dateOf(r.to);
    return rows[i].filter((d) => d.day >= fromDate && d.day <= toDate);
  });
}

/** Links by key: pages of 500 from the first, until every key is found (the gateway's walk). */
async function linksByKey(req, app, keys) {
  const missing = new Set(keys);
  const found = new Map();
  for (let index = 1, pageCount = 1; index <= pageCount && missing.size > 0; index++) {
    const p = await page(req, app, index, MAX_PAGE_SIZE);
    pageCount = Math.ceil(p.total / MAX_PAGE_SIZE);
    for (const r of p.records) if (missing.delete(r.link_key)) found.set(r.link_key, r);
  }
  if (missing.size > 0) throw new Failure(`App ${app.appKey} has no short link with key "${[...missing][0]}".`);
  return found;
}

// ---- the screens -------------------------------------------------------------------------------

const operations = {
  // shortLinks(first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { key url name channel createdOn landingPage } }
  async OnePage(req, v) {
    const app = appOf(v.appKey);
    const first = 20;
    const offset = v.after == null ? 0 : decodeCursor(v.after) + 1;
    const holding = pageHolding(offset, first);
    if (!holding) throw new Failure('raw-proxy reads only windows that one JMLink page holds');
    const p = await page(req, app, holding.pageIndex, holding.pageSize);
    const start = offset - (holding.pageIndex - 1) * holding.pageSize;
    const nodes = p.records
      .slice(start, start + first)
      .map((r) => ({ key: r.link_key, url: shortUrl(r), name: r.name, channel: r.channel, createdOn: day(r.create_time), landingPage: landingPage(r.landing_page) }));
    const pageInfo = { hasNextPage: offset + nodes.length < p.total, endCursor: nodes.length > 0 ? cursor(offset + nodes.length - 1) : null };
    return { app: { shortLinks: { totalCount: p.total, pageInfo, nodes } } };
  },

  // shortLinks(first: 20) { nodes { key r0: stats(f0..t0) { totals {…4} } r1: stats(f1..t1) { totals { clicks installs } } r2: stats(f2..t2) { days { day clicks } totals { clicks } } } }
  async Stats3(req, v) {
    const app = appOf(v.appKey);
    const ranges = [0, 1, 2].map((i) => ({ from: dayNumber(v[`f${i}`]), to: dayNumber(v[`t${i}`]) }));
    const p = await page(req, app, 1, 20);
    const nodes = await Promise.all(
      p.records.slice(0, 20).map(async (r) => {
        const [d0, d1, d2] = await statsOfRanges(req, app, r.link_key, ranges);
        const t0 = totals(d0);
        const t1 = totals(d1);
        return {
          key: r.link_key,
          r0: { totals: t0 },
          r1: { totals: { clicks: t1.clicks, installs: t1.installs } },
          r2: { days: d2.map((d) => ({ day: d.day, clicks: d.clicks })), totals: { clicks: totals(d2).clicks } },
        };
      }),
    );
    return { app: { shortLinks: { nodes } } };
  },

  // l0: shortLink(key: $k0) { key url name channel createdOn } … l9
  async ByKey(req, v) {
    const app = appOf(v.appKey);
    const aliases = Object.keys(v)
      .filter((k) => /^k\d+$/.test(k))
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    const found = await linksByKey(
      req,
      app,
      aliases.map((k) => v[k]),
    );
    const out = {};
    for (const k of aliases) {
      const r = found.get(v[k]);
      out[`l${k.slice(1)}`] = { key: r.link_key, url: shortUrl(r), name: r.name, channel: r.channel, createdOn: day(r.create_time) };
    }
    return { app: out };
  },

  // name shortLinks(first: 20) { totalCount nodes { key name stats { totals { clicks installs } } } } shortLink(key) { key url stats { days { day clicks } } }
  async Dashboard(req, v) {
    const app = appOf(v.appKey);
    const range = [{ from: dayNumber(v.from), to: dayNumber(v.to) }];
    const [links, one] = await Promise.all([
      (async () => {
        const p = await page(req, app, 1, 20);
        const nodes = await Promise.all(
          p.records.slice(0, 20).map(async (r) => {
            const t = totals((await statsOfRanges(req, app, r.link_key, range))[0]);
            return { key: r.link_key, name: r.name, stats: { totals: { clicks: t.clicks, installs: t.installs } } };
          }),
        );
        return { totalCount: p.total, nodes };
      })(),
      (async () => {
        const r = (await linksByKey(req, app, [v.key])).get(v.key);
        const days = (await statsOfRanges(req, app, r.link_key, range))[0];
        return { key: r.link_key, url: shortUrl(r), stats: { days: days.map((d) => ({ day: d.day, clicks: d.clicks })) } };
      })(),
    ]);
    return { app: { name: app.name, shortLinks: links, shortLink: one } };
  },
};

// ---- values as the gateway writes them -----------------------------------------------------------

function appOf(appKey) {
  const app = apps.get(appKey);
  if (!app) throw new Failure(`No app with key "${appKey}" is known to the gateway.`);
  return app;
}
const shortUrl = (r) => `https://${r.app_domain}/${r.link_key}`;
const day = (text) => String(text ?? '').slice(0, 10);
const landingPage = (value) => (typeof value === 'string' && value !== '' && URL.canParse(value) ? value : null);
const cursor = (position) => Buffer.from(`link:${position}`).toString('base64url');
function decodeCursor(text) {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const position = Number(decoded.slice('link:'.length));
  if (!decoded.startsWith('link:') || !Number.isSafeInteger(position) || position < 0) throw new Failure('`after` is not a cursor this API returned.');
  return position;
}
/** The smallest JMLink page (size first..500) holding the window [offset, offset + first) (the gateway's pageHolding). */
function pageHolding(offset, first) {
  for (let size = first; size <= MAX_PAGE_SIZE; size++) {
    const index = Math.floor(offset / size);
    if (index === Math.floor((offset + first - 1) / size)) return { pageIndex: index + 1, pageSize: size };
  }
  return null;
}
function count(value) {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.trunc(n) : 0;
}
function totals(days) {
  const t = { exposures: 0, clicks: 0, opens: 0, installs: 0 };
  for (const d of days) {
    t.exposures += d.exposures;
    t.clicks += d.clicks;
    t.opens += d.opens;
    t.installs += d.installs;
  }
  return t;
}
const dayNumber = (date) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const dateOf = (n) => new Date(n * DAY_MS).toISOString().slice(0, 10);

// ---- HTTP --------------------------------------------------------------------------------------

function send(res, status, body, requestId) {
  res.writeHead(status, { 'x-request-id': requestId, 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
const errorBody = (message, code) => `${JSON.stringify({ errors: [{ message, extensions: { code } }] })}\n`;

async function handle(req, res) {
  const requestId = randomUUID();
  if (req.url !== '/graphql' || req.method !== 'POST') return send(res, 404, '{"error":"Not found. The GraphQL endpoint is /graphql."}', requestId);
  const bearer = /^Bearer\s+([A-Za-z0-9._~+/=-]{16,512})\s*$/i.exec(req.headers.authorization ?? '');
  if (!bearer || !tokenHashes.has(createHash('sha256').update(bearer[1], 'utf8').digest('hex'))) {
    req.resume();
    return send(res, 401, errorBody('A valid bearer token is required.', 'UNAUTHENTICATED'), requestId);
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return send(res, 413, errorBody('The request body is too large.', 'BAD_REQUEST'), requestId);
    chunks.push(chunk);
  }
  let request;
  try {
    request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return send(res, 400, errorBody('The body is not JSON.', 'BAD_REQUEST'), requestId);
  }
  const operation = operations[request?.operationName];
  if (!operation) return send(res, 400, errorBody(`raw-proxy knows only ${Object.keys(operations).join(', ')}.`, 'BAD_REQUEST'), requestId);
  try {
    const data = await operation({ id: requestId, memo: new Map() }, request.variables ?? {});
    send(res, 200, `${JSON.stringify({ data })}\n`, requestId);
  } catch (error) {
    const message = error instanceof Failure ? error.message : `raw-proxy failed: ${error?.message ?? error}`;
    send(res, 200, `${JSON.stringify({ errors: [{ message }], data: null })}\n`, requestId);
  }
}

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  handle(req, res).catch((error) => {
    if (!res.headersSent) send(res, 500, errorBody(String(error?.message ?? error), 'INTERNAL_SERVER_ERROR'), 'none');
    else res.destroy();
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`raw-proxy listening at http://127.0.0.1:${server.address().port}/graphql`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    void agent.close().finally(() => process.exit(0));
  });
}
