// JMLink's wire records and the models the GraphQL resolvers are mapped to (see codegen.ts mappers).

/** One record of `GET /v1/links`, as JMLink sends it. */
export interface JmlinkLink {
  id: number;
  link_key: string;
  name: string;
  channel: string;
  app_domain: string;
  share_title: string | null;
  share_desc: string | null;
  android_uri: string | null;
  ios_uri: string | null;
  jump_link_type: string;
  landing_page: string | null;
  create_time: string;
  update_time: string;
  /** Added by the gateway: the app the link belongs to (needed to fetch its statistics). */
  appKey: string;
}

export interface JmlinkPage {
  total: number;
  records: JmlinkLink[];
}

export type LinkPlatform = 'ALL' | 'ANDROID' | 'IOS';

/** One day of `GET /v1/links/{key}/stat`, renamed. */
export interface JmlinkDayStat {
  day: string;
  exposures: number;
  clicks: number;
  opens: number;
  installs: number;
}

export interface LinkStatTotalsModel {
  exposures: number;
  clicks: number;
  opens: number;
  installs: number;
}

export interface LinkStatsModel {
  from: string;
  to: string;
  platform: LinkPlatform;
  days: JmlinkDayStat[];
}

export interface ShortLinkEdgeModel {
  cursor: string;
  node: JmlinkLink;
}

export interface ShortLinkConnectionModel {
  /** The links of the page; edges and cursors are made only when asked for. */
  nodes: JmlinkLink[];
  totalCount: number;
  /** Position of the first node in the app's whole list. */
  offset: number;
}
