// Per-request batching for Operation Growth's identity lookups, on the cross-request cache: the
// `growthUser` fields of a request are grouped per identity name (`growthUserBatch`, which the cost
// model prices documents with: `growthUser` is `@upstream(rule: "growth.user")`, `growthUserCalls`)
// and asked of the pipeline together; it answers the CUIDs it keeps and asks Jiguang for the others,
// one register call per 100 values (registerUsers, src/growth/endpoints.ts). A chunk's failure fails
// only its own values.
import DataLoader from 'dataloader';
import { type BatchedCallsRule, type BatchRule, groupBatch } from '../http/batch.js';
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

/** `growthUser(identityName, value)`: one question of `growthUserBatch`. */
export const growthUserCalls: BatchedCallsRule<GrowthUserQuery> = {
  name: 'growth.user',
  batch: growthUserBatch,
  asks: ({ args }) => [{ identityName: String(args.identityName), value: String(args.value) }],
};

export function createGrowthUserLoader(upstream: Upstream, ctx: CallContext): GrowthUserLoader {
  const users = new DataLoader<GrowthUserQuery, Served<string | null>, string>(
    async (queries) => {
      const found = new Map<string, Served<string | null> | Error>();
      await Promise.all(
        groupBatch(growthUserBatch, queries).map(async (group) => {
          const params = { identityName: group[0]!.identityName, identityValues: group.map((q) => q.value) };
          try {
            const outcomes = await upstream.items<string | null>(registerUsers, params, ctx);
            group.forEach((q, i) => {
              found.set(growthUserBatch.key(q), outcomes[i]!);
            });
          } catch (error) {
            for (const q of group) found.set(growthUserBatch.key(q), error as Error);
          }
        }),
      );
      return queries.map((q) => found.get(growthUserBatch.key(q)) ?? { value: null, stale: null });
    },
    { cacheKeyFn: growthUserBatch.key },
  );

  return (identityName, value) => users.load({ identityName, value });
}
