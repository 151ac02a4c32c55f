// openRegistry picks the backend from configuration, and its errors say what to change without
// repeating a key or a password.

import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppRegistry, openRegistry } from '../../src/registry/index.js';
import { requirePostgres } from '../helpers/services.js';
import { dropSchema, newKey, newSchema, tempDir } from './helpers.js';

const postgres = await requirePostgres();

let dir: string;
let cleanup: () => Promise<void>;
const opened: AppRegistry[] = [];
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
  await cleanup();
});
const backendOf = async (r: Promise<AppRegistry>) => {
  const registry = await r;
  opened.push(registry);
  return (JSON.parse(JSON.stringify(registry)) as { backend: string }).backend;
};

describe('openRegistry', () => {
  it('uses the file when there is no database URL, and memory when there is neither (or memory is asked for)', async () => {
    const file = join(dir, 'registry.json');
    expect(await backendOf(openRegistry({ file, key: newKey() }))).toBe('file');
    expect(await backendOf(openRegistry({ databaseUrl: null, file: join(dir, 'other.json'), key: newKey() }))).toBe('file');
    expect(await backendOf(openRegistry({ file: join(dir, 'demo.json'), memory: true }))).toBe('memory');
    expect(await backendOf(openRegistry({ databaseUrl: '  ', key: null }))).toBe('memory');
  });

  it.skipIf(postgres.skip)('uses PostgreSQL when a database URL is set, whatever else is', async () => {
    const schema = newSchema();
    try {
      const r = openRegistry({ databaseUrl: postgres.url, databaseSchema: schema, file: join(dir, 'registry.json'), memory: true, key: newKey() });
      expect(await backendOf(r)).toBe('postgres');
      expect(JSON.parse(JSON.stringify(await r))).toMatchObject({ database: postgres.shown, schema });
    } finally {
      for (const r of opened.splice(0)) await r.close();
      await dropSchema(postgres.url, schema);
    }
  });

  it('says which setting is missing or wrong, without repeating a key or a password', async () => {
    await expect(openRegistry({ file: join(dir, 'registry.json') })).rejects.toThrow(/GATEWAY_REGISTRY_KEY/);
    await expect(openRegistry({ databaseUrl: postgres.url })).rejects.toThrow(/GATEWAY_REGISTRY_KEY/);
    const key = newKey();
    const wrongScheme = await openRegistry({ databaseUrl: 'mysql://gw:hunter2@db/registry', key }).catch((e: unknown) => e);
    expect(String(wrongScheme)).toMatch(/postgres:\/\//);
    const unreachable = await openRegistry({ databaseUrl: 'postgresql://gw:hunter2@127.0.0.1:1/registry', key }).catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    expect(String(unreachable)).toContain('DATABASE_URL');
    for (const error of [wrongScheme, unreachable]) {
      const shown = inspect(error, { depth: 10, showHidden: true });
      expect(shown).not.toContain('hunter2');
      expect(shown).not.toContain(key.toString('hex'));
    }
  });

  it('the file backend refuses a second open and names DATABASE_URL', async () => {
    const file = join(dir, 'registry.json');
    const key = newKey();
    opened.push(await openRegistry({ file, key }));
    await expect(openRegistry({ file, key })).rejects.toMatchObject({ code: 'REGISTRY_IN_USE', message: expect.stringContaining('DATABASE_URL') });
  });
});
