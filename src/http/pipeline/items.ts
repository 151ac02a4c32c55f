// Endpoints kept item by item (src/http/endpoint.ts ItemCache): the items of a call still fresh are
// answered from the cache, the missing ones are fetched by the calls the endpoint plans for them,
// one after the other (a span of days, chunks of 100 identity values), each coalesced with identical
// calls, and stored item by item with the one entry formula. When a call fails, the items of an
// entry stand in, marked stale, only all together (every item of the entry the call asked for still
// within its stale bound); an entry is one identity value, or the run of days of one link.
import type { GatewayError } from '../../core/errors.js';
import { freshMsOf, newEntry } from '../cache/policy.js';
import type { CacheEntry } from '../cache/store.js';
import type { StaleServe } from '../call.js';
import type { ItemCache } from '../endpoint.js';
import { type CacheDeps, entryKey, mayStandIn, recordHit, recordStale } from './records.js';
import { type Call, type Dispatch, newCall, type Served } from './stage.js';

type Id = string | number;
type Spec = ItemCache<unknown, unknown, unknown, Id>;
type Outcome = Served<unknown> | Error;

/** Each item's own outcome, in the order of the call's ids. */
export async function itemOutcomes(deps: CacheDeps, call: Call, next: Dispatch): Promise<Outcome[]> {
  return (await fill(deps, call, next)).outcomes;
}

/** The answer merged from its items: the first failure fails it; stale when an item is, as of the oldest. */
export async function answerItems(deps: CacheDeps, call: Call, next: Dispatch): Promise<Served<unknown>> {
  const { outcomes, whole } = await fill(deps, call, next);
  let stale: StaleServe | null = null;
  for (const outcome of outcomes) {
    if (outcome instanceof Error) throw outcome;
    if (outcome.stale && (!stale || outcome.stale.storedAt < stale.storedAt)) stale = outcome.stale;
  }
  // One call that asked for every item: its answer as Jiguang gave it.
  if (whole !== undefined) return { value: whole.value, stale: null };
  const values = outcomes.map((outcome) => (outcome as Served<unknown>).value);
  return { value: call.endpoint.cache!.items!.merge(call.params, values), stale };
}

async function fill(deps: CacheDeps, call: Call, next: Dispatch): Promise<{ outcomes: Outcome[]; whole?: { value: unknown } }> {
  const { endpoint, params, ctx } = call;
  const spec = endpoint.cache!.items!;
  const shelf = shelfOf(deps, call, spec);
  const ids = spec.ids(params);
  const { slots, keys } = await shelf.read(params, ids);
  const now = Date.now();
  const outcomes: Outcome[] = new Array(ids.length);
  const missing: Id[] = [];
  // An entry answered whole from the cache is a hit (a day missing from a link's run: no hit).
  const answered = new Map<string, boolean>();
  ids.forEach((id, i) => {
    const slot = slots[i];
    const fresh = slot !== undefined && now < slot.freshUntil;
    if (fresh) outcomes[i] = { value: slot.value, stale: null };
    else missing.push(id);
    answered.set(keys[i]!, fresh && answered.get(keys[i]!) !== false);
  });
  for (const hit of answered.values()) if (hit) recordHit(deps, endpoint, ctx);
  if (missing.length === 0) return { outcomes };

  const position = new Map<Id, number>(ids.map((id, i) => [id, i]));
  const calls = spec.calls(params, missing);
  let whole: { value: unknown } | undefined;
  for (const p of calls) {
    const asked = spec.ids(p);
    const flight = {
      key: entryKey(endpoint, p, endpoint.cache!.key(p)),
      store: (value: unknown) => shelf.write(p, asked, spec.split(value, p)),
      // Another replica making the same call stores its items: the answer once every one is fresh.
      read: async () => {
        const kept = (await shelf.read(p, asked)).slots;
        const at = Date.now();
        if (!kept.every((slot) => slot !== undefined && at < slot.freshUntil)) return undefined;
        return spec.merge(
          p,
          kept.map((slot) => slot!.value),
        );
      },
    };
    try {
      const value = await next(newCall(endpoint, p, ctx, undefined, flight));
      const items = spec.split(value, p);
      asked.forEach((id, j) => {
        const i = position.get(id);
        if (i !== undefined) outcomes[i] = { value: items[j], stale: null };
      });
      if (calls.length === 1 && asked.length === ids.length) whole = { value };
    } catch (error) {
      standIn(deps, call, { slots, keys }, asked, error, position, outcomes);
    }
  }
  return { outcomes, whole };
}

/** After a failed call: per entry, its kept items stand in (stale) when every one of them may, else the error. */
function standIn(deps: CacheDeps, call: Call, { slots, keys }: Kept, asked: readonly Id[], error: unknown, position: Map<Id, number>, outcomes: Outcome[]): void {
  const byEntry = new Map<string, number[]>();
  for (const id of asked) {
    const i = position.get(id);
    if (i === undefined) continue;
    const members = byEntry.get(keys[i]!);
    if (members) members.push(i);
    else byEntry.set(keys[i]!, [i]);
  }
  const now = Date.now();
  for (const [key, members] of byEntry) {
    if (members.every((i) => mayStandIn(slots[i]?.staleUntil, error, now))) {
      const storedAt = Math.min(...members.map((i) => slots[i]!.storedAt));
      const stale = recordStale(deps, call.endpoint, call.ctx, key, storedAt, error as GatewayError);
      for (const i of members) outcomes[i] = { value: slots[i]!.value, stale };
    } else {
      for (const i of members) outcomes[i] = error instanceof Error ? error : new Error(String(error));
    }
  }
}

/** Items as kept, in the order asked: each one's slot (value, when fetched, until when fresh and kept) and the key of its entry. */
interface Kept {
  slots: (CacheEntry | undefined)[];
  keys: string[];
}

interface Shelf {
  read(params: unknown, ids: readonly Id[]): Promise<Kept>;
  write(params: unknown, ids: readonly Id[], items: readonly unknown[]): Promise<void>;
}

/** A day of a run: [item, storedAt, freshUntil, staleUntil]. */
type RunSlot = [unknown, number, number, number];
/** Numbered items in one entry: `slots[i]` is item `base + i` (a dense array: fast to read). */
interface Run {
  base: number;
  slots: (RunSlot | null)[];
}

function shelfOf(deps: CacheDeps, call: Call, spec: Spec): Shelf {
  const { endpoint } = call;
  const { policy } = endpoint.cache!;
  const settings = deps.cacheSettings;
  const { layout } = spec;
  if ('entry' in layout) {
    const entryOf = (params: unknown, id: Id) => entryKey(endpoint, params, layout.entry(params, id));
    return {
      async read(params, ids) {
        const keys = ids.map((id) => entryOf(params, id));
        return { slots: await deps.cache.getMany(keys), keys };
      },
      async write(params, ids, items) {
        const now = Date.now();
        const writes = ids.map((id, i) => ({ key: entryOf(params, id), entry: newEntry(items[i], freshMsOf(policy, settings, id, now), settings, now), size: spec.itemSize }));
        const kept = writes.filter((w) => w.entry.staleUntil > now);
        if (kept.length > 0) await deps.cache.setMany(kept);
      },
    };
  }
  const entryOf = (params: unknown) => entryKey(endpoint, params, layout.run(params));
  const runAt = async (key: string): Promise<Run | undefined> => {
    const value = (await deps.cache.get<Run>(key))?.value;
    return value && typeof value.base === 'number' && Array.isArray(value.slots) ? value : undefined;
  };
  return {
    async read(params, ids) {
      const key = entryOf(params);
      const run = await runAt(key);
      const slots = ids.map((id) => {
        const slot = run?.slots[(id as number) - run.base];
        return slot ? { value: slot[0], storedAt: slot[1], freshUntil: slot[2], staleUntil: slot[3] } : undefined;
      });
      return { slots, keys: new Array<string>(ids.length).fill(key) };
    },
    // Merged into the run as it is now (read again just before, so spans fetched at the same time add up).
    async write(params, ids, items) {
      const now = Date.now();
      const fetched = ids.map((id, i): RunSlot => {
        const e = newEntry(items[i], freshMsOf(policy, settings, id, now), settings, now);
        return [e.value, e.storedAt, e.freshUntil, e.staleUntil];
      });
      if (fetched.every((slot) => slot[3] <= now)) return; // nothing is kept (caching off)
      const key = entryOf(params);
      const current = await runAt(key);
      const numbers = ids as readonly number[];
      const base = Math.min(...numbers, current?.base ?? Number.POSITIVE_INFINITY);
      const end = Math.max(...numbers, current ? current.base + current.slots.length - 1 : Number.NEGATIVE_INFINITY);
      const slots: (RunSlot | null)[] = new Array(end - base + 1).fill(null);
      let staleUntil = now;
      // An item is dropped once it may no longer stand in for Jiguang.
      current?.slots.forEach((slot, i) => {
        if (slot && slot[3] > now) {
          slots[current.base + i - base] = slot;
          staleUntil = Math.max(staleUntil, slot[3]);
        }
      });
      numbers.forEach((id, i) => {
        slots[id - base] = fetched[i]!;
        staleUntil = Math.max(staleUntil, fetched[i]![3]);
      });
      await deps.cache.set(key, { value: { base, slots } satisfies Run, storedAt: now, freshUntil: now, staleUntil }, 64 + slots.length * spec.itemSize);
    },
  };
}
