// What a PostgreSQL registry holds in memory (postgres.ts): every app, with its record and decrypted
// secret, and every side-record, each with the version of its last change (migration 002 stamps it).
// A state is adopted only when it is newer than what is held for its key, a deletion only when what
// is held is not newer than the deleted row: notices, re-reads, full reloads and this process's own
// writes may then arrive in any order and still leave the newest state.

import { compareApps } from './registry.js';
import type { AppRecord } from './types.js';

/** A stored secret that does not decrypt: secretOf answers REGISTRY_CORRUPT for it. */
export const CORRUPT: unique symbol = Symbol('corrupt secret');

export interface AppState {
  readonly record: Readonly<AppRecord>;
  /** Decrypted; null when the app has none. */
  readonly secret: string | null | typeof CORRUPT;
  readonly version: number;
}

export interface RecordState {
  /** The JSON text as stored: each read parses it afresh (a copy, exactly as written). */
  readonly json: string;
  readonly version: number;
}

/** The key of a side-record in the snapshot; identifiers never hold NUL, so it cannot be ambiguous. */
export const recordId = (collection: string, key: string): string => `${collection}\u0000${key}`;

/**
 * How long a deletion is remembered, so that a read of the deleted row still in flight (a lookup
 * begun before the delete committed) cannot bring it back. Reads take milliseconds.
 */
const DELETIONS_KEPT_MS = 60_000;

/** Orders adoptions in this process, so a full reload knows what was adopted while it read. */
let ticks = 0;
export const nextTick = (): number => ++ticks;

interface Held<V> {
  value: V;
  tick: number;
}

/** Summary of what is held, compared with the database's by the periodic check. */
export interface Aggregate {
  count: number;
  /** Sum of the versions, as decimal text (PostgreSQL's numeric sum is compared as text). */
  sum: string;
  max: string;
}

export class VersionedMap<V extends { readonly version: number }> {
  readonly #live = new Map<string, Held<V>>();
  readonly #gone = new Map<string, { version: number; at: number }>();
  /** Bumped by every change, so derived views know when to rebuild. */
  changes = 0;

  get size(): number {
    return this.#live.size;
  }

  get(id: string): V | undefined {
    return this.#live.get(id)?.value;
  }

  *values(): IterableIterator<V> {
    for (const held of this.#live.values()) yield held.value;
  }

  /** The newest version known for `id`, of its state or of its deletion; 0 when none. */
  known(id: string): number {
    return Math.max(this.#live.get(id)?.value.version ?? 0, this.#gone.get(id)?.version ?? 0);
  }

  /** Adopts `value` unless something as new is known for `id`; true if adopted. */
  put(id: string, value: V): boolean {
    if (value.version <= this.known(id)) return false;
    this.#live.set(id, { value, tick: nextTick() });
    this.#gone.delete(id);
    this.changes++;
    return true;
  }

  /** The row of `version` (and every older one) is gone: forgets `id` unless what is held is newer. */
  remove(id: string, version: number, now = Date.now()): boolean {
    const held = this.#live.get(id);
    const gone = this.#gone.get(id);
    if (!gone || gone.version < version) this.#gone.set(id, { version, at: now });
    if (!held || held.value.version > version) return false;
    this.#live.delete(id);
    this.changes++;
    return true;
  }

  /**
   * After a read of the whole table that began at `since` (a tick): adopts every newer row, and
   * drops what the read lacks unless it was adopted after the read began (a write of this process
   * that committed after the read's snapshot). `make` builds a state only for rows not already held
   * at their version (no decryption of unchanged apps). Returns how many keys changed.
   */
  replace<R>(rows: ReadonlyMap<string, R>, versionOf: (row: R) => number, make: (row: R) => V, since: number, now = Date.now()): number {
    let changed = 0;
    for (const [id, row] of rows) {
      const version = versionOf(row);
      if (version > this.known(id) && this.put(id, make(row))) changed++;
    }
    for (const [id, held] of [...this.#live]) {
      if (!rows.has(id) && held.tick < since && this.remove(id, held.value.version, now)) changed++;
    }
    return changed;
  }

  aggregate(): Aggregate {
    let sum = 0n;
    let max = 0;
    for (const { value } of this.#live.values()) {
      sum += BigInt(value.version);
      if (value.version > max) max = value.version;
    }
    return { count: this.#live.size, sum: String(sum), max: String(max) };
  }

  /** Forgets deletions older than DELETIONS_KEPT_MS. */
  prune(now = Date.now()): void {
    for (const [id, gone] of this.#gone) if (now - gone.at > DELETIONS_KEPT_MS) this.#gone.delete(id);
  }
}

export class Snapshot {
  readonly apps = new VersionedMap<AppState>();
  readonly records = new VersionedMap<RecordState>();
  #sorted: { changes: number; list: readonly Readonly<AppRecord>[] } | undefined;

  /** The records in list() order, rebuilt only after a change (callers copy them). */
  sortedApps(): readonly Readonly<AppRecord>[] {
    if (this.#sorted?.changes !== this.apps.changes) {
      this.#sorted = { changes: this.apps.changes, list: [...this.apps.values()].map((s) => s.record).sort(compareApps) };
    }
    return this.#sorted.list;
  }

  prune(now = Date.now()): void {
    this.apps.prune(now);
    this.records.prune(now);
  }
}
