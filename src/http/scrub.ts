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

/** Bounded, scrubbed text copied from an upstream answer into a client-facing response. */
export function clientText(value: unknown, secrets: Iterable<string> = [], maxLength = 200): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return text === '' ? null : scrub(text, { secrets, maxLength, secretShaped: true });
}
