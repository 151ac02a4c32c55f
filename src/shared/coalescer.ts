// Coalescing across replicas: of identical upstream reads in flight on several replicas, one makes
// the call. A short lease in Redis (SET NX PX) elects the leader; it runs `fetch` (which stores the
// answer in the shared cache) and releases the lease, announcing it on a channel. The others wait —
// woken by that announcement, or polling with backoff should it be lost — and return `read()` once
// the answer is there, or take the lease over when it was released without an answer (the leader
// failed) or expired (the leader died). With Redis down, every replica simply calls `fetch`.
import { randomUUID } from 'node:crypto';
import type { Coalescer } from '../http/upstream.js';
import type { SharedKeys } from './keys.js';
import type { RedisLink } from './link.js';
import { LuaScript } from './script.js';

export type CoalesceRole = 'leader' | 'follower' | 'alone';

const RELEASE = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;

export class LeaseCoalescer implements Coalescer {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly link: RedisLink,
    private readonly keys: SharedKeys,
    private readonly replicaId: string,
    /** Counts each run by how it ended up (metrics). */
    private readonly onRun: (role: CoalesceRole) => void = () => {},
  ) {
    link.subscribe(keys.leaseChannel, (key) => this.wake(key));
  }

  async run<T>(key: string, fetch: () => Promise<T>, read: () => Promise<T | undefined>, leaseMs: number, signal?: AbortSignal): Promise<T> {
    const lease = this.keys.lease(key);
    const token = `${this.replicaId}:${randomUUID()}`;
    let pollMs = FIRST_POLL_MS;
    for (;;) {
      signal?.throwIfAborted();
      const acquired = await this.acquire(lease, token, leaseMs);
      if (acquired === null) {
        this.onRun('alone');
        return fetch();
      }
      if (acquired) {
        this.onRun('leader');
        return this.lead(key, lease, token, fetch);
      }
      await this.waitForRelease(key, pollMs, signal);
      pollMs = Math.min(MAX_POLL_MS, pollMs * 2);
      const value = await read().catch(() => undefined);
      if (value !== undefined) {
        this.onRun('follower');
        return value;
      }
    }
  }

  /** true: this replica leads; false: another one does; null: Redis cannot say (go alone). */
  private async acquire(lease: string, token: string, leaseMs: number): Promise<boolean | null> {
    if (!this.link.up) return null;
    try {
      const reply = await this.link.run((c) => c.set(lease, token, { condition: 'NX', expiration: { type: 'PX', value: Math.max(1, Math.ceil(leaseMs)) } }));
      return reply === 'OK';
    } catch {
      return null;
    }
  }

  private async lead<T>(key: string, lease: string, token: string, fetch: () => Promise<T>): Promise<T> {
    try {
      return await fetch();
    } finally {
      // Only this leader's own lease is released (it may have expired and been taken over).
      void this.link
        .run(async (c) => {
          if ((await RELEASE.run(c, [lease], [token])) === 1) await c.publish(this.keys.leaseChannel, key);
        })
        .catch(() => {});
    }
  }

  private waitForRelease(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const set = this.waiters.get(key) ?? new Set<() => void>();
      this.waiters.set(key, set);
      const finish = (error?: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set.delete(wakeUp);
        if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
        if (error === undefined) resolve();
        else reject(error);
      };
      const wakeUp = () => finish();
      const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
      const timer = setTimeout(wakeUp, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      set.add(wakeUp);
    });
  }

  private wake(key: string): void {
    const set = this.waiters.get(key);
    if (set) for (const wake of [...set]) wake();
  }
}
