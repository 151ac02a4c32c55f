// The registry key as configured (GATEWAY_REGISTRY_KEY): validated with the rest of the configuration,
// parsed into the 32 bytes the registry encrypts master secrets with (src/registry/crypto.ts).

/** AES-256. */
const KEY_BYTES = 32;

/**
 * Parses the registry key from configuration: 64 hex characters, or base64 (standard or URL-safe,
 * padding optional) of exactly 32 bytes. Surrounding whitespace is ignored. The error never
 * repeats the input, which may be a near-miss of the real key.
 */
export function parseRegistryKey(text: string): Buffer {
  if (typeof text !== 'string') throw new Error('registry key must be a string');
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(t) || /^[A-Za-z0-9_-]{43}=?$/.test(t)) key = Buffer.from(t, 'base64');
  if (key?.length !== KEY_BYTES) {
    throw new Error(
      `registry key must be 64 hexadecimal characters or the base64 encoding of 32 bytes ` +
        `(generate one with \`openssl rand -hex 32\`); the value given has ${t.length} characters`,
    );
  }
  if (key.every((b) => b === 0)) throw new Error('registry key is all zeros, which looks like a placeholder; generate one with `openssl rand -hex 32`');
  return key;
}
