// Text that leaves the gateway (log lines, and anything copied from an upstream answer into a
// response) passes through the same rules: known secrets, `Basic`/`Bearer` credentials and anything
// credential-shaped are replaced, and the text is bounded in length.

/** Credentials in a header-like form: `Basic dXNlcjpwYXNz`, `Bearer abc.def`. */
const AUTH_VALUE = /\b(Basic|Bearer|Digest|Token)\s+[A-Za-z0-9._~+/=-]{4,}/gi;
/** `secret=…`, `"password": "…"`, `token:…` and the like, in query strings, JSON or prose. */
const NAMED_SECRET = /\b((?:[A-Za-z_-]*(?:secret|password|passwd|token|api[_-]?key|authorization)[A-Za-z_-]*)["']?\s*[:=]\s*["']?)[^\s"'&,;}]{3,}/gi;
/** user:password@ in a URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi;
/** Long runs of hex or base64 (keys, secrets, signatures): 24 characters or more. */
const LONG_SECRETISH = /\b(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{24,}={0,2}/g;

/** A word every one of the three patterns above needs. */
const MAYBE_CREDENTIAL = /basic|bearer|digest|token|secret|passw|api[_-]?key|authorization|:\/\//i;

export const REDACTED = '[REDACTED]';

export interface ScrubOptions {
  /** Values that must never appear (secrets known to the gateway). */
  secrets?: Iterable<string>;
  /** Most characters kept; longer text is cut and marked with an ellipsis. */
  maxLength?: number;
  /** Also replace long hex/base64 runs (client-facing text; log lines keep ids such as app keys). */
  secretShaped?: boolean;
}

export function scrub(text: string, options: ScrubOptions = {}): string {
  let out = text;
  for (const secret of options.secrets ?? []) {
    if (secret.length >= 6 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  // Most text (every access log line) names nothing credential-like: one cheap test spares the three scans.
  if (MAYBE_CREDENTIAL.test(out)) out = out.replace(AUTH_VALUE, `$1 ${REDACTED}`).replace(NAMED_SECRET, `$1${REDACTED}`).replace(URL_USERINFO, `$1${REDACTED}@`);
  if (options.secretShaped) out = out.replace(LONG_SECRETISH, REDACTED);
  const max = options.maxLength;
  return max !== undefined && out.length > max ? `${out.slice(0, max)}…` : out;
}

/**
 * The forms in which a call's credentials could come back in an upstream answer: the secret, the
 * `user:secret` pair, their base64 (standard and URL-safe) and the whole `Basic …` header.
 */
export function credentialForms(username: string, password: string): string[] {
  const pair = `${username}:${password}`;
  const forms = [password, pair];
  for (const plain of [pair, password]) {
    const b64 = Buffer.from(plain, 'utf8').toString('base64');
    forms.push(b64, b64.replace(/=+$/, ''), Buffer.from(plain, 'utf8').toString('base64url'));
  }
  return forms.filter((form) => form.length >= 6);
}

/** What an upstream business code or request id may look like to be passed on. */
const UPSTREAM_TOKEN = /^[A-Za-z0-9_.:-]{1,64}$/;

export type UpstreamFieldKind = 'token' | 'text';

/**
 * The one gate for anything copied from an upstream answer into a response or a log line.
 * - `token` (business codes, request ids): a number stays a number; a string passes only when it is a
 *   short token (`[A-Za-z0-9_.:-]{1,64}`) that neither holds nor is part of a known secret; anything
 *   else is dropped (null), never passed on in part.
 * - `text` (messages): control characters folded, known secrets, credentials and secret-shaped runs
 *   replaced, the length bounded.
 * `secrets` are the forms of the call's own credentials (`credentialForms`).
 */
export function fromUpstream(value: unknown, kind: 'token', secrets: readonly string[]): number | string | null;
export function fromUpstream(value: unknown, kind: 'text', secrets: readonly string[], maxLength?: number): string | null;
export function fromUpstream(value: unknown, kind: UpstreamFieldKind, secrets: readonly string[], maxLength = 200): number | string | null {
  if (kind === 'token') {
    if (typeof value === 'number') return Number.isFinite(value) ? value : null;
    if (typeof value !== 'string' || !UPSTREAM_TOKEN.test(value)) return null;
    for (const secret of secrets) if (value.includes(secret) || (value.length >= 6 && secret.includes(value))) return null;
    return value;
  }
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return text === '' ? null : scrub(text, { secrets, maxLength, secretShaped: true });
}
