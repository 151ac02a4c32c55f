import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import {
  basic,
  basicPair,
  type CallList,
  type ControlError,
  type CreatedApp,
  call,
  type ErrorAnswer,
  type LinkPage,
  type PortraitAnswer,
  portraitBody,
  useEmulator,
} from './util.js';

const e = useEmulator();

/** A JMLink list call; `T` is the answer the test expects (`LinkPage`, `ErrorAnswer`). */
const links = <T = unknown>(headers: Record<string, string> = { authorization: basic(e.apps[0]!) }) => call<T>(`${e.url}/v1/links?page_size=1`, { headers });
const portrait = () => {
  const init = portraitBody({ id_type: 'oaid', id_value: 'oaid-1' });
  init.headers.authorization = basic(e.apps[0]!);
  return call<PortraitAnswer>(`${e.url}/iaudience/open`, init);
};

describe('business faults', () => {
  const jm: [number, number, string][] = [
    [3001, 400, 'missing auth'],
    [3002, 401, 'auth failed'],
    [3003, 400, 'missing body'],
    [3004, 403, 'invalid body'],
    [3005, 400, 'parameter invalid'],
    [3006, 403, 'out of freq'],
    [3007, 404, 'api not found'],
    [3008, 405, 'request method not supported'],
    [3009, 405, 'app in black'],
    [3010, 405, 'VIP function, contact sales'],
    [3011, 500, 'server error'],
  ];
  it.each(jm)('JMLink %i -> HTTP %i %s', async (code, status, message) => {
    e.injectFault({ service: 'jmlink', kind: 'business', code });
    const r = await links();
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ error: { code, message } });
    expect(e.calls[0]!.status).toBe(status);
  });

  const pt: [string, number, string][] = [
    ['2001', 200, 'data not found'],
    ['2002', 200, 'biz error'],
    ['4000', 400, 'params invalid'],
    ['5000', 500, 'internal Server Error'],
    ['6002', 401, 'authorization invalid'],
  ];
  it.each(pt)('JPortrait %s -> HTTP %i %s', async (code, status, message) => {
    e.injectFault({ service: 'portrait', kind: 'business', code });
    const r = await portrait();
    expect(r.status).toBe(status);
    expect(r.json).toMatchObject({ code, message, data: null });
    expect(r.json.requestId).toMatch(/^\d{12}$/);
  });

  it('lets status override the documented HTTP status', async () => {
    e.injectFault({ service: 'jmlink', kind: 'business', code: 3011, status: 502 });
    const r = await links<ErrorAnswer>();
    expect(r.status).toBe(502);
    expect(r.json.error.code).toBe(3011);
  });

  it('is applied before auth', async () => {
    e.injectFault({ kind: 'business', code: 3009, service: 'jmlink' });
    const r = await links<ErrorAnswer>({});
    expect(r.json.error.code).toBe(3009);
  });
});

describe('fault matching', () => {
  it('honours times, then answers normally', async () => {
    e.injectFault({ service: 'jmlink', kind: 'status', status: 503, times: 2 });
    const a = await links();
    expect(a.status).toBe(503);
    expect(a.json).toBeUndefined(); // plain text, not JSON
    expect(a.headers['content-type']).toMatch(/^text\/plain/);
    expect((await links()).status).toBe(503);
    expect((await links()).status).toBe(200);
    expect(e.calls.map((c) => c.status)).toEqual([503, 503, 200]);
  });

  it('filters by service and path pattern', async () => {
    e.injectFault({ service: 'portrait', kind: 'status', status: 500 });
    expect((await links()).status).toBe(200);
    expect((await portrait()).status).toBe(500);
    e.clearFaults();
    e.injectFault({ pathPattern: '/stat$', kind: 'status', status: 502 });
    expect((await links()).status).toBe(200);
    const key = (await links<LinkPage>()).json.records[0]!.link_key;
    expect((await call(`${e.url}/v1/links/${key}/stat?start_date=2024-01-01&end_date=2024-01-02`, { headers: { authorization: basic(e.apps[0]!) } })).status).toBe(502);
    expect(e.countCalls({ pathPattern: '/stat$' })).toBe(1);
    expect(e.countCalls({ service: 'jmlink' })).toBe(4);
    expect(e.countCalls({ service: 'portrait' })).toBe(1);
  });

  it('returns a remover', async () => {
    const remove = e.injectFault({ kind: 'status', status: 500 });
    expect((await links()).status).toBe(500);
    remove();
    expect((await links()).status).toBe(200);
  });

  it('delays by delayMs, with or without a kind', async () => {
    e.injectFault({ delayMs: 150, times: 1 });
    let t = Date.now();
    expect((await links()).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
    e.injectFault({ delayMs: 100, kind: 'business', service: 'portrait', code: '5000' });
    t = Date.now();
    expect((await portrait()).status).toBe(500);
    expect(Date.now() - t).toBeGreaterThanOrEqual(90);
  });

  it('rejects invalid faults', () => {
    expect(() => e.injectFault({ kind: 'status' })).toThrow();
    expect(() => e.injectFault({ pathPattern: '(' })).toThrow();
    // @ts-expect-error: not a kind; the emulator must refuse it at run time too.
    expect(() => e.injectFault({ kind: 'nope' })).toThrow();
    expect(() => e.injectFault({ kind: 'empty', times: 1.5 })).toThrow();
    expect(() => e.injectFault({ kind: 'empty', times: 0 })).toThrow();
  });

  it('does not spend a fault on a request refused with 413', async () => {
    e.injectFault({ service: 'portrait', kind: 'status', status: 503, times: 1 });
    const big = await call(`${e.url}/iaudience/open`, { method: 'POST', headers: { authorization: basic(e.apps[0]!) }, body: 'x'.repeat(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect((await portrait()).status).toBe(503);
    expect((await portrait()).status).toBe(200);
    expect(e.calls.map((c) => c.status)).toEqual([413, 503, 200]);
  });
});

describe('rate-limit faults (resetSeconds)', () => {
  const rateHeaders = (r: { headers: Record<string, unknown> }) => [r.headers['x-rate-limit-limit'], r.headers['x-rate-limit-remaining'], r.headers['x-rate-limit-reset']];
  /** JPush Admin `POST /v1/app`; `T` is the answer the test expects (`CreatedApp`, `ErrorAnswer`). */
  const createApp = <T = unknown>() =>
    call<T>(`${e.url}/v1/app`, {
      method: 'POST',
      headers: { authorization: basicPair(e.developer.devKey, e.developer.devSecret), 'content-type': 'application/json' },
      body: JSON.stringify({ app_name: 'Limited', android_package: 'com.example.limited' }),
    });
  const growthRegister = () =>
    call(`${e.url}/smartop/api/v1/user/register`, {
      method: 'POST',
      headers: { authorization: basicPair(e.growthProject.projectId, e.growthProject.projectSecret) },
      body: JSON.stringify({ identityName: 'phone', identityValues: ['1'] }),
    });

  it('JMLink 3006 carries the limit of the path, remaining 0 and the reset', async () => {
    e.injectFault({ service: 'jmlink', kind: 'business', code: 3006, resetSeconds: 42, times: 1 });
    const r = await links();
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ error: { code: 3006, message: 'out of freq' } });
    expect(rateHeaders(r)).toEqual(['100', '0', '42']);
    e.injectFault({ pathPattern: '/stat$', kind: 'business', code: 3006, resetSeconds: 5, times: 1 });
    const s = await call(`${e.url}/v1/links/AAAA/stat?start_date=2024-01-01&end_date=2024-01-02`, { headers: { authorization: basic(e.apps[0]!) } });
    expect(s.status).toBe(403);
    expect(rateHeaders(s)).toEqual(['500', '0', '5']);
    expect(e.calls.map((c) => c.status)).toEqual([403, 403]);
  });

  it('JPush 2002 answers HTTP 429 with the documented body, and a limit can be given', async () => {
    e.injectFault({ service: 'push-admin', kind: 'business', code: 2002, resetSeconds: 30, times: 1 });
    const r = await createApp();
    expect(r.status).toBe(429);
    expect(r.text).toBe('{"error":{"code":2002,"message":"Rate limit exceeded"}}');
    expect(rateHeaders(r)).toEqual(['600', '0', '30']);
    e.injectFault({ service: 'push-admin', kind: 'business', code: 2002, resetSeconds: 1, limit: 50, times: 1 });
    expect(rateHeaders(await createApp())).toEqual(['50', '0', '1']);
  });

  it('a bare HTTP 429 on JPush Admin has the documented 2002 body, with or without the headers', async () => {
    e.injectFault({ service: 'push-admin', kind: 'status', status: 429, times: 1 });
    const plain = await createApp();
    expect(plain.status).toBe(429);
    expect(plain.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(plain.json).toEqual({ error: { code: 2002, message: 'Rate limit exceeded' } });
    expect(plain.headers['x-rate-limit-reset']).toBeUndefined();
    e.injectFault({ service: 'push-admin', kind: 'status', status: 429, resetSeconds: 12, times: 1 });
    const limited = await createApp();
    expect(limited.json).toEqual({ error: { code: 2002, message: 'Rate limit exceeded' } });
    expect(rateHeaders(limited)).toEqual(['600', '0', '12']);
    e.injectFault({ service: 'push-admin', kind: 'status', status: 503, times: 1 });
    expect((await createApp()).headers['content-type']).toMatch(/^text\/plain/); // only 429 has a documented body
    expect((await createApp<CreatedApp>()).json.is_new_created).toBe(true);
  });

  it('a status fault on other services keeps its plain body and gets the headers', async () => {
    e.injectFault({ service: 'jmlink', kind: 'status', status: 429, resetSeconds: 9, times: 1 });
    const r = await links();
    expect(r.status).toBe(429);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(rateHeaders(r)).toEqual(['100', '0', '9']);
    e.injectFault({ service: 'growth', kind: 'business', code: 40029, resetSeconds: 1, times: 1 });
    const g = await growthRegister();
    expect(g.status).toBe(429);
    expect(g.json).toEqual({ code: 40029, msg: 'qps limit', data: null });
    expect(rateHeaders(g)).toEqual(['100', '0', '1']);
    e.injectFault({ service: 'portrait', kind: 'status', status: 429, resetSeconds: 3, times: 1 });
    expect(rateHeaders(await portrait())).toEqual(['600', '0', '3']);
  });

  it('is accepted by the HTTP control endpoint', async () => {
    const add = await call(`${e.url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ service: 'push-admin', kind: 'status', status: 429, resetSeconds: 7, times: 1 }),
    });
    expect(add.status).toBe(200);
    const r = await createApp<ErrorAnswer>();
    expect(r.status).toBe(429);
    expect(r.json.error.code).toBe(2002);
    expect(rateHeaders(r)).toEqual(['600', '0', '7']);
    const bad = await call<ControlError>(`${e.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ kind: 'status', status: 429, resetSeconds: -1 }) });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/resetSeconds/);
  });

  it('rejects invalid resetSeconds and limit', () => {
    // @ts-expect-error: '3' is not a number; the emulator must refuse it at run time too.
    for (const resetSeconds of [-1, 1.5, '3', Infinity]) expect(() => e.injectFault({ kind: 'status', status: 429, resetSeconds }), String(resetSeconds)).toThrow(/resetSeconds/);
    expect(() => e.injectFault({ kind: 'timeout', resetSeconds: 3 })).toThrow(/resetSeconds needs/);
    expect(() => e.injectFault({ delayMs: 5, resetSeconds: 3 })).toThrow(/resetSeconds needs/);
    expect(() => e.injectFault({ kind: 'status', status: 429, limit: 10 })).toThrow(/limit needs resetSeconds/);
    expect(() => e.injectFault({ kind: 'status', status: 429, resetSeconds: 1, limit: 0 })).toThrow(/limit must be/);
    expect(() => e.injectFault({ kind: 'status', status: 429, resetSeconds: 0 })).not.toThrow();
  });
});

describe('transport faults', () => {
  it('malformed: 200 JSON content type, body does not parse', async () => {
    e.injectFault({ service: 'jmlink', kind: 'malformed' });
    const r = await links();
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(() => JSON.parse(r.text)).toThrow();
    e.clearFaults();
    e.injectFault({ service: 'portrait', kind: 'malformed' });
    const p = await portrait();
    expect(p.status).toBe(200);
    expect(() => JSON.parse(p.text)).toThrow();
  });

  it('empty: 200 with an empty body', async () => {
    e.injectFault({ kind: 'empty' });
    const r = await portrait();
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
  });

  it('reset: the socket is destroyed, recorded with status 0', async () => {
    e.injectFault({ service: 'jmlink', kind: 'reset', times: 1 });
    await expect(links()).rejects.toThrow();
    expect(e.calls[0]!.status).toBe(0);
    expect((await links()).status).toBe(200);
  });

  it('timeout: never answers, recorded with status 0', async () => {
    e.injectFault({ service: 'jmlink', kind: 'timeout', times: 1 });
    await expect(request(`${e.url}/v1/links`, { headersTimeout: 300 })).rejects.toThrow();
    expect(e.calls[0]).toMatchObject({ path: '/v1/links', status: 0 });
    expect((await links()).status).toBe(200);
  });

  it('close() does not hang on a timed-out request', async () => {
    const other = await startEmulator();
    other.injectFault({ kind: 'timeout' });
    const pending = request(`${other.url}/v1/links`).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 100));
    const t = Date.now();
    await other.close();
    expect(Date.now() - t).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    await other.close(); // idempotent
  });
});

describe('HTTP control API', () => {
  it('adds, applies and clears faults; lists calls without recording itself', async () => {
    const add = await call<{ id: number }>(`${e.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'portrait', kind: 'business', code: '2002', times: 1 }),
    });
    expect(add.status).toBe(200);
    expect(typeof add.json.id).toBe('number');
    expect((await portrait()).json.code).toBe('2002');
    expect((await portrait()).json.code).toBe('2000');

    await call(`${e.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ kind: 'status', status: 500 }) });
    expect((await links()).status).toBe(500);
    expect((await call(`${e.url}/__emulator/faults`, { method: 'DELETE' })).status).toBe(200);
    expect((await links()).status).toBe(200);

    const calls = await call<CallList>(`${e.url}/__emulator/calls`);
    expect(calls.status).toBe(200);
    expect(calls.json.calls.map((c) => c.status)).toEqual([200, 200, 500, 200]);
    expect(e.calls).toHaveLength(4);
  });

  it('removes one fault by id and answers 405 for a wrong method on a control path', async () => {
    const add = await call<{ id: number }>(`${e.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ service: 'jmlink', kind: 'status', status: 502 }) });
    expect((await links()).status).toBe(502);
    expect((await call(`${e.url}/__emulator/faults/${add.json.id}`, { method: 'DELETE' })).json).toEqual({ ok: true });
    expect((await links()).status).toBe(200);
    expect((await call(`${e.url}/__emulator/faults`)).status).toBe(405);
    expect((await call(`${e.url}/__emulator/calls`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect((await call(`${e.url}/__emulator/nope`)).status).toBe(404);
    expect(e.calls).toHaveLength(2);
  });

  it('rejects invalid faults with 400', async () => {
    expect((await call(`${e.url}/__emulator/faults`, { method: 'POST', body: '{' })).status).toBe(400);
    expect((await call(`${e.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ kind: 'status' }) })).status).toBe(400);
  });
});

describe('latency', () => {
  it('adds latencyMs to every answer', async () => {
    const slow = await startEmulator({ latencyMs: 120 });
    try {
      const t = Date.now();
      const r = await call(`${slow.url}/v1/links`);
      expect(r.status).toBe(400);
      expect(Date.now() - t).toBeGreaterThanOrEqual(110);
    } finally {
      await slow.close();
    }
  });

  it('applies to injected answers (after any delayMs) and not to control endpoints', async () => {
    const slow = await startEmulator({ latencyMs: 300 });
    const timed = async (url: string, init?: Parameters<typeof call>[1]) => {
      const t = Date.now();
      const r = await call(url, init);
      return { status: r.status, ms: Date.now() - t };
    };
    const links = () => timed(`${slow.url}/v1/links`, { headers: { authorization: basic(slow.apps[0]!) } });
    try {
      slow.injectFault({ service: 'jmlink', kind: 'business', code: 3006, resetSeconds: 10, times: 1 });
      slow.injectFault({ service: 'jmlink', kind: 'status', status: 503, times: 1 });
      slow.injectFault({ service: 'jmlink', kind: 'malformed', times: 1 });
      slow.injectFault({ service: 'jmlink', kind: 'empty', delayMs: 200, times: 1 });
      for (const status of [403, 503, 200]) {
        const r = await links();
        expect(r.status).toBe(status);
        expect(r.ms, `HTTP ${status}`).toBeGreaterThanOrEqual(290);
      }
      expect((await links()).ms).toBeGreaterThanOrEqual(490); // delayMs, then the latency
      const control = [
        await timed(`${slow.url}/__emulator/calls`),
        await timed(`${slow.url}/__emulator/calls/max-per-window?windowMs=1000`),
        await timed(`${slow.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ kind: 'empty', times: 1 }) }),
        await timed(`${slow.url}/__emulator/faults`, { method: 'DELETE' }),
        await timed(`${slow.url}/__emulator/apps`),
      ];
      expect(control.map((c) => c.status)).toEqual([200, 200, 200, 200, 200]);
      for (const c of control) expect(c.ms).toBeLessThan(200);
    } finally {
      await slow.close();
    }
  });
});
