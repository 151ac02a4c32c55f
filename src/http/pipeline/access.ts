// Access and credentials. Access is checked first, before the cache: an answer is served only to a
// caller who may see it (src/http/credentials.ts `checkAccess`). Credentials are resolved only for a
// call that will be made, before anything is paid for it: an app without a secret, or a service
// without credentials, costs nothing.
import { type CredentialSource, checkAccess } from '../credentials.js';
import type { Stage } from './stage.js';

export const access: Stage = (next) => (call) => {
  if (call.ctx.caller) checkAccess(call.ctx.caller, call.endpoint.credentials, call.endpoint.appKey(call.params));
  return next(call);
};

export function credentials(source: CredentialSource): Stage {
  return (next) => async (call) => {
    const { endpoint, params, ctx } = call;
    return next({ ...call, credentials: await source.resolve(endpoint.credentials, endpoint.appKey(params), ctx.caller) });
  };
}
