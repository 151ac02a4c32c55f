// What the benchmark asks: the GraphQL documents of each scenario with their variables (the same
// request bodies go to the gateway and to the raw proxy, which tells them apart by operationName),
// the dashboard, and the documents the gateway must refuse. Link keys and dates come from the
// emulator's data, read once at start.
import type { App, Upstream } from './servers.js';

const DAY_MS = 86_400_000;
/** Jiguang's days are UTC+8 calendar days (statistics rows, "today"). */
const chinaToday = () => Math.floor((Date.now() + 8 * 3_600_000) / DAY_MS);
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

export interface BenchData {
  /** The seeded app with 600 links, and the one with 120. */
  shop: App;
  news: App;
  /** Every link key of each, in JMLink's order. */
  keys: Map<string, string[]>;
  today: number;
}

/** The seeded apps' link keys, read straight from the emulator (pages of 500). */
export async function loadBenchData(upstream: Upstream): Promise<BenchData> {
  const [shop, news] = upstream.apps;
  if (!shop || !news) throw new Error('the emulator has fewer than two seeded apps');
  const keys = new Map<string, string[]>();
  for (const app of [shop, news]) {
    const auth = `Basic ${Buffer.from(`${app.appKey}:${app.masterSecret}`).toString('base64')}`;
    const all: string[] = [];
    for (let index = 1; ; index++) {
      const res = await fetch(`${upstream.url}/v1/links?page_index=${index}&page_size=500`, { headers: { authorization: auth } });
      const page = (await res.json()) as { total: number; records: { link_key: string }[] };
      all.push(...page.records.map((r) => r.link_key));
      if (all.length >= page.total || page.records.length === 0) break;
    }
    keys.set(app.appKey, all);
  }
  await upstream.resetCalls();
  return { shop, news, keys, today: chinaToday() };
}

export const body = (operationName: string, query: string, variables: Record<string, unknown>) => JSON.stringify({ operationName, query, variables });

const keyAt = (data: BenchData, app: App, index: number): string => {
  const keys = data.keys.get(app.appKey)!;
  return keys[Math.min(index, keys.length - 1)]!;
};

// ---- the CPU scenarios ---------------------------------------------------------------------

export type ScenarioId = 'page' | 'stats' | 'bykey' | 'latency';

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** Concurrent connections; 0 = the --connections setting. */
  connections: number;
  /**
   * Request bodies, sent in turn. Identical reads in flight are shared by the gateway (and so by the
   * proxy): variants whose calls differ keep concurrent requests from sharing theirs, so each
   * request pays for its own calls, as it would without a crowd asking the same thing at once.
   */
  bodies: string[];
  /** JMLink calls one request makes on its own (the gateway and the proxy alike). */
  calls: number;
  note?: string;
}

const ONE_PAGE = `query OnePage($appKey: ID!, $after: String) {
  app(appKey: $appKey) {
    shortLinks(first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { key url name channel createdOn landingPage } }
  }
}`;

/** The gateway's cursor of a position in an app's link list (src/resolvers/jmlink.ts). */
const cursor = (position: number) => Buffer.from(`link:${position}`).toString('base64url');

const STATS_3 = `query Stats3($appKey: ID!, $f0: LocalDate!, $t0: LocalDate!, $f1: LocalDate!, $t1: LocalDate!, $f2: LocalDate!, $t2: LocalDate!) {
  app(appKey: $appKey) {
    shortLinks(first: 20) {
      nodes {
        key
        r0: stats(from: $f0, to: $t0) { totals { exposures clicks opens installs } }
        r1: stats(from: $f1, to: $t1) { totals { clicks installs } }
        r2: stats(from: $f2, to: $t2) { days { day clicks } totals { clicks } }
      }
    }
  }
}`;

const BY_KEY_COUNT = 10;
const BY_KEY = `query ByKey($appKey: ID!, ${Array.from({ length: BY_KEY_COUNT }, (_, i) => `$k${i}: String!`).join(', ')}) {
  app(appKey: $appKey) {
${Array.from({ length: BY_KEY_COUNT }, (_, i) => `    l${i}: shortLink(key: $k${i}) { key url name channel createdOn }`).join('\n')}
  }
}`;

export function scenarios(data: BenchData): Scenario[] {
  const appKey = data.shop.appKey;
  const t = data.today;
  // 20 links from every 10th position of both apps (70 windows): one JMLink call each, of the
  // smallest page that holds the window (20 at offsets 0, 20, 40…, 21–30 between).
  const pages: string[] = [];
  for (const app of [data.shop, data.news]) {
    const count = data.keys.get(app.appKey)!.length;
    for (let offset = 0; offset + 20 <= count; offset += 10) pages.push(body('OnePage', ONE_PAGE, { appKey: app.appKey, after: offset === 0 ? null : cursor(offset - 1) }));
  }
  // The first 20 links (a year old: every day has data) with three overlapping ranges over 60 days,
  // which the gateway merges into one call per link; 100 variants end 0–99 days ago.
  const stats = Array.from({ length: 100 }, (_, shift) => {
    const end = t - shift;
    return body('Stats3', STATS_3, { appKey, f0: dateOf(end - 60), t0: dateOf(end - 30), f1: dateOf(end - 45), t1: dateOf(end - 15), f2: dateOf(end - 30), t2: dateOf(end) });
  });
  // Ten keys spread over the 600 links: the walk reads both pages of 500.
  const keys = Object.fromEntries(Array.from({ length: BY_KEY_COUNT }, (_, i) => [`k${i}`, keyAt(data, data.shop, 3 + i * 61)]));
  return [
    {
      id: 'page',
      title: 'one page of 20 links',
      connections: 0,
      bodies: pages,
      calls: 1,
      note: '20 links from each of 70 positions of both apps in turn, so concurrent requests rarely ask the same page',
    },
    {
      id: 'stats',
      title: '20 links × 3 overlapping stats ranges',
      connections: 0,
      bodies: stats,
      calls: 21,
      note: 'ranges shifted by 0–99 days in turn; concurrent requests share the one page call',
    },
    {
      id: 'bykey',
      title: '10 links by key',
      connections: 0,
      bodies: [body('ByKey', BY_KEY, { appKey, ...keys })],
      calls: 2,
      note: 'every lookup walks the same two pages of 500, so concurrent requests share those calls, in the gateway and the proxy alike',
    },
    { id: 'latency', title: 'one page of 20 links (added latency)', connections: 1, bodies: pages, calls: 1, note: 'the 70 windows in turn' },
  ];
}

// ---- the dashboard -------------------------------------------------------------------------

/** An app, its first 20 links with 30 days of statistics, and one link by key (test/gateway/traffic.test.ts). */
export const DASHBOARD = `query Dashboard($appKey: ID!, $from: LocalDate!, $to: LocalDate!, $key: String!) {
  app(appKey: $appKey) {
    name
    shortLinks(first: 20) { totalCount nodes { key name stats(from: $from, to: $to) { totals { clicks installs } } } }
    shortLink(key: $key) { key url stats(from: $from, to: $to) { days { day clicks } } }
  }
}`;

/** M dashboards: the two apps with links, each with `perApp` different links opened by key. */
export function dashboards(data: BenchData, perApp = 5): string[] {
  const from = dateOf(data.today - 29);
  const to = dateOf(data.today);
  const out: string[] = [];
  for (const app of [data.shop, data.news]) {
    const count = data.keys.get(app.appKey)!.length;
    // One of the first 20 (its statistics are shared with the list) and others across the list.
    for (let i = 0; i < perApp; i++)
      out.push(body('Dashboard', DASHBOARD, { appKey: app.appKey, from, to, key: keyAt(data, app, i === 0 ? 7 : Math.floor(((i + 0.5) * count) / perApp)) }));
  }
  return out;
}

// ---- documents the gateway must refuse -----------------------------------------------------

/** 22 levels of fragments each spreading the next twice: 2^22 `__typename` once expanded. */
export function fragmentBomb(levels = 22): string {
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  return JSON.stringify({ query: `query { ...F0 } ${fragments.join(' ')} fragment F${levels} on Query { __typename }` });
}

/** A document of about `bytes` (aliases of __typename), its JSON body just under the 1 MiB body limit. */
export function hugeDocument(bytes = 1_000_000): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const alias = `a${i}: __typename `;
    parts.push(alias);
    size += alias.length;
  }
  return JSON.stringify({ query: `query { ${parts.join('')}}` });
}
