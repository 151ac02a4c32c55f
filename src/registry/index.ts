// The app registry: the durable store of Jiguang apps and their master secrets (encrypted at
// rest), plus small durable side-records. Everything callers need is re-exported here.

export { parseRegistryKey } from './crypto.js';
export { RegistryError, type RegistryErrorCode } from './errors.js';
export { type FileRegistryOptions, openFileRegistry, type RegistryFileHandle, type RegistryFs } from './file.js';
export { openMemoryRegistry } from './memory.js';
export { type OpenRegistryOptions, openRegistry } from './open.js';
export { databaseLabel, openPostgresRegistry, type PostgresRegistryOptions } from './postgres.js';
export type { AppInput, AppRecord, AppRegistry } from './types.js';
