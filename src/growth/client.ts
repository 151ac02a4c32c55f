// Operation Growth data source (project credentials projectId:projectSecret). Every answer is the
// {code, msg, data} envelope: HTTP 200 with code 0 is success, anything else a failure. The docs give
// no error table and no `data`; GROWTH_CODES and the register answer's shape follow the emulator.
import type { Credentials } from '../config.js';
import { upstreamError } from '../errors.js';
import { businessError, isRecord, type BusinessCodeTable } from '../http/decode.js';
import type { UpstreamHttp, UpstreamResponse } from '../http/upstream.js';
import type { CallContext } from '../jmlink/client.js';

/** Operation Growth codes (undocumented; the emulator's choices) → gateway codes. */
export const GROWTH_CODES: BusinessCodeTable = {
  '40001': 'UPSTREAM_AUTH_FAILED', // auth failed
  '40002': 'BAD_USER_INPUT', // parameter invalid (unknown identity, attribute or channel; wrong type)
  '40004': 'UPSTREAM_ERROR', // api not found: the gateway sent a bad call
  '40005': 'UPSTREAM_ERROR', // method not allowed: the gateway sent a bad call
  '40029': 'RATE_LIMITED', // QPS limit
  '50000': 'UPSTREAM_UNAVAILABLE', // server error
};

/** Items per call (identity values, events, users), as documented. */
export const GROWTH_MAX_ITEMS = 100;

export interface GrowthWireEvent {
  cuid: number;
  eventName: string;
  itime: number;
  randomId: string;
  properties: Record<string, unknown>;
}

export interface GrowthWireUserChannels {
  cuid: number;
  channels: { id: number; channelValues: Record<string, string> }[];
}

export class GrowthClient {
  constructor(
    private readonly http: UpstreamHttp,
    private readonly baseUrl: string,
  ) {}

  /** CUIDs of at most 100 identity values: value → CUID (decimal string); values Jiguang left out are absent. */
  async register(credentials: Credentials, identityName: string, identityValues: string[], ctx: CallContext): Promise<Map<string, string>> {
    const res = await this.http.request('growth', this.baseUrl, {
      method: 'POST',
      path: '/smartop/api/v1/user/register',
      json: { identityName, identityValues },
      credentials,
      idempotent: true, // a lookup (creating a user for a value is idempotent on the value)
      ...ctx,
    });
    const data = decode(res);
    if (!Array.isArray(data)) throw malformed(res);
    const out = new Map<string, string>();
    for (const entry of data) {
      if (!isRecord(entry) || typeof entry.identityValue !== 'string') continue;
      const cuid = typeof entry.cuid === 'number' && Number.isSafeInteger(entry.cuid) && entry.cuid > 0 ? String(entry.cuid) : typeof entry.cuid === 'string' && /^[1-9]\d*$/.test(entry.cuid) ? entry.cuid : null;
      if (cuid !== null) out.set(entry.identityValue, cuid);
    }
    return out;
  }

  /** Sets attributes of one user (values already in wire form: 0/1, `yyyy-MM-dd HH:mm:ss`). */
  async setAttributes(credentials: Credentials, cuid: number, data: Record<string, string | number>, ctx: CallContext): Promise<void> {
    const res = await this.http.request('growth', this.baseUrl, {
      method: 'PUT',
      path: '/smartop/api/v1/user/attribute',
      json: { cuid, data },
      credentials,
      idempotent: false,
      ...ctx,
    });
    decode(res);
  }

  /** Reports at most 100 events of an app. */
  async reportEvents(credentials: Credentials, appKey: string, events: GrowthWireEvent[], ctx: CallContext): Promise<void> {
    const res = await this.http.request('growth', this.baseUrl, {
      method: 'POST',
      path: '/smartop/api/v1/events/report',
      json: { appKey, data: events },
      credentials,
      idempotent: false,
      ...ctx,
    });
    decode(res);
  }

  /** Sets the contact channels of at most 100 users. */
  async setChannels(credentials: Credentials, users: GrowthWireUserChannels[], ctx: CallContext): Promise<void> {
    const res = await this.http.request('growth', this.baseUrl, {
      method: 'PUT',
      path: '/smartop/api/v1/user/channel/batch',
      json: users,
      credentials,
      idempotent: false,
      ...ctx,
    });
    decode(res);
  }
}

/** The envelope's `data` on success; throws the mapped UpstreamError otherwise. */
function decode(res: UpstreamResponse): unknown {
  const body = res.body;
  if (isRecord(body) && (typeof body.code === 'number' || typeof body.code === 'string')) {
    if (Number(body.code) === 0) {
      if (res.status === 200) return body.data;
      throw businessError(res, GROWTH_CODES, null, body.msg);
    }
    throw businessError(res, GROWTH_CODES, body.code, body.msg);
  }
  if (res.status >= 400) throw businessError(res, GROWTH_CODES, null, null);
  throw malformed(res);
}

function malformed(res: UpstreamResponse) {
  return upstreamError('UPSTREAM_ERROR', { ...res.info, businessCode: null, upstreamMessage: null });
}
