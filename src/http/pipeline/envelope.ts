// The service's envelope (src/http/envelope.ts `decodeEnvelope`): where its business code, message
// and request id are, which codes mean success, and which gateway code each failure becomes. Text
// taken from the answer passes the upstream-text gate there (`fromUpstream`), with this call's own
// credentials among the secrets it must never let through.
import type { JiguangErrorInfo } from '../../core/errors.js';
import { GatewayError } from '../../core/errors.js';
import { credentialForms } from '../../core/scrub.js';
import { decodeEnvelope, malformed } from '../envelope.js';
import type { WireResponse } from '../transport.js';
import type { Call, Stage } from './stage.js';

export const envelope: Stage = (next) => async (call) => {
  const res = (await next(call)) as WireResponse;
  const { username, password } = call.credentials!;
  try {
    const decoded = decodeEnvelope(call.endpoint.envelope, res, { requestId: call.ctx.requestId, secrets: () => credentialForms(username, password) });
    call.exchange.businessCode = decoded.info.businessCode;
    return decoded;
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw malformed(callInfo(call, res.status));
  }
};

/** What an error of this call tells about it when Jiguang's answer told nothing usable. */
export function callInfo(call: Call, httpStatus: number | null): JiguangErrorInfo {
  return { service: call.endpoint.service, businessCode: null, upstreamMessage: null, httpStatus, requestId: call.ctx.requestId };
}
