// JPush Admin (admin.jpush.cn): create and delete apps and upload iOS certificates with the developer's
// dev_key:dev_secret, including the documented errors that come with HTTP 200.
// Choices where the docs are silent: path, then method (4001), then auth; a body that is not a JSON object
// is 4002 if empty and 4003 otherwise; a certificate password is required next to its file (4002); a body
// that is not multipart gives 1014, a broken multipart body 4003; an unknown appKey is checked before the
// files; all certificates of one request are validated before any is kept; unknown /v1/app/... paths get 404.
import { createHash } from 'node:crypto';
import { Response } from 'undici';
import { checkCredentials } from './auth.js';
import { hexString, rngFor } from './prng.js';
import { json, type Reply, text } from './respond.js';
import type { ServiceContext, ServiceHandler, ServiceRequest } from './service.js';
import type { CertificateRecord } from './stores.js';

/** The documented error table: code -> [HTTP status, message]. */
export const PUSH_ADMIN_ERRORS: Record<number, [number, string]> = {
  1010: [200, 'certificate already exists'],
  1012: [200, 'certificate invalid'],
  1013: [200, 'appkey invalid'],
  1014: [200, 'no certificate file in the request'],
  1015: [200, 'app delete failed'],
  4001: [405, 'only POST is supported'],
  4002: [400, 'request parameters empty'],
  4003: [400, 'request parameters invalid'],
  4004: [401, 'dev_key does not exist'],
  4005: [401, 'dev_secret incorrect'],
  4006: [401, 'not a valid Basic auth string'],
  4007: [401, 'permission not enabled'],
  10: [500, 'system error'],
  // Not in the Admin API's table: the rate-limit answer every JPush-family API documents.
  2002: [429, 'Rate limit exceeded'],
};

const SUCCESS = { success: 'Synchronized success' } as const;

/** A Java package name: at least two dot-separated identifiers. */
export const ANDROID_PACKAGE = /^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$/;

/** Smallest accepted certificate file (a real .p12 is a few kB; the docs give no bound). */
export const MIN_CERTIFICATE_BYTES = 100;

const DELETE_PATH = /^\/v1\/app\/([^/]+)\/delete$/;
const CERT_PATH = /^\/v1\/app\/([^/]+)\/certificate$/;

function pushError(code: number, statusOverride?: number, message?: string): Reply {
  const [status, dflt] = PUSH_ADMIN_ERRORS[code] ?? [500, 'system error'];
  return json(statusOverride ?? status, { error: { code, message: message ?? dflt } });
}

/** Key and secret of an app created by JPush Admin: 24 hex each, from the seed and the package only. */
export function createdAppCredentials(seed: number, androidPackage: string): { appKey: string; masterSecret: string } {
  const rng = rngFor('created-app', seed, androidPackage);
  return { appKey: hexString(rng, 24), masterSecret: hexString(rng, 24) };
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function createApp(req: ServiceRequest, ctx: ServiceContext): Reply {
  if (req.rawBody.trim() === '') return pushError(4002);
  let body: unknown;
  try {
    body = JSON.parse(req.rawBody);
  } catch {
    return pushError(4003);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return pushError(4003);
  const b = body as Record<string, unknown>;
  const missing = (v: unknown) => v === undefined || v === null || v === '';
  if (missing(b.app_name) || missing(b.android_package)) return pushError(4002);
  if (typeof b.app_name !== 'string' || b.app_name.length > 128) return pushError(4003);
  if (typeof b.android_package !== 'string' || !ANDROID_PACKAGE.test(b.android_package)) return pushError(4003);
  if (!missing(b.group_name) && typeof b.group_name !== 'string') return pushError(4003);

  const existing = ctx.store.byPackage(b.android_package);
  if (existing) {
    return json(200, { app_key: existing.appKey, android_package: existing.androidPackage, is_new_created: false, master_secret: existing.masterSecret });
  }
  const { appKey, masterSecret } = createdAppCredentials(ctx.seed, b.android_package);
  const groupName = typeof b.group_name === 'string' && b.group_name !== '' ? b.group_name : null;
  ctx.store.add({ appKey, masterSecret, name: b.app_name, androidPackage: b.android_package, groupName });
  return json(200, { app_key: appKey, android_package: b.android_package, is_new_created: true, master_secret: masterSecret });
}

function deleteApp(appKey: string | null, ctx: ServiceContext): Reply {
  if (appKey === null || !ctx.store.get(appKey)) return pushError(1013);
  ctx.store.remove(appKey);
  ctx.certificates.forget(appKey);
  return json(200, SUCCESS);
}

const ENVIRONMENTS = [
  { environment: 'development', file: 'devCertificateFile', password: 'devCertificatePassword' },
  { environment: 'production', file: 'proCertificateFile', password: 'proCertificatePassword' },
] as const;

async function uploadCertificate(appKey: string | null, req: ServiceRequest, ctx: ServiceContext): Promise<Reply> {
  if (appKey === null || !ctx.store.get(appKey)) return pushError(1013);
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return pushError(1014);
  let form: Awaited<ReturnType<Response['formData']>>;
  try {
    form = await new Response(req.bodyBytes, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return pushError(4003);
  }
  const uploads: (CertificateRecord & { env: (typeof ENVIRONMENTS)[number] })[] = [];
  for (const env of ENVIRONMENTS) {
    const file = form.get(env.file);
    if (file === null) continue;
    if (typeof file === 'string') return pushError(1012); // a plain field, not a file part
    if (typeof form.get(env.password) !== 'string') return pushError(4002);
    const bytes = Buffer.from(await file.arrayBuffer());
    // A PKCS#12 file is DER: it starts with a SEQUENCE (0x30). Nothing more is checked (password, expiry).
    if (bytes.length < MIN_CERTIFICATE_BYTES || bytes[0] !== 0x30) return pushError(1012);
    uploads.push({ env, environment: env.environment, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, uploadedAt: ctx.now() });
  }
  if (uploads.length === 0) return pushError(1014);
  if (uploads.some((u) => ctx.certificates.has(appKey, u.environment))) return pushError(1010);
  for (const { env: _env, ...record } of uploads) ctx.certificates.add(appKey, record);
  return json(200, SUCCESS);
}

export const pushAdmin: ServiceHandler = {
  name: 'push-admin',
  owns: (path) => path === '/v1/app' || path.startsWith('/v1/app/'),
  malformedBody: '{"app_key": "0123456789abcdef01234567", "android_package": "com.exa',

  businessFault(code, status) {
    const n = typeof code === 'number' ? code : Number(code);
    return pushError(Number.isFinite(n) ? n : 10, status);
  },

  // JPush-family APIs answer an exceeded limit with HTTP 429 and code 2002, so a bare 429 gets that body.
  statusFault: (status) => (status === 429 ? pushError(2002) : undefined),

  handle(req: ServiceRequest, ctx: ServiceContext): Reply | Promise<Reply> {
    const isCreate = req.path === '/v1/app';
    const del = DELETE_PATH.exec(req.path);
    const cert = CERT_PATH.exec(req.path);
    if (!isCreate && !del && !cert) return text(404, 'Not Found');
    if (req.method !== 'POST') return pushError(4001);

    const auth = checkCredentials(req.headers.authorization, ctx.developers);
    if (auth.result === 'missing') return pushError(4006);
    if (auth.result === 'unknown-user') return pushError(4004);
    if (auth.result === 'wrong-password') return pushError(4005);

    if (isCreate) return createApp(req, ctx);
    if (del) return deleteApp(decodeSegment(del[1] ?? ''), ctx);
    return uploadCertificate(decodeSegment(cert?.[1] ?? ''), req, ctx);
  },
};
