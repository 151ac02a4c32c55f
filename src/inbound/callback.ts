// The route Jiguang posts one-tap login review results to: POST /callbacks/jverification/<token>.
// The token in the path is the deployment's unguessable secret; a post without it, with a bad body or
// for an unknown app changes nothing. Its answers keep their own shape, `{ ok }` or `{ ok: false, error }`.
// What a valid result does is src/verification/callback.ts.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { AppRegistry } from '../registry/index.js';
import { parseReviewResult, storeReviewResult } from '../verification/callback.js';
import type { PlatformName } from '../verification/reviews.js';
import { readBody } from './body.js';
import { HttpError } from './errors.js';
import { sendJson } from './respond.js';

export const CALLBACK_PATH = '/callbacks/jverification/';
const MAX_BODY = 16 * 1024;

export interface ReviewCallbackOptions {
  token: string;
  registry: AppRegistry;
  logger: Logger;
  /** Drops the cached review status once a result is stored. */
  forgetStatus(appKey: string, platform: PlatformName): Promise<void>;
}

const refusal = (status: number, error: string, headers?: Record<string, string>, close = false) => new HttpError(status, error, { body: { ok: false, error }, headers, close });

/** Answers a post to `path` (under CALLBACK_PATH), or throws its refusal. */
export async function handleReviewCallback(req: IncomingMessage, res: ServerResponse, path: string, options: ReviewCallbackOptions): Promise<void> {
  // Refusals read nothing of the body: a forged callback may be large.
  if (req.method !== 'POST') throw refusal(405, 'POST only', { allow: 'POST' });
  if (!sameSecret(path.slice(CALLBACK_PATH.length), options.token)) {
    options.logger.warn('review callback refused: bad token');
    throw refusal(404, 'not found');
  }
  const read = await readBody(req, MAX_BODY);
  if (!read.ok && read.slow) throw refusal(408, 'body arrived too slowly', undefined, true);
  if (!read.ok) throw refusal(413, 'body too large', undefined, !read.drained);
  let body: unknown;
  try {
    body = JSON.parse(read.bytes.toString('utf8'));
  } catch {
    throw refusal(400, 'body is not JSON');
  }
  const result = parseReviewResult(body);
  if (!result) throw refusal(400, 'expected {app_key, platform: "a" | "i", code}');
  if (!(await storeReviewResult(options.registry, result, options.forgetStatus))) throw refusal(404, 'unknown app');
  options.logger.info('review callback stored', { ...result });
  sendJson(res, 200, { ok: true });
}

/** Compares secrets in constant time (over their hashes, so lengths do not leak either). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
