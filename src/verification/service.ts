// JVerification Admin for one request: opening one-tap login and the review status (cached and
// coalesced across requests, so one call per app and platform however many fields ask).
import type { CallContext } from '../http/call.js';
import type { Served, Upstream } from '../http/upstream.js';
import { type OpenRequest, openOneTapLogin, reviewStatus, type UpstreamReviewStatus } from './endpoints.js';
import type { PlatformName } from './reviews.js';

export interface VerificationService {
  open(request: OpenRequest): Promise<void>;
  status(appKey: string, platform: PlatformName): Promise<Served<UpstreamReviewStatus>>;
  /** Forgets the cached status (after a change of the review). */
  forgetStatus(appKey: string, platform: PlatformName): Promise<void>;
}

export function createVerification(upstream: Upstream, call: CallContext): VerificationService {
  return {
    open: async (request) => {
      await upstream.request(openOneTapLogin, request, call);
    },
    status: (appKey, platform) => upstream.request(reviewStatus, { appKey, platform }, call),
    forgetStatus: (appKey, platform) => upstream.invalidate(reviewStatus, { appKey, platform }),
  };
}
