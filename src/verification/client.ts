// JVerification Admin data source (developer credentials). Its answers carry a numeric `code`
// (9200 success for open) and, on failure, a `content` message; the status query answers
// {status: NONE | PASS | NO_PASS}.
import type { Credentials } from '../config.js';
import { upstreamError } from '../errors.js';
import { businessError, isRecord, type BusinessCodeTable } from '../http/decode.js';
import type { UpstreamHttp, UpstreamResponse } from '../http/upstream.js';
import type { CallContext } from '../jmlink/client.js';

/** JVerification codes (docs: jverification/server/rest_api/code_description) → gateway codes. */
export const VERIFICATION_CODES: BusinessCodeTable = {
  '1801': 'BAD_USER_INPUT', // invalid parameters
  '1802': 'UPSTREAM_AUTH_FAILED', // auth failed
  '1803': 'UPSTREAM_ACCESS_DENIED', // no permission: service not enabled or expired
  '1804': 'RATE_LIMITED', // qps limit
  '1805': 'UPSTREAM_ACCESS_DENIED', // insufficient balance
  '2000': 'UPSTREAM_UNAVAILABLE', // internal error
  '9010': 'UPSTREAM_AUTH_FAILED', // missing auth
  '9011': 'UPSTREAM_AUTH_FAILED', // auth failed
  '9012': 'BAD_USER_INPUT', // parameter invalid
  '9013': 'UPSTREAM_ERROR', // method not supported: the gateway sent a bad call
  '9014': 'UPSTREAM_ACCESS_DENIED', // appkey blocked
  '9015': 'UPSTREAM_ERROR', // media type not supported
  '9018': 'UPSTREAM_ACCESS_DENIED', // no balance
  '9099': 'UPSTREAM_UNAVAILABLE', // server error
};

export type UpstreamReviewStatus = 'NONE' | 'PASS' | 'NO_PASS';

/** The body Jiguang's `open` call takes (docs: jverification/server/rest_api/admin_api). */
export interface OpenRequest {
  app_key: string;
  platform: 'a' | 'i';
  package_name: string;
  app_sign?: string;
  app_type: 1 | 2;
  app_intro: string;
  rsa_pubkey: string;
  callback_url: string;
}

export class VerificationAdminClient {
  constructor(
    private readonly http: UpstreamHttp,
    private readonly baseUrl: string,
  ) {}

  async open(credentials: Credentials, body: OpenRequest, ctx: CallContext): Promise<void> {
    const res = await this.http.request('verification-admin', this.baseUrl, { method: 'POST', path: '/v1/admin/open', json: body, credentials, idempotent: false, ...ctx });
    const answer = decode(res);
    if (String(answer.code) !== '9200') throw businessError(res, VERIFICATION_CODES, codeOf(answer), answer.content);
  }

  async status(credentials: Credentials, appKey: string, platform: 'a' | 'i', ctx: CallContext): Promise<UpstreamReviewStatus> {
    const res = await this.http.request('verification-admin', this.baseUrl, {
      method: 'POST',
      path: '/v1/admin/query',
      json: { app_key: appKey, platform },
      credentials,
      idempotent: true, // a read
      ...ctx,
    });
    const answer = decode(res);
    if (answer.status === 'NONE' || answer.status === 'PASS' || answer.status === 'NO_PASS') return answer.status;
    throw upstreamError('UPSTREAM_ERROR', { ...res.info, businessCode: codeOf(answer), upstreamMessage: null });
  }
}

/** A JSON object answer, or the mapped error for an error code or a failed HTTP status. */
function decode(res: UpstreamResponse): Record<string, unknown> {
  const body = isRecord(res.body) ? res.body : null;
  const code = body ? codeOf(body) : null;
  const failed = res.status >= 400 || (code !== null && code !== 0 && code !== 9200);
  if (failed || !body) throw businessError(res, VERIFICATION_CODES, failed ? code : null, body?.content ?? body?.message);
  return body;
}

function codeOf(body: Record<string, unknown>): number | null {
  const code = Number(body.code);
  return body.code !== undefined && Number.isFinite(code) ? code : null;
}
