// App lifecycle through JPush Admin. A master secret Jiguang returns for a new app is stored in the
// registry before the answer leaves, and shown this once; if storing fails, the answer carries it so
// it is never lost. An app that existed already never has its secret shown again.

import { BadUserInputError } from '../errors.js';
import type { AppResolvers, MutationCreateAppArgs, MutationResolvers, MutationUploadCertificateArgs } from '../generated/graphql.js';
import { type InputChecks, inputCheck } from '../plugins/input-first.js';
import { type CertificateInfo, inspectP12 } from '../push/certificate.js';
import { certificatesOf, readUpload, saveCertificates } from '../push/certificates.js';
import type { CertificateFile } from '../push/endpoints.js';

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

/** At least one certificate (the files themselves are read and opened by the resolver, before any call). */
function checkCertificates({ development, production }: MutationUploadCertificateArgs): void {
  if (!development && !production) throw new BadUserInputError('Give `development`, `production` or both.', 'development');
}

/** Checked before the operation runs (src/plugins/input-first.ts). */
export const inputChecks: InputChecks = {
  'Mutation.createApp': inputCheck(newApp),
  'Mutation.uploadCertificate': inputCheck(checkCertificates),
};

export const Mutation: MutationResolvers = {
  createApp: async (_root, { input }, ctx) => {
    // Account level: a token limited to some apps could otherwise reach any app by its package.
    ctx.requireUnscoped('developer');
    ctx.requireService('developer');
    const { name, androidPackage, groupName } = newApp({ input });
    const created = await ctx.pushAdmin.createApp({ name, androidPackage, groupName });
    const known = await ctx.registry.get(created.appKey);
    const record = {
      appKey: created.appKey,
      name: known?.name ?? name,
      androidPackage: created.androidPackage,
      groupName: known?.groupName ?? groupName,
      source: known?.source ?? ('created' as const),
    };
    const hadSecret = (await ctx.registry.secretOf(created.appKey)) !== undefined;
    // A secret of an existing app is stored when the gateway lacked it, never shown.
    const shown = created.newlyCreated ? created.masterSecret : null;
    const toStore = created.masterSecret !== null && (created.newlyCreated || !hadSecret) ? created.masterSecret : undefined;
    try {
      const app = await ctx.registry.upsert(record, toStore);
      const secretStored = toStore !== undefined || hadSecret;
      return {
        app,
        newlyCreated: created.newlyCreated,
        masterSecret: shown,
        secretStored,
        notice: secretStored
          ? null
          : `Jiguang did not return the master secret of existing app ${created.appKey}; add it to JIGUANG_APPS so the gateway can query the app's services.`,
      };
    } catch (error) {
      ctx.logger.error('registry write failed after app creation', { appKey: created.appKey, error: (error as Error).message });
      return {
        app: { ...record, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() },
        newlyCreated: created.newlyCreated,
        masterSecret: shown,
        secretStored: false,
        notice: shown
          ? 'The app was created, but the gateway could not store it: keep this master secret and add the app to JIGUANG_APPS.'
          : 'The gateway could not store the app; add it to JIGUANG_APPS with its master secret.',
      };
    }
  },

  deleteApp: async (_root, { appKey }, ctx) => {
    await ctx.requireApp(appKey);
    ctx.requireService('developer');
    await ctx.pushAdmin.deleteApp(appKey);
    // Only after Jiguang confirmed: the app, its side-records and everything cached about it.
    await ctx.registry.remove(appKey);
    await ctx.upstream.invalidateApp(appKey);
    return { appKey, deleted: true };
  },

  uploadCertificate: async (_root, { appKey, development, production }, ctx) => {
    const app = await ctx.requireApp(appKey);
    ctx.requireService('developer');
    const given = [
      ['development', development],
      ['production', production],
    ] as const;
    checkCertificates({ appKey, development, production });
    const files: CertificateFile[] = [];
    const infos: CertificateInfo[] = [];
    // Every file is read and opened before anything is sent: one bad file sends none.
    for (const [environment, input] of given) {
      if (!input) continue;
      const { file, filename } = await readUpload(input.file, `${environment}.file`);
      infos.push(inspectP12(file, input.password, environment));
      files.push({ environment, file, filename, password: input.password });
    }
    await ctx.pushAdmin.uploadCertificates(appKey, files);
    const uploaded = await saveCertificates(ctx.registry, appKey, infos, new Date());
    return { app, uploaded };
  },
};

export const App: AppResolvers = {
  certificates: (app, _args, ctx) => {
    ctx.checkApp(app);
    return certificatesOf(ctx.registry, app.appKey);
  },
};
