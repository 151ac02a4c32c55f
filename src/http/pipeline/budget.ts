// The request's upstream-call budget (src/http/call.ts UpstreamBudget): the bound the cost model
// checks before execution, enforced at run time. A call the request does not start after all
// (refused, or joined in flight) is given back.
import type { Stage } from './stage.js';

export const budget: Stage = (next) => (call) => {
  call.ctx.budget.take();
  call.payment.paid(() => call.ctx.budget.giveBack());
  return next(call);
};
