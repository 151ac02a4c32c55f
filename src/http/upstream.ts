// The upstream pipeline every data source calls through, built from the endpoint descriptions:
//   cache (fresh → answer; within grace → answer and refresh once in the background)
//   → coalescing (identical reads in flight, from any request, become one call)
//   → per-request budget → per-token fairness → credentials and access → quota slot
//   → the wire (src/http/transport.ts) → the service's envelope → the endpoint's model → cache.
// When Jiguang fails or the quota is spent, a stale entry within its bound is served instead and
// recorded on the request (the `stale` response extension).
import { randomUUID } from 'node:crypto';
import { type Span, SpanKind } from '@opentelemetry/api';
import { stringify as stringifyLossless } from 'lossless-json';
import type { Credentials } from '../config.js';
import { GatewayError, type JiguangErrorInfo, RequestCancelledError, type ServiceName, UpstreamError, upstreamError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { inCallSpan, tracer } from '../observability/tracing.js';
import { type CacheSettings, freshMsOf, newEntry } from './cache/policy.js';
import { appPrefix, type CacheEntry, type CacheStore, ownerPrefix } from './cache/store.js';
import { backgroundCall, type CallContext, type StaleServe } from './call.js';
import { type CredentialSource, checkAccess } from './credentials.js';
import type { Endpoint } from './endpoint.js';
import { decodeEnvelope, malformed, retryAfterSeconds } from './envelope.js';
import type { Fairness } from './fairness.js';
import type { QuotaScheduler } from './quota.js';
import { credentialForms } from './scrub.js';
import { type Transport, TransportFailure, type WireResponse } from './transport.js';

/** A value and, when it came from an entry kept past its freshness because Jiguang failed, when it was fetched. */
export interface Served<T> {
  value: T;
  stale: StaleServe | null;
}

/**
 * Coalescing across replicas (src/shared/coalescer.ts): one replica, holding a short lease, makes the
 * call; the others wait and `read` what it stored.
 */
export interface Coalescer {
  run<T>(key: string, fetch: () => Promise<T>, read: () => Promise<T | undefined>, leaseMs: number, signal?: AbortSignal): Promise<T>;
}

export interface UpstreamDeps {
  baseUrls: Record<ServiceName, string>;
  timeoutMs: number;
  transport: Transport;
  credentials: CredentialSource;
  cache: CacheStore;
  cacheSettings: CacheSettings;
  quota: QuotaScheduler;
  fairness: Fairness;
  metrics: Metrics;
  logger: Logger;
  /** Coalescing of identical reads across replicas (Redis); within this process only when absent. */
  coalescer?: Coalescer;
}

/** Codes after which a stale entry may stand in for a fresh answer. */
const TRANSIENT = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'RATE_LIMITED', 'UPSTREAM_ERROR']);

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

/** How long an invalidation is remembered for calls in flight (far longer than any call's deadline). */
const INVALIDATION_MEMORY_MS = 10 * 60_000;

export class Upstream {
  private readonly flights = new Map<string, Flight<unknown>>();
  /** Each service's base URL, split once: its origin, and a path prefix when it has one. */
  private readonly bases: Record<ServiceName, { origin: string; path: string }>;
  private readonly refreshing = new Set<string>();
  /** Recent invalidations by key prefix, numbered: a call in flight when one covered its key does not store its answer. */
  private readonly invalidations = new Map<string, { n: number; at: number }>();
  private invalidationCount = 0;

  constructor(readonly deps: UpstreamDeps) {
    const split = (base: string) => {
      const url = new URL(base);
      return { origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
    };
    this.bases = Object.fromEntries(Object.entries(deps.baseUrls).map(([service, base]) => [service, split(base)])) as Record<ServiceName, { origin: string; path: string }>;
  }

  get cache(): CacheStore {
    return this.deps.cache;
  }

  get cacheSettings(): CacheSettings {
    return this.deps.cacheSettings;
  }

  /** Calls an endpoint, through the cache when it has a policy. */
  async request<P, R>(endpoint: Endpoint<P, R>, params: P, ctx: CallContext, onFetched?: (value: R) => Promise<void>): Promise<Served<R>> {
    const policy = endpoint.cache;
    if (!policy || policy.perItem) return { value: await this.fetch(endpoint, params, ctx, null), stale: null };
    // Access first: a cached answer is served only to a caller who may see it.
    if (ctx.caller) checkAccess(ctx.caller, endpoint.credentials, endpoint.appKey(params));
    const freshMs = freshMsOf(policy.policy, this.deps.cacheSettings);
    const key = this.cacheKey(endpoint, params);
    const entry = await this.deps.cache.get<R>(key);
    const now = Date.now();
    if (entry && now < entry.freshUntil) return this.hit(endpoint, ctx, entry.value);
    if (entry && now < entry.freshUntil + this.deps.cacheSettings.graceMs) {
      this.refreshInBackground(endpoint, params, key, freshMs, onFetched);
      this.deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'grace' });
      return this.hit(endpoint, ctx, entry.value);
    }
    this.deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'miss' });
    try {
      return { value: await this.fetchAndStore(endpoint, params, ctx, key, freshMs, onFetched), stale: null };
    } catch (error) {
      const stale = this.staleFor(endpoint, ctx, key, entry, error);
      if (stale) return stale;
      throw error;
    }
  }

  /**
   * One call, coalesced with identical calls in flight when `flightKey` is given (idempotent reads);
   * `onValue` runs once for the call's value (storing it), not once per waiter. The request that
   * starts a call is the one charged for it (budget, fairness); requests joining it are not.
   */
  async fetch<P, R>(
    endpoint: Endpoint<P, R>,
    params: P,
    ctx: CallContext,
    flightKey: string | null,
    onValue?: (value: R) => Promise<void>,
    read?: () => Promise<R | undefined>,
  ): Promise<R> {
    const coalesce = flightKey !== null && endpoint.idempotent;
    if (coalesce && ctx.caller) checkAccess(ctx.caller, endpoint.credentials, endpoint.appKey(params));
    let flight = coalesce ? (this.flights.get(flightKey) as Flight<R> | undefined) : undefined;
    if (flight) {
      ctx.stats.coalesced++;
      tracer.startSpan(`jiguang ${endpoint.name}`, { kind: SpanKind.CLIENT, attributes: { 'jiguang.endpoint': endpoint.name, 'jiguang.cache': 'coalesced' } }).end();
      this.deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'coalesced' });
      return waitFor(flight, ctx.signal, () => this.forget(flightKey!, flight!));
    }
    const credentials = await this.admit(endpoint, params, ctx);
    if (!coalesce) {
      const value = await this.send(endpoint, params, ctx, credentials, ctx.signal);
      await onValue?.(value);
      return value;
    }
    flight = this.flights.get(flightKey) as Flight<R> | undefined;
    if (flight) {
      // Another request started the same call while this one was being admitted: joined, not charged.
      ctx.stats.coalesced++;
      this.deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'coalesced' });
      await this.refund(ctx);
    } else {
      // The call runs on its own signal, ended only when every request waiting for it has gone.
      const controller = new AbortController();
      const seen = this.invalidationCount;
      const call = () =>
        this.send(endpoint, params, ctx, credentials, controller.signal).then(async (value) => {
          if (!this.invalidatedSince(flightKey, seen)) await onValue?.(value);
          return value;
        });
      // Across replicas too, when a shared coalescer and a cache key to read the value back are there.
      const { coalescer } = this.deps;
      const promise = coalescer && read ? coalescer.run(flightKey, call, read, Math.max(1_000, ctx.deadline - Date.now()), controller.signal) : call();
      const started: Flight<R> = { promise, controller, waiters: 0 };
      this.flights.set(flightKey, started as Flight<unknown>);
      const done = () => this.forget(flightKey, started);
      promise.then(done, done);
      flight = started;
    }
    const joined = flight;
    return waitFor(joined, ctx.signal, () => this.forget(flightKey, joined));
  }

  /** Forgets a flight (ended, or abandoned by every request waiting for it), unless another has taken its key. */
  private forget(key: string, flight: Flight<unknown>): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
  }

  /** Closes the connection pools (after the last request). */
  async close(): Promise<void> {
    await this.deps.transport.close();
  }

  /** Drops every cached answer about an app (its links, statistics, tags, review status). */
  async invalidateApp(appKey: string): Promise<void> {
    this.invalidateInFlight(appPrefix(appKey));
    await this.deps.cache.deletePrefix(appPrefix(appKey));
  }

  /** Drops the cached answer of one call. */
  async invalidate<P, R>(endpoint: Endpoint<P, R>, params: P): Promise<void> {
    const key = this.cacheKey(endpoint, params);
    this.invalidateInFlight(key);
    await this.deps.cache.delete([key]);
  }

  /**
   * Calls already in flight under `prefix` started before the change: later requests do not join
   * them, and their answers are not stored (they would undo the invalidation).
   */
  private invalidateInFlight(prefix: string): void {
    const now = Date.now();
    for (const [p, { at }] of this.invalidations) if (at < now - INVALIDATION_MEMORY_MS) this.invalidations.delete(p);
    this.invalidations.set(prefix, { n: ++this.invalidationCount, at: now });
    for (const key of this.flights.keys()) if (key.startsWith(prefix)) this.flights.delete(key);
  }

  private invalidatedSince(key: string, seen: number): boolean {
    if (seen === this.invalidationCount) return false;
    for (const [prefix, { n }] of this.invalidations) if (n > seen && key.startsWith(prefix)) return true;
    return false;
  }

  /** The cache key of an endpoint's answer: owner (app or project), endpoint, normalised parameters; never credentials. */
  cacheKey<P, R>(endpoint: Endpoint<P, R>, params: P, suffix = endpoint.cache?.key(params) ?? ''): string {
    const appKey = endpoint.appKey(params);
    return `${appKey !== null ? appPrefix(appKey) : ownerPrefix(endpoint.credentials)}${endpoint.name}|${suffix}`;
  }

  /** Records a cache hit on the request and the metrics. */
  hit<T>(endpoint: { name: string }, ctx: CallContext, value: T): Served<T> {
    ctx.stats.cacheHits++;
    tracer.startSpan(`jiguang ${endpoint.name}`, { kind: SpanKind.CLIENT, attributes: { 'jiguang.endpoint': endpoint.name, 'jiguang.cache': 'hit' } }).end();
    this.deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'hit' });
    return { value, stale: null };
  }

  /** A stale entry standing in for a failed call, when the failure is transient and the entry within its bound. */
  staleFor<T>(endpoint: { name: string }, ctx: CallContext, key: string, entry: CacheEntry<T> | undefined, error: unknown): Served<T> | null {
    if (!entry || Date.now() >= entry.staleUntil || !(error instanceof GatewayError) || !TRANSIENT.has(error.code)) return null;
    const stale = { key, storedAt: entry.storedAt };
    ctx.stats.stale.push(stale);
    tracer
      .startSpan(`jiguang ${endpoint.name}`, {
        kind: SpanKind.CLIENT,
        attributes: { 'jiguang.endpoint': endpoint.name, 'jiguang.cache': 'stale', 'jiguang.stale_error': error.code },
      })
      .end();
    this.deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'stale' });
    this.deps.logger.warn('served stale data', {
      endpoint: endpoint.name,
      ageSeconds: Math.round((Date.now() - entry.storedAt) / 1000),
      code: error.code,
      requestId: ctx.requestId,
    });
    return { value: entry.value, stale };
  }

  /** A fresh entry's value (what a coalescing leader on another replica stored), never a stale one. */
  private async readFresh<R>(key: string): Promise<R | undefined> {
    const entry = await this.deps.cache.get<R>(key);
    return entry && Date.now() < entry.freshUntil ? entry.value : undefined;
  }

  private async store<R>(key: string, value: R, freshMs: number): Promise<void> {
    await this.deps.cache.set(key, newEntry(value, freshMs, this.deps.cacheSettings), approximateSize(value));
  }

  /** A coalesced call whose answer is stored under `key` (where other replicas read it back). */
  private fetchAndStore<P, R>(endpoint: Endpoint<P, R>, params: P, ctx: CallContext, key: string, freshMs: number, onFetched?: (value: R) => Promise<void>): Promise<R> {
    const onValue = async (v: R) => {
      await this.store(key, v, freshMs);
      await onFetched?.(v);
    };
    return this.fetch(endpoint, params, ctx, key, onValue, () => this.readFresh<R>(key));
  }

  private refreshInBackground<P, R>(endpoint: Endpoint<P, R>, params: P, key: string, freshMs: number, onFetched?: (value: R) => Promise<void>): void {
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    const ctx = backgroundCall(`refresh-${randomUUID()}`, this.deps.timeoutMs);
    this.fetchAndStore(endpoint, params, ctx, key, freshMs, onFetched)
      .catch((error: unknown) => this.deps.logger.debug('background refresh failed', { endpoint: endpoint.name, code: error instanceof GatewayError ? error.code : 'INTERNAL' }))
      .finally(() => this.refreshing.delete(key));
  }

  /** What a request pays before it starts a call: access and credentials, its budget, its token's fair share. */
  private async admit<P, R>(endpoint: Endpoint<P, R>, params: P, ctx: CallContext): Promise<Credentials> {
    const credentials = await this.deps.credentials.resolve(endpoint.credentials, endpoint.appKey(params), ctx.caller);
    ctx.budget.take();
    try {
      if (ctx.caller) await this.deps.fairness.takeUpstreamCall(ctx.caller, ctx.stats.budget);
    } catch (error) {
      ctx.budget.giveBack();
      throw error;
    }
    return credentials;
  }

  /** Gives back what `admit` charged, for a call the request did not start after all. */
  private async refund(ctx: CallContext): Promise<void> {
    ctx.budget.giveBack();
    if (ctx.caller) await this.deps.fairness.refundUpstreamCall(ctx.caller, ctx.stats.budget);
  }

  /** The call itself, in a client span: a quota slot, the wire, the envelope, the model. */
  private send<P, R>(endpoint: Endpoint<P, R>, params: P, ctx: CallContext, credentials: Credentials, signal: AbortSignal | undefined): Promise<R> {
    const attributes = { 'jiguang.service': endpoint.service, 'jiguang.endpoint': endpoint.name, 'jiguang.cache': 'miss', 'gateway.request_id': ctx.requestId };
    return inCallSpan(`jiguang ${endpoint.name}`, attributes, (span) => this.sendInSpan(endpoint, params, ctx, credentials, signal, span));
  }

  private async sendInSpan<P, R>(endpoint: Endpoint<P, R>, params: P, ctx: CallContext, credentials: Credentials, signal: AbortSignal | undefined, span: Span): Promise<R> {
    const { deps } = this;
    // Quotas are per AppKey; the developer account and the Growth project are one each.
    const owner = endpoint.credentials === 'app' ? credentials.username : endpoint.credentials;
    const waitedMs = await deps.quota.acquire(endpoint.quota, owner, ctx.deadline, signal);
    if (waitedMs > 0) {
      // A wait for a quota slot is charged to the token of the request that started the call, by the second.
      ctx.stats.quotaWaitMs += waitedMs;
      if (ctx.caller) await deps.fairness.chargeQuotaWait(ctx.caller, ctx.stats.budget, ctx.stats.quotaWaitMs);
    }

    const req = endpoint.request(params);
    const base = this.bases[endpoint.service];
    const query = req.query ? new URLSearchParams(req.query as Record<string, string>).toString() : '';
    const path = base.path + req.path + (query ? `?${query}` : '');
    const body =
      req.json !== undefined ? { json: (endpoint.lossless ? stringifyLossless(req.json) : JSON.stringify(req.json)) ?? 'null' } : req.form ? { form: req.form } : undefined;
    const baseInfo: JiguangErrorInfo = { service: endpoint.service, businessCode: null, upstreamMessage: null, httpStatus: null, requestId: ctx.requestId };
    const timeoutMs = Math.max(1, Math.min(deps.timeoutMs, ctx.deadline - Date.now()));
    const started = performance.now();
    const finish = (outcome: string, status: number | null, cause?: string, businessCode?: number | string | null) => {
      const seconds = (performance.now() - started) / 1000;
      span.setAttributes({
        'jiguang.outcome': outcome,
        ...(status !== null ? { 'http.response.status_code': status } : {}),
        ...(cause ? { 'jiguang.failure_cause': cause } : {}),
        ...(businessCode != null ? { 'jiguang.business_code': String(businessCode) } : {}),
      });
      deps.metrics.upstreamCalls.inc({ service: endpoint.service, endpoint: endpoint.name, outcome });
      deps.metrics.upstreamDuration.observe({ service: endpoint.service, endpoint: endpoint.name }, seconds);
      ctx.stats.upstreamCalls++;
      deps.logger.debug('upstream call', { endpoint: endpoint.name, status, outcome, ...(cause ? { cause } : {}), ms: Math.round(seconds * 1000), requestId: ctx.requestId });
    };

    for (let attempt = 1; ; attempt++) {
      const callSignal = signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
      let res: WireResponse;
      try {
        res = await deps.transport.send(endpoint.service, {
          method: endpoint.method,
          origin: base.origin,
          path,
          credentials,
          requestId: ctx.requestId,
          body,
          signal: callSignal,
          timeoutMs,
          lossless: endpoint.lossless,
        });
      } catch (error) {
        if (!(error instanceof TransportFailure)) throw error;
        if (error.kind === 'connection' && endpoint.idempotent && attempt < 2) {
          deps.logger.warn('upstream connection failed, retrying once', { endpoint: endpoint.name, cause: error.cause_, requestId: ctx.requestId });
          continue;
        }
        const code =
          error.kind === 'cancelled' ? 'REQUEST_CANCELLED' : error.kind === 'timeout' ? 'UPSTREAM_TIMEOUT' : error.kind === 'too-large' ? 'UPSTREAM_ERROR' : 'UPSTREAM_UNAVAILABLE';
        finish(code, null, error.cause_);
        if (error.kind !== 'cancelled') deps.logger.warn('upstream call failed', { endpoint: endpoint.name, code, cause: error.cause_, requestId: ctx.requestId });
        throw error.kind === 'cancelled' ? new RequestCancelledError() : upstreamError(code, baseInfo);
      }
      // Jiguang says the window is spent: nothing more goes to this bucket until it ends.
      if (res.headers['x-rate-limit-remaining'] === '0') {
        const reset = retryAfterSeconds({ 'x-rate-limit-reset': res.headers['x-rate-limit-reset'] ?? '' });
        if (reset !== undefined) await deps.quota.pause(endpoint.quota, owner, Date.now() + reset * 1000);
      }
      try {
        const decoded = decodeEnvelope(endpoint.envelope, res, { requestId: ctx.requestId, secrets: () => credentialForms(credentials.username, credentials.password) });
        const value = endpoint.parse(decoded, params);
        finish('ok', res.status, undefined, decoded.info.businessCode);
        return value;
      } catch (error) {
        const code = error instanceof GatewayError ? error.code : 'UPSTREAM_ERROR';
        finish(code, res.status, undefined, error instanceof UpstreamError ? error.jiguang.businessCode : null);
        if (code === 'RATE_LIMITED') {
          const retryAfter = (error as GatewayError).extensions.retryAfterSeconds;
          const window = deps.quota.limitOf(endpoint.quota)?.windowMs ?? 60_000;
          await deps.quota.pause(endpoint.quota, owner, Date.now() + (typeof retryAfter === 'number' ? retryAfter * 1000 : window));
        }
        if (error instanceof GatewayError) throw error;
        throw malformed({ ...baseInfo, httpStatus: res.status });
      }
    }
  }
}

/**
 * Waits for a flight, leaving it if the request goes away. When the last waiter leaves, the call is
 * aborted and the flight forgotten at once (`forget`), so a later request starts a call of its own
 * instead of joining one that is ending.
 */
async function waitFor<T>(flight: Flight<T>, signal: AbortSignal | undefined, forget: () => void): Promise<T> {
  const leave = () => {
    if (--flight.waiters === 0) {
      forget();
      flight.controller.abort();
    }
  };
  flight.waiters++;
  if (!signal) return flight.promise.finally(() => flight.waiters--);
  if (signal.aborted) {
    leave();
    throw new RequestCancelledError();
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      leave();
      reject(new RequestCancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    flight.promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        flight.waiters--;
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        flight.waiters--;
        reject(error);
      },
    );
  });
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
