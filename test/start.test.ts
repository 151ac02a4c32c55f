// `npm start` with no Jiguang credentials: the gateway and the embedded emulator in one process, a
// demo admin token printed, and a demo that can create an app and query its links at once.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';

it('runs the demo: DEMO MODE first, a token, and every service answering', { timeout: 40_000 }, async () => {
  const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/main.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  try {
    const deadline = Date.now() + 30_000;
    while (!/demo admin token/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(out.split('\n')[0]).toMatch(/^jiguang-gateway: DEMO MODE/);
    const url = /GraphQL endpoint (\S+)/.exec(out)![1]!;
    const token = /demo admin token .*: (\S+)/.exec(out)![1]!;
    const gql = async (query: string) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
      return (await res.json()) as any;
    };
    const created = await gql('mutation { createApp(input: { name: "Started", androidPackage: "com.example.started" }) { app { appKey } secretStored } }');
    expect(created.data.createApp.secretStored).toBe(true);
    const links = await gql(`{ app(appKey: "${created.data.createApp.app.appKey}") { shortLinks(first: 1) { totalCount } } }`);
    expect(links.data.app.shortLinks.totalCount).toBeGreaterThan(0);
    const growth = await gql('{ growthUser(identityName: "phone", value: "13800000000") { cuid } }');
    expect(growth.errors).toBeUndefined();
  } finally {
    child.kill('SIGTERM');
    // SIGTERM stops it cleanly and promptly (Apollo's own signal handlers are off: main.ts owns them).
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }
});
