// Fairness between callers, by what a request costs (rate-limiter-flexible; in memory by default, on
// Redis for a fleet with the in-memory limiter as insurance while Redis is down). Two limits per token:
//  - the upstream budget, GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE points a minute: an upstream call
//    the request starts costs 1 point, and waiting for a quota slot costs 1 point per second waited
//    (summed over the request's calls; the part of a second left over at the end is free). An answer
//    from the cache, or a call joined while in flight (coalesced), costs nothing. A token whose budget
//    is spent gets HTTP 429 at admission, or RATE_LIMITED on the fields that needed a call;
//  - a flood guard, GATEWAY_TOKEN_REQUESTS_PER_SECOND requests a second whatever they cost, set far
//    above what a busy frontend sends so that it only ever stops a runaway client.
import { type RateLimiterLike, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Caller } from '../auth/callers.js';
import type { FairnessSettings } from '../config/index.js';
import { GatewayError } from '../core/errors.js';
import type { BudgetUse } from './call.js';

/** The window of the flood guard: a second, so a refused token is back a second later. */
export const REQUEST_WINDOW_SECONDS = 1;
/** The window of the upstream budget. */
export const UPSTREAM_WINDOW_SECONDS = 60;
/** What a second of waiting for a quota slot costs, in upstream-budget points. */
export const QUOTA_WAIT_POINTS_PER_SECOND = 1;

export interface FairnessLimiters {
  /** Any rate-limiter-flexible limiter, or one compatible with them (a fleet's count in batches: src/shared/fairness.ts). */
  requests: RateLimiterLike;
  upstreamCalls: RateLimiterLike;
  /** What the limiters were made with (a wrapped limiter does not tell its points). */
  settings: FairnessSettings;
}

export function memoryLimiters(settings: FairnessSettings): FairnessLimiters {
  return {
    requests: new RateLimiterMemory({ keyPrefix: 'req', points: settings.requestsPerSecond, duration: REQUEST_WINDOW_SECONDS }),
    upstreamCalls: new RateLimiterMemory({ keyPrefix: 'up', points: settings.upstreamCallsPerMinute, duration: UPSTREAM_WINDOW_SECONDS }),
    settings,
  };
}

export class Fairness {
  constructor(private readonly limiters: FairnessLimiters) {}

  get settings(): FairnessSettings {
    return this.limiters.settings;
  }

  /**
   * Admits a request, or says why not (RATE_LIMITED with HTTP 429 and Retry-After): the token is over
   * the flood guard, or its upstream budget is spent. Costs one request of the flood guard and nothing
   * of the budget; notes the budget on `use`.
   */
  async admitRequest(caller: Caller, use: BudgetUse): Promise<GatewayError | null> {
    const [flood, calls] = await Promise.all([
      this.limiters.requests.consume(caller.name).then(
        () => null,
        (rejection: unknown) => {
          if (rejection instanceof RateLimiterRes) return rejection;
          throw rejection;
        },
      ),
      this.limiters.upstreamCalls.get(caller.name),
    ]);
    use.note(this.settings.upstreamCallsPerMinute, calls);
    if (flood) return refusal(caller, `limit of ${this.settings.requestsPerSecond} requests a second`, flood.msBeforeNext, true);
    if (calls && calls.remainingPoints <= 0) return refusal(caller, 'upstream budget for this minute', calls.msBeforeNext, true);
    return null;
  }

  /** Charges an upstream call the request starts (`points`: its endpoint's weight); past the budget the field that needed it fails (RATE_LIMITED). */
  async takeUpstreamCall(caller: Caller, use: BudgetUse, points = 1): Promise<void> {
    const limit = this.settings.upstreamCallsPerMinute;
    try {
      use.note(limit, await this.limiters.upstreamCalls.consume(caller.name, points));
      use.charged += points;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      use.note(limit, rejection);
      throw refusal(caller, 'upstream budget for this minute', rejection.msBeforeNext, false);
    }
  }

  /** Gives back a call charged to a request that then joined an identical call in flight instead of starting one. */
  async refundUpstreamCall(caller: Caller, use: BudgetUse, points = 1): Promise<void> {
    use.charged -= points;
    const res = await this.limiters.upstreamCalls.reward(caller.name, points).catch(() => null);
    if (res) use.note(this.settings.upstreamCallsPerMinute, res);
  }

  /**
   * Charges a request's waits for quota slots: 1 point per whole second waited, summed over its calls
   * (`totalWaitMs`, the request's running total; the part of a second left at the end is free). The
   * wait is over, so this never refuses: the token's next call is refused when the budget is spent.
   */
  async chargeQuotaWait(caller: Caller, use: BudgetUse, totalWaitMs: number): Promise<void> {
    const due = Math.floor((totalWaitMs / 1000) * QUOTA_WAIT_POINTS_PER_SECOND) - use.waitPoints;
    if (due <= 0) return;
    use.waitPoints += due;
    use.charged += due;
    const res = await this.limiters.upstreamCalls.penalty(caller.name, due).catch(() => null);
    if (res) use.note(this.settings.upstreamCallsPerMinute, res);
  }
}

/** RATE_LIMITED with retryAfterSeconds; a refused request is HTTP 429 with Retry-After. */
export function refusal(caller: Caller, what: string, msBeforeNext: number, wholeRequest: boolean): GatewayError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new GatewayError('RATE_LIMITED', `The token "${caller.name}" has used its ${what}; try again in ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
    ...(wholeRequest ? { http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) } } : {}),
  });
}
