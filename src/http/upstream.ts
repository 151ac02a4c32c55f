// The upstream pipeline every data source calls through (its stages, in order: ./pipeline/index.ts),
// built once from its dependencies and driven by the endpoint descriptions (./endpoint.ts). This is
// its face for the services' loaders: what they ask of it, and the invalidations mutations make.
import type { CacheSettings } from '../config/index.js';
import type { CacheStore } from './cache/store.js';
import { appPrefix } from './cache/store.js';
import type { CallContext } from './call.js';
import type { Endpoint } from './endpoint.js';
import type { Flights } from './pipeline/coalescing.js';
import { assemble, type PipelineDeps } from './pipeline/index.js';
import { entryKey } from './pipeline/records.js';
import { type AnyEndpoint, type Ask, type Dispatch, newCall, type Served } from './pipeline/stage.js';

export type { Coalescer, Served } from './pipeline/index.js';
export type UpstreamDeps = PipelineDeps;

export class Upstream {
  private readonly dispatch: Dispatch;
  private readonly flights: Flights;

  constructor(readonly deps: UpstreamDeps) {
    ({ dispatch: this.dispatch, flights: this.flights } = assemble(deps));
  }

  get cache(): CacheStore {
    return this.deps.cache;
  }

  get cacheSettings(): CacheSettings {
    return this.deps.cacheSettings;
  }

  /** Calls an endpoint, through the cache when it has a policy (an endpoint kept item by item: its items merged). */
  request<P, R>(endpoint: Endpoint<P, R>, params: P, ctx: CallContext): Promise<Served<R>> {
    return this.run(endpoint, params, ctx, { kind: 'answer' }) as Promise<Served<R>>;
  }

  /** An endpoint kept item by item: each item's own outcome (`I`, its item type), in the order of its ids; a failed call fails only its items. */
  items<I, P = unknown, R = unknown>(endpoint: Endpoint<P, R>, params: P, ctx: CallContext): Promise<(Served<I> | Error)[]> {
    return this.run(endpoint, params, ctx, { kind: 'items' }) as Promise<(Served<I> | Error)[]>;
  }

  /**
   * Items of the endpoint's answer index by id (`params`: a call about the same owner): fresh ones
   * from the index, the rest from `walk`, which makes the calls that find them (null: not there).
   */
  lookUp<I, P = unknown, R = unknown>(
    endpoint: Endpoint<P, R>,
    params: P,
    ids: readonly string[],
    ctx: CallContext,
    walk: (missing: readonly string[]) => Promise<Map<string, Served<I | null>>>,
  ): Promise<Map<string, Served<I | null> | Error>> {
    return this.run(endpoint, params, ctx, { kind: 'lookup', ids, walk }) as Promise<Map<string, Served<I | null> | Error>>;
  }

  /**
   * One call past the cache, coalesced with identical calls in flight under `flightKey` when given
   * (idempotent endpoints only).
   */
  async fetch<P, R>(endpoint: Endpoint<P, R>, params: P, ctx: CallContext, flightKey: string | null): Promise<R> {
    const call = newCall(endpoint as AnyEndpoint, params, ctx, { kind: 'fresh' }, flightKey === null ? null : { key: flightKey });
    return ((await this.dispatch(call)) as Served<R>).value;
  }

  /** Closes the connection pools (after the last request). */
  async close(): Promise<void> {
    await this.deps.transport.close();
  }

  /** Drops every cached answer about an app (its links, statistics, tags, review status), and calls in flight for it. */
  async invalidateApp(appKey: string): Promise<void> {
    this.flights.invalidate(appPrefix(appKey));
    await this.deps.cache.deletePrefix(appPrefix(appKey));
  }

  /** Drops the cached answer of one call, and the call if in flight. */
  async invalidate<P, R>(endpoint: Endpoint<P, R>, params: P): Promise<void> {
    const key = entryKey(endpoint as AnyEndpoint, params, endpoint.cache?.key(params) ?? '');
    this.flights.invalidate(key);
    await this.deps.cache.delete([key]);
  }

  private run<P, R>(endpoint: Endpoint<P, R>, params: P, ctx: CallContext, ask: Ask): Promise<unknown> {
    return this.dispatch(newCall(endpoint as AnyEndpoint, params, ctx, ask));
  }
}
