// The one way a call gets its credentials, and the access rule that goes with them: an app's
// calls carry appKey:masterSecret from the registry and need a token allowed that app; account-level
// developer calls (creating an app) and Operation Growth calls (one project, not one app) need a
// token that is not restricted to apps.
import { authorize, type Need } from '../auth/authorize.js';
import type { Caller } from '../auth/callers.js';
import { GatewayError, NotFoundError } from '../core/errors.js';
import type { Credentials } from '../core/services.js';
import type { AppRegistry } from '../registry/index.js';
import type { CredentialScope } from './endpoint.js';

export class CredentialSource {
  constructor(
    private readonly registry: AppRegistry,
    private readonly developer: Credentials | null,
    private readonly growth: Credentials | null,
  ) {}

  /** SERVICE_NOT_CONFIGURED unless the credentials of `scope` are configured (checked before any call). */
  requireConfigured(scope: 'developer' | 'growth'): void {
    if (scope === 'developer' && !this.developer)
      throw new GatewayError('SERVICE_NOT_CONFIGURED', 'JPush Admin and JVerification Admin need the developer credentials: set JIGUANG_DEV_KEY and JIGUANG_DEV_SECRET.');
    if (scope === 'growth' && !this.growth)
      throw new GatewayError('SERVICE_NOT_CONFIGURED', 'Operation Growth needs the project credentials: set JIGUANG_GROWTH_PROJECT_ID and JIGUANG_GROWTH_PROJECT_SECRET.');
  }

  /** The credentials of a call about `appKey` (null: account or project level) for `caller` (null: the gateway itself). */
  async resolve(scope: CredentialScope, appKey: string | null, caller: Caller | null): Promise<Credentials> {
    if (caller) checkAccess(caller, scope, appKey);
    if (scope !== 'app') {
      this.requireConfigured(scope);
      return (scope === 'developer' ? this.developer : this.growth)!;
    }
    if (appKey === null) throw new TypeError('an app-scoped call needs an app key');
    const secret = await this.registry.secretOf(appKey);
    if (secret !== undefined) return { username: appKey, password: secret };
    if (!(await this.registry.get(appKey))) throw new NotFoundError(`No app with key "${appKey}" is known to the gateway.`);
    throw new NotFoundError(`The gateway holds no master secret for app ${appKey}; add it to the configuration (JIGUANG_APPS) to query its services.`);
  }
}

/** What a call of `scope` about `appKey` needs of the caller's token (src/auth/authorize.ts). */
export function accessNeed(scope: CredentialScope, appKey: string | null): Need {
  if (scope === 'growth') return { kind: 'project' };
  return appKey === null ? { kind: 'account' } : { kind: 'app', appKey };
}

/**
 * FORBIDDEN unless the caller may act on `appKey` (an app-scoped call) or at account or project level
 * (`appKey` null, or Operation Growth): the one rule, `authorize`.
 */
export function checkAccess(caller: Caller, scope: CredentialScope, appKey: string | null): void {
  authorize(caller, accessNeed(scope, appKey));
}
