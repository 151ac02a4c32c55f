import { describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorApp, type EmulatorDeveloper, type EmulatorGrowthProject, startEmulator } from '../../emulator/index.js';
import { basic, type CreatedApp, call, type GrowthAnswer, type LinkPage, type PortraitAnswer, portraitBody, type StatAnswer } from './util.js';

/** What one emulator answers to the same requests: equal for equal seeds. */
interface Snapshot {
  apps: EmulatorApp[];
  list: LinkPage;
  stats: StatAnswer;
  portrait: Pick<PortraitAnswer, 'code' | 'data'>;
  developer: EmulatorDeveloper;
  growthProject: EmulatorGrowthProject;
  created: CreatedApp;
  cuids: GrowthAnswer<{ identityValue: string; cuid: number }[]>;
}

async function snapshot(e: Emulator): Promise<Snapshot> {
  const a = e.apps[0]!;
  const list = (await call<LinkPage>(`${e.url}/v1/links?page_size=50`, { headers: { authorization: basic(a) } })).json;
  const key = list.records[0]!.link_key;
  const stats = (await call<StatAnswer>(`${e.url}/v1/links/${key}/stat?start_date=2000-01-01&end_date=2099-01-01&platform=android`, { headers: { authorization: basic(a) } })).json;
  const init = portraitBody({ id_type: 'idfa', id_value: 'ABCD-1234' });
  init.headers.authorization = basic(a);
  const p = (await call<PortraitAnswer>(`${e.url}/iaudience/open`, init)).json;
  const dev = { authorization: `Basic ${Buffer.from(`${e.developer.devKey}:${e.developer.devSecret}`).toString('base64')}`, 'content-type': 'application/json' };
  const created = (await call<CreatedApp>(`${e.url}/v1/app`, { method: 'POST', headers: dev, body: JSON.stringify({ app_name: 'D', android_package: 'com.example.determinism' }) }))
    .json;
  const gp = { authorization: `Basic ${Buffer.from(`${e.growthProject.projectId}:${e.growthProject.projectSecret}`).toString('base64')}` };
  const cuids = (
    await call<Snapshot['cuids']>(`${e.url}/smartop/api/v1/user/register`, {
      method: 'POST',
      headers: gp,
      body: JSON.stringify({ identityName: 'phone', identityValues: ['1', '2'] }),
    })
  ).json;
  return { apps: e.apps, list, stats, portrait: { code: p.code, data: p.data }, developer: e.developer, growthProject: e.growthProject, created, cuids };
}

describe('determinism', () => {
  it('gives the same data for the same seed and different data for another seed', async () => {
    const now = () => Date.UTC(2026, 2, 10, 8, 0, 0);
    const [a, b, c] = await Promise.all([startEmulator({ seed: 7, now }), startEmulator({ seed: 7, now }), startEmulator({ seed: 8, now })]);
    try {
      const [sa, sb, sc] = await Promise.all([snapshot(a), snapshot(b), snapshot(c)]);
      expect(sa).toEqual(sb);
      expect(sc.apps[0]!.appKey).not.toBe(sa.apps[0]!.appKey);
      expect(sc.list).not.toEqual(sa.list);
      for (const k of ['developer', 'growthProject', 'created', 'cuids'] as const) expect(sc[k], k).not.toEqual(sa[k]);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('dates links relative to the clock at start-up', async () => {
    const t = Date.UTC(2025, 5, 1, 12);
    const e = await startEmulator({ now: () => t });
    try {
      const recs = (await call<LinkPage>(`${e.url}/v1/links?page_size=500`, { headers: { authorization: basic(e.apps[0]!) } })).json.records;
      for (const r of recs) {
        expect(r.create_time >= '2024-06-02').toBe(true);
        expect(r.update_time <= '2025-06-01').toBe(true);
      }
      for (const r of recs.slice(0, 10)) expect(r.create_time <= '2025-04-02').toBe(true);
    } finally {
      await e.close();
    }
  });
});
