// The endpoint Jiguang posts one-tap login review results to: POST /callbacks/jverification/<token>.
// The token in the path is the deployment's unguessable secret; a post without it, with a bad body or
// for an unknown app changes nothing. A valid one is stored durably; repeats are harmless.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { AppRegistry } from '../registry/index.js';
import { readBody } from '../transport/body.js';
import { refuse, sendJson } from '../transport/respond.js';
import { type PlatformName, updateReview } from './reviews.js';

export const CALLBACK_PATH = '/callbacks/jverification/';
const MAX_BODY = 16 * 1024;

export interface ReviewCallbackOptions {
  token: string;
  registry: AppRegistry;
  logger: Logger;
  /** Drops the cached review status once a result is stored. */
  forgetStatus(appKey: string, platform: PlatformName): Promise<void>;
}

export async function handleReviewCallback(req: IncomingMessage, res: ServerResponse, path: string, options: ReviewCallbackOptions): Promise<void> {
  const answer = (status: number, error?: string) => sendJson(res, status, error ? { ok: false, error } : { ok: true });
  // Refusals read nothing of the body: a forged callback may be large.
  if (req.method !== 'POST') return refuse(req, res, 405, { ok: false, error: 'POST only' }, { allow: 'POST' });
  if (!sameSecret(path.slice(CALLBACK_PATH.length), options.token)) {
    options.logger.warn('review callback refused: bad token');
    return refuse(req, res, 404, { ok: false, error: 'not found' });
  }
  const read = await readBody(req, MAX_BODY);
  if (!read.ok) return sendJson(res, 413, { ok: false, error: 'body too large' }, read.drained ? {} : { connection: 'close' });
  let body: unknown;
  try {
    body = JSON.parse(read.bytes.toString('utf8'));
  } catch {
    return answer(400, 'body is not JSON');
  }
  const { app_key: appKey, platform, code } = (body ?? {}) as Record<string, unknown>;
  const platformName: PlatformName | null = platform === 'a' ? 'ANDROID' : platform === 'i' ? 'IOS' : null;
  if (typeof appKey !== 'string' || !platformName || typeof code !== 'number' || !Number.isInteger(code)) {
    return answer(400, 'expected {app_key, platform: "a" | "i", code}');
  }
  if (!(await options.registry.get(appKey))) return answer(404, 'unknown app');
  // A repeat of the same result keeps the first receipt.
  await updateReview(options.registry, appKey, platformName, (review) =>
    review.lastCallback?.code === code ? review : { ...review, lastCallback: { receivedAt: new Date().toISOString(), code } },
  );
  await options.forgetStatus(appKey, platformName);
  options.logger.info('review callback stored', { appKey, platform: platformName, code });
  return answer(200);
}

/** Compares secrets in constant time (over their hashes, so lengths do not leak either). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
