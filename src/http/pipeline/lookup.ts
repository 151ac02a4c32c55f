// Answer indexes (src/http/endpoint.ts AnswerIndex): the items of a whole answer are kept by id as
// well (a page's links by key), with the answer's freshness and the one entry formula. A lookup by id
// answers the fresh ones from there and asks `walk` (the loader's own calls, through the pipeline)
// for the others; when the walk fails, each of those stands in with its kept item, stale, if it may.
import { newEntry } from '../cache/policy.js';
import type { CacheEntry } from '../cache/store.js';
import { type CacheDeps, entryKey, mayStandIn, recordHit, recordStale } from './records.js';
import type { Ask, Call, Served } from './stage.js';

type Lookup = Extract<Ask, { kind: 'lookup' }>;

const indexKey = (call: Call, name: string, id: string) => entryKey(call.endpoint, call.params, `${name}:${id}`);

/** The index entries of an answer just fetched, to store with it. */
export function indexEntries(deps: CacheDeps, call: Call, value: unknown, freshMs: number, now: number): { key: string; entry: CacheEntry; size: number }[] {
  const index = call.endpoint.cache?.index;
  if (!index) return [];
  const entries: { key: string; entry: CacheEntry; size: number }[] = [];
  for (const [id, item] of index.items(value)) entries.push({ key: indexKey(call, index.name, id), entry: newEntry(item, freshMs, deps.cacheSettings, now), size: index.itemSize });
  return entries;
}

/** Each id's outcome: its indexed item while fresh, else what the walk found (null: not there). */
export async function lookUp(deps: CacheDeps, call: Call, ask: Lookup): Promise<Map<string, Served<unknown> | Error>> {
  const { endpoint, ctx } = call;
  const index = endpoint.cache?.index;
  if (!index) throw new TypeError(`${endpoint.name} keeps no index to look items up in`);
  const keys = ask.ids.map((id) => indexKey(call, index.name, id));
  const entries = await deps.cache.getMany(keys);
  const now = Date.now();
  const found = new Map<string, Served<unknown> | Error>();
  const missing: string[] = [];
  ask.ids.forEach((id, i) => {
    const entry = entries[i];
    if (entry && now < entry.freshUntil) {
      recordHit(deps, endpoint, ctx);
      found.set(id, { value: entry.value, stale: null });
    } else missing.push(id);
  });
  if (missing.length === 0) return found;
  try {
    const walked = await ask.walk(missing);
    for (const id of missing) found.set(id, walked.get(id) ?? { value: null, stale: null });
  } catch (error) {
    ask.ids.forEach((id, i) => {
      if (found.has(id)) return;
      const entry = entries[i];
      if (entry && mayStandIn(entry.staleUntil, error)) found.set(id, { value: entry.value, stale: recordStale(deps, endpoint, ctx, keys[i]!, entry.storedAt, error) });
      else found.set(id, error instanceof Error ? error : new Error(String(error)));
    });
  }
  return found;
}
