import { describe, expect, it } from 'vitest';
import { basic, call, type PortraitAnswer, portraitBody, useEmulator } from './util.js';

const e = useEmulator();

const open = (body: unknown, authorization: string | null = basic(e.apps[0]!)) => {
  const init = portraitBody(body);
  if (authorization) init.headers.authorization = authorization;
  return call<PortraitAnswer>(`${e.url}/iaudience/open`, init);
};

function expectEnvelope(json: PortraitAnswer, code: string, message: string): void {
  expect(Object.keys(json).sort()).toEqual(['code', 'data', 'message', 'requestId']);
  expect(json.code).toBe(code);
  expect(json.message).toBe(message);
  expect(json.requestId).toMatch(/^\d{12}$/);
}

describe('JPortrait', () => {
  it('answers 2000 with scores for the demo subjects', async () => {
    for (const body of [
      { id_type: 'imei', id_value: '861234567890123' },
      { id_type: 'oaid', id_value: 'oaid-1' },
    ]) {
      const r = await open(body);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/json;charset=utf-8');
      expectEnvelope(r.json, '2000', 'success');
      const tags = Object.keys(r.json.data!);
      expect(tags.length).toBeGreaterThanOrEqual(5);
      expect(tags.length).toBeLessThanOrEqual(17);
      for (const v of Object.values(r.json.data!)) {
        expect(v).toMatch(/^[01]\.\d{4}$/);
        expect(Number(v)).toBeLessThanOrEqual(1);
      }
      expect(tags).toContain('HADI_SHOPPING_MALL');
      expect(tags).toContain('HAGI_SHOPPING_ALL');
    }
  });

  it('gives each subject a deterministic subset of 5..15 tags, ~10% not found', async () => {
    let notFound = 0;
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const body = { id_type: 'registration_id', id_value: `rid-${i}` };
      const r = await open(body);
      if (r.json.code === '2001') {
        notFound++;
        continue;
      }
      const n = Object.keys(r.json.data!).length;
      expect(n).toBeGreaterThanOrEqual(5);
      expect(n).toBeLessThanOrEqual(15);
      for (const k of Object.keys(r.json.data!)) seen.add(k);
      if (i < 5) expect((await open(body)).json.data).toEqual(r.json.data);
    }
    expect(notFound).toBeGreaterThan(5);
    expect(notFound).toBeLessThan(45);
    expect(seen.size).toBeGreaterThanOrEqual(18);
  });

  it('filters to requested tags and omits the ones the subject lacks', async () => {
    const all = (await open({ id_type: 'imei', id_value: '861234567890123' })).json.data;
    const r = await open({ id_type: 'imei', id_value: '861234567890123', tags: ['HADI_SHOPPING_MALL', 'NOT_A_TAG'] });
    expect(r.json.data).toEqual({ HADI_SHOPPING_MALL: all!.HADI_SHOPPING_MALL });
    expect((await open({ id_type: 'imei', id_value: '861234567890123', tags: [] })).json.data).toEqual(all);
  });

  it('answers 2001 with null data for unknown subjects', async () => {
    const r = await open({ id_type: 'oaid', id_value: 'unknown-device' });
    expect(r.status).toBe(200);
    expectEnvelope(r.json, '2001', 'data not found');
    expect(r.json.data).toBeNull();
  });

  it('answers 4000 for invalid bodies', async () => {
    const bad: unknown[] = [
      {},
      { id_type: 'email', id_value: 'x' },
      { id_type: 'imei', id_value: '' },
      { id_type: 'imei', id_value: 'x'.repeat(129) },
      { id_type: 'imei', id_value: 12 },
      { id_type: 'imei', id_value: 'x', tags: 'HADI_SHOPPING_MALL' },
      { id_type: 'imei', id_value: 'x', tags: [1] },
      { id_type: 'imei', id_value: 'x', extra: true },
      [],
    ];
    for (const body of bad) {
      const r = await open(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expectEnvelope(r.json, '4000', 'params invalid');
      expect(r.json.data).toBeNull();
    }
    const notJson = await call<PortraitAnswer>(`${e.url}/iaudience/open`, { method: 'POST', headers: { authorization: basic(e.apps[0]!) }, body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(notJson.json.code).toBe('4000');
    expect((await open({ id_type: 'imei', id_value: 'x'.repeat(128) })).status).toBe(200);
  });

  it('answers 6002 for missing or wrong credentials', async () => {
    for (const a of [null, basic({ appKey: e.apps[0]!.appKey, masterSecret: '0'.repeat(24) }), 'Basic xyz']) {
      const r = await open({ id_type: 'imei', id_value: '861234567890123' }, a);
      expect(r.status).toBe(401);
      expectEnvelope(r.json, '6002', 'authorization invalid');
    }
  });

  it('uses a unique requestId per request', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await open({ id_type: 'oaid', id_value: 'oaid-1' })).json.requestId);
    expect(ids.size).toBe(20);
  });

  it('answers 405 for a wrong method and 404 for an unknown path, in plain text', async () => {
    const m = await call(`${e.url}/iaudience/open`, { headers: { authorization: basic(e.apps[0]!) } });
    expect(m.status).toBe(405);
    expect(m.json).toBeUndefined();
    const nf = await call(`${e.url}/iaudience/other`, { method: 'POST', body: '{}' });
    expect(nf.status).toBe(404);
    expect(nf.json).toBeUndefined();
  });

  it('records the request body', async () => {
    await open({ id_type: 'oaid', id_value: 'oaid-1', tags: ['HAGI_SHOPPING_ALL'] });
    expect(e.calls[0]).toMatchObject({
      service: 'portrait',
      method: 'POST',
      path: '/iaudience/open',
      appKey: e.apps[0]!.appKey,
      status: 200,
      body: { id_type: 'oaid', id_value: 'oaid-1', tags: ['HAGI_SHOPPING_ALL'] },
    });
  });

  it('answers 413 for bodies over 1 MiB', async () => {
    const r = await open({ id_type: 'imei', id_value: 'x', pad: 'y'.repeat(1024 * 1024) });
    expect(r.status).toBe(413);
  });
});
