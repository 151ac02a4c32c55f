// The production entry points: `npm start` (build, then `node dist/main.js`) with nothing configured
// runs the demo; a SIGTERM or SIGINT sent to the `npm start` process itself — as a container runtime
// does — or to `node dist/main.js` stops the gateway with status 0 and frees its port; SIGTERM drains
// (readiness false, in-flight requests finish, new connections refused); start-up failures are plain lines;
// `pg` and `redis` are loaded only when DATABASE_URL or REDIS_URL asks for them.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.js';
import { hashToken, newToken } from '../src/auth/callers.js';
import type { App, CreateAppPayload, ShortLinkConnection } from '../src/generated/graphql.js';

const root = new URL('..', import.meta.url).pathname;
const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', ...extra });

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}, 120_000);

/** Starts a process and waits until it prints its GraphQL endpoint (and the demo token, in demo mode). */
async function started(child: ChildProcess): Promise<{ url: string; token: string; output: () => string }> {
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const deadline = Date.now() + 60_000;
  while (!/demo admin token/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const url = /GraphQL endpoint (\S+)/.exec(out)?.[1];
  if (!url) throw new Error(`did not start:\n${out}`);
  return { url, token: /demo admin token .*: (\S+)/.exec(out)![1]!, output: () => out };
}

async function portIsFree(url: string): Promise<boolean> {
  const port = Number(new URL(url).port);
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Posts a document; `T` is the shape of `data` it asks for. */
const gql = async <T = unknown>(url: string, token: string, query: string) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  return (await res.json()) as { data?: T | null; errors?: unknown[] };
};
/** What `{ app { shortLinks { totalCount } } }` answers. */
type LinkCount = { app: { shortLinks: Pick<ShortLinkConnection, 'totalCount'> } };

/** `node dist/main.js` configured with a reader token and a file registry, its JMLink at `emulator`; waits until it serves. */
async function configuredGateway(emulator: Emulator, extra: Record<string, string> = {}) {
  const token = newToken();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: env({
      JIGUANG_APPS: JSON.stringify(emulator.apps.map(({ appKey, masterSecret, name, androidPackage }) => ({ appKey, masterSecret, name, androidPackage }))),
      GATEWAY_TOKENS: JSON.stringify([{ name: 'reader', sha256: hashToken(token), role: 'reader' }]),
      GATEWAY_REGISTRY_KEY: randomBytes(32).toString('hex'),
      GATEWAY_REGISTRY_FILE: join(mkdtempSync(join(tmpdir(), 'gateway-')), 'registry.json'),
      JIGUANG_JMLINK_URL: emulator.url,
      ...extra,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  while (!/GraphQL endpoint/.test(out) && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const url = /GraphQL endpoint (\S+)/.exec(out)?.[1];
  if (!url) throw new Error(`did not start:\n${out}`);
  return { child, token, url, output: () => out };
}

describe('npm start', () => {
  it('runs the demo (DEMO MODE first, a token, every service) and stops on a SIGTERM sent to the npm process', { timeout: 90_000 }, async () => {
    const child = spawn('npm', ['start'], { cwd: root, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const { url, token, output } = await started(child);
    expect(
      output()
        .split('\n')
        .find((l) => l.startsWith('jiguang-gateway:')),
    ).toMatch(/^jiguang-gateway: DEMO MODE/);
    const created = await gql<{ createApp: { app: Pick<App, 'appKey'> } & Pick<CreateAppPayload, 'secretStored'> }>(
      url,
      token,
      'mutation { createApp(input: { name: "Started", androidPackage: "com.example.started" }) { app { appKey } secretStored } }',
    );
    expect(created.data!.createApp.secretStored).toBe(true);
    const links = await gql<LinkCount>(url, token, `{ app(appKey: "${created.data!.createApp.app.appKey}") { shortLinks(first: 1) { totalCount } } }`);
    expect(links.data!.app.shortLinks.totalCount).toBeGreaterThan(0);
    expect((await gql(url, token, '{ growthUser(identityName: "phone", value: "13800000000") { cuid } }')).errors).toBeUndefined();
    child.kill('SIGTERM'); // the npm process itself, as a container runtime would
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(await portIsFree(url)).toBe(true);
  });
});

describe('node dist/main.js', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('stops on %s with status 0 and frees its port', { timeout: 60_000 }, async (signal) => {
    const child = spawn(process.execPath, ['dist/main.js'], { cwd: root, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const { url } = await started(child);
    child.kill(signal);
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(await portIsFree(url)).toBe(true);
  });

  it('a log line reaches stdout within a second at low traffic', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['dist/main.js'], { cwd: root, env: env({ LOG_LEVEL: 'info' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (c) => (stdout += c));
    try {
      const { url, token } = await started(child);
      await new Promise((r) => setTimeout(r, 1_200)); // the start-up lines are out
      expect(stdout).toMatch(/"msg":"gateway started"/);
      await gql(url, token, '{ apps { appKey } }');
      const sent = Date.now();
      while (!/"msg":"request"/.test(stdout) && Date.now() - sent < 1_000) await new Promise((r) => setTimeout(r, 20));
      expect(stdout).toMatch(/"msg":"request"/);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('Ctrl-C as a terminal sends it (SIGINT to node, and again from npm a moment later) drains and exits 0', { timeout: 60_000 }, async () => {
    // A request in flight (Jiguang answers in 1.5 s), so the second SIGINT arrives during the drain.
    const emulator = await startEmulator({ latencyMs: 1_500 });
    const { child, token, url, output } = await configuredGateway(emulator, { LOG_LEVEL: 'info' });
    try {
      const exited = once(child, 'exit');
      const slow = gql<LinkCount>(url, token, `{ app(appKey: "${emulator.apps[0]!.appKey}") { shortLinks(first: 2) { totalCount } } }`);
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 50));
      expect(child.exitCode).toBeNull(); // still draining: the request is in flight
      child.kill('SIGINT');
      const answer = await slow;
      expect(answer.data!.app.shortLinks.totalCount).toBe(600);
      const [code] = await exited;
      expect(code).toBe(0);
      expect(output()).toMatch(/"msg":"stopped"/);
      expect(output()).not.toMatch(/exiting at once/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await emulator.close();
    }
  });

  it('drains on SIGTERM: /ready turns 503 at once, the in-flight request finishes, then the port closes', { timeout: 60_000 }, async () => {
    // Jiguang answering slowly (1.5 s a call), so a request is in flight when the signal comes.
    const emulator = await startEmulator({ latencyMs: 1_500 });
    const { child, token, url } = await configuredGateway(emulator, { GATEWAY_SHUTDOWN_GRACE_MS: '15000', JIGUANG_PORTRAIT_URL: emulator.url });
    try {
      const base = new URL(url).origin;
      const keptAlive = new Agent({ connections: 1 });
      const before = await request(`${base}/ready`, { dispatcher: keptAlive });
      expect(before.statusCode).toBe(200);
      // Where this replica keeps its registry and traffic state, so half-configured replicas show.
      expect(await before.body.json()).toMatchObject({ status: 'ready', registry: 'file', shared: { kind: 'process' } });
      const slow = gql<LinkCount>(url, token, `{ app(appKey: "${emulator.apps[0]!.appKey}") { shortLinks(first: 2) { totalCount } } }`);
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      // Draining: no new connection is accepted; on the connection kept alive from before, /ready
      // says 503 draining and the answer closes the connection.
      const ready = await request(`${base}/ready`, { dispatcher: keptAlive });
      expect(ready.statusCode).toBe(503);
      expect(ready.headers.connection).toBe('close');
      expect(((await ready.body.json()) as { status: string }).status).toBe('draining');
      await expect(request(`${base}/health`, { dispatcher: new Agent() })).rejects.toThrow();
      const answer = await slow;
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.app.shortLinks.totalCount).toBe(600);
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(await portIsFree(url)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await emulator.close();
    }
  });

  it('a port in use is one plain line, status 1, no stack trace', { timeout: 30_000 }, async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, ['dist/main.js'], { cwd: root, env: env({ PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c) => (err += c));
      const [code] = await once(child, 'exit');
      expect(code).toBe(1);
      expect(err).toMatch(/^jiguang-gateway: cannot listen on 127\.0\.0\.1:\d+: the port is in use by another process\.\n {2}Stop it, or set PORT to a free port\.\n$/);
      expect(err).not.toMatch(/\bat .*\.js:\d+/);
    } finally {
      blocker.close();
    }
  });

  it('a configuration problem is listed, status 1, no stack trace', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, ['dist/main.js'], { cwd: root, env: env({ GATEWAY_TRUSTED_DOCUMENT: 'true' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(err).toContain('GATEWAY_TRUSTED_DOCUMENT: not a setting of the gateway (did you mean GATEWAY_TRUSTED_DOCUMENTS?)');
    expect(err).not.toMatch(/\bat .*\.js:\d+/);
  });
});

describe('what node dist/main.js loads', () => {
  /** A package of the PostgreSQL or Redis clients: none may load unless DATABASE_URL or REDIS_URL is set. */
  const DATABASE_CLIENT = /^(pg|pg-.+|pgpass|postgres-.+|redis|@redis\/.+)$/;

  /**
   * Starts `node dist/main.js` under the module log (test/helpers/loaded-modules.mjs), runs a query
   * with `token` (the demo's own when not given), stops it with SIGTERM, and returns every package
   * the process resolved or required, and whether it loaded its own entry point.
   */
  async function packagesLoaded(extra: Record<string, string>, token?: string): Promise<{ packages: Set<string>; entryPoint: boolean }> {
    const log = join(mkdtempSync(join(tmpdir(), 'modules-')), 'loaded.log');
    const child = spawn(process.execPath, ['--import', './test/helpers/loaded-modules.mjs', 'dist/main.js'], {
      cwd: root,
      env: env({ LOADED_MODULES_LOG: log, ...extra }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      const ready = token ? /GraphQL endpoint/ : /demo admin token/;
      const deadline = Date.now() + 60_000;
      while (!ready.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const url = /GraphQL endpoint (\S+)/.exec(out)?.[1];
      if (!url) throw new Error(`did not start:\n${out}`);
      const answer = await gql<{ apps: { appKey: string }[] }>(url, token ?? /demo admin token .*: (\S+)/.exec(out)![1]!, '{ apps { appKey name } }');
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.apps.length).toBeGreaterThan(0);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const urls = readFileSync(log, 'utf8').split('\n');
    const packages = new Set(urls.flatMap((u) => /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
    return { packages, entryPoint: urls.includes(new URL('../dist/main.js', import.meta.url).href) };
  }

  it('the demo loads neither pg nor redis', { timeout: 60_000 }, async () => {
    const { packages, entryPoint } = await packagesLoaded({});
    // The log saw the whole process: its entry point and the packages it does use.
    expect(entryPoint).toBe(true);
    expect(packages).toContain('graphql');
    expect(packages).toContain('@apollo/server');
    expect([...packages].filter((p) => DATABASE_CLIENT.test(p))).toEqual([]);
  });

  it('a configured gateway with the file registry and no REDIS_URL loads neither either', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    const token = newToken();
    try {
      const { packages } = await packagesLoaded(
        {
          JIGUANG_APPS: JSON.stringify(emulator.apps.map(({ appKey, masterSecret, name, androidPackage }) => ({ appKey, masterSecret, name, androidPackage }))),
          GATEWAY_TOKENS: JSON.stringify([{ name: 'modules', sha256: hashToken(token), role: 'reader' }]),
          GATEWAY_REGISTRY_KEY: randomBytes(32).toString('hex'),
          GATEWAY_REGISTRY_FILE: join(mkdtempSync(join(tmpdir(), 'modules-')), 'registry.json'),
          JIGUANG_JMLINK_URL: emulator.url,
          JIGUANG_PORTRAIT_URL: emulator.url,
        },
        token,
      );
      expect(packages).toContain('graphql');
      expect([...packages].filter((p) => DATABASE_CLIENT.test(p))).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});
