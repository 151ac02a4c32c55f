// JPortrait resolvers: the subject and tag codes are checked before the operation runs.

import { BadUserInputError } from '../core/errors.js';
import type { AppPortraitTagsArgs, AppResolvers, PortraitTagsResolvers } from '../generated/graphql.js';
import { type InputChecks, inputCheck } from '../plugins/input-first.js';
import type { PortraitSubjectModel } from '../portrait/types.js';

const MAX_TAGS = 100;
const TAG_CODE = /^[A-Za-z0-9_]{1,64}$/;

/** The subject as sent to JPortrait and the tag codes asked for (null: all). */
function portraitQuery({ subject, tags }: AppPortraitTagsArgs): { subject: PortraitSubjectModel; tags: string[] | null } {
  const value = subject.value.trim();
  if (value.length < 1 || value.length > 128) throw new BadUserInputError('`subject.value` must be 1 to 128 characters.', 'subject');
  if (subject.idType === 'PHONE_MD5' && !/^[0-9a-f]{32}$/.test(value)) throw new BadUserInputError('A PHONE_MD5 subject is 32 lower-case hex characters.', 'subject');
  if (subject.idType === 'PHONE_SHA256' && !/^[0-9a-f]{64}$/.test(value)) throw new BadUserInputError('A PHONE_SHA256 subject is 64 lower-case hex characters.', 'subject');
  if (tags) {
    if (tags.length > MAX_TAGS) throw new BadUserInputError(`At most ${MAX_TAGS} tag codes can be asked for at once.`, 'tags');
    const bad = tags.find((t) => !TAG_CODE.test(t));
    if (bad !== undefined) throw new BadUserInputError(`"${bad.slice(0, 64)}" is not a tag code (letters, digits and _).`, 'tags');
  }
  return { subject: { idType: subject.idType, value }, tags: tags && tags.length > 0 ? tags : null };
}

/** Checked before the operation runs (src/plugins/input-first.ts). */
export const inputChecks: InputChecks = { 'App.portraitTags': inputCheck(portraitQuery) };

export const App: AppResolvers = {
  portraitTags: async (app, args, ctx, info) => ctx.served(info, await ctx.portrait({ appKey: app.appKey, ...portraitQuery(args) })),
};

export const PortraitTags: PortraitTagsResolvers = {
  score: (p, { code }) => p.tags.find((t) => t.code === code)?.score ?? null,
};
