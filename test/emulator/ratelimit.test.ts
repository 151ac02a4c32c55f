import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { basic, call, type ErrorAnswer, type LinkPage } from './util.js';

let e: Emulator;
let t = Date.UTC(2026, 0, 15, 12, 0, 30); // 30 s into a minute
beforeAll(async () => {
  e = await startEmulator({ now: () => t, rateLimits: { jmlinkLinksPerMinute: 3, jmlinkStatsPerMinute: 2 } });
});
afterAll(() => e.close());

describe('JMLink frequency limits', () => {
  it('limits per AppKey in a fixed one-minute window, list and stat separately', async () => {
    const h = { authorization: basic(e.apps[0]!) };
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(`${e.url}/v1/links?page_size=1`, { headers: h });
      expect(r.status).toBe(200);
      expect(r.headers['x-rate-limit-limit']).toBe('3');
      expect(r.headers['x-rate-limit-reset']).toBe('30');
      remaining.push(String(r.headers['x-rate-limit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    t += 10_000;
    const over = await call(`${e.url}/v1/links?page_size=1`, { headers: h });
    expect(over.status).toBe(403);
    expect(over.json).toEqual({ error: { code: 3006, message: 'out of freq' } });
    expect(over.headers['x-rate-limit-remaining']).toBe('0');
    expect(over.headers['x-rate-limit-reset']).toBe('20');
    expect(over.headers['x-rate-limit-limit']).toBe('3');

    // Stats have their own budget; another app has its own budget.
    const stat = await call(`${e.url}/v1/links/AAAA/stat?start_date=2025-01-01&end_date=2025-01-02`, { headers: h });
    expect(stat.headers['x-rate-limit-limit']).toBe('2');
    expect(stat.headers['x-rate-limit-remaining']).toBe('1');
    expect((await call(`${e.url}/v1/links`, { headers: { authorization: basic(e.apps[1]!) } })).status).toBe(200);

    // The next window starts afresh.
    t += 20_000;
    const fresh = await call(`${e.url}/v1/links?page_size=1`, { headers: h });
    expect(fresh.status).toBe(200);
    expect(fresh.headers['x-rate-limit-remaining']).toBe('2');
    expect(fresh.headers['x-rate-limit-reset']).toBe('60');
  });

  it('reports a reset of at least 1 second', async () => {
    t = Math.floor(t / 60_000) * 60_000 + 59_999;
    const r = await call(`${e.url}/v1/links/AAAA/stat?start_date=2025-01-01&end_date=2025-01-02`, { headers: { authorization: basic(e.apps[2]!) } });
    expect(r.headers['x-rate-limit-reset']).toBe('1');
  });
});

describe('JMLink default frequency limits (100 list / 500 stat a minute)', () => {
  it('allows 100 list calls, refuses the 101st, and starts afresh in the next window', async () => {
    let clock = Date.UTC(2026, 0, 15, 12, 0, 0); // the start of a minute
    const d = await startEmulator({ now: () => clock });
    try {
      const h = { authorization: basic(d.apps[1]!) };
      for (let i = 1; i <= 100; i++) {
        const r = await call(`${d.url}/v1/links?page_size=1`, { headers: h });
        expect(r.status, `call ${i}`).toBe(200);
        expect(r.headers['x-rate-limit-limit']).toBe('100');
        expect(r.headers['x-rate-limit-remaining']).toBe(String(100 - i));
      }
      clock += 59_000;
      const over = await call(`${d.url}/v1/links?page_size=1`, { headers: h });
      expect(over.status).toBe(403);
      expect(over.json).toEqual({ error: { code: 3006, message: 'out of freq' } });
      expect(over.headers['x-rate-limit-reset']).toBe('1');
      // Another app has its own budget.
      expect((await call(`${d.url}/v1/links?page_size=1`, { headers: { authorization: basic(d.apps[0]!) } })).status).toBe(200);
      clock += 1_000; // next window
      const fresh = await call(`${d.url}/v1/links?page_size=1`, { headers: h });
      expect(fresh.status).toBe(200);
      expect(fresh.headers['x-rate-limit-remaining']).toBe('99');
      expect(fresh.headers['x-rate-limit-reset']).toBe('60');
    } finally {
      await d.close();
    }
  });

  it('allows 500 stat calls a minute, separately from list calls', async () => {
    const clock = Date.UTC(2026, 0, 15, 12, 0, 0);
    const d = await startEmulator({ now: () => clock });
    try {
      const h = { authorization: basic(d.apps[0]!) };
      const key = (await call<LinkPage>(`${d.url}/v1/links?page_size=1`, { headers: h })).json.records[0]!.link_key;
      const url = `${d.url}/v1/links/${key}/stat?start_date=2026-01-01&end_date=2026-01-02`;
      for (let i = 1; i <= 500; i++) {
        const r = await call(url, { headers: h });
        if (r.status !== 200) throw new Error(`stat call ${i} answered ${r.status}`);
      }
      const over = await call<ErrorAnswer>(url, { headers: h });
      expect(over.status).toBe(403);
      expect(over.json.error.code).toBe(3006);
      expect(over.headers['x-rate-limit-limit']).toBe('500');
      const list = await call(`${d.url}/v1/links?page_size=1`, { headers: h });
      expect(list.status).toBe(200);
      expect(list.headers['x-rate-limit-remaining']).toBe('98');
    } finally {
      await d.close();
    }
  });
});
