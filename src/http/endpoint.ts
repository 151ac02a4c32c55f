// One declarative description per upstream endpoint: everything the pipeline (src/http/upstream.ts)
// needs to call it — method, path, credentials, envelope, idempotency, cache policy and quota
// bucket. Each service lists its endpoints in its own `endpoints.ts`.
import type { FormData } from 'undici';
import type { ServiceName } from '../errors.js';
import type { Decoded, EnvelopeSpec } from './envelope.js';

/** Whose credentials a call carries: the app's (appKey:masterSecret), the developer account's, or the Growth project's. */
export type CredentialScope = 'app' | 'developer' | 'growth';

/** Named cache policies; their durations are configuration (src/http/cache/policy.ts). */
export type CachePolicyName = 'linkPages' | 'linkStatsDays' | 'portraitTags' | 'reviewStatus' | 'growthUsers';

/** Named quota buckets; their sizes are configuration (src/http/quota.ts). */
export type QuotaBucketName = 'jmlink.links' | 'jmlink.stats' | 'portrait' | 'push-admin' | 'verification-admin' | 'growth';

export interface EndpointRequest {
  path: string;
  query?: Record<string, string | number>;
  /** JSON body (serialised by the pipeline; lossless endpoints may hold bigint values). */
  json?: unknown;
  form?: FormData;
}

export interface Endpoint<P, R> {
  service: ServiceName;
  /** Stable name for metrics, logs, cache keys and quotas, e.g. `jmlink.links`. */
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  credentials: CredentialScope;
  /** The app the call is about (app-scoped calls: whose credentials; all: whose quota and cache). */
  appKey(params: P): string | null;
  request(params: P): EndpointRequest;
  envelope: EnvelopeSpec;
  /** Turns a successful answer into the model; throws `malformed(decoded.info)` on a wrong shape. */
  parse(decoded: Decoded, params: P): R;
  /**
   * Safe to send twice (reads, and writes idempotent by contract). Only such calls are retried, once,
   * after a connection failure, and only such calls are coalesced across requests.
   */
  idempotent: boolean;
  /**
   * Cross-request cache: the policy and the parameters that identify an answer (never credentials).
   * `perItem`: the answer is kept per item (a day, an identity value) by the service's loader, not whole.
   */
  cache?: { policy: CachePolicyName; key(params: P): string; perItem?: true };
  quota: QuotaBucketName;
  /** Integers beyond 2^53 are read (and written) exactly. */
  lossless?: boolean;
}

export function defineEndpoint<P, R>(endpoint: Endpoint<P, R>): Endpoint<P, R> {
  return endpoint;
}
