// Chunked writes to Operation Growth: a list longer than Jiguang's 100 items per call is sent in
// chunks of 100, one after the other (Jiguang allows 100 calls per second per project, and a fault
// stays attributable to its chunk). A chunk's failure marks only its own items; the others still go.
import { type ErrorCode, GatewayError, RequestCancelledError, UpstreamError } from '../core/errors.js';
import type { OwnCallsRule } from '../http/batch.js';
import { GROWTH_MAX_ITEMS } from './endpoints.js';

/** Most items one mutation takes (the gateway's own bound: 100 calls to Jiguang). */
export const GROWTH_MAX_TOTAL = 10_000;

export interface GrowthItemError {
  code: ErrorCode;
  message: string;
  businessCode: number | null;
}

/**
 * How a Growth list goes out: [start, end) of each chunk of `size` items, in order — one call each.
 * The chunked mutations and the growthUser loader send these; the cost model counts them.
 */
export function chunkBounds(length: number, size = GROWTH_MAX_ITEMS): [start: number, end: number][] {
  const bounds: [number, number][] = [];
  for (let start = 0; start < length; start += size) bounds.push([start, Math.min(length, start + size)]);
  return bounds;
}

/**
 * A chunked write (`@upstream(rule: "growth.chunks")`): one call per chunk of the items its
 * `@listSize` counts. More than GROWTH_MAX_TOTAL are refused before any call.
 */
export const growthChunkCalls: OwnCallsRule = {
  name: 'growth.chunks',
  calls: ({ sliced }) => chunkBounds(Math.min(sliced ?? 0, GROWTH_MAX_TOTAL)).length,
};

/**
 * Sends `items` in chunks of `size` through `send` (given a chunk and its offset in `items`), in
 * order. Returns, per item, null when its chunk succeeded or the error its chunk got. Gateway errors
 * are per chunk; cancellation and unexpected failures end the whole run.
 */
export async function inChunks<T>(items: readonly T[], send: (chunk: T[], offset: number) => Promise<void>, size = GROWTH_MAX_ITEMS): Promise<(GrowthItemError | null)[]> {
  const outcomes: (GrowthItemError | null)[] = [];
  for (const [offset, end] of chunkBounds(items.length, size)) {
    const chunk = items.slice(offset, end);
    let outcome: GrowthItemError | null = null;
    try {
      await send(chunk, offset);
    } catch (error) {
      if (!(error instanceof GatewayError) || error instanceof RequestCancelledError) throw error;
      outcome = itemError(error);
    }
    for (let i = 0; i < chunk.length; i++) outcomes.push(outcome);
  }
  return outcomes;
}

export function itemError(error: GatewayError): GrowthItemError {
  const business = error instanceof UpstreamError ? Number(error.jiguang.businessCode) : NaN;
  return {
    code: error.code,
    message: error.message,
    businessCode: error instanceof UpstreamError && error.jiguang.businessCode !== null && Number.isSafeInteger(business) ? business : null,
  };
}

/** The counts and per-item entries of a payload, from the outcomes and a per-item extra. */
export function summarize<X extends object>(outcomes: (GrowthItemError | null)[], extra: (index: number, ok: boolean) => X) {
  const items = outcomes.map((error, index) => ({ index, ok: error === null, error, ...extra(index, error === null) }));
  const failed = outcomes.filter((e) => e !== null).length;
  return { total: outcomes.length, succeeded: outcomes.length - failed, failed, items };
}
