// Chooses the registry backend from configuration: PostgreSQL when a database URL is given (any
// number of gateway processes), else the JSON file (one process), else memory (nothing survives).
import { openFileRegistry } from './file.js';
import { openMemoryRegistry } from './memory.js';
import type { CoreOptions } from './registry.js';
import type { AppRegistry, QueryCounting, RegistryLog } from './types.js';

export interface OpenRegistryOptions extends CoreOptions {
  /** postgres:// URL (DATABASE_URL): the PostgreSQL backend. Wins over everything else. */
  databaseUrl?: string | null;
  /** The PostgreSQL schema of the registry's tables; default "public". */
  databaseSchema?: string;
  /** Most PostgreSQL connections of this process; default 10. */
  poolSize?: number;
  /** Path of the registry file (GATEWAY_REGISTRY_FILE): the file backend when there is no databaseUrl. */
  file?: string | null;
  /** true: keep the registry in memory even though `file` is set (demo runs). */
  memory?: boolean;
  /** The registry key (GATEWAY_REGISTRY_KEY, parsed by parseRegistryKey); required by the file and PostgreSQL backends. */
  key?: Buffer | null;
  /** Where the PostgreSQL backend reports trouble with its change feed (the others have none). */
  log?: RegistryLog;
}

export async function openRegistry(options: OpenRegistryOptions): Promise<AppRegistry> {
  const { databaseUrl, file, key, now } = options;
  if (typeof databaseUrl === 'string' && databaseUrl.trim() !== '') {
    // Loaded only for PostgreSQL: the embedded defaults need no database client.
    const { openPostgresRegistry } = await import('./postgres.js');
    return openPostgresRegistry({
      url: databaseUrl.trim(),
      key: requireKey(key, 'PostgreSQL'),
      schema: options.databaseSchema,
      poolSize: options.poolSize,
      now,
      log: options.log,
    });
  }
  if (options.memory !== true && typeof file === 'string' && file !== '') {
    return openFileRegistry({ path: file, key: requireKey(key, 'file'), now });
  }
  return openMemoryRegistry({ now });
}

function requireKey(key: Buffer | null | undefined, backend: string): Buffer {
  if (!key) throw new TypeError(`the ${backend} registry needs a registry key: set GATEWAY_REGISTRY_KEY (generate one with \`openssl rand -hex 32\`)`);
  return key;
}

/**
 * The registry's database round trips so far by purpose, for gateway_registry_queries_total; undefined
 * for a backend that makes none (file, memory).
 */
export function registryQueries(registry: AppRegistry): (() => Readonly<Record<string, number>>) | undefined {
  const queries = (registry as Partial<QueryCounting>).queries;
  return typeof queries === 'function' ? () => queries.call(registry) : undefined;
}
