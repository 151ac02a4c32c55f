// App lifecycle through JPush Admin: input checked here, the calls and the registry's record of
// them (a new app's master secret among them) in src/push/service.ts.

import { BadUserInputError } from '../core/errors.js';
import type { AppResolvers, MutationCreateAppArgs, MutationResolvers, MutationUploadCertificateArgs } from '../generated/graphql.js';
import { type InputChecks, inputCheck } from '../plugins/input-first.js';
import { certificatesOf, openCertificates } from '../push/certificates.js';

const ANDROID_PACKAGE = /^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$/;

/** createApp's input, trimmed: a name of 1 to 100 characters and an Android package name. */
function newApp({ input }: MutationCreateAppArgs): { name: string; androidPackage: string; groupName: string | null } {
  const name = input.name.trim();
  const androidPackage = input.androidPackage.trim();
  if (name.length < 1 || name.length > 100) throw new BadUserInputError('`input.name` must be 1 to 100 characters.', 'input.name');
  if (!ANDROID_PACKAGE.test(androidPackage) || androidPackage.length > 255) {
    throw new BadUserInputError(
      `\`input.androidPackage\` "${androidPackage.slice(0, 100)}" is not an Android package name (dot-separated identifiers, e.g. com.example.shop).`,
      'input.androidPackage',
    );
  }
  return { name, androidPackage, groupName: input.groupName?.trim() || null };
}

/** At least one certificate (the files themselves are read and opened by the resolver, before any call: `openCertificates`). */
function checkCertificates({ development, production }: MutationUploadCertificateArgs): void {
  if (!development && !production) throw new BadUserInputError('Give `development`, `production` or both.', 'development');
}

/** Checked before the operation runs (src/plugins/input-first.ts). */
export const inputChecks: InputChecks = {
  'Mutation.createApp': inputCheck(newApp),
  'Mutation.uploadCertificate': inputCheck(checkCertificates),
};

export const Mutation: MutationResolvers = {
  createApp: async (_root, args, ctx) => {
    ctx.requireService('developer');
    return ctx.pushAdmin.createApp(newApp(args));
  },

  deleteApp: async (_root, { appKey }, ctx) => {
    await ctx.requireApp(appKey);
    ctx.requireService('developer');
    await ctx.pushAdmin.deleteApp(appKey);
    return { appKey, deleted: true };
  },

  uploadCertificate: async (_root, args, ctx) => {
    const app = await ctx.requireApp(args.appKey);
    ctx.requireService('developer');
    checkCertificates(args);
    const opened = await openCertificates({ development: args.development, production: args.production });
    const uploaded = await ctx.pushAdmin.uploadCertificates(args.appKey, opened);
    return { app, uploaded };
  },
};

export const App: AppResolvers = {
  certificates: (app, _args, ctx) => certificatesOf(ctx.registry, app.appKey),
};
