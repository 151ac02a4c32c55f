// Per-request batching for JPortrait: every question about one subject of one app in a request
// becomes one call — for all tags if any field wants all of them, else for the union of the codes
// (`portraitBatch`, which the cost model prices documents with: `portraitTags` is
// `@upstream(rule: "portrait.tags")`, `portraitTagCalls`).
import DataLoader from 'dataloader';
import { type BatchedCallsRule, type BatchRule, groupBatch } from '../http/batch.js';
import type { CallContext } from '../http/call.js';
import type { Served, Upstream } from '../http/upstream.js';
import { type PortraitParams, portraitTags } from './endpoints.js';
import type { PortraitSubjectModel, PortraitTagsModel } from './types.js';

export interface PortraitQuery {
  appKey: string;
  subject: PortraitSubjectModel;
  /** null: every tag. */
  tags: readonly string[] | null;
}

export type PortraitLoader = (query: PortraitQuery) => Promise<Served<PortraitTagsModel>>;

/** Tag questions: per app and subject, one call for every tag if any question wants them all, else for the union of the codes. */
export const portraitBatch: BatchRule<PortraitQuery, PortraitParams> = {
  key: (q) => [q.appKey, q.subject.idType, q.subject.value, q.tags ? [...q.tags].sort().join(',') : '*'].join('\u0000'),
  group: (q) => [q.appKey, q.subject.idType, q.subject.value].join('\u0000'),
  plan: (group) => {
    const { appKey, subject } = group[0]!;
    const wantsAll = group.some((q) => q.tags === null);
    return [{ appKey, subject, tags: wantsAll ? null : [...new Set(group.flatMap((q) => q.tags ?? []))].sort() }];
  },
};

/** `portraitTags(subject, tags)`: one question of `portraitBatch`, about the subject as the resolver sends it (trimmed; no codes or none: every tag). */
export const portraitTagCalls: BatchedCallsRule<PortraitQuery> = {
  name: 'portrait.tags',
  batch: portraitBatch,
  asks: ({ args }) => {
    const subject = args.subject as { idType?: unknown; value?: unknown } | null | undefined;
    const tags = args.tags;
    const idType = String(subject?.idType) as PortraitSubjectModel['idType'];
    return [{ appKey: '', subject: { idType, value: String(subject?.value).trim() }, tags: Array.isArray(tags) && tags.length > 0 ? tags.map(String) : null }];
  },
};

export function createPortraitLoader(upstream: Upstream, ctx: CallContext): PortraitLoader {
  const loader = new DataLoader<PortraitQuery, Served<PortraitTagsModel>, string>(
    async (queries) => {
      const results = new Map<string, Served<PortraitTagsModel> | Error>();
      await Promise.all(
        groupBatch(portraitBatch, queries).map(async (group) => {
          await Promise.all(
            portraitBatch.plan(group).map(async (params) => {
              try {
                const { value: answer, stale } = await upstream.request(portraitTags, params, ctx);
                for (const q of group) {
                  const wanted = q.tags ? new Set(q.tags) : null;
                  const tags = answer.tags.filter((t) => !wanted || wanted.has(t.code)).sort((a, b) => b.score - a.score || a.code.localeCompare(b.code));
                  results.set(portraitBatch.key(q), { value: { subject: params.subject, found: answer.found, tags }, stale });
                }
              } catch (error) {
                for (const q of group) results.set(portraitBatch.key(q), error as Error);
              }
            }),
          );
        }),
      );
      return queries.map((q) => results.get(portraitBatch.key(q))!);
    },
    { cacheKeyFn: portraitBatch.key },
  );
  return (query) => loader.load(query);
}
