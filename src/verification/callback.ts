// Jiguang's one-tap login review results, as it posts them to the gateway (the HTTP route, with its
// secret and limits, is src/inbound/callback.ts). A result for a known app is stored durably with the
// app's review; a repeat of the same result keeps the first receipt.
import { randomBytes } from 'node:crypto';
import type { AppRegistry } from '../registry/index.js';
import { type PlatformName, updateReview } from './reviews.js';

export interface ReviewResult {
  appKey: string;
  platform: PlatformName;
  code: number;
}

/** A callback body, `{ app_key, platform: "a" | "i", code }`; null when it is not one. */
export function parseReviewResult(body: unknown): ReviewResult | null {
  const { app_key: appKey, platform, code } = (body ?? {}) as Record<string, unknown>;
  const platformName: PlatformName | null = platform === 'a' ? 'ANDROID' : platform === 'i' ? 'IOS' : null;
  if (typeof appKey !== 'string' || !platformName || typeof code !== 'number' || !Number.isInteger(code)) return null;
  return { appKey, platform: platformName, code };
}

/**
 * Stores a result, then drops the cached review status (`forgetStatus`); false for an unknown app,
 * which changes nothing.
 */
export async function storeReviewResult(
  registry: AppRegistry,
  { appKey, platform, code }: ReviewResult,
  forgetStatus: (appKey: string, platform: PlatformName) => Promise<void>,
): Promise<boolean> {
  if (!(await registry.get(appKey))) return false;
  await updateReview(registry, appKey, platform, (review) =>
    review.lastCallback?.code === code ? review : { ...review, lastCallback: { receivedAt: new Date().toISOString(), code } },
  );
  await forgetStatus(appKey, platform);
  return true;
}

/** The callback's secret: configured, or made once and kept in the registry across restarts. */
export async function reviewCallbackToken(configured: string | null, registry: AppRegistry): Promise<string> {
  if (configured) return configured;
  const token = await registry.updateRecord<string>('settings', 'reviewCallbackToken', (stored) => stored ?? randomBytes(24).toString('base64url'));
  return token!;
}
