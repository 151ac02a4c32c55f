// The file backend serves one process: `<file>.lock`, created with O_EXCL, names the holder (pid,
// hostname) so a second gateway on the same file is refused instead of silently losing writes.
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { RegistryError } from './errors.js';

export interface FileLock {
  /** Removes the lock file if it is still this holder's; never throws. */
  release(): Promise<void>;
}

/** The holder touches its lock this often ... */
const REFRESH_MS = 10_000;
/** ... so a lock nobody touched for this long is stale even when its holder can't be checked (another host). */
export const STALE_AFTER_MS = 60_000;

/** Lock files this process holds: a lock naming our own pid but not in here was left by an earlier process with that pid (pid 1 in a restarted container). */
const held = new Set<string>();

interface Holder {
  pid: number;
  hostname: string;
  since: string;
  token: string;
}

export async function lockFile(path: string): Promise<FileLock> {
  const lockPath = `${path}.lock`;
  const me: Holder = { pid: process.pid, hostname: hostname(), since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  for (let attempt = 1; ; attempt++) {
    if (await create(lockPath, `${JSON.stringify(me)}\n`)) break;
    const found = await readLock(lockPath);
    if (attempt === 3) throw inUse(path, lockPath, found?.holder);
    if (found === undefined) continue; // released meanwhile: try again
    if (!isStale(lockPath, found)) throw inUse(path, lockPath, found.holder);
    // Remove the stale lock only if it is still the one judged stale. (Two processes taking over the
    // same stale lock at the same instant could both succeed; that needs a crash and a double start.)
    if ((await readLock(lockPath))?.text === found.text) await unlink(lockPath).catch(ignoreMissing);
  }
  held.add(lockPath);
  const refresh = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => {});
  }, REFRESH_MS);
  refresh.unref();
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(refresh);
      held.delete(lockPath);
      const current = await readLock(lockPath).catch(() => undefined);
      if (current?.holder?.token === me.token) await unlink(lockPath).catch(() => {});
    },
  };
}

/** Creates the lock file with `text`; false if it exists. */
async function create(lockPath: string, text: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(lockPath, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(text, 'utf8');
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(lockPath).catch(() => {});
    throw error;
  }
  await handle.close();
  return true;
}

interface Found {
  text: string;
  /** Undefined while the holder is still writing it, or when it is damaged. */
  holder: Holder | undefined;
  modified: Date;
}

/** The lock file's content, or undefined when there is none. */
async function readLock(lockPath: string): Promise<Found | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    return { text, holder: parseHolder(text), modified: info.mtime };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    const ok = Number.isSafeInteger(h.pid) && h.pid! > 0 && typeof h.hostname === 'string' && typeof h.since === 'string' && typeof h.token === 'string';
    return ok ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

function isStale(lockPath: string, { holder, modified }: Found): boolean {
  if (holder?.hostname === hostname()) {
    return holder.pid === process.pid ? !held.has(lockPath) : !isAlive(holder.pid);
  }
  return Date.now() - modified.getTime() > STALE_AFTER_MS;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function inUse(path: string, lockPath: string, holder: Holder | undefined): RegistryError {
  const who = !holder
    ? 'another gateway process'
    : holder.pid === process.pid && holder.hostname === hostname()
      ? 'this process (it is already open here; close it first)'
      : `another gateway process (pid ${holder.pid} on ${holder.hostname}, since ${holder.since})`;
  return new RegistryError(
    'REGISTRY_IN_USE',
    `registry file ${path} is in use by ${who}. A registry file serves one gateway process; ` +
      `several processes need DATABASE_URL (PostgreSQL). If no gateway is running, delete ${lockPath}`,
  );
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
