// Apollo plugin: GraphQL operations by name, type and outcome (ok, partial: data with errors,
// error: no data), with their duration, for /metrics and the access log.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { Metrics } from '../observability/metrics.js';

export function operationMetrics(metrics: Metrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ response, operation, operationName }) {
          const name = metrics.operationLabel(operationName ?? operation?.name?.value);
          const type = operation?.operation ?? 'unknown';
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const hasErrors = (result?.errors?.length ?? 0) > 0;
          const outcome = !hasErrors ? 'ok' : result?.data ? 'partial' : 'error';
          metrics.operations.inc({ operation: name, type, outcome });
          metrics.operationDuration.observe({ operation: name, type }, (performance.now() - started) / 1000);
          contextValue.outcome.operation = { name: operationName ?? operation?.name?.value ?? null, type, outcome };
        },
      };
    },
  };
}
