// File-backend edge cases beyond the basics: tampering, injected fsync/rename failures in the
// middle of a queue, IV reuse only for unchanged secrets, and error messages free of keys and secrets.
import * as fs from 'node:fs/promises';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileRegistry, RegistryError, type RegistryFs } from '../../src/registry/index.js';
import { app, newKey, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let path: string;
let key: Buffer;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  path = join(dir, 'data', 'registry.json');
  key = newKey();
});
afterEach(() => cleanup());

const errorOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );
const codeOf = async (p: Promise<unknown>) => {
  const e = await errorOf(p);
  return e instanceof RegistryError ? e.code : e === undefined ? 'resolved' : `other: ${String(e)}`;
};

async function seed(secrets: Record<string, string>): Promise<void> {
  const r = await openFileRegistry({ path, key });
  for (const [appKey, secret] of Object.entries(secrets)) await r.upsert(app(appKey), secret);
  await r.close();
}
const readDoc = async () => JSON.parse(await readFile(path, 'utf8'));

describe('tampering', () => {
  const flip = (b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[0] = bytes[0]! ^ 1;
    return bytes.toString('base64');
  };

  for (const field of ['data', 'tag', 'iv'] as const) {
    it(`a changed ${field} of a secret is REGISTRY_CORRUPT naming the app`, async () => {
      await seed({ k1: 'secret-k1-value', k2: 'secret-k2-value' });
      const doc = await readDoc();
      doc.apps.k2.secret[field] = flip(doc.apps.k2.secret[field]);
      await writeFile(path, JSON.stringify(doc));
      const err = await errorOf(openFileRegistry({ path, key }));
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).code).toBe('REGISTRY_CORRUPT');
      expect((err as Error).message).toContain(path);
      expect((err as Error).message).toContain('"k2"');
      expect(inspect(err, { depth: 10 })).not.toMatch(/secret-k\d-value/);
    });
  }

  it('swapping two apps’ secrets fails (the appKey is authenticated)', async () => {
    await seed({ a: 'secret-a', b: 'secret-b' });
    const doc = await readDoc();
    [doc.apps.a.secret, doc.apps.b.secret] = [doc.apps.b.secret, doc.apps.a.secret];
    await writeFile(path, JSON.stringify(doc));
    expect(await codeOf(openFileRegistry({ path, key }))).toBe('REGISTRY_CORRUPT');
  });

  it('renaming an app in the file (key and appKey) fails to decrypt its secret', async () => {
    await seed({ a: 'secret-a' });
    const doc = await readDoc();
    doc.apps.evil = { ...doc.apps.a, appKey: 'evil' };
    delete doc.apps.a;
    await writeFile(path, JSON.stringify(doc));
    expect(await codeOf(openFileRegistry({ path, key }))).toBe('REGISTRY_CORRUPT');
  });

  it('an app whose inner appKey differs from its entry is REGISTRY_CORRUPT', async () => {
    await seed({ a: 'secret-a' });
    const doc = await readDoc();
    doc.apps.a.appKey = 'b';
    await writeFile(path, JSON.stringify(doc));
    expect(await codeOf(openFileRegistry({ path, key }))).toBe('REGISTRY_CORRUPT');
  });
});

describe('wrong key', () => {
  it('is REGISTRY_KEY_MISMATCH without the key, the right key or a secret in the error', async () => {
    await seed({ k1: 'the-master-secret' });
    const wrong = newKey();
    const err = await errorOf(openFileRegistry({ path, key: wrong }));
    expect((err as RegistryError).code).toBe('REGISTRY_KEY_MISMATCH');
    const shown = inspect(err, { depth: 10, showHidden: true }) + JSON.stringify(err);
    for (const k of [key, wrong]) {
      expect(shown).not.toContain(k.toString('hex'));
      expect(shown).not.toContain(k.toString('base64'));
    }
    expect(shown).not.toContain('the-master-secret');
  });

  it('is detected even with no apps (the key check is always written)', async () => {
    const r = await openFileRegistry({ path, key });
    await r.putRecord('c', 'k', 1);
    await r.close();
    expect(await codeOf(openFileRegistry({ path, key: newKey() }))).toBe('REGISTRY_KEY_MISMATCH');
  });
});

describe('write failures', () => {
  function faultyFs(fail: { sync?: (path: string) => boolean; rename?: () => boolean }): RegistryFs {
    return {
      ...fs,
      open: async (p, flags, mode) => {
        const handle = await fs.open(p, flags, mode);
        return {
          writeFile: (data, enc) => handle.writeFile(data, enc),
          close: () => handle.close(),
          sync: async () => {
            if (fail.sync?.(String(p))) throw Object.assign(new Error('EIO: simulated fsync failure'), { code: 'EIO' });
            return handle.sync();
          },
        };
      },
      rename: async (from, to) => {
        if (fail.rename?.()) throw Object.assign(new Error('ENOSPC: simulated'), { code: 'ENOSPC' });
        return fs.rename(from, to);
      },
    };
  }

  it('a failed fsync of the temp file keeps the old state in memory and on disk, and leaves no temp file', async () => {
    let failing = false;
    const r = await openFileRegistry({ path, key, fs: faultyFs({ sync: (p) => failing && p.endsWith('.tmp') }) });
    await r.upsert(app('k1'), 'old');
    failing = true;
    const err = await errorOf(r.upsert(app('k1'), 'NEW-SECRET-NOT-APPLIED'));
    expect((err as RegistryError).code).toBe('REGISTRY_WRITE_FAILED');
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain('EIO');
    expect(inspect(err, { depth: 10 })).not.toContain('NEW-SECRET-NOT-APPLIED');
    expect(await r.secretOf('k1')).toBe('old');
    expect((await readdir(join(dir, 'data'))).sort()).toEqual(['registry.json', 'registry.json.lock']);
    await r.close();
    const again = await openFileRegistry({ path, key });
    expect(await again.secretOf('k1')).toBe('old');
    await again.close();
  });

  it('a failure in the middle of concurrent writes fails only that write; later ones build on the last good state', async () => {
    let renames = 0;
    const r = await openFileRegistry({ path, key, fs: faultyFs({ rename: () => ++renames === 3 }) });
    const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((k) => r.upsert(app(k), `s-${k}`)));
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((await r.list()).map((a) => a.appKey)).toEqual(['a', 'b', 'd', 'e']);
    await r.close();
    const again = await openFileRegistry({ path, key });
    expect((await again.list()).map((a) => a.appKey)).toEqual(['a', 'b', 'd', 'e']);
    expect(await again.secretOf('c')).toBeUndefined();
    await again.close();
  });

  it('a failed remove keeps the app', async () => {
    let failing = false;
    const r = await openFileRegistry({ path, key, fs: faultyFs({ rename: () => failing }) });
    await r.upsert(app('k1'), 's1');
    failing = true;
    expect(await codeOf(r.remove('k1'))).toBe('REGISTRY_WRITE_FAILED');
    expect(await r.secretOf('k1')).toBe('s1');
    await r.close();
  });
});

describe('file handling', () => {
  it('re-encrypts a secret only when it changes (fresh IV), and keeps unchanged ciphertexts', async () => {
    const r = await openFileRegistry({ path, key });
    await r.upsert(app('a'), 'sa');
    const first = (await readDoc()).apps.a.secret;
    await r.upsert(app('b'), 'sb');
    await r.upsert(app('a', { name: 'Renamed' }));
    expect((await readDoc()).apps.a.secret).toEqual(first);
    await r.upsert(app('a', { name: 'Renamed' }), 'sa2');
    expect((await readDoc()).apps.a.secret.iv).not.toBe(first.iv);
    await r.close();
    const again = await openFileRegistry({ path, key });
    expect(await again.secretOf('a')).toBe('sa2');
    expect(await again.secretOf('b')).toBe('sb');
    await again.close();
  });

  it('removes the temp files a crash left mid-write (and only those) when it opens', async () => {
    await seed({ k1: 's1' });
    const others = ['.registry.json.tmp', '.other.json.999.abcdef.tmp', 'registry.json.999.abcdef.tmp', '.registry.json.999.abcdef.tmp.keep'];
    for (const name of [...others, '.registry.json.999.abcdef.tmp', `.registry.json.${process.pid}.0123456789ab.tmp`]) {
      await writeFile(join(dir, 'data', name), '{"half');
    }
    const r = await openFileRegistry({ path, key });
    expect(await r.secretOf('k1')).toBe('s1');
    expect((await readdir(join(dir, 'data'))).sort()).toEqual([...others, 'registry.json', 'registry.json.lock'].sort());
    await r.close();
  });

  it('an unreadable registry path fails to open (does not start empty)', async () => {
    await mkdir(path, { recursive: true });
    await expect(openFileRegistry({ path, key })).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('a relative path is resolved once, at open', async () => {
    const r = await openFileRegistry({ path: join(dir, 'data', '..', 'data', 'registry.json'), key });
    await r.upsert(app('k1'), 's1');
    expect(JSON.parse(JSON.stringify(r))).toEqual({ backend: 'file', path, apps: 1, closed: false });
    await r.close();
  });
});
