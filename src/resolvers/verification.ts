// One-tap login (JVerification Admin): input is checked field by field before the upstream call; the
// call, the gateway's record of it and the status join live in src/verification/service.ts.
import type { GatewayContext } from '../context.js';
import type { AppResolvers, MutationEnableOneTapLoginArgs, MutationResolvers } from '../generated/graphql.js';
import { type InputChecks, inputCheck } from '../plugins/input-first.js';
import { validateOneTapLogin } from '../verification/validate.js';

/** The documented rules of JVerification's `open`, field by field (src/verification/validate.ts). */
function checkOneTapLogin({ input }: MutationEnableOneTapLoginArgs, ctx: GatewayContext): void {
  validateOneTapLogin({
    appKey: input.appKey,
    platform: input.platform,
    packageName: input.packageName,
    appSign: input.appSign ?? null,
    appType: input.category,
    appIntro: input.appIntro,
    rsaPublicKey: input.rsaPublicKey,
    callbackUrl: ctx.reviewCallbackUrl,
  });
}

/** Checked before the operation runs (src/plugins/input-first.ts). */
export const inputChecks: InputChecks = { 'Mutation.enableOneTapLogin': inputCheck(checkOneTapLogin) };

export const Mutation: MutationResolvers = {
  enableOneTapLogin: async (_root, { input }, ctx, info) => {
    await ctx.requireApp(input.appKey);
    ctx.requireService('developer');
    checkOneTapLogin({ input }, ctx);
    return ctx.served(info, await ctx.verification.enableOneTapLogin({ ...input, appSign: input.appSign ?? null }));
  },
};

export const App: AppResolvers = {
  oneTapLogin: async (app, { platform }, ctx, info) => ctx.served(info, await ctx.verification.status(app.appKey, platform)),
};
