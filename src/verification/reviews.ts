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
const EMPTY: ReviewRecord = { requestedAt: null, lastCallback: null };

export async function reviewOf(registry: AppRegistry, appKey: string, platform: PlatformName): Promise<ReviewRecord> {
  return (await registry.getRecord<ReviewRecord>(COLLECTION, `${appKey}:${platform}`)) ?? EMPTY;
}

/** Changes the record atomically (several gateway processes may write it at once). */
export async function updateReview(registry: AppRegistry, appKey: string, platform: PlatformName, change: (current: ReviewRecord) => ReviewRecord): Promise<ReviewRecord> {
  const next = await registry.updateRecord<ReviewRecord>(COLLECTION, `${appKey}:${platform}`, (current) => change(current ?? EMPTY));
  return next ?? EMPTY;
}

export const WIRE_PLATFORM: Record<PlatformName, 'a' | 'i'> = { ANDROID: 'a', IOS: 'i' };
