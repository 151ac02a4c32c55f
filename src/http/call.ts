// What every upstream call carries from the GraphQL request that asked for it: ids for tracing,
// cancellation and a deadline, who is asking, the request's upstream-call budget, and counters the
// access log and the `stale` response extension are built from.
import type { Caller } from '../auth/callers.js';
import { GatewayError } from '../errors.js';

export interface StaleServe {
  /** The cache entry's key (service, app, endpoint, parameters; never credentials). */
  key: string;
  /** When the data was fetched from Jiguang (epoch ms). */
  storedAt: number;
}

/** Per-request counters. */
export class RequestStats {
  upstreamCalls = 0;
  cacheHits = 0;
  coalesced = 0;
  readonly stale: StaleServe[] = [];
}

/**
 * The most upstream calls one request may make. The document's worst case is checked before it
 * runs (src/limits/); this counter enforces the same bound at run time, whatever the estimate missed.
 */
export class UpstreamBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  take(): void {
    if (this.used >= this.limit) {
      throw new GatewayError(
        'UPSTREAM_BUDGET_EXCEEDED',
        `This request has used its budget of ${this.limit} calls to Jiguang; ask for fewer items (\`first\`), fewer apps or fewer statistics ranges per request.`,
      );
    }
    this.used++;
  }

  get spent(): number {
    return this.used;
  }
}

export interface CallContext {
  requestId: string;
  /** The GraphQL request's signal: when it aborts, its calls end. */
  signal?: AbortSignal;
  /** Epoch ms after which no call may still be waiting or running for this request. */
  deadline: number;
  /** Who is asking; null for the gateway's own background work (refreshes). */
  caller: Caller | null;
  budget: UpstreamBudget;
  stats: RequestStats;
}

/** A call context for work the gateway does on its own (background refreshes): no caller, no request. */
export function backgroundCall(requestId: string, timeoutMs: number): CallContext {
  return { requestId, deadline: Date.now() + timeoutMs, caller: null, budget: new UpstreamBudget(Number.POSITIVE_INFINITY), stats: new RequestStats() };
}
