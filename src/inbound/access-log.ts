// What one GraphQL request leaves behind: a 'request' log line once its answer has left, and its
// span named and labelled after the operation Apollo ran.
import type { ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../core/logger.js';
import { type Operations, sentOperationName } from './operations.js';

/** Writes the request's log line when its answer has finished. */
export function logWhenFinished(
  res: ServerResponse,
  x: { method: string | undefined; logger: Logger; context: GatewayContext; operations: Operations; span: Span; started: number },
): void {
  res.once('finish', () => {
    const { stats } = x.context.call;
    const operation = x.context.outcome.operation;
    const traceId = x.span.spanContext().traceId;
    x.logger.info('request', {
      method: x.method,
      status: res.statusCode,
      operationName: operation?.name ?? sentOperationName(x.operations)?.slice(0, 100),
      outcome: operation?.outcome,
      ms: Math.round(performance.now() - x.started),
      upstreamCalls: stats.upstreamCalls,
      cacheHits: stats.cacheHits,
      quotaWaitMs: Math.round(stats.quotaWaitMs),
      ...(stats.stale.length > 0 ? { stale: stats.stale.length } : {}),
      ...(x.span.isRecording() ? { traceId } : {}),
    });
  });
}

/** Names the span after the operation, with the outcome and the upstream work it took. */
export function labelSpan(span: Span, context: GatewayContext, status: number): void {
  const operation = context.outcome.operation;
  span.updateName(`graphql ${operation?.type ?? 'request'} ${operation?.name ?? 'anonymous'}`);
  span.setAttributes({
    'http.response.status_code': status,
    'graphql.operation.type': operation?.type ?? 'unknown',
    'graphql.operation.name': operation?.name ?? '',
    'gateway.outcome': operation?.outcome ?? 'error',
    'gateway.upstream_calls': context.call.stats.upstreamCalls,
    'gateway.cache_hits': context.call.stats.cacheHits,
  });
}
