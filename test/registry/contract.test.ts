// Behaviour both registry backends must share (file and memory): the cases run against each.
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRegistry } from '../../src/registry/index.js';
import { app, backends, steppingClock, type BackendHarness } from './helpers.js';

describe.each(backends)('$name registry', ({ create }) => {
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

  it('starts empty', () => {
    expect(reg.list()).toEqual([]);
    expect(reg.get('nope')).toBeUndefined();
    expect(reg.secretOf('nope')).toBeUndefined();
    expect(reg.getRecord('reviews', 'x')).toBeUndefined();
  });

  it('stores an app and its secret, and keeps them across a reopen', async () => {
    const stored = await reg.upsert(app('k1', { groupName: 'g', source: 'created' }), 'secret-one');
    expect(stored).toEqual({
      appKey: 'k1', name: 'App k1', androidPackage: 'com.example.k1', groupName: 'g', source: 'created',
      createdAt: '2024-01-01T00:00:01.000Z', updatedAt: '2024-01-01T00:00:01.000Z',
    });
    reg = await h.reopen(reg);
    expect(reg.get('k1')).toEqual(stored);
    expect(reg.list()).toEqual([stored]);
    expect(reg.secretOf('k1')).toBe('secret-one');
  });

  it('stores only the record fields, even when given a wider object', async () => {
    const wide = { ...app('k1'), masterSecret: 'do-not-store-me', extra: 1 };
    const stored = await reg.upsert(wide, 'real-secret');
    expect(Object.keys(stored).sort()).toEqual(['androidPackage', 'appKey', 'createdAt', 'groupName', 'name', 'source', 'updatedAt']);
    expect(JSON.stringify(reg.list())).not.toContain('do-not-store-me');
    expect(reg.secretOf('k1')).toBe('real-secret');
  });

  it('lists by name, then appKey', async () => {
    await reg.upsert(app('b', { name: 'Beta' }));
    await reg.upsert(app('z', { name: 'Alpha' }));
    await reg.upsert(app('a', { name: 'Beta' }));
    expect(reg.list().map((a) => a.appKey)).toEqual(['z', 'a', 'b']);
  });

  it('updates: keeps createdAt, moves updatedAt, keeps the secret when none is given', async () => {
    const first = await reg.upsert(app('k1'), 's1');
    const second = await reg.upsert(app('k1', { name: 'Renamed' }));
    expect(second.createdAt).toBe(first.createdAt);
    expect(second.updatedAt > first.updatedAt).toBe(true);
    expect(second.name).toBe('Renamed');
    expect(reg.secretOf('k1')).toBe('s1');
    const third = await reg.upsert(app('k1', { name: 'Renamed' }), 's2');
    expect(third.updatedAt > second.updatedAt).toBe(true);
    reg = await h.reopen(reg);
    expect(reg.secretOf('k1')).toBe('s2');
    expect(reg.get('k1')).toEqual(third);
  });

  it('treats an identical upsert as a no-op (updatedAt unchanged)', async () => {
    const first = await reg.upsert(app('k1'), 's1');
    expect(await reg.upsert(app('k1'), 's1')).toEqual(first);
    expect(await reg.upsert(app('k1'))).toEqual(first);
  });

  it('an app may have no secret', async () => {
    await reg.upsert(app('k1'));
    reg = await h.reopen(reg);
    expect(reg.get('k1')?.appKey).toBe('k1');
    expect(reg.secretOf('k1')).toBeUndefined();
  });

  it('hands out copies, not its own state', async () => {
    const stored = await reg.upsert(app('k1'), 's1');
    stored.name = 'mutated';
    reg.get('k1')!.name = 'mutated';
    reg.list()[0]!.name = 'mutated';
    expect(reg.get('k1')?.name).toBe('App k1');
  });

  it('removes apps', async () => {
    await reg.upsert(app('k1'), 's1');
    await reg.upsert(app('k2'), 's2');
    expect(await reg.remove('k1')).toBe(true);
    expect(await reg.remove('k1')).toBe(false);
    expect(reg.get('k1')).toBeUndefined();
    expect(reg.secretOf('k1')).toBeUndefined();
    reg = await h.reopen(reg);
    expect(reg.list().map((a) => a.appKey)).toEqual(['k2']);
    expect(reg.secretOf('k2')).toBe('s2');
  });

  it('stores side-records as JSON, across a reopen, as copies', async () => {
    const value = { status: 'approved', at: '2024-01-02', items: [1, 2, { n: null }] };
    await reg.putRecord('reviews', 'r1', value);
    await reg.putRecord('reviews', 'r2', 'plain string');
    await reg.putRecord('other', 'r1', 42);
    value.status = 'mutated after put';
    reg = await h.reopen(reg);
    expect(reg.getRecord('reviews', 'r1')).toEqual({ status: 'approved', at: '2024-01-02', items: [1, 2, { n: null }] });
    expect(reg.getRecord<string>('reviews', 'r2')).toBe('plain string');
    expect(reg.getRecord('other', 'r1')).toBe(42);
    expect(reg.getRecord('other', 'r2')).toBeUndefined();
    reg.getRecord<{ status: string }>('reviews', 'r1')!.status = 'mutated after get';
    expect(reg.getRecord<{ status: string }>('reviews', 'r1')!.status).toBe('approved');
    await reg.putRecord('reviews', 'r1', { status: 'rejected' });
    expect(reg.getRecord('reviews', 'r1')).toEqual({ status: 'rejected' });
  });

  it('rejects invalid input without storing anything', async () => {
    const bad: Array<[string, () => Promise<unknown>]> = [
      ['empty appKey', () => reg.upsert(app(''))],
      ['control char in appKey', () => reg.upsert(app('a\nb'))],
      ['DEL in appKey', () => reg.upsert(app('a\u007fb'))],
      ['non-string appKey', () => reg.upsert({ ...app('x'), appKey: 5 as unknown as string })],
      ['non-string name', () => reg.upsert({ ...app('x'), name: undefined as unknown as string })],
      ['non-string androidPackage', () => reg.upsert({ ...app('x'), androidPackage: 1 as unknown as string })],
      ['bad groupName', () => reg.upsert({ ...app('x'), groupName: 3 as unknown as string })],
      ['bad source', () => reg.upsert({ ...app('x'), source: 'other' as 'config' })],
      ['empty secret', () => reg.upsert(app('x'), '')],
      ['remove empty key', () => reg.remove('')],
      ['record with undefined value', () => reg.putRecord('c', 'k', undefined)],
      ['record with a function', () => reg.putRecord('c', 'k', () => 1)],
      ['record with a cycle', () => { const o: Record<string, unknown> = {}; o.self = o; return reg.putRecord('c', 'k', o); }],
      ['record with empty collection', () => reg.putRecord('', 'k', 1)],
      ['record with control char key', () => reg.putRecord('c', 'k\u0000', 1)],
    ];
    for (const [what, call] of bad) await expect(call(), what).rejects.toBeInstanceOf(TypeError);
    expect(reg.list()).toEqual([]);
    expect(reg.getRecord('c', 'k')).toBeUndefined();
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
    expect(reg.list()).toHaveLength(50);
    for (let i = 0; i < 50; i++) expect(reg.secretOf(`app${String(i).padStart(2, '0')}`)).toBe(`secret-${i}`);
    for (let i = 0; i < 10; i++) expect(reg.getRecord('c', `k${i}`)).toEqual({ i });
    expect(reg.get('app00')?.name).toBe('Last rename');
  });

  it('close waits for pending writes, and later writes reject', async () => {
    const pending = reg.upsert(app('k1'), 's1');
    await reg.close();
    await expect(pending).resolves.toMatchObject({ appKey: 'k1' });
    await expect(reg.upsert(app('k2'))).rejects.toThrow(/closed/);
    expect(reg.get('k1')).toBeDefined();
    if (h.durable) {
      reg = await h.reopen(reg);
      expect(reg.secretOf('k1')).toBe('s1');
    }
  });

  it('accepts app keys and record keys that are Object.prototype names', async () => {
    await reg.upsert(app('__proto__'), 's-proto');
    await reg.upsert(app('constructor'), 's-ctor');
    await reg.putRecord('__proto__', 'toString', { ok: true });
    reg = await h.reopen(reg);
    expect(reg.list().map((a) => a.appKey).sort()).toEqual(['__proto__', 'constructor']);
    expect(reg.secretOf('__proto__')).toBe('s-proto');
    expect(reg.getRecord('__proto__', 'toString')).toEqual({ ok: true });
    expect(reg.getRecord('c', 'toString')).toBeUndefined();
    expect(reg.secretOf('hasOwnProperty')).toBeUndefined();
  });

  it('never shows secrets in inspect, JSON or string output', async () => {
    await reg.upsert(app('k1'), 'top-secret-value');
    for (const text of [inspect(reg, { depth: 10, showHidden: true }), JSON.stringify(reg), String(reg), JSON.stringify({ reg })]) {
      expect(text).not.toContain('top-secret-value');
    }
    expect(JSON.parse(JSON.stringify(reg))).toMatchObject({ apps: 1 });
  });
});
