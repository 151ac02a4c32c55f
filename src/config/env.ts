// The environment variables of the gateway, their types, ranges and defaults (zod). What they mean
// together (the demo, credentials in pairs, the sections of GatewayConfig) is src/config/index.ts.
import { z } from 'zod';
import { DEFAULT_FAIRNESS } from './settings.js';

export const DEFAULT_UPSTREAMS = {
  jmlink: 'https://api.jmlk.co',
  portrait: 'https://portrait-api.jiguang.cn',
  pushAdmin: 'https://admin.jpush.cn',
  verificationAdmin: 'https://admin.verification.jpush.cn',
  growth: 'https://growth.jiguang.cn',
} as const;

const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

export const envSchema = z.object({
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
  GATEWAY_COMPILE_AFTER_USES: int(1, 1_000).default(2),
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
