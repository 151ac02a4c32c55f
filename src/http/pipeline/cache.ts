// The cross-request cache, for whole answers and items alike (entries made by the one formula of
// src/http/cache/policy.ts). A whole answer: fresh → served; within grace → served, and refreshed
// once in the background; otherwise the call goes down the pipeline, coalesced with identical ones,
// and its answer is stored. When Jiguang fails or the quota is spent, an entry still within its stale
// bound is served instead and recorded on the request (the `stale` response extension). Endpoints
// kept item by item: ./items.ts; lookups by id in an answer index: ./lookup.ts.
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../core/errors.js';
import { freshMsOf, newEntry } from '../cache/policy.js';
import { backgroundCall } from '../call.js';
import { answerItems, itemOutcomes } from './items.js';
import { indexEntries, lookUp } from './lookup.js';
import { type CacheDeps, entryKey, mayStandIn, recordHit, recordStale } from './records.js';
import { type Call, type Dispatch, type FlightSpec, newCall, type Served, type Stage } from './stage.js';

export function cache(deps: CacheDeps): Stage {
  const refreshing = new Set<string>();

  /** The call that fetches and stores a whole answer under `key` (where other replicas read it back). */
  const flightOf = (call: Call, key: string): FlightSpec => ({
    key,
    store: async (value) => {
      const freshMs = freshMsOf(call.endpoint.cache!.policy, deps.cacheSettings);
      const now = Date.now();
      const entry = { key, entry: newEntry(value, freshMs, deps.cacheSettings, now), size: approximateSize(value) };
      await deps.cache.setMany([entry, ...indexEntries(deps, call, value, freshMs, now)]);
    },
    read: async () => {
      const entry = await deps.cache.get(key);
      return entry && Date.now() < entry.freshUntil ? entry.value : undefined;
    },
  });

  const refreshInBackground = (call: Call, key: string, next: Dispatch): void => {
    if (refreshing.has(key)) return;
    refreshing.add(key);
    const ctx = backgroundCall(`refresh-${randomUUID()}`, deps.timeoutMs);
    next(newCall(call.endpoint, call.params, ctx, call.ask, flightOf(call, key)))
      .catch((error: unknown) => deps.logger.debug('background refresh failed', { endpoint: call.endpoint.name, code: error instanceof GatewayError ? error.code : 'INTERNAL' }))
      .finally(() => refreshing.delete(key));
  };

  const whole = async (call: Call, next: Dispatch): Promise<Served<unknown>> => {
    const { endpoint, ctx } = call;
    const key = entryKey(endpoint, call.params, endpoint.cache!.key(call.params));
    const entry = await deps.cache.get(key);
    const now = Date.now();
    if (entry && now < entry.freshUntil) {
      recordHit(deps, endpoint, ctx);
      return { value: entry.value, stale: null };
    }
    if (entry && now < entry.freshUntil + deps.cacheSettings.graceMs) {
      refreshInBackground(call, key, next);
      deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'grace' });
      recordHit(deps, endpoint, ctx);
      return { value: entry.value, stale: null };
    }
    deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'miss' });
    try {
      return { value: await next({ ...call, flight: flightOf(call, key) }), stale: null };
    } catch (error) {
      if (!entry || !mayStandIn(entry.staleUntil, error)) throw error;
      return { value: entry.value, stale: recordStale(deps, endpoint, ctx, key, entry.storedAt, error) };
    }
  };

  return (next) => async (call) => {
    const spec = call.endpoint.cache;
    const { ask } = call;
    if (ask.kind === 'lookup') return lookUp(deps, call, ask);
    if (ask.kind === 'items') {
      if (!spec?.items) throw new TypeError(`${call.endpoint.name} is not kept item by item`);
      return itemOutcomes(deps, call, next);
    }
    if (!spec || ask.kind === 'fresh') return { value: await next(call), stale: null };
    return spec.items ? answerItems(deps, call, next) : whole(call, next);
  };
}

/** A cheap size estimate for the cache's memory bound (strings and arrays dominate). */
export function approximateSize(value: unknown, depth = 0): number {
  if (typeof value === 'string') return 2 * value.length + 16;
  if (typeof value !== 'object' || value === null) return 8;
  if (depth > 3) return 64;
  if (Array.isArray(value)) {
    if (value.length === 0) return 16;
    return 16 + value.length * approximateSize(value[0], depth + 1);
  }
  let size = 32;
  for (const v of Object.values(value)) size += 16 + approximateSize(v, depth + 1);
  return size;
}
