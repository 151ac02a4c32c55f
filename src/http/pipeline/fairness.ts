// The token's fair share (src/http/fairness.ts): a call the request starts costs its endpoint's
// weight in points, given back if the request joins an identical call in flight instead; waiting
// for a quota slot costs a point per whole second. The gateway's own calls (no caller) are free.
import type { Fairness } from '../fairness.js';
import type { Stage } from './stage.js';

export function fairness(limits: Fairness): Stage {
  return (next) => async (call) => {
    const { caller, stats } = call.ctx;
    if (!caller) return next(call);
    const points = call.endpoint.weight ?? 1;
    await limits.takeUpstreamCall(caller, stats.budget, points);
    call.payment.paid(() => limits.refundUpstreamCall(caller, stats.budget, points));
    call.payment.quotaWaited = () => limits.chargeQuotaWait(caller, stats.budget, stats.quotaWaitMs);
    return next(call);
  };
}
