// One-tap login (JVerification Admin): input is checked field by field before the upstream call; the
// status joins Jiguang's answer with the gateway's record of its request and the last callback.
import type { AppResolvers, MutationResolvers, VerificationStatus } from '../generated/graphql.js';
import type { GatewayContext } from '../context.js';
import { normalizeRsaPublicKey, validateOneTapLogin } from '../verification/validate.js';
import { reviewOf, saveReview, WIRE_PLATFORM, type PlatformName } from '../verification/reviews.js';

async function statusOf(ctx: GatewayContext, appKey: string, platform: PlatformName): Promise<VerificationStatus> {
  const upstream = await ctx.reviewStatus(appKey, platform);
  const review = reviewOf(ctx.registry, appKey, platform);
  // Jiguang says NONE both before and during review; a request on record means it is under review.
  const state = upstream === 'NONE' && review.requestedAt ? 'PENDING' : upstream;
  return { appKey, platform, state, requestedAt: review.requestedAt, lastCallback: review.lastCallback };
}

export const Mutation: MutationResolvers = {
  enableOneTapLogin: async (_root, { input }, ctx) => {
    ctx.requireApp(input.appKey);
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
    await ctx.verificationAdmin.open(
      ctx.requireDevCredentials(),
      {
        app_key: input.appKey,
        platform: WIRE_PLATFORM[input.platform],
        package_name: input.packageName,
        ...(input.platform === 'ANDROID' && input.appSign ? { app_sign: input.appSign } : {}),
        app_type: input.category === 'GAME' ? 1 : 2,
        app_intro: input.appIntro,
        rsa_pubkey: normalizeRsaPublicKey(input.rsaPublicKey),
        callback_url: ctx.reviewCallbackUrl,
      },
      ctx.call,
    );
    const review = reviewOf(ctx.registry, input.appKey, input.platform);
    await saveReview(ctx.registry, input.appKey, input.platform, { ...review, requestedAt: new Date().toISOString() });
    return statusOf(ctx, input.appKey, input.platform);
  },
};

export const App: AppResolvers = {
  oneTapLogin: (app, { platform }, ctx) => statusOf(ctx, app.appKey, platform),
};
