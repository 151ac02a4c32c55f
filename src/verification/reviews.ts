// The gateway's own durable record of one-tap login reviews: when it asked Jiguang, and the last
// result Jiguang posted back. Jiguang's status call knows nothing of "asked, not yet decided", so the
// PENDING state comes from here.
import type { AppRegistry } from '../registry/index.js';

export type PlatformName = 'ANDROID' | 'IOS';

export interface ReviewRecord {
  requestedAt: string | null;
  lastCallback: { receivedAt: string; code: number } | null;
}

const COLLECTION = 'one-tap-login';

export function reviewOf(registry: AppRegistry, appKey: string, platform: PlatformName): ReviewRecord {
  return registry.getRecord<ReviewRecord>(COLLECTION, `${appKey}:${platform}`) ?? { requestedAt: null, lastCallback: null };
}

export async function saveReview(registry: AppRegistry, appKey: string, platform: PlatformName, record: ReviewRecord): Promise<void> {
  await registry.putRecord(COLLECTION, `${appKey}:${platform}`, record);
}

export const WIRE_PLATFORM: Record<PlatformName, 'a' | 'i'> = { ANDROID: 'a', IOS: 'i' };
