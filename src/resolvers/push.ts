// App lifecycle through JPush Admin. The master secret Jiguang returns on creation is stored in the
// registry before the answer leaves; if storing fails, the answer carries it so it is never lost.
import type { AppResolvers, MutationResolvers } from '../generated/graphql.js';
import type { CertificateFile } from '../push/client.js';
import { inspectP12, type CertificateInfo } from '../push/certificate.js';
import { certificatesOf, forgetCertificates, readUpload, saveCertificates } from '../push/certificates.js';
import { BadUserInputError } from '../errors.js';

const ANDROID_PACKAGE = /^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$/;

export const Mutation: MutationResolvers = {
  createApp: async (_root, { input }, ctx) => {
    const name = input.name.trim();
    const androidPackage = input.androidPackage.trim();
    const groupName = input.groupName?.trim() || null;
    if (name.length < 1 || name.length > 100) throw new BadUserInputError('`input.name` must be 1 to 100 characters.', 'input.name');
    if (!ANDROID_PACKAGE.test(androidPackage) || androidPackage.length > 255) {
      throw new BadUserInputError(`\`input.androidPackage\` "${androidPackage.slice(0, 100)}" is not an Android package name (dot-separated identifiers, e.g. com.example.shop).`, 'input.androidPackage');
    }
    const created = await ctx.pushAdmin.createApp(ctx.requireDevCredentials(), { name, androidPackage, groupName }, ctx.call);
    const known = ctx.registry.get(created.appKey);
    const record = { appKey: created.appKey, name: known?.name ?? name, androidPackage: created.androidPackage, groupName: known?.groupName ?? groupName, source: known?.source ?? ('created' as const) };
    const hadSecret = ctx.registry.secretOf(created.appKey) !== undefined;
    try {
      const app = await ctx.registry.upsert(record, created.masterSecret ?? undefined);
      const secretStored = created.masterSecret !== null || hadSecret;
      return {
        app,
        newlyCreated: created.newlyCreated,
        masterSecret: created.masterSecret,
        secretStored,
        notice: secretStored ? null : `Jiguang did not return the master secret of existing app ${created.appKey}; add it to JIGUANG_APPS so the gateway can query the app's services.`,
      };
    } catch (error) {
      ctx.logger.error('registry write failed after app creation', { appKey: created.appKey, error: (error as Error).message });
      return {
        app: { ...record, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() },
        newlyCreated: created.newlyCreated,
        masterSecret: created.masterSecret,
        secretStored: false,
        notice: 'The app was created, but the gateway could not store it: keep this master secret and add the app to JIGUANG_APPS.',
      };
    }
  },

  deleteApp: async (_root, { appKey }, ctx) => {
    ctx.requireApp(appKey);
    await ctx.pushAdmin.deleteApp(ctx.requireDevCredentials(), appKey, ctx.call);
    // Only after Jiguang confirmed. Nothing else is cached across requests.
    await forgetCertificates(ctx.registry, appKey);
    await ctx.registry.remove(appKey);
    return { appKey, deleted: true };
  },

  uploadCertificate: async (_root, { appKey, development, production }, ctx) => {
    const app = ctx.requireApp(appKey);
    const given = [
      ['development', development],
      ['production', production],
    ] as const;
    if (!development && !production) throw new BadUserInputError('Give `development`, `production` or both.', 'development');
    const files: CertificateFile[] = [];
    const infos: CertificateInfo[] = [];
    // Every file is read and opened before anything is sent: one bad file sends none.
    for (const [environment, input] of given) {
      if (!input) continue;
      const { file, filename } = await readUpload(input.file, `${environment}.file`);
      infos.push(inspectP12(file, input.password, environment));
      files.push({ environment, file, filename, password: input.password });
    }
    await ctx.pushAdmin.uploadCertificates(ctx.requireDevCredentials(), appKey, files, ctx.call);
    const uploaded = await saveCertificates(ctx.registry, appKey, infos, new Date());
    return { app, uploaded };
  },
};

export const App: AppResolvers = {
  certificates: (app, _args, ctx) => certificatesOf(ctx.registry, app.appKey),
};
