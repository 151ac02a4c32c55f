// The app registry: the durable store of Jiguang apps and their master secrets (encrypted at
// rest), plus small durable side-records. Everything callers need is re-exported here.
export type { AppInput, AppRecord, AppRegistry } from './types.js';
export { RegistryError, type RegistryErrorCode } from './errors.js';
export { parseRegistryKey } from './crypto.js';
export { openRegistry, type OpenRegistryOptions } from './open.js';
export { openFileRegistry, type FileRegistryOptions, type RegistryFs, type RegistryFileHandle } from './file.js';
export { openMemoryRegistry } from './memory.js';
export { databaseLabel, openPostgresRegistry, type PostgresRegistryOptions } from './postgres.js';
