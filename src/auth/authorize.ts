// The one access rule (docs/access-and-tokens.md): what a token's role and its list of apps allow.
// Applied once per operation before anything runs (src/plugins/authorize-operation.ts, from what the
// schema declares: `@scope`, `@appKey`) and once per upstream call (src/http/credentials.ts
// `checkAccess`), so a cached answer too is served only to a caller who may see it.
import { ForbiddenError } from '../core/errors.js';
import type { Caller } from './callers.js';

/** What a piece of work needs of the caller's token. */
export type Need =
  /** Running an operation of this type (`query`, `mutation`): a mutation needs an admin token. */
  | { kind: 'operation'; type: string }
  /** One app's data or settings: a token limited to some apps must list it. */
  | { kind: 'app'; appKey: string }
  /** The whole developer account (its credentials; e.g. creating an app): a token not limited to apps. */
  | { kind: 'account' }
  /** The whole Operation Growth project (not one app): a token not limited to apps. */
  | { kind: 'project' };

/** Returns when `caller` may do what `need` describes; FORBIDDEN (HTTP 403) otherwise. */
export function authorize(caller: Caller, need: Need): void {
  if (need.kind === 'operation') {
    if (need.type === 'mutation' && caller.role !== 'admin') throw new ForbiddenError(`Mutations need an admin token; "${caller.name}" is a ${caller.role}.`);
    return;
  }
  if (!caller.appKeys) return;
  if (need.kind === 'project') throw new ForbiddenError(`Operation Growth data belongs to the whole project: the token "${caller.name}" is limited to some apps.`);
  if (need.kind === 'account') throw new ForbiddenError(`This is an account-level operation: the token "${caller.name}" is limited to some apps.`);
  if (!mayUseApp(caller, need.appKey)) throw new ForbiddenError(`The token "${caller.name}" may not use app ${need.appKey}.`);
}

/** Whether `caller` may use the app: `authorize`'s rule for an app, as a test (`apps` lists only these). */
export function mayUseApp(caller: Caller, appKey: string): boolean {
  return caller.appKeys === null || caller.appKeys.has(appKey);
}
