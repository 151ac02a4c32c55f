// Per-request batching for Operation Growth's identity lookups, on the cross-request cache: every
// `growthUser` of a request is answered from the CUIDs already known, and the values missing become
// one register call per identity name per 100 values. A chunk's failure fails only its own values.
import DataLoader from 'dataloader';
import type { CacheEntry } from '../http/cache/store.js';
import type { CallContext } from '../http/call.js';
import type { Served, Upstream } from '../http/upstream.js';
import { GROWTH_MAX_ITEMS, registerUsers } from './endpoints.js';

/** The CUID (decimal string) of an identity value, or null when Jiguang returns none. */
export type GrowthUserLoader = (identityName: string, value: string) => Promise<Served<string | null>>;

const SEP = '\u0000';

export function createGrowthUserLoader(upstream: Upstream, ctx: CallContext): GrowthUserLoader {
  const keyOf = (name: string, value: string) => upstream.cacheKey(registerUsers, { identityName: name, identityValues: [] }, `${name}${SEP}${value}`);
  const users = new DataLoader<string, Served<string | null>>(async (keys) => {
    const byName = new Map<string, string[]>();
    for (const key of keys) {
      const [name, value] = key.split(SEP) as [string, string];
      let values = byName.get(name);
      if (!values) byName.set(name, (values = []));
      values.push(value);
    }
    const found = new Map<string, Served<string | null> | Error>();
    await Promise.all([...byName].map(([name, values]) => lookUp(name, values, found)));
    return keys.map((key) => found.get(key) ?? { value: null, stale: null });
  });

  async function lookUp(name: string, values: string[], found: Map<string, Served<string | null> | Error>): Promise<void> {
    const entries = await upstream.cache.getMany<string | null>(values.map((v) => keyOf(name, v)));
    const now = Date.now();
    const missing: string[] = [];
    values.forEach((value, i) => {
      const entry = entries[i];
      if (entry && entry.freshUntil > now) found.set(`${name}${SEP}${value}`, upstream.hit(registerUsers, ctx, entry.value));
      else missing.push(value);
    });
    for (let offset = 0; offset < missing.length; offset += GROWTH_MAX_ITEMS) {
      const chunk = missing.slice(offset, offset + GROWTH_MAX_ITEMS);
      try {
        const cuids = await upstream.fetch(registerUsers, { identityName: name, identityValues: chunk }, ctx, keyOf(name, chunk.join('\u0001')), (fetched) =>
          store(name, chunk, fetched),
        );
        for (const value of chunk) found.set(`${name}${SEP}${value}`, { value: cuids.get(value) ?? null, stale: null });
      } catch (error) {
        for (const value of chunk) {
          const i = values.indexOf(value);
          found.set(`${name}${SEP}${value}`, upstream.staleFor(registerUsers, ctx, keyOf(name, value), entries[i], error) ?? (error as Error));
        }
      }
    }
  }

  async function store(name: string, chunk: string[], cuids: Map<string, string>): Promise<void> {
    const settings = upstream.cacheSettings;
    const now = Date.now();
    const fresh = settings.freshMs.growthUsers;
    await upstream.cache.setMany(
      chunk.map((value) => ({
        key: keyOf(name, value),
        entry: { value: cuids.get(value) ?? null, storedAt: now, freshUntil: now + fresh, staleUntil: now + fresh + settings.staleIfErrorMs } satisfies CacheEntry<string | null>,
        size: 64 + 2 * value.length,
      })),
    );
  }

  return (identityName, value) => users.load(`${identityName}${SEP}${value}`);
}
