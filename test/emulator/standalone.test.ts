// `npm run emulator`: environment validation, the printed lines a gateway needs, and a clean stop.
import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { gatewayExports, readStandaloneEnv, shellWord, UPSTREAM_URL_VARIABLES } from '../../emulator/standalone.js';
import { basic, call } from './util.js';

describe('readStandaloneEnv', () => {
  it('has defaults, and empty values count as unset', () => {
    for (const env of [{}, { EMULATOR_SEED: '', EMULATOR_PORT: ' ' }]) {
      expect(readStandaloneEnv(env)).toEqual({
        ok: true,
        config: { port: 4010, host: '127.0.0.1', options: { seed: 1, latencyMs: 0, rateLimits: { jmlinkLinksPerMinute: 100, jmlinkStatsPerMinute: 500, growthPerSecond: 100 } } },
      });
    }
  });

  it('reads every variable', () => {
    const r = readStandaloneEnv({
      EMULATOR_PORT: '0',
      EMULATOR_HOST: '0.0.0.0',
      EMULATOR_SEED: '42',
      EMULATOR_LATENCY_MS: '25',
      EMULATOR_JMLINK_LINKS_PER_MINUTE: '3',
      EMULATOR_JMLINK_STATS_PER_MINUTE: '4',
      EMULATOR_GROWTH_PER_SECOND: '5',
    });
    expect(r).toEqual({
      ok: true,
      config: { port: 0, host: '0.0.0.0', options: { seed: 42, latencyMs: 25, rateLimits: { jmlinkLinksPerMinute: 3, jmlinkStatsPerMinute: 4, growthPerSecond: 5 } } },
    });
  });

  it('reports every invalid variable at once, by name', () => {
    const r = readStandaloneEnv({
      EMULATOR_PORT: '70000',
      EMULATOR_SEED: '-1',
      EMULATOR_LATENCY_MS: '1.5',
      EMULATOR_JMLINK_LINKS_PER_MINUTE: '0',
      EMULATOR_JMLINK_STATS_PER_MINUTE: 'many',
      EMULATOR_GROWTH_PER_SECOND: '1e3',
    });
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems).toHaveLength(6);
    expect(problems[0]).toBe('EMULATOR_PORT must be a port number (0 picks a free one), got "70000"');
    for (const [i, name] of [
      'EMULATOR_PORT',
      'EMULATOR_SEED',
      'EMULATOR_LATENCY_MS',
      'EMULATOR_JMLINK_LINKS_PER_MINUTE',
      'EMULATOR_JMLINK_STATS_PER_MINUTE',
      'EMULATOR_GROWTH_PER_SECOND',
    ].entries()) {
      expect(problems[i]).toMatch(new RegExp(`^${name} must be .*, got "`));
    }
  });
});

describe('gateway export lines', () => {
  it('quote only what the shell would split or expand', () => {
    expect(shellWord('http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010');
    expect(shellWord('http://[::1]:4010')).toBe("'http://[::1]:4010'");
    expect(shellWord("it's $HOME")).toBe("'it'\\''s $HOME'");
  });

  it('set, when pasted into a shell, the apps, credentials and every upstream URL', async () => {
    const e = await startEmulator({ seed: 9 });
    try {
      e.addApp({ appKey: 'q'.repeat(24), masterSecret: 's'.repeat(24), name: "Bob's $HOME `shop`", androidPackage: 'com.example.quote', groupName: null });
      const lines = gatewayExports(e);
      expect(lines[0]).toMatch(/^export JIGUANG_APPS='\[/);
      const names = ['JIGUANG_APPS', 'JIGUANG_DEV_KEY', 'JIGUANG_DEV_SECRET', 'JIGUANG_GROWTH_PROJECT_ID', 'JIGUANG_GROWTH_PROJECT_SECRET', ...UPSTREAM_URL_VARIABLES];
      const script = `${lines.join('\n')}\nnode -e 'console.log(JSON.stringify(Object.fromEntries(process.argv.slice(1).map((k) => [k, process.env[k]]))))' ${names.join(' ')}`;
      const env = JSON.parse(execFileSync('bash', ['-c', script], { env: { PATH: process.env.PATH }, encoding: 'utf8' }));
      expect(JSON.parse(env.JIGUANG_APPS)).toEqual(
        e.apps.map(({ appKey, masterSecret, name, androidPackage, groupName }) => ({ appKey, masterSecret, name, androidPackage, groupName })),
      );
      expect(JSON.parse(env.JIGUANG_APPS)[3].name).toBe("Bob's $HOME `shop`");
      expect([env.JIGUANG_DEV_KEY, env.JIGUANG_DEV_SECRET]).toEqual([e.developer.devKey, e.developer.devSecret]);
      expect([env.JIGUANG_GROWTH_PROJECT_ID, env.JIGUANG_GROWTH_PROJECT_SECRET]).toEqual([e.growthProject.projectId, e.growthProject.projectSecret]);
      for (const v of UPSTREAM_URL_VARIABLES) expect(env[v], v).toBe(e.url);
    } finally {
      await e.close();
    }
  });
});

describe('npm run emulator', () => {
  const run = (env: Record<string, string>) =>
    spawn(process.execPath, ['--import', 'tsx', 'emulator/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });

  it('takes its settings from the environment, prints what a gateway needs and exits 0 on SIGTERM', async () => {
    const child = run({
      EMULATOR_PORT: '0',
      EMULATOR_SEED: '9',
      EMULATOR_LATENCY_MS: '50',
      EMULATOR_JMLINK_LINKS_PER_MINUTE: '1',
      EMULATOR_JMLINK_STATS_PER_MINUTE: '2',
      EMULATOR_GROWTH_PER_SECOND: '3',
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!out.includes('GATEWAY_REGISTRY_KEY')) {
        if (Date.now() > deadline) throw new Error(`no start-up output: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const url = /listening at (http:\/\/\S+)/.exec(out)![1]!;
      expect(out).toContain('FAKE demo credentials');
      expect(out).toContain('seed=9 latencyMs=50');
      const apps = JSON.parse(/^export JIGUANG_APPS='(.*)'$/m.exec(out)![1]!);
      const seeded = await startEmulator({ seed: 9 });
      expect(apps).toEqual(seeded.apps);
      await seeded.close();
      expect(out).toMatch(/^export JIGUANG_DEV_KEY=[0-9a-f]{24} JIGUANG_DEV_SECRET=[0-9a-f]{24} JIGUANG_GROWTH_PROJECT_ID=\d{8} JIGUANG_GROWTH_PROJECT_SECRET=[0-9a-f]{32}$/m);
      expect(out).toContain(`export ${UPSTREAM_URL_VARIABLES.map((v) => `${v}=${url}`).join(' ')}\n`);
      // The limit (1 list call a minute) and the latency apply.
      const t = Date.now();
      expect((await call(`${url}/v1/links`, { headers: { authorization: basic(apps[0]) } })).status).toBe(200);
      expect(Date.now() - t).toBeGreaterThanOrEqual(45);
      const over = await call(`${url}/v1/links`, { headers: { authorization: basic(apps[0]) } });
      expect(over.json).toEqual({ error: { code: 3006, message: 'out of freq' } });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('received SIGTERM, shutting down');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses invalid settings with exit 1, naming each', async () => {
    const child = run({ EMULATOR_PORT: '0', EMULATOR_LATENCY_MS: 'slow', EMULATOR_GROWTH_PER_SECOND: '0' });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err).toContain('EMULATOR_LATENCY_MS must be milliseconds from 0 to 600000, got "slow"');
    expect(err).toContain('EMULATOR_GROWTH_PER_SECOND must be a positive integer');
  });
});
