// Configuration is validated once, with every problem reported together.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../src/config/env.js';
import { loadConfig } from '../src/config/index.js';

describe('loadConfig', () => {
  it('with nothing set is demo mode on the real Jiguang hosts', () => {
    const r = loadConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.demo).toBe(true);
    expect(r.config.port).toBe(4000);
    expect(r.config.upstreams.jmlink).toBe('https://api.jmlk.co');
    expect(r.config.upstreams.portrait).toBe('https://portrait-api.jiguang.cn');
  });

  it('reports every problem at once, naming the variable and never echoing a secret', () => {
    const r = loadConfig({
      PORT: 'eighty',
      JIGUANG_JMLINK_URL: 'ftp://x',
      JIGUANG_DEV_KEY: 'k',
      JIGUANG_APPS: JSON.stringify([{ appKey: 'a b', masterSecret: 'super-secret-value', name: '', androidPackage: 'p' }]),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.problems.join('\n');
    expect(text).toMatch(/PORT/);
    expect(text).toMatch(/JIGUANG_JMLINK_URL/);
    expect(text).toMatch(/JIGUANG_DEV_SECRET: set together with JIGUANG_DEV_KEY/);
    expect(text).toMatch(/GATEWAY_REGISTRY_KEY: required/);
    expect(r.problems.length).toBeGreaterThanOrEqual(3);
    expect(text).not.toContain('super-secret-value');
  });

  it('checks the apps and asks for a registry key once credentials are configured', () => {
    const r = loadConfig({ JIGUANG_APPS: JSON.stringify([{ appKey: 'a b', masterSecret: 'super-secret-value', name: '', androidPackage: 'p' }]) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toContain('JIGUANG_APPS[0.appKey]: must be letters and digits');
    expect(r.problems.join('\n')).toMatch(/GATEWAY_TOKENS: required/);
    expect(r.problems).toContain('JIGUANG_APPS[0.name]: Too small: expected string to have >=1 characters');
    expect(r.problems.join('\n')).not.toContain('super-secret-value');
  });

  it('accepts a full production configuration', () => {
    const r = loadConfig({
      PORT: '8080',
      JIGUANG_DEV_KEY: 'devkey',
      JIGUANG_DEV_SECRET: 'devsecret',
      JIGUANG_APPS: JSON.stringify([{ appKey: 'abc123', masterSecret: 's', name: 'Shop', androidPackage: 'com.example.shop' }]),
      GATEWAY_REGISTRY_KEY: 'a'.repeat(64),
      GATEWAY_TOKENS: JSON.stringify([{ name: 'ops', sha256: 'b'.repeat(64), role: 'admin' }]),
      JIGUANG_JMLINK_URL: 'http://127.0.0.1:4010/',
    });
    expect(r.ok && r.config).toMatchObject({ demo: false, port: 8080, devCredentials: { username: 'devkey' }, upstreams: { jmlink: 'http://127.0.0.1:4010' } });
  });

  it('reports an unknown JIGUANG_*/GATEWAY_* variable, naming the closest known one, and never starts the demo for it', () => {
    const r = loadConfig({ JIGUANG_APP_FILE: '/run/secrets/apps.json' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toContain('JIGUANG_APP_FILE: not a setting of the gateway (did you mean JIGUANG_APPS_FILE?)');
    const far = loadConfig({ GATEWAY_SOMETHING_ELSE_ENTIRELY: '1' });
    expect(!far.ok && far.problems[0]).toBe('GATEWAY_SOMETHING_ELSE_ENTIRELY: not a setting of the gateway');
  });

  it('says what replaced a retired setting: the per-minute request limit became a per-second flood guard', () => {
    const r = loadConfig({ GATEWAY_TOKEN_REQUESTS_PER_MINUTE: '1200' });
    expect(!r.ok && r.problems[0]).toMatch(/^GATEWAY_TOKEN_REQUESTS_PER_MINUTE: no longer a setting: .*GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE.*GATEWAY_TOKEN_REQUESTS_PER_SECOND/);
    const demo = loadConfig({});
    expect(demo.ok && demo.config.fairness).toEqual({ requestsPerSecond: 10_000, upstreamCallsPerMinute: 600 });
  });

  it('refuses production settings without Jiguang credentials instead of running the demo', () => {
    const r = loadConfig({
      GATEWAY_TOKENS: JSON.stringify([{ name: 'ops', sha256: 'b'.repeat(64), role: 'admin' }]),
      GATEWAY_REGISTRY_KEY: 'a'.repeat(64),
      GATEWAY_INTROSPECTION: 'false',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.join('\n')).toMatch(/^no Jiguang credentials: GATEWAY_TOKENS, GATEWAY_REGISTRY_KEY, GATEWAY_INTROSPECTION are set, so this is not the demo/m);
  });

  it('.env.example lists every setting with its default', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const listed = new Map([...example.matchAll(/^# ([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const [name, schema] of Object.entries(envSchema.shape)) {
      expect(listed.has(name), `${name} is missing from .env.example`).toBe(true);
      const parsed = (schema as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(undefined);
      const fallback = parsed.success && parsed.data !== undefined ? String(parsed.data) : '';
      expect(listed.get(name), `${name}'s default in .env.example`).toBe(fallback);
    }
  });

  it('names the setting a variable near one outside the gateway namespaces was meant to be', () => {
    const problems = (env: Record<string, string>) => {
      const r = loadConfig(env);
      return r.ok ? [] : r.problems;
    };
    expect(problems({ DATABSE_URL: 'postgres://x@127.0.0.1/test' })).toContain('DATABSE_URL: not a setting of the gateway (did you mean DATABASE_URL?)');
    expect(problems({ REDIS_URI: 'redis://127.0.0.1:6379' })).toContain('REDIS_URI: not a setting of the gateway (did you mean REDIS_URL?)');
    expect(problems({ PROT: '4000' })).toContain('PROT: not a setting of the gateway (did you mean PORT?)');
    expect(problems({ LOG_LEVL: 'debug' })).toContain('LOG_LEVL: not a setting of the gateway (did you mean LOG_LEVEL?)');
    expect(problems({ OTEL_SERVICE_NAM: 'x' })).toContain('OTEL_SERVICE_NAM: not a setting of the gateway (did you mean OTEL_SERVICE_NAME?)');
    // What a shell, Node or PostgreSQL's tools set is not taken for a typo.
    const usual = {
      HOME: '/root',
      PATH: '/usr/bin',
      HOSTNAME: 'vm',
      TERM: 'xterm',
      USER: 'root',
      NODE_OPTIONS: '',
      NODE_PATH: '',
      PGPORT: '5432',
      REDIS_PORT: '6379',
      OTEL_RESOURCE_ATTRIBUTES: '',
    };
    expect(loadConfig(usual)).toMatchObject({ ok: true, config: { demo: true } });
    expect(loadConfig({ NODE_ENV: 'development', OTEL_SERVICE_NAME: 'gw' })).toMatchObject({ ok: true });
  });

  it('refuses REDIS_URL without DATABASE_URL: a fleet cannot be half-configured', () => {
    const base = { JIGUANG_DEV_KEY: 'devkey', JIGUANG_DEV_SECRET: 'devsecret', GATEWAY_REGISTRY_KEY: 'a'.repeat(64) };
    const half = loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379', DATABSE_URL: 'postgres://postgres@127.0.0.1/test' });
    expect(half.ok).toBe(false);
    expect(!half.ok && half.problems.join('\n')).toMatch(/REDIS_URL is set without DATABASE_URL/);
    const whole = loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://postgres@127.0.0.1/test' });
    expect(whole.ok ? '' : whole.problems.join('\n')).not.toMatch(/REDIS_URL/);
  });

  it('runs the demo on loopback only, and never under NODE_ENV=production', () => {
    expect(loadConfig({ PORT: '0', LOG_LEVEL: 'warn' })).toMatchObject({ ok: true, config: { demo: true } });
    // Browser origins do not make a configuration: a frontend can be tried against the demo.
    expect(loadConfig({ GATEWAY_CORS_ORIGINS: 'http://localhost:5173' })).toMatchObject({ ok: true, config: { demo: true, corsOrigins: ['http://localhost:5173'] } });
    expect(loadConfig({ HOST: '::1' })).toMatchObject({ ok: true, config: { demo: true, host: '::1' } });
    const open = loadConfig({ HOST: '0.0.0.0' });
    expect(!open.ok && open.problems.join('\n')).toMatch(/^HOST: the demo \(nothing configured\) listens on loopback only, not 0\.0\.0\.0/);
    const production = loadConfig({ NODE_ENV: 'production' });
    expect(!production.ok && production.problems.join('\n')).toMatch(/production never runs the demo/);
  });
});
