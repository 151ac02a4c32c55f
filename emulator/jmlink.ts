// JMLink (api.jmlk.co): link list and per-link daily statistics, with the documented error table,
// per-AppKey frequency limits and Basic appKey:masterSecret auth.
import { parseBasicAuth } from './auth.js';
import { formatDay, jiguangDay, parseDay } from './dates.js';
import { rngFor } from './prng.js';
import { FixedWindowLimiter } from './rateLimit.js';
import { json, type Reply } from './respond.js';
import type { ServiceContext, ServiceHandler, ServiceRequest } from './service.js';

/** The documented error table: code -> [HTTP status, message]. */
export const JMLINK_ERRORS: Record<number, [number, string]> = {
  3001: [400, 'missing auth'],
  3002: [401, 'auth failed'],
  3003: [400, 'missing body'],
  3004: [403, 'invalid body'],
  3005: [400, 'parameter invalid'],
  3006: [403, 'out of freq'],
  3007: [404, 'api not found'],
  3008: [405, 'request method not supported'],
  3009: [405, 'app in black'],
  3010: [405, 'VIP function, contact sales'],
  3011: [500, 'server error'],
};

function jmlinkError(code: number, headers: Record<string, string> = {}, statusOverride?: number): Reply {
  const [status, message] = JMLINK_ERRORS[code] ?? [500, 'server error'];
  return json(statusOverride ?? status, { error: { code, message } }, headers);
}

const STAT_PATH = /^\/v1\/links\/([^/]+)\/stat$/;

/** An integer query value in [min, max]; absent gives the default, anything else (empty, 1.5, -1, abc) null. */
function intParam(value: string | undefined, dflt: number, min: number, max: number): number | null {
  if (value === undefined) return dflt;
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

type Platform = 'ios' | 'android';

interface DayCounts {
  exposure_count: number;
  click_count: number;
  open_count: number;
  install_count: number;
}

/** Deterministic counts of one link on one day and platform, with exposure >= click >= open >= install. */
export function dayCounts(seed: number, appKey: string, linkKey: string, day: string, platform: Platform): DayCounts {
  const rng = rngFor('stat', seed, appKey, linkKey, day, platform);
  const scale = platform === 'android' ? 1200 : 700;
  const exposure = Math.floor(rng() * scale);
  const click = Math.floor(exposure * (0.05 + rng() * 0.45));
  const open = Math.floor(click * (0.3 + rng() * 0.6));
  const install = Math.floor(open * rng() * 0.5);
  return { exposure_count: exposure, click_count: click, open_count: open, install_count: install };
}

export const jmlink: ServiceHandler = {
  name: 'jmlink',
  // Every /v1/ path except JPush Admin's (/v1/app, /v1/app/...) and JVerification Admin's (/v1/admin/...):
  // unknown ones get JMLink's 3007.
  owns: (path) => path.startsWith('/v1/') && !/^\/v1\/(app(\/|$)|admin\/)/.test(path),
  malformedBody: '{"total": 600, "records": [{"id": 1001, "link_key": "AAAA", ',

  businessFault(code, status) {
    const n = typeof code === 'number' ? code : Number(code);
    return jmlinkError(Number.isFinite(n) ? n : 3011, {}, status);
  },

  quota(path, ctx) {
    if (path === '/v1/links') return ctx.rateLimits.jmlinkLinksPerMinute;
    return STAT_PATH.test(path) ? ctx.rateLimits.jmlinkStatsPerMinute : undefined;
  },

  handle(req: ServiceRequest, ctx: ServiceContext): Reply {
    const isList = req.path === '/v1/links';
    const statMatch = STAT_PATH.exec(req.path);
    if (!isList && !statMatch) return jmlinkError(3007);
    if (req.method !== 'GET') return jmlinkError(3008);

    const creds = parseBasicAuth(req.headers.authorization);
    if (!creds) return jmlinkError(3001);
    const stored = ctx.store.authenticate(creds.user, creds.password);
    if (!stored) return jmlinkError(3002);

    const appKey = stored.app.appKey;
    const decision = isList
      ? ctx.limiter.take(`jmlink:links:${appKey}`, ctx.rateLimits.jmlinkLinksPerMinute)
      : ctx.limiter.take(`jmlink:stat:${appKey}`, ctx.rateLimits.jmlinkStatsPerMinute);
    const rl = FixedWindowLimiter.headers(decision);
    if (!decision.allowed) return jmlinkError(3006, rl);

    if (isList) {
      const pageIndex = intParam(req.query.page_index, 1, 1, Number.MAX_SAFE_INTEGER);
      const pageSize = intParam(req.query.page_size, 20, 1, 500);
      if (pageIndex === null || pageSize === null) return jmlinkError(3005, rl);
      const start = (pageIndex - 1) * pageSize;
      return json(200, { total: stored.links.length, records: stored.links.slice(start, start + pageSize) }, rl);
    }

    // Docs are silent on an unknown link_key; the emulator treats it as an invalid parameter (3005).
    let linkKey = statMatch?.[1] ?? '';
    try {
      linkKey = decodeURIComponent(linkKey);
    } catch {
      return jmlinkError(3005, rl);
    }
    const entry = stored.byKey.get(linkKey);
    const startDay = parseDay(req.query.start_date ?? '');
    const endDay = parseDay(req.query.end_date ?? '');
    const platform = req.query.platform ?? 'all';
    if (!entry || startDay === null || endDay === null || endDay < startDay || !['ios', 'android', 'all'].includes(platform)) {
      return jmlinkError(3005, rl);
    }
    const from = Math.max(startDay, entry.createDay);
    const to = Math.min(endDay, jiguangDay(ctx.now()));
    const data: ({ iday: string } & DayCounts)[] = [];
    for (let d = from; d <= to; d++) {
      const iday = formatDay(d);
      const platforms: Platform[] = platform === 'all' ? ['ios', 'android'] : [platform as Platform];
      const sum: DayCounts = { exposure_count: 0, click_count: 0, open_count: 0, install_count: 0 };
      for (const p of platforms) {
        const c = dayCounts(ctx.seed, appKey, linkKey, iday, p);
        sum.exposure_count += c.exposure_count;
        sum.click_count += c.click_count;
        sum.open_count += c.open_count;
        sum.install_count += c.install_count;
      }
      data.push({ iday, ...sum });
    }
    return json(200, { data }, rl);
  },
};
