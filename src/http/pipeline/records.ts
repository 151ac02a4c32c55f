// What the cache stage's parts (whole answers, items, answer indexes) share: where an endpoint's
// entries are kept, and how a hit or a stale answer is recorded — on the request (the access log,
// `extensions.cost`, the `stale` extension), as a span and in the metrics. Hits and stale answers
// count per entry: one entry answered, one hit.
import { SpanKind } from '@opentelemetry/api';
import type { CacheSettings } from '../../config/index.js';
import { GatewayError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { tracer } from '../../observability/tracing.js';
import { appPrefix, type CacheStore, ownerPrefix } from '../cache/store.js';
import type { CallContext, StaleServe } from '../call.js';
import type { AnyEndpoint } from './stage.js';

export interface CacheDeps {
  cache: CacheStore;
  cacheSettings: CacheSettings;
  metrics: Metrics;
  logger: Logger;
  /** The deadline of the gateway's own calls (background refreshes). */
  timeoutMs: number;
}

/** Codes after which a stale entry may stand in for a fresh answer. */
const TRANSIENT = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'RATE_LIMITED', 'UPSTREAM_ERROR']);

/** The key of an endpoint's entry: owner (app or project), endpoint, then `suffix` (normalised parameters, never credentials). */
export function entryKey(endpoint: AnyEndpoint, params: unknown, suffix: string): string {
  const appKey = endpoint.appKey(params);
  return `${appKey !== null ? appPrefix(appKey) : ownerPrefix(endpoint.credentials)}${endpoint.name}|${suffix}`;
}

export function recordHit(deps: CacheDeps, endpoint: AnyEndpoint, ctx: CallContext): void {
  ctx.stats.cacheHits++;
  tracer.startSpan(`jiguang ${endpoint.name}`, { kind: SpanKind.CLIENT, attributes: { 'jiguang.endpoint': endpoint.name, 'jiguang.cache': 'hit' } }).end();
  deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'hit' });
}

/** Whether an entry kept until `staleUntil` may stand in for a call that failed with `error`: a transient failure, within the bound. */
export function mayStandIn(staleUntil: number | undefined, error: unknown, now = Date.now()): error is GatewayError {
  return staleUntil !== undefined && now < staleUntil && error instanceof GatewayError && TRANSIENT.has(error.code);
}

/** Records an entry (`key`, fetched at `storedAt`) served stale instead of the failed call. */
export function recordStale(deps: CacheDeps, endpoint: AnyEndpoint, ctx: CallContext, key: string, storedAt: number, error: GatewayError): StaleServe {
  const stale = { key, storedAt };
  ctx.stats.stale.push(stale);
  tracer
    .startSpan(`jiguang ${endpoint.name}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'jiguang.endpoint': endpoint.name, 'jiguang.cache': 'stale', 'jiguang.stale_error': error.code },
    })
    .end();
  deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'stale' });
  deps.logger.warn('served stale data', { endpoint: endpoint.name, ageSeconds: Math.round((Date.now() - storedAt) / 1000), code: error.code, requestId: ctx.requestId });
  return stale;
}
