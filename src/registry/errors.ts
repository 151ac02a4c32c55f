// The registry's own failures, with a fixed code so start-up can tell "wrong key" from "damaged
// file" from "disk problem". Messages name files and app keys, never a secret or the key.

export type RegistryErrorCode =
  | 'REGISTRY_CORRUPT'
  | 'REGISTRY_KEY_MISMATCH'
  | 'REGISTRY_WRITE_FAILED'
  /** The registry file is locked by another gateway process. */
  | 'REGISTRY_IN_USE'
  /** The database cannot be reached or refused a query. */
  | 'REGISTRY_UNAVAILABLE';

export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  constructor(code: RegistryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryError';
    this.code = code;
  }
}
