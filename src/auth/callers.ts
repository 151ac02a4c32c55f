// Who may call the gateway. Callers present `Authorization: Bearer <token>`; the gateway keeps only
// each token's SHA-256, with a role (reader: queries; admin: queries and mutations) and optionally
// the app keys it may touch. A token is never written anywhere, logged or compared in clear (the
// process remembers recently accepted Authorization headers in memory only, to hash each once).
import { createHash, randomBytes } from 'node:crypto';

export type Role = 'reader' | 'admin';

export interface CallerConfig {
  /** A name for logs and error messages, e.g. "frontend-ci". */
  name: string;
  /** SHA-256 of the token, 64 lower-case hex characters. */
  sha256: string;
  role: Role;
  /** The only apps this caller may touch; every app when absent. */
  appKeys?: string[] | null;
}

export interface Caller {
  name: string;
  role: Role;
  appKeys: ReadonlySet<string> | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token (256 bits, base64url) for configuration or demo mode. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const RECENT_MAX = 1_000;

export class Callers {
  private readonly byHash: Map<string, Caller>;

  constructor(callers: CallerConfig[]) {
    this.byHash = new Map(callers.map((c) => [c.sha256.toLowerCase(), { name: c.name, role: c.role, appKeys: c.appKeys ? new Set(c.appKeys) : null }]));
  }

  /** Authorization headers recently accepted: a client sends the same one with every request, hashed once. */
  private readonly recent = new Map<string, Caller>();

  /** The caller an Authorization header names, or null for a missing, malformed or unknown token. */
  identify(authorization: string | undefined): Caller | null {
    if (authorization === undefined) return null;
    const known = this.recent.get(authorization);
    if (known) return known;
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]{16,512})\s*$/i.exec(authorization);
    const caller = match ? (this.byHash.get(hashToken(match[1]!)) ?? null) : null;
    if (caller) {
      if (this.recent.size >= RECENT_MAX) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(authorization, caller);
    }
    return caller;
  }
}
