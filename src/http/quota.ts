// The quota scheduler: one bucket per service, owner (AppKey, developer account or Growth project)
// and API, sized from Jiguang's documented quotas with a safety margin. A call reserves a slot in a
// sliding window (at most `limit` calls in any window, whatever Jiguang's window alignment); when
// none is free it waits, within the request's deadline, instead of being sent and refused.
// Jiguang's own signals are authoritative: a rate-limit answer, or X-Rate-Limit-Remaining: 0,
// pauses the bucket until the window Jiguang names has ended.
import type { QuotaLimit, QuotaSettings } from '../config/index.js';
import { GatewayError, RequestCancelledError } from '../core/errors.js';
import type { QuotaBucketName } from '../core/services.js';

/** Where bucket state lives: this process (default) or Redis, shared by replicas. */
export interface QuotaBackend {
  /**
   * Reserves the earliest slot at or after now such that no window of `windowMs` holds more than
   * `limit` slots. Returns it, or `{ at, reserved: false }` when it would be after `notAfter`.
   */
  reserve(key: string, limit: number, windowMs: number, notAfter: number): Promise<{ at: number; reserved: boolean }>;
  /** Gives back a slot that will not be used (a waiting request went away). */
  release(key: string, at: number): Promise<void>;
  pausedUntil(key: string): Promise<number>;
  pause(key: string, until: number): Promise<void>;
  /** Slots taken in the current window, for metrics (best effort). */
  used(key: string, windowMs: number): number;
}

export class MemoryQuotaBackend implements QuotaBackend {
  private readonly slots = new Map<string, number[]>();
  private readonly pauses = new Map<string, number>();

  async reserve(key: string, limit: number, windowMs: number, notAfter: number): Promise<{ at: number; reserved: boolean }> {
    const now = Date.now();
    let times = this.slots.get(key);
    if (!times) this.slots.set(key, (times = []));
    let expired = 0;
    while (expired < times.length && times[expired]! <= now - windowMs) expired++;
    if (expired > 0) times.splice(0, expired);
    const at = times.length < limit ? now : Math.max(now, times[times.length - limit]! + windowMs);
    // A slot free now is never refused: the caller computed notAfter a moment (an await) ago.
    if (at > Math.max(notAfter, now)) return { at, reserved: false };
    insertSorted(times, at);
    return { at, reserved: true };
  }

  async release(key: string, at: number): Promise<void> {
    const times = this.slots.get(key);
    const i = times?.lastIndexOf(at) ?? -1;
    if (times && i >= 0) times.splice(i, 1);
  }

  async pausedUntil(key: string): Promise<number> {
    return this.pauses.get(key) ?? 0;
  }

  async pause(key: string, until: number): Promise<void> {
    if (until > (this.pauses.get(key) ?? 0)) this.pauses.set(key, until);
  }

  used(key: string, windowMs: number): number {
    const times = this.slots.get(key);
    if (!times) return 0;
    // Sorted: the slots in (now - window, now] lie between two binary searches.
    const now = Date.now();
    return firstAfter(times, now) - firstAfter(times, now - windowMs);
  }
}

/** Index of the first time after `t` in a sorted array. */
function firstAfter(times: number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(times: number[], at: number): void {
  let i = times.length;
  while (i > 0 && times[i - 1]! > at) i--;
  times.splice(i, 0, at);
}

export interface QuotaEvents {
  waited(bucket: QuotaBucketName, ms: number): void;
  refused(bucket: QuotaBucketName, reason: 'quota' | 'paused'): void;
  paused(bucket: QuotaBucketName, ms: number): void;
}

export class QuotaScheduler {
  /** Buckets seen, for the level gauge: key → bucket. */
  readonly seen = new Map<string, QuotaBucketName>();

  constructor(
    private readonly settings: QuotaSettings,
    private backend: QuotaBackend,
    private readonly events: QuotaEvents,
  ) {}

  /** Swaps the state's home (Redis up or down); the settings stay. */
  use(backend: QuotaBackend): void {
    this.backend = backend;
  }

  limitOf(bucket: QuotaBucketName): QuotaLimit | undefined {
    return this.settings.limits[bucket];
  }

  /**
   * Waits for a slot of `bucket` for `owner`; RATE_LIMITED (with retryAfterSeconds) when none comes by
   * `deadline`. Returns how long it waited (ms, whole): a paused bucket and a full window both count.
   */
  async acquire(bucket: QuotaBucketName, owner: string, deadline: number, signal?: AbortSignal): Promise<number> {
    const key = `${bucket}:${owner}`;
    this.seen.set(key, bucket);
    const notAfter = Math.min(deadline, Date.now() + this.settings.maxWaitMs);
    let waited = 0;
    const paused = await this.backend.pausedUntil(key);
    if (paused > Date.now()) {
      if (paused > notAfter) {
        this.events.refused(bucket, 'paused');
        throw quotaError(bucket, paused);
      }
      this.events.waited(bucket, paused - Date.now());
      waited += await sleep(paused - Date.now(), signal);
    }
    const quota = this.settings.limits[bucket];
    if (!quota) return Math.round(waited);
    const { at, reserved } = await this.backend.reserve(key, quota.limit, quota.windowMs, notAfter);
    if (!reserved) {
      this.events.refused(bucket, 'quota');
      throw quotaError(bucket, at);
    }
    const wait = at - Date.now();
    if (wait > 0) {
      this.events.waited(bucket, wait);
      try {
        waited += await sleep(wait, signal);
      } catch (error) {
        await this.backend.release(key, at);
        throw error;
      }
    }
    return Math.round(waited);
  }

  /** Jiguang said the bucket is exhausted: no call goes to it until `until`. */
  async pause(bucket: QuotaBucketName, owner: string, until: number): Promise<void> {
    this.events.paused(bucket, until - Date.now());
    await this.backend.pause(`${bucket}:${owner}`, until);
  }

  /** Slots left in the current window per bucket seen (metrics). */
  levels(): { bucket: QuotaBucketName; owner: string; left: number }[] {
    const out: { bucket: QuotaBucketName; owner: string; left: number }[] = [];
    for (const [key, bucket] of this.seen) {
      const quota = this.settings.limits[bucket];
      if (quota) out.push({ bucket, owner: key.slice(bucket.length + 1), left: Math.max(0, quota.limit - this.backend.used(key, quota.windowMs)) });
    }
    return out;
  }
}

function quotaError(bucket: QuotaBucketName, freeAt: number): GatewayError {
  const retryAfterSeconds = Math.max(1, Math.ceil((freeAt - Date.now()) / 1000));
  return new GatewayError('RATE_LIMITED', `Jiguang's ${bucket} quota is spent for now; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds, quota: bucket });
}

/** Waits `ms` and returns how long it took; the caller going away ends the wait as REQUEST_CANCELLED (a coded error, not an internal one). */
function sleep(ms: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RequestCancelledError());
    const started = performance.now();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(performance.now() - started);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RequestCancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
