// Shedding attackers first (issue 14, item 3): one host opens 1,000 slow-header sockets, 500 idle
// kept-alive sockets and 300 slow bodies (reopening what the gateway closes, for ATTACK_MS) while
// an ordinary client keeps querying, on kept-alive and on new connections. No ordinary request may
// fail, and the gateway must close every attacker socket within a bounded time — in process at the
// 1,024-connection cap, and as a separate process under `ulimit -n 1024`.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { hashToken, newToken } from '../../src/auth/callers.js';
import { loadConfig } from '../../src/config/index.js';
import { startHarness } from '../helpers/harness.js';

const root = new URL('../..', import.meta.url).pathname;

/** How long the attack and the ordinary client run. */
const ATTACK_MS = 6_000;
const SLOW_HEADERS = 1_000;
const IDLE = 500;
const SLOW_BODIES = 300;
/** Of the slow bodies, those sent with a valid token (the rest have none). */
const SLOW_BODIES_WITH_TOKEN = 50;
/** The attacker reopens closed sockets at most this many per 100 ms, and opens this many in all at most. */
const REOPEN_PER_TICK = 50;
const MAX_ATTACK_SOCKETS = 8_000;
/** How long the gateway may take to close every attacker socket once the attack stops. */
const CLOSE_WAIT_MS = 12_000;
/** Settings of both gateways: kept-alive idle sockets that were never shed are closed after 3 s. */
const ENV = { GATEWAY_KEEP_ALIVE_TIMEOUT_MS: '3000' };
const QUERY = JSON.stringify({ query: '{ apps { appKey } }' });

type Kind = 'slowHeaders' | 'idle' | 'slowBody' | 'slowBodyWithToken';

interface AttackSocket {
  kind: Kind;
  socket: Socket;
  connectedAt: number | null;
  closedAt: number | null;
  /** The status line of the first answer the gateway sent, if any. */
  answer: string | null;
}

interface Outcome {
  ordinary: { sent: number; failed: number; errors: Record<string, number> };
  attackers: AttackSocket[];
  /** Attacker sockets still open when the wait ended (closed by the test afterwards). */
  stillOpen: number;
  /** From the end of the attack to the last attacker socket closed by the gateway. */
  lastClosedAfterMs: number;
  /** From the start of the attack to the first attacker socket closed by the gateway. */
  firstClosedAfterMs: number;
  /** The longest time any attacker socket stayed connected, by kind. */
  longestMs: Record<Kind, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The attack against `base` (http://host:port) with an ordinary client querying through it. */
async function underAttack(base: string, tokens: { reader: string; scoped: string }): Promise<Outcome> {
  const { hostname, port } = new URL(base);
  const first: Record<Kind, string> = {
    slowHeaders: 'POST /graphql HTTP/1.1\r\nHost: gateway\r\n',
    idle: 'GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n',
    slowBody: 'POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"query":',
    slowBodyWithToken: `POST /graphql HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${tokens.scoped}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"query":`,
  };
  const attackers: AttackSocket[] = [];
  const live = new Set<AttackSocket>();
  const reopen: Kind[] = [];
  let attacking = true;
  const open = (kind: Kind) => {
    if (attackers.length >= MAX_ATTACK_SOCKETS) return;
    const socket = connect(Number(port), hostname);
    const a: AttackSocket = { kind, socket, connectedAt: null, closedAt: null, answer: null };
    attackers.push(a);
    live.add(a);
    socket.on('error', () => {});
    socket.on('connect', () => {
      a.connectedAt = Date.now();
      socket.write(first[kind]);
    });
    socket.on('data', (chunk: Buffer) => (a.answer ??= chunk.toString('latin1').split('\r\n')[0]!));
    socket.on('close', () => {
      a.closedAt = Date.now();
      live.delete(a);
      if (attacking) reopen.push(kind);
    });
  };

  const started = Date.now();
  const end = started + ATTACK_MS;
  // 1,800 sockets, the kinds interleaved, 100 every 20 ms (a connect storm beyond the listen backlog
  // would only slow the attacker's own connects down).
  const kinds: Kind[] = [];
  let withToken = 0;
  for (let i = 0; i < SLOW_HEADERS + IDLE + SLOW_BODIES; i++) {
    const r = i % 18; // 10 : 5 : 3, as 1,000 : 500 : 300
    if (r < 10) kinds.push('slowHeaders');
    else if (r < 15) kinds.push('idle');
    else if (r === 17 && withToken++ < SLOW_BODIES_WITH_TOKEN) kinds.push('slowBodyWithToken');
    else kinds.push('slowBody');
  }
  const opening = (async () => {
    for (let i = 0; i < kinds.length; i += 100) {
      for (const kind of kinds.slice(i, i + 100)) open(kind);
      await sleep(20);
    }
  })();
  const reopener = setInterval(() => {
    for (const kind of reopen.splice(0, REOPEN_PER_TICK)) open(kind);
  }, 100);
  // Slow means slow: a header line or a body byte a second on each socket, until it is closed.
  const trickle = setInterval(() => {
    for (const a of live) {
      if (a.connectedAt === null || a.socket.destroyed) continue;
      if (a.kind === 'slowHeaders') a.socket.write('X-Slow: 1\r\n');
      else if (a.kind === 'slowBody' || a.kind === 'slowBodyWithToken') a.socket.write(' ');
    }
  }, 1_000);

  // The ordinary client: one loop on a kept-alive connection, two opening a new connection per request.
  const ordinary = { sent: 0, failed: 0, errors: {} as Record<string, number> };
  const fail = (why: string) => {
    ordinary.failed++;
    ordinary.errors[why] = (ordinary.errors[why] ?? 0) + 1;
  };
  const loop = async (reset: boolean) => {
    const dispatcher = new Agent({ connections: 1 });
    while (Date.now() < end) {
      ordinary.sent++;
      try {
        const res = await request(`${base}/graphql`, {
          method: 'POST',
          dispatcher,
          reset,
          headers: { authorization: `Bearer ${tokens.reader}`, 'content-type': 'application/json' },
          body: QUERY,
          headersTimeout: 15_000,
          bodyTimeout: 15_000,
        });
        const body = (await res.body.json()) as { data?: { apps?: { appKey: string }[] } };
        if (res.statusCode !== 200 || !body.data?.apps?.length) fail(`status ${res.statusCode}`);
      } catch (error) {
        fail((error as { code?: string }).code ?? String(error));
      }
      await sleep(5);
    }
    await dispatcher.close();
  };
  await Promise.all([loop(false), loop(true), loop(true), opening]);

  attacking = false;
  clearInterval(reopener);
  const stopped = Date.now();
  while (live.size > 0 && Date.now() - stopped < CLOSE_WAIT_MS) await sleep(50);
  clearInterval(trickle);
  const stillOpen = live.size;
  for (const a of live) a.socket.destroy();

  const closed = attackers.filter((a) => a.closedAt !== null && a.connectedAt !== null);
  const longestMs = { slowHeaders: 0, idle: 0, slowBody: 0, slowBodyWithToken: 0 };
  for (const a of closed) longestMs[a.kind] = Math.max(longestMs[a.kind], a.closedAt! - a.connectedAt!);
  return {
    ordinary,
    attackers,
    stillOpen,
    lastClosedAfterMs: Math.max(0, ...closed.map((a) => a.closedAt! - stopped)),
    firstClosedAfterMs: Math.min(...closed.map((a) => a.closedAt! - started)),
    longestMs,
  };
}

/** What both runs must show a user: every ordinary request answered, every attacker closed in time. */
function expectShed(outcome: Outcome) {
  const summary = {
    sent: outcome.ordinary.sent,
    failed: outcome.ordinary.failed,
    errors: outcome.ordinary.errors,
    attackerSockets: outcome.attackers.length,
    stillOpen: outcome.stillOpen,
    firstClosedAfterMs: outcome.firstClosedAfterMs,
    lastClosedAfterMs: outcome.lastClosedAfterMs,
    longestMs: outcome.longestMs,
  };
  console.log('overload:', JSON.stringify(summary));
  expect(outcome.ordinary.errors).toEqual({});
  expect(outcome.ordinary.failed).toBe(0);
  expect(outcome.ordinary.sent).toBeGreaterThan(30);
  expect(outcome.attackers.length).toBeGreaterThanOrEqual(SLOW_HEADERS + IDLE + SLOW_BODIES);
  expect(outcome.stillOpen).toBe(0);
  // Headers: 3 s from connecting (GATEWAY_FIRST_HEADERS_TIMEOUT_MS); idle: the 3 s keep-alive
  // timeout; a body without a token: answered 401 at once; with one: 5 s at under 4 KiB/s. The
  // rest is slack for two shared cores.
  expect(outcome.longestMs.slowHeaders).toBeLessThan(6_000);
  expect(outcome.longestMs.idle).toBeLessThan(7_000);
  expect(outcome.longestMs.slowBody).toBeLessThan(4_000);
  expect(outcome.longestMs.slowBodyWithToken).toBeLessThan(9_000);
  // What the attackers were told, when they were told anything before being closed.
  const answers = (kind: Kind) => new Set(outcome.attackers.filter((a) => a.kind === kind && a.answer !== null).map((a) => a.answer));
  expect([...answers('slowHeaders')].every((a) => a === 'HTTP/1.1 408 Request Timeout')).toBe(true);
  expect([...answers('slowBody')].every((a) => a === 'HTTP/1.1 401 Unauthorized')).toBe(true);
  expect(answers('slowBody').size).toBe(1);
  expect([...answers('slowBodyWithToken')].every((a) => a === 'HTTP/1.1 408 Request Timeout')).toBe(true);
  expect([...answers('idle')].every((a) => a === 'HTTP/1.1 200 OK')).toBe(true);
}

describe('one host exhausting connections', () => {
  it('at the 1,024-connection cap: no ordinary request fails, every attacker socket is closed in time', { timeout: 45_000 }, async () => {
    const h = await startHarness({ env: ENV });
    try {
      const outcome = await underAttack(h.gateway.url, h.tokens);
      expectShed(outcome);
      const shed = Object.fromEntries((await h.gateway.metrics.connectionsShed.get()).values.map((v) => [v.labels.reason, v.value]));
      console.log('overload: shed', JSON.stringify(shed));
      expect((shed.never_completed ?? 0) + (shed.idle ?? 0)).toBeGreaterThan(100);
      expect(shed.first_headers_timeout).toBeGreaterThan(0);
      // One warn line per burst of shedding, not one per socket.
      const lines = h.logs.filter((l) => l.includes('connections shed to make room'));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.length).toBeLessThan(10);
    } finally {
      await h.close();
    }
  });

  it('makes room by closing the oldest socket without a request in flight, never one with a request in flight', async () => {
    const h = await startHarness({ env: { GATEWAY_MAX_CONNECTIONS: '6' } });
    const sockets: Socket[] = [];
    try {
      const { hostname, port } = new URL(h.gateway.url);
      const closed: string[] = [];
      const open = async (name: string, send?: string, answered?: RegExp) => {
        const socket = connect(Number(port), hostname);
        sockets.push(socket);
        let data = '';
        socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
        socket.on('error', () => {});
        socket.on('close', () => closed.push(name));
        await once(socket, 'connect');
        if (send) socket.write(send);
        for (let i = 0; answered && !answered.test(data) && i < 200; i++) await sleep(10);
        await sleep(50);
      };
      const health = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';
      await open('idle A', health, /200 OK/);
      await open('fresh B');
      await open('in flight', `POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.tokens.scoped}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`);
      await open('idle C', health, /200 OK/);
      await open('fresh D');
      // Five open; from here each newcomer fills the cap of 6 and makes room.
      for (const name of ['new 1', 'new 2', 'new 3', 'new 4', 'new 5']) await open(name);
      await sleep(100);
      // Oldest first, where age counts from connecting (no request yet) or from the last answer (idle).
      expect(closed).toEqual(['idle A', 'fresh B', 'idle C', 'fresh D', 'new 1']);
      const shed = Object.fromEntries((await h.gateway.metrics.connectionsShed.get()).values.map((v) => [v.labels.reason, v.value]));
      expect(shed).toMatchObject({ idle: 2, never_completed: 3 });
    } finally {
      for (const socket of sockets) socket.destroy();
      await h.close();
    }
  });

  it('refuses a newcomer only when every place has a request in flight', async () => {
    const h = await startHarness({ env: { GATEWAY_MAX_CONNECTIONS: '2' } });
    const sockets: Socket[] = [];
    try {
      const { hostname, port } = new URL(h.gateway.url);
      const slow = `POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.tokens.scoped}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`;
      for (let i = 0; i < 2; i++) {
        const socket = connect(Number(port), hostname);
        sockets.push(socket);
        await once(socket, 'connect');
        socket.write(slow);
        await sleep(100);
      }
      await expect(request(`${h.gateway.url}/health`, { dispatcher: new Agent(), headersTimeout: 3_000 })).rejects.toThrow();
      expect(sockets.every((s) => !s.destroyed)).toBe(true);
      const shed = Object.fromEntries((await h.gateway.metrics.connectionsShed.get()).values.map((v) => [v.labels.reason, v.value]));
      expect(shed).toEqual({ refused: 1 });
      // A place freed, the next one is taken.
      sockets.pop()!.destroy();
      await sleep(100);
      expect((await request(`${h.gateway.url}/health`, { dispatcher: new Agent() })).statusCode).toBe(200);
    } finally {
      for (const socket of sockets) socket.destroy();
      await h.close();
    }
  });

  it('a 401 answer closes its connection, with or without a body', async () => {
    const h = await startHarness();
    try {
      const { hostname, port } = new URL(h.gateway.url);
      for (const head of ['GET /graphql?query=%7Bapps%7BappKey%7D%7D HTTP/1.1\r\nHost: x\r\n\r\n', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{']) {
        const socket = connect(Number(port), hostname);
        let answer = '';
        socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
        socket.write(head);
        const started = Date.now();
        await Promise.race([once(socket, 'close'), sleep(5_000)]);
        expect(answer).toMatch(/^HTTP\/1\.1 401 /);
        expect(answer.toLowerCase()).toContain('connection: close');
        expect(socket.destroyed || socket.readableEnded).toBe(true);
        expect(Date.now() - started).toBeLessThan(3_000);
        socket.destroy();
      }
    } finally {
      await h.close();
    }
  });
});

describe('under ulimit -n 1024', () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the gateway process lowers its cap to the descriptors it has, and no ordinary request fails', { timeout: 55_000 }, async () => {
    const emulator = await startEmulator();
    try {
      const tokens = { reader: newToken(), scoped: newToken(), admin: newToken() };
      dir = mkdtempSync(join(tmpdir(), 'overload-'));
      const u = emulator.url;
      child = spawn('bash', ['-c', 'ulimit -n 1024 && exec "$0" --import tsx src/main.ts', process.execPath], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          ...ENV,
          JIGUANG_APPS: JSON.stringify(emulator.apps.map(({ appKey, masterSecret, name, androidPackage }) => ({ appKey, masterSecret, name, androidPackage }))),
          GATEWAY_TOKENS: JSON.stringify([
            { name: 'ordinary', sha256: hashToken(tokens.reader), role: 'reader' },
            { name: 'slow', sha256: hashToken(tokens.scoped), role: 'reader' },
            { name: 'admin', sha256: hashToken(tokens.admin), role: 'admin' },
          ]),
          GATEWAY_REGISTRY_KEY: randomBytes(32).toString('hex'),
          GATEWAY_REGISTRY_FILE: join(dir, 'registry.json'),
          JIGUANG_JMLINK_URL: u,
          JIGUANG_PORTRAIT_URL: u,
          JIGUANG_PUSH_ADMIN_URL: u,
          JIGUANG_VERIFICATION_ADMIN_URL: u,
          JIGUANG_GROWTH_URL: u,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (c) => (out += c));
      child.stderr!.on('data', (c) => (out += c));
      const deadline = Date.now() + 30_000;
      while (!/GraphQL endpoint/.test(out) && child.exitCode === null && Date.now() < deadline) await sleep(50);
      const url = /GraphQL endpoint (\S+)/.exec(out)?.[1];
      if (!url) throw new Error(`the gateway did not start:\n${out}`);
      const base = new URL(url).origin;

      const outcome = await underAttack(base, tokens);
      const metrics = await request(`${base}/metrics`, { headers: { authorization: `Bearer ${tokens.admin}` } });
      const text = await metrics.body.text();
      const shed = (reason: string) => Number(new RegExp(`^gateway_connections_shed_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
      console.log('overload (ulimit -n 1024): shed', JSON.stringify({ neverCompleted: shed('never_completed'), idle: shed('idle'), refused: shed('refused') }));

      // Stopped, the log is flushed: the lowered cap said once at start, shedding once per burst.
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      const capLine = out.split('\n').find((l) => l.includes('the open-files limit lowers the connection cap'));
      expect(capLine).toBeDefined();
      const cap = (JSON.parse(capLine!) as { cap: number; fdLimit: number }).cap;
      console.log('overload (ulimit -n 1024):', capLine);
      expect(cap).toBeLessThan(1024);
      expect(cap).toBeGreaterThan(512);
      expectShed(outcome);
      expect(shed('never_completed') + shed('idle')).toBeGreaterThan(100);
      const bursts = out.split('\n').filter((l) => l.includes('connections shed to make room'));
      expect(bursts.length).toBeGreaterThan(0);
      expect(bursts.length).toBeLessThan(10);
      // No descriptor ran out: nothing failed for want of one.
      expect(out).not.toMatch(/EMFILE|ENFILE/);
    } finally {
      child?.kill('SIGKILL');
      await emulator.close();
    }
  });
});

describe('GATEWAY_FIRST_HEADERS_TIMEOUT_MS', () => {
  const configured = (env: Record<string, string>) =>
    loadConfig({
      JIGUANG_APPS: JSON.stringify([{ appKey: 'abc123', masterSecret: 's', name: 'Shop', androidPackage: 'com.example.shop' }]),
      JIGUANG_DEV_KEY: 'devkey',
      JIGUANG_DEV_SECRET: 'devsecret',
      GATEWAY_REGISTRY_KEY: 'a'.repeat(64),
      GATEWAY_TOKENS: JSON.stringify([{ name: 'ops', sha256: 'b'.repeat(64), role: 'admin' }]),
      ...env,
    });

  it('is 3 s by default, and follows a shorter GATEWAY_HEADERS_TIMEOUT_MS', () => {
    const byDefault = configured({});
    expect(byDefault.ok && byDefault.config.http.firstHeadersTimeoutMs).toBe(3_000);
    const shorter = configured({ GATEWAY_HEADERS_TIMEOUT_MS: '2000' });
    expect(shorter.ok && shorter.config.http.firstHeadersTimeoutMs).toBe(2_000);
    const set = configured({ GATEWAY_FIRST_HEADERS_TIMEOUT_MS: '1500' });
    expect(set.ok && set.config.http.firstHeadersTimeoutMs).toBe(1_500);
  });

  it('is validated like the other HTTP settings', () => {
    const problems = (env: Record<string, string>) => {
      const r = configured(env);
      return r.ok ? [] : r.problems;
    };
    expect(problems({ GATEWAY_FIRST_HEADERS_TIMEOUT_MS: 'soon' })).toContain('GATEWAY_FIRST_HEADERS_TIMEOUT_MS: must be a whole number');
    expect(problems({ GATEWAY_FIRST_HEADERS_TIMEOUT_MS: '10' })).toContain('GATEWAY_FIRST_HEADERS_TIMEOUT_MS: must be at least 1000');
    expect(problems({ GATEWAY_FIRST_HEADERS_TIMEOUT_MS: '20000' })).toContain('GATEWAY_FIRST_HEADERS_TIMEOUT_MS: must be at most GATEWAY_HEADERS_TIMEOUT_MS');
  });
});
