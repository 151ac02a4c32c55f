// The per-request context: who is asking (request id, cancellation signal, logger) and fresh
// DataLoaders, so that batching and de-duplication never leak from one request into another.
import type { Credentials } from './config.js';
import type { GrowthClient } from './growth/client.js';
import { createGrowthLoaders, type GrowthLoaders } from './growth/loaders.js';
import { ForbiddenError, GatewayError, NotFoundError } from './errors.js';
import type { CallContext } from './jmlink/client.js';
import type { PushAdminClient } from './push/client.js';
import type { UpstreamReviewStatus, VerificationAdminClient } from './verification/client.js';
import { WIRE_PLATFORM, type PlatformName } from './verification/reviews.js';
import DataLoader from 'dataloader';
import type { Caller } from './auth/callers.js';
import type { JmlinkClient } from './jmlink/client.js';
import { createJmlinkLoaders, type JmlinkLoaders } from './jmlink/loaders.js';
import type { Logger } from './logger.js';
import type { PortraitClient } from './portrait/client.js';
import { createPortraitLoader, type PortraitLoader } from './portrait/loaders.js';
import type { AppRecord, AppRegistry } from './registry/index.js';

/** What lives for the whole process: clients, credentials and the registry. */
export interface GatewayServices {
  registry: AppRegistry;
  jmlink: JmlinkClient;
  portrait: PortraitClient;
  pushAdmin: PushAdminClient;
  verificationAdmin: VerificationAdminClient;
  growth: GrowthClient;
  /** projectId:projectSecret for Operation Growth, when configured. */
  growthCredentials: Credentials | null;
  /** dev_key:dev_secret for JPush Admin and JVerification Admin, when configured. */
  devCredentials: Credentials | null;
  /** The URL handed to Jiguang for review results (it carries the secret callback token). */
  reviewCallbackUrl: string;
}

export interface GatewayContext {
  requestId: string;
  /** Who is asking (checked by the server before any GraphQL work). */
  caller: Caller;
  /** The apps this caller may see. */
  visibleApps(): AppRecord[];
  signal: AbortSignal;
  logger: Logger;
  registry: AppRegistry;
  /** The app, or NOT_FOUND / FORBIDDEN before any upstream call. */
  requireApp(appKey: string): AppRecord;
  jmlink: JmlinkLoaders;
  portrait: PortraitLoader;
  pushAdmin: PushAdminClient;
  verificationAdmin: VerificationAdminClient;
  reviewCallbackUrl: string;
  /** Jiguang's review status of an app on a platform, one call per app and platform per request. */
  reviewStatus(appKey: string, platform: PlatformName): Promise<UpstreamReviewStatus>;
  /** The upstream call context (request id, cancellation) for direct client calls. */
  call: CallContext;
  /** The developer credentials, or SERVICE_NOT_CONFIGURED before any upstream call. */
  requireDevCredentials(): Credentials;
  /** Operation Growth: the client, per-request CUID batching and the project credentials (SERVICE_NOT_CONFIGURED when absent). */
  growth: GrowthLoaders;
}

export function createContext(services: GatewayServices, request: { requestId: string; signal: AbortSignal; logger: Logger; caller: Caller }): GatewayContext {
  const { registry } = services;
  const call = { requestId: request.requestId, signal: request.signal };
  const appCredentials = (appKey: string): Credentials => {
    const secret = registry.secretOf(appKey);
    if (secret === undefined) {
      throw new NotFoundError(`The gateway holds no master secret for app ${appKey}; add it to the configuration (JIGUANG_APPS) to query its services.`);
    }
    return { username: appKey, password: secret };
  };
  const reviewStatuses = new DataLoader<string, UpstreamReviewStatus>((keys) =>
    Promise.all(
      keys.map((key) => {
        const [appKey, platform] = key.split(':') as [string, PlatformName];
        return services.verificationAdmin.status(requireDev(), appKey, WIRE_PLATFORM[platform], call).catch((error: Error) => error);
      }),
    ),
  );
  const requireDev = (): Credentials => {
    if (!services.devCredentials) {
      throw new GatewayError('SERVICE_NOT_CONFIGURED', 'JPush Admin and JVerification Admin need the developer credentials: set JIGUANG_DEV_KEY and JIGUANG_DEV_SECRET.');
    }
    return services.devCredentials;
  };
  return {
    ...request,
    registry,
    visibleApps() {
      const allowed = request.caller.appKeys;
      return allowed ? registry.list().filter((app) => allowed.has(app.appKey)) : registry.list();
    },
    requireApp(appKey) {
      const allowed = request.caller.appKeys;
      if (allowed && !allowed.has(appKey)) throw new ForbiddenError(`The token "${request.caller.name}" may not use app ${appKey}.`);
      const app = registry.get(appKey);
      if (!app) throw new NotFoundError(`No app with key "${appKey}" is known to the gateway.`);
      return app;
    },
    pushAdmin: services.pushAdmin,
    verificationAdmin: services.verificationAdmin,
    reviewCallbackUrl: services.reviewCallbackUrl,
    reviewStatus: (appKey, platform) => reviewStatuses.load(`${appKey}:${platform}`),
    call,
    requireDevCredentials: requireDev,
    jmlink: createJmlinkLoaders(services.jmlink, appCredentials, call),
    portrait: createPortraitLoader(services.portrait, appCredentials, call),
    growth: createGrowthLoaders(services.growth, services.growthCredentials, call),
  };
}
