// Link statistics kept per day in the cross-request cache: a day that is over in Jiguang's time
// zone (UTC+8) no longer changes and is kept long; yesterday, today and later days briefly. A range
// is answered from the days held fresh, and the days missing are fetched with one call over the
// span that covers them (Oct 1–15 cached, Oct 1–31 asked: one call for Oct 16–31).
import type { CallContext } from '../http/call.js';
import type { CacheEntry } from '../http/cache/store.js';
import type { Served, Upstream } from '../http/upstream.js';
import { chinaToday, dateOfDay, dayNumber } from '../dates.js';
import { linkStats } from './endpoints.js';
import type { JmlinkDayStat, LinkPlatform } from './types.js';

export interface StatsRange {
  appKey: string;
  linkKey: string;
  platform: LinkPlatform;
  /** Day numbers, inclusive. */
  from: number;
  to: number;
}

/** A day's row, or null: the link had no data that day (before it existed, or not yet). */
type DayValue = JmlinkDayStat | null;

const ROW_SIZE = 160;

/** The rows of `range`, in date order, from the cache and at most one call for the missing span. */
export async function statsOfRange(upstream: Upstream, range: StatsRange, ctx: CallContext): Promise<Served<JmlinkDayStat[]>> {
  const prefix = upstream.cacheKey(linkStats, { ...range, from: '', to: '' }, `${range.linkKey}:${range.platform}:`);
  const count = range.to - range.from + 1;
  const keys = new Array<string>(count);
  for (let i = 0; i < count; i++) keys[i] = prefix + (range.from + i);
  const entries = await upstream.cache.getMany<DayValue>(keys);
  const now = Date.now();
  let first = -1;
  let last = -1;
  for (let i = 0; i < count; i++) {
    const entry = entries[i];
    if (!entry || entry.freshUntil <= now) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) {
    upstream.hit(linkStats, ctx, null);
    return { value: rowsOf(entries), stale: null };
  }

  const span = { ...range, from: range.from + first, to: range.from + last };
  try {
    const rows = await upstream.fetch(linkStats, { ...range, from: dateOfDay(span.from), to: dateOfDay(span.to) }, ctx, `${prefix}${span.from}-${span.to}`, (fetched) =>
      storeDays(upstream, prefix, span, fetched),
    );
    const byDay = new Map<number, JmlinkDayStat>();
    for (const row of rows) byDay.set(dayNumber(row.day), row);
    for (let i = first; i <= last; i++) {
      const day = range.from + i;
      entries[i] = { value: byDay.get(day) ?? null, storedAt: now, freshUntil: now + 1, staleUntil: now + 1 };
    }
    return { value: rowsOf(entries), stale: null };
  } catch (error) {
    // Every missing day held past its freshness can stand in, marked stale, for a transient failure.
    let oldest: CacheEntry<DayValue> | undefined;
    for (let i = first; i <= last; i++) {
      const entry = entries[i];
      if (!entry) throw error;
      if (!oldest || entry.storedAt < oldest.storedAt) oldest = entry;
    }
    const stale = upstream.staleFor(linkStats, ctx, `${prefix}${span.from}-${span.to}`, oldest, error);
    if (!stale) throw error;
    return { value: rowsOf(entries), stale: stale.stale };
  }
}

async function storeDays(upstream: Upstream, prefix: string, span: { from: number; to: number }, rows: JmlinkDayStat[]): Promise<void> {
  const settings = upstream.cacheSettings;
  const now = Date.now();
  const today = chinaToday(now);
  const byDay = new Map<number, JmlinkDayStat>();
  for (const row of rows) byDay.set(dayNumber(row.day), row);
  const writes: { key: string; entry: CacheEntry; size: number }[] = [];
  for (let day = span.from; day <= span.to; day++) {
    // Yesterday may still be completed late; today and later days are still being counted.
    const freshMs = day < today - 1 ? settings.freshMs.linkStatsClosed : settings.freshMs.linkStatsRecent;
    const value = byDay.get(day) ?? null;
    writes.push({ key: prefix + day, entry: { value, storedAt: now, freshUntil: now + freshMs, staleUntil: now + freshMs + Math.max(settings.graceMs, settings.staleIfErrorMs) }, size: ROW_SIZE });
  }
  await upstream.cache.setMany(writes);
}

function rowsOf(entries: (CacheEntry<DayValue> | undefined)[]): JmlinkDayStat[] {
  const rows: JmlinkDayStat[] = [];
  for (const entry of entries) if (entry?.value) rows.push(entry.value);
  return rows;
}
