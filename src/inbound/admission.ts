// Admission by fairness: the flood guard, and the token's upstream budget — a spent budget refuses
// the request with 429 before its body is read. The limiters themselves are src/http/fairness.ts.
// The refusal carries the same `extensions.cost` an answer would (src/plugins/cost-extension.ts).
import type { Caller } from '../auth/callers.js';
import { RequestStats } from '../http/call.js';
import type { Fairness } from '../http/fairness.js';
import { costOf } from '../plugins/cost-extension.js';
import { HttpError } from './errors.js';

/** Admits the caller's request, returning the statistics it starts with (its budget noted), or throws 429. */
export async function admit(fairness: Fairness, caller: Caller): Promise<RequestStats> {
  const stats = new RequestStats();
  const refused = await fairness.admitRequest(caller, stats.budget);
  if (!refused) return stats;
  const retryAfter = String(refused.extensions.retryAfterSeconds ?? 1);
  throw new HttpError(429, refused.message, {
    code: refused.code,
    extensions: { retryAfterSeconds: Number(retryAfter) },
    responseExtensions: { cost: costOf(stats, null) },
    headers: { 'retry-after': retryAfter },
  });
}
