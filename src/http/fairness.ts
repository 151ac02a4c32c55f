// Fairness between callers: per-token limits on requests and on upstream calls per minute, so one
// caller cannot spend an app's quota for everybody (rate-limiter-flexible; in memory by default,
// on Redis for a fleet with the in-memory limiter as insurance while Redis is down).
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Caller } from '../auth/callers.js';
import { GatewayError } from '../errors.js';

export interface FairnessSettings {
  requestsPerMinute: number;
  upstreamCallsPerMinute: number;
}

export interface FairnessLimiters {
  requests: RateLimiterAbstract;
  upstreamCalls: RateLimiterAbstract;
}

export function memoryLimiters(settings: FairnessSettings): FairnessLimiters {
  return {
    requests: new RateLimiterMemory({ keyPrefix: 'req', points: settings.requestsPerMinute, duration: 60 }),
    upstreamCalls: new RateLimiterMemory({ keyPrefix: 'up', points: settings.upstreamCallsPerMinute, duration: 60 }),
  };
}

export class Fairness {
  constructor(private limiters: FairnessLimiters) {}

  use(limiters: FairnessLimiters): void {
    this.limiters = limiters;
  }

  /** Counts one request of the caller; RATE_LIMITED (HTTP 429) when its minute is spent, or its upstream calls are. */
  async admitRequest(caller: Caller): Promise<void> {
    await consume(this.limiters.requests, caller, 'requests', true);
    const calls = await this.limiters.upstreamCalls.get(caller.name);
    if (calls && calls.remainingPoints <= 0) throw refusal(caller, 'upstream calls', calls.msBeforeNext, true);
  }

  /** Counts one upstream call made for the caller; past the limit the field that needed it fails. */
  async takeUpstreamCall(caller: Caller): Promise<void> {
    await consume(this.limiters.upstreamCalls, caller, 'upstream calls', false);
  }
}

async function consume(limiter: RateLimiterAbstract, caller: Caller, what: string, wholeRequest: boolean): Promise<void> {
  try {
    await limiter.consume(caller.name);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw refusal(caller, what, rejection.msBeforeNext, wholeRequest);
    throw rejection;
  }
}

/** RATE_LIMITED with retryAfterSeconds; a refused request is HTTP 429 with Retry-After. */
export function refusal(caller: Caller, what: string, msBeforeNext: number, wholeRequest: boolean): GatewayError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new GatewayError('RATE_LIMITED', `The token "${caller.name}" has used its ${what} for this minute; try again in ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
    ...(wholeRequest ? { http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) } } : {}),
  });
}
