// Fixed windows (floor(now / window), one minute unless told) per key, as Jiguang describes its frequency
// limits (Operation Growth's QPS uses one-second windows); the clock is injected so tests can cross a boundary.

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window ends, at least 1. */
  resetSeconds: number;
}

const WINDOW_MS = 60_000;

export class FixedWindowLimiter {
  private readonly counts = new Map<string, { window: number; count: number }>();

  constructor(private readonly now: () => number) {}

  take(key: string, limit: number, windowMs: number = WINDOW_MS): RateDecision {
    const nowMs = this.now();
    const window = Math.floor(nowMs / windowMs);
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - nowMs) / 1000));
    let entry = this.counts.get(key);
    if (!entry || entry.window !== window) {
      entry = { window, count: 0 };
      this.counts.set(key, entry);
    }
    if (entry.count >= limit) return { allowed: false, limit, remaining: 0, resetSeconds };
    entry.count++;
    return { allowed: true, limit, remaining: limit - entry.count, resetSeconds };
  }

  /** The X-Rate-Limit-* headers Jiguang sends with a decision. */
  static headers(d: RateDecision): Record<string, string> {
    return {
      'X-Rate-Limit-Limit': String(d.limit),
      'X-Rate-Limit-Remaining': String(d.remaining),
      'X-Rate-Limit-Reset': String(d.resetSeconds),
    };
  }
}
