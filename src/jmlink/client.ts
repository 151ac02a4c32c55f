// JMLink data source: the two REST calls and the decoding of JMLink's answers. JMLink answers
// success without an envelope and failure as {"error": {code, message}}; 3000 means success.
import type { Credentials } from '../config.js';
import { businessError, isRecord, type BusinessCodeTable } from '../http/decode.js';
import type { UpstreamHttp, UpstreamResponse } from '../http/upstream.js';
import { upstreamError } from '../errors.js';
import type { JmlinkDayStat, JmlinkLink, JmlinkPage, LinkPlatform } from './types.js';

/** JMLink business codes (docs: rest_api_v1_links_page) → gateway error codes. */
export const JMLINK_CODES: BusinessCodeTable = {
  '3001': 'UPSTREAM_AUTH_FAILED', // missing auth
  '3002': 'UPSTREAM_AUTH_FAILED', // auth failed
  '3003': 'UPSTREAM_ERROR', // missing body: the gateway sent a bad call
  '3004': 'UPSTREAM_ERROR', // invalid body
  '3005': 'BAD_USER_INPUT', // parameter invalid
  '3006': 'RATE_LIMITED', // out of freq
  '3007': 'NOT_FOUND', // api not found
  '3008': 'UPSTREAM_ERROR', // request method not supported
  '3009': 'UPSTREAM_ACCESS_DENIED', // app in black
  '3010': 'UPSTREAM_ACCESS_DENIED', // VIP function
  '3011': 'UPSTREAM_UNAVAILABLE', // server error
};

/** The largest page JMLink serves; the gateway always fetches whole pages of this size. */
export const JMLINK_MAX_PAGE_SIZE = 500;

export interface CallContext {
  requestId: string;
  signal?: AbortSignal;
}

export class JmlinkClient {
  constructor(
    private readonly http: UpstreamHttp,
    private readonly baseUrl: string,
  ) {}

  async listPage(appKey: string, credentials: Credentials, pageIndex: number, pageSize: number, ctx: CallContext): Promise<JmlinkPage> {
    const res = await this.http.request('jmlink', this.baseUrl, {
      method: 'GET',
      path: '/v1/links',
      query: { page_index: pageIndex, page_size: pageSize },
      credentials,
      idempotent: true,
      ...ctx,
    });
    const body = decode(res);
    if (!isRecord(body) || typeof body.total !== 'number' || !Array.isArray(body.records)) throw upstreamError('UPSTREAM_ERROR', { ...res.info, businessCode: null, upstreamMessage: null });
    return { total: body.total, records: body.records.filter(isRecord).map((r) => toLink(r, appKey)) };
  }

  async stats(credentials: Credentials, linkKey: string, from: string, to: string, platform: LinkPlatform, ctx: CallContext): Promise<JmlinkDayStat[]> {
    const res = await this.http.request('jmlink', this.baseUrl, {
      method: 'GET',
      path: `/v1/links/${encodeURIComponent(linkKey)}/stat`,
      query: { start_date: from, end_date: to, platform: platform.toLowerCase() },
      credentials,
      idempotent: true,
      ...ctx,
    });
    const body = decode(res);
    const rows = isRecord(body) ? body.data : undefined;
    if (rows === null || rows === undefined) return []; // nothing found is an empty result
    if (!Array.isArray(rows)) throw upstreamError('UPSTREAM_ERROR', { ...res.info, businessCode: null, upstreamMessage: null });
    return rows.filter(isRecord).map((r) => ({
      day: String(r.iday).slice(0, 10),
      exposures: count(r.exposure_count),
      clicks: count(r.click_count),
      opens: count(r.open_count),
      installs: count(r.install_count),
    }));
  }
}

/** Returns the body of a successful answer or throws the mapped error. */
function decode(res: UpstreamResponse): unknown {
  const body = res.body;
  const error = isRecord(body) && isRecord(body.error) ? body.error : null;
  if (error && String(error.code) !== '3000') return raise(res, error.code, error.message);
  if (res.status >= 400) return raise(res, null, null);
  return body;
}

function raise(res: UpstreamResponse, code: unknown, message: unknown): never {
  throw businessError(res, JMLINK_CODES, typeof code === 'number' || typeof code === 'string' ? code : null, message);
}

function count(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.trunc(n) : 0;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function toLink(r: Record<string, unknown>, appKey: string): JmlinkLink {
  return {
    id: Number(r.id),
    link_key: String(r.link_key ?? ''),
    name: String(r.name ?? ''),
    channel: String(r.channel ?? ''),
    app_domain: String(r.app_domain ?? ''),
    share_title: str(r.share_title),
    share_desc: str(r.share_desc),
    android_uri: str(r.android_uri),
    ios_uri: str(r.ios_uri),
    jump_link_type: String(r.jump_link_type ?? ''),
    landing_page: str(r.landing_page),
    create_time: String(r.create_time ?? '').slice(0, 10),
    update_time: String(r.update_time ?? '').slice(0, 10),
    appKey,
  };
}
