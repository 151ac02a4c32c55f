// JPortrait (iAudience) `POST /iaudience/open`: tag scores for one subject, in Jiguang's
// {code, message, requestId, data} envelope. The request body is the gateway's own contract (docs are silent).
import { parseBasicAuth } from './auth.js';
import { fnv1a, rngFor } from './prng.js';
import { json, type Reply, text } from './respond.js';
import type { ServiceContext, ServiceHandler, ServiceRequest } from './service.js';

/** The documented codes: code -> [HTTP status, message]. */
export const PORTRAIT_CODES: Record<string, [number, string]> = {
  '2000': [200, 'success'],
  '2001': [200, 'data not found'],
  '2002': [200, 'biz error'],
  '4000': [400, 'params invalid'],
  '5000': [500, 'internal Server Error'],
  '6002': [401, 'authorization invalid'],
};

export const ID_TYPES = ['imei', 'oaid', 'idfa', 'android_id', 'registration_id', 'phone_md5', 'phone_sha256'] as const;

/** Tag catalogue (codes in iAudience's HADI_/HAGI_ style). */
export const TAG_CATALOGUE = [
  'HADI_SHOPPING_MALL',
  'HAGI_SHOPPING_ALL',
  'HADI_SHOPPING_LUXURY',
  'HAGI_FINANCE_ALL',
  'HADI_FINANCE_BANK',
  'HAGI_FINANCE_LOAN',
  'HAGI_GAME_ALL',
  'HADI_GAME_CASUAL',
  'HADI_GAME_MOBA',
  'HAGI_VIDEO_ALL',
  'HADI_VIDEO_SHORT',
  'HAGI_EDUCATION_ALL',
  'HADI_EDUCATION_K12',
  'HAGI_TRAVEL_ALL',
  'HADI_TRAVEL_HOTEL',
  'HADI_TRAVEL_FLIGHT',
  'HAGI_AUTO_ALL',
  'HADI_AUTO_OWNER',
  'HAGI_HEALTH_ALL',
  'HADI_FOOD_DELIVERY',
  'HAGI_NEWS_ALL',
] as const;

/** Demo subjects that always have data (and always carry the two tags of the docs' example). */
const ALWAYS_FOUND = new Set(['imei\u001f861234567890123', 'oaid\u001foaid-1']);
const DOC_TAGS = new Set<string>(['HADI_SHOPPING_MALL', 'HAGI_SHOPPING_ALL']);

function envelope(ctx: ServiceContext, code: string, data: unknown, statusOverride?: number): Reply {
  const [status, message] = PORTRAIT_CODES[code] ?? [500, 'internal Server Error'];
  return json(statusOverride ?? status, { code, message, requestId: ctx.nextRequestId(), data });
}

interface PortraitQuery {
  id_type: string;
  id_value: string;
  tags: string[];
}

function parseBody(raw: string): PortraitQuery | null {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  if (Object.keys(b).some((k) => k !== 'id_type' && k !== 'id_value' && k !== 'tags')) return null;
  if (typeof b.id_type !== 'string' || !(ID_TYPES as readonly string[]).includes(b.id_type)) return null;
  if (typeof b.id_value !== 'string' || b.id_value.length < 1 || b.id_value.length > 128) return null;
  let tags: string[] = [];
  if (b.tags !== undefined && b.tags !== null) {
    if (!Array.isArray(b.tags) || !b.tags.every((t) => typeof t === 'string' && t.length >= 1 && t.length <= 64)) return null;
    tags = b.tags as string[];
  }
  return { id_type: b.id_type, id_value: b.id_value, tags };
}

/** The subject's tag scores, or null when the emulator knows nothing about it. */
export function subjectTags(seed: number, idType: string, idValue: string): Record<string, string> | null {
  const subject = `${idType}\u001f${idValue}`;
  const forced = ALWAYS_FOUND.has(subject);
  if (!forced && (idValue.startsWith('unknown') || fnv1a(`portrait-bucket\u001f${seed}\u001f${subject}`) % 100 < 10)) return null;
  const rng = rngFor('portrait', seed, idType, idValue);
  const count = 5 + Math.floor(rng() * 11);
  const order = TAG_CATALOGUE.map((code) => ({ code, r: rng() })).sort((a, b) => a.r - b.r);
  const chosen = new Set<string>(order.slice(0, count).map((o) => o.code));
  if (forced) for (const t of DOC_TAGS) chosen.add(t);
  const out: Record<string, string> = {};
  for (const code of TAG_CATALOGUE) {
    const score = rng();
    if (chosen.has(code)) out[code] = (Math.round(score * 10000) / 10000).toFixed(4);
  }
  return out;
}

export const portrait: ServiceHandler = {
  name: 'portrait',
  owns: (path) => path.startsWith('/iaudience/'),
  malformedBody: '{"code": "2000", "message": "success", "requestId": "000000000000", "data": {"HADI_',

  businessFault(code, status, ctx) {
    const c = String(code);
    return envelope(ctx, c, c === '2000' ? {} : null, status);
  },

  handle(req: ServiceRequest, ctx: ServiceContext): Reply {
    if (req.path !== '/iaudience/open') return text(404, 'Not Found');
    if (req.method !== 'POST') return text(405, 'Method Not Allowed', { allow: 'POST' });
    const creds = parseBasicAuth(req.headers.authorization);
    if (!creds || !ctx.store.authenticate(creds.user, creds.password)) return envelope(ctx, '6002', null);
    const q = parseBody(req.rawBody);
    if (!q) return envelope(ctx, '4000', null);
    const all = subjectTags(ctx.seed, q.id_type, q.id_value);
    if (!all) return envelope(ctx, '2001', null);
    if (q.tags.length === 0) return envelope(ctx, '2000', all);
    const wanted = new Set(q.tags);
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(all)) if (wanted.has(k)) data[k] = v;
    return envelope(ctx, '2000', data);
  },
};
