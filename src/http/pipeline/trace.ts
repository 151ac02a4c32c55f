// A client span per call made (the quota wait included), and — once the call went on the wire — its
// outcome: the span's attributes, the upstream metrics (service, endpoint, outcome), the request's
// call counter and a debug line. A call refused its quota slot never went out: span only.
import type { Span } from '@opentelemetry/api';
import { GatewayError, UpstreamError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { inCallSpan } from '../../observability/tracing.js';
import type { Call, Stage } from './stage.js';

export function trace(deps: { metrics: Metrics; logger: Logger }): Stage {
  const finish = (call: Call, span: Span, outcome: string, businessCode: number | string | null) => {
    const { endpoint, ctx, exchange } = call;
    const seconds = (performance.now() - exchange.started) / 1000;
    const status = exchange.response?.status ?? null;
    const cause = exchange.response ? null : exchange.cause;
    span.setAttributes({
      'jiguang.outcome': outcome,
      ...(status !== null ? { 'http.response.status_code': status } : {}),
      ...(cause ? { 'jiguang.failure_cause': cause } : {}),
      ...(businessCode != null ? { 'jiguang.business_code': String(businessCode) } : {}),
    });
    deps.metrics.upstreamCalls.inc({ service: endpoint.service, endpoint: endpoint.name, outcome });
    deps.metrics.upstreamDuration.observe({ service: endpoint.service, endpoint: endpoint.name }, seconds);
    ctx.stats.upstreamCalls++;
    deps.logger.debug('upstream call', { endpoint: endpoint.name, status, outcome, ...(cause ? { cause } : {}), ms: Math.round(seconds * 1000), requestId: ctx.requestId });
  };

  return (next) => (call) => {
    const { endpoint, ctx } = call;
    const attributes = { 'jiguang.service': endpoint.service, 'jiguang.endpoint': endpoint.name, 'jiguang.cache': 'miss', 'gateway.request_id': ctx.requestId };
    return inCallSpan(`jiguang ${endpoint.name}`, attributes, async (span) => {
      try {
        const value = await next(call);
        finish(call, span, 'ok', call.exchange.businessCode);
        return value;
      } catch (error) {
        if (call.exchange.started > 0 && error instanceof GatewayError) finish(call, span, error.code, error instanceof UpstreamError ? error.jiguang.businessCode : null);
        throw error;
      }
    });
  };
}
