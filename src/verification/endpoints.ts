// JVerification Admin (docs: jverification/server/rest_api/admin_api, code_description) with the
// developer credentials. Answers carry a numeric `code` (9200 success for open) and, on failure, a
// `content` message; the status query answers {status: NONE | PASS | NO_PASS}.
import { defineEndpoint } from '../http/endpoint.js';
import { type EnvelopeSpec, malformed } from '../http/envelope.js';
import type { PlatformName } from './reviews.js';
import { WIRE_PLATFORM } from './reviews.js';

export const VERIFICATION_ENVELOPE: EnvelopeSpec = {
  service: 'verification-admin',
  code: ['code'],
  message: ['content'],
  success: (code) => code === undefined || code === '0' || code === '9200',
  codes: {
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
  },
};

export type UpstreamReviewStatus = 'NONE' | 'PASS' | 'NO_PASS';

/** The body Jiguang's `open` call takes. */
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

export const openOneTapLogin = defineEndpoint<OpenRequest, void>({
  service: 'verification-admin',
  name: 'verification.open',
  method: 'POST',
  credentials: 'developer',
  appKey: (p) => p.app_key,
  request: (p) => ({ path: '/v1/admin/open', json: p }),
  envelope: VERIFICATION_ENVELOPE,
  parse: ({ code, info }) => {
    // Success is 9200 exactly: an answer without a code did not say the review was opened.
    if (code !== '9200') throw malformed(info);
  },
  idempotent: false,
  quota: 'verification-admin',
});

export interface StatusParams {
  appKey: string;
  platform: PlatformName;
}

export const reviewStatus = defineEndpoint<StatusParams, UpstreamReviewStatus>({
  service: 'verification-admin',
  name: 'verification.status',
  method: 'POST',
  credentials: 'developer',
  appKey: (p) => p.appKey,
  request: (p) => ({ path: '/v1/admin/query', json: { app_key: p.appKey, platform: WIRE_PLATFORM[p.platform] } }),
  envelope: VERIFICATION_ENVELOPE,
  parse: ({ body, info }) => {
    const status = (body as { status?: unknown }).status;
    if (status === 'NONE' || status === 'PASS' || status === 'NO_PASS') return status;
    throw malformed(info);
  },
  idempotent: true, // a read
  cache: { policy: 'reviewStatus', key: (p) => p.platform },
  quota: 'verification-admin',
});
