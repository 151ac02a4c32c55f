import { describe, expect, it } from 'vitest';
import type { EmulatorLink } from '../../emulator/data.js';
import { basic, call, daysBetween, type ErrorAnswer, jiguangDate, type LinkPage, type StatAnswer, useEmulator } from './util.js';

const e = useEmulator();

const auth = (i = 0) => ({ authorization: basic(e.apps[i]!) });
const today = () => jiguangDate(); // Jiguang's today is the UTC+8 calendar day

describe('seeded apps', () => {
  it('has three apps with 24-hex keys and secrets', () => {
    expect(e.apps).toHaveLength(3);
    for (const a of e.apps) {
      expect(a.appKey).toMatch(/^[0-9a-f]{24}$/);
      expect(a.masterSecret).toMatch(/^[0-9a-f]{24}$/);
      expect(a.name).toBeTruthy();
      expect(a.androidPackage).toMatch(/^[a-z][\w.]+$/);
    }
    expect(new Set(e.apps.map((a) => a.appKey)).size).toBe(3);
    expect(e.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('JMLink auth', () => {
  it('answers 3001 without credentials', async () => {
    const r = await call(`${e.url}/v1/links`);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: { code: 3001, message: 'missing auth' } });
    expect(r.headers['content-type']).toBe('application/json;charset=utf-8');
  });
  it('answers 3001 for an unparseable header', async () => {
    for (const h of ['Bearer abc', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`]) {
      const r = await call<ErrorAnswer>(`${e.url}/v1/links`, { headers: { authorization: h } });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe(3001);
    }
  });
  it('answers 3002 for wrong credentials', async () => {
    const r = await call(`${e.url}/v1/links`, { headers: { authorization: basic({ appKey: e.apps[0]!.appKey, masterSecret: 'f'.repeat(24) }) } });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ error: { code: 3002, message: 'auth failed' } });
    const s = await call(`${e.url}/v1/links/AAAA/stat?start_date=2024-01-01&end_date=2024-01-02`, { headers: { authorization: basic({ appKey: 'x', masterSecret: 'y' }) } });
    expect(s.status).toBe(401);
  });
  it('records the claimed appKey and the request headers', async () => {
    await call(`${e.url}/v1/links?page_size=1`, { headers: auth(1) });
    expect(e.calls).toHaveLength(1);
    expect(e.calls[0]).toMatchObject({ service: 'jmlink', method: 'GET', path: '/v1/links', query: { page_size: '1' }, appKey: e.apps[1]!.appKey, status: 200 });
    expect(e.calls[0]!.headers.authorization).toBe(auth(1).authorization);
    expect(e.countCalls({ appKey: e.apps[1]!.appKey })).toBe(1);
    expect(e.countCalls({ appKey: e.apps[0]!.appKey })).toBe(0);
  });
});

describe('JMLink paging', () => {
  it('defaults to page 1 of 20, ordered by id', async () => {
    const r = await call<LinkPage>(`${e.url}/v1/links`, { headers: auth() });
    expect(r.status).toBe(200);
    expect(r.json.total).toBe(600);
    expect(r.json.records).toHaveLength(20);
    const ids = r.json.records.map((x) => x.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(20);
  });
  it('has exactly the documented record fields', async () => {
    const r = await call<LinkPage>(`${e.url}/v1/links?page_size=500`, { headers: auth() });
    expect(r.json.records).toHaveLength(500);
    const domains = new Set<string>();
    for (const rec of r.json.records) {
      expect(Object.keys(rec).sort()).toEqual(
        [
          'android_uri',
          'app_domain',
          'channel',
          'create_time',
          'id',
          'ios_uri',
          'jump_link_type',
          'landing_page',
          'link_key',
          'name',
          'share_desc',
          'share_title',
          'update_time',
        ].sort(),
      );
      expect(Number.isInteger(rec.id)).toBe(true);
      expect(rec.link_key).toMatch(/^[A-Za-z0-9]{4}$/);
      expect(rec.app_domain).toMatch(/^[a-z0-9]{6}\.jmlk\.co$/);
      expect(rec.jump_link_type).toBe('DOWNLOAD');
      expect(rec.share_title === null || typeof rec.share_title === 'string').toBe(true);
      expect(rec.share_desc === null || typeof rec.share_desc === 'string').toBe(true);
      expect(rec.landing_page === '' || /^https:\/\//.test(rec.landing_page)).toBe(true);
      expect(rec.create_time).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(rec.update_time >= rec.create_time).toBe(true);
      expect(rec.create_time <= today()).toBe(true);
      expect(daysBetween(rec.create_time, today())).toBeLessThan(365);
      domains.add(rec.app_domain);
    }
    expect(domains.size).toBe(1);
    const all = [...r.json.records, ...(await call<LinkPage>(`${e.url}/v1/links?page_size=500&page_index=2`, { headers: auth() })).json.records];
    expect(all).toHaveLength(600);
    expect(new Set(all.map((x) => x.link_key)).size).toBe(600);
    // The first ten links are at least 60 days old.
    for (const rec of all.slice(0, 10)) expect(daysBetween(rec.create_time, today())).toBeGreaterThanOrEqual(60);
  });
  it('pages consistently and gives an empty page past the end', async () => {
    const p1 = await call<LinkPage>(`${e.url}/v1/links?page_index=1&page_size=7`, { headers: auth() });
    const p2 = await call<LinkPage>(`${e.url}/v1/links?page_index=2&page_size=7`, { headers: auth() });
    expect(p2.json.records[0]!.id).toBeGreaterThan(p1.json.records[6]!.id);
    const last = await call<LinkPage>(`${e.url}/v1/links?page_index=86&page_size=7`, { headers: auth() });
    expect(last.json.records).toHaveLength(600 - 85 * 7);
    for (const index of ['1000', '99999999999']) {
      const past = await call(`${e.url}/v1/links?page_index=${index}&page_size=7`, { headers: auth() });
      expect(past.status).toBe(200);
      expect(past.json).toEqual({ total: 600, records: [] });
    }
    const exactEnd = await call<LinkPage>(`${e.url}/v1/links?page_index=2&page_size=300`, { headers: auth() });
    expect(exactEnd.json.records).toHaveLength(300);
    expect((await call(`${e.url}/v1/links?page_index=3&page_size=300`, { headers: auth() })).json).toEqual({ total: 600, records: [] });
  });
  it('serves the other apps (120 and 0 links)', async () => {
    expect((await call<LinkPage>(`${e.url}/v1/links?page_size=500`, { headers: auth(1) })).json.records).toHaveLength(120);
    expect((await call(`${e.url}/v1/links`, { headers: auth(2) })).json).toEqual({ total: 0, records: [] });
  });
  it('rejects bad paging with 3005', async () => {
    for (const q of ['page_size=501', 'page_size=0', 'page_index=0', 'page_index=-1', 'page_index=abc', 'page_size=1.5', 'page_size=']) {
      const r = await call(`${e.url}/v1/links?${q}`, { headers: auth() });
      expect(r.status, q).toBe(400);
      expect(r.json, q).toEqual({ error: { code: 3005, message: 'parameter invalid' } });
    }
    expect((await call(`${e.url}/v1/links?page_size=500`, { headers: auth() })).status).toBe(200);
  });
  it('answers 3007 for unknown paths and 3008 for wrong methods', async () => {
    for (const p of ['/v1/links/AAAA/other', '/v1/other', '/v1/', '/v1/links/AAAA']) {
      const nf = await call(`${e.url}${p}`, { headers: auth() });
      expect(nf.status, p).toBe(404);
      expect(nf.json, p).toEqual({ error: { code: 3007, message: 'api not found' } });
    }
    expect(e.countCalls({ service: 'jmlink', pathPattern: '^/v1/other$' })).toBe(1);
    const m = await call(`${e.url}/v1/links`, { method: 'POST', headers: auth(), body: '{}' });
    expect(m.status).toBe(405);
    expect(m.json).toEqual({ error: { code: 3008, message: 'request method not supported' } });
    expect((await call<ErrorAnswer>(`${e.url}/v1/links/AAAA/stat`, { method: 'DELETE', headers: auth() })).json.error.code).toBe(3008);
  });
});

describe('JMLink stats', () => {
  async function firstLinks(n: number, app = 0): Promise<EmulatorLink[]> {
    return (await call<LinkPage>(`${e.url}/v1/links?page_size=${n}`, { headers: auth(app) })).json.records;
  }

  it('answers one row per day with ordered counts, all = ios + android', async () => {
    const [link] = await firstLinks(1);
    const start = jiguangDate(Date.now(), -30);
    const q = (p?: string) => call<StatAnswer>(`${e.url}/v1/links/${link!.link_key}/stat?start_date=${start}&end_date=${today()}${p ? `&platform=${p}` : ''}`, { headers: auth() });
    const [all, dflt, ios, android] = await Promise.all([q('all'), q(), q('ios'), q('android')]);
    expect(all.status).toBe(200);
    expect(Object.keys(all.json)).toEqual(['data']);
    expect(all.json.data).toHaveLength(31);
    expect(dflt.json).toEqual(all.json);
    expect(all.json.data[0]!.iday).toBe(start);
    expect(all.json.data[30]!.iday).toBe(today());
    all.json.data.forEach((row, i) => {
      expect(Object.keys(row).sort()).toEqual(['click_count', 'exposure_count', 'iday', 'install_count', 'open_count']);
      for (const r of [row, ios.json.data[i]!, android.json.data[i]!]) {
        expect(r.exposure_count).toBeGreaterThanOrEqual(r.click_count);
        expect(r.click_count).toBeGreaterThanOrEqual(r.open_count);
        expect(r.open_count).toBeGreaterThanOrEqual(r.install_count);
        expect(r.install_count).toBeGreaterThanOrEqual(0);
      }
      for (const k of ['exposure_count', 'click_count', 'open_count', 'install_count'] as const) expect(row[k]).toBe(ios.json.data[i]![k] + android.json.data[i]![k]);
    });
    expect(all.headers['x-rate-limit-limit']).toBe('500');
  });

  it('clips to the creation day and to today', async () => {
    const links = await firstLinks(500);
    const young = links.filter((l) => l.create_time > jiguangDate(Date.now(), -100)).at(-1);
    expect(young).toBeDefined();
    const r = await call<StatAnswer>(`${e.url}/v1/links/${young!.link_key}/stat?start_date=2000-01-01&end_date=2099-12-31`, { headers: auth() });
    expect(r.status).toBe(200);
    expect(r.json.data[0]!.iday).toBe(young!.create_time);
    expect(r.json.data.at(-1)!.iday).toBe(today());
    const expectedDays = daysBetween(young!.create_time, today()) + 1;
    expect(r.json.data).toHaveLength(expectedDays);
    const before = await call(`${e.url}/v1/links/${young!.link_key}/stat?start_date=2000-01-01&end_date=2000-12-31`, { headers: auth() });
    expect(before.json).toEqual({ data: [] });
  });

  it('rejects bad parameters and unknown links with 3005', async () => {
    const [link] = await firstLinks(1);
    const base = `${e.url}/v1/links/${link!.link_key}/stat`;
    for (const q of [
      '',
      'start_date=2024-01-01',
      'end_date=2024-01-01',
      'start_date=2024-02-30&end_date=2024-03-01',
      'start_date=2024-1-1&end_date=2024-03-01',
      'start_date=2024-03-02&end_date=2024-03-01',
      'start_date=2024-03-01&end_date=2024-03-02&platform=web',
    ]) {
      const r = await call<ErrorAnswer>(`${base}?${q}`, { headers: auth() });
      expect(r.status, q).toBe(400);
      expect(r.json.error.code, q).toBe(3005);
    }
    const unknown = await call<ErrorAnswer>(`${e.url}/v1/links/zzzz9/stat?start_date=2024-01-01&end_date=2024-01-02`, { headers: auth() });
    expect(unknown.json.error.code).toBe(3005);
    // Another app's link is unknown to this app.
    const [other] = await firstLinks(1, 1);
    expect((await call<ErrorAnswer>(`${e.url}/v1/links/${other!.link_key}/stat?start_date=2024-01-01&end_date=2024-01-02`, { headers: auth() })).json.error?.code).toBe(3005);
  });
});

describe('addApp / removeApp', () => {
  it('adds and removes credentials', async () => {
    const app = { appKey: 'a'.repeat(24), masterSecret: 'b'.repeat(24), name: 'Added', androidPackage: 'com.example.added', groupName: null };
    e.addApp(app);
    expect(e.apps.map((a) => a.appKey)).toContain(app.appKey);
    const r = await call<LinkPage>(`${e.url}/v1/links`, { headers: { authorization: basic(app) } });
    expect(r.status).toBe(200);
    expect(r.json.total).toBeGreaterThan(0);
    e.removeApp(app.appKey);
    expect(e.apps).toHaveLength(3);
    expect((await call(`${e.url}/v1/links`, { headers: { authorization: basic(app) } })).status).toBe(401);
  });

  it('gives an added app the same link keys as another app, with its own links and statistics', async () => {
    const source = e.apps[1]!;
    const twin = { appKey: 'c'.repeat(24), masterSecret: 'd'.repeat(24), name: 'Twin', androidPackage: 'com.example.twin', groupName: null };
    e.addApp(twin, { linkKeysFrom: source.appKey });
    try {
      const page = async (app: { appKey: string; masterSecret: string }) =>
        (await call<LinkPage>(`${e.url}/v1/links?page_size=500`, { headers: { authorization: basic(app) } })).json;
      const [a, b] = [await page(source), await page(twin)];
      expect(b.total).toBe(120);
      expect(b.records.map((r) => r.link_key)).toEqual(a.records.map((r) => r.link_key));
      expect(b.records[0]!.app_domain).not.toBe(a.records[0]!.app_domain);
      expect(b.records.map((r) => [r.id, r.name])).not.toEqual(a.records.map((r) => [r.id, r.name]));
      const key = a.records[0]!.link_key;
      const stats = async (app: { appKey: string; masterSecret: string }) =>
        (await call<StatAnswer>(`${e.url}/v1/links/${key}/stat?start_date=${jiguangDate(Date.now(), -20)}&end_date=${today()}`, { headers: { authorization: basic(app) } })).json
          .data;
      const [sa, sb] = [await stats(source), await stats(twin)];
      expect(sb.length).toBeGreaterThan(0);
      expect(sb.map((d) => d.click_count)).not.toEqual(sa.map((d) => d.click_count));
      // Each app still has its own credentials: the twin's secret does not open the source.
      expect((await call(`${e.url}/v1/links`, { headers: { authorization: basic({ appKey: source.appKey, masterSecret: twin.masterSecret }) } })).status).toBe(401);
    } finally {
      e.removeApp(twin.appKey);
    }
    expect(() => e.addApp(twin, { linkKeysFrom: 'f'.repeat(24) })).toThrow(/linkKeysFrom/);
    expect(e.apps.map((a) => a.appKey)).not.toContain(twin.appKey);
  });
});
