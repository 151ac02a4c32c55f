// JVerification Admin (admin.verification.jpush.cn): open one-tap login for an app and query the review,
// with an asynchronous review that posts its result to the app's callback_url like Jiguang does.
// Choices where the docs are silent: path, then method (9013), then auth (9010/9011), then content type
// (9015, application/json only); app_type may be 1/2 as a number or a string; app_sign is ignored for iOS;
// a "Chinese character" is one of Unicode script Han; re-opening while pending or after PASS changes nothing,
// re-opening after NO_PASS starts a new review; unknown /v1/admin/... paths get a plain 404.
import { createPublicKey } from 'node:crypto';
import { request } from 'undici';
import { checkCredentials } from './auth.js';
import { json, type Reply, text } from './respond.js';
import type { ServiceContext, ServiceHandler, ServiceRequest } from './service.js';
import type { ReviewStatus } from './stores.js';
import type { EmulatorCallback } from './types.js';

/** The documented return codes: code -> [HTTP status, message]. HTTP statuses are the emulator's choice. */
export const VERIFICATION_CODES: Record<number, [number, string]> = {
  1801: [200, 'invalid parameters'],
  1802: [200, 'auth failed'],
  1803: [200, 'no permission'],
  1804: [200, 'qps limit'],
  1805: [200, 'insufficient balance'],
  2000: [500, 'internal error'],
  9010: [401, 'missing auth'],
  9011: [401, 'auth failed'],
  9012: [200, 'parameter invalid'],
  9013: [405, 'method not supported'],
  9014: [200, 'appkey blocked'],
  9015: [415, 'media type not supported'],
  9018: [200, 'no balance'],
  9099: [500, 'server error'],
};

/**
 * The `code` of the review-result callback. The docs give only its shape `{app_key, platform, code}`;
 * the emulator sends 2001 for PASS and 2002 for NO_PASS.
 */
export const CALLBACK_CODE = { PASS: 2001, NO_PASS: 2002 } as const;

/** Delivery attempts after the first one when the callback answers non-2xx or fails, and the pause between. */
export const CALLBACK_RETRIES = 3;
export const CALLBACK_BACKOFF_MS = 500;

function verificationError(code: number, statusOverride?: number): Reply {
  const [status, content] = VERIFICATION_CODES[code] ?? [500, 'server error'];
  return json(statusOverride ?? status, { code, content });
}

/** Length with a Han (Chinese) character counting 2, as the app_intro limit is described. */
export function introLength(intro: string): number {
  let n = 0;
  for (const ch of intro) n += /\p{Script=Han}/u.test(ch) ? 2 : 1;
  return n;
}

/** Whether a base64 string is a DER SubjectPublicKeyInfo of a 1024-bit RSA key. */
export function isRsa1024PublicKey(b64: string): boolean {
  const compact = b64.replace(/\s+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(compact, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'rsa' && key.asymmetricKeyDetails?.modulusLength === 1024;
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function parseObject(raw: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

interface OpenRequest {
  app_key: string;
  platform: 'a' | 'i';
  app_intro: string;
  callback_url: string;
}

function validateOpen(b: Record<string, unknown>, ctx: ServiceContext): OpenRequest | null {
  const { app_key, platform, package_name, app_sign, app_type, app_intro, rsa_pubkey, callback_url } = b;
  if (typeof app_key !== 'string' || !ctx.store.get(app_key)) return null;
  if (platform !== 'a' && platform !== 'i') return null;
  if (typeof package_name !== 'string' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(package_name)) return null;
  if (platform === 'a' && (typeof app_sign !== 'string' || !/^[0-9a-f]{32}$/.test(app_sign))) return null;
  if (![1, 2, '1', '2'].includes(app_type as never)) return null;
  if (typeof app_intro !== 'string') return null;
  const len = introLength(app_intro);
  if (len < 60 || len > 1200) return null;
  if (typeof rsa_pubkey !== 'string' || !isRsa1024PublicKey(rsa_pubkey)) return null;
  if (typeof callback_url !== 'string' || !isHttpUrl(callback_url)) return null;
  return { app_key, platform, app_intro, callback_url };
}

/** POSTs the result, retrying non-2xx answers and failures; every attempt is recorded. */
function deliver(ctx: ServiceContext, url: string, body: EmulatorCallback['body'], attempt: number): void {
  const entry: EmulatorCallback = { url, body, status: null };
  request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: ctx.signal,
    headersTimeout: 5000,
    bodyTimeout: 5000,
  })
    .then(async (r) => {
      entry.status = r.statusCode;
      await r.body.dump().catch(() => undefined);
    })
    .catch(() => undefined)
    .finally(() => {
      if (ctx.signal.aborted) return;
      ctx.reviews.callbacks.push(entry);
      const ok = entry.status !== null && entry.status >= 200 && entry.status < 300;
      if (!ok && attempt < CALLBACK_RETRIES) ctx.later(CALLBACK_BACKOFF_MS, () => deliver(ctx, url, body, attempt + 1));
    });
}

function open(b: Record<string, unknown>, ctx: ServiceContext): Reply {
  const o = validateOpen(b, ctx);
  if (!o) return verificationError(9012);
  const current = ctx.reviews.get(o.app_key, o.platform);
  if (current === 'PENDING' || current === 'PASS') return json(200, { code: 9200 });
  ctx.reviews.set(o.app_key, o.platform, 'PENDING');
  ctx.later(ctx.verificationReviewDelayMs, () => {
    // Every review passes unless app_intro contains "reject" (any case), so tests can force NO_PASS.
    const result: ReviewStatus = /reject/i.test(o.app_intro) ? 'NO_PASS' : 'PASS';
    ctx.reviews.set(o.app_key, o.platform, result);
    deliver(ctx, o.callback_url, { app_key: o.app_key, platform: o.platform, code: CALLBACK_CODE[result] }, 0);
  });
  return json(200, { code: 9200 });
}

function query(b: Record<string, unknown>, ctx: ServiceContext): Reply {
  const { app_key, platform } = b;
  if (typeof app_key !== 'string' || !ctx.store.get(app_key) || (platform !== 'a' && platform !== 'i')) return verificationError(9012);
  const status = ctx.reviews.get(app_key, platform);
  // The docs list only NONE / PASS / NO_PASS: a pending review reports NONE, and the gateway combines
  // that with its own record of the open call to show PENDING.
  return json(200, { status: status === undefined || status === 'PENDING' ? 'NONE' : status });
}

export const verificationAdmin: ServiceHandler = {
  name: 'verification-admin',
  owns: (path) => path.startsWith('/v1/admin/'),
  malformedBody: '{"code": 9200, "content": "suc',

  businessFault(code, status) {
    const n = typeof code === 'number' ? code : Number(code);
    return verificationError(Number.isFinite(n) ? n : 9099, status);
  },

  handle(req: ServiceRequest, ctx: ServiceContext): Reply {
    const isOpen = req.path === '/v1/admin/open';
    if (!isOpen && req.path !== '/v1/admin/query') return text(404, 'Not Found');
    if (req.method !== 'POST') return verificationError(9013);
    const auth = checkCredentials(req.headers.authorization, ctx.developers);
    if (auth.result === 'missing') return verificationError(9010);
    if (auth.result !== 'ok') return verificationError(9011);
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return verificationError(9015);
    const body = parseObject(req.rawBody);
    if (!body) return verificationError(9012);
    return isOpen ? open(body, ctx) : query(body, ctx);
  },
};
