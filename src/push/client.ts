// JPush Admin data source (developer credentials dev_key:dev_secret). JPush Admin answers some
// failures with HTTP 200 and an `error` body (1010–1015), so a 200 is success only without `error`.
import type { Credentials } from '../config.js';
import { upstreamError } from '../errors.js';
import { businessError, isRecord, type BusinessCodeTable } from '../http/decode.js';
import type { UpstreamHttp, UpstreamResponse } from '../http/upstream.js';
import type { CallContext } from '../jmlink/client.js';
import { FormData } from 'undici';

/** JPush Admin codes (docs: jpush/server/push/rest_api_admin_api_v1) → gateway codes. */
export const PUSH_ADMIN_CODES: BusinessCodeTable = {
  '10': 'UPSTREAM_UNAVAILABLE', // system error
  '1010': 'CONFLICT', // certificate already exists
  '1012': 'BAD_USER_INPUT', // certificate invalid
  '1013': 'NOT_FOUND', // appkey invalid
  '1014': 'BAD_USER_INPUT', // no certificate file in the request
  '1015': 'UPSTREAM_ERROR', // app delete failed
  '2002': 'RATE_LIMITED', // rate limit exceeded (JPush family, HTTP 429)
  '4001': 'UPSTREAM_ERROR', // only POST is supported: the gateway sent a bad call
  '4002': 'BAD_USER_INPUT', // request parameters empty
  '4003': 'BAD_USER_INPUT', // request parameters invalid
  '4004': 'UPSTREAM_AUTH_FAILED', // dev_key does not exist
  '4005': 'UPSTREAM_AUTH_FAILED', // dev_secret incorrect
  '4006': 'UPSTREAM_AUTH_FAILED', // not a valid Basic auth string
  '4007': 'UPSTREAM_AUTH_FAILED', // permission not enabled
};

export interface CreatedApp {
  appKey: string;
  androidPackage: string;
  newlyCreated: boolean;
  masterSecret: string | null;
}

export interface CertificateFile {
  environment: 'development' | 'production';
  file: Buffer;
  filename: string;
  password: string;
}

export class PushAdminClient {
  constructor(
    private readonly http: UpstreamHttp,
    private readonly baseUrl: string,
  ) {}

  async createApp(credentials: Credentials, app: { name: string; androidPackage: string; groupName: string | null }, ctx: CallContext): Promise<CreatedApp> {
    const res = await this.http.request('push-admin', this.baseUrl, {
      method: 'POST',
      path: '/v1/app',
      json: { app_name: app.name, android_package: app.androidPackage, ...(app.groupName ? { group_name: app.groupName } : {}) },
      credentials,
      idempotent: true, // by contract: creating is idempotent on the Android package
      ...ctx,
    });
    const body = decode(res);
    if (!isRecord(body) || typeof body.app_key !== 'string') throw upstreamError('UPSTREAM_ERROR', { ...res.info, businessCode: null, upstreamMessage: null });
    return {
      appKey: body.app_key,
      androidPackage: typeof body.android_package === 'string' ? body.android_package : app.androidPackage,
      newlyCreated: body.is_new_created !== false,
      masterSecret: typeof body.master_secret === 'string' && body.master_secret !== '' ? body.master_secret : null,
    };
  }

  /** Sends the certificates as JPush Admin's multipart form: dev/pro CertificateFile and CertificatePassword. */
  async uploadCertificates(credentials: Credentials, appKey: string, files: CertificateFile[], ctx: CallContext): Promise<void> {
    const form = new FormData();
    for (const { environment, file, filename, password } of files) {
      const prefix = environment === 'development' ? 'dev' : 'pro';
      form.append(`${prefix}CertificateFile`, new Blob([file], { type: 'application/x-pkcs12' }), filename);
      form.append(`${prefix}CertificatePassword`, password);
    }
    const res = await this.http.request('push-admin', this.baseUrl, {
      method: 'POST',
      path: `/v1/app/${encodeURIComponent(appKey)}/certificate`,
      form,
      credentials,
      idempotent: false,
      ...ctx,
    });
    decode(res);
  }

  async deleteApp(credentials: Credentials, appKey: string, ctx: CallContext): Promise<void> {
    const res = await this.http.request('push-admin', this.baseUrl, {
      method: 'POST',
      path: `/v1/app/${encodeURIComponent(appKey)}/delete`,
      credentials,
      idempotent: false,
      ...ctx,
    });
    decode(res);
  }
}


function decode(res: UpstreamResponse): unknown {
  const body = res.body;
  if (isRecord(body) && isRecord(body.error)) {
    const { code, message } = body.error;
    throw businessError(res, PUSH_ADMIN_CODES, typeof code === 'number' || typeof code === 'string' ? code : null, message);
  }
  if (res.status >= 400) throw businessError(res, PUSH_ADMIN_CODES, null, null);
  return body;
}
