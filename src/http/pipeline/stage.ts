// What the stages of the upstream pipeline pass each other, after undici's interceptors
// (lib/interceptor/*): a stage is `(next) => (call) => Promise<answer>`, doing its part on the way
// down and, on the way back, to the answer (or the error) of the stages below it. The order is set
// once, in ./index.ts. Inside the pipeline answers are `unknown`; the facade (src/http/upstream.ts)
// types them by endpoint.
import type { Credentials } from '../../core/services.js';
import type { CallContext, StaleServe } from '../call.js';
import type { Endpoint } from '../endpoint.js';
import type { WireResponse } from '../transport.js';

/** A value and, when it came from an entry kept past its freshness because Jiguang failed, when it was fetched. */
export interface Served<T> {
  value: T;
  stale: StaleServe | null;
}

export type AnyEndpoint = Endpoint<unknown, unknown>;

/** What the caller wants back; only the cache stage reads it, the stages below it see answers. */
export type Ask =
  /** The answer (Served): from the cache when the endpoint has a policy; kept item by item, merged. */
  | { kind: 'answer' }
  /** The answer from Jiguang now, past the cache (Served, never stale). */
  | { kind: 'fresh' }
  /** An endpoint kept item by item: each item's own outcome, Served or Error, in the order of its ids. */
  | { kind: 'items' }
  /** Items of an answer index by id (Map id → Served or Error): fresh ones from the index, the others from `walk`. */
  | { kind: 'lookup'; ids: readonly string[]; walk(missing: readonly string[]): Promise<Map<string, Served<unknown>>> };

/** How a call is shared with identical calls (src/http/pipeline/coalescing.ts). */
export interface FlightSpec {
  /** Identical calls share this key; it starts with the owner's cache prefix, so invalidations reach it. */
  key: string;
  /** Once, with the answer of the call that was made (not per waiter): keeps it where `read` finds it. */
  store?(value: unknown): Promise<void>;
  /** What another replica's call stored, once it is there (coalescing across replicas needs it). */
  read?(): Promise<unknown>;
}

/** What one call exchanged with Jiguang: written by the wire and envelope stages, read above them. */
export interface Exchange {
  /** performance.now() when it went on the wire (after its quota slot); 0 until then. */
  started: number;
  response: WireResponse | null;
  /** Why no answer came (refused, reset, timeout…). */
  cause: string | null;
  businessCode: number | string | null;
}

/**
 * What a request pays to start a call (its budget, its token's fair share): kept once the call
 * starts, given back when the request joins an identical call in flight instead, or is refused on
 * the way. Quota waits are charged as they happen.
 */
export class Payment {
  private readonly refunds: (() => unknown)[] = [];
  private settled = false;
  /** Charges the request for waiting for a quota slot (set by the fairness stage). */
  quotaWaited: () => Promise<void> = async () => {};

  paid(refund: () => unknown): void {
    this.refunds.push(refund);
  }

  keep(): void {
    this.settled = true;
  }

  async giveBack(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    for (const refund of this.refunds) await refund();
  }
}

export interface Call {
  readonly endpoint: AnyEndpoint;
  readonly params: unknown;
  readonly ctx: CallContext;
  readonly ask: Ask;
  /** Shared with identical calls when set (and the endpoint is idempotent); null: this call alone. */
  readonly flight: FlightSpec | null;
  /** What ends the call: the request's signal, or a shared call's own (ended when every waiter has left). */
  readonly signal: AbortSignal | undefined;
  /** Resolved by the credentials stage. */
  readonly credentials: Credentials | null;
  readonly payment: Payment;
  readonly exchange: Exchange;
}

export type Dispatch = (call: Call) => Promise<unknown>;
export type Stage = (next: Dispatch) => Dispatch;

export const ANSWER: Ask = { kind: 'answer' };

export function newCall(endpoint: AnyEndpoint, params: unknown, ctx: CallContext, ask: Ask = ANSWER, flight: FlightSpec | null = null): Call {
  return {
    endpoint,
    params,
    ctx,
    ask,
    flight,
    signal: ctx.signal,
    credentials: null,
    payment: new Payment(),
    exchange: { started: 0, response: null, cause: null, businessCode: null },
  };
}

/** The stages in order, the first outermost, around `last`. */
export function compose(stages: readonly Stage[], last: Dispatch): Dispatch {
  return stages.reduceRight<Dispatch>((next, stage) => stage(next), last);
}
