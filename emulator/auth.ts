// HTTP Basic parsing shared by every emulated service: each one answers missing and wrong
// credentials with its own error shape, so this only decodes, it never answers.

export interface BasicCredentials {
  user: string;
  password: string;
}

/** The user:password pair of an `Authorization: Basic ...` header, or null if absent or unparseable. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header.trim());
  if (!m?.[1]) return null;
  let decoded: string;
  try {
    decoded = Buffer.from(m[1], 'base64').toString('utf8');
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (!password) return null;
  return { user, password };
}

export type CredentialCheck = 'missing' | 'unknown-user' | 'wrong-password' | 'ok';

/** Classifies an Authorization header against a user -> password table (each service maps it to its codes). */
export function checkCredentials(header: string | undefined, table: ReadonlyMap<string, string>): { result: CredentialCheck; user: string | null } {
  const creds = parseBasicAuth(header);
  if (!creds) return { result: 'missing', user: null };
  const secret = table.get(creds.user);
  if (secret === undefined) return { result: 'unknown-user', user: creds.user };
  return { result: secret === creds.password ? 'ok' : 'wrong-password', user: creds.user };
}
