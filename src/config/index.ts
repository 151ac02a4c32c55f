// Configuration, read from the environment and validated once at start-up (Hive's rule): every
// problem is collected and printed together, and the process exits before serving anything. The
// variables are src/config/env.ts; what the configuration produces, section by section, is
// src/config/settings.ts, the types the layers above take their settings in.
import { projectPath } from '../core/paths.js';
import { readApps, readCallers } from './apps.js';
import { envSchema } from './env.js';
import { readManifests } from './manifests.js';
import { misspeltSettings, unknownSettings } from './names.js';
import { parseRegistryKey } from './registry-key.js';
import { type GatewayConfig, marginQuotas } from './settings.js';

export type { ConfiguredApp } from './apps.js';
export { DEFAULT_UPSTREAMS } from './env.js';
export { documentIdOf, readManifests, type TrustedDocument } from './manifests.js';
export { parseRegistryKey } from './registry-key.js';
export {
  type CacheSettings,
  DEFAULT_CACHE_SETTINGS,
  DEFAULT_FAIRNESS,
  DOCUMENTED_QUOTAS,
  type DocumentSettings,
  type FairnessSettings,
  type GatewayConfig,
  type LimitSettings,
  type MetricsAccess,
  marginQuotas,
  type QuotaLimit,
  type QuotaSettings,
} from './settings.js';

/** The manifest codegen writes for client/operations (see codegen.ts). */
const DEFAULT_PERSISTED_DOCUMENTS = projectPath('client', 'generated', 'persisted-documents.json');

/** Settings that do not make a configuration (the demo still runs with them). */
// GATEWAY_CORS_ORIGINS only lists browser origins: a frontend can be tried against the demo.
const NEUTRAL = new Set(['PORT', 'HOST', 'LOG_LEVEL', 'GATEWAY_CORS_ORIGINS']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export type ConfigResult = { ok: true; config: GatewayConfig } | { ok: false; problems: string[] };

/** Reads and validates the whole configuration; returns every problem rather than the first. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(raw);
  const problems: string[] = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
  // Checks across variables run even when a single one is wrong, so every problem shows at once.
  for (const [a, b] of [
    ['JIGUANG_DEV_KEY', 'JIGUANG_DEV_SECRET'],
    ['JIGUANG_GROWTH_PROJECT_ID', 'JIGUANG_GROWTH_PROJECT_SECRET'],
  ] as const) {
    if ((raw[a] === undefined) !== (raw[b] === undefined)) problems.push(raw[a] === undefined ? `${a}: set together with ${b}` : `${b}: set together with ${a}`);
  }
  if (raw.JIGUANG_APPS && raw.JIGUANG_APPS_FILE) problems.push('JIGUANG_APPS_FILE: set either JIGUANG_APPS or JIGUANG_APPS_FILE, not both');
  const apps = readApps(raw.JIGUANG_APPS, raw.JIGUANG_APPS_FILE, problems);
  const callers = readCallers(raw.GATEWAY_TOKENS, problems);
  const known = new Set(Object.keys(envSchema.shape));
  problems.push(...unknownSettings(Object.keys(raw), known), ...misspeltSettings(Object.keys(raw), known));
  // Demo mode only when nothing of the gateway is configured at all: a typo must never start it.
  const ours = Object.keys(raw).filter((name) => known.has(name) && !NEUTRAL.has(name));
  const demo = ours.length === 0 && !problems.some((p) => / not a setting /.test(p));
  const credentialVariables = ['JIGUANG_DEV_KEY', 'JIGUANG_GROWTH_PROJECT_ID', 'JIGUANG_APPS', 'JIGUANG_APPS_FILE'];
  if (demo && raw.NODE_ENV === 'production') {
    problems.push('NODE_ENV=production and nothing configured: production never runs the demo; set the Jiguang credentials (docs/configuration.md)');
  }
  if (demo && raw.HOST !== undefined && !LOOPBACK.has(raw.HOST)) {
    problems.push(`HOST: the demo (nothing configured) listens on loopback only, not ${raw.HOST.slice(0, 60)}; configure the gateway to serve other hosts`);
  }
  if (!demo && ours.length > 0 && credentialVariables.every((name) => raw[name] === undefined)) {
    problems.push(
      `no Jiguang credentials: ${ours.slice(0, 3).join(', ')}${ours.length > 3 ? ', …' : ''} ${ours.length === 1 ? 'is' : 'are'} set, so this is not the demo; set JIGUANG_APPS or JIGUANG_APPS_FILE, and JIGUANG_DEV_KEY/JIGUANG_DEV_SECRET or JIGUANG_GROWTH_PROJECT_ID/JIGUANG_GROWTH_PROJECT_SECRET as needed`,
    );
  }
  // A file registry belongs to one process: replicas sharing a Redis must share the registry too.
  if (raw.REDIS_URL && !raw.DATABASE_URL) {
    problems.push(
      'REDIS_URL is set without DATABASE_URL: replicas that share Redis must share the registry in PostgreSQL too (a file registry belongs to one process); set DATABASE_URL',
    );
  }
  if (!demo && !raw.GATEWAY_REGISTRY_KEY) {
    problems.push('GATEWAY_REGISTRY_KEY: required when Jiguang credentials are configured (64 hex characters or base64 of 32 bytes; it encrypts master secrets at rest)');
  }
  if (raw.GATEWAY_REGISTRY_KEY) {
    try {
      parseRegistryKey(raw.GATEWAY_REGISTRY_KEY);
    } catch (error) {
      problems.push(`GATEWAY_REGISTRY_KEY: ${(error as Error).message}`);
    }
  }
  if (!demo && callers.length === 0) {
    problems.push('GATEWAY_TOKENS: required when Jiguang credentials are configured: the gateway serves no anonymous caller (npm run token makes an entry)');
  }
  if (!parsed.success) return { ok: false, problems };
  const e = parsed.data;

  const devCredentials = e.JIGUANG_DEV_KEY && e.JIGUANG_DEV_SECRET ? { username: e.JIGUANG_DEV_KEY, password: e.JIGUANG_DEV_SECRET } : null;
  const growthCredentials =
    e.JIGUANG_GROWTH_PROJECT_ID && e.JIGUANG_GROWTH_PROJECT_SECRET ? { username: e.JIGUANG_GROWTH_PROJECT_ID, password: e.JIGUANG_GROWTH_PROJECT_SECRET } : null;
  if (e.GATEWAY_REQUEST_TIMEOUT_MS <= e.GATEWAY_HEADERS_TIMEOUT_MS) problems.push('GATEWAY_REQUEST_TIMEOUT_MS: must be longer than GATEWAY_HEADERS_TIMEOUT_MS');
  // Left at its default, it follows a shorter GATEWAY_HEADERS_TIMEOUT_MS; set, it must not exceed it.
  if (raw.GATEWAY_FIRST_HEADERS_TIMEOUT_MS !== undefined && e.GATEWAY_FIRST_HEADERS_TIMEOUT_MS > e.GATEWAY_HEADERS_TIMEOUT_MS) {
    problems.push('GATEWAY_FIRST_HEADERS_TIMEOUT_MS: must be at most GATEWAY_HEADERS_TIMEOUT_MS');
  }
  if (e.GATEWAY_GRAPHIQL === 'true' && !e.GATEWAY_INTROSPECTION && !e.GATEWAY_TRUSTED_DOCUMENTS) {
    problems.push(
      'GATEWAY_GRAPHIQL: GraphiQL needs introspection, or trusted documents (then it offers their operations without a Docs pane); set GATEWAY_INTROSPECTION=true, GATEWAY_TRUSTED_DOCUMENTS=true or GATEWAY_GRAPHIQL=false',
    );
  }
  const manifests = [
    DEFAULT_PERSISTED_DOCUMENTS,
    ...(e.GATEWAY_PERSISTED_DOCUMENTS ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  ];
  // Read once, here: a bad manifest is a configuration problem, and the server gets what was read.
  const read = readManifests(manifests);
  problems.push(...read.problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      port: e.PORT,
      host: e.HOST,
      logLevel: e.LOG_LEVEL,
      upstreams: {
        jmlink: e.JIGUANG_JMLINK_URL,
        portrait: e.JIGUANG_PORTRAIT_URL,
        pushAdmin: e.JIGUANG_PUSH_ADMIN_URL,
        verificationAdmin: e.JIGUANG_VERIFICATION_ADMIN_URL,
        growth: e.JIGUANG_GROWTH_URL,
      },
      devCredentials,
      growthCredentials,
      callers,
      publicUrl: e.GATEWAY_PUBLIC_URL ?? null,
      callbackToken: e.GATEWAY_CALLBACK_TOKEN ?? null,
      apps,
      registry: { file: e.GATEWAY_REGISTRY_FILE, key: e.GATEWAY_REGISTRY_KEY ?? null },
      upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
      requestDeadlineMs: e.GATEWAY_REQUEST_DEADLINE_MS,
      limits: {
        maxBodyBytes: e.GATEWAY_MAX_BODY_BYTES,
        maxTokens: e.GATEWAY_MAX_TOKENS,
        maxNesting: e.GATEWAY_MAX_NESTING,
        maxDepth: e.GATEWAY_MAX_DEPTH,
        maxAliases: e.GATEWAY_MAX_ALIASES,
        maxDirectives: e.GATEWAY_MAX_DIRECTIVES,
        maxCost: e.GATEWAY_MAX_COST,
        maxUpstreamCalls: e.GATEWAY_MAX_UPSTREAM_CALLS,
      },
      http: {
        headersTimeoutMs: e.GATEWAY_HEADERS_TIMEOUT_MS,
        firstHeadersTimeoutMs: Math.min(e.GATEWAY_FIRST_HEADERS_TIMEOUT_MS, e.GATEWAY_HEADERS_TIMEOUT_MS),
        requestTimeoutMs: e.GATEWAY_REQUEST_TIMEOUT_MS,
        keepAliveTimeoutMs: e.GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
        maxConnections: e.GATEWAY_MAX_CONNECTIONS,
      },
      cache: {
        maxBytes: e.GATEWAY_CACHE_MAX_MB * 1024 * 1024,
        graceMs: e.GATEWAY_CACHE_GRACE_SECONDS * 1000,
        staleIfErrorMs: e.GATEWAY_CACHE_STALE_IF_ERROR_SECONDS * 1000,
        freshMs: {
          linkPages: e.GATEWAY_CACHE_LINK_PAGES_SECONDS * 1000,
          linkStatsRecent: e.GATEWAY_CACHE_STATS_RECENT_SECONDS * 1000,
          linkStatsClosed: e.GATEWAY_CACHE_STATS_CLOSED_SECONDS * 1000,
          portraitTags: e.GATEWAY_CACHE_PORTRAIT_SECONDS * 1000,
          reviewStatus: e.GATEWAY_CACHE_REVIEW_STATUS_SECONDS * 1000,
          growthUsers: e.GATEWAY_CACHE_GROWTH_USERS_SECONDS * 1000,
        },
      },
      quota: {
        limits: marginQuotas(e.GATEWAY_QUOTA_MARGIN, {
          ...(e.GATEWAY_QUOTA_JMLINK_LINKS_PER_MINUTE ? { 'jmlink.links': e.GATEWAY_QUOTA_JMLINK_LINKS_PER_MINUTE } : {}),
          ...(e.GATEWAY_QUOTA_JMLINK_STATS_PER_MINUTE ? { 'jmlink.stats': e.GATEWAY_QUOTA_JMLINK_STATS_PER_MINUTE } : {}),
          ...(e.GATEWAY_QUOTA_GROWTH_PER_SECOND ? { growth: e.GATEWAY_QUOTA_GROWTH_PER_SECOND } : {}),
        }),
        maxWaitMs: e.GATEWAY_QUOTA_MAX_WAIT_MS,
      },
      fairness: { requestsPerSecond: e.GATEWAY_TOKEN_REQUESTS_PER_SECOND, upstreamCallsPerMinute: e.GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE },
      databaseUrl: e.DATABASE_URL ?? null,
      databaseSchema: e.GATEWAY_DATABASE_SCHEMA,
      redisUrl: e.REDIS_URL ?? null,
      redisPrefix: e.GATEWAY_REDIS_PREFIX,
      shutdownGraceMs: e.GATEWAY_SHUTDOWN_GRACE_MS,
      corsOrigins: e.GATEWAY_CORS_ORIGINS ?? [],
      metrics: { tokenSha256: e.GATEWAY_METRICS_TOKEN_SHA256 ?? null, address: e.GATEWAY_METRICS_ADDRESS ?? null },
      introspection: e.GATEWAY_INTROSPECTION,
      compileAfterUses: e.GATEWAY_COMPILE_AFTER_USES,
      graphiql: e.GATEWAY_GRAPHIQL === undefined ? e.GATEWAY_INTROSPECTION : e.GATEWAY_GRAPHIQL === 'true',
      documents: { manifests, list: read.documents, trusted: e.GATEWAY_TRUSTED_DOCUMENTS },
      demo,
    },
  };
}
