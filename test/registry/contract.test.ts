// Behaviour every registry backend must share (memory, file, PostgreSQL): the cases run against each.
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRegistry } from '../../src/registry/index.js';
import { app, type BackendHarness, registryBackends, steppingClock } from './helpers.js';

const backends = await registryBackends();

describe.each(backends)('$name registry', ({ create, skip }) => {
  if (skip) {
    it.skip(`skipped: ${skip}`, () => {});
    return;
  }
  let h: BackendHarness;
  let reg: AppRegistry;
  beforeEach(async () => {
    h = await create();
    reg = await h.open({ now: steppingClock() });
  });
  afterEach(async () => {
    await reg.close();
    await h.cleanup();
  });

  it('starts empty', async () => {
    expect(await reg.list()).toEqual([]);
    expect(await reg.get('nope')).toBeUndefined();
    expect(await reg.secretOf('nope')).toBeUndefined();
    expect(await reg.getRecord('reviews', 'x')).toBeUndefined();
    await expect(reg.ping()).resolves.toBeUndefined();
  });

  it('stores an app and its secret, and keeps them across a reopen', async () => {
    const stored = await reg.upsert(app('k1', { groupName: 'g', source: 'created' }), 'secret-one');
    expect(stored).toEqual({
      appKey: 'k1',
      name: 'App k1',
      androidPackage: 'com.example.k1',
      groupName: 'g',
      source: 'created',
      createdAt: '2024-01-01T00:00:01.000Z',
      updatedAt: '2024-01-01T00:00:01.000Z',
    });
    reg = await h.reopen(reg);
    expect(await reg.get('k1')).toEqual(stored);
    expect(await reg.list()).toEqual([stored]);
    expect(await reg.secretOf('k1')).toBe('secret-one');
  });

  it('stores only the record fields, even when given a wider object', async () => {
    const wide = { ...app('k1'), masterSecret: 'do-not-store-me', extra: 1 };
    const stored = await reg.upsert(wide, 'real-secret');
    expect(Object.keys(stored).sort()).toEqual(['androidPackage', 'appKey', 'createdAt', 'groupName', 'name', 'source', 'updatedAt']);
    expect(JSON.stringify(await reg.list())).not.toContain('do-not-store-me');
    expect(await reg.secretOf('k1')).toBe('real-secret');
  });

  it('lists by name, then appKey, comparing code units (not a locale)', async () => {
    await reg.upsert(app('b', { name: 'Beta' }));
    await reg.upsert(app('z', { name: 'Alpha' }));
    await reg.upsert(app('a', { name: 'Beta' }));
    await reg.upsert(app('B', { name: 'Beta' }));
    await reg.upsert(app('lower', { name: 'alpha' }));
    await reg.upsert(app('accent', { name: 'Älpha' }));
    expect((await reg.list()).map((a) => a.appKey)).toEqual(['z', 'B', 'a', 'b', 'lower', 'accent']);
  });

  it('updates: keeps createdAt, moves updatedAt, keeps the secret when none is given', async () => {
    const first = await reg.upsert(app('k1'), 's1');
    const second = await reg.upsert(app('k1', { name: 'Renamed' }));
    expect(second.createdAt).toBe(first.createdAt);
    expect(second.updatedAt > first.updatedAt).toBe(true);
    expect(second.name).toBe('Renamed');
    expect(await reg.secretOf('k1')).toBe('s1');
    const third = await reg.upsert(app('k1', { name: 'Renamed' }), 's2');
    expect(third.updatedAt > second.updatedAt).toBe(true);
    reg = await h.reopen(reg);
    expect(await reg.secretOf('k1')).toBe('s2');
    expect(await reg.get('k1')).toEqual(third);
  });

  it('treats an identical upsert as a no-op (updatedAt unchanged)', async () => {
    const first = await reg.upsert(app('k1'), 's1');
    expect(await reg.upsert(app('k1'), 's1')).toEqual(first);
    expect(await reg.upsert(app('k1'))).toEqual(first);
    expect(await reg.get('k1')).toEqual(first);
  });

  it('an app may have no secret', async () => {
    await reg.upsert(app('k1'));
    reg = await h.reopen(reg);
    expect((await reg.get('k1'))?.appKey).toBe('k1');
    expect(await reg.secretOf('k1')).toBeUndefined();
  });

  it('hands out copies, not its own state', async () => {
    const stored = await reg.upsert(app('k1'), 's1');
    stored.name = 'mutated';
    (await reg.get('k1'))!.name = 'mutated';
    (await reg.list())[0]!.name = 'mutated';
    expect((await reg.get('k1'))?.name).toBe('App k1');
  });

  it('removes apps', async () => {
    await reg.upsert(app('k1'), 's1');
    await reg.upsert(app('k2'), 's2');
    expect(await reg.remove('k1')).toBe(true);
    expect(await reg.remove('k1')).toBe(false);
    expect(await reg.get('k1')).toBeUndefined();
    expect(await reg.secretOf('k1')).toBeUndefined();
    reg = await h.reopen(reg);
    expect((await reg.list()).map((a) => a.appKey)).toEqual(['k2']);
    expect(await reg.secretOf('k2')).toBe('s2');
  });

  it('removing an app removes the side-records keyed by it (the appKey, or appKey:…), and only those', async () => {
    await reg.upsert(app('k1'), 's1');
    await reg.upsert(app('k10'), 's10');
    const kept: Array<[string, string]> = [
      ['reviews', 'k10:ANDROID'],
      ['reviews', 'k10'],
      ['reviews', 'xk1:IOS'],
      ['certificates', 'k1x'],
      ['certificates', 'k10'],
      ['settings', 'reviewCallbackToken'],
    ];
    const dropped: Array<[string, string]> = [
      ['reviews', 'k1:ANDROID'],
      ['reviews', 'k1:IOS'],
      ['callbacks', 'k1:ANDROID'],
      ['certificates', 'k1'],
    ];
    for (const [collection, key] of [...kept, ...dropped]) await reg.putRecord(collection, key, { collection, key });
    expect(await reg.remove('k1')).toBe(true);
    reg = await h.reopen(reg);
    for (const [collection, key] of dropped) expect(await reg.getRecord(collection, key), `${collection}/${key}`).toBeUndefined();
    for (const [collection, key] of kept) expect(await reg.getRecord(collection, key), `${collection}/${key}`).toEqual({ collection, key });
    expect(await reg.secretOf('k10')).toBe('s10');
  });

  it('stores side-records as JSON, across a reopen, as copies', async () => {
    const value = { status: 'approved', at: '2024-01-02', items: [1, 2, { n: null }], text: 'nul \u0000 and lone \ud800 kept' };
    await reg.putRecord('reviews', 'r1', value);
    await reg.putRecord('reviews', 'r2', 'plain string');
    await reg.putRecord('other', 'r1', 42);
    await reg.putRecord('other', 'list', [3, 'b', false]);
    value.status = 'mutated after put';
    reg = await h.reopen(reg);
    const expected = { status: 'approved', at: '2024-01-02', items: [1, 2, { n: null }], text: 'nul \u0000 and lone \ud800 kept' };
    expect(await reg.getRecord('reviews', 'r1')).toEqual(expected);
    expect(Object.keys((await reg.getRecord<object>('reviews', 'r1'))!)).toEqual(Object.keys(expected)); // key order kept
    expect(await reg.getRecord<string>('reviews', 'r2')).toBe('plain string');
    expect(await reg.getRecord('other', 'r1')).toBe(42);
    expect(await reg.getRecord('other', 'list')).toEqual([3, 'b', false]);
    expect(await reg.getRecord('other', 'r2')).toBeUndefined();
    (await reg.getRecord<{ status: string }>('reviews', 'r1'))!.status = 'mutated after get';
    expect((await reg.getRecord<{ status: string }>('reviews', 'r1'))!.status).toBe('approved');
    await reg.putRecord('reviews', 'r1', { status: 'rejected' });
    expect(await reg.getRecord('reviews', 'r1')).toEqual({ status: 'rejected' });
  });

  it('updateRecord: creates, changes and deletes a record, handing `update` a copy', async () => {
    const add = (n: number) => (current: { n: number } | undefined) => ({ n: (current?.n ?? 0) + n });
    expect(await reg.updateRecord('counters', 'c', add(1))).toEqual({ n: 1 });
    expect(await reg.updateRecord('counters', 'c', add(2))).toEqual({ n: 3 });
    // Mutating the value handed to `update` changes nothing unless it is returned.
    expect(
      await reg.updateRecord<{ n: number }>('counters', 'c', (current) => {
        current!.n = 100;
        return undefined;
      }),
    ).toBeUndefined();
    expect(await reg.getRecord('counters', 'c')).toBeUndefined();
    await reg.putRecord('counters', 'c', { n: 5 });
    expect(
      await reg.updateRecord<{ n: number }>('counters', 'c', (current) => {
        current!.n = 100;
        return { n: 6 };
      }),
    ).toEqual({ n: 6 });
    reg = await h.reopen(reg);
    expect(await reg.getRecord('counters', 'c')).toEqual({ n: 6 });
    expect(await reg.updateRecord('counters', 'absent', () => undefined)).toBeUndefined();
    expect(await reg.getRecord('counters', 'absent')).toBeUndefined();
  });

  it('updateRecord: 50 concurrent increments all land', async () => {
    const increments = Array.from({ length: 50 }, () => reg.updateRecord<number>('counters', 'shared', (n) => (n ?? 0) + 1));
    const results = await Promise.all(increments);
    expect([...results].sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    reg = await h.reopen(reg);
    expect(await reg.getRecord('counters', 'shared')).toBe(50);
  });

  it('updateRecord: a throwing or non-JSON update changes nothing, and later writes go on', async () => {
    await reg.putRecord('c', 'k', 1);
    await expect(
      reg.updateRecord('c', 'k', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(reg.updateRecord('c', 'k', () => (() => 1) as unknown)).rejects.toBeInstanceOf(TypeError);
    await expect(reg.updateRecord('', 'k', () => 1)).rejects.toBeInstanceOf(TypeError);
    await expect(reg.updateRecord('c', 'k\u0000', () => 1)).rejects.toBeInstanceOf(TypeError);
    expect(await reg.getRecord('c', 'k')).toBe(1);
    expect(await reg.updateRecord<number>('c', 'k', (n) => n! + 1)).toBe(2);
  });

  it('rejects invalid input without storing anything', async () => {
    const bad: Array<[string, () => Promise<unknown>]> = [
      ['empty appKey', () => reg.upsert(app(''))],
      ['control char in appKey', () => reg.upsert(app('a\nb'))],
      ['DEL in appKey', () => reg.upsert(app('a\u007fb'))],
      ['lone surrogate in appKey', () => reg.upsert(app('a\ud800b'))],
      ['non-string appKey', () => reg.upsert({ ...app('x'), appKey: 5 as unknown as string })],
      ['non-string name', () => reg.upsert({ ...app('x'), name: undefined as unknown as string })],
      ['NUL in name', () => reg.upsert({ ...app('x'), name: 'a\u0000b' })],
      ['lone surrogate in androidPackage', () => reg.upsert({ ...app('x'), androidPackage: 'com.\udc00' })],
      ['NUL in groupName', () => reg.upsert({ ...app('x'), groupName: '\u0000' })],
      ['non-string androidPackage', () => reg.upsert({ ...app('x'), androidPackage: 1 as unknown as string })],
      ['bad groupName', () => reg.upsert({ ...app('x'), groupName: 3 as unknown as string })],
      ['bad source', () => reg.upsert({ ...app('x'), source: 'other' as 'config' })],
      ['empty secret', () => reg.upsert(app('x'), '')],
      ['lone surrogate in secret', () => reg.upsert(app('x'), 'a\ud800b')],
      ['remove empty key', () => reg.remove('')],
      ['record with undefined value', () => reg.putRecord('c', 'k', undefined)],
      ['record with a function', () => reg.putRecord('c', 'k', () => 1)],
      [
        'record with a cycle',
        () => {
          const o: Record<string, unknown> = {};
          o.self = o;
          return reg.putRecord('c', 'k', o);
        },
      ],
      ['record with empty collection', () => reg.putRecord('', 'k', 1)],
      ['record with control char key', () => reg.putRecord('c', 'k\u0000', 1)],
    ];
    for (const [what, call] of bad) await expect(call(), what).rejects.toBeInstanceOf(TypeError);
    expect(await reg.list()).toEqual([]);
    expect(await reg.getRecord('c', 'k')).toBeUndefined();
  });

  it('answers reads of impossible keys with undefined rather than an error', async () => {
    expect(await reg.get('a\u0000b')).toBeUndefined();
    expect(await reg.secretOf('\ud800')).toBeUndefined();
    expect(await reg.getRecord('c\u0000', 'k')).toBeUndefined();
    expect(await reg.getRecord('c', '')).toBeUndefined();
  });

  it('does not echo a misplaced secret in validation errors', async () => {
    const error = await reg.upsert({ ...app('x'), appKey: 'sk-\u0001-very-secret' }).catch((e: unknown) => e);
    expect(String(error)).not.toContain('very-secret');
  });

  it('lands all of 50 concurrent upserts (and records), in call order', async () => {
    const writes = Array.from({ length: 50 }, (_, i) => reg.upsert(app(`app${String(i).padStart(2, '0')}`), `secret-${i}`));
    const records = Array.from({ length: 10 }, (_, i) => reg.putRecord('c', `k${i}`, { i }));
    const renames = [reg.upsert(app('app00', { name: 'First rename' })), reg.upsert(app('app00', { name: 'Last rename' }))];
    await Promise.all([...writes, ...records, ...renames]);
    reg = await h.reopen(reg);
    expect(await reg.list()).toHaveLength(50);
    for (let i = 0; i < 50; i++) expect(await reg.secretOf(`app${String(i).padStart(2, '0')}`)).toBe(`secret-${i}`);
    for (let i = 0; i < 10; i++) expect(await reg.getRecord('c', `k${i}`)).toEqual({ i });
    expect((await reg.get('app00'))?.name).toBe('Last rename');
  });

  it('close waits for pending writes, and later writes reject', async () => {
    const pending = reg.upsert(app('k1'), 's1');
    const record = reg.updateRecord<number>('c', 'n', () => 1);
    await reg.close();
    await expect(pending).resolves.toMatchObject({ appKey: 'k1' });
    await expect(record).resolves.toBe(1);
    await expect(reg.upsert(app('k2'))).rejects.toThrow(/closed/);
    await expect(reg.updateRecord('c', 'n', () => 2)).rejects.toThrow(/closed/);
    await expect(reg.ping()).rejects.toThrow(/closed/);
    await reg.close(); // a second close is harmless
    if (h.durable) {
      reg = await h.reopen(reg);
      expect(await reg.secretOf('k1')).toBe('s1');
      expect(await reg.getRecord('c', 'n')).toBe(1);
    }
  });

  it('accepts app keys and record keys that are Object.prototype names', async () => {
    await reg.upsert(app('__proto__'), 's-proto');
    await reg.upsert(app('constructor'), 's-ctor');
    await reg.putRecord('__proto__', 'toString', { ok: true });
    reg = await h.reopen(reg);
    expect((await reg.list()).map((a) => a.appKey).sort()).toEqual(['__proto__', 'constructor']);
    expect(await reg.secretOf('__proto__')).toBe('s-proto');
    expect(await reg.getRecord('__proto__', 'toString')).toEqual({ ok: true });
    expect(await reg.getRecord('c', 'toString')).toBeUndefined();
    expect(await reg.secretOf('hasOwnProperty')).toBeUndefined();
  });

  it('keeps names and secrets with non-ASCII text exactly', async () => {
    await reg.upsert(app('k1', { name: '商城 🛒', groupName: 'équipe' }), 'sécret-密钥-🔑');
    reg = await h.reopen(reg);
    expect(await reg.get('k1')).toMatchObject({ name: '商城 🛒', groupName: 'équipe' });
    expect(await reg.secretOf('k1')).toBe('sécret-密钥-🔑');
  });

  it('never shows secrets in inspect, JSON or string output', async () => {
    await reg.upsert(app('k1'), 'top-secret-value');
    for (const text of [inspect(reg, { depth: 10, showHidden: true }), JSON.stringify(reg), String(reg), JSON.stringify({ reg })]) {
      expect(text).not.toContain('top-secret-value');
    }
    expect(JSON.parse(JSON.stringify(reg))).toMatchObject({ apps: 1 });
  });
});
