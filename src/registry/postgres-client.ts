// The PostgreSQL registry's connections count their round trips: every query sent, through the pool
// or on the change feed's own connection, adds one to the purpose its connection is labelled with
// (gateway_registry_queries_total). In steady state only the periodic check ("check") moves.
import { Client, type ClientConfig } from 'pg';

export const QUERY_PURPOSES = [
  /** Opening: migrations, the key check, the first load. */
  'open',
  /** A write's statements, BEGIN and COMMIT included. */
  'write',
  /** Re-reading the rows a change notice names. */
  'refresh',
  /** Reading everything again (after the feed reconnected, or when the check found a difference). */
  'reload',
  /** The periodic comparison of the copy with the database. */
  'check',
  /** Looking up an app key the copy does not hold (an app created elsewhere a moment ago). */
  'lookup',
  /** Readiness (/ready). */
  'ping',
  /** LISTEN on the change feed's connection. */
  'listen',
] as const;

export type QueryPurpose = (typeof QUERY_PURPOSES)[number];

export class QueryTally {
  readonly counts: Record<QueryPurpose, number> = Object.fromEntries(QUERY_PURPOSES.map((p) => [p, 0])) as Record<QueryPurpose, number>;

  total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}

/** A connection with the purpose its queries count under; unlabelled ones count as "open" (the migrations). */
export interface Labelled {
  purpose?: QueryPurpose;
}

export type CountingClient = Client & Labelled;

/** A pg Client class whose every query adds one to `tally` (pass it to Pool as `Client`). */
export function countingClient(tally: QueryTally): new (config?: ClientConfig) => CountingClient {
  return class extends Client implements Labelled {
    purpose?: QueryPurpose;

    constructor(config?: ClientConfig) {
      super(config);
      const query = this.query;
      // Counted when sent, synchronously, so a label set around one call applies to it alone.
      this.query = ((...args: unknown[]) => {
        tally.counts[this.purpose ?? 'open']++;
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      }) as Client['query'];
    }
  };
}
