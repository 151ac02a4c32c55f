// Query root and the App type: apps come from the registry, with no upstream call, and only those
// the caller's token may see.
import type { AppResolvers, QueryResolvers } from '../generated/graphql.js';

export const Query: QueryResolvers = {
  apps: (_root, _args, ctx) => ctx.visibleApps(),
  app: (_root, { appKey }, ctx) => ctx.requireApp(appKey),
};

export const App: AppResolvers = {
  appKey: (app) => app.appKey,
  name: (app) => app.name,
  androidPackage: (app) => app.androidPackage,
  groupName: (app) => app.groupName,
};
