// Per-request batching for JMLink (never shared across requests). Identical page calls are made
// once; key lookups walk pages of the largest size JMLink allows and stop as soon as every key asked
// for is found; statistics for one link are fetched once over the union
// of the date ranges asked for in the request and sliced per field.
import DataLoader from 'dataloader';
import type { Credentials } from '../config.js';
import { dateOfDay, dayNumber } from '../dates.js';
import { JMLINK_MAX_PAGE_SIZE, type CallContext, type JmlinkClient } from './client.js';
import type { JmlinkDayStat, JmlinkLink, JmlinkPage, LinkPlatform } from './types.js';

/** The longest range one statistics call covers (the gateway's own bound; JMLink's docs give none). */
export const MAX_STATS_RANGE_DAYS = 366;

export interface StatsQuery {
  appKey: string;
  linkKey: string;
  platform: LinkPlatform;
  from: string;
  to: string;
}

export interface JmlinkLoaders {
  /** Page `pageIndex` (1-based) of an app's links, `pageSize` per page (default JMLINK_MAX_PAGE_SIZE). */
  page(appKey: string, pageIndex: number, pageSize?: number): Promise<JmlinkPage>;
  /** A link by key, or null when the app has no such link. */
  link(appKey: string, linkKey: string): Promise<JmlinkLink | null>;
  stats(query: StatsQuery): Promise<JmlinkDayStat[]>;
}

export function createJmlinkLoaders(client: JmlinkClient, credentialsOf: (appKey: string) => Credentials, ctx: CallContext): JmlinkLoaders {
  const pages = new DataLoader<string, JmlinkPage>(
    async (keys) =>
      settle(
        keys.map((key) => {
          const [appKey, rest] = splitKey(key);
          const [size, index] = splitKey(rest);
          return client.listPage(appKey, credentialsOf(appKey), Number(index), Number(size), ctx);
        }),
      ),
  );
  const page = (appKey: string, pageIndex: number, pageSize = JMLINK_MAX_PAGE_SIZE) => pages.load(`${appKey}\u0000${pageSize}\u0000${pageIndex}`);

  const links = new DataLoader<string, JmlinkLink | null>(async (keys) => {
    const wantedByApp = new Map<string, Set<string>>();
    for (const key of keys) {
      const [appKey, linkKey] = splitKey(key);
      let wanted = wantedByApp.get(appKey);
      if (!wanted) wantedByApp.set(appKey, (wanted = new Set()));
      wanted.add(linkKey);
    }
    const found = new Map<string, JmlinkLink | Error>();
    await Promise.all(
      [...wantedByApp].map(async ([appKey, wanted]) => {
        try {
          const missing = new Set(wanted);
          for (let index = 1, pageCount = 1; index <= pageCount && missing.size > 0; index++) {
            const { total, records } = await page(appKey, index);
            pageCount = Math.ceil(total / JMLINK_MAX_PAGE_SIZE);
            for (const record of records) {
              if (missing.delete(record.link_key)) found.set(`${appKey}\u0000${record.link_key}`, record);
            }
          }
        } catch (error) {
          for (const linkKey of wanted) found.set(`${appKey}\u0000${linkKey}`, error as Error);
        }
      }),
    );
    return keys.map((key) => found.get(key) ?? null);
  });

  const stats = new DataLoader<StatsQuery, JmlinkDayStat[], string>(
    async (queries) => {
      const groups = new Map<string, StatsQuery[]>();
      for (const q of queries) {
        const id = `${q.appKey}\u0000${q.linkKey}\u0000${q.platform}`;
        groups.set(id, [...(groups.get(id) ?? []), q]);
      }
      const results = new Map<StatsQuery, JmlinkDayStat[] | Error>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const { appKey, linkKey, platform } = group[0]!;
          await Promise.all(
            coveringRanges(group).map(async ({ from, to, members }) => {
              try {
                const rows = await client.stats(credentialsOf(appKey), linkKey, dateOfDay(from), dateOfDay(to), platform, ctx);
                for (const q of members) results.set(q, rows.filter((r) => r.day >= q.from && r.day <= q.to));
              } catch (error) {
                for (const q of members) results.set(q, error as Error);
              }
            }),
          );
        }),
      );
      return queries.map((q) => results.get(q)!);
    },
    { cacheKeyFn: (q) => [q.appKey, q.linkKey, q.platform, q.from, q.to].join('\u0000') },
  );

  return { page, link: (appKey, linkKey) => links.load(`${appKey}\u0000${linkKey}`), stats: (q) => stats.load(q) };
}

/**
 * Groups date ranges into as few calls as possible: ranges are sorted and merged while the merged
 * span stays within MAX_STATS_RANGE_DAYS (disjoint ranges close together share one call too).
 */
export function coveringRanges(queries: StatsQuery[]): { from: number; to: number; members: StatsQuery[] }[] {
  const sorted = [...queries].sort((a, b) => dayNumber(a.from) - dayNumber(b.from));
  const ranges: { from: number; to: number; members: StatsQuery[] }[] = [];
  for (const q of sorted) {
    const from = dayNumber(q.from);
    const to = dayNumber(q.to);
    const last = ranges.at(-1);
    if (last && Math.max(last.to, to) - last.from + 1 <= MAX_STATS_RANGE_DAYS) {
      last.to = Math.max(last.to, to);
      last.members.push(q);
    } else {
      ranges.push({ from, to, members: [q] });
    }
  }
  return ranges;
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

function splitKey(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}

/** DataLoader wants one value or Error per key rather than a rejected batch. */
async function settle<T>(promises: Promise<T>[]): Promise<(T | Error)[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason instanceof Error ? s.reason : new Error(String(s.reason))));
}
