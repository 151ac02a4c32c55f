// The wire (src/http/transport.ts): the endpoint's request on its service's base URL, with the
// call's credentials, within the call's deadline and signal. An idempotent call is sent once more
// after a connection failure (the same call: one quota slot, one outcome). A failure becomes the
// gateway's code: REQUEST_CANCELLED, UPSTREAM_TIMEOUT, or UPSTREAM_UNAVAILABLE / UPSTREAM_ERROR.
import { stringify as stringifyLossless } from 'lossless-json';
import { RequestCancelledError, upstreamError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ServiceName } from '../../core/services.js';
import { type Transport, TransportFailure, type WireResponse } from '../transport.js';
import { callInfo } from './envelope.js';
import type { Dispatch } from './stage.js';

export interface WireDeps {
  baseUrls: Record<ServiceName, string>;
  timeoutMs: number;
  transport: Transport;
  logger: Logger;
}

export function wire(deps: WireDeps): Dispatch {
  // Each service's base URL, split once: its origin, and a path prefix when it has one.
  const bases = new Map(
    Object.entries(deps.baseUrls).map(([service, base]) => {
      const url = new URL(base);
      return [service, { origin: url.origin, path: url.pathname.replace(/\/+$/, '') }];
    }),
  );
  return async (call): Promise<WireResponse> => {
    const { endpoint, ctx, exchange } = call;
    const req = endpoint.request(call.params);
    const base = bases.get(endpoint.service)!;
    const query = req.query ? new URLSearchParams(req.query as Record<string, string>).toString() : '';
    const path = base.path + req.path + (query ? `?${query}` : '');
    const body =
      req.json !== undefined ? { json: (endpoint.lossless ? stringifyLossless(req.json) : JSON.stringify(req.json)) ?? 'null' } : req.form ? { form: req.form } : undefined;
    const timeoutMs = Math.max(1, Math.min(deps.timeoutMs, ctx.deadline - Date.now()));
    exchange.started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const { signal, release } = callSignal(call.signal, timeoutMs);
      try {
        const res = await deps.transport.send(endpoint.service, {
          method: endpoint.method,
          origin: base.origin,
          path,
          credentials: call.credentials!,
          requestId: ctx.requestId,
          body,
          signal,
          timeoutMs,
          lossless: endpoint.lossless,
        });
        exchange.response = res;
        return res;
      } catch (error) {
        if (!(error instanceof TransportFailure)) throw error;
        if (error.kind === 'connection' && endpoint.idempotent && attempt < 2) {
          deps.logger.warn('upstream connection failed, retrying once', { endpoint: endpoint.name, cause: error.cause_, requestId: ctx.requestId });
          continue;
        }
        const code =
          error.kind === 'cancelled' ? 'REQUEST_CANCELLED' : error.kind === 'timeout' ? 'UPSTREAM_TIMEOUT' : error.kind === 'too-large' ? 'UPSTREAM_ERROR' : 'UPSTREAM_UNAVAILABLE';
        exchange.cause = error.cause_;
        if (error.kind !== 'cancelled') deps.logger.warn('upstream call failed', { endpoint: endpoint.name, code, cause: error.cause_, requestId: ctx.requestId });
        throw error.kind === 'cancelled' ? new RequestCancelledError() : upstreamError(code, callInfo(call, null));
      } finally {
        release();
      }
    }
  };
}

/**
 * The signal that ends one attempt: the caller's cancellation or the deadline, whichever comes
 * first, released as soon as the attempt is over. (AbortSignal.timeout's timer outlives the call
 * by the whole timeout and then builds its DOMException, and AbortSignal.any registers weak
 * references per call: together about a tenth of a request's CPU at one connection.)
 */
function callSignal(parent: AbortSignal | undefined, timeoutMs: number): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The upstream call timed out.', 'TimeoutError')), timeoutMs);
  if (!parent) return { signal: controller.signal, release: () => clearTimeout(timer) };
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}
