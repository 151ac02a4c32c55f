// The durable registry: one JSON file with master secrets encrypted under the registry key,
// replaced atomically (temp file, fsync, rename, fsync directory) on every change, and locked
// (lock.ts) so that only one process uses it.
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { assertKey, isSealed, makeKeyCheck, type Sealed, sealSecret, unsealSecret, verifyKeyCheck } from './crypto.js';
import { RegistryError } from './errors.js';
import { lockFile } from './lock.js';
import { type AppEntry, type CoreOptions, isIdentifier, Registry, type RegistryState } from './registry.js';
import type { AppRecord, AppRegistry } from './types.js';

/** The few file operations the registry uses; replaceable so tests can inject failures. */
export interface RegistryFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  mkdir(path: string, options: { recursive: true; mode: number }): Promise<string | undefined>;
  open(path: string, flags: string, mode?: number): Promise<RegistryFileHandle>;
  rename(oldPath: string, newPath: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export interface RegistryFileHandle {
  writeFile(data: string, encoding: 'utf8'): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface FileRegistryOptions extends CoreOptions {
  path: string;
  /** 32 bytes, e.g. from parseRegistryKey. Copied; never logged or formatted. */
  key: Buffer;
  /** File operations (tests); defaults to node:fs/promises. */
  fs?: RegistryFs;
}

export const FORMAT_VERSION = 1;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** The file's shape (version 1). */
interface StoredApp extends AppRecord {
  secret: Sealed | null;
}
interface RegistryDocument {
  version: typeof FORMAT_VERSION;
  apps: Record<string, StoredApp>;
  records: Record<string, Record<string, unknown>>;
  keyCheck: Sealed;
}

export async function openFileRegistry(options: FileRegistryOptions): Promise<AppRegistry> {
  assertKey(options.key);
  if (typeof options.path !== 'string' || options.path === '') throw new TypeError('registry path must be a non-empty string');
  const key = Buffer.from(options.key); // private copy: the caller may reuse or wipe theirs
  const path = resolve(options.path);
  const fs = options.fs ?? (nodeFs satisfies RegistryFs);

  await ensureDirectory(fs, dirname(path));
  const lock = await lockFile(path);
  try {
    await removeTempFiles(path);
    return await openLocked(fs, path, key, options, () => lock.release());
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function openLocked(fs: RegistryFs, path: string, key: Buffer, options: CoreOptions, release: () => Promise<void>): Promise<AppRegistry> {
  const loaded = await load(fs, path, key);
  // Sealed secrets by appKey, reused while the secret is unchanged so each write doesn't re-encrypt.
  const sealedCache = loaded.sealed;
  const sealFor = (appKey: string, secret: string): Sealed => {
    const cached = sealedCache.get(appKey);
    if (cached && cached.secret === secret) return cached.sealed;
    const sealed = sealSecret(key, appKey, secret);
    sealedCache.set(appKey, { secret, sealed });
    return sealed;
  };

  return new Registry(
    loaded.state,
    {
      description: { backend: 'file', path },
      persist: async (next) => {
        for (const appKey of sealedCache.keys()) if (!next.apps.has(appKey)) sealedCache.delete(appKey);
        const text = encode(next, loaded.keyCheck, sealFor);
        try {
          await writeAtomically(fs, path, text);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException | null)?.code;
          throw new RegistryError('REGISTRY_WRITE_FAILED', `could not write registry file ${path}${typeof code === 'string' ? ` (${code})` : ''}; the change was not applied`, {
            cause: error,
          });
        }
      },
      close: release,
    },
    options,
  );
}

/** The name writeAtomically gives its temp files: `.<basename>.<pid>.<random hex>.tmp` beside the file. */
const tempName = (path: string, random: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${random}.tmp`);
function isTempOf(path: string, name: string): boolean {
  const prefix = `.${basename(path)}.`;
  return name.startsWith(prefix) && /^\d+\.[0-9a-f]+\.tmp$/.test(name.slice(prefix.length));
}

/** Deletes temp files a crash left mid-write. Only safe with the lock held: nobody else is writing one. */
async function removeTempFiles(path: string): Promise<void> {
  for (const name of await nodeFs.readdir(dirname(path))) {
    if (isTempOf(path, name)) await nodeFs.unlink(join(dirname(path), name)).catch(() => {});
  }
}

interface Loaded {
  state: RegistryState;
  keyCheck: Sealed;
  sealed: Map<string, { secret: string; sealed: Sealed }>;
}

async function load(fs: RegistryFs, path: string, key: Buffer): Promise<Loaded> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
      return { state: { apps: new Map(), records: new Map() }, keyCheck: makeKeyCheck(key), sealed: new Map() };
    }
    throw error; // e.g. EACCES or EISDIR: the fs message names the path
  }
  return decode(text, path, key);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const isTimestamp = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/** Parses and checks a version-1 document; decrypts every secret. */
function decode(text: string, path: string, key: Buffer): Loaded {
  const corrupt = (detail: string) => new RegistryError('REGISTRY_CORRUPT', `registry file ${path} is corrupt: ${detail}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // SyntaxError messages quote the file's text; say only what happened.
    throw corrupt(text.length === 0 ? 'it is empty' : 'it is not valid JSON (truncated or damaged)');
  }
  if (!isObject(doc)) throw corrupt('it is not a JSON object');
  if (doc.version !== FORMAT_VERSION) {
    throw corrupt(typeof doc.version === 'number' ? `unsupported format version ${doc.version} (expected ${FORMAT_VERSION})` : '"version" is missing');
  }
  if (!isSealed(doc.keyCheck)) throw corrupt('"keyCheck" is missing or malformed');
  if (!verifyKeyCheck(key, doc.keyCheck)) {
    throw new RegistryError('REGISTRY_KEY_MISMATCH', `registry file ${path} was written with a different registry key; configure the key it was written with`);
  }
  if (!isObject(doc.apps)) throw corrupt('"apps" is missing or not an object');
  if (!isObject(doc.records)) throw corrupt('"records" is missing or not an object');

  const apps = new Map<string, AppEntry>();
  const sealed = new Map<string, { secret: string; sealed: Sealed }>();
  for (const [appKey, raw] of Object.entries(doc.apps)) {
    const where = `app ${JSON.stringify(appKey)}`;
    if (!isIdentifier(appKey)) throw corrupt(`an app key is empty or has control characters`);
    if (!isObject(raw)) throw corrupt(`${where} is not an object`);
    if (raw.appKey !== appKey) throw corrupt(`${where} has a different "appKey" inside`);
    if (typeof raw.name !== 'string') throw corrupt(`${where} has no string "name"`);
    if (typeof raw.androidPackage !== 'string') throw corrupt(`${where} has no string "androidPackage"`);
    if (raw.groupName !== null && typeof raw.groupName !== 'string') throw corrupt(`${where} has a "groupName" that is neither a string nor null`);
    if (raw.source !== 'config' && raw.source !== 'created') throw corrupt(`${where} has an unknown "source"`);
    if (!isTimestamp(raw.createdAt) || !isTimestamp(raw.updatedAt)) throw corrupt(`${where} has a missing or invalid timestamp`);
    let secret: string | null = null;
    if (raw.secret !== null) {
      if (!isSealed(raw.secret)) throw corrupt(`${where} has a malformed "secret"`);
      const plain = unsealSecret(key, appKey, raw.secret);
      if (plain === undefined) throw corrupt(`the master secret of ${where} does not decrypt (altered, or copied from another app)`);
      secret = plain;
      sealed.set(appKey, { secret, sealed: raw.secret });
    }
    const record: AppRecord = Object.freeze({
      appKey,
      name: raw.name,
      androidPackage: raw.androidPackage,
      groupName: raw.groupName,
      source: raw.source,
      createdAt: raw.createdAt,
      updatedAt: raw.updatedAt,
    });
    apps.set(appKey, { record, secret });
  }

  const records = new Map<string, Map<string, unknown>>();
  for (const [collection, entries] of Object.entries(doc.records)) {
    if (!isIdentifier(collection)) throw corrupt('a record collection name is empty or has control characters');
    if (!isObject(entries)) throw corrupt(`record collection ${JSON.stringify(collection)} is not an object`);
    const map = new Map<string, unknown>();
    for (const [key, value] of Object.entries(entries)) {
      if (!isIdentifier(key)) throw corrupt(`a record key in collection ${JSON.stringify(collection)} is empty or has control characters`);
      map.set(key, value);
    }
    records.set(collection, map);
  }
  return { state: { apps, records }, keyCheck: doc.keyCheck, sealed };
}

function encode(state: RegistryState, keyCheck: Sealed, seal: (appKey: string, secret: string) => Sealed): string {
  const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);
  // Object.fromEntries defines own properties, so even an app key "__proto__" is stored as data.
  const doc: RegistryDocument = {
    version: FORMAT_VERSION,
    apps: Object.fromEntries([...state.apps].sort(byKey).map(([appKey, { record, secret }]) => [appKey, { ...record, secret: secret === null ? null : seal(appKey, secret) }])),
    records: Object.fromEntries([...state.records].sort(byKey).map(([collection, entries]) => [collection, Object.fromEntries([...entries].sort(byKey))])),
    keyCheck,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Replaces `path` with `text` so that a crash leaves either the old or the new file, never a mix:
 * write a temp file beside it, fsync, rename over the target, fsync the directory.
 */
async function writeAtomically(fs: RegistryFs, path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await ensureDirectory(fs, dir);
  const temp = tempName(path, randomBytes(6).toString('hex'));
  let handle: RegistryFileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', FILE_MODE);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    const h = handle;
    handle = undefined;
    await h.close();
    await fs.rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await fs.unlink(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(fs, dir);
}

/** Creates `dir` if needed, and makes the entries of the directories it created durable. */
async function ensureDirectory(fs: RegistryFs, dir: string): Promise<void> {
  const created = await fs.mkdir(dir, { recursive: true, mode: DIR_MODE });
  if (created === undefined) return;
  // New directories: make their own entries durable too, up to the first one that existed.
  for (let d = dir; ; d = dirname(d)) {
    await syncDirectory(fs, dirname(d));
    if (d === created || dirname(d) === d) break;
  }
}

async function syncDirectory(fs: RegistryFs, dir: string): Promise<void> {
  if (process.platform === 'win32') return; // directories can't be opened for fsync there
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
