// The answer of an injected fault that answers (status, business, malformed, empty; timeout and reset do
// not), with the X-Rate-Limit-* headers of Jiguang's limiter when the fault says when its window resets.
import { FixedWindowLimiter } from './rateLimit.js';
import { JSON_TYPE, type Reply, text } from './respond.js';
import type { ServiceContext, ServiceHandler } from './service.js';
import type { Fault } from './types.js';

/**
 * X-Rate-Limit-Limit of a fault on a service the emulator does not limit (JPush Admin, JVerification
 * Admin, JPortrait: the docs give no quota), unless the fault sets `limit`. The emulator's choice.
 */
export const DEFAULT_FAULT_LIMIT = 600;

export function faultReply(fault: Fault, handler: ServiceHandler, path: string, ctx: ServiceContext): Reply | null {
  let reply: Reply;
  if (fault.kind === 'status') {
    const status = fault.status ?? 500;
    reply = handler.statusFault?.(status, ctx) ?? text(status, `injected fault: HTTP ${status}`);
  } else if (fault.kind === 'business') {
    reply = handler.businessFault(fault.code ?? '', fault.status, ctx);
  } else if (fault.kind === 'malformed') {
    reply = { status: 200, headers: { 'content-type': JSON_TYPE }, body: handler.malformedBody };
  } else if (fault.kind === 'empty') {
    reply = { status: 200, headers: { 'content-type': JSON_TYPE }, body: '' };
  } else {
    return null;
  }
  if (fault.resetSeconds === undefined) return reply;
  const limit = fault.limit ?? handler.quota?.(path, ctx) ?? DEFAULT_FAULT_LIMIT;
  const headers = FixedWindowLimiter.headers({ allowed: false, limit, remaining: 0, resetSeconds: fault.resetSeconds });
  return { ...reply, headers: { ...reply.headers, ...headers } };
}
