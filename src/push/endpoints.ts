// JPush Admin (docs: jpush/server/push/rest_api_admin_api_v1) with the developer credentials.
// Some failures come with HTTP 200 and an `error` body (1010–1015): a 200 is success only without it.
import { FormData } from 'undici';
import { isRecord } from '../core/json.js';
import { defineEndpoint } from '../http/endpoint.js';
import { type EnvelopeSpec, malformed } from '../http/envelope.js';

export const PUSH_ADMIN_ENVELOPE: EnvelopeSpec = {
  service: 'push-admin',
  code: ['error', 'code'],
  message: ['error', 'message'],
  success: (code) => code === undefined,
  codes: {
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
  },
};

export interface CreateAppParams {
  name: string;
  androidPackage: string;
  groupName: string | null;
}

export interface CreatedApp {
  appKey: string;
  androidPackage: string;
  newlyCreated: boolean;
  masterSecret: string | null;
}

export const createApp = defineEndpoint<CreateAppParams, CreatedApp>({
  service: 'push-admin',
  name: 'push-admin.create-app',
  method: 'POST',
  credentials: 'developer',
  appKey: () => null, // account level: the app does not exist yet
  request: (p) => ({ path: '/v1/app', json: { app_name: p.name, android_package: p.androidPackage, ...(p.groupName ? { group_name: p.groupName } : {}) } }),
  envelope: PUSH_ADMIN_ENVELOPE,
  parse: ({ body, info }, p) => {
    if (!isRecord(body) || typeof body.app_key !== 'string' || body.app_key === '') throw malformed(info);
    return {
      appKey: body.app_key,
      androidPackage: typeof body.android_package === 'string' ? body.android_package : p.androidPackage,
      newlyCreated: body.is_new_created === true,
      masterSecret: typeof body.master_secret === 'string' && body.master_secret !== '' ? body.master_secret : null,
    };
  },
  idempotent: true, // by contract: creating is idempotent on the Android package
  quota: 'push-admin',
});

export const deleteApp = defineEndpoint<{ appKey: string }, void>({
  service: 'push-admin',
  name: 'push-admin.delete-app',
  method: 'POST',
  credentials: 'developer',
  appKey: (p) => p.appKey,
  request: (p) => ({ path: `/v1/app/${encodeURIComponent(p.appKey)}/delete` }),
  envelope: PUSH_ADMIN_ENVELOPE,
  parse: () => undefined,
  idempotent: false,
  quota: 'push-admin',
});

export interface CertificateFile {
  environment: 'development' | 'production';
  file: Buffer;
  filename: string;
  password: string;
}

export const uploadCertificates = defineEndpoint<{ appKey: string; files: CertificateFile[] }, void>({
  service: 'push-admin',
  name: 'push-admin.upload-certificate',
  method: 'POST',
  credentials: 'developer',
  appKey: (p) => p.appKey,
  request: (p) => {
    // JPush Admin's multipart form: dev/pro CertificateFile and CertificatePassword.
    const form = new FormData();
    for (const { environment, file, filename, password } of p.files) {
      const prefix = environment === 'development' ? 'dev' : 'pro';
      form.append(`${prefix}CertificateFile`, new Blob([file], { type: 'application/x-pkcs12' }), filename);
      form.append(`${prefix}CertificatePassword`, password);
    }
    return { path: `/v1/app/${encodeURIComponent(p.appKey)}/certificate`, form };
  },
  envelope: PUSH_ADMIN_ENVELOPE,
  parse: () => undefined,
  idempotent: false,
  quota: 'push-admin',
});
