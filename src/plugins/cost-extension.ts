// Apollo plugin: every answer tells what it cost (as Shopify's Admin API does) — `extensions.cost`
// with the calls to Jiguang the document could make (estimated before execution), those it made,
// the answers that came from the cache or from an identical call in flight, the time its calls
// waited for quota slots, and the token's upstream budget after it — so a frontend can back off
// before it is refused. The 429 written at admission carries the same object (src/server.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { RequestStats } from '../http/call.js';
import { UPSTREAM_WINDOW_SECONDS } from '../http/fairness.js';
import type { Measure } from '../limits/cost.js';

/** `extensions.cost`: counts of calls to Jiguang, and the token's upstream budget (docs/limits-and-cost.md, "What an answer cost"). */
export interface CostExtension {
  /** The most calls the document could make, measured before execution; null when it was not measured (it did not parse or validate). */
  estimatedUpstreamCalls: number | null;
  /** Calls this request sent to Jiguang. */
  upstreamCalls: number;
  /** Answers served from the gateway's cache, without a call. */
  cacheHits: number;
  /** Identical calls in flight (another request's) this request joined, without a call of its own. */
  coalesced: number;
  /** Milliseconds this request's calls waited for quota slots, summed over the calls. */
  quotaWaitMs: number;
  /** The token's upstream budget; null when the request has no token's budget to tell. */
  budget: CostBudget | null;
}

export interface CostBudget {
  /** Points this request spent: 1 per call it started, 1 per whole second its calls waited for quota slots. */
  charged: number;
  /** Points left in the token's current window, as this request last saw them (other requests of the token spend them too). */
  remaining: number;
  /** Points a window (GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE). */
  limit: number;
  /** The window's length. */
  windowSeconds: number;
  /** Seconds until the window's points come back whole; 0 when none are spent. */
  resetInSeconds: number;
}

/** The cost of a request from its counters and its measure. */
export function costOf(stats: RequestStats, measure: Measure | null): CostExtension {
  const seen = stats.budget.seen;
  return {
    estimatedUpstreamCalls: measure ? measure.calls : null,
    upstreamCalls: stats.upstreamCalls,
    cacheHits: stats.cacheHits,
    coalesced: stats.coalesced,
    quotaWaitMs: Math.round(stats.quotaWaitMs),
    budget: seen
      ? {
          charged: stats.budget.charged,
          remaining: seen.remaining,
          limit: seen.limit,
          windowSeconds: UPSTREAM_WINDOW_SECONDS,
          resetInSeconds: seen.resetAt === 0 ? 0 : Math.max(0, Math.ceil((seen.resetAt - Date.now()) / 1000)),
        }
      : null,
  };
}

export const costExtension: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        result.extensions = { ...result.extensions, cost: costOf(contextValue.call.stats, contextValue.estimate.measure) };
      },
    };
  },
};
