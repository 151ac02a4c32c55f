// Per-request batching for JMLink on top of the cross-request pipeline. Identical page calls are
// made once (`linkPageBatch`); key lookups are answered from the links of pages already fetched
// (linkPage's index, kept by the pipeline), else walk pages of the largest size JMLink allows
// (`keyWalkPage`) and stop once every key asked for is found; statistics for one link are fetched
// over covering ranges of the date ranges asked for (`statsBatch`), from the per-day cache (linkStats).
// The cost model prices documents with the same rules, as the fields' `@upstream(rule:)` name them
// (`linkWindowCalls`, `linkKeyWalkCalls`, `linkStatsCalls`).
// A failure belongs to the keys that asked for it: one app's missing secret fails only its fields.
import DataLoader from 'dataloader';
import { dateOfDay, dayNumber } from '../core/dates.js';
import { type BatchedCallsRule, type BatchRule, groupBatch } from '../http/batch.js';
import type { CallContext } from '../http/call.js';
import type { Served, Upstream } from '../http/upstream.js';
import { cursorPosition } from './cursor.js';
import { JMLINK_MAX_PAGE_SIZE, linkPage, linkStats, type PageParams } from './endpoints.js';
import type { JmlinkDayStat, JmlinkLink, JmlinkPage, LinkPlatform } from './types.js';

/** The longest range one statistics call covers (the gateway's own bound; JMLink's docs give none). */
export const MAX_STATS_RANGE_DAYS = 366;

export interface StatsQuery {
  appKey: string;
  linkKey: string;
  platform: LinkPlatform;
  /** Day numbers (src/dates.ts), inclusive. */
  from: number;
  to: number;
}

export interface JmlinkLoaders {
  /** Page `pageIndex` (1-based) of an app's links, `pageSize` per page (default JMLINK_MAX_PAGE_SIZE). */
  page(appKey: string, pageIndex: number, pageSize?: number): Promise<Served<JmlinkPage>>;
  /** A link by key, or null when the app has no such link. */
  link(appKey: string, linkKey: string): Promise<Served<JmlinkLink | null>>;
  stats(query: StatsQuery): Promise<Served<JmlinkDayStat[]>>;
}

const SEP = '\u0000';

/** Link pages: the same page (app, size, index) asked twice in a request is fetched once; pages never share a call. */
export const linkPageBatch: BatchRule<PageParams, PageParams> = {
  key: (p) => `${p.appKey}${SEP}${p.pageSize}${SEP}${p.pageIndex}`,
  group: (p) => `${p.appKey}${SEP}${p.pageSize}${SEP}${p.pageIndex}`,
  plan: (group) => [group[0]!],
};

/**
 * Page `pageIndex` of a key lookup's walk: pages of the largest size, from the first on, until every
 * key asked for of the app is found or the list ends. All lookups of an app share the walk (and its
 * pages with `shortLinks` windows of the same pages); how far it goes depends on the app's list.
 */
export function keyWalkPage(appKey: string, pageIndex: number): PageParams {
  return { appKey, pageIndex, pageSize: JMLINK_MAX_PAGE_SIZE };
}

/** Statistics: per link and platform, the distinct ranges asked for merged into covering ranges, one call each. */
export const statsBatch: BatchRule<StatsQuery, CoveringRange> = {
  key: (q) => `${q.appKey}${SEP}${q.linkKey}${SEP}${q.platform}${SEP}${q.from}${SEP}${q.to}`,
  group: (q) => `${q.appKey}${SEP}${q.linkKey}${SEP}${q.platform}`,
  plan: (group) => coveringRanges(group),
};

/** `shortLinks(first, after)`: the pages its window reads; a `first` out of range or a cursor not issued here is refused before any call. */
export const linkWindowCalls: BatchedCallsRule<PageParams> = {
  name: 'jmlink.window',
  batch: linkPageBatch,
  asks: ({ args: { first, after } }) => {
    if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > JMLINK_MAX_PAGE_SIZE) return null;
    const position = after == null ? -1 : cursorPosition(String(after));
    return position === null ? null : windowPages('', position + 1, first);
  },
};

/**
 * `shortLink(key)`: the first page of the key walk. How many more it reads depends on how many links
 * the app has, which only that page's answer tells: the run-time budget holds the pages after it.
 */
export const linkKeyWalkCalls: BatchedCallsRule<PageParams> = {
  name: 'jmlink.keyWalk',
  batch: linkPageBatch,
  asks: () => [keyWalkPage('', 1)],
};

/** `stats(from, to, platform)`: one range of the link; a range not 1 to MAX_STATS_RANGE_DAYS days long is refused before any call. */
export const linkStatsCalls: BatchedCallsRule<StatsQuery> = {
  name: 'jmlink.stats',
  batch: statsBatch,
  asks: ({ args }) => {
    const from = dayNumber(String(args.from));
    const to = dayNumber(String(args.to));
    if (!(to - from + 1 >= 1 && to - from + 1 <= MAX_STATS_RANGE_DAYS)) return null;
    return [{ appKey: '', linkKey: '', platform: (args.platform ?? 'ALL') as LinkPlatform, from, to }];
  },
};

export function createJmlinkLoaders(upstream: Upstream, ctx: CallContext): JmlinkLoaders {
  const pages = new DataLoader<PageParams, Served<JmlinkPage>, string>(
    // async: a call refused synchronously (access, a service not configured) rejects its keys with
    // its own error, instead of DataLoader's TypeError about a batch function that threw.
    async (keys) => {
      const calls = new Map<string, Promise<Served<JmlinkPage>>>();
      for (const group of groupBatch(linkPageBatch, keys)) {
        for (const call of linkPageBatch.plan(group)) calls.set(linkPageBatch.key(call), upstream.request(linkPage, call, ctx));
      }
      return settle(keys.map((p) => calls.get(linkPageBatch.key(p))!));
    },
    { cacheKeyFn: linkPageBatch.key },
  );
  const page = (appKey: string, pageIndex: number, pageSize = JMLINK_MAX_PAGE_SIZE) => pages.load({ appKey, pageIndex, pageSize });

  const links = new DataLoader<string, Served<JmlinkLink | null>>(async (keys) => {
    const wantedByApp = new Map<string, Set<string>>();
    for (const key of keys) {
      const [appKey, linkKey] = key.split(SEP) as [string, string];
      let wanted = wantedByApp.get(appKey);
      if (!wanted) wantedByApp.set(appKey, (wanted = new Set()));
      wanted.add(linkKey);
    }
    const found = new Map<string, Served<JmlinkLink | null> | Error>();
    await Promise.all(
      [...wantedByApp].map(async ([appKey, wanted]) => {
        const byKey = await upstream.lookUp<JmlinkLink>(linkPage, keyWalkPage(appKey, 1), [...wanted], ctx, (missing) => walk(appKey, missing));
        for (const [linkKey, served] of byKey) found.set(`${appKey}${SEP}${linkKey}`, served);
      }),
    );
    return keys.map((key) => found.get(key) ?? { value: null, stale: null });
  });

  /** The key walk: pages of the largest size from the first, until every key is found or the list ends (null: not there). */
  async function walk(appKey: string, keys: readonly string[]): Promise<Map<string, Served<JmlinkLink | null>>> {
    const missing = new Set(keys);
    const found = new Map<string, Served<JmlinkLink | null>>();
    let stale: Served<unknown>['stale'] = null;
    for (let index = 1, pageCount = 1; index <= pageCount && missing.size > 0; index++) {
      const walked = keyWalkPage(appKey, index);
      const served = await page(appKey, walked.pageIndex, walked.pageSize);
      stale ??= served.stale;
      pageCount = Math.ceil(served.value.total / walked.pageSize);
      for (const record of served.value.records) {
        if (missing.delete(record.link_key)) found.set(record.link_key, { value: record, stale: served.stale });
      }
    }
    for (const linkKey of missing) found.set(linkKey, { value: null, stale });
    return found;
  }

  const stats = new DataLoader<StatsQuery, Served<JmlinkDayStat[]>, string>(
    async (queries) => {
      const results = new Map<string, Served<JmlinkDayStat[]> | Error>();
      await Promise.all(
        groupBatch(statsBatch, queries).map(async (group) => {
          const { appKey, linkKey, platform } = group[0]!;
          await Promise.all(
            statsBatch.plan(group).map(async ({ from, to, members }) => {
              try {
                const served = await upstream.request(linkStats, { appKey, linkKey, platform, from: dateOfDay(from), to: dateOfDay(to) }, ctx);
                for (const q of members) results.set(statsBatch.key(q), { value: slice(served.value, from, q.from, q.to), stale: served.stale });
              } catch (error) {
                for (const q of members) results.set(statsBatch.key(q), error as Error);
              }
            }),
          );
        }),
      );
      return queries.map((q) => results.get(statsBatch.key(q))!);
    },
    { cacheKeyFn: statsBatch.key },
  );

  return { page, link: (appKey, linkKey) => links.load(`${appKey}${SEP}${linkKey}`), stats: (q) => stats.load(q) };
}

export interface CoveringRange {
  from: number;
  to: number;
  members: StatsQuery[];
}

/**
 * Groups date ranges (each at most MAX_STATS_RANGE_DAYS long) into as few calls as possible: ranges
 * are sorted and merged while the merged span stays within MAX_STATS_RANGE_DAYS (disjoint ranges
 * close together share one call too). No grouping does with fewer: any two ranges that start a
 * covering range here span more than MAX_STATS_RANGE_DAYS together, so no call can hold both. Hence
 * ranges asked together never cost more than the same ranges asked apart (the cost model relies on it).
 */
export function coveringRanges(queries: readonly StatsQuery[]): CoveringRange[] {
  const sorted = [...queries].sort((a, b) => a.from - b.from);
  const ranges: CoveringRange[] = [];
  for (const q of sorted) {
    const last = ranges.at(-1);
    if (last && Math.max(last.to, q.to) - last.from + 1 <= MAX_STATS_RANGE_DAYS) {
      last.to = Math.max(last.to, q.to);
      last.members.push(q);
    } else {
      ranges.push({ from: q.from, to: q.to, members: [q] });
    }
  }
  return ranges;
}

/**
 * The rows of [from, to] out of rows of a covering range starting at `rangeFrom`, in date order.
 * Rows are one per day with data, so the search starts where the day would be with every day present.
 */
function slice(rows: JmlinkDayStat[], rangeFrom: number, from: number, to: number): JmlinkDayStat[] {
  if (rows.length === 0) return rows;
  const fromDate = dateKey(from);
  const toDate = dateKey(to);
  let start = Math.min(rows.length, Math.max(0, from - rangeFrom));
  while (start > 0 && rows[start - 1]!.day >= fromDate) start--;
  while (start < rows.length && rows[start]!.day < fromDate) start++;
  let end = start;
  while (end < rows.length && rows[end]!.day <= toDate) end++;
  return start === 0 && end === rows.length ? rows : rows.slice(start, end);
}

const dayKeys = new Map<number, string>();
/** `yyyy-MM-dd` of a day number, memoised (dashboards ask for the same days again and again). */
function dateKey(day: number): string {
  let key = dayKeys.get(day);
  if (key === undefined) {
    if (dayKeys.size > 10_000) dayKeys.clear();
    dayKeys.set(day, (key = dateOfDay(day)));
  }
  return key;
}

/**
 * The JMLink page that holds the window [offset, offset + count) in one call: the smallest page size
 * (count..500) whose page boundaries do not cut the window. Null when none does (then the window is
 * read from two pages of 500).
 */
export function pageHolding(offset: number, count: number): { pageIndex: number; pageSize: number } | null {
  for (let size = count; size <= JMLINK_MAX_PAGE_SIZE; size++) {
    const first = Math.floor(offset / size);
    if (first === Math.floor((offset + count - 1) / size)) return { pageIndex: first + 1, pageSize: size };
  }
  return null;
}

/**
 * The pages `shortLinks` reads the window [offset, offset + count) from: the one page holding it,
 * else the two pages of the largest size around it (the second only when the list goes on past the
 * first, which the cost model assumes it does).
 */
export function windowPages(appKey: string, offset: number, count: number): [PageParams] | [PageParams, PageParams] {
  const single = pageHolding(offset, count);
  if (single) return [{ appKey, ...single }];
  const pageIndex = Math.floor(offset / JMLINK_MAX_PAGE_SIZE) + 1;
  return [
    { appKey, pageIndex, pageSize: JMLINK_MAX_PAGE_SIZE },
    { appKey, pageIndex: pageIndex + 1, pageSize: JMLINK_MAX_PAGE_SIZE },
  ];
}

/** DataLoader wants one value or Error per key rather than a rejected batch. */
export async function settle<T>(promises: Promise<T>[]): Promise<(T | Error)[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason instanceof Error ? s.reason : new Error(String(s.reason))));
}
