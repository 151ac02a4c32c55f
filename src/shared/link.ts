// The Redis connections of one replica and their health. Every command goes through `run`, which
// fails at once when the connection is not ready (no offline queue) and after `commandTimeoutMs`
// when Redis hangs, so a Redis outage costs a request a few hundred milliseconds at most. Health is
// one state for every part: `degraded` on a connection error, end or failed command, `ok` again
// after the connection is back, a probe succeeds and every recovery hook (merging quota slots,
// replaying invalidations) has run. Each transition is logged once.
import { type BasicClientSideCache, createClient, ErrorReply, type RedisClientType } from 'redis';
import type { Logger } from '../core/logger.js';

export type RedisClient = RedisClientType;
export type RedisHealth = 'ok' | 'degraded';

export interface LinkOptions {
  url: string;
  logger: Logger;
  /** Longest a command (or a short sequence of them) may take before Redis is taken as down. */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** Longest pause between two reconnection attempts. */
  reconnectMaxMs: number;
  /** How often the probe (the replica heartbeat) runs, up or down. */
  probeMs: number;
  /**
   * Server-assisted client-side caching on the command connection (src/shared/cache/tracking.ts):
   * tracking is turned on in its handshake, at every (re)connection.
   */
  tracking?: BasicClientSideCache;
}

/** Redis cannot be used now: not connected, closed, or too slow. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

// Replies that mean this Redis cannot serve us now (as opposed to an error of one command).
const OUTAGE_REPLY = /^(LOADING|READONLY|MISCONF|BUSY|NOAUTH|WRONGPASS|NOPERM|OOM|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/;

/** Whether a failed command says Redis is unusable (connection, timeout, server state), not just that one command failed. */
export function isOutage(error: unknown): boolean {
  return error instanceof ErrorReply ? OUTAGE_REPLY.test(error.message) : true;
}

export class RedisLink {
  readonly client: RedisClient;
  /** Pub/sub needs a connection of its own. */
  readonly subscriber: RedisClient;
  private health: RedisHealth = 'degraded';
  private changedAt = Date.now();
  /** Bumped at every loss, so a recovery that raced a new loss does not declare Redis up. */
  private losses = 0;
  private recovering: Promise<void> | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private probe: () => Promise<void> = async () => {
    await this.run((c) => c.ping());
  };
  private readonly recoveryHooks: (() => Promise<void>)[] = [];
  private readonly healthListeners: ((health: RedisHealth) => void)[] = [];
  private readonly subscriberListeners: (() => void)[] = [];
  private readonly subscriptions: [string, (message: string) => void][] = [];
  private started = false;

  constructor(private readonly options: LinkOptions) {
    const socket = {
      connectTimeout: options.connectTimeoutMs,
      // Never give up: a replica started or left without Redis keeps trying, with jitter.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), options.reconnectMaxMs) + Math.floor(Math.random() * 50),
    };
    this.client = createClient({
      url: options.url,
      socket,
      disableOfflineQueue: true,
      commandOptions: { timeout: options.commandTimeoutMs },
      // RESP3 (node-redis's default), which tracking's invalidation messages need.
      RESP: 3,
      ...(options.tracking ? { clientSideCache: options.tracking } : {}),
    });
    this.subscriber = this.client.duplicate({ clientSideCache: undefined });
    this.client.on('error', (error: Error) => this.lost(error.message));
    this.client.on('end', () => this.lost('connection closed'));
    this.client.on('ready', () => void this.recover());
    this.subscriber.on('error', (error: Error) => options.logger.debug('Redis subscriber connection failed', { cause: error.message }));
    // Messages may have been missed while the subscriber was away: its listeners resynchronise.
    this.subscriber.on('ready', () => {
      for (const listener of this.subscriberListeners) listener();
    });
  }

  get up(): boolean {
    return this.health === 'ok' && !this.closed;
  }

  status(): { redis: RedisHealth; since: number } {
    return { redis: this.up ? 'ok' : 'degraded', since: this.changedAt };
  }

  /** What proves Redis usable (the replica heartbeat); it runs every `probeMs`. */
  setProbe(probe: () => Promise<void>): void {
    this.probe = probe;
  }

  /** Runs, in order, before the link is declared up again; a hook that throws keeps it degraded. */
  onRecovery(hook: () => Promise<void>): void {
    this.recoveryHooks.push(hook);
  }

  onHealth(listener: (health: RedisHealth) => void): void {
    this.healthListeners.push(listener);
  }

  /** Called each time the subscriber connection is (re)established. */
  onSubscriberReady(listener: () => void): void {
    this.subscriberListeners.push(listener);
  }

  /** Listens to a pub/sub channel, from start() on (node-redis subscribes again after each reconnection). */
  subscribe(channel: string, listener: (message: string) => void): void {
    this.subscriptions.push([channel, listener]);
    if (this.started) this.subscribeNow(channel, listener);
  }

  /**
   * Connects both connections in the background and waits up to `waitMs` for Redis to be usable;
   * returns either way (degraded when Redis did not answer, recovering when it comes).
   */
  async start(waitMs: number): Promise<void> {
    this.client.connect().catch(() => {}); // keeps retrying by the reconnect strategy; failures arrive as 'error'
    this.subscriber.connect().catch(() => {});
    this.started = true;
    for (const [channel, listener] of this.subscriptions) this.subscribeNow(channel, listener);
    this.timer = setInterval(() => void this.tick(), this.options.probeMs);
    this.timer.unref();
    const up = new Promise<void>((resolve) => this.onHealth((h) => h === 'ok' && resolve()));
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([up, new Promise<void>((resolve) => (timeout = setTimeout(resolve, waitMs)))]);
    clearTimeout(timeout);
    if (!this.up) {
      this.options.logger.warn('Redis unreachable at start-up: cache, quotas and fairness are per replica until it answers', { waitedMs: waitMs });
    }
  }

  /** One Redis interaction (one or a few commands), bounded by `timeoutMs`; an outage marks the link degraded. */
  async run<T>(op: (client: RedisClient) => Promise<T>, timeoutMs = this.options.commandTimeoutMs): Promise<T> {
    if (this.closed) throw new RedisUnavailableError('the Redis link is closed');
    if (!this.client.isReady) throw new RedisUnavailableError('Redis is not connected');
    try {
      return await withTimeout(op(this.client), timeoutMs);
    } catch (error) {
      if (isOutage(error)) this.lost(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /** Tries to come back: probe, recovery hooks, then `ok`. Concurrent calls share one attempt. */
  recover(): Promise<void> {
    if (this.up || this.closed) return Promise.resolve();
    this.recovering ??= this.attemptRecovery().finally(() => {
      this.recovering = null;
    });
    return this.recovering;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([quit(this.client), quit(this.subscriber)]);
  }

  private subscribeNow(channel: string, listener: (message: string) => void): void {
    this.subscriber.subscribe(channel, listener).catch((error: unknown) => this.options.logger.debug('Redis subscription failed', { channel, cause: String(error) }));
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    if (!this.up) return this.recover();
    // A failing probe marks the link degraded through `run`.
    await this.probe().catch(() => {});
  }

  private async attemptRecovery(): Promise<void> {
    const losses = this.losses;
    try {
      await this.probe();
      for (const hook of this.recoveryHooks) await hook();
    } catch (error) {
      this.options.logger.debug('Redis not usable yet', { cause: error instanceof Error ? error.message : String(error) });
      return;
    }
    if (losses !== this.losses || this.closed || this.health === 'ok') return;
    const downMs = Date.now() - this.changedAt;
    this.set('ok');
    this.options.logger.info('Redis reachable: cache, quotas and fairness are shared by the replicas', { afterMs: downMs });
  }

  private lost(reason: string): void {
    this.losses++;
    if (this.health === 'degraded' || this.closed) return;
    this.set('degraded');
    this.options.logger.warn('Redis unreachable: cache, quotas and fairness are per replica until it returns', { cause: reason });
  }

  private set(health: RedisHealth): void {
    this.health = health;
    this.changedAt = Date.now();
    for (const listener of this.healthListeners) listener(health);
  }
}

/** Rejects after `ms` (the operation may still complete later; its result is then ignored). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => {}); // a late failure after the timeout is not an unhandled rejection
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnavailableError(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function quit(client: RedisClient): Promise<void> {
  if (client.isOpen) {
    // close() waits for the commands in flight; a Redis that does not answer gets 500 ms.
    await withTimeout(client.close(), 500).catch(() => {});
  }
  client.destroy();
}
