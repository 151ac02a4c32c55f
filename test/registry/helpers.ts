// Shared set-up for the registry tests: temp directories, keys, PostgreSQL schemas, child processes,
// and the backends behind one interface so the behavioural cases run against each.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { vi } from 'vitest';
import { type AppInput, type AppRegistry, openFileRegistry, openMemoryRegistry } from '../../src/registry/index.js';
import { openPostgresRegistry } from '../../src/registry/postgres.js';
import { requirePostgres } from '../helpers/services.js';
import type { ChildTask } from './child.js';

export const newKey = (): Buffer => randomBytes(32);

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'registry-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function app(appKey: string, overrides: Partial<AppInput> = {}): AppInput {
  return { appKey, name: `App ${appKey}`, androidPackage: `com.example.${appKey.toLowerCase()}`, groupName: null, source: 'config', ...overrides };
}

/** A clock that advances one second per call, so timestamps differ deterministically. */
export function steppingClock(start = Date.UTC(2024, 0, 1)): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

/** A PostgreSQL schema of its own for a test (dropped by dropSchema). */
export const newSchema = (): string => `registry_test_${randomBytes(6).toString('hex')}`;

/** Runs SQL on a connection of its own (set-up, inspection and tampering in tests). */
export async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Retries `check` until it passes, for what another registry instance learns from a change notice
 * (milliseconds); fails after `withinMs` with the last failure.
 */
export function soon<T>(check: () => Promise<T> | T, withinMs = 2_000): Promise<T> {
  return vi.waitFor(check, { timeout: withinMs, interval: 2 });
}

export const dropSchema = async (url: string, schema: string): Promise<void> => {
  await sql(url, `DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
};

export interface BackendHarness {
  open(options?: { now?: () => Date }): Promise<AppRegistry>;
  /** Closes `registry` and opens the same store again (the memory backend has nothing to reopen). */
  reopen(registry: AppRegistry, options?: { now?: () => Date }): Promise<AppRegistry>;
  durable: boolean;
  cleanup(): Promise<void>;
}

export interface BackendEntry {
  name: string;
  /** Why this backend's cases are skipped here (its server is not reachable); undefined: they run. */
  skip?: string;
  create: () => Promise<BackendHarness>;
}

/** Every backend the contract runs against; PostgreSQL's cases are skipped (or, in CI, fail) without a server. */
export async function registryBackends(): Promise<BackendEntry[]> {
  const postgres = await requirePostgres();
  return [
    {
      name: 'file',
      create: async () => {
        const { dir, cleanup } = await tempDir();
        const key = newKey();
        const path = join(dir, 'nested', 'registry.json');
        const open = (options = {}) => openFileRegistry({ path, key, ...options });
        return {
          durable: true,
          open,
          reopen: async (registry, options) => {
            await registry.close();
            return open(options);
          },
          cleanup,
        };
      },
    },
    {
      name: 'memory',
      create: async () => ({
        durable: false,
        open: async (options = {}) => openMemoryRegistry(options),
        reopen: async (registry) => registry,
        cleanup: async () => {},
      }),
    },
    {
      name: 'postgres',
      skip: postgres.skip,
      create: async () => {
        const key = newKey();
        const schema = newSchema(); // one per test: each starts empty
        const open = (options = {}) => openPostgresRegistry({ url: postgres.url, key, schema, poolSize: 4, ...options });
        return {
          durable: true,
          open,
          reopen: async (registry, options) => {
            await registry.close();
            return open(options);
          },
          cleanup: () => dropSchema(postgres.url, schema),
        };
      },
    },
  ];
}

export interface Child {
  /** The next JSON line the child reports (rejects if it exits first). */
  next(): Promise<Record<string, unknown>>;
  /** Writes a line to the child's stdin. */
  send(line: string): void;
  /** Resolves with the exit code and stderr once the child has exited. */
  exited: Promise<{ code: number | null; stderr: string }>;
}

const CHILD_SCRIPT = fileURLToPath(new URL('./child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Starts test/registry/child.ts in a Node process of its own, with the registry key in its environment. */
export function startChild(task: ChildTask, key: Buffer): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, JSON.stringify(task)], {
    cwd: REPO,
    env: { ...process.env, REGISTRY_TEST_KEY: key.toString('hex') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    next: async () => {
      const { value, done } = await lines.next();
      if (done) throw new Error(`child exited with ${(await exited).code} before reporting: ${(await exited).stderr}`);
      return JSON.parse(value) as Record<string, unknown>;
    },
    send: (line) => child.stdin.write(`${line}\n`),
    exited,
  };
}

/** Runs a child to the end; its reports, or an error with its stderr if it failed. */
export async function runChild(task: ChildTask, key: Buffer): Promise<Array<Record<string, unknown>>> {
  return rest(task, startChild(task, key), []);
}

/**
 * Runs several children so that they act at the same moment: each prepares and reports "ready",
 * and once all are, all are told "go" (and `alongside`, if given, runs here meanwhile). Returns
 * each child's reports after "ready".
 */
export async function runTogether(tasks: ChildTask[], key: Buffer, alongside?: () => Promise<unknown>): Promise<Array<Array<Record<string, unknown>>>> {
  const children = tasks.map((task) => startChild(task, key));
  const firsts = await Promise.all(children.map((child) => child.next()));
  for (const first of firsts) if (first.event !== 'ready') throw new Error(`a child reported ${JSON.stringify(first)} instead of "ready"`);
  for (const child of children) child.send('go');
  const [reports] = await Promise.all([Promise.all(children.map((child, i) => rest(tasks[i]!, child, []))), alongside?.()]);
  return reports;
}

async function rest(task: ChildTask, child: Child, reports: Array<Record<string, unknown>>): Promise<Array<Record<string, unknown>>> {
  for (;;) {
    try {
      reports.push(await child.next());
    } catch {
      break;
    }
  }
  const { code, stderr } = await child.exited;
  if (code !== 0) throw new Error(`child ${task.mode} exited with ${code}: ${stderr}`);
  return reports;
}
