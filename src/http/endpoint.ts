// One declarative description per upstream endpoint: everything the pipeline (src/http/pipeline/)
// needs to call it — service (its base URL), method, path, credentials, envelope, idempotency, cache
// policy (whole answers, or item by item with the split and merge of its items), quota bucket and
// call weight. Each service lists its endpoints in its own `endpoints.ts`.
import type { FormData } from 'undici';
import type { QuotaBucketName, ServiceName } from '../core/services.js';
import type { Decoded, EnvelopeSpec } from './envelope.js';

/** Whose credentials a call carries: the app's (appKey:masterSecret), the developer account's, or the Growth project's. */
export type CredentialScope = 'app' | 'developer' | 'growth';

/** Named cache policies; their durations are configuration (src/config/settings.ts CacheSettings, src/http/cache/policy.ts). */
export type CachePolicyName = 'linkPages' | 'linkStatsDays' | 'portraitTags' | 'reviewStatus' | 'growthUsers';

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
  /** Cross-request cache (src/http/pipeline/cache.ts); none: every call goes to Jiguang. */
  cache?: CacheSpec<P, R>;
  quota: QuotaBucketName;
  /** Points of the token's upstream budget one call costs (src/http/fairness.ts); 1 when absent. */
  weight?: number;
  /** Integers beyond 2^53 are read (and written) exactly. */
  lossless?: boolean;
}

export interface CacheSpec<P, R> {
  policy: CachePolicyName;
  /**
   * The parameters that identify an answer (never credentials): a whole answer's entry, or — kept
   * item by item — one call, for coalescing identical calls.
   */
  key(params: P): string;
  /** Kept item by item instead of whole (see `perItem`). */
  items?: ItemCache<P, R, unknown, string | number>;
  /** The items of a whole answer kept one by one as well, for lookups by id (a link by its key). */
  index?: AnswerIndex<R, unknown>;
}

/**
 * An answer kept item by item (a day of statistics, the CUID of an identity value): each item with
 * its own freshness, a call asks Jiguang only for the items missing, and the answer is merged from
 * the items kept and fetched.
 */
export interface ItemCache<P, R, I, K extends string | number> {
  /** The items a call asks for: distinct, in order. */
  ids(params: P): readonly K[];
  /** Where items are kept: an entry each (named by `entry`), or — numbered items — one dense run per `run` entry (many days, one read). */
  layout: { entry(params: P, id: K): string } | { run(params: P): string };
  /** The calls that fetch `missing` (some of the ids of `params`, in order); each asks for ids of `params` only. */
  calls(params: P, missing: readonly K[]): P[];
  /** A fetched answer item by item, in the order of `ids(params)` (null or a default where it has none). */
  split(value: R, params: P): readonly I[];
  /** The answer to `params` from its items, in the order of `ids(params)`. */
  merge(params: P, items: readonly I[]): R;
  /** Approximate bytes of one item (the cache's memory bound). */
  itemSize: number;
}

export interface AnswerIndex<R, I> {
  /** Names the index in its entries' keys (`<endpoint>|<name>:<id>`). */
  name: string;
  items(value: R): Iterable<readonly [id: string, item: I]>;
  /** Approximate bytes of one item. */
  itemSize: number;
}

export function defineEndpoint<P, R>(endpoint: Endpoint<P, R>): Endpoint<P, R> {
  return endpoint;
}

/** An item cache, its item and id types checked where it is written. */
export function perItem<P, R, I, K extends string | number>(spec: ItemCache<P, R, I, K>): ItemCache<P, R, unknown, string | number> {
  return spec as ItemCache<P, R, unknown, string | number>;
}
