// Operation Growth (运营增长) with the project credentials projectId:projectSecret. Every answer is
// the {code, msg, data} envelope: HTTP 200 with code 0 is success, anything else a failure. The docs
// give no error table and no `data`; the codes and the register answer's shape follow the emulator.
// CUIDs are Java longs: read from the raw answer and written back exactly (lossless JSON).

import { isRecord } from '../core/json.js';
import { defineEndpoint, type Endpoint, perItem } from '../http/endpoint.js';
import { type EnvelopeSpec, malformed } from '../http/envelope.js';

export const GROWTH_ENVELOPE: EnvelopeSpec = {
  service: 'growth',
  code: ['code'],
  message: ['msg'],
  success: (code, status) => code === '0' && status === 200,
  codes: {
    '40001': 'UPSTREAM_AUTH_FAILED', // auth failed
    '40002': 'BAD_USER_INPUT', // parameter invalid (unknown identity, attribute or channel; wrong type)
    '40004': 'UPSTREAM_ERROR', // api not found: the gateway sent a bad call
    '40005': 'UPSTREAM_ERROR', // method not allowed: the gateway sent a bad call
    '40029': 'RATE_LIMITED', // QPS limit
    '50000': 'UPSTREAM_UNAVAILABLE', // server error
  },
};

/** Items per call (identity values, events, users), as documented. */
export const GROWTH_MAX_ITEMS = 100;

/** A CUID as a decimal string: a positive whole number of at most 19 digits (a Java long). */
export const CUID = /^[1-9]\d{0,18}$/;
const MAX_LONG = 9223372036854775807n;

export function isCuid(text: string): boolean {
  return CUID.test(text) && BigInt(text) <= MAX_LONG;
}

export interface GrowthWireEvent {
  cuid: bigint;
  eventName: string;
  itime: number;
  randomId: string;
  properties: Record<string, unknown>;
}

export interface GrowthWireUserChannels {
  cuid: bigint;
  channels: { id: number; channelValues: Record<string, string> }[];
}

const growthWrite = <P>(name: string, method: 'POST' | 'PUT', path: string, json: (p: P) => unknown): Endpoint<P, void> =>
  defineEndpoint<P, void>({
    service: 'growth',
    name,
    method,
    credentials: 'growth',
    appKey: () => null, // project level
    request: (p) => ({ path, json: json(p) }),
    envelope: GROWTH_ENVELOPE,
    parse: () => undefined,
    idempotent: false,
    quota: 'growth',
    lossless: true,
  });

export interface RegisterParams {
  identityName: string;
  /** At most 100 values. */
  identityValues: readonly string[];
}

/** value → CUID (decimal string); values Jiguang left out are absent. */
export const registerUsers = defineEndpoint<RegisterParams, Map<string, string>>({
  service: 'growth',
  name: 'growth.register',
  method: 'POST',
  credentials: 'growth',
  appKey: () => null,
  request: (p) => ({ path: '/smartop/api/v1/user/register', json: { identityName: p.identityName, identityValues: p.identityValues } }),
  envelope: GROWTH_ENVELOPE,
  parse: ({ body, info }) => {
    const data = isRecord(body) ? body.data : undefined;
    if (!Array.isArray(data)) throw malformed(info);
    const out = new Map<string, string>();
    for (const entry of data) {
      if (!isRecord(entry) || typeof entry.identityValue !== 'string') continue;
      // Lossless parsing keeps a CUID beyond 2^53 as its exact decimal text; anything else is not a CUID.
      const cuid = typeof entry.cuid === 'number' ? (Number.isSafeInteger(entry.cuid) ? String(entry.cuid) : '') : typeof entry.cuid === 'string' ? entry.cuid : '';
      if (isCuid(cuid)) out.set(entry.identityValue, cuid);
      else if (entry.cuid !== null && entry.cuid !== undefined) throw malformed({ ...info, upstreamMessage: 'a CUID that is not a positive 64-bit integer' });
    }
    return out;
  },
  idempotent: true, // a lookup (creating a user for a value is idempotent on the value)
  // Kept per identity value (null: Jiguang returned no CUID); the values missing go out in calls of
  // GROWTH_MAX_ITEMS, as chunkBounds (src/growth/batch.ts) cuts every Growth list.
  cache: {
    policy: 'growthUsers',
    key: (p) => `${p.identityName}\u0000${p.identityValues.join('\u0001')}`,
    items: perItem<RegisterParams, Map<string, string>, string | null, string>({
      ids: (p) => p.identityValues,
      layout: { entry: (p, value) => `${p.identityName}\u0000${value}` },
      calls: (p, missing) => {
        const calls: RegisterParams[] = [];
        for (let start = 0; start < missing.length; start += GROWTH_MAX_ITEMS)
          calls.push({ identityName: p.identityName, identityValues: missing.slice(start, start + GROWTH_MAX_ITEMS) });
        return calls;
      },
      split: (cuids, p) => p.identityValues.map((value) => cuids.get(value) ?? null),
      merge: (p, cuids) => new Map(p.identityValues.flatMap((value, i) => (cuids[i] ? [[value, cuids[i]] as const] : []))),
      itemSize: 64,
    }),
  },
  quota: 'growth',
  lossless: true,
});

/** Attributes of one user (values already in wire form: 0/1, `yyyy-MM-dd HH:mm:ss`). */
export const setAttributes = growthWrite<{ cuid: bigint; data: Record<string, string | number> }>('growth.set-attributes', 'PUT', '/smartop/api/v1/user/attribute', (p) => ({
  cuid: p.cuid,
  data: p.data,
}));

/** At most 100 events of an app. */
export const reportEvents = growthWrite<{ appKey: string; events: GrowthWireEvent[] }>('growth.report-events', 'POST', '/smartop/api/v1/events/report', (p) => ({
  appKey: p.appKey,
  data: p.events,
}));

/** Contact channels of at most 100 users. */
export const setChannels = growthWrite<{ users: GrowthWireUserChannels[] }>('growth.set-channels', 'PUT', '/smartop/api/v1/user/channel/batch', (p) => p.users);
