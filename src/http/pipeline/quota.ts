// The quota scheduler's slot for the call (src/http/quota.ts): per bucket and owner (AppKey,
// developer account or Growth project), waiting within the request's deadline — a wait the request
// is charged for. Jiguang's own signals pause the bucket until the window it names has ended: a
// rate-limit answer (HTTP 429, JMLink 3006, …) or X-Rate-Limit-Remaining: 0 on any answer.
import { GatewayError } from '../../core/errors.js';
import { retryAfterSeconds } from '../envelope.js';
import type { QuotaScheduler } from '../quota.js';
import type { Stage } from './stage.js';

export function quota(scheduler: QuotaScheduler): Stage {
  return (next) => async (call) => {
    const { endpoint, ctx, exchange } = call;
    // Quotas are per AppKey; the developer account and the Growth project are one each.
    const owner = endpoint.credentials === 'app' ? call.credentials!.username : endpoint.credentials;
    const waitedMs = await scheduler.acquire(endpoint.quota, owner, ctx.deadline, call.signal);
    if (waitedMs > 0) {
      ctx.stats.quotaWaitMs += waitedMs;
      await call.payment.quotaWaited();
    }
    const spent = async () => {
      if (exchange.response?.headers['x-rate-limit-remaining'] !== '0') return;
      const reset = retryAfterSeconds({ 'x-rate-limit-reset': exchange.response.headers['x-rate-limit-reset'] ?? '' });
      if (reset !== undefined) await scheduler.pause(endpoint.quota, owner, Date.now() + reset * 1000);
    };
    try {
      const value = await next(call);
      await spent();
      return value;
    } catch (error) {
      await spent();
      if (exchange.response && error instanceof GatewayError && error.code === 'RATE_LIMITED') {
        const retryAfter = error.extensions.retryAfterSeconds;
        const window = scheduler.limitOf(endpoint.quota)?.windowMs ?? 60_000;
        await scheduler.pause(endpoint.quota, owner, Date.now() + (typeof retryAfter === 'number' ? retryAfter * 1000 : window));
      }
      throw error;
    }
  };
}
