// The endpoint's model of a successful answer (`Endpoint.parse`); anything it did not expect is a
// malformed answer (UPSTREAM_ERROR), never an internal error.
import { GatewayError } from '../../core/errors.js';
import { type Decoded, malformed } from '../envelope.js';
import { callInfo } from './envelope.js';
import type { Stage } from './stage.js';

export const parse: Stage = (next) => async (call) => {
  const decoded = (await next(call)) as Decoded;
  try {
    return call.endpoint.parse(decoded, call.params);
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw malformed(callInfo(call, decoded.info.httpStatus));
  }
};
