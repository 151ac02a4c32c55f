// JVerification Admin for one request: opening one-tap login and the review status (cached and
// coalesced across requests, so one call per app and platform however many fields ask). The status
// joins Jiguang's answer with the gateway's record of its request and the last callback
// (src/verification/reviews.ts).
import type { CallContext } from '../http/call.js';
import type { Served, Upstream } from '../http/upstream.js';
import type { AppRegistry } from '../registry/index.js';
import { type OpenRequest, openOneTapLogin, reviewStatus } from './endpoints.js';
import { type PlatformName, type ReviewRecord, reviewOf, updateReview, WIRE_PLATFORM } from './reviews.js';
import { normalizeRsaPublicKey } from './validate.js';

/** What one-tap login is asked for with, as checked (src/verification/validate.ts). */
export interface OneTapLoginRequest {
  appKey: string;
  platform: PlatformName;
  packageName: string;
  /** Android only. */
  appSign: string | null;
  category: 'GAME' | 'APPLICATION';
  appIntro: string;
  rsaPublicKey: string;
}

/** Where an app's one-tap login review stands on one platform. */
export interface OneTapLoginStatus {
  appKey: string;
  platform: PlatformName;
  state: 'NONE' | 'PENDING' | 'PASS' | 'NO_PASS';
  requestedAt: ReviewRecord['requestedAt'];
  lastCallback: ReviewRecord['lastCallback'];
}

export interface VerificationService {
  /** Asks Jiguang to review the app, notes when, and answers the new status. */
  enableOneTapLogin(request: OneTapLoginRequest): Promise<Served<OneTapLoginStatus>>;
  status(appKey: string, platform: PlatformName): Promise<Served<OneTapLoginStatus>>;
}

/** `callbackUrl`: where Jiguang posts the review result (it carries the gateway's secret callback token). */
export function createVerification(upstream: Upstream, call: CallContext, registry: AppRegistry, callbackUrl: string): VerificationService {
  const status = async (appKey: string, platform: PlatformName): Promise<Served<OneTapLoginStatus>> => {
    const [answer, review] = await Promise.all([upstream.request(reviewStatus, { appKey, platform }, call), reviewOf(registry, appKey, platform)]);
    // Jiguang says NONE both before and during review; a request on record means it is under review.
    const state = answer.value === 'NONE' && review.requestedAt ? 'PENDING' : answer.value;
    return { value: { appKey, platform, state, requestedAt: review.requestedAt, lastCallback: review.lastCallback }, stale: answer.stale };
  };
  return {
    enableOneTapLogin: async (request) => {
      await upstream.request(openOneTapLogin, openRequest(request, callbackUrl), call);
      await updateReview(registry, request.appKey, request.platform, (review) => ({ ...review, requestedAt: new Date().toISOString() }));
      await upstream.invalidate(reviewStatus, { appKey: request.appKey, platform: request.platform });
      return status(request.appKey, request.platform);
    },
    status,
  };
}

/** The body of Jiguang's `open` call. */
function openRequest(request: OneTapLoginRequest, callbackUrl: string): OpenRequest {
  return {
    app_key: request.appKey,
    platform: WIRE_PLATFORM[request.platform],
    package_name: request.packageName,
    ...(request.platform === 'ANDROID' && request.appSign ? { app_sign: request.appSign } : {}),
    app_type: request.category === 'GAME' ? 1 : 2,
    app_intro: request.appIntro,
    rsa_pubkey: normalizeRsaPublicKey(request.rsaPublicKey),
    callback_url: callbackUrl,
  };
}
