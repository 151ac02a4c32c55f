// The upstream pipeline, in order: a call goes down this list and its answer (or error) comes back
// up it. Assembled once per process (src/http/upstream.ts), the same for every endpoint: what
// differs between endpoints is in their descriptions (src/http/endpoint.ts).
import type { CredentialSource } from '../credentials.js';
import type { Fairness } from '../fairness.js';
import type { QuotaScheduler } from '../quota.js';
import { access, credentials } from './access.js';
import { budget } from './budget.js';
import { cache } from './cache.js';
import { type Coalescer, Flights } from './coalescing.js';
import { envelope } from './envelope.js';
import { fairness } from './fairness.js';
import { parse } from './parse.js';
import { quota } from './quota.js';
import type { CacheDeps } from './records.js';
import { compose, type Dispatch } from './stage.js';
import { trace } from './trace.js';
import { type WireDeps, wire } from './wire.js';

export interface PipelineDeps extends CacheDeps, WireDeps {
  credentials: CredentialSource;
  quota: QuotaScheduler;
  fairness: Fairness;
  /** Coalescing of identical reads across replicas (Redis); within this process only when absent. */
  coalescer?: Coalescer;
}

export function assemble(deps: PipelineDeps): { dispatch: Dispatch; flights: Flights } {
  const flights = new Flights(deps);
  const stages = [
    access, //                       the caller may see this app (or account, or project): before anything is served
    cache(deps), //                  fresh, grace, stale-if-error; whole answers, items, answer indexes
    flights.join, //                 an identical call in flight is waited for: nothing paid
    credentials(deps.credentials), // what the call carries (refused here: nothing paid)
    budget, //                       the request's upstream-call budget
    fairness(deps.fairness), //      the token's upstream budget: the call's weight
    flights.lead, //                 paid: the call starts, shared in process and across replicas (or joins one started meanwhile: refunded)
    trace(deps), //                  the client span; once sent, metrics and the request's call count
    quota(deps.quota), //            a slot of the endpoint's bucket, waited for; Jiguang's rate-limit signals pause it
    parse, //                        the endpoint's model
    envelope, //                     the service's envelope: business codes to gateway codes
  ];
  return { dispatch: compose(stages, wire(deps)), flights };
}

export type { Coalescer } from './coalescing.js';
export type { Served } from './stage.js';
