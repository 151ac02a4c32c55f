// Real traffic within Jiguang's quotas, against the emulator with its real quotas on: the number of
// upstream calls follows the distinct data asked for, not the number of people asking. The
// cross-request cache (per day for statistics), coalescing, the quota scheduler that obeys Jiguang's
// own signals, stale data when Jiguang fails, and invalidation by mutations (per-token fairness:
// fairness.test.ts).
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chinaToday, dateOfDay } from '../../src/core/dates.js';
import type { App, LinkStat, LinkStatTotals, ShortLink, VerificationStatus } from '../../src/generated/graphql.js';
import { type CallContext, RequestStats, UpstreamBudget } from '../../src/http/call.js';
import { linkPage } from '../../src/jmlink/endpoints.js';
import { codes, type Harness, startHarness } from '../helpers/harness.js';

const day = (offset: number) => dateOfDay(chinaToday() + offset);
/** What `{ app { shortLinks { nodes { key } } } }` answers. */
type LinkKeys = { app: { shortLinks: { nodes: Pick<ShortLink, 'key'>[] } } };
/** What `{ app { oneTapLogin { state } } }` answers. */
type OneTapState = { app: { oneTapLogin: Pick<VerificationStatus, 'state'> } };
/** What `createApp { app { appKey } }` answers. */
type CreatedKey = { createApp: { app: Pick<App, 'appKey'> } };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ cache: true, env: { GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE: '100000' } });
});
afterAll(() => h.close());
afterEach(async () => {
  h.emulator.clearFaults();
  await h.resetTraffic();
  h.emulator.resetCalls();
});

const JMLINK_LIST = { service: 'jmlink' as const, pathPattern: '^/v1/links$' };
const JMLINK_STATS = { service: 'jmlink' as const, pathPattern: '/stat$' };

/** The dashboard: an app, its first 20 links with 30 days of statistics, and one link by key. */
const DASHBOARD = `query Dashboard($appKey: ID!, $from: LocalDate!, $to: LocalDate!, $key: String!) {
  app(appKey: $appKey) {
    name
    shortLinks(first: 20) { totalCount nodes { key name stats(from: $from, to: $to) { totals { clicks installs } } } }
    shortLink(key: $key) { key url stats(from: $from, to: $to) { days { day clicks } } }
  }
}`;

describe('the dashboard at scale', () => {
  it('1,000 dashboards from 20 concurrent clients: 0 errors, every AppKey and API within its quota', { timeout: 120_000 }, async () => {
    const apps = h.emulator.apps.slice(0, 2);
    const keys = new Map<string, string>();
    for (const app of apps) {
      const r = await h.gql<LinkKeys>(`{ app(appKey: "${app.appKey}") { shortLinks(first: 20) { nodes { key } } } }`);
      keys.set(app.appKey, r.body.data!.app.shortLinks.nodes[7]!.key);
    }
    let next = 0;
    const failures: unknown[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 1_000) {
          const app = apps[next++ % apps.length]!;
          const r = await h.gql(DASHBOARD, { appKey: app.appKey, from: day(-30), to: day(0), key: keys.get(app.appKey) });
          if (r.status !== 200 || r.body.errors) failures.push(r.body.errors ?? r.status);
        }
      }),
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(failures).toEqual([]);
    for (const app of apps) {
      expect(h.emulator.maxPerWindow({ ...JMLINK_LIST, appKey: app.appKey }, 60_000)).toBeLessThanOrEqual(100);
      expect(h.emulator.maxPerWindow({ ...JMLINK_STATS, appKey: app.appKey }, 60_000)).toBeLessThanOrEqual(500);
    }
    // The calls follow the distinct data: a page and 20 links' statistics per app, not per dashboard.
    expect(h.emulator.countCalls({ service: 'jmlink' })).toBeLessThan(100);
    expect(h.emulator.calls.filter((c) => c.status !== 200)).toEqual([]);
  });

  it('identical reads in flight from many requests become one call', async () => {
    const appKey = h.emulator.apps[1]!.appKey;
    const results = await Promise.all(Array.from({ length: 20 }, () => h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 7) { totalCount } } }`)));
    expect(results.every((r) => !r.body.errors)).toBe(true);
    expect(h.emulator.countCalls(JMLINK_LIST)).toBe(1);
  });
});

describe('a call every waiting request left', () => {
  it('is forgotten at once: the next request makes its own call instead of joining a cancelled one', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    h.emulator.injectFault({ service: 'jmlink', delayMs: 300, times: 1, pathPattern: '^/v1/links$' });
    const call = (signal: AbortSignal): CallContext => ({
      requestId: 'r',
      signal,
      deadline: Date.now() + 5_000,
      caller: null,
      budget: new UpstreamBudget(10),
      stats: new RequestStats(),
    });
    const params = { appKey, pageIndex: 1, pageSize: 13 };
    const leaving = new AbortController();
    const first = h.gateway.upstream.fetch(linkPage, params, call(leaving.signal), 'flight-key');
    await new Promise((r) => setTimeout(r, 50));
    // The only waiter leaves, and another request asks for the same data in the same tick.
    leaving.abort();
    const next = h.gateway.upstream.fetch(linkPage, params, call(new AbortController().signal), 'flight-key');
    await expect(first).rejects.toMatchObject({ extensions: { code: 'REQUEST_CANCELLED' } });
    expect((await next).total).toBe(600);
  });
});

describe('statistics are kept per day', () => {
  it('Oct 1–31 after Oct 1–15 asks Jiguang only for Oct 16–31, in one call', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    const link = (await h.gql<LinkKeys>(`{ app(appKey: "${appKey}") { shortLinks(first: 1) { nodes { key } } } }`)).body.data!.app.shortLinks.nodes[0]!.key;
    const ask = (from: string, to: string) =>
      h.gql<{ app: { shortLink: { stats: { days: Pick<LinkStat, 'day' | 'clicks'>[]; totals: Pick<LinkStatTotals, 'clicks'> } } } }>(
        `{ app(appKey: "${appKey}") { shortLink(key: "${link}") { stats(from: "${from}", to: "${to}") { days { day clicks } totals { clicks } } } } }`,
      );
    const first = await ask(day(-60), day(-46));
    h.emulator.resetCalls();
    const whole = await ask(day(-60), day(-30));
    expect(first.body.errors).toBeUndefined();
    expect(whole.body.errors).toBeUndefined();
    const stats = h.emulator.calls.filter((c) => c.path.endsWith('/stat'));
    expect(stats.map((c) => [c.query.start_date, c.query.end_date])).toEqual([[day(-45), day(-30)]]);
    // The days answered from the cache are the same as Jiguang's.
    expect(whole.body.data!.app.shortLink.stats.days.slice(0, 15)).toEqual(first.body.data!.app.shortLink.stats.days);
    h.emulator.resetCalls();
    expect((await ask(day(-55), day(-35))).body.errors).toBeUndefined();
    expect(h.emulator.countCalls(JMLINK_STATS)).toBe(0);
  });
});

describe("Jiguang's own rate-limit signals are authoritative", () => {
  it('after a 3006 with X-Rate-Limit-Reset, no call reaches that bucket until the reset: later calls wait for it', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    h.emulator.injectFault({ service: 'jmlink', pathPattern: '^/v1/links$', kind: 'business', code: 3006, resetSeconds: 2, times: 1 });
    const q = (n: number) => h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: ${n}) { totalCount } } }`);
    const limited = await q(3);
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
    expect(limited.body.errors![0]!.extensions!.retryAfterSeconds).toBe(2);
    // Another app's bucket is not paused.
    expect((await h.gql(`{ app(appKey: "${h.emulator.apps[1]!.appKey}") { shortLinks(first: 3) { totalCount } } }`)).body.errors).toBeUndefined();
    const during = await Promise.all([q(4), q(5), q(6)]);
    for (const r of during) expect(r.body.errors).toBeUndefined();
    const calls = h.emulator.calls.filter((c) => c.appKey === appKey && c.path === '/v1/links');
    expect(calls).toHaveLength(4);
    for (const later of calls.slice(1)) expect(later.at - calls[0]!.at).toBeGreaterThanOrEqual(1_900);
  });

  it('after an HTTP 429 with X-Rate-Limit-Reset (JPush Admin), nothing goes to that bucket until the reset', async () => {
    h.emulator.injectFault({ service: 'push-admin', kind: 'status', status: 429, resetSeconds: 2, times: 1 });
    const create = (pkg: string) =>
      h.gql(`mutation { createApp(input: { name: "Q", androidPackage: "${pkg}" }) { newlyCreated } }`, undefined, { authorization: `Bearer ${h.tokens.admin}` });
    const first = await create('com.example.quota.a');
    expect(codes(first)).toEqual(['RATE_LIMITED']);
    expect(first.body.errors![0]!.extensions!.jiguang).toMatchObject({ businessCode: 2002, httpStatus: 429 });
    expect(first.body.errors![0]!.extensions!.retryAfterSeconds).toBe(2);
    expect((await create('com.example.quota.b')).body.errors).toBeUndefined();
    const calls = h.emulator.calls.filter((c) => c.service === 'push-admin');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1_900);
  });

  it('when no slot comes within the request deadline: RATE_LIMITED at once, with retryAfterSeconds, no call', async () => {
    h.emulator.injectFault({ service: 'jmlink', pathPattern: '^/v1/links$', kind: 'business', code: 3006, resetSeconds: 40, times: 1 });
    const appKey = h.emulator.apps[1]!.appKey;
    expect(codes(await h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 3) { totalCount } } }`))).toEqual(['RATE_LIMITED']);
    const started = Date.now();
    const refused = await h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 4) { totalCount } } }`);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.body.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(30);
    expect(h.emulator.countCalls({ ...JMLINK_LIST, appKey })).toBe(1);
  });

  it('X-Rate-Limit-Remaining: 0 on a success pauses the bucket too: the next call is not sent (RATE_LIMITED when no wait is allowed)', async () => {
    // The emulator's clock stands still in the middle of a minute, so its fixed window cannot roll over
    // between the calls (with a real clock the test failed whenever a minute began mid-test).
    const midMinute = Math.floor(Date.now() / 60_000) * 60_000 + 30_000;
    const limited = await startHarness({ cache: true, emulator: { now: () => midMinute, rateLimits: { jmlinkLinksPerMinute: 2 } }, env: { GATEWAY_QUOTA_MAX_WAIT_MS: '0' } });
    try {
      const appKey = limited.emulator.apps[0]!.appKey;
      for (const n of [1, 2]) expect((await limited.gql(`{ app(appKey: "${appKey}") { shortLinks(first: ${n}) { totalCount } } }`)).body.errors).toBeUndefined();
      const r = await limited.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 3) { totalCount } } }`);
      expect(codes(r)).toEqual(['RATE_LIMITED']);
      expect(limited.emulator.calls.filter((c) => c.status === 403)).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});

describe('stale data when Jiguang fails', () => {
  it('with the emulator down, cached data is served marked stale; without cached data, a coded error', async () => {
    const short = await startHarness({ cache: true, env: { GATEWAY_CACHE_LINK_PAGES_SECONDS: '1', GATEWAY_CACHE_GRACE_SECONDS: '0' } });
    try {
      const appKey = short.emulator.apps[0]!.appKey;
      const query = `{ app(appKey: "${appKey}") { shortLinks(first: 2) { totalCount nodes { key } } } }`;
      const fresh = await short.gql(query);
      expect(fresh.body.extensions?.stale).toBeUndefined();
      await new Promise((r) => setTimeout(r, 1_100));
      await short.emulator.stop();
      const stale = await short.gql(query);
      expect(stale.body.errors).toBeUndefined();
      expect(stale.body.data).toEqual(fresh.body.data);
      const marks = (stale.body as { extensions?: { stale?: { path: unknown[]; ageSeconds: number; asOf: string }[] } }).extensions!.stale!;
      expect(marks).toHaveLength(1);
      expect(marks[0]!.path).toEqual(['app', 'shortLinks']);
      expect(marks[0]!.ageSeconds).toBeGreaterThanOrEqual(1);
      expect(Date.parse(marks[0]!.asOf)).toBeLessThan(Date.now() - 1_000);
      const uncached = await short.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 9) { totalCount } } }`);
      expect(codes(uncached)).toEqual(['UPSTREAM_UNAVAILABLE']);
      await short.emulator.start();
      const back = await short.gql(query);
      expect(back.body.extensions?.stale).toBeUndefined();
    } finally {
      await short.close();
    }
  });

  it('within the grace period a stale entry is served while one refresh runs', async () => {
    const short = await startHarness({ cache: true, env: { GATEWAY_CACHE_LINK_PAGES_SECONDS: '1', GATEWAY_CACHE_GRACE_SECONDS: '30' } });
    try {
      const appKey = short.emulator.apps[1]!.appKey;
      const query = `{ app(appKey: "${appKey}") { shortLinks(first: 2) { totalCount } } }`;
      await short.gql(query);
      await new Promise((r) => setTimeout(r, 1_100));
      short.emulator.resetCalls();
      const answers = await Promise.all(Array.from({ length: 5 }, () => short.gql(query)));
      for (const r of answers) expect(r.body.errors).toBeUndefined();
      await new Promise((r) => setTimeout(r, 200));
      expect(short.emulator.countCalls(JMLINK_LIST)).toBe(1);
    } finally {
      await short.close();
    }
  });

  it('an error is never cached: the next request asks again', async () => {
    const appKey = h.emulator.apps[1]!.appKey;
    h.emulator.injectFault({ service: 'jmlink', kind: 'business', code: 3011, times: 1 });
    expect(codes(await h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 11) { totalCount } } }`))).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect((await h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 11) { totalCount } } }`)).body.errors).toBeUndefined();
    expect(h.emulator.countCalls(JMLINK_LIST)).toBe(2);
  });
});

describe("one app's data never answers another's", () => {
  it('two apps with the same link keys see their own links and statistics', async () => {
    const a = h.emulator.apps[1]!;
    const b = { appKey: randomBytes(12).toString('hex'), masterSecret: randomBytes(12).toString('hex'), name: 'Twin', androidPackage: 'com.example.twin', groupName: null };
    h.emulator.addApp(b, { linkKeysFrom: a.appKey });
    await h.registry.upsert({ ...b, source: 'config' }, b.masterSecret);
    const query = (appKey: string) =>
      `{ app(appKey: "${appKey}") { shortLinks(first: 3) { nodes { key name } } byKey: shortLink(key: "KEY") { key name stats(from: "${day(-20)}", to: "${day(-10)}") { totals { clicks exposures } } } } }`;
    type Twin = {
      app: {
        shortLinks: { nodes: Pick<ShortLink, 'key' | 'name'>[] };
        byKey: Pick<ShortLink, 'key' | 'name'> & { stats: { totals: Pick<LinkStatTotals, 'clicks' | 'exposures'> } };
      };
    };
    const links = await h.gql<LinkKeys>(`{ app(appKey: "${a.appKey}") { shortLinks(first: 3) { nodes { key } } } }`);
    const key = links.body.data!.app.shortLinks.nodes[0]!.key;
    const ra = await h.gql<Twin>(query(a.appKey).replace('KEY', key));
    const rb = await h.gql<Twin>(query(b.appKey).replace('KEY', key));
    expect(ra.body.errors).toBeUndefined();
    expect(rb.body.errors).toBeUndefined();
    expect(rb.body.data!.app.shortLinks.nodes.map((n) => n.key)).toEqual(ra.body.data!.app.shortLinks.nodes.map((n) => n.key));
    expect(rb.body.data!.app.byKey.key).toBe(key);
    expect(rb.body.data!.app.byKey.stats.totals).not.toEqual(ra.body.data!.app.byKey.stats.totals);
    // Each from its own calls, with its own credentials.
    expect(h.emulator.countCalls({ ...JMLINK_STATS, appKey: b.appKey })).toBe(1);
    expect(h.emulator.countCalls({ ...JMLINK_STATS, appKey: a.appKey })).toBe(1);
    await h.registry.remove(b.appKey);
  });
});

describe('mutations drop what they change', () => {
  const admin = () => ({ authorization: `Bearer ${h.tokens.admin}` });

  it('a call in flight when its app is invalidated neither stores its answer nor is joined by later requests', async () => {
    const appKey = h.emulator.apps[0]!.appKey;
    const query = `{ app(appKey: "${appKey}") { shortLinks(first: 7) { totalCount } } }`;
    const calls = () => h.emulator.countCalls({ ...JMLINK_LIST, appKey });
    const before = calls();
    h.emulator.injectFault({ service: 'jmlink', pathPattern: '^/v1/links$', delayMs: 400, times: 1 });
    const slow = h.gql(query);
    await new Promise((r) => setTimeout(r, 150));
    await h.gateway.upstream.invalidateApp(appKey);
    // Asked after the invalidation: its own call, not the one that started before it.
    expect((await h.gql(query)).body.errors).toBeUndefined();
    expect(calls()).toBe(before + 2);
    expect((await slow).body.errors).toBeUndefined();
    // The later call's answer is cached; the earlier one's is not stored over it.
    expect((await h.gql(query)).body.errors).toBeUndefined();
    expect(calls()).toBe(before + 2);
    h.emulator.injectFault({ service: 'jmlink', pathPattern: '^/v1/links$', delayMs: 400, times: 1 });
    const alone = h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 8) { totalCount } } }`);
    await new Promise((r) => setTimeout(r, 150));
    await h.gateway.upstream.invalidateApp(appKey);
    expect((await alone).body.errors).toBeUndefined();
    expect((await h.gql(`{ app(appKey: "${appKey}") { shortLinks(first: 8) { totalCount } } }`)).body.errors).toBeUndefined();
    expect(calls()).toBe(before + 4);
  });

  it('deleteApp drops everything cached about the app', async () => {
    const created = await h.gql<CreatedKey>('mutation { createApp(input: { name: "Gone", androidPackage: "com.example.gone" }) { app { appKey } } }', undefined, admin());
    const appKey = created.body.data!.createApp.app.appKey;
    const query = `{ app(appKey: "${appKey}") { shortLinks(first: 2) { totalCount } } }`;
    await h.gql(query);
    await h.gql(query);
    expect(h.emulator.countCalls({ ...JMLINK_LIST, appKey })).toBe(1);
    expect((await h.gql(`mutation { deleteApp(appKey: "${appKey}") { deleted } }`, undefined, admin())).body.errors).toBeUndefined();
    // The same app made again: its links are asked for again, nothing is left from before.
    const again = await h.gql<CreatedKey>('mutation { createApp(input: { name: "Gone", androidPackage: "com.example.gone" }) { app { appKey } } }', undefined, admin());
    expect(again.body.data!.createApp.app.appKey).toBe(appKey);
    expect((await h.gql(query)).body.errors).toBeUndefined();
    expect(h.emulator.countCalls({ ...JMLINK_LIST, appKey })).toBe(2);
  });

  it('enableOneTapLogin and the review callback drop the cached review status', async () => {
    const status = await startHarness({ cache: true, emulator: { verificationReviewDelayMs: 300 } });
    try {
      const appKey = status.emulator.apps[0]!.appKey;
      const query = `{ app(appKey: "${appKey}") { oneTapLogin(platform: IOS) { state } } }`;
      expect((await status.gql<OneTapState>(query)).body.data!.app.oneTapLogin.state).toBe('NONE');
      const { generateKeyPairSync } = await import('node:crypto');
      const key = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
      const enabled = await status.gql<{ enableOneTapLogin: Pick<VerificationStatus, 'state'> }>(
        'mutation($input: EnableOneTapLoginInput!) { enableOneTapLogin(input: $input) { state } }',
        {
          input: {
            appKey,
            platform: 'IOS',
            packageName: 'com.example.x',
            category: 'APPLICATION',
            appIntro: 'A shopping app for small stores: browse the catalogue, order, pay and follow deliveries.',
            rsaPublicKey: key,
          },
        },
        { authorization: `Bearer ${status.tokens.admin}` },
      );
      expect(enabled.body.data!.enableOneTapLogin.state).toBe('PENDING');
      // Jiguang decides and posts to the callback: the next read asks Jiguang again, not the cache.
      const deadline = Date.now() + 5_000;
      while (status.emulator.callbacks.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await status.gql<OneTapState>(query)).body.data!.app.oneTapLogin.state).toBe('PASS');
    } finally {
      await status.close();
    }
  });
});
