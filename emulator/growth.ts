// Operation Growth (growth.jiguang.cn, /smartop/api/v1/...): CUIDs, user attributes, events and contact
// channels of one project, in the {code, msg, data} envelope, with the documented limits (100 items, 100 QPS).
// The docs give no error table and no `data`: the codes below, the seeded identity/attribute/channel
// catalogues and the answers' data are the emulator's choices. Order: path, method, auth, QPS, body; a request
// with any invalid item changes nothing; cuids need not come from register (any positive integer is a user).
// CUIDs are Java longs (the docs type cuid as long): register answers CUIDs spread over 1..2^63-1, written as
// exact JSON integers, and request bodies are read without rounding (beyond 2^53 a CUID is a bigint here).
// Test fixture choice: the identity value `fixed-cuid:<n>` (any identity, 1 <= n <= 2^63-1) registers as
// CUID n, e.g. MAX_CUID_IDENTITY_VALUE gives 9223372036854775807; every other value gets a hashed CUID.
import { checkCredentials } from './auth.js';
import { parseDay } from './dates.js';
import { parseExact } from './exactJson.js';
import { fnv1a } from './prng.js';
import { jsonExact, type Reply } from './respond.js';
import type { ServiceContext, ServiceHandler, ServiceRequest } from './service.js';
import type { GrowthEvent } from './stores.js';
import type { Cuid } from './types.js';

/** The emulator's error codes (docs are silent): code -> [HTTP status, msg]. */
export const GROWTH_ERRORS: Record<number, [number, string]> = {
  40001: [401, 'auth failed'],
  40002: [400, 'parameter invalid'],
  40004: [404, 'api not found'],
  40005: [405, 'method not allowed'],
  40029: [429, 'qps limit'],
  50000: [500, 'server error'],
};

/** Items per call (values, events, users) as documented. */
export const GROWTH_MAX_ITEMS = 100;
export const GROWTH_MAX_VALUE_LENGTH = 256;

/** Identities that exist in the data center with ID-mapping priority 1. */
export const GROWTH_IDENTITIES = ['phone', 'email', 'user_id'] as const;

export type AttributeType = 'string' | 'number' | 'boolean' | 'datetime';

/** Attributes defined in the project (booleans are sent as 0/1, datetimes as yyyy-MM-dd HH:mm:ss). */
export const GROWTH_ATTRIBUTES: Record<string, AttributeType> = {
  nickname: 'string',
  city: 'string',
  gender: 'string',
  age: 'number',
  points: 'number',
  vip: 'boolean',
  subscribed: 'boolean',
  register_time: 'datetime',
  last_login_time: 'datetime',
};

/** Contact channel ids. */
export const GROWTH_CHANNELS: Record<number, string> = {
  300: 'app notification',
  301: 'SMS',
  302: 'email',
  303: 'WeChat official account',
  304: 'WeChat mini program',
};

const ROUTES: Record<string, { method: string; run: (body: unknown, ctx: ServiceContext) => Reply }> = {
  '/smartop/api/v1/user/register': { method: 'POST', run: register },
  '/smartop/api/v1/user/attribute': { method: 'PUT', run: attribute },
  '/smartop/api/v1/events/report': { method: 'POST', run: events },
  '/smartop/api/v1/user/channel/batch': { method: 'PUT', run: channels },
};

function growthReply(code: number, data: unknown = null, msg?: string, statusOverride?: number): Reply {
  if (code === 0) return jsonExact(statusOverride ?? 200, { code: 0, msg: msg ?? 'success', data });
  const [status, dflt] = GROWTH_ERRORS[code] ?? [500, 'server error'];
  return jsonExact(statusOverride ?? status, { code, msg: msg ?? dflt, data: null });
}

const invalid = (problem: string) => growthReply(40002, null, problem);

/** The largest CUID: Java's Long.MAX_VALUE. */
export const MAX_CUID = 2n ** 63n - 1n;
/** Identity values `fixed-cuid:<n>` register as CUID n (a test fixture, see the header). */
export const FIXED_CUID_PREFIX = 'fixed-cuid:';
/** The identity value that registers as CUID 9223372036854775807. */
export const MAX_CUID_IDENTITY_VALUE = `${FIXED_CUID_PREFIX}${MAX_CUID}`;

/** A CUID as stored and reported: a number when exact (below 2^53), a bigint beyond. */
export function exactCuid(cuid: bigint): Cuid {
  return cuid <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(cuid) : cuid;
}

/** The CUID of an identity value, in 1..2^63-1, from the seed, identity and value only (or a fixed-cuid fixture). */
export function cuidOf(seed: number, identityName: string, value: string): bigint {
  if (value.startsWith(FIXED_CUID_PREFIX) && /^[1-9]\d{0,18}$/.test(value.slice(FIXED_CUID_PREFIX.length))) {
    const fixed = BigInt(value.slice(FIXED_CUID_PREFIX.length));
    if (fixed <= MAX_CUID) return fixed;
  }
  const hi = fnv1a(`cuid-hi\u001f${seed}\u001f${identityName}\u001f${value}`) & 0x7fffffff;
  const lo = fnv1a(`cuid-lo\u001f${seed}\u001f${identityName}\u001f${value}`);
  return (BigInt(hi) << 32n) + BigInt(lo) || 1n;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A positive Java long, as parseExact gives it (a number up to 2^53, a bigint beyond). */
const isCuid = (v: unknown): v is Cuid => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) || (typeof v === 'bigint' && v > 0n && v <= MAX_CUID);

/** Whether a value is a valid `yyyy-MM-dd HH:mm:ss`. */
export function isGrowthDatetime(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(v);
  return !!m && parseDay(m[1] ?? '') !== null && Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4]) < 60;
}

function typeProblem(name: string, type: AttributeType, value: unknown): string | null {
  switch (type) {
    case 'string':
      return typeof value === 'string' && value.length <= GROWTH_MAX_VALUE_LENGTH ? null : `attribute ${name} must be a string of at most ${GROWTH_MAX_VALUE_LENGTH} characters`;
    case 'number':
      return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint' ? null : `attribute ${name} must be a number`;
    case 'boolean':
      return value === 0 || value === 1 ? null : `attribute ${name} must be a boolean as 0 or 1`;
    case 'datetime':
      return isGrowthDatetime(value) ? null : `attribute ${name} must be a datetime yyyy-MM-dd HH:mm:ss`;
  }
}

function register(body: unknown, ctx: ServiceContext): Reply {
  if (!isObject(body)) return invalid('body must be a JSON object');
  const { identityName, identityValues } = body;
  if (typeof identityName !== 'string' || identityName === '') return invalid('identityName is required');
  if (!(GROWTH_IDENTITIES as readonly string[]).includes(identityName)) return invalid(`identity not found: ${identityName}`);
  if (!Array.isArray(identityValues) || identityValues.length === 0) return invalid('identityValues must be a non-empty array');
  if (identityValues.length > GROWTH_MAX_ITEMS) return invalid(`identityValues has more than ${GROWTH_MAX_ITEMS} values`);
  const bad = identityValues.findIndex((v) => typeof v !== 'string' || v === '' || v.length > GROWTH_MAX_VALUE_LENGTH);
  if (bad >= 0) return invalid(`identityValues[${bad}] must be a string of 1 to ${GROWTH_MAX_VALUE_LENGTH} characters`);
  const data = (identityValues as string[]).map((identityValue) => ({ identityValue, cuid: exactCuid(cuidOf(ctx.seed, identityName, identityValue)) }));
  return growthReply(0, data);
}

function attribute(body: unknown, ctx: ServiceContext): Reply {
  if (!isObject(body)) return invalid('body must be a JSON object (one user)');
  if (!isCuid(body.cuid)) return invalid('cuid must be a positive integer');
  if (!isObject(body.data) || Object.keys(body.data).length === 0) return invalid('data must be a non-empty object');
  for (const [name, value] of Object.entries(body.data)) {
    const type = GROWTH_ATTRIBUTES[name];
    if (type === undefined) return invalid(`attribute not found: ${name}`);
    const problem = typeProblem(name, type, value);
    if (problem) return invalid(problem);
  }
  ctx.growth.setAttributes(body.cuid, body.data);
  return growthReply(0, null);
}

function events(body: unknown, ctx: ServiceContext): Reply {
  if (!isObject(body)) return invalid('body must be a JSON object');
  if (typeof body.appKey !== 'string' || body.appKey === '') return invalid('appKey is required');
  if (!Array.isArray(body.data) || body.data.length === 0) return invalid('data must be a non-empty array');
  if (body.data.length > GROWTH_MAX_ITEMS) return invalid(`data has more than ${GROWTH_MAX_ITEMS} events`);
  const list: GrowthEvent[] = [];
  for (const [i, ev] of body.data.entries()) {
    if (!isObject(ev)) return invalid(`data[${i}] must be an object`);
    if (!isCuid(ev.cuid)) return invalid(`data[${i}].cuid must be a positive integer`);
    if (typeof ev.eventName !== 'string' || ev.eventName === '' || ev.eventName.length > 128) return invalid(`data[${i}].eventName is required`);
    if (typeof ev.itime !== 'number' || !Number.isSafeInteger(ev.itime) || ev.itime <= 0) return invalid(`data[${i}].itime must be epoch milliseconds`);
    if (typeof ev.randomId !== 'string' || ev.randomId === '' || ev.randomId.length > 128) return invalid(`data[${i}].randomId is required`);
    if (ev.properties !== undefined && ev.properties !== null && !isObject(ev.properties)) return invalid(`data[${i}].properties must be an object`);
    list.push({ appKey: body.appKey, cuid: ev.cuid, eventName: ev.eventName, itime: ev.itime, randomId: ev.randomId, properties: isObject(ev.properties) ? ev.properties : {} });
  }
  const accepted = ctx.growth.addEvents(list);
  return growthReply(0, { accepted, duplicates: list.length - accepted });
}

function channels(body: unknown, ctx: ServiceContext): Reply {
  if (!Array.isArray(body) || body.length === 0) return invalid('body must be a non-empty array of users');
  if (body.length > GROWTH_MAX_ITEMS) return invalid(`body has more than ${GROWTH_MAX_ITEMS} users`);
  const users: { cuid: Cuid; list: { id: number; channelValues: Record<string, string> }[] }[] = [];
  for (const [i, u] of body.entries()) {
    if (!isObject(u)) return invalid(`[${i}] must be an object`);
    if (!isCuid(u.cuid)) return invalid(`[${i}].cuid must be a positive integer`);
    if (!Array.isArray(u.channels) || u.channels.length === 0) return invalid(`[${i}].channels must be a non-empty array`);
    const list: { id: number; channelValues: Record<string, string> }[] = [];
    for (const [j, c] of u.channels.entries()) {
      if (!isObject(c)) return invalid(`[${i}].channels[${j}] must be an object`);
      if (typeof c.id !== 'number' || GROWTH_CHANNELS[c.id] === undefined) return invalid(`channel not found: ${String(c.id)}`);
      const values = c.channelValues;
      if (!isObject(values) || !Object.values(values).every((v) => typeof v === 'string' && v.length <= GROWTH_MAX_VALUE_LENGTH)) {
        return invalid(`[${i}].channels[${j}].channelValues must map labels to strings`);
      }
      list.push({ id: c.id, channelValues: { ...(values as Record<string, string>) } });
    }
    users.push({ cuid: u.cuid, list });
  }
  for (const u of users) ctx.growth.setChannels(u.cuid, u.list);
  return growthReply(0, null);
}

export const growth: ServiceHandler = {
  name: 'growth',
  owns: (path) => path.startsWith('/smartop/'),
  malformedBody: '{"code": 0, "msg": "success", "data": [{"identityValue": "138',

  businessFault(code, status) {
    const n = typeof code === 'number' ? code : Number(code);
    return growthReply(Number.isFinite(n) && n !== 0 ? n : 50000, null, undefined, status);
  },

  quota: (_path, ctx) => ctx.rateLimits.growthPerSecond,

  handle(req: ServiceRequest, ctx: ServiceContext): Reply {
    const route = ROUTES[req.path];
    if (!route) return growthReply(40004);
    if (req.method !== route.method) return growthReply(40005, null, `method not allowed: use ${route.method}`);
    const auth = checkCredentials(req.headers.authorization, ctx.growthProjects);
    if (auth.result !== 'ok' || auth.user === null) return growthReply(40001);
    if (!ctx.limiter.take(`growth:${auth.user}`, ctx.rateLimits.growthPerSecond, 1000).allowed) return growthReply(40029);
    let body: unknown;
    try {
      body = parseExact(req.rawBody);
    } catch {
      return invalid('body must be JSON');
    }
    return route.run(body, ctx);
  },
};
