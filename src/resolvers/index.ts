// All resolvers, merged per type. Each domain file owns the fields of its schema file.

import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import type { Resolvers } from '../generated/graphql.js';
import type { InputChecks } from '../plugins/input-first.js';
import * as apps from './app.js';
import * as growth from './growth.js';
import * as jmlink from './jmlink.js';
import * as portrait from './portrait.js';
import * as push from './push.js';
import { DateTime, JSONObject, LocalDate, URL } from './scalars.js';
import * as verification from './verification.js';
import * as viewer from './viewer.js';

export const resolvers: Resolvers = {
  DateTime,
  JSONObject,
  LocalDate,
  URL,
  Upload: GraphQLUpload,
  Query: { ...apps.Query, ...growth.Query, ...viewer.Query },
  Mutation: { ...push.Mutation, ...verification.Mutation, ...growth.Mutation },
  App: { ...apps.App, ...jmlink.App, ...portrait.App, ...push.App, ...verification.App },
  ShortLinkConnection: jmlink.ShortLinkConnection,
  ShortLink: jmlink.ShortLink,
  LinkStats: jmlink.LinkStats,
  PortraitTags: portrait.PortraitTags,
};

/** Every field's argument checks, run before an operation executes (src/plugins/input-first.ts). */
export const inputChecks: InputChecks = { ...jmlink.inputChecks, ...portrait.inputChecks, ...push.inputChecks, ...verification.inputChecks, ...growth.inputChecks };
