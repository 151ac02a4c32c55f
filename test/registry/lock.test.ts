// The registry file serves one process: a second open (another process, or the same one) is refused
// with a message pointing at DATABASE_URL; close() lets it go; a lock left by a dead process is taken over.
import { spawn } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileRegistry, RegistryError } from '../../src/registry/index.js';
import { STALE_AFTER_MS } from '../../src/registry/lock.js';
import { app, newKey, startChild, tempDir } from './helpers.js';

let cleanup: () => Promise<void>;
let path: string;
let lockPath: string;
let key: Buffer;
beforeEach(async () => {
  let dir: string;
  ({ dir, cleanup } = await tempDir());
  path = join(dir, 'registry.json');
  lockPath = `${path}.lock`;
  key = newKey();
});
afterEach(() => cleanup());

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('the second open should be refused'),
    (error: unknown) => {
      expect(error).toBeInstanceOf(RegistryError);
      return error as RegistryError;
    },
  );

/** A pid that belonged to a process which has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}

const lockText = (holder: { pid: number; hostname: string }) => JSON.stringify({ ...holder, since: '2024-01-01T00:00:00.000Z', token: 'feedfeedfeedfeed' });

describe('the registry file lock', () => {
  it('refuses a second open in the same process until the first is closed', async () => {
    const first = await openFileRegistry({ path, key });
    await first.upsert(app('k1'), 's1');
    const error = await refusal(openFileRegistry({ path, key }));
    expect(error.code).toBe('REGISTRY_IN_USE');
    expect(error.message).toContain(path);
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).not.toContain(key.toString('hex'));
    await first.close();
    const again = await openFileRegistry({ path, key });
    expect(await again.secretOf('k1')).toBe('s1');
    await again.close();
  });

  it('refuses another process while this one holds it, and lets it in after close()', async () => {
    const mine = await openFileRegistry({ path, key });
    const [refused] = await runFileChild();
    expect(refused).toMatchObject({ event: 'refused', code: 'REGISTRY_IN_USE' });
    expect(refused!.message).toMatch(/in use by another gateway process \(pid \d+ on /);
    expect(refused!.message).toContain('DATABASE_URL');
    expect(refused!.message).toContain(String(process.pid));
    await mine.close();
    expect((await runFileChild())[0]).toMatchObject({ event: 'opened' });
  });

  it('refuses this process while another one holds it', async () => {
    const child = startChild({ mode: 'file-open', path, hold: true }, key);
    const opened = await child.next();
    expect(opened).toMatchObject({ event: 'opened' });
    const error = await refusal(openFileRegistry({ path, key }));
    expect(error.code).toBe('REGISTRY_IN_USE');
    expect(error.message).toContain(`pid ${String(opened.pid)}`);
    child.send('close');
    expect(await child.next()).toEqual({ event: 'closed' });
    expect((await child.exited).code).toBe(0);
    await (await openFileRegistry({ path, key })).close();
  });

  it('takes over a lock whose process is gone (same host)', async () => {
    await writeFile(lockPath, lockText({ pid: await deadPid(), hostname: hostname() }));
    const r = await openFileRegistry({ path, key });
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
    await r.close();
  });

  it('takes over a lock naming this pid that this process does not hold (a restarted container is pid 1 again)', async () => {
    await writeFile(lockPath, lockText({ pid: process.pid, hostname: hostname() }));
    await (await openFileRegistry({ path, key })).close();
  });

  it('a lock from another host counts until it has not been refreshed for a while', async () => {
    await writeFile(lockPath, lockText({ pid: 1, hostname: 'other-host' }));
    expect((await refusal(openFileRegistry({ path, key }))).message).toContain('pid 1 on other-host');
    const old = new Date(Date.now() - STALE_AFTER_MS - 5_000);
    await utimes(lockPath, old, old);
    await (await openFileRegistry({ path, key })).close();
  });

  it('an unreadable lock (being written, or damaged) counts until it is old', async () => {
    await writeFile(lockPath, '');
    expect((await refusal(openFileRegistry({ path, key }))).code).toBe('REGISTRY_IN_USE');
    const old = new Date(Date.now() - STALE_AFTER_MS - 5_000);
    await utimes(lockPath, old, old);
    await (await openFileRegistry({ path, key })).close();
  });

  it('is released when opening fails (wrong key), and by close()', async () => {
    const r = await openFileRegistry({ path, key });
    await r.putRecord('c', 'k', 1);
    await r.close();
    await expect(readFile(lockPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(openFileRegistry({ path, key: newKey() })).rejects.toMatchObject({ code: 'REGISTRY_KEY_MISMATCH' });
    await expect(readFile(lockPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await (await openFileRegistry({ path, key })).close();
  });

  it('close() leaves alone a lock that is no longer its own', async () => {
    const r = await openFileRegistry({ path, key });
    const other = lockText({ pid: 1, hostname: 'other-host' });
    await writeFile(lockPath, other); // e.g. taken over while this process was stopped
    await r.close();
    expect(await readFile(lockPath, 'utf8')).toBe(other);
  });
});

async function runFileChild() {
  const child = startChild({ mode: 'file-open', path }, key);
  const reports = [await child.next(), await child.next()];
  expect((await child.exited).code).toBe(0);
  return reports;
}
