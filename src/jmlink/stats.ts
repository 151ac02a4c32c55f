// Link statistics kept per day in the cross-request cache: a day that is over in Jiguang's time
// zone (UTC+8) no longer changes and is kept long; yesterday, today and later days briefly. A range
// is answered from the days held fresh, and the days missing are fetched with one call over the
// span that covers them (Oct 1–15 cached, Oct 1–31 asked: one call for Oct 16–31).
//
// One cache entry per link and platform holds its days (one lookup per link, not one per day): each
// day with its own freshness. Entries are shared between requests, so a change makes a new entry.

import { chinaToday, dateOfDay, dayNumber } from '../dates.js';
import type { CacheEntry } from '../http/cache/store.js';
import type { CallContext } from '../http/call.js';
import type { Served, Upstream } from '../http/upstream.js';
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

/** One day: its row (null: the link had no data that day), when it was fetched, and until when it is fresh and kept. */
type Day = [row: JmlinkDayStat | null, storedAt: number, freshUntil: number, staleUntil: number];

/** The days known of one link and platform: `days[i]` is day `base + i` (a dense array: fast to read). */
export interface LinkDays {
  base: number;
  days: (Day | null)[];
}

const DAY_SIZE = 200;

const dayAt = (known: LinkDays | undefined, d: number): Day | null | undefined => known?.days[d - known.base];

/** The rows of `range`, in date order, from the cache and at most one call for the missing span. */
export async function statsOfRange(upstream: Upstream, range: StatsRange, ctx: CallContext): Promise<Served<JmlinkDayStat[]>> {
  const key = upstream.cacheKey(linkStats, { ...range, from: '', to: '' }, `${range.linkKey}:${range.platform}`);
  const known = (await upstream.cache.get<LinkDays>(key))?.value;
  const now = Date.now();
  let first = -1;
  let last = -1;
  for (let d = range.from; d <= range.to; d++) {
    const day = dayAt(known, d);
    if (!day || day[2] <= now) {
      if (first < 0) first = d;
      last = d;
    }
  }
  if (first < 0) {
    upstream.hit(linkStats, ctx, null);
    return { value: rowsOf(known!, range.from, range.to), stale: null };
  }
  try {
    const fetched = await upstream.fetch(
      linkStats,
      { ...range, from: dateOfDay(first), to: dateOfDay(last) },
      ctx,
      `${key}|${first}-${last}`,
      (rows) => storeDays(upstream, key, first, last, rows),
      // Another replica fetching the same span stores it here: its rows, once every day is fresh.
      async () => freshRows((await upstream.cache.get<LinkDays>(key))?.value, first, last, Date.now()),
    );
    // The usual case, the whole range fetched: Jiguang's rows as they came (in date order).
    if (first === range.from && last === range.to) return { value: fetched, stale: null };
    const rows: JmlinkDayStat[] = [];
    let i = 0;
    for (let d = range.from; d <= range.to; d++) {
      if (d < first || d > last) {
        const row = dayAt(known, d)?.[0];
        if (row) rows.push(row);
        continue;
      }
      while (i < fetched.length && dayNumber(fetched[i]!.day) < d) i++;
      if (i < fetched.length && dayNumber(fetched[i]!.day) === d) rows.push(fetched[i++]!);
    }
    return { value: rows, stale: null };
  } catch (error) {
    // Every missing day still kept past its freshness can stand in, marked stale, for a transient failure.
    let oldest = Number.POSITIVE_INFINITY;
    for (let d = first; d <= last; d++) {
      const day = dayAt(known, d);
      if (!day || day[3] <= now) throw error;
      oldest = Math.min(oldest, day[1]);
    }
    const stale = upstream.staleFor(linkStats, ctx, key, { value: null, storedAt: oldest, freshUntil: oldest, staleUntil: Number.POSITIVE_INFINITY }, error);
    if (!stale) throw error;
    return { value: rowsOf(known!, range.from, range.to), stale: stale.stale };
  }
}

/**
 * Merges the fetched span into the link's entry (read again just before, so spans fetched at the
 * same time add up): each day of the span with its row or null, and its own freshness.
 */
async function storeDays(upstream: Upstream, key: string, first: number, last: number, rows: JmlinkDayStat[]): Promise<void> {
  const settings = upstream.cacheSettings;
  const now = Date.now();
  const today = chinaToday(now);
  const keep = (d: number) => (d < today - 1 ? settings.freshMs.linkStatsClosed : settings.freshMs.linkStatsRecent);
  const extra = Math.max(settings.graceMs, settings.staleIfErrorMs);
  if (keep(first) + extra <= 0 && keep(last) + extra <= 0) return; // nothing is kept (caching off)
  const current = (await upstream.cache.get<LinkDays>(key))?.value;
  const base = Math.min(first, current?.base ?? first);
  const end = Math.max(last, current ? current.base + current.days.length - 1 : last);
  const days: (Day | null)[] = new Array(end - base + 1).fill(null);
  let staleUntil = now;
  if (current) {
    current.days.forEach((day, i) => {
      // A day is dropped once it may no longer stand in for Jiguang.
      if (day && day[3] > now) {
        days[current.base + i - base] = day;
        staleUntil = Math.max(staleUntil, day[3]);
      }
    });
  }
  for (let d = first; d <= last; d++) {
    const day: Day = [null, now, now + keep(d), now + keep(d) + extra];
    days[d - base] = day;
    staleUntil = Math.max(staleUntil, day[3]);
  }
  for (const row of rows) {
    const d = dayNumber(row.day);
    if (d >= first && d <= last) days[d - base]![0] = row;
  }
  const entry: CacheEntry<LinkDays> = { value: { base, days }, storedAt: now, freshUntil: now, staleUntil };
  await upstream.cache.set(key, entry, 64 + days.length * DAY_SIZE);
}

function freshRows(known: LinkDays | undefined, from: number, to: number, now: number): JmlinkDayStat[] | undefined {
  for (let d = from; d <= to; d++) {
    const day = dayAt(known, d);
    if (!day || day[2] <= now) return undefined;
  }
  return rowsOf(known!, from, to);
}

function rowsOf(known: LinkDays, from: number, to: number): JmlinkDayStat[] {
  const rows: JmlinkDayStat[] = [];
  for (let d = from; d <= to; d++) {
    const row = known.days[d - known.base]?.[0];
    if (row) rows.push(row);
  }
  return rows;
}
