// JMLink (docs: jmlink rest_api_v1_links_page, rest_api_v1_links_stat): the link list and a link's
// daily statistics, with the app's appKey:masterSecret. Success has no envelope; failure is
// {"error": {code, message}}; 3000 means success. Quotas per AppKey: 100 list and 500 statistics calls a minute.

import { dateOfDay, dayNumber } from '../core/dates.js';
import { isRecord } from '../core/json.js';
import { defineEndpoint, perItem } from '../http/endpoint.js';
import { type EnvelopeSpec, malformed } from '../http/envelope.js';
import type { JmlinkDayStat, JmlinkLink, JmlinkPage, LinkPlatform } from './types.js';

export const JMLINK_ENVELOPE: EnvelopeSpec = {
  service: 'jmlink',
  code: ['error', 'code'],
  message: ['error', 'message'],
  success: (code) => code === undefined || code === '3000',
  codes: {
    '3001': 'UPSTREAM_AUTH_FAILED', // missing auth
    '3002': 'UPSTREAM_AUTH_FAILED', // auth failed
    '3003': 'UPSTREAM_ERROR', // missing body: the gateway sent a bad call
    '3004': 'UPSTREAM_ERROR', // invalid body
    '3005': 'BAD_USER_INPUT', // parameter invalid
    '3006': 'RATE_LIMITED', // out of freq
    '3007': 'NOT_FOUND', // api not found
    '3008': 'UPSTREAM_ERROR', // request method not supported
    '3009': 'UPSTREAM_ACCESS_DENIED', // app in black
    '3010': 'UPSTREAM_ACCESS_DENIED', // VIP function
    '3011': 'UPSTREAM_UNAVAILABLE', // server error
  },
};

/** The largest page JMLink serves. */
export const JMLINK_MAX_PAGE_SIZE = 500;

export interface PageParams {
  appKey: string;
  pageIndex: number;
  pageSize: number;
}

export const linkPage = defineEndpoint<PageParams, JmlinkPage>({
  service: 'jmlink',
  name: 'jmlink.links',
  method: 'GET',
  credentials: 'app',
  appKey: (p) => p.appKey,
  request: (p) => ({ path: '/v1/links', query: { page_index: p.pageIndex, page_size: p.pageSize } }),
  envelope: JMLINK_ENVELOPE,
  parse: ({ body, info }, p) => {
    if (!isRecord(body) || typeof body.total !== 'number' || !Array.isArray(body.records)) throw malformed(info);
    return { total: body.total, records: body.records.filter(isRecord).map((r) => toLink(r, p.appKey)) };
  },
  idempotent: true,
  cache: {
    policy: 'linkPages',
    key: (p) => `${p.pageSize}:${p.pageIndex}`,
    // The links of a page are kept by key too, as long as the page, for lookups by key (src/jmlink/loaders.ts).
    index: { name: 'key', items: (page) => page.records.map((link) => [link.link_key, link] as const), itemSize: 400 },
  },
  quota: 'jmlink.links',
});

export interface StatsParams {
  appKey: string;
  linkKey: string;
  platform: LinkPlatform;
  /** yyyy-MM-dd, inclusive. */
  from: string;
  to: string;
}

export const linkStats = defineEndpoint<StatsParams, JmlinkDayStat[]>({
  service: 'jmlink',
  name: 'jmlink.stats',
  method: 'GET',
  credentials: 'app',
  appKey: (p) => p.appKey,
  request: (p) => ({ path: `/v1/links/${encodeURIComponent(p.linkKey)}/stat`, query: { start_date: p.from, end_date: p.to, platform: p.platform.toLowerCase() } }),
  envelope: JMLINK_ENVELOPE,
  parse: ({ body, info }) => {
    const rows = isRecord(body) ? body.data : undefined;
    if (rows === null || rows === undefined) return []; // nothing found is an empty result
    if (!Array.isArray(rows)) throw malformed(info);
    return rows.filter(isRecord).map((r) => ({
      day: String(r.iday).slice(0, 10),
      exposures: count(r.exposure_count),
      clicks: count(r.click_count),
      opens: count(r.open_count),
      installs: count(r.install_count),
    }));
  },
  idempotent: true,
  // Kept per day, not per call: a range is answered from the days held fresh, and the days missing are
  // fetched with one call over the span that covers them (Oct 1–15 kept, Oct 1–31 asked: one call for
  // Oct 16–31). The days of a link and platform are one dense run (one read per link, not per day),
  // each day with its own freshness (src/http/cache/policy.ts): a day with no row is kept as null.
  cache: {
    policy: 'linkStatsDays',
    key: (p) => `${p.linkKey}:${p.platform}|${p.from}-${p.to}`,
    items: perItem<StatsParams, JmlinkDayStat[], JmlinkDayStat | null, number>({
      ids: (p) => daysOf(p),
      layout: { run: (p) => `${p.linkKey}:${p.platform}` },
      calls: (p, missing) => [{ ...p, from: dateOfDay(missing[0]!), to: dateOfDay(missing.at(-1)!) }],
      split: (rows, p) => {
        const from = dayNumber(p.from);
        const days: (JmlinkDayStat | null)[] = new Array(dayNumber(p.to) - from + 1).fill(null);
        for (const row of rows) {
          const i = dayNumber(row.day) - from;
          if (i >= 0 && i < days.length) days[i] = row;
        }
        return days;
      },
      merge: (_, days) => days.filter((day) => day !== null),
      itemSize: 200,
    }),
  },
  quota: 'jmlink.stats',
});

/** The day numbers of a range. */
function daysOf(p: StatsParams): number[] {
  const from = dayNumber(p.from);
  return Array.from({ length: dayNumber(p.to) - from + 1 }, (_, i) => from + i);
}

function count(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.trunc(n) : 0;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function toLink(r: Record<string, unknown>, appKey: string): JmlinkLink {
  return {
    id: Number(r.id),
    link_key: String(r.link_key ?? ''),
    name: String(r.name ?? ''),
    channel: String(r.channel ?? ''),
    app_domain: String(r.app_domain ?? ''),
    share_title: str(r.share_title),
    share_desc: str(r.share_desc),
    android_uri: str(r.android_uri),
    ios_uri: str(r.ios_uri),
    jump_link_type: String(r.jump_link_type ?? ''),
    landing_page: str(r.landing_page),
    create_time: String(r.create_time ?? '').slice(0, 10),
    update_time: String(r.update_time ?? '').slice(0, 10),
    appKey,
  };
}
