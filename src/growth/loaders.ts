// Per-request batching for Operation Growth's identity lookups, on the cross-request cache: every
// `growthUser` of a request is answered from the CUIDs already known, and the values missing become
// one register call per identity name per 100 values (`growthUserBatch`, which the cost model prices
// documents with). A chunk's failure fails only its own values.
import DataLoader from 'dataloader';
import { type BatchRule, groupBatch } from '../http/batch.js';
import type { CacheEntry } from '../http/cache/store.js';
import type { CallContext } from '../http/call.js';
import type { Served, Upstream } from '../http/upstream.js';
import { chunkBounds } from './batch.js';
import { type RegisterParams, registerUsers } from './endpoints.js';

/** The CUID (decimal string) of an identity value, or null when Jiguang returns none. */
export type GrowthUserLoader = (identityName: string, value: string) => Promise<Served<string | null>>;

export interface GrowthUserQuery {
  identityName: string;
  value: string;
}

const SEP = '\u0000';

/** growthUser lookups: per identity name, its distinct values in chunks of GROWTH_MAX_ITEMS, one register call each. */
export const growthUserBatch: BatchRule<GrowthUserQuery, RegisterParams> = {
  key: (q) => `${q.identityName}${SEP}${q.value}`,
  group: (q) => q.identityName,
  plan: (group) => chunkBounds(group.length).map(([start, end]) => ({ identityName: group[0]!.identityName, identityValues: group.slice(start, end).map((q) => q.value) })),
};

export function createGrowthUserLoader(upstream: Upstream, ctx: CallContext): GrowthUserLoader {
  const keyOf = (name: string, value: string) => upstream.cacheKey(registerUsers, { identityName: name, identityValues: [] }, `${name}${SEP}${value}`);
  const users = new DataLoader<GrowthUserQuery, Served<string | null>, string>(
    async (queries) => {
      const found = new Map<string, Served<string | null> | Error>();
      await Promise.all(groupBatch(growthUserBatch, queries).map((group) => lookUp(group, found)));
      return queries.map((q) => found.get(growthUserBatch.key(q)) ?? { value: null, stale: null });
    },
    { cacheKeyFn: growthUserBatch.key },
  );

  async function lookUp(group: GrowthUserQuery[], found: Map<string, Served<string | null> | Error>): Promise<void> {
    const name = group[0]!.identityName;
    const entries = await upstream.cache.getMany<string | null>(group.map((q) => keyOf(name, q.value)));
    const now = Date.now();
    const missing: GrowthUserQuery[] = [];
    const entryOf = new Map<string, CacheEntry<string | null> | undefined>();
    group.forEach((q, i) => {
      const entry = entries[i];
      entryOf.set(q.value, entry);
      if (entry && entry.freshUntil > now) found.set(growthUserBatch.key(q), upstream.hit(registerUsers, ctx, entry.value));
      else missing.push(q);
    });
    for (const params of growthUserBatch.plan(missing)) {
      const chunk = params.identityValues;
      try {
        const cuids = await upstream.fetch(registerUsers, params, ctx, keyOf(name, chunk.join('\u0001')), (fetched) => store(name, chunk, fetched));
        for (const value of chunk) found.set(growthUserBatch.key({ identityName: name, value }), { value: cuids.get(value) ?? null, stale: null });
      } catch (error) {
        for (const value of chunk) {
          found.set(growthUserBatch.key({ identityName: name, value }), upstream.staleFor(registerUsers, ctx, keyOf(name, value), entryOf.get(value), error) ?? (error as Error));
        }
      }
    }
  }

  async function store(name: string, chunk: readonly string[], cuids: Map<string, string>): Promise<void> {
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

  return (identityName, value) => users.load({ identityName, value });
}
