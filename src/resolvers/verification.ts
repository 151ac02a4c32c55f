// One-tap login (JVerification Admin): input is checked field by field before the upstream call; the
// status joins Jiguang's answer with the gateway's record of its request and the last callback.
import type { GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { AppResolvers, MutationEnableOneTapLoginArgs, MutationResolvers, VerificationStatus } from '../generated/graphql.js';
import { type InputChecks, inputCheck } from '../plugins/input-first.js';
import { type PlatformName, reviewOf, updateReview, WIRE_PLATFORM } from '../verification/reviews.js';
import { normalizeRsaPublicKey, validateOneTapLogin } from '../verification/validate.js';

async function statusOf(ctx: GatewayContext, info: GraphQLResolveInfo, appKey: string, platform: PlatformName): Promise<VerificationStatus> {
  const [upstream, review] = await Promise.all([ctx.verification.status(appKey, platform), reviewOf(ctx.registry, appKey, platform)]);
  const status = ctx.served(info, upstream);
  // Jiguang says NONE both before and during review; a request on record means it is under review.
  const state = status === 'NONE' && review.requestedAt ? 'PENDING' : status;
  return { appKey, platform, state, requestedAt: review.requestedAt, lastCallback: review.lastCallback };
}

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
    await ctx.verification.open({
      app_key: input.appKey,
      platform: WIRE_PLATFORM[input.platform],
      package_name: input.packageName,
      ...(input.platform === 'ANDROID' && input.appSign ? { app_sign: input.appSign } : {}),
      app_type: input.category === 'GAME' ? 1 : 2,
      app_intro: input.appIntro,
      rsa_pubkey: normalizeRsaPublicKey(input.rsaPublicKey),
      callback_url: ctx.reviewCallbackUrl,
    });
    await updateReview(ctx.registry, input.appKey, input.platform, (review) => ({ ...review, requestedAt: new Date().toISOString() }));
    await ctx.verification.forgetStatus(input.appKey, input.platform);
    return statusOf(ctx, info, input.appKey, input.platform);
  },
};

export const App: AppResolvers = {
  oneTapLogin: (app, { platform }, ctx, info) => {
    ctx.checkApp(app);
    return statusOf(ctx, info, app.appKey, platform);
  },
};
