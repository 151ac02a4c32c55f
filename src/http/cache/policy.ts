// How long each kind of upstream data is kept, following the data (README, "Caching"): link pages
// change when someone edits links, statistics of a day that is over in Jiguang's time zone never
// change, review statuses change when Jiguang decides. Every duration is configuration.
import type { CachePolicyName } from '../endpoint.js';
import type { CacheEntry } from './store.js';

export interface CacheSettings {
  /** Memory bound of the in-process store. */
  maxBytes: number;
  /** After freshness ends: the stale entry is still served while one refresh runs (stale-while-revalidate). */
  graceMs: number;
  /** After freshness ends: the entry is served, marked stale, when Jiguang fails or the quota is spent. */
  staleIfErrorMs: number;
  freshMs: {
    linkPages: number;
    /** Days that are over in UTC+8, fetched at least a day after they ended. */
    linkStatsClosed: number;
    /** Today and yesterday in UTC+8 (still being counted). */
    linkStatsRecent: number;
    portraitTags: number;
    reviewStatus: number;
    growthUsers: number;
  };
}

export const DEFAULT_CACHE_SETTINGS: CacheSettings = {
  maxBytes: 64 * 1024 * 1024,
  graceMs: 30_000,
  staleIfErrorMs: 3_600_000,
  freshMs: {
    linkPages: 60_000,
    linkStatsClosed: 7 * 86_400_000,
    linkStatsRecent: 60_000,
    portraitTags: 600_000,
    reviewStatus: 30_000,
    growthUsers: 3_600_000,
  },
};

/** A new entry for a value fetched now, fresh for `freshMs`. */
export function newEntry<T>(value: T, freshMs: number, settings: CacheSettings, now = Date.now()): CacheEntry<T> {
  return { value, storedAt: now, freshUntil: now + freshMs, staleUntil: now + freshMs + Math.max(settings.graceMs, settings.staleIfErrorMs) };
}

/** Freshness of a policy's entries (statistics: of a recent day; closed days are kept longer, src/jmlink/stats.ts). */
export function freshMsOf(policy: CachePolicyName, settings: CacheSettings): number {
  return policy === 'linkStatsDays' ? settings.freshMs.linkStatsRecent : settings.freshMs[policy];
}
