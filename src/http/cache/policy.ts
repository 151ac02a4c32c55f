// How long each kind of upstream data is kept, following the data (docs/traffic-and-caching.md): link pages
// change when someone edits links, statistics of a day that is over in Jiguang's time zone never
// change, review statuses change when Jiguang decides. Every duration is configuration
// (src/config/settings.ts CacheSettings).
import type { CacheSettings } from '../../config/index.js';
import { chinaToday } from '../../core/dates.js';
import type { CachePolicyName } from '../endpoint.js';
import type { CacheEntry } from './store.js';

/**
 * The one entry formula, for whole answers and items alike: a value fetched now is fresh for
 * `freshMs`, then kept for the longer of the grace period (served while one refresh runs) and
 * stale-if-error (served, marked stale, when Jiguang fails or the quota is spent).
 */
export function newEntry<T>(value: T, freshMs: number, settings: CacheSettings, now = Date.now()): CacheEntry<T> {
  return { value, storedAt: now, freshUntil: now + freshMs, staleUntil: now + freshMs + Math.max(settings.graceMs, settings.staleIfErrorMs) };
}

/**
 * Freshness of a policy's entries. Statistics are kept per day (`item`, a day number): a day that is
 * over in UTC+8, fetched at least a day after it ended, is kept long; yesterday and later briefly.
 */
export function freshMsOf(policy: CachePolicyName, settings: CacheSettings, item?: string | number, now = Date.now()): number {
  if (policy !== 'linkStatsDays') return settings.freshMs[policy];
  return typeof item === 'number' && item < chinaToday(now) - 1 ? settings.freshMs.linkStatsClosed : settings.freshMs.linkStatsRecent;
}
