// Coalescing: identical idempotent calls in flight, from any request, become one call — in this
// process (a table of flights), and across replicas when a Coalescer is there (src/shared/coalescer.ts).
// It takes two places in the order: `join`, before anything is paid (a call already in flight is
// waited for, free); and `lead`, once the request has paid, where it starts the call — or, when an
// identical one started meanwhile, joins that and is given back what it paid. The request that
// starts a call is the one charged for it. The shared call runs on its own signal, ended only when
// every request waiting for it has gone.
//
// Invalidations win their races: a call in flight when an invalidation covered its key — made in
// this process, or (through the store's epochs, src/http/cache/store.ts) on any replica — does not
// store its answer, and its waiters get one from after the invalidation instead (what a call started
// since stored, or this call made again), so no answer older than an invalidation is stored or
// served once the invalidation is done.
import { SpanKind } from '@opentelemetry/api';
import { RequestCancelledError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { tracer } from '../../observability/tracing.js';
import type { Epoch, Epochs } from '../cache/store.js';
import type { Call, Stage } from './stage.js';

/**
 * Coalescing across replicas (src/shared/coalescer.ts): one replica, holding a short lease, makes the
 * call; the others wait and `read` what it stored.
 */
export interface Coalescer {
  /**
   * `fetch` makes the call and stores its answer where `read` finds it; `read` answers undefined
   * until then. `leaseMs` bounds how long other replicas wait for this one (longer than a call takes).
   * `signal` ends a wait (not a fetch already running) when nobody needs the answer any more.
   */
  run<T>(key: string, fetch: () => Promise<T>, read: () => Promise<T | undefined>, leaseMs: number, signal?: AbortSignal): Promise<T>;
}

interface Flight {
  promise: Promise<unknown>;
  controller: AbortController;
  waiters: number;
}

/** How long an invalidation is remembered for calls in flight (far longer than any call's deadline). */
const INVALIDATION_MEMORY_MS = 10 * 60_000;

/** Attempts of a call whose answers keep being superseded by invalidations; the last one's answer is served, not stored. */
const MAX_ATTEMPTS = 3;

/** The key a call is shared under; null when it is not shared. */
const sharedKey = (call: Call): string | null => (call.flight !== null && call.endpoint.idempotent ? call.flight.key : null);

export class Flights {
  private readonly flights = new Map<string, Flight>();
  /** Recent invalidations by key prefix, numbered: a call in flight when one covered its key does not store its answer. */
  private readonly invalidations = new Map<string, { n: number; at: number }>();
  private invalidationCount = 0;

  constructor(private readonly deps: { metrics: Metrics; logger: Logger; coalescer?: Coalescer; cache?: { readonly epochs?: Epochs } }) {}

  /** A call already in flight is joined before anything is paid; what is paid below and not kept is given back. */
  readonly join: Stage = (next) => async (call) => {
    const key = sharedKey(call);
    const flight = key === null ? undefined : this.flights.get(key);
    if (flight) {
      this.joined(call);
      return waitFor(flight, call.ctx.signal, () => this.forget(key!, flight));
    }
    try {
      return await next(call);
    } catch (error) {
      await call.payment.giveBack();
      throw error;
    }
  };

  /** Paid: starts the call, shared under its key — or joins an identical one started meanwhile, given back what was paid. */
  readonly lead: Stage = (next) => async (call) => {
    const key = sharedKey(call);
    if (key === null) {
      call.payment.keep();
      const value = await next(call);
      await call.flight?.store?.(value);
      return value;
    }
    let flight = this.flights.get(key);
    if (flight) {
      await call.payment.giveBack();
      this.joined(call, false);
    } else {
      call.payment.keep();
      flight = this.start(key, call, next);
    }
    const joined = flight;
    return waitFor(joined, call.ctx.signal, () => this.forget(key, joined));
  };

  private start(key: string, call: Call, next: (call: Call) => Promise<unknown>): Flight {
    const controller = new AbortController();
    const { store, read } = call.flight!;
    const epochs = this.deps.cache?.epochs;
    const fetch = async (): Promise<unknown> => {
      for (let attempt = 1; ; attempt++) {
        // What this attempt must see unchanged to store its answer: read before the call goes out.
        const seen = this.invalidationCount;
        const epoch: Epoch | undefined = store && epochs ? await epochs.read(key) : undefined;
        const attemptCall = attempt === 1 ? call : { ...call, exchange: { started: 0, response: null, cause: null, businessCode: null } };
        const value = await next({ ...attemptCall, signal: controller.signal });
        if (!store) return value;
        let stored: boolean;
        if (this.invalidatedSince(key, seen)) stored = false;
        else if (epoch !== undefined) stored = await epochs!.guard(epoch, () => store(value));
        else {
          await store(value);
          stored = !this.invalidatedSince(key, seen);
        }
        if (stored) return value;
        // Superseded: an answer from after the invalidation instead — what a call started since stored, or this call again.
        // (Not a newer flight's promise: across replicas it may be waiting for this one's lease.)
        this.deps.metrics.cacheEvents.inc({ endpoint: call.endpoint.name, event: 'superseded' });
        const kept = read ? await read().catch(() => undefined) : undefined;
        if (kept !== undefined) return kept;
        if (attempt >= MAX_ATTEMPTS) {
          this.deps.logger.warn('an answer was superseded by invalidations on every attempt: served, not stored', { endpoint: call.endpoint.name, attempts: attempt });
          return value;
        }
      }
    };
    // Across replicas too, when a shared coalescer and a way to read the answer back are there.
    const { coalescer } = this.deps;
    const promise = coalescer && read ? coalescer.run(key, fetch, read, Math.max(1_000, call.ctx.deadline - Date.now()), controller.signal) : fetch();
    const flight: Flight = { promise, controller, waiters: 0 };
    this.flights.set(key, flight);
    const done = () => this.forget(key, flight);
    promise.then(done, done);
    return flight;
  }

  private joined(call: Call, span = true): void {
    const { endpoint, ctx } = call;
    ctx.stats.coalesced++;
    if (span) tracer.startSpan(`jiguang ${endpoint.name}`, { kind: SpanKind.CLIENT, attributes: { 'jiguang.endpoint': endpoint.name, 'jiguang.cache': 'coalesced' } }).end();
    this.deps.metrics.cacheEvents.inc({ endpoint: endpoint.name, event: 'coalesced' });
  }

  /** Forgets a flight (ended, or abandoned by every request waiting for it), unless another has taken its key. */
  private forget(key: string, flight: Flight): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
  }

  /**
   * Calls already in flight under `prefix` started before a change: later requests do not join
   * them, and their answers are not stored (they would undo the invalidation) but fetched again.
   */
  invalidate(prefix: string): void {
    const now = Date.now();
    for (const [p, { at }] of this.invalidations) if (at < now - INVALIDATION_MEMORY_MS) this.invalidations.delete(p);
    this.invalidations.set(prefix, { n: ++this.invalidationCount, at: now });
    for (const key of this.flights.keys()) if (key.startsWith(prefix)) this.flights.delete(key);
  }

  private invalidatedSince(key: string, seen: number): boolean {
    if (seen === this.invalidationCount) return false;
    for (const [prefix, { n }] of this.invalidations) if (n > seen && key.startsWith(prefix)) return true;
    return false;
  }
}

/**
 * Waits for a flight, leaving it if the request goes away. When the last waiter leaves, the call is
 * aborted and the flight forgotten at once (`forget`), so a later request starts a call of its own
 * instead of joining one that is ending.
 */
async function waitFor(flight: Flight, signal: AbortSignal | undefined, forget: () => void): Promise<unknown> {
  const leave = () => {
    if (--flight.waiters === 0) {
      forget();
      flight.controller.abort();
    }
  };
  flight.waiters++;
  if (!signal) return flight.promise.finally(() => flight.waiters--);
  if (signal.aborted) {
    leave();
    throw new RequestCancelledError();
  }
  return new Promise<unknown>((resolve, reject) => {
    const onAbort = () => {
      leave();
      reject(new RequestCancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    flight.promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        flight.waiters--;
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        flight.waiters--;
        reject(error);
      },
    );
  });
}
