// The happy paths a user walks: app → short links → stats, app → portrait tags, paging across
// JMLink's 500-record pages, and the upstream call counts that batching promises.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  App,
  LinkStat,
  LinkStats,
  LinkStatTotals,
  PageInfo,
  PortraitSubject,
  PortraitTag,
  PortraitTags,
  ShortLink,
  ShortLinkConnection,
  ShortLinkEdge,
} from '../../src/generated/graphql.js';
import { type GraphQLResult, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
let appKey: string;
beforeAll(async () => {
  h = await startHarness();
  appKey = h.emulator.apps[0]!.appKey;
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

const LINKS = /* GraphQL */ `
  query Links($appKey: ID!, $first: Int, $after: String) {
    app(appKey: $appKey) {
      shortLinks(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id key url domain createdOn } }
      }
    }
  }
`;
/** What LINKS answers (URL values arrive as strings). */
type Links = {
  app: {
    shortLinks: Pick<ShortLinkConnection, 'totalCount'> & {
      pageInfo: Required<Pick<PageInfo, 'hasNextPage' | 'hasPreviousPage' | 'startCursor' | 'endCursor'>>;
      edges: (Pick<ShortLinkEdge, 'cursor'> & { node: Pick<ShortLink, 'id' | 'key' | 'domain' | 'createdOn'> & { url: string } })[];
    };
  };
};
type Totals = Omit<LinkStatTotals, '__typename'>;
type Day = Omit<LinkStat, '__typename'>;
/** A link's first key and creation day. */
type FirstLink = { app: { shortLinks: { nodes: Pick<ShortLink, 'key' | 'createdOn'>[] } } };

describe('walking the graph', () => {
  it('lists the apps from the registry without calling Jiguang', async () => {
    const r = await h.gql<{ apps: Required<Pick<App, 'appKey' | 'name' | 'androidPackage' | 'groupName'>>[] }>('{ apps { appKey name androidPackage groupName } }');
    expect(r.status).toBe(200);
    expect(r.body.data!.apps.map((a) => a.appKey).sort()).toEqual(h.emulator.apps.map((a) => a.appKey).sort());
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('walks app → short links → stats with totals, and app → portrait tags, in one query', async () => {
    const r = await h.gql<{
      app: Pick<App, 'name'> & {
        shortLinks: Pick<ShortLinkConnection, 'totalCount'> & {
          nodes: (Pick<ShortLink, 'key' | 'name' | 'channel' | 'domain' | 'jumpLinkType' | 'createdOn' | 'updatedOn' | 'shareTitle'> & {
            url: string;
            landingPage: string | null;
            stats: Pick<LinkStats, 'from' | 'to' | 'platform'> & { days: Pick<LinkStat, 'day'>[]; totals: Pick<LinkStatTotals, 'clicks'> };
          })[];
        };
        portraitTags: Pick<PortraitTags, 'found'> & { subject: Pick<PortraitSubject, 'idType' | 'value'>; tags: Pick<PortraitTag, 'code' | 'score'>[] };
      };
    }>(
      `query($appKey: ID!) { app(appKey: $appKey) {
          name
          shortLinks(first: 3) { totalCount nodes { key url name channel domain jumpLinkType landingPage createdOn updatedOn shareTitle
            stats(from: "2000-01-01", to: "2000-01-02") { from to platform days { day } totals { clicks } } } }
          portraitTags(subject: { idType: IMEI, value: "861234567890123" }) { found subject { idType value } tags { code score } }
        } }`,
      { appKey },
    );
    expect(r.body.errors).toBeUndefined();
    const app = r.body.data!.app;
    expect(app.shortLinks.nodes).toHaveLength(3);
    for (const link of app.shortLinks.nodes) {
      expect(link.url).toBe(`https://${link.domain}/${link.key}`);
      expect(link.createdOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(link.stats).toMatchObject({ from: '2000-01-01', to: '2000-01-02', platform: 'ALL', days: [], totals: { clicks: 0 } });
    }
    expect(app.portraitTags.subject).toEqual({ idType: 'IMEI', value: '861234567890123' });
    for (const t of app.portraitTags.tags) {
      expect(typeof t.score).toBe('number');
      expect(t.score).toBeGreaterThanOrEqual(0);
      expect(t.score).toBeLessThanOrEqual(1);
    }
  });

  it('returns daily rows whose totals are their sums, and ALL = ANDROID + IOS', async () => {
    const first = await h.gql<FirstLink>(`query($appKey: ID!) { app(appKey: $appKey) { shortLinks(first: 1) { nodes { key createdOn } } } }`, { appKey });
    const { key, createdOn } = first.body.data!.app.shortLinks.nodes[0]!;
    const from = createdOn;
    const to = new Date(Date.parse(createdOn) + 29 * 86_400_000).toISOString().slice(0, 10);
    const r = await h.gql<{ app: { shortLink: { all: { days: Day[]; totals: Totals }; android: { totals: Pick<Totals, 'clicks'> }; ios: { totals: Pick<Totals, 'clicks'> } } } }>(
      `query($appKey: ID!, $key: String!, $from: LocalDate!, $to: LocalDate!) { app(appKey: $appKey) { shortLink(key: $key) {
          all: stats(from: $from, to: $to) { days { day exposures clicks opens installs } totals { exposures clicks opens installs } }
          android: stats(from: $from, to: $to, platform: ANDROID) { totals { clicks } }
          ios: stats(from: $from, to: $to, platform: IOS) { totals { clicks } }
        } } }`,
      { appKey, key, from, to },
    );
    expect(r.body.errors).toBeUndefined();
    const link = r.body.data!.app.shortLink;
    expect(link.all.days.length).toBeGreaterThan(0);
    const sum = (f: keyof Totals) => link.all.days.reduce((s, d) => s + d[f], 0);
    expect(link.all.totals).toEqual({ exposures: sum('exposures'), clicks: sum('clicks'), opens: sum('opens'), installs: sum('installs') });
    expect(link.all.totals.clicks).toBe(link.android.totals.clicks + link.ios.totals.clicks);
    for (const d of link.all.days) expect(d.day >= from && d.day <= to).toBe(true);
  });
  it('an explicit null platform counts every platform, as leaving it out does', async () => {
    const first = await h.gql<FirstLink>(`query($appKey: ID!) { app(appKey: $appKey) { shortLinks(first: 1) { nodes { key createdOn } } } }`, { appKey });
    const { key, createdOn: from } = first.body.data!.app.shortLinks.nodes[0]!;
    const to = new Date(Date.parse(from) + 9 * 86_400_000).toISOString().slice(0, 10);
    const r = await h.gql<{
      app: {
        shortLink: {
          absent: { platform: string; totals: Pick<Totals, 'clicks'> };
          nullLiteral: { platform: string; totals: Pick<Totals, 'clicks'> };
          nullVariable: { platform: string; totals: Pick<Totals, 'clicks'> };
        };
      };
    }>(
      `query($appKey: ID!, $key: String!, $from: LocalDate!, $to: LocalDate!, $p: LinkPlatform) { app(appKey: $appKey) { shortLink(key: $key) {
          absent: stats(from: $from, to: $to) { platform totals { clicks } }
          nullLiteral: stats(from: $from, to: $to, platform: null) { platform totals { clicks } }
          nullVariable: stats(from: $from, to: $to, platform: $p) { platform totals { clicks } }
        } } }`,
      { appKey, key, from, to, p: null },
    );
    expect(r.body.errors).toBeUndefined();
    const link = r.body.data!.app.shortLink;
    expect(link.nullLiteral).toEqual(link.absent);
    expect(link.nullVariable).toEqual(link.absent);
    expect(link.absent.platform).toBe('ALL');
  });
});

describe('paging over JMLink pages of 500', () => {
  it('walks every link with first/after and matches totalCount, crossing a JMLink page boundary', async () => {
    const seen: number[] = [];
    let after: string | null = null;
    let total = 0;
    for (let i = 0; i < 10; i++) {
      const r: GraphQLResult<Links> = await h.gql(LINKS, { appKey, first: 150, after });
      expect(r.body.errors).toBeUndefined();
      const c = r.body.data!.app.shortLinks;
      total = c.totalCount;
      seen.push(...c.edges.map((e) => e.node.id));
      expect(c.pageInfo.hasPreviousPage).toBe(after !== null);
      after = c.pageInfo.endCursor;
      if (!c.pageInfo.hasNextPage) break;
    }
    expect(total).toBeGreaterThan(500);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('serves any window with one list call of the smallest page that holds it', async () => {
    // Positions 450..549 straddle the 500-record boundary, but page 5 of 110 (440..549) holds them all.
    const r = await h.gql<Links>(LINKS, { appKey, first: 100, after: Buffer.from('link:449').toString('base64url') });
    const edges = r.body.data!.app.shortLinks.edges;
    expect(edges).toHaveLength(100);
    expect(edges[0]!.cursor).toBe(Buffer.from('link:450').toString('base64url'));
    const calls = h.emulator.calls.filter((c) => c.path === '/v1/links');
    expect(calls.map((c) => c.query)).toEqual([{ page_index: '5', page_size: '110' }]);
  });

  it('reads two pages of 500 when no page size holds the window', async () => {
    const r = await h.gql<Links>(LINKS, { appKey, first: 500, after: Buffer.from('link:49').toString('base64url') });
    expect(r.body.data!.app.shortLinks.edges).toHaveLength(500);
    expect(r.body.data!.app.shortLinks.edges.at(-1)!.cursor).toBe(Buffer.from('link:549').toString('base64url'));
    const calls = h.emulator.calls.filter((c) => c.path === '/v1/links');
    expect(calls.map((c) => c.query)).toEqual([
      { page_index: '1', page_size: '500' },
      { page_index: '2', page_size: '500' },
    ]);
  });

  it('answers an empty page past the end', async () => {
    const cursor = Buffer.from('link:100000').toString('base64url');
    const r = await h.gql<Links>(LINKS, { appKey, first: 5, after: cursor });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.app.shortLinks.edges).toEqual([]);
    expect(r.body.data!.app.shortLinks.pageInfo).toMatchObject({ hasNextPage: false, startCursor: null, endCursor: null });
  });
});

describe('batching with per-request DataLoaders', () => {
  it('makes identical upstream calls once per request', async () => {
    const r = await h.gql(
      `query($appKey: ID!) { app(appKey: $appKey) {
          a: shortLinks(first: 10) { totalCount } b: shortLinks(first: 10) { totalCount } c: shortLinks(first: 20) { totalCount }
          p1: portraitTags(subject: { idType: OAID, value: "oaid-1" }) { found }
          p2: portraitTags(subject: { idType: OAID, value: "oaid-1" }) { tags { code } }
          p3: portraitTags(subject: { idType: OAID, value: "oaid-1" }, tags: ["HADI_SHOPPING_MALL"]) { tags { code } }
        } }`,
      { appKey },
    );
    expect(r.body.errors).toBeUndefined();
    // a and b are the same page call; c needs a page of 20.
    expect(
      h.emulator.calls
        .filter((c) => c.service === 'jmlink')
        .map((c) => c.query.page_size)
        .sort(),
    ).toEqual(['10', '20']);
    expect(h.emulator.countCalls({ service: 'portrait' })).toBe(1);
    // Not shared across requests: the same query again calls again.
    await h.gql(`query($appKey: ID!) { app(appKey: $appKey) { shortLinks(first: 10) { totalCount } } }`, { appKey });
    expect(h.emulator.countCalls({ service: 'jmlink' })).toBe(3);
  });

  it('answers many shortLink(key) lookups from the fewest list-page calls', async () => {
    const all = await h.gql<Links>(LINKS, { appKey, first: 500, after: Buffer.from('link:99').toString('base64url') });
    const keys: string[] = all.body.data!.app.shortLinks.edges.map((e) => e.node.key);
    const early = keys.slice(0, 5); // positions 100..104: on JMLink page 1
    const late = keys.slice(-3); // positions 596..598: on page 2
    const fields = (ks: string[], p: string) => ks.map((k, i) => `${p}${i}: shortLink(key: "${k}") { key }`).join('\n');

    h.emulator.resetCalls();
    const r1 = await h.gql(`query($appKey: ID!) { app(appKey: $appKey) { ${fields(early, 'e')} } }`, { appKey });
    expect(r1.body.errors).toBeUndefined();
    expect(h.emulator.countCalls({ service: 'jmlink', pathPattern: '^/v1/links$' })).toBe(1);

    h.emulator.resetCalls();
    const r2 = await h.gql<{ app: Record<string, Pick<ShortLink, 'key'>> }>(`query($appKey: ID!) { app(appKey: $appKey) { ${fields([...early, ...late], 'k')} } }`, { appKey });
    expect(r2.body.errors).toBeUndefined();
    expect(Object.values(r2.body.data!.app).map((l) => l.key)).toEqual([...early, ...late]);
    expect(h.emulator.countCalls({ service: 'jmlink', pathPattern: '^/v1/links$' })).toBe(2);
  });

  it('fetches overlapping stats ranges of one link once, over their union, and slices them', async () => {
    const first = await h.gql<FirstLink>(`query($appKey: ID!) { app(appKey: $appKey) { shortLinks(first: 1) { nodes { key } } } }`, { appKey });
    const key = first.body.data!.app.shortLinks.nodes[0]!.key;
    const today = new Date().toISOString().slice(0, 10);
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    h.emulator.resetCalls();
    const r = await h.gql<{ app: { shortLink: Record<'a' | 'b' | 'c', { days: Pick<LinkStat, 'day' | 'clicks'>[] }> } }>(
      `query($appKey: ID!, $key: String!) { app(appKey: $appKey) { shortLink(key: $key) {
          a: stats(from: "${daysAgo(60)}", to: "${daysAgo(20)}") { days { day clicks } }
          b: stats(from: "${daysAgo(30)}", to: "${today}") { days { day clicks } }
          c: stats(from: "${daysAgo(40)}", to: "${daysAgo(35)}") { days { day clicks } }
        } } }`,
      { appKey, key },
    );
    expect(r.body.errors).toBeUndefined();
    const stats = h.emulator.calls.filter((c) => c.service === 'jmlink' && c.path.endsWith('/stat'));
    expect(stats).toHaveLength(1);
    expect(stats[0]!.query).toMatchObject({ start_date: daysAgo(60), end_date: today });
    const link = r.body.data!.app.shortLink;
    for (const d of link.a.days) expect(d.day >= daysAgo(60) && d.day <= daysAgo(20)).toBe(true);
    for (const d of link.c.days) expect(d.day >= daysAgo(40) && d.day <= daysAgo(35)).toBe(true);
    // The overlap of a and b agrees day by day.
    const b = new Map(link.b.days.map((d): [string, number] => [d.day, d.clicks]));
    for (const d of link.a.days) if (b.has(d.day)) expect(b.get(d.day)).toBe(d.clicks);
  });
});
