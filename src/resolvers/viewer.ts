// Query.viewer: the caller behind the request's token (schema/viewer.graphql), from the configuration
// the gateway authenticated it with; no upstream call.
import type { Caller } from '../auth/callers.js';
import type { QueryResolvers, Role, Viewer } from '../generated/graphql.js';

const ROLES: Record<Caller['role'], Role> = { reader: 'READER', admin: 'ADMIN' };

/** What `viewer` answers for a caller. */
export function viewerOf(caller: Caller): Viewer {
  return { name: caller.name, role: ROLES[caller.role], appKeys: caller.appKeys ? [...caller.appKeys].sort() : null };
}

export const Query: QueryResolvers = {
  viewer: (_root, _args, ctx) => viewerOf(ctx.caller),
};
