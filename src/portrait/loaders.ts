// Per-request batching for JPortrait: every question about one subject of one app in a request
// becomes one call — for all tags if any field wants all of them, else for the union of the codes.
import DataLoader from 'dataloader';
import type { CallContext } from '../http/call.js';
import type { Served, Upstream } from '../http/upstream.js';
import { portraitTags } from './endpoints.js';
import type { PortraitSubjectModel, PortraitTagsModel } from './types.js';

export interface PortraitQuery {
  appKey: string;
  subject: PortraitSubjectModel;
  /** null: every tag. */
  tags: readonly string[] | null;
}

export type PortraitLoader = (query: PortraitQuery) => Promise<Served<PortraitTagsModel>>;

export function createPortraitLoader(upstream: Upstream, ctx: CallContext): PortraitLoader {
  const loader = new DataLoader<PortraitQuery, Served<PortraitTagsModel>, string>(
    async (queries) => {
      const bySubject = new Map<string, PortraitQuery[]>();
      for (const q of queries) {
        const id = [q.appKey, q.subject.idType, q.subject.value].join('\u0000');
        let group = bySubject.get(id);
        if (!group) bySubject.set(id, (group = []));
        group.push(q);
      }
      const results = new Map<PortraitQuery, Served<PortraitTagsModel> | Error>();
      await Promise.all(
        [...bySubject.values()].map(async (group) => {
          const { appKey, subject } = group[0]!;
          const wantsAll = group.some((q) => q.tags === null);
          const union = wantsAll ? null : [...new Set(group.flatMap((q) => q.tags ?? []))].sort();
          try {
            const { value: answer, stale } = await upstream.request(portraitTags, { appKey, subject, tags: union }, ctx);
            for (const q of group) {
              const wanted = q.tags ? new Set(q.tags) : null;
              const tags = answer.tags.filter((t) => !wanted || wanted.has(t.code)).sort((a, b) => b.score - a.score || a.code.localeCompare(b.code));
              results.set(q, { value: { subject, found: answer.found, tags }, stale });
            }
          } catch (error) {
            for (const q of group) results.set(q, error as Error);
          }
        }),
      );
      return queries.map((q) => results.get(q)!);
    },
    { cacheKeyFn: (q) => [q.appKey, q.subject.idType, q.subject.value, q.tags ? [...q.tags].sort().join(',') : '*'].join('\u0000') },
  );
  return (query) => loader.load(query);
}
