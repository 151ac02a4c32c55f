// The call log's arrival times and maxPerWindow: the proof that a client stayed within a quota window.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { basic, type CallList, type ControlError, call } from './util.js';

let e: Emulator;
let t = Date.UTC(2026, 0, 15, 12, 0, 10); // 10 s into a minute
beforeAll(async () => {
  e = await startEmulator({ now: () => t });
});
afterAll(() => e.close());
beforeEach(() => {
  e.resetCalls();
  e.clearFaults();
});

const list = (app = 0) => call(`${e.url}/v1/links?page_size=1`, { headers: { authorization: basic(e.apps[app]!) } });
const stat = (app = 0) => call(`${e.url}/v1/links/AAAA/stat?start_date=2026-01-01&end_date=2026-01-02`, { headers: { authorization: basic(e.apps[app]!) } });

/** Calls at fixed instants: three list calls in 12:00, two in 12:01 (one reset, never answered), stat calls on the boundary. */
async function traffic(): Promise<number> {
  const start = Date.UTC(2026, 0, 15, 12, 0, 0);
  for (const [offset, run] of [
    [10_000, () => list()],
    [20_000, () => list()],
    [59_000, () => stat()],
    [59_999, () => list()],
    [59_999, () => stat()],
    [60_000, () => stat()],
    [60_000, () => list()],
    [61_000, () => stat()],
    [90_000, () => list(1)],
  ] as const) {
    t = start + offset;
    await run();
  }
  e.injectFault({ service: 'jmlink', kind: 'reset', times: 1 });
  t = start + 95_000;
  await list().catch(() => undefined);
  return start;
}

describe('RecordedCall.at', () => {
  it('is the arrival time by the emulator clock', async () => {
    const start = await traffic();
    expect(e.calls.map((c) => c.at - start)).toEqual([10_000, 20_000, 59_000, 59_999, 59_999, 60_000, 60_000, 61_000, 90_000, 95_000]);
    expect(e.calls.at(-1)!.status).toBe(0);
  });

  it('uses the real clock by default', async () => {
    const real = await startEmulator();
    try {
      const before = Date.now();
      await call(`${real.url}/v1/links`);
      expect(real.calls[0]!.at).toBeGreaterThanOrEqual(before);
      expect(real.calls[0]!.at).toBeLessThanOrEqual(Date.now());
    } finally {
      await real.close();
    }
  });
});

describe('maxPerWindow', () => {
  it('counts the fullest fixed window, per filter', async () => {
    await traffic();
    const app0 = e.apps[0]!.appKey;
    // List calls of app 0 in 12:00: 10 s, 20 s, 59.999 s; in 12:01: 60 s and the reset at 95 s.
    expect(e.maxPerWindow({ service: 'jmlink', pathPattern: '^/v1/links$', appKey: app0 }, 60_000)).toBe(3);
    expect(e.maxPerWindow({ service: 'jmlink', pathPattern: '^/v1/links$' }, 60_000)).toBe(3);
    expect(e.maxPerWindow({ pathPattern: '^/v1/links$', status: 'answered' }, 60_000)).toBe(3);
    // Fixed windows, not sliding: the two stat calls at 59 s and 59.999 s and the two at 60 s and 61 s.
    expect(e.maxPerWindow({ pathPattern: '/stat$' }, 60_000)).toBe(2);
    expect(e.maxPerWindow({}, 60_000)).toBe(5);
    expect(e.maxPerWindow({ status: 'answered' }, 60_000)).toBe(5);
    expect(e.maxPerWindow({ status: 'answered', appKey: app0 }, 60_000)).toBe(5);
    expect(e.maxPerWindow({}, 1_000)).toBe(3); // 59 s, 59.999 s twice
    expect(e.maxPerWindow({ appKey: e.apps[1]!.appKey }, 60_000)).toBe(1);
    expect(e.maxPerWindow({ service: 'growth' }, 60_000)).toBe(0);
    expect(e.maxPerWindow({ status: 0 }, 60_000)).toBe(1);
    expect(e.maxPerWindow({ status: [200, 400], method: 'get' }, 3_600_000)).toBe(9);
    expect(e.maxPerWindow({ status: 200 }, 3_600_000)).toBe(5); // the stat calls name an unknown link: 3005, HTTP 400
    expect(e.countCalls({ status: 'answered' })).toBe(9);
    expect(e.countCalls({ status: [0, 403] })).toBe(1);
  });

  it('rejects a window that is not a positive number', () => {
    for (const w of [0, -1, Number.NaN, Infinity]) expect(() => e.maxPerWindow({}, w)).toThrow(/windowMs/);
  });
});

describe('control API', () => {
  it('filters GET /__emulator/calls', async () => {
    await traffic();
    const all = await call<CallList>(`${e.url}/__emulator/calls`);
    expect(all.json.calls).toHaveLength(10);
    expect(typeof all.json.calls[0]!.at).toBe('number');
    const answeredStats = await call<CallList>(`${e.url}/__emulator/calls?service=jmlink&pathPattern=${encodeURIComponent('/stat$')}&status=answered`);
    expect(answeredStats.json.calls.map((c) => c.path)).toEqual(Array(4).fill('/v1/links/AAAA/stat'));
    const byApp = await call<CallList>(`${e.url}/__emulator/calls?appKey=${e.apps[1]!.appKey}&method=GET&status=200,403`);
    expect(byApp.json.calls).toHaveLength(1);
  });

  it('answers GET /__emulator/calls/max-per-window', async () => {
    await traffic();
    const r = await call(`${e.url}/__emulator/calls/max-per-window?windowMs=60000&service=jmlink&pathPattern=${encodeURIComponent('^/v1/links$')}&status=answered`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ windowMs: 60_000, max: 3 });
    expect((await call(`${e.url}/__emulator/calls/max-per-window?windowMs=1000`)).json).toEqual({ windowMs: 1000, max: 3 });
    expect(e.calls).toHaveLength(10); // control calls are not recorded
  });

  it('refuses invalid filters and windows with 400', async () => {
    for (const q of ['windowMs=0', 'windowMs=abc', '', 'windowMs=1.5', 'windowMs=1000&service=push', 'windowMs=1000&status=ok', 'windowMs=1000&pathPattern=(']) {
      const r = await call<ControlError>(`${e.url}/__emulator/calls/max-per-window?${q}`);
      expect(r.status, q).toBe(400);
      expect(typeof r.json.error, q).toBe('string');
    }
    expect((await call(`${e.url}/__emulator/calls?status=2xx`)).status).toBe(400);
    expect((await call(`${e.url}/__emulator/calls/max-per-window?windowMs=1000`, { method: 'DELETE' })).status).toBe(405);
  });
});
