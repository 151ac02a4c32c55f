// Fixed one-minute windows (floor(now / 60000)) per key, as Jiguang describes its frequency limits;
// the clock is injected so tests can cross a window boundary without waiting.

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

  take(key: string, limit: number): RateDecision {
    const nowMs = this.now();
    const window = Math.floor(nowMs / WINDOW_MS);
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - nowMs) / 1000));
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
