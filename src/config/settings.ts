// What the configuration produces, section by section: the layers above it (the upstream pipeline,
// the document limits, the inbound server) take their settings in these types, so every arrow points
// from them down to here and nothing here imports them.
import type { CallerConfig } from '../auth/callers.js';
import type { Credentials, QuotaBucketName } from '../core/services.js';
import type { ConfiguredApp } from './apps.js';
import type { TrustedDocument } from './manifests.js';

/** How long each kind of upstream data is kept (src/http/cache/policy.ts; docs/traffic-and-caching.md). */
export interface CacheSettings {
  /** Memory bound of the in-process store. */
  maxBytes: number;
  /** After freshness ends: the stale entry is still served while one refresh runs (stale-while-revalidate). */
  graceMs: number;
  /** After freshness ends: the entry is served, marked stale, when Jiguang fails or the quota is spent. */
  staleIfErrorMs: number;
  freshMs: {
    linkPages: number;
    /** Days that are over in UTC+8, fetched at least a day after they ended. */
    linkStatsClosed: number;
    /** Today and yesterday in UTC+8 (still being counted). */
    linkStatsRecent: number;
    portraitTags: number;
    reviewStatus: number;
    growthUsers: number;
  };
}

export const DEFAULT_CACHE_SETTINGS: CacheSettings = {
  maxBytes: 64 * 1024 * 1024,
  graceMs: 30_000,
  staleIfErrorMs: 3_600_000,
  freshMs: {
    linkPages: 60_000,
    linkStatsClosed: 7 * 86_400_000,
    linkStatsRecent: 60_000,
    portraitTags: 600_000,
    reviewStatus: 30_000,
    growthUsers: 3_600_000,
  },
};

export interface QuotaLimit {
  limit: number;
  windowMs: number;
}

/** The quota scheduler's settings (src/http/quota.ts). */
export interface QuotaSettings {
  /** The documented quotas, per owner; a bucket without one is only paused by Jiguang's signals. */
  limits: Partial<Record<QuotaBucketName, QuotaLimit>>;
  /** Longest a call waits for its slot (never past the request's deadline). */
  maxWaitMs: number;
}

/** Jiguang's documented quotas: JMLink per AppKey per minute, Growth per project per second. */
export const DOCUMENTED_QUOTAS: Partial<Record<QuotaBucketName, QuotaLimit>> = {
  'jmlink.links': { limit: 100, windowMs: 60_000 },
  'jmlink.stats': { limit: 500, windowMs: 60_000 },
  growth: { limit: 100, windowMs: 1_000 },
};

/** The documented quotas scaled by a safety margin (0 < margin <= 1), or as set. */
export function marginQuotas(margin: number, overrides: Partial<Record<QuotaBucketName, number>> = {}): Partial<Record<QuotaBucketName, QuotaLimit>> {
  const out: Partial<Record<QuotaBucketName, QuotaLimit>> = {};
  for (const [bucket, quota] of Object.entries(DOCUMENTED_QUOTAS) as [QuotaBucketName, QuotaLimit][]) {
    out[bucket] = { limit: overrides[bucket] ?? Math.max(1, Math.floor(quota.limit * margin)), windowMs: quota.windowMs };
  }
  return out;
}

/** Per-token limits (src/http/fairness.ts; docs/limits-and-cost.md). */
export interface FairnessSettings {
  /** The flood guard: requests a token may send in one second, answered from the cache or not. */
  requestsPerSecond: number;
  /** The upstream budget: points a token may spend a minute (1 per upstream call, 1 per second of quota wait). */
  upstreamCallsPerMinute: number;
}

/** The defaults (GATEWAY_TOKEN_REQUESTS_PER_SECOND, GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE); docs/limits-and-cost.md says why. */
export const DEFAULT_FAIRNESS: FairnessSettings = { requestsPerSecond: 10_000, upstreamCallsPerMinute: 600 };

/**
 * Every limit on one request. Each guard takes the part it applies, as a `Pick` of this: the body
 * reader `maxBodyBytes` and `maxNesting`, the lexer (src/limits/document.ts) `maxTokens` and
 * `maxNesting`, graphql-armor (src/limits/rules.ts) depth, aliases and directives, the cost model
 * (src/limits/cost.ts) `maxCost` and `maxUpstreamCalls`.
 */
export interface LimitSettings {
  maxBodyBytes: number;
  maxTokens: number;
  maxNesting: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxCost: number;
  maxUpstreamCalls: number;
}

/** Who may read /metrics, and where (src/inbound/metrics-route.ts). */
export interface MetricsAccess {
  /** SHA-256 (hex) of a token that may read /metrics only. */
  tokenSha256: string | null;
  /** host:port of a separate listener for /metrics; null serves it on the gateway's port. */
  address: { host: string; port: number } | null;
}

/**
 * Persisted documents: the manifests (files or folders of them; the gateway's own generated one
 * first), what they hold (read and checked once, at start-up), and whether only their documents may run.
 */
export interface DocumentSettings {
  manifests: string[];
  /** Every document of the manifests, in the order they were configured. */
  list: readonly TrustedDocument[];
  trusted: boolean;
}

export interface GatewayConfig {
  port: number;
  host: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  upstreams: { jmlink: string; portrait: string; pushAdmin: string; verificationAdmin: string; growth: string };
  /** JPush Admin and JVerification Admin: the developer account's dev_key:dev_secret. */
  devCredentials: Credentials | null;
  /** Operation Growth: projectId:projectSecret. */
  growthCredentials: Credentials | null;
  /** The callers allowed in, by token hash; empty in demo mode, where main.ts makes one admin token. */
  callers: CallerConfig[];
  /** Where Jiguang reaches the gateway (review callbacks); the gateway's own address when unset. */
  publicUrl: string | null;
  /** The secret path segment of the review callback; generated once and kept in the registry when unset. */
  callbackToken: string | null;
  /** Apps (with master secrets) to put in the registry at start-up. */
  apps: ConfiguredApp[];
  registry: { file: string; key: string | null };
  upstreamTimeoutMs: number;
  /** How long one GraphQL request may take, waiting for quota slots included. */
  requestDeadlineMs: number;
  limits: LimitSettings;
  http: {
    headersTimeoutMs: number;
    /** The headers deadline of a connection that has not sent one complete request yet (at most headersTimeoutMs). */
    firstHeadersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
  };
  cache: CacheSettings;
  quota: QuotaSettings;
  fairness: FairnessSettings;
  /** PostgreSQL for the registry (several replicas); the file registry when null. */
  databaseUrl: string | null;
  /** The PostgreSQL schema of the registry's tables. */
  databaseSchema: string;
  /** Redis for the shared cache, coalescing and quotas (several replicas); in-process when null. */
  redisUrl: string | null;
  /** Prefix of the gateway's Redis keys (one per deployment sharing a Redis). */
  redisPrefix: string;
  /** How long in-flight requests get to finish after SIGTERM. */
  shutdownGraceMs: number;
  /** Browser origins allowed to call the gateway (CORS). */
  corsOrigins: string[];
  /** Who may read /metrics, and where. */
  metrics: MetricsAccess;
  introspection: boolean;
  /** Uses of a document before it is compiled (graphql-jit, src/execution/compiled.ts); before that it runs on graphql-js. */
  compileAfterUses: number;
  /** Serve GraphiQL to browsers at the GraphQL path; defaults to the introspection setting. */
  graphiql: boolean;
  documents: DocumentSettings;
  /** True when no Jiguang credential of any kind is configured: `npm start` then runs the emulator. */
  demo: boolean;
}
