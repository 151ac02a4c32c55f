// JPortrait (iAudience) data source. The public docs give the envelope and codes but not the request
// body; the gateway's choice is made here and only here (README, "Upstream assumptions"):
//   POST /iaudience/open  {"id_type": "<lower-case PortraitIdType>", "id_value": "...", "tags": [codes]?}
import type { Credentials } from '../config.js';
import { upstreamError } from '../errors.js';
import { businessError, isRecord, type BusinessCodeTable } from '../http/decode.js';
import type { UpstreamHttp, UpstreamResponse } from '../http/upstream.js';
import type { CallContext } from '../jmlink/client.js';
import type { PortraitSubjectModel, PortraitTagModel } from './types.js';

/** JPortrait codes (docs: jportrait/server/restapi_overview) → gateway codes. 2000 and 2001 are not errors. */
export const PORTRAIT_CODES: BusinessCodeTable = {
  '2002': 'UPSTREAM_ERROR', // biz error
  '4000': 'BAD_USER_INPUT', // params invalid
  '5000': 'UPSTREAM_UNAVAILABLE', // internal server error
  '6002': 'UPSTREAM_AUTH_FAILED', // authorization invalid
};

export interface PortraitAnswer {
  found: boolean;
  tags: PortraitTagModel[];
}

export class PortraitClient {
  constructor(
    private readonly http: UpstreamHttp,
    private readonly baseUrl: string,
  ) {}

  /** Tags of one subject; `tags` null asks for every tag Jiguang has for it. */
  async query(credentials: Credentials, subject: PortraitSubjectModel, tags: readonly string[] | null, ctx: CallContext): Promise<PortraitAnswer> {
    const res = await this.http.request('portrait', this.baseUrl, {
      method: 'POST',
      path: '/iaudience/open',
      json: { id_type: subject.idType.toLowerCase(), id_value: subject.value, ...(tags ? { tags } : {}) },
      credentials,
      idempotent: true, // a read: sending it twice changes nothing
      ...ctx,
    });
    return decode(res);
  }
}

function decode(res: UpstreamResponse): PortraitAnswer {
  const body = res.body;
  const code = isRecord(body) && (typeof body.code === 'string' || typeof body.code === 'number') ? String(body.code) : null;
  const requestId = isRecord(body) && typeof body.requestId === 'string' ? body.requestId : undefined;
  const withId = requestId ? { ...res, info: { ...res.info, upstreamRequestId: requestId } } : res;
  if (code === '2001') return { found: false, tags: [] };
  if (code !== '2000' || res.status >= 400) throw businessError(withId, PORTRAIT_CODES, code, isRecord(body) ? body.message : null);
  const data = isRecord(body) ? body.data : null;
  if (data === null || data === undefined) return { found: true, tags: [] };
  if (!isRecord(data)) throw malformed(withId);
  const tags: PortraitTagModel[] = [];
  for (const [tagCode, raw] of Object.entries(data)) {
    const score = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(score) || score < 0 || score > 1) throw malformed(withId);
    tags.push({ code: tagCode, score });
  }
  return { found: true, tags };
}

function malformed(res: UpstreamResponse) {
  return upstreamError('UPSTREAM_ERROR', { ...res.info, businessCode: '2000', upstreamMessage: 'malformed data' });
}
