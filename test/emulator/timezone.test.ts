// Jiguang counts days in UTC+8: the emulator's "today" (the last statistics day, the days links were
// created relative to start-up) is the China Standard Time calendar day, not the UTC one.
import { describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { basic, call, type LinkPage, type StatAnswer } from './util.js';

async function links(e: Emulator): Promise<{ link_key: string; create_time: string; update_time: string }[]> {
  return (await call<LinkPage>(`${e.url}/v1/links?page_size=500`, { headers: { authorization: basic(e.apps[0]!) } })).json.records;
}

async function lastStatDay(e: Emulator, linkKey: string): Promise<string | undefined> {
  const r = await call<StatAnswer>(`${e.url}/v1/links/${linkKey}/stat?start_date=2000-01-01&end_date=2099-12-31`, { headers: { authorization: basic(e.apps[0]!) } });
  expect(r.status).toBe(200);
  return r.json.data.at(-1)?.iday;
}

describe('UTC+8 calendar days', () => {
  it('ends statistics on the UTC+8 day: 16:00 UTC is already tomorrow in Beijing', async () => {
    let t = Date.UTC(2026, 2, 10, 15, 59, 59, 999); // 2026-03-10 23:59:59.999 in UTC+8
    const e = await startEmulator({ seed: 3, now: () => t });
    try {
      const key = (await links(e))[0]!.link_key;
      expect(await lastStatDay(e, key)).toBe('2026-03-10');
      const tomorrow = await call(`${e.url}/v1/links/${key}/stat?start_date=2026-03-11&end_date=2026-03-11`, { headers: { authorization: basic(e.apps[0]!) } });
      expect(tomorrow.json).toEqual({ data: [] });
      t += 1; // 2026-03-10 16:00:00.000 UTC = 2026-03-11 00:00 in UTC+8, the same UTC day
      expect(await lastStatDay(e, key)).toBe('2026-03-11');
      const today = await call<StatAnswer>(`${e.url}/v1/links/${key}/stat?start_date=2026-03-11&end_date=2026-03-11`, { headers: { authorization: basic(e.apps[0]!) } });
      expect(today.json.data.map((d) => d.iday)).toEqual(['2026-03-11']);
    } finally {
      await e.close();
    }
  });

  it('dates links from the UTC+8 day at start-up', async () => {
    const at = (ms: number) => startEmulator({ seed: 3, now: () => ms });
    // 01:00 and 15:00 UTC are the same day in UTC+8 (09:00 and 23:00); 17:00 UTC is the next one.
    const [morning, evening, after] = await Promise.all([at(Date.UTC(2026, 2, 10, 1)), at(Date.UTC(2026, 2, 10, 15)), at(Date.UTC(2026, 2, 10, 17))]);
    try {
      const [a, b, c] = await Promise.all([links(morning), links(evening), links(after)]);
      expect(b).toEqual(a);
      const shift = (d: string) => new Date(Date.parse(d) + 86_400_000).toISOString().slice(0, 10);
      expect(c.map((l) => [l.link_key, l.create_time, l.update_time])).toEqual(a.map((l) => [l.link_key, shift(l.create_time), shift(l.update_time)]));
      expect(c.every((l) => l.update_time <= '2026-03-11' && l.create_time >= '2025-03-12')).toBe(true);
      expect(a.every((l) => l.update_time <= '2026-03-10')).toBe(true);
    } finally {
      await Promise.all([morning.close(), evening.close(), after.close()]);
    }
  });
});
