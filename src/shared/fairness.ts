// Per-token fairness limits shared by the replicas (docs/limits-and-cost.md, "Fairness between
// callers"): rate-limiter-flexible's RateLimiterRedis, each behind a timeout wrapper whose insurance
// is an in-memory limiter sized to this replica's share. The Redis limiter is asked only while the
// link is up (otherwise it fails at once); a Redis call that fails or takes longer than the command
// timeout is answered by the insurance, so a Redis outage never fails or stalls a request.
//
// Neither costs a Redis round trip per request:
//  - the flood guard (BatchedFloodGuard) counts requests here and adds them to the fleet's count in
//    Redis in batches — every FLUSH_MS, or at once when `batch` requests are waiting (the request
//    that fills a batch is decided by Redis's answer). A request is refused here when the fleet's
//    count as last heard plus this replica's unsent ones would pass the limit. Each replica admits
//    at most `batch` requests the others have not heard of, so a token gets at most
//    `limit + (replicas - 1) × batch` requests in a window (batch = 1% of the limit). A refused batch
//    (by Redis, or while Redis is away by the insurance: this replica's share) blocks the token here
//    until the window ends.
//  - the upstream budget is spent exactly, on Redis, at each upstream call (rarer than requests);
//    what admission and `extensions.cost` read of it (SharedBudget.get) is this replica's view,
//    refreshed from every answer Redis gives and in the background at most every FLUSH_MS.
//
// rate-limiter-flexible has no batching of its own: `inMemoryBlockOnConsumed` answers locally only
// once a key is over its limit (every request below it is still a round trip), and the insurance
// limiter only stands in when Redis fails. Both limiters above are built on its RateLimiterRedis
// (the same Lua script and keys), its timeout wrapper and insurance, and its RateLimiterRes.
import { RateLimiterCompatibleAbstract, type RateLimiterLike, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';
import type { FairnessSettings } from '../config/index.js';
import { type FairnessLimiters, REQUEST_WINDOW_SECONDS, UPSTREAM_WINDOW_SECONDS } from '../http/fairness.js';
import type { SharedKeys } from './keys.js';
import type { RedisClient, RedisLink } from './link.js';
import { shareOf } from './replicas.js';

/** How often this replica's counts go to Redis (and, at most, its view of a budget is refreshed). */
export const FLUSH_MS = 100;
/** The longest a view of a token's budget is used without waiting for Redis's answer. */
const BUDGET_VIEW_MAX_AGE_MS = 1_000;

/** The batch of a flood guard: 1% of its limit, at least 1 (then every request is counted on Redis). */
export function batchOf(limit: number): number {
  return Math.max(1, Math.floor(limit / 100));
}

/** The part of a node-redis client RateLimiterRedis uses, with readiness following the link's health. */
interface LimiterStoreClient {
  readonly isReady: boolean;
  eval: RedisClient['eval'];
  multi: RedisClient['multi'];
  del: RedisClient['del'];
}

export interface SharedFairness {
  limiters: FairnessLimiters;
  /** Resizes the insurance limiters to this replica's share. */
  resize(replicas: number): void;
  /** Sends the counts not yet sent and stops the timer. */
  close(): Promise<void>;
}

export function sharedLimiters(link: RedisLink, keys: SharedKeys, settings: FairnessSettings, replicas: number, timeoutMs: number): SharedFairness {
  const { client } = link;
  const store: LimiterStoreClient = {
    // RateLimiterRedis (rejectIfRedisNotReady) goes straight to the insurance when this is false.
    get isReady() {
      return link.up && client.isReady;
    },
    eval: client.eval.bind(client),
    multi: client.multi.bind(client),
    del: client.del.bind(client),
  };
  const insurances: [RateLimiterMemory, number][] = [];
  const limiter = (name: string, points: number, duration: number) => {
    const insurance = new RateLimiterMemory({ keyPrefix: name, points: shareOf(points, replicas), duration });
    insurances.push([insurance, points]);
    const redis = new RateLimiterRedis({ storeClient: store, useRedisPackage: true, rejectIfRedisNotReady: true, keyPrefix: keys.fairness(name), points, duration });
    return new RLWrapperTimeouts({ limiter: redis, timeoutMs, insuranceLimiter: insurance });
  };
  const requests = new BatchedFloodGuard(limiter('req', settings.requestsPerSecond, REQUEST_WINDOW_SECONDS), {
    keyPrefix: keys.fairness('req'),
    points: settings.requestsPerSecond,
    durationMs: REQUEST_WINDOW_SECONDS * 1000,
    batch: batchOf(settings.requestsPerSecond),
    flushMs: FLUSH_MS,
  });
  const upstreamCalls = new SharedBudget(limiter('up', settings.upstreamCallsPerMinute, UPSTREAM_WINDOW_SECONDS), {
    keyPrefix: keys.fairness('up'),
    freshMs: FLUSH_MS,
    maxAgeMs: BUDGET_VIEW_MAX_AGE_MS,
  });
  return {
    limiters: { requests, upstreamCalls, settings },
    resize(count) {
      for (const [insurance, points] of insurances) insurance.points = shareOf(points, count);
    },
    close: () => requests.close(),
  };
}

interface FloodGuardOptions {
  keyPrefix: string;
  /** Requests per window, the fleet's. */
  points: number;
  durationMs: number;
  /** Requests this replica admits before the fleet hears of them. */
  batch: number;
  flushMs: number;
}

/** A token's count on this replica. */
interface TokenCount {
  /** The fleet's count in the current window, as Redis last told it (this replica's sent ones included). */
  known: number;
  /** When the current window ends (local clock; 0: no window known). */
  windowEnd: number;
  /** Admitted here, not yet sent. */
  pending: number;
  /** Sent, Redis's answer not back yet. */
  inFlight: number;
  /**
   * The last batch was refused, by Redis (the fleet's count is past the limit) or, while Redis is
   * away, by the insurance (this replica's count is past its share): refused here until the window ends.
   */
  refused: boolean;
  /** A batch on its way to Redis. */
  sending: Promise<void> | null;
}

/**
 * The flood guard of a replica in a fleet: a RateLimiterCompatibleAbstract counting requests here
 * and adding them to the fleet's limiter (`shared`, RateLimiterRedis behind its timeout wrapper) in
 * batches. `consume` costs a Redis round trip only for the request that fills a batch.
 */
export class BatchedFloodGuard extends RateLimiterCompatibleAbstract {
  private readonly counts = new Map<string, TokenCount>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly shared: RateLimiterLike,
    private readonly options: FloodGuardOptions,
  ) {
    super();
    this.keyPrefix = options.keyPrefix;
  }

  // What RateLimiterCompatibleAbstract asks every limiter to tell (fields: they shadow its throwing getters).
  override readonly keyPrefix: string;
  override blockDuration = 0;
  override execEvenly = false;

  /** Admits `points` requests of `key`, or rejects with a RateLimiterRes (as every limiter does). */
  override async consume(key: string | number, points = 1): Promise<RateLimiterRes> {
    const name = String(key);
    for (;;) {
      const count = this.count(name);
      if (count.refused || count.known + count.inFlight + count.pending + points > this.options.points) throw this.state(count, true);
      // Fewer than a batch admitted that the fleet has not counted yet: admitted here.
      if (count.inFlight + count.pending + points < this.options.batch) {
        count.pending += points;
        this.schedule();
        return this.state(count, false);
      }
      // A batch on its way: its answer first (a round trip at most), then this request is looked at again.
      if (count.sending) {
        await count.sending;
        continue;
      }
      // This request fills the batch: Redis's answer decides it.
      count.pending += points;
      const fleet = await this.flush(name, count);
      if (fleet.consumedPoints > this.options.points) throw new RateLimiterRes(0, fleet.msBeforeNext, fleet.consumedPoints, false);
      return fleet;
    }
  }

  /** This replica's view: the fleet's count as last heard, and its own unsent requests. No round trip. */
  override async get(key: string | number): Promise<RateLimiterRes | null> {
    const count = this.counts.get(String(key));
    return count ? this.state(this.current(count), false) : null;
  }

  override async penalty(key: string | number, points = 1): Promise<RateLimiterRes> {
    const count = this.count(String(key));
    count.pending += points;
    this.schedule();
    return this.state(count, false);
  }

  override async reward(key: string | number, points = 1): Promise<RateLimiterRes> {
    const count = this.count(String(key));
    const fromPending = Math.min(points, count.pending);
    count.pending -= fromPending;
    if (fromPending === points) return this.state(count, false);
    return this.learn(count, await this.shared.reward(key, points - fromPending));
  }

  override async set(key: string | number, points: number, secDuration: number): Promise<RateLimiterRes> {
    const count = this.count(String(key));
    count.pending = 0;
    return this.learn(count, await this.shared.set(key, points, secDuration));
  }

  override async block(key: string | number, secDuration: number): Promise<RateLimiterRes> {
    const count = this.count(String(key));
    count.pending = 0;
    return this.learn(count, await this.shared.block(key, secDuration));
  }

  override async delete(key: string | number): Promise<boolean> {
    this.counts.delete(String(key));
    return this.shared.delete(key);
  }

  /** Sends what is pending and stops the timer (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushAll();
  }

  private count(key: string): TokenCount {
    let count = this.counts.get(key);
    if (!count) this.counts.set(key, (count = { known: 0, windowEnd: 0, pending: 0, inFlight: 0, refused: false, sending: null }));
    return this.current(count);
  }

  /** The window over, what Redis counted of it is gone. */
  private current(count: TokenCount): TokenCount {
    if (count.windowEnd !== 0 && Date.now() >= count.windowEnd) {
      count.known = 0;
      count.windowEnd = 0;
      count.refused = false;
    }
    return count;
  }

  private state(count: TokenCount, refused: boolean): RateLimiterRes {
    const now = Date.now();
    const msBeforeNext = count.windowEnd > now ? count.windowEnd - now : this.options.durationMs;
    const consumed = count.known + count.inFlight + count.pending;
    return new RateLimiterRes(refused ? 0 : Math.max(0, this.options.points - consumed), msBeforeNext, consumed, false);
  }

  private learn(count: TokenCount, fleet: RateLimiterRes, refused = false): RateLimiterRes {
    count.known = fleet.consumedPoints;
    count.windowEnd = Date.now() + fleet.msBeforeNext;
    count.refused = refused;
    return fleet;
  }

  /**
   * Sends the token's pending requests (after a batch already on its way) and returns the fleet's
   * count with them: Redis's answer, or the insurance's while Redis is away.
   */
  private async flush(key: string, count: TokenCount): Promise<RateLimiterRes> {
    while (count.sending) await count.sending;
    const points = count.pending;
    // Sent by the batch before this one (a request waiting for it): what it answered covers them.
    if (points === 0) return this.state(this.current(count), false);
    count.pending = 0;
    count.inFlight = points;
    let answer: RateLimiterRes | undefined;
    let refused = false;
    const sending = this.shared.consume(key, points).then(
      (res) => {
        answer = res;
      },
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) return;
        answer = rejection;
        refused = true;
      },
    );
    count.sending = sending;
    try {
      await sending;
    } finally {
      count.sending = null;
      count.inFlight = 0;
    }
    // No answer at all (neither Redis nor the insurance): counted again with the next batch.
    if (!answer) {
      count.pending += points;
      return this.state(count, false);
    }
    return this.learn(count, answer, refused);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushAll().finally(() => {
        if ([...this.counts.values()].some((c) => c.pending > 0)) this.schedule();
      });
    }, this.options.flushMs);
    this.timer.unref();
  }

  private async flushAll(): Promise<void> {
    const sends: Promise<unknown>[] = [];
    for (const [key, count] of this.counts) {
      if (count.pending > 0) sends.push(this.flush(key, count).catch(() => {}));
      // A token neither counting nor in a window: forgotten.
      else if (!count.sending && this.current(count).windowEnd === 0) this.counts.delete(key);
    }
    await Promise.all(sends);
  }
}

interface BudgetOptions {
  keyPrefix: string;
  /** A view younger than this is used as is. */
  freshMs: number;
  /** A view younger than this is used while a fresh one is fetched; an older one (or none) is waited for. */
  maxAgeMs: number;
}

interface BudgetView {
  /** Redis's last answer about the token (null: nothing spent in this window). */
  res: RateLimiterRes | null;
  at: number;
  refreshing: Promise<RateLimiterRes | null> | null;
}

/**
 * The upstream budget of a replica in a fleet: spending (consume, penalty, reward) is exact, on the
 * fleet's limiter, at each upstream call; reading it (`get`, at every request's admission and for
 * `extensions.cost`) answers from this replica's view, refreshed by every answer and at most every
 * `freshMs` in the background.
 */
export class SharedBudget extends RateLimiterCompatibleAbstract {
  private readonly views = new Map<string, BudgetView>();

  constructor(
    private readonly shared: RateLimiterLike,
    private readonly options: BudgetOptions,
  ) {
    super();
    this.keyPrefix = options.keyPrefix;
  }

  // What RateLimiterCompatibleAbstract asks every limiter to tell (fields: they shadow its throwing getters).
  override readonly keyPrefix: string;
  override blockDuration = 0;
  override execEvenly = false;

  override consume(key: string | number, points = 1): Promise<RateLimiterRes> {
    return this.track(key, this.shared.consume(key, points));
  }

  override penalty(key: string | number, points = 1): Promise<RateLimiterRes> {
    return this.track(key, this.shared.penalty(key, points));
  }

  override reward(key: string | number, points = 1): Promise<RateLimiterRes> {
    return this.track(key, this.shared.reward(key, points));
  }

  override set(key: string | number, points: number, secDuration: number): Promise<RateLimiterRes> {
    return this.track(key, this.shared.set(key, points, secDuration));
  }

  override block(key: string | number, secDuration: number): Promise<RateLimiterRes> {
    return this.track(key, this.shared.block(key, secDuration));
  }

  override async delete(key: string | number): Promise<boolean> {
    this.views.delete(String(key));
    return this.shared.delete(key);
  }

  override async get(key: string | number): Promise<RateLimiterRes | null> {
    const name = String(key);
    const view = this.views.get(name);
    const age = view ? Date.now() - view.at : Number.POSITIVE_INFINITY;
    if (view && age < this.options.maxAgeMs) {
      if (age >= this.options.freshMs) void this.refresh(name).catch(() => {});
      return aged(view);
    }
    return this.refresh(name);
  }

  private refresh(key: string): Promise<RateLimiterRes | null> {
    const view = this.views.get(key);
    if (view?.refreshing) return view.refreshing;
    const refreshing = this.shared.get(key).then(
      (res) => {
        this.remember(key, res);
        return res;
      },
      (error: unknown) => {
        const current = this.views.get(key);
        if (current) current.refreshing = null;
        throw error;
      },
    );
    if (view) view.refreshing = refreshing;
    else this.views.set(key, { res: null, at: 0, refreshing });
    return refreshing;
  }

  private async track(key: string | number, answer: Promise<RateLimiterRes>): Promise<RateLimiterRes> {
    try {
      const res = await answer;
      this.remember(String(key), res);
      return res;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) this.remember(String(key), rejection);
      throw rejection;
    }
  }

  private remember(key: string, res: RateLimiterRes | null): void {
    this.views.set(key, { res, at: Date.now(), refreshing: null });
    if (this.views.size > 10_000) {
      const now = Date.now();
      for (const [k, v] of this.views) if (!v.refreshing && now - v.at >= this.options.maxAgeMs) this.views.delete(k);
    }
  }
}

/** A view as of now: its window's remaining time shortened by its age; a window over is a whole budget (null). */
function aged(view: BudgetView): RateLimiterRes | null {
  if (!view.res) return null;
  const msBeforeNext = view.res.msBeforeNext - (Date.now() - view.at);
  if (msBeforeNext <= 0) return null;
  return new RateLimiterRes(view.res.remainingPoints, msBeforeNext, view.res.consumedPoints, view.res.isFirstInDuration);
}
