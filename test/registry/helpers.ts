// Shared set-up for the registry tests: temp directories, keys, and the backends behind one
// interface so the behavioural cases run against each.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileRegistry, openMemoryRegistry, type AppInput, type AppRegistry } from '../../src/registry/index.js';

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

/** Every backend the contract runs against. */
export async function registryBackends(): Promise<BackendEntry[]> {
  return backends;
}

const backends: BackendEntry[] = [
  {
    name: 'file',
    create: async () => {
      const { dir, cleanup } = await tempDir();
      const key = newKey();
      const path = join(dir, 'nested', 'registry.json');
      return {
        durable: true,
        open: (options = {}) => openFileRegistry({ path, key, ...options }),
        reopen: async (registry, options = {}) => {
          await registry.close();
          return openFileRegistry({ path, key, ...options });
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
];
