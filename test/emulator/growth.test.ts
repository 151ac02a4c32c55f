import { parse } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, MAX_CUID_IDENTITY_VALUE, startEmulator } from '../../emulator/index.js';
import { type Answer, basic, basicPair, call, type GrowthAnswer, useEmulator } from './util.js';

const e = useEmulator();

const auth = () => ({ authorization: basicPair(e.growthProject.projectId, e.growthProject.projectSecret) });
/** One Operation Growth request; `T` is the envelope's data the test expects. */
const send = <T = unknown>(method: string, path: string, body: unknown, headers: Record<string, string> = auth()) =>
  call<GrowthAnswer<T>>(`${e.url}/smartop/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const register = (body: unknown) => send<{ identityValue: string; cuid: number }[]>('POST', '/user/register', body);
const attribute = (body: unknown) => send('PUT', '/user/attribute', body);
const report = (body: unknown) => send<{ accepted: number; duplicates: number }>('POST', '/events/report', body);
const channels = (body: unknown) => send('PUT', '/user/channel/batch', body);

const MAX_LONG = 9223372036854775807n;

/** The register answer's data with each CUID read exactly from the JSON text. */
function cuidsOf(text: string): { identityValue: string; cuid: bigint }[] {
  const body = parse(text) as { data: { identityValue: string; cuid: { toString(): string } }[] };
  return body.data.map((d) => ({ identityValue: d.identityValue, cuid: BigInt(d.cuid.toString()) }));
}

function expectInvalid(r: Answer<GrowthAnswer>, msg: RegExp): void {
  expect(r.status).toBe(400);
  expect(r.json.code).toBe(40002);
  expect(r.json.msg).toMatch(msg);
  expect(r.json.data).toBeNull();
}

describe('Operation Growth protocol', () => {
  it('seeds a project', () => {
    expect(e.growthProject.projectId).toMatch(/^\d{8}$/);
    expect(e.growthProject.projectSecret).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers 40001 / HTTP 401 for missing or wrong credentials', async () => {
    for (const h of <Record<string, string>[]>[
      {},
      { authorization: basicPair(e.growthProject.projectId, 'wrong') },
      { authorization: basicPair('1', e.growthProject.projectSecret) },
      { authorization: basic(e.apps[0]!) },
    ]) {
      const bad = await send('POST', '/user/register', { identityName: 'phone', identityValues: ['1'] }, h);
      expect(bad.status).toBe(401);
      expect(bad.json).toEqual({ code: 40001, msg: 'auth failed', data: null });
    }
    expect(e.calls.every((c) => c.service === 'growth' && c.status === 401)).toBe(true);
    expect((await register({ identityName: 'phone', identityValues: ['1'] })).status).toBe(200);
    expect(e.calls.at(-1)!.appKey).toBe(e.growthProject.projectId);
  });

  it('answers 40005 / HTTP 405 for a wrong method and 40004 / HTTP 404 for an unknown path', async () => {
    for (const [method, path] of [
      ['GET', '/user/register'],
      ['PUT', '/user/register'],
      ['POST', '/user/attribute'],
      ['GET', '/events/report'],
      ['POST', '/user/channel/batch'],
    ]) {
      const r = await send(method!, path!, {});
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.json.code).toBe(40005);
      expect(r.json.data).toBeNull();
    }
    const nf = await send('POST', '/nope', {});
    expect(nf.status).toBe(404);
    expect(nf.json).toEqual({ code: 40004, msg: 'api not found', data: null });
  });

  it('answers 40002 for a body that is not JSON', async () => {
    expectInvalid(await register('{'), /JSON/);
    expectInvalid(await register('[]'), /object/);
  });
});

describe('register', () => {
  it('answers deterministic CUIDs in order, as exact JSON integers', async () => {
    const r = await register({ identityName: 'phone', identityValues: ['13800000000', '13900000000', '13800000000'] });
    expect(r.status).toBe(200);
    expect(r.json.code).toBe(0);
    expect(typeof r.json.msg).toBe('string');
    const data = cuidsOf(r.text);
    expect(data.map((d) => d.identityValue)).toEqual(['13800000000', '13900000000', '13800000000']);
    for (const d of data) {
      expect(d.cuid).toBeGreaterThan(0n);
      expect(d.cuid).toBeLessThanOrEqual(MAX_LONG);
    }
    expect(data[0]!.cuid).toBe(data[2]!.cuid);
    expect(data[0]!.cuid).not.toBe(data[1]!.cuid);
    expect(r.text).toMatch(/"cuid":\d+[,}]/); // a JSON number, not a string
    const again = await register({ identityName: 'phone', identityValues: ['13800000000'] });
    expect(cuidsOf(again.text)[0]!.cuid).toBe(data[0]!.cuid);
    const other = await startEmulator({ seed: 1 });
    try {
      const o = await call(`${other.url}/smartop/api/v1/user/register`, {
        method: 'POST',
        headers: { authorization: basicPair(other.growthProject.projectId, other.growthProject.projectSecret) },
        body: JSON.stringify({ identityName: 'phone', identityValues: ['13800000000'] }),
      });
      expect(cuidsOf(o.text)[0]!.cuid).toBe(data[0]!.cuid);
    } finally {
      await other.close();
    }
  });

  it('spreads CUIDs over the positive 64-bit range', async () => {
    const r = await register({ identityName: 'user_id', identityValues: Array.from({ length: 100 }, (_, i) => `spread-${i}`) });
    const cuids = cuidsOf(r.text).map((d) => d.cuid);
    expect(new Set(cuids).size).toBe(100);
    expect(cuids.every((c) => c > 0n && c <= MAX_LONG)).toBe(true);
    expect(cuids.some((c) => c >= 2n ** 62n)).toBe(true); // the top bit of a positive long is used
    expect(cuids.some((c) => c > 2n ** 53n && c < 2n ** 62n)).toBe(true);
  });

  it('maps the fixed-cuid test fixture to its CUID, up to 9223372036854775807', async () => {
    expect(MAX_CUID_IDENTITY_VALUE).toBe('fixed-cuid:9223372036854775807');
    const values = [MAX_CUID_IDENTITY_VALUE, 'fixed-cuid:1', 'fixed-cuid:9007199254740993', 'fixed-cuid:9223372036854775808', 'fixed-cuid:0'];
    const r = await register({ identityName: 'phone', identityValues: values });
    expect(r.text).toContain('{"identityValue":"fixed-cuid:9223372036854775807","cuid":9223372036854775807}');
    expect(r.text).toContain('{"identityValue":"fixed-cuid:1","cuid":1}');
    expect(r.text).toContain('"cuid":9007199254740993}');
    const data = cuidsOf(r.text);
    // Out of range: an ordinary (hashed) value.
    expect(data[3]!.cuid).not.toBe(9223372036854775808n);
    expect(data[4]!.cuid).toBeGreaterThan(0n);
    expect(cuidsOf((await send('POST', '/user/register', { identityName: 'email', identityValues: [MAX_CUID_IDENTITY_VALUE] })).text)[0]!.cuid).toBe(MAX_LONG);
  });
  it('takes 100 values and refuses 101, a value over 256 characters and an unknown identity', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => `user${i}@example.com`);
    const ok = await register({ identityName: 'email', identityValues: hundred });
    expect(ok.json.data).toHaveLength(100);
    expect(new Set(ok.json.data!.map((d) => d.cuid)).size).toBe(100);
    expectInvalid(await register({ identityName: 'email', identityValues: [...hundred, 'x@example.com'] }), /100/);
    expect((await register({ identityName: 'user_id', identityValues: ['u'.repeat(256)] })).json.code).toBe(0);
    expectInvalid(await register({ identityName: 'user_id', identityValues: ['u'.repeat(257)] }), /identityValues\[0\]/);
    expectInvalid(await register({ identityName: 'idfa', identityValues: ['x'] }), /identity not found/);
    expectInvalid(await register({ identityValues: ['x'] }), /identityName/);
    expectInvalid(await register({ identityName: 'phone', identityValues: [] }), /identityValues/);
    expectInvalid(await register({ identityName: 'phone', identityValues: ['1', 2] }), /identityValues\[1\]/);
  });
});

describe('attribute', () => {
  it('stores typed attributes per cuid and merges later calls', async () => {
    const cuid = 123456789012;
    const r = await attribute({ cuid, data: { nickname: 'Ann', age: 31, vip: 1, register_time: '2024-02-29 23:59:59' } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ code: 0, msg: 'success', data: null });
    expect((await attribute({ cuid, data: { vip: 0, city: 'Shenzhen' } })).json.code).toBe(0);
    expect(e.growth.attributes(cuid)).toEqual({ nickname: 'Ann', age: 31, vip: 0, register_time: '2024-02-29 23:59:59', city: 'Shenzhen' });
    expect(e.growth.attributes(1)).toEqual({});
  });

  it('names an unknown attribute or a wrongly typed value, and stores nothing of that call', async () => {
    const cuid = 42;
    expectInvalid(await attribute({ cuid, data: { nickname: 'x', shoe_size: 42 } }), /attribute not found: shoe_size/);
    const typed: [Record<string, unknown>, RegExp][] = [
      [{ age: '31' }, /age must be a number/],
      [{ vip: true }, /vip must be a boolean/],
      [{ vip: 2 }, /vip/],
      [{ nickname: 5 }, /nickname must be a string/],
      [{ nickname: 'n'.repeat(257) }, /nickname/],
      [{ register_time: '2024-02-30 10:00:00' }, /register_time must be a datetime/],
      [{ register_time: '2024-01-01T10:00:00' }, /register_time/],
      [{ last_login_time: '2024-01-01 24:00:00' }, /last_login_time/],
      [{ last_login_time: 1700000000000 }, /last_login_time/],
    ];
    for (const [data, msg] of typed) expectInvalid(await attribute({ cuid, data: { city: 'x', ...data } }), msg);
    expect(e.growth.attributes(cuid)).toEqual({});
    expectInvalid(await attribute({ cuid: -1, data: { city: 'x' } }), /cuid/);
    expectInvalid(await attribute({ cuid: '42', data: { city: 'x' } }), /cuid/);
    expectInvalid(await attribute({ cuid, data: {} }), /data/);
    expectInvalid(await attribute([{ cuid, data: { city: 'x' } }]), /one user/);
  });
});

describe('events', () => {
  const ev = (i: number, randomId = `r-${i}`) => ({ cuid: 1000 + i, eventName: 'purchase', itime: 1_700_000_000_000 + i, randomId, properties: { amount: i } });

  it('takes 100 events, refuses 101, and keeps a randomId only once', async () => {
    const before = e.growth.events().length;
    const ok = await report({ appKey: e.apps[0]!.appKey, data: Array.from({ length: 100 }, (_, i) => ev(i)) });
    expect(ok.json).toEqual({ code: 0, msg: 'success', data: { accepted: 100, duplicates: 0 } });
    expectInvalid(await report({ appKey: e.apps[0]!.appKey, data: Array.from({ length: 101 }, (_, i) => ev(i, `big-${i}`)) }), /100/);
    const dup = await report({ appKey: e.apps[0]!.appKey, data: [ev(0), ev(1), ev(500), ev(501, 'r-500')] });
    expect(dup.json.data).toEqual({ accepted: 1, duplicates: 3 });
    const stored = e.growth.events();
    expect(stored).toHaveLength(before + 101);
    expect(stored.at(-1)).toEqual({ appKey: e.apps[0]!.appKey, cuid: 1500, eventName: 'purchase', itime: 1_700_000_000_500, randomId: 'r-500', properties: { amount: 500 } });
  });

  it('validates every event and stores none of an invalid batch', async () => {
    const before = e.growth.events().length;
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ cuid: 0 }, /data\[1\]\.cuid/],
      [{ eventName: '' }, /data\[1\]\.eventName/],
      [{ itime: '1700000000000' }, /data\[1\]\.itime/],
      [{ itime: 1.5 }, /itime/],
      [{ randomId: undefined }, /data\[1\]\.randomId/],
      [{ properties: [1] }, /properties/],
    ];
    for (const [over, msg] of bad) expectInvalid(await report({ appKey: 'k', data: [ev(900, 'v-1'), { ...ev(901, 'v-2'), ...over }] }), msg);
    expectInvalid(await report({ data: [ev(1)] }), /appKey/);
    expectInvalid(await report({ appKey: 'k', data: [] }), /data/);
    expect(e.growth.events()).toHaveLength(before);
    expect((await report({ appKey: 'k', data: [{ cuid: 7, eventName: 'open', itime: 1, randomId: 'no-props' }] })).json.data).toEqual({ accepted: 1, duplicates: 0 });
    expect(e.growth.events().at(-1)).toMatchObject({ randomId: 'no-props', properties: {} });
  });
});

describe('channels', () => {
  it('stores channels per cuid, replacing a channel given again', async () => {
    const r = await channels([
      {
        cuid: 11,
        channels: [
          { id: 300, channelValues: { registrationId: 'rid-1' } },
          { id: 301, channelValues: { phone: '13800000000' } },
        ],
      },
      { cuid: 12, channels: [{ id: 302, channelValues: { email: 'a@example.com' } }] },
    ]);
    expect(r.json).toEqual({ code: 0, msg: 'success', data: null });
    expect((await channels([{ cuid: 11, channels: [{ id: 301, channelValues: { phone: '13900000000' } }] }])).json.code).toBe(0);
    expect(e.growth.channels(11)).toEqual([
      { id: 300, channelValues: { registrationId: 'rid-1' } },
      { id: 301, channelValues: { phone: '13900000000' } },
    ]);
    expect(e.growth.channels(12)).toEqual([{ id: 302, channelValues: { email: 'a@example.com' } }]);
    expect(e.growth.channels(13)).toEqual([]);
  });

  it('takes 100 users, refuses 101 and unknown channel ids', async () => {
    const users = (n: number) => Array.from({ length: n }, (_, i) => ({ cuid: 5000 + i, channels: [{ id: 300, channelValues: { registrationId: `r${i}` } }] }));
    expect((await channels(users(100))).json.code).toBe(0);
    expectInvalid(await channels(users(101)), /100/);
    expectInvalid(await channels([{ cuid: 9, channels: [{ id: 399, channelValues: {} }] }]), /channel not found: 399/);
    expectInvalid(await channels([{ cuid: 9, channels: [{ id: 300, channelValues: { a: 1 } }] }]), /channelValues/);
    expectInvalid(await channels({ cuid: 9, channels: [] }), /array/);
    expectInvalid(await channels([]), /array/);
    expect(e.growth.channels(9)).toEqual([]);
  });
});

describe('CUIDs beyond 2^53 (Java longs) in request bodies', () => {
  // Bodies are written by hand: JSON.stringify cannot write a bigint, and a number would round.
  const MAX = '9223372036854775807';

  it('records attributes exactly, and a neighbouring CUID is another user', async () => {
    const r = await attribute(`{"cuid":${MAX},"data":{"nickname":"Max","points":9007199254740993}}`);
    expect(r.json).toEqual({ code: 0, msg: 'success', data: null });
    expect(e.growth.attributes(MAX)).toEqual({ nickname: 'Max', points: 9007199254740993n });
    expect(e.growth.attributes(MAX_LONG)).toEqual({ nickname: 'Max', points: 9007199254740993n });
    expect(e.growth.attributes(MAX_LONG - 1n)).toEqual({});
    expect(e.growth.attributes('9223372036854775806')).toEqual({});
    expect(() => e.growth.attributes(Number(MAX))).toThrow(/bigint or a decimal string/);
    expect(e.calls.at(-1)!.body).toEqual({ cuid: MAX_LONG, data: { nickname: 'Max', points: 9007199254740993n } });
  });

  it('records events and channels exactly, small CUIDs as numbers', async () => {
    const before = e.growth.events().length;
    const ok = await report(
      `{"appKey":"k","data":[{"cuid":${MAX},"eventName":"buy","itime":1700000000000,"randomId":"long-1","properties":{"order":12345678901234567890}},{"cuid":7,"eventName":"buy","itime":1700000000001,"randomId":"long-2"}]}`,
    );
    expect(ok.json.data).toEqual({ accepted: 2, duplicates: 0 });
    expect(e.growth.events().slice(before)).toEqual([
      { appKey: 'k', cuid: MAX_LONG, eventName: 'buy', itime: 1_700_000_000_000, randomId: 'long-1', properties: { order: 12345678901234567890n } },
      { appKey: 'k', cuid: 7, eventName: 'buy', itime: 1_700_000_000_001, randomId: 'long-2', properties: {} },
    ]);
    expect((await channels(`[{"cuid":${MAX},"channels":[{"id":301,"channelValues":{"phone":"13800000000"}}]}]`)).json.code).toBe(0);
    expect(e.growth.channels(MAX)).toEqual([{ id: 301, channelValues: { phone: '13800000000' } }]);
    expect(e.growth.channels(MAX_LONG - 1n)).toEqual([]);
  });

  it('writes recorded bodies exactly over the control API', async () => {
    await attribute(`{"cuid":${MAX},"data":{"city":"Beijing"}}`);
    const r = await call(`${e.url}/__emulator/calls?service=growth`);
    expect(r.text).toContain(`"body":{"cuid":${MAX},"data":{"city":"Beijing"}}`);
  });

  it('refuses CUIDs outside 1..2^63-1 and non-integers', async () => {
    for (const [i, cuid] of ['9223372036854775808', '0', '-1', '1.5', '9223372036854775807.5', '"1"', '18446744073709551615'].entries()) {
      expectInvalid(await attribute(`{"cuid":${cuid},"data":{"city":"x"}}`), /cuid/);
      expectInvalid(await report(`{"appKey":"k","data":[{"cuid":${cuid},"eventName":"a","itime":1,"randomId":"bad-${i}"}]}`), /data\[0\]\.cuid/);
      expectInvalid(await channels(`[{"cuid":${cuid},"channels":[{"id":300,"channelValues":{}}]}]`), /\[0\]\.cuid/);
    }
    expect(e.growth.attributes('9223372036854775808')).toEqual({});
  });
});

describe('Growth business faults', () => {
  const table: [number, number, string][] = [
    [40001, 401, 'auth failed'],
    [40002, 400, 'parameter invalid'],
    [40004, 404, 'api not found'],
    [40005, 405, 'method not allowed'],
    [40029, 429, 'qps limit'],
    [50000, 500, 'server error'],
  ];
  it.each(table)('code %i -> HTTP %i %s', async (code, status, msg) => {
    e.injectFault({ service: 'growth', kind: 'business', code, times: 1 });
    const r = await register({ identityName: 'phone', identityValues: ['1'] });
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ code, msg, data: null });
  });
});

describe('Growth QPS', () => {
  let q: Emulator;
  let t = Date.UTC(2026, 0, 15, 12, 0, 0, 250);
  beforeAll(async () => {
    q = await startEmulator({ now: () => t });
  });
  afterAll(() => q.close());

  it('allows 100 requests per second per project, then answers 40029 / HTTP 429 until the next second', async () => {
    const h = { authorization: basicPair(q.growthProject.projectId, q.growthProject.projectSecret), 'content-type': 'application/json' };
    const one = () => call(`${q.url}/smartop/api/v1/user/register`, { method: 'POST', headers: h, body: JSON.stringify({ identityName: 'phone', identityValues: ['1'] }) });
    const statuses = await Promise.all(Array.from({ length: 100 }, one).map((p) => p.then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    t += 700; // still the same second
    const over = await one();
    expect(over.status).toBe(429);
    expect(over.json).toEqual({ code: 40029, msg: 'qps limit', data: null });
    // Unauthenticated calls are not counted against the project (and get 40001 first).
    expect((await call(`${q.url}/smartop/api/v1/user/register`, { method: 'POST', body: '{}' })).status).toBe(401);
    t += 100; // next second
    expect((await one()).status).toBe(200);
  });
});
