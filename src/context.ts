// The per-request context: who is asking, the request's upstream call context (deadline, budget,
// counters), the registry, and one entry per upstream service — each made by its folder's
// `create…(upstream, call)` and built only when a resolver first asks for it — so batching and
// de-duplication never leak from one request into another.
import type { GraphQLResolveInfo } from 'graphql';
import { responsePathAsArray } from 'graphql';
import { mayUseApp } from './auth/authorize.js';
import type { Caller } from './auth/callers.js';
import { NotFoundError } from './core/errors.js';
import type { Logger } from './core/logger.js';
import { createGrowth, type GrowthService } from './growth/service.js';
import { type CallContext, RequestStats, UpstreamBudget } from './http/call.js';
import type { Served, Upstream } from './http/upstream.js';
import { createJmlinkLoaders, type JmlinkLoaders } from './jmlink/loaders.js';
import type { Measure } from './limits/cost.js';
import { createPortraitLoader, type PortraitLoader } from './portrait/loaders.js';
import { createPushAdmin, type PushAdminService } from './push/service.js';
import type { AppRecord, AppRegistry } from './registry/index.js';
import { createVerification, type VerificationService } from './verification/service.js';

/** What lives for the whole process. */
export interface GatewayServices {
  registry: AppRegistry;
  upstream: Upstream;
  /** The URL handed to Jiguang for review results (it carries the secret callback token). */
  reviewCallbackUrl: string;
  /** Most upstream calls one request may make (GATEWAY_MAX_UPSTREAM_CALLS). */
  maxUpstreamCalls: number;
  /** How long one request may take, waiting for quota slots included. */
  requestDeadlineMs: number;
}

/** A path of the response served from data kept past its freshness because Jiguang failed. */
export interface StalePath {
  path: (string | number)[];
  ageSeconds: number;
  /** When the data was fetched from Jiguang (ISO 8601). */
  asOf: string;
}

export interface RequestInfo {
  requestId: string;
  signal: AbortSignal;
  logger: Logger;
  caller: Caller;
  /** The request's counters when admission already made them (the token's budget seen there). */
  stats?: RequestStats;
}

export class GatewayContext {
  readonly requestId: string;
  readonly caller: Caller;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly registry: AppRegistry;
  readonly upstream: Upstream;
  readonly reviewCallbackUrl: string;
  /** The upstream call context of this request. */
  readonly call: CallContext;
  readonly stalePaths: StalePath[] = [];
  /**
   * What the access log learns during execution. An object, not fields: Apollo copies the context
   * (a shallow clone), so only what is shared by reference reaches the server afterwards.
   */
  readonly outcome: { operation: { name: string | null; type: string; outcome: string } | null } = { operation: null };
  /** The operation's measure before execution (src/limits/plugin.ts), for `extensions.cost`; shared by reference like `outcome`. */
  readonly estimate: { measure: Measure | null } = { measure: null };
  private jmlinkLoaders?: JmlinkLoaders;
  private portraitLoader?: PortraitLoader;
  private pushAdminService?: PushAdminService;
  private verificationService?: VerificationService;
  private growthService?: GrowthService;

  constructor(services: GatewayServices, request: RequestInfo) {
    this.requestId = request.requestId;
    this.caller = request.caller;
    this.signal = request.signal;
    this.logger = request.logger;
    this.registry = services.registry;
    this.upstream = services.upstream;
    this.reviewCallbackUrl = services.reviewCallbackUrl;
    this.call = {
      requestId: request.requestId,
      signal: request.signal,
      deadline: Date.now() + services.requestDeadlineMs,
      caller: request.caller,
      budget: new UpstreamBudget(services.maxUpstreamCalls),
      stats: request.stats ?? new RequestStats(),
    };
  }

  get jmlink(): JmlinkLoaders {
    return (this.jmlinkLoaders ??= createJmlinkLoaders(this.upstream, this.call));
  }

  get portrait(): PortraitLoader {
    return (this.portraitLoader ??= createPortraitLoader(this.upstream, this.call));
  }

  get pushAdmin(): PushAdminService {
    return (this.pushAdminService ??= createPushAdmin(this.upstream, this.call, this.registry, this.logger));
  }

  get verification(): VerificationService {
    return (this.verificationService ??= createVerification(this.upstream, this.call, this.registry, this.reviewCallbackUrl));
  }

  get growth(): GrowthService {
    return (this.growthService ??= createGrowth(this.upstream, this.call));
  }

  /** The apps this caller may see. */
  async visibleApps(): Promise<AppRecord[]> {
    const apps = await this.registry.list();
    return this.caller.appKeys ? apps.filter((app) => mayUseApp(this.caller, app.appKey)) : apps;
  }

  /**
   * The app, or NOT_FOUND before any upstream call. Whether the caller may use it was decided before
   * the operation ran (src/plugins/authorize-operation.ts).
   */
  async requireApp(appKey: string): Promise<AppRecord> {
    const app = await this.registry.get(appKey);
    if (!app) throw new NotFoundError(`No app with key "${appKey}" is known to the gateway.`);
    return app;
  }

  /** SERVICE_NOT_CONFIGURED, before any call, unless the credentials a service needs are configured. */
  requireService(scope: 'developer' | 'growth'): void {
    this.upstream.deps.credentials.requireConfigured(scope);
  }

  /** The value of a served answer, noting the field's path when it was stale. */
  served<T>(info: GraphQLResolveInfo, served: Served<T>): T {
    if (served.stale) {
      const ageMs = Date.now() - served.stale.storedAt;
      this.stalePaths.push({ path: responsePathAsArray(info.path), ageSeconds: Math.round(ageMs / 1000), asOf: new Date(served.stale.storedAt).toISOString() });
    }
    return served.value;
  }
}

/** Builds the context of one request (Apollo's `context` function). */
export function createContext(services: GatewayServices, request: RequestInfo): GatewayContext {
  return new GatewayContext(services, request);
}
