// What every upstream call carries from the GraphQL request that asked for it: ids for tracing,
// cancellation and a deadline, who is asking, the request's upstream-call budget, and counters the
// access log and the `stale` response extension are built from.
import type { Caller } from '../auth/callers.js';
import { GatewayError } from '../core/errors.js';

export interface StaleServe {
  /** The cache entry's key (service, app, endpoint, parameters; never credentials). */
  key: string;
  /** When the data was fetched from Jiguang (epoch ms). */
  storedAt: number;
}

/** Per-request counters. */
export class RequestStats {
  /** Calls this request sent to Jiguang (a retry after a connection failure is the same call). */
  upstreamCalls = 0;
  /** Answers served from the cache. */
  cacheHits = 0;
  /** Identical calls already in flight that this request joined instead of making its own. */
  coalesced = 0;
  /** Milliseconds this request's calls waited for quota slots, summed over the calls. */
  quotaWaitMs = 0;
  /** What the request spent of its token's upstream budget. */
  readonly budget = new BudgetUse();
  readonly stale: StaleServe[] = [];
}

/** A token's upstream budget (src/http/fairness.ts) as a request last saw it. */
export interface BudgetState {
  /** Points a window. */
  limit: number;
  /** Points left in the current window. */
  remaining: number;
  /** When the window's points come back (epoch ms); 0 when none are spent. */
  resetAt: number;
}

/** What one request has spent of its token's upstream budget, and the budget as last seen. */
export class BudgetUse {
  /** Points charged: upstream calls started, plus whole seconds of quota wait. */
  charged = 0;
  /** The part of `charged` that is quota wait. */
  waitPoints = 0;
  seen: BudgetState | null = null;

  /** Records the limiter's answer (null: nothing spent this window); within one window the lowest remaining wins, answers can arrive out of order. */
  note(limit: number, state: { remainingPoints: number; msBeforeNext: number } | null): void {
    const next: BudgetState = state
      ? { limit, remaining: Math.max(0, Math.min(limit, state.remainingPoints)), resetAt: Date.now() + Math.max(0, state.msBeforeNext) }
      : { limit, remaining: limit, resetAt: 0 };
    const last = this.seen;
    const sameWindow = last !== null && last.resetAt !== 0 && Math.abs(next.resetAt - last.resetAt) < 1_000;
    if (!last || !sameWindow || next.remaining < last.remaining) this.seen = next;
  }
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

  /** Gives back a call taken but not made (it was refused, or joined one in flight). */
  giveBack(): void {
    if (this.used > 0) this.used--;
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
