// Per-request batching for JPortrait: every question about one subject of one app in a request
// becomes one call — for all tags if any field wants all of them, else for the union of the codes.
import DataLoader from 'dataloader';
import type { Credentials } from '../config.js';
import type { CallContext } from '../jmlink/client.js';
import type { PortraitClient } from './client.js';
import type { PortraitSubjectModel, PortraitTagsModel } from './types.js';

export interface PortraitQuery {
  appKey: string;
  subject: PortraitSubjectModel;
  /** null: every tag. */
  tags: readonly string[] | null;
}

export type PortraitLoader = (query: PortraitQuery) => Promise<PortraitTagsModel>;

export function createPortraitLoader(client: PortraitClient, credentialsOf: (appKey: string) => Credentials, ctx: CallContext): PortraitLoader {
  const loader = new DataLoader<PortraitQuery, PortraitTagsModel, string>(
    async (queries) => {
      const bySubject = new Map<string, PortraitQuery[]>();
      for (const q of queries) {
        const id = [q.appKey, q.subject.idType, q.subject.value].join('\u0000');
        bySubject.set(id, [...(bySubject.get(id) ?? []), q]);
      }
      const results = new Map<PortraitQuery, PortraitTagsModel | Error>();
      await Promise.all(
        [...bySubject.values()].map(async (group) => {
          const { appKey, subject } = group[0]!;
          const wantsAll = group.some((q) => q.tags === null);
          const union = wantsAll ? null : [...new Set(group.flatMap((q) => q.tags ?? []))].sort();
          try {
            const answer = await client.query(credentialsOf(appKey), subject, union, ctx);
            for (const q of group) {
              const wanted = q.tags ? new Set(q.tags) : null;
              const tags = answer.tags.filter((t) => !wanted || wanted.has(t.code)).sort((a, b) => b.score - a.score || a.code.localeCompare(b.code));
              results.set(q, { subject, found: answer.found, tags });
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
