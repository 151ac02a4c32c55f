// A registry that lives only in memory, with the same semantics as the file one: for tests and
// demo runs where nothing should touch the disk (and nothing survives a restart).
import { type CoreOptions, EMPTY_STATE, Registry } from './registry.js';
import type { AppRegistry } from './types.js';

export function openMemoryRegistry(options: CoreOptions = {}): AppRegistry {
  return new Registry(EMPTY_STATE, { description: { backend: 'memory' }, persist: async () => {} }, options);
}
