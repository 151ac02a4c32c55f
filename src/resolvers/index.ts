// All resolvers, merged per type. Each domain file owns the fields of its schema file.
import type { Resolvers } from '../generated/graphql.js';
import * as apps from './app.js';
import * as jmlink from './jmlink.js';
import * as portrait from './portrait.js';
import * as push from './push.js';
import * as verification from './verification.js';
import { DateTime, LocalDate, URL } from './scalars.js';

export const resolvers: Resolvers = {
  DateTime,
  LocalDate,
  URL,
  Query: apps.Query,
  Mutation: { ...push.Mutation, ...verification.Mutation },
  App: { ...apps.App, ...jmlink.App, ...portrait.App, ...verification.App },
  ShortLinkConnection: jmlink.ShortLinkConnection,
  ShortLink: jmlink.ShortLink,
  LinkStats: jmlink.LinkStats,
  PortraitTags: portrait.PortraitTags,
};
