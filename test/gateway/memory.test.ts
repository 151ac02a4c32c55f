// Memory stays bounded under attack (issue 14, item 7). The gateway runs as its own process, started
// the way `npm start` starts it (package.json's start script without the build: its malloc setting,
// `node` with its V8 flags, dist/main.js), against the emulator in this process. 11,000 cases of the fuzz generator —
// valid, mutated and hostile documents and variables, malformed HTTP — go to it four at a time; its
// RSS (VmRSS in /proc) is at most 200 MB right after, and within 30 MB of where it started after 60 s
// idle. What kept it from that on main: Apollo's parsed-document store (88 MB of ASTs its JSON-sized
// budget did not see), and JSON.parse of bodies nested 400,000 deep, after which glibc's malloc kept
// tens of MB it never gave back. Smaller checks: the document store keeps to its budget, and a body
// nested past the limit is refused before it is parsed.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.js';
import { hashToken, newToken } from '../../src/auth/callers.js';
import { loadConfig } from '../../src/config/index.js';
import { documentBytes, parsedDocumentStore } from '../../src/limits/caches.js';
import type { FuzzContext } from '../fuzz/generate.js';
import { FUZZ_ENV, type LinkPage, learnFuzzContext, oneLine, runFuzz, type Summary } from '../fuzz/run.js';

const root = new URL('../..', import.meta.url).pathname;
const CASES = 11_000;
const SEED = 7;
const IDLE_MS = 60_000;
const MAX_RSS_MB = 200;
const MAX_IDLE_GROWTH_MB = 30;

const rssMb = (pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS') => {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]) / 1024;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the parsed-document store', () => {
  it('counts what a document holds (its tokens and its text), not its JSON', () => {
    const query = `{ apps { name shortLinks(first: 20) { nodes { key url stats(from: "2026-01-01", to: "2026-01-31") { totals { clicks } } } } } }`;
    const document = parse(query);
    const estimate = documentBytes(document);
    expect(estimate).toBeGreaterThan(4 * JSON.stringify(document).length);
    // A megabyte of comment is one token, but its text stays in the document.
    expect(documentBytes(parse(`# ${'x'.repeat(1_000_000)}\n{ apps { name } }`))).toBeGreaterThan(1_000_000);
  });

  it('keeps within its byte budget, and does not store a document over its entry limit', async () => {
    const store = parsedDocumentStore(1024 * 1024, 256 * 1024);
    for (let i = 0; i < 500; i++) await store.set(`k${i}`, parse(`{ ${Array.from({ length: 20 }, (_, j) => `f${i}_${j}: apps { name }`).join(' ')} }`));
    expect(store.usage().bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(store.usage().entries).toBeGreaterThan(10);
    await store.set('big', parse(`# ${'x'.repeat(300_000)}\n{ apps { name } }`));
    expect(await store.get('big')).toBeUndefined();
  });
});

describe(`memory under attack: ${CASES} fuzz cases (seed ${SEED}) against node dist/main.js`, () => {
  let emulator: Emulator;
  let child: ChildProcess;
  let graphqlUrl: string;
  let tokens: { admin: string; reader: string; scoped: string };
  let env: Record<string, string>;
  let output = '';
  const figures: { start?: number; afterCampaign?: number; peak?: number; afterIdle?: number } = {};
  let summary: Summary;

  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    emulator = await startEmulator({ rateLimits: { jmlinkLinksPerMinute: 1e9, jmlinkStatsPerMinute: 1e9, growthPerSecond: 1e9 }, verificationReviewDelayMs: 50 });
    tokens = { admin: newToken(), reader: newToken(), scoped: newToken() };
    const u = emulator.url;
    env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      ...FUZZ_ENV,
      GATEWAY_TOKENS: JSON.stringify([
        { name: 'admin', sha256: hashToken(tokens.admin), role: 'admin' },
        { name: 'reader', sha256: hashToken(tokens.reader), role: 'reader' },
        { name: 'scoped', sha256: hashToken(tokens.scoped), role: 'reader', appKeys: [emulator.apps[1]!.appKey] },
      ]),
      JIGUANG_APPS: JSON.stringify(emulator.apps.map(({ appKey, masterSecret, name, androidPackage }) => ({ appKey, masterSecret, name, androidPackage }))),
      JIGUANG_DEV_KEY: emulator.developer.devKey,
      JIGUANG_DEV_SECRET: emulator.developer.devSecret,
      JIGUANG_GROWTH_PROJECT_ID: emulator.growthProject.projectId,
      JIGUANG_GROWTH_PROJECT_SECRET: emulator.growthProject.projectSecret,
      GATEWAY_REGISTRY_KEY: randomBytes(32).toString('hex'),
      GATEWAY_REGISTRY_FILE: join(mkdtempSync(join(tmpdir(), 'memory-')), 'registry.json'),
      JIGUANG_JMLINK_URL: u,
      JIGUANG_PORTRAIT_URL: u,
      JIGUANG_PUSH_ADMIN_URL: u,
      JIGUANG_VERIFICATION_ADMIN_URL: u,
      JIGUANG_GROWTH_URL: u,
    };
    // Exactly what `npm start` runs after its build; the script ends by exec-ing node, so the shell's
    // process becomes the gateway's.
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    child = spawn('sh', ['-c', start], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
    child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
    const deadline = Date.now() + 30_000;
    while (!/GraphQL endpoint (\S+)/.test(output)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the gateway did not start:\n${output}`);
      await sleep(25);
    }
    graphqlUrl = /GraphQL endpoint (\S+)/.exec(output)![1]!;
    expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')).toContain('dist/main.js');
  }, 180_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await emulator?.close();
  });

  /** What the generator needs to know, learnt from the running gateway as the fuzz test learns it. */
  async function fuzzContext(): Promise<FuzzContext> {
    const loaded = loadConfig(env);
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    return learnFuzzContext(
      emulator.apps.map((a) => a.appKey),
      loaded.config.limits,
      async (query, variables) => {
        const res = await fetch(graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.admin}` },
          body: JSON.stringify({ query, variables }),
        });
        return ((await res.json()) as { data?: { app?: { shortLinks?: LinkPage } } }).data?.app?.shortLinks;
      },
    );
  }

  it(`RSS is at most ${MAX_RSS_MB} MB right after the campaign`, { timeout: 240_000 }, async () => {
    const pid = child.pid!;
    const ctx = await fuzzContext();
    await sleep(1_000);
    figures.start = rssMb(pid);
    const base = new URL(graphqlUrl).origin;
    const started = performance.now();
    summary = await runFuzz({ url: base, tokens, secrets: [] }, ctx, {
      seed: SEED,
      indices: Array.from({ length: CASES }, (_, i) => i),
      concurrency: 4,
      // Answers are not judged here (test/fuzz/fuzz.test.ts does): only that the campaign ran.
      boundMs: 60_000,
      hangMs: 10_000,
    });
    figures.afterCampaign = rssMb(pid);
    figures.peak = rssMb(pid, 'VmHWM');
    console.log(
      `memory: RSS ${figures.start.toFixed(1)} MB at start, ${figures.afterCampaign.toFixed(1)} MB right after ${CASES} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (peak ${figures.peak.toFixed(1)} MB)\n  ${oneLine(summary)}`,
    );
    expect(summary.total).toBe(CASES);
    expect(summary.health.status).toBe(200);
    expect(child.exitCode, output.slice(-2_000)).toBeNull();
    expect(figures.afterCampaign).toBeLessThanOrEqual(MAX_RSS_MB);
  });

  it(`RSS is back within ${MAX_IDLE_GROWTH_MB} MB of the start after ${IDLE_MS / 1000} s idle`, { timeout: IDLE_MS + 20_000 }, async () => {
    expect(figures.start, 'the campaign ran').toBeDefined();
    const samples: number[] = [];
    for (let waited = 0; waited < IDLE_MS; waited += 10_000) {
      await sleep(10_000);
      samples.push(Math.round(rssMb(child.pid!)));
    }
    figures.afterIdle = rssMb(child.pid!);
    console.log(`memory: RSS ${figures.afterIdle.toFixed(1)} MB after ${IDLE_MS / 1000} s idle (every 10 s: ${samples.join(', ')} MB); ${figures.start!.toFixed(1)} MB at start`);
    expect(figures.afterIdle).toBeLessThanOrEqual(figures.start! + MAX_IDLE_GROWTH_MB);
  });

  it('a JSON body nested past the limit is refused before it is parsed, naming the part', async () => {
    const deep = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    const post = async (body: string) => {
      const res = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.reader}` }, body });
      return { status: res.status, body: (await res.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] } };
    };
    const variables = await post(`{"query":"{ __typename }","variables":{"a":${deep}}}`);
    expect(variables.status).toBe(400);
    expect(variables.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'nesting' });
    expect(variables.body.errors![0]!.message).toContain('variables');
    const whole = await post(deep);
    expect(whole.status).toBe(400);
    expect(whole.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'nesting' });
    // Nested within the limit, a body is parsed as before.
    const fine = await post(`{"query":"{ __typename }","variables":{"a":${'['.repeat(60)}${']'.repeat(60)}}}`);
    expect(fine.status).toBe(200);
  });
});
