// JMLink resolvers: input checks happen here, before any upstream call; fetching and batching live
// in src/jmlink/loaders.ts. Cursors are opaque positions in the app's link list (src/jmlink/cursor.ts).

import { dayNumber } from '../core/dates.js';
import { BadUserInputError, NotFoundError } from '../core/errors.js';
import type {
  AppResolvers,
  AppShortLinkArgs,
  AppShortLinksArgs,
  LinkStatsResolvers,
  ShortLinkConnectionResolvers,
  ShortLinkResolvers,
  ShortLinkStatsArgs,
} from '../generated/graphql.js';
import { cursorPosition, encodeCursor } from '../jmlink/cursor.js';
import { JMLINK_MAX_PAGE_SIZE } from '../jmlink/endpoints.js';
import { MAX_STATS_RANGE_DAYS, windowPages } from '../jmlink/loaders.js';
import type { JmlinkLink } from '../jmlink/types.js';
import { type InputChecks, inputCheck } from '../plugins/input-first.js';

const LINK_KEY = /^[A-Za-z0-9]{1,32}$/;

function decodeCursor(cursor: string): number {
  const position = cursorPosition(cursor);
  if (position === null) throw new BadUserInputError("`after` is not a cursor this API returned; pass a previous page's `endCursor`.", 'after');
  return position;
}

/** The position of a page's first link; BAD_USER_INPUT for a `first` out of range or a cursor not issued here. */
function linksOffset({ first, after }: AppShortLinksArgs): number {
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > JMLINK_MAX_PAGE_SIZE) {
    throw new BadUserInputError(`\`first\` must be between 1 and ${JMLINK_MAX_PAGE_SIZE}; got ${first}.`, 'first');
  }
  return after == null ? 0 : decodeCursor(after) + 1;
}

function checkLinkKey({ key }: AppShortLinkArgs): void {
  if (!LINK_KEY.test(key)) throw new BadUserInputError('A link key is 1 to 32 letters or digits, e.g. "AAAA".', 'key');
}

/** A statistics range as day numbers: real dates, `to` not before `from`, at most MAX_STATS_RANGE_DAYS. */
function statsRange({ from, to }: Pick<ShortLinkStatsArgs, 'from' | 'to'>): [number, number] {
  const first = dayNumber(from);
  const last = dayNumber(to);
  if (Number.isNaN(first)) throw new BadUserInputError(`\`from\` (${from}) is not a calendar date between 0001-01-01 and 9999-12-31.`, 'from');
  if (Number.isNaN(last)) throw new BadUserInputError(`\`to\` (${to}) is not a calendar date between 0001-01-01 and 9999-12-31.`, 'to');
  const span = last - first + 1;
  if (span < 1) throw new BadUserInputError(`\`to\` (${to}) is before \`from\` (${from}).`, 'to');
  if (span > MAX_STATS_RANGE_DAYS) throw new BadUserInputError(`A statistics range covers at most ${MAX_STATS_RANGE_DAYS} days; ${from} to ${to} is ${span}.`, 'to');
  return [first, last];
}

/** Checked before the operation runs (src/plugins/input-first.ts). */
export const inputChecks: InputChecks = {
  'App.shortLinks': inputCheck(linksOffset),
  'App.shortLink': inputCheck(checkLinkKey),
  'ShortLink.stats': inputCheck(statsRange),
};

export const App: AppResolvers = {
  shortLinks: async (app, args, ctx, info) => {
    const { first } = args;
    const offset = linksOffset(args);
    let nodes: JmlinkLink[];
    const [head, tail] = windowPages(app.appKey, offset, first);
    const page = ctx.served(info, await ctx.jmlink.page(app.appKey, head.pageIndex, head.pageSize));
    const total = page.total;
    const start = offset - (head.pageIndex - 1) * head.pageSize;
    if (!tail) {
      nodes = start === 0 && page.records.length <= first ? page.records : page.records.slice(start, start + first);
    } else {
      // The window crosses a boundary of every page size: read the two pages of 500 around it (the second if the list goes on).
      const rest = head.pageIndex * head.pageSize < total ? ctx.served(info, await ctx.jmlink.page(app.appKey, tail.pageIndex, tail.pageSize)).records : [];
      nodes = [...page.records, ...rest].slice(start, start + first);
    }
    return { offset, totalCount: total, nodes };
  },
  shortLink: async (app, { key }, ctx, info) => {
    checkLinkKey({ key });
    const link = ctx.served(info, await ctx.jmlink.link(app.appKey, key));
    if (!link) throw new NotFoundError(`App ${app.appKey} has no short link with key "${key}".`);
    return link;
  },
};

export const ShortLinkConnection: ShortLinkConnectionResolvers = {
  edges: (c) => c.nodes.map((node, i) => ({ cursor: encodeCursor(c.offset + i), node })),
  nodes: (c) => c.nodes,
  totalCount: (c) => c.totalCount,
  pageInfo: (c) => ({
    hasPreviousPage: c.offset > 0,
    hasNextPage: c.offset + c.nodes.length < c.totalCount,
    startCursor: c.nodes.length > 0 ? encodeCursor(c.offset) : null,
    endCursor: c.nodes.length > 0 ? encodeCursor(c.offset + c.nodes.length - 1) : null,
  }),
};

export const ShortLink: ShortLinkResolvers = {
  id: (l) => l.id,
  key: (l) => l.link_key,
  url: (l) => `https://${l.app_domain}/${l.link_key}`,
  name: (l) => l.name,
  channel: (l) => l.channel,
  domain: (l) => l.app_domain,
  shareTitle: (l) => l.share_title,
  shareDescription: (l) => l.share_desc,
  androidUri: (l) => l.android_uri,
  iosUri: (l) => l.ios_uri,
  jumpLinkType: (l) => l.jump_link_type,
  // JMLink sends "" for no landing page; anything that is not a URL is reported as none, not as an error.
  landingPage: (l) => (l.landing_page && URL.canParse(l.landing_page) ? l.landing_page : null),
  createdOn: (l) => l.create_time,
  updatedOn: (l) => l.update_time,
  stats: async (link: JmlinkLink, args, ctx, info) => {
    const { from, to } = args;
    const platform = args.platform ?? 'ALL'; // an explicit null counts every platform, like leaving it out
    const [first, last] = statsRange(args);
    const days = ctx.served(info, await ctx.jmlink.stats({ appKey: link.appKey, linkKey: link.link_key, platform, from: first, to: last }));
    return { from, to, platform, days };
  },
};

export const LinkStats: LinkStatsResolvers = {
  totals: (s) => {
    const totals = { exposures: 0, clicks: 0, opens: 0, installs: 0 };
    for (const d of s.days) {
      totals.exposures += d.exposures;
      totals.clicks += d.clicks;
      totals.opens += d.opens;
      totals.installs += d.installs;
    }
    return totals;
  },
};
