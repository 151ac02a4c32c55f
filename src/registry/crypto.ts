// Encryption of master secrets at rest (AES-256-GCM, the appKey as AAD) and the key check that
// lets a wrong key be told apart from a damaged file. Nothing here ever formats a key or a secret.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** An encrypted value as stored in the file: base64 of the 12-byte IV, the 16-byte tag, the ciphertext. */
export interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/**
 * AAD and plaintext of the key check. The AAD starts with a NUL, which an appKey can never contain,
 * so the key check can't be confused with (or swapped for) an app's secret.
 */
const KEY_CHECK_AAD = '\u0000jiguang-gateway/registry/key-check';
const KEY_CHECK_PLAINTEXT = 'jiguang-gateway registry key check v1';

/** Throws unless `key` is a 32-byte Buffer (message without the key). */
export function assertKey(key: unknown): asserts key is Buffer {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new Error(`registry key must be a Buffer of ${KEY_BYTES} bytes (use parseRegistryKey)`);
  }
}

function seal(key: Buffer, aad: string, plaintext: string): Sealed {
  const iv = randomBytes(IV_BYTES); // fresh for every encryption
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** Decrypts; undefined if the key, the AAD or any byte is wrong. */
function unseal(key: Buffer, aad: string, sealed: Sealed): string | undefined {
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** Structural check of a stored Sealed value (strings of base64 with the right IV and tag sizes). */
export function isSealed(value: unknown): value is Sealed {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const b64 = (s: unknown): s is string => typeof s === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
  return b64(v.iv) && b64(v.tag) && b64(v.data) && Buffer.from(v.iv, 'base64').length === IV_BYTES && Buffer.from(v.tag, 'base64').length === TAG_BYTES;
}

export function sealSecret(key: Buffer, appKey: string, secret: string): Sealed {
  return seal(key, appKey, secret);
}

export function unsealSecret(key: Buffer, appKey: string, sealed: Sealed): string | undefined {
  return unseal(key, appKey, sealed);
}

export function makeKeyCheck(key: Buffer): Sealed {
  return seal(key, KEY_CHECK_AAD, KEY_CHECK_PLAINTEXT);
}

/** True if `check` was made with `key`. */
export function verifyKeyCheck(key: Buffer, check: Sealed): boolean {
  return unseal(key, KEY_CHECK_AAD, check) === KEY_CHECK_PLAINTEXT;
}
