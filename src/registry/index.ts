// The app registry: the durable store of Jiguang apps and their master secrets (encrypted at
// rest), plus small durable side-records. Everything callers need is re-exported here, except the
// PostgreSQL backend: it loads `pg`, so openRegistry imports it only when DATABASE_URL is set, and
// whoever wants it directly imports ./postgres.js.

export { RegistryError, type RegistryErrorCode } from './errors.js';
export { type FileRegistryOptions, openFileRegistry, type RegistryFileHandle, type RegistryFs } from './file.js';
export { openMemoryRegistry } from './memory.js';
export { type OpenRegistryOptions, openRegistry, registryQueries } from './open.js';
export type { AppInput, AppRecord, AppRegistry, QueryCounting, RegistryLog } from './types.js';
