// Helpers of the shared-state tests: unique key prefixes and their cleanup, a log collector, a
// gateway's configuration in front of the emulator, and a private redis-server (its own port, no
// persistence) that a test may kill, freeze and restart without touching the Redis other tests use.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import type { Emulator } from '../../emulator/index.js';
import { hashToken } from '../../src/auth/callers.js';
import { type GatewayConfig, loadConfig } from '../../src/config/index.js';
import { createLogger, type Logger } from '../../src/core/logger.js';
import { connectShared, type SharedOptions, type SharedState } from '../../src/shared/index.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A gateway in front of the emulator: one caller's token, a fresh registry key, every service at the
 * emulator, silent logs, and `extra` settings on top (a service elsewhere, quotas).
 */
export function emulatorConfig(emulator: Emulator, caller: { name: string; token: string; role: 'reader' | 'admin' }, extra: Record<string, string> = {}): GatewayConfig {
  const loaded = loadConfig({
    GATEWAY_TOKENS: JSON.stringify([{ name: caller.name, sha256: hashToken(caller.token), role: caller.role }]),
    GATEWAY_REGISTRY_KEY: randomBytes(32).toString('hex'),
    JIGUANG_DEV_KEY: emulator.developer.devKey,
    JIGUANG_DEV_SECRET: emulator.developer.devSecret,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    JIGUANG_JMLINK_URL: emulator.url,
    JIGUANG_PORTRAIT_URL: emulator.url,
    JIGUANG_PUSH_ADMIN_URL: emulator.url,
    JIGUANG_VERIFICATION_ADMIN_URL: emulator.url,
    JIGUANG_GROWTH_URL: emulator.url,
    ...extra,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return loaded.config;
}

/** A key prefix no other test (or run) uses. */
export const uniquePrefix = (name: string) => `test:shared:${name}:${randomUUID().slice(0, 8)}:`;

/** Deletes every key under `prefix`. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2000 } });
  client.on('error', () => {});
  try {
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await client.unlink(keys);
  } finally {
    client.destroy();
  }
}

/** A raw client for looking at what the shared state wrote. */
export async function rawClient(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2000 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export function collectingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { logger: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line) as LogLine) }), lines };
}

/** Options for test replicas: short timeouts and heartbeats so outages and recoveries show quickly. */
export function replicaOptions(url: string, keyPrefix: string, extra: Partial<SharedOptions> = {}): SharedOptions {
  return {
    url,
    keyPrefix,
    logger: createLogger({ level: 'silent' }),
    commandTimeoutMs: 250,
    connectTimeoutMs: 500,
    reconnectMaxMs: 100,
    heartbeatMs: 200,
    startupWaitMs: 1500,
    ...extra,
  };
}

/** `count` replicas on one Redis (in this process, each with its own connections). */
export async function replicas(count: number, url: string, keyPrefix: string, extra: Partial<SharedOptions> = {}): Promise<SharedState[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => connectShared(replicaOptions(url, keyPrefix, { replicaId: `replica-${i}`, ...extra }))));
}

/** Polls `condition` every 20 ms until it holds, failing after `ms`. */
export async function eventually(condition: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether a redis-server binary is installed here. */
export async function haveRedisServer(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** A redis-server of this test only, on its own port, without persistence. */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  /** On a given port (one a replica already tries to reach). */
  static async startOn(port: number): Promise<PrivateRedis> {
    const redis = new PrivateRedis(port);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and waits until it answers PING. */
  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
    this.child = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`))));
    exited.catch(() => {});
    await Promise.race([exited, eventually(() => ping(this.url), 5000, `redis-server on port ${this.port}`)]);
  }

  /** Starts it unless it runs (a test that failed half-way may have left it stopped or frozen). */
  async ensureRunning(): Promise<void> {
    this.thaw();
    if (!this.child) await this.start();
  }

  /** Stops it with `signal` and waits for the process to end. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await ended;
  }

  /** Freezes it (SIGSTOP): connections stay open, nothing answers. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }
}

async function ping(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}
