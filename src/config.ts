// Configuration, read from the environment and validated once at start-up (Hive's rule): every
// problem is collected and printed together, and the process exits before serving anything.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CallerConfig } from './auth/callers.js';
import type { CacheSettings } from './http/cache/policy.js';
import { DEFAULT_FAIRNESS, type FairnessSettings } from './http/fairness.js';
import { marginQuotas, type QuotaSettings } from './http/quota.js';
import type { CostLimits } from './limits/cost.js';
import type { DocumentLimits } from './limits/document.js';
import type { RuleLimits } from './limits/rules.js';
import { parseRegistryKey } from './registry/index.js';
import { readManifests } from './transport/documents.js';
import type { MetricsAccess } from './transport/metrics-route.js';

export const DEFAULT_UPSTREAMS = {
  jmlink: 'https://api.jmlk.co',
  portrait: 'https://portrait-api.jiguang.cn',
  pushAdmin: 'https://admin.jpush.cn',
  verificationAdmin: 'https://admin.verification.jpush.cn',
  growth: 'https://growth.jiguang.cn',
} as const;

/** The manifest codegen writes for client/operations (see codegen.ts). */
const DEFAULT_PERSISTED_DOCUMENTS = fileURLToPath(new URL('../client/generated/persisted-documents.json', import.meta.url));

const appSchema = z.object({
  appKey: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be letters and digits'),
  masterSecret: z.string().min(1),
  name: z.string().min(1),
  androidPackage: z.string().min(1),
  groupName: z.string().min(1).nullish(),
});
export type ConfiguredApp = z.infer<typeof appSchema>;

const callerSchema = z.object({
  name: z.string().min(1).max(100),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of the token, 64 hex characters (npm run token prints one)'),
  role: z.enum(['reader', 'admin']),
  appKeys: z.array(z.string().min(1)).nullish(),
});

const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const envSchema = z.object({
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  JIGUANG_JMLINK_URL: url.default(DEFAULT_UPSTREAMS.jmlink),
  JIGUANG_PORTRAIT_URL: url.default(DEFAULT_UPSTREAMS.portrait),
  JIGUANG_PUSH_ADMIN_URL: url.default(DEFAULT_UPSTREAMS.pushAdmin),
  JIGUANG_VERIFICATION_ADMIN_URL: url.default(DEFAULT_UPSTREAMS.verificationAdmin),
  JIGUANG_GROWTH_URL: url.default(DEFAULT_UPSTREAMS.growth),
  JIGUANG_DEV_KEY: z.string().min(1).optional(),
  JIGUANG_DEV_SECRET: z.string().min(1).optional(),
  JIGUANG_GROWTH_PROJECT_ID: z.string().min(1).optional(),
  JIGUANG_GROWTH_PROJECT_SECRET: z.string().min(1).optional(),
  JIGUANG_APPS: z.string().min(1).optional(),
  GATEWAY_TOKENS: z.string().min(1).optional(),
  GATEWAY_PUBLIC_URL: url.optional(),
  GATEWAY_CALLBACK_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,128}$/, 'must be 32 to 128 letters, digits, _ or -')
    .optional(),
  JIGUANG_APPS_FILE: z.string().min(1).optional(),
  GATEWAY_REGISTRY_FILE: z.string().min(1).default('data/registry.json'),
  GATEWAY_REGISTRY_KEY: z.string().min(1).optional(),
  UPSTREAM_TIMEOUT_MS: int(100, 120_000).default(10_000),
  GATEWAY_REQUEST_DEADLINE_MS: int(1_000, 300_000).default(20_000),
  GATEWAY_MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  GATEWAY_MAX_TOKENS: int(100, 1_000_000).default(5_000),
  GATEWAY_MAX_NESTING: int(4, 1_000).default(64),
  GATEWAY_MAX_DEPTH: int(2, 100).default(15),
  GATEWAY_MAX_ALIASES: int(0, 10_000).default(30),
  GATEWAY_MAX_DIRECTIVES: int(0, 10_000).default(50),
  GATEWAY_MAX_COST: int(10, 10_000_000).default(100_000),
  GATEWAY_MAX_UPSTREAM_CALLS: int(1, 100_000).default(100),
  GATEWAY_HEADERS_TIMEOUT_MS: int(1_000, 600_000).default(10_000),
  GATEWAY_FIRST_HEADERS_TIMEOUT_MS: int(1_000, 600_000).default(3_000),
  GATEWAY_REQUEST_TIMEOUT_MS: int(1_000, 3_600_000).default(30_000),
  GATEWAY_KEEP_ALIVE_TIMEOUT_MS: int(1_000, 600_000).default(65_000),
  GATEWAY_MAX_CONNECTIONS: int(1, 1_000_000).default(1_024),
  GATEWAY_CACHE_MAX_MB: int(1, 65_536).default(64),
  GATEWAY_CACHE_GRACE_SECONDS: int(0, 86_400).default(30),
  GATEWAY_CACHE_STALE_IF_ERROR_SECONDS: int(0, 30 * 86_400).default(3_600),
  GATEWAY_CACHE_LINK_PAGES_SECONDS: int(0, 86_400).default(60),
  GATEWAY_CACHE_STATS_RECENT_SECONDS: int(0, 86_400).default(60),
  GATEWAY_CACHE_STATS_CLOSED_SECONDS: int(0, 365 * 86_400).default(7 * 86_400),
  GATEWAY_CACHE_PORTRAIT_SECONDS: int(0, 30 * 86_400).default(600),
  GATEWAY_CACHE_REVIEW_STATUS_SECONDS: int(0, 86_400).default(30),
  GATEWAY_CACHE_GROWTH_USERS_SECONDS: int(0, 30 * 86_400).default(3_600),
  GATEWAY_QUOTA_MARGIN: z.coerce.number({ error: 'must be a number' }).gt(0, 'must be above 0').max(1, 'must be at most 1').default(0.9),
  GATEWAY_QUOTA_JMLINK_LINKS_PER_MINUTE: int(1, 1_000_000_000).optional(),
  GATEWAY_QUOTA_JMLINK_STATS_PER_MINUTE: int(1, 1_000_000_000).optional(),
  GATEWAY_QUOTA_GROWTH_PER_SECOND: int(1, 1_000_000_000).optional(),
  GATEWAY_QUOTA_MAX_WAIT_MS: int(0, 300_000).default(10_000),
  GATEWAY_TOKEN_REQUESTS_PER_SECOND: int(1, 1_000_000_000).default(DEFAULT_FAIRNESS.requestsPerSecond),
  GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE: int(1, 1_000_000_000).default(DEFAULT_FAIRNESS.upstreamCallsPerMinute),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  GATEWAY_DATABASE_SCHEMA: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be 1 to 63 letters, digits or _, not starting with a digit')
    .default('public'),
  GATEWAY_REDIS_PREFIX: z
    .string()
    .regex(/^[\x21-\x7e]{1,64}$/, 'must be 1 to 64 printable characters without spaces')
    .default('jg:'),
  GATEWAY_SHUTDOWN_GRACE_MS: int(0, 600_000).default(15_000),
  GATEWAY_METRICS_TOKEN_SHA256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of the metrics token, 64 hex characters (npm run token prints one)')
    .optional(),
  GATEWAY_METRICS_ADDRESS: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9464')
    .transform((v) => {
      const at = v.lastIndexOf(':');
      return { host: v.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(v.slice(at + 1)) };
    })
    .optional(),
  GATEWAY_CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    )
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'each origin is scheme://host[:port], e.g. https://dashboard.example.com')))
    .optional(),
  GATEWAY_INTROSPECTION: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  GATEWAY_GRAPHIQL: z.enum(['true', 'false']).optional(),
  GATEWAY_TRUSTED_DOCUMENTS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  GATEWAY_PERSISTED_DOCUMENTS: z.string().min(1).optional(),
});

/** Settings that do not make a configuration (the demo still runs with them). */
const NEUTRAL = new Set(['PORT', 'HOST', 'LOG_LEVEL']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** ` (did you mean X?)` for the known name closest to a misspelt one, when one is close. */
/** Settings that were replaced, and what replaced them. */
const RETIRED: Record<string, string> = {
  GATEWAY_TOKEN_REQUESTS_PER_MINUTE:
    'no longer a setting: a token\'s upstream calls are limited by GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE, and its requests only by the flood guard GATEWAY_TOKEN_REQUESTS_PER_SECOND (README, "Fairness between callers")',
};

function closest(name: string, known: ReadonlySet<string>): string {
  let best = '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean ${best}?)` : '';
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

export interface Credentials {
  username: string;
  password: string;
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
  limits: DocumentLimits & RuleLimits & CostLimits & { maxBodyBytes: number };
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
  /** Serve GraphiQL to browsers at the GraphQL path; defaults to the introspection setting. */
  graphiql: boolean;
  /**
   * Persisted documents: the manifests (files or folders of them; the gateway's own generated one
   * first), and whether only their documents may run.
   */
  documents: { manifests: string[]; trusted: boolean };
  /** True when no Jiguang credential of any kind is configured: `npm start` then runs the emulator. */
  demo: boolean;
}

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
  for (const name of Object.keys(raw)) {
    if (/^(JIGUANG|GATEWAY)_/.test(name) && !known.has(name)) problems.push(`${name}: ${RETIRED[name] ?? `not a setting of the gateway${closest(name, known)}`}`);
  }
  // Demo mode only when nothing of the gateway is configured at all: a typo must never start it.
  const ours = Object.keys(raw).filter((name) => known.has(name) && !NEUTRAL.has(name));
  const demo = ours.length === 0 && !problems.some((p) => / not a setting /.test(p));
  const credentialVariables = ['JIGUANG_DEV_KEY', 'JIGUANG_GROWTH_PROJECT_ID', 'JIGUANG_APPS', 'JIGUANG_APPS_FILE'];
  if (demo && raw.NODE_ENV === 'production') {
    problems.push('NODE_ENV=production and nothing configured: production never runs the demo; set the Jiguang credentials (README, "Configuration")');
  }
  if (demo && raw.HOST !== undefined && !LOOPBACK.has(raw.HOST)) {
    problems.push(`HOST: the demo (nothing configured) listens on loopback only, not ${raw.HOST.slice(0, 60)}; configure the gateway to serve other hosts`);
  }
  if (!demo && ours.length > 0 && credentialVariables.every((name) => raw[name] === undefined)) {
    problems.push(
      `no Jiguang credentials: ${ours.slice(0, 3).join(', ')}${ours.length > 3 ? ', …' : ''} ${ours.length === 1 ? 'is' : 'are'} set, so this is not the demo; set JIGUANG_APPS or JIGUANG_APPS_FILE, and JIGUANG_DEV_KEY/JIGUANG_DEV_SECRET or JIGUANG_GROWTH_PROJECT_ID/JIGUANG_GROWTH_PROJECT_SECRET as needed`,
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
  problems.push(...readManifests(manifests).problems);
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
      graphiql: e.GATEWAY_GRAPHIQL === undefined ? e.GATEWAY_INTROSPECTION : e.GATEWAY_GRAPHIQL === 'true',
      documents: { manifests, trusted: e.GATEWAY_TRUSTED_DOCUMENTS },
      demo,
    },
  };
}

function readCallers(text: string | undefined, problems: string[]): CallerConfig[] {
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.push('GATEWAY_TOKENS: is not valid JSON (expected an array of {name, sha256, role, appKeys?})');
    return [];
  }
  const parsed = z.array(callerSchema).min(1).safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`GATEWAY_TOKENS[${issue.path.join('.')}]: ${issue.message}`);
    return [];
  }
  return parsed.data;
}

function readApps(inline: string | undefined, file: string | undefined, problems: string[]): ConfiguredApp[] {
  let text = inline;
  const source = file ? `JIGUANG_APPS_FILE (${file})` : 'JIGUANG_APPS';
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(`${source}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return [];
    }
  }
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.push(`${source}: is not valid JSON (expected an array of {appKey, masterSecret, name, androidPackage, groupName?})`);
    return [];
  }
  const parsed = z.array(appSchema).safeParse(json);
  if (!parsed.success) {
    // Paths only, never values: the values include master secrets.
    for (const issue of parsed.error.issues) problems.push(`${source}[${issue.path.join('.')}]: ${issue.message}`);
    return [];
  }
  const seen = new Set<string>();
  for (const app of parsed.data) {
    if (seen.has(app.appKey)) problems.push(`${source}: app ${app.appKey} is listed twice`);
    seen.add(app.appKey);
  }
  return parsed.data;
}
