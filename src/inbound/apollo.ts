// Apollo Server as the gateway runs it: the schema and resolvers, the limits as validation rules
// and plugins, errors masked, and nothing of Apollo's own HTTP handling (landing page, signals).
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GatewayConfig } from '../config/index.js';
import type { GatewayContext } from '../context.js';
import { maskError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { compiledGateway, type ExecutionCounters } from '../execution/compiled.js';
import { parsedDocumentStore, persistedQueryStore } from '../limits/caches.js';
import { knownOperationTypes } from '../limits/operation-types.js';
import { costLimitPlugin } from '../limits/plugin.js';
import { limitRules } from '../limits/rules.js';
import type { Metrics } from '../observability/metrics.js';
import { authorizeOperation } from '../plugins/authorize-operation.js';
import { costExtension } from '../plugins/cost-extension.js';
import { inputFirst } from '../plugins/input-first.js';

import { operationMetrics } from '../plugins/operation-metrics.js';
import { staleExtension } from '../plugins/stale-extension.js';
import { inputChecks, resolvers } from '../resolvers/index.js';
import { loadTypeDefs } from '../schema.js';

/** A started Apollo Server. */
export async function startApollo(config: GatewayConfig, metrics: Metrics, logger: Logger): Promise<ApolloServer<GatewayContext>> {
  const schema = makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers });
  const apollo = new ApolloServer<GatewayContext>({
    // Apollo parses, validates and runs the plugins; graphql-jit executes (src/execution/compiled.ts).
    gateway: compiledGateway(schema, { compileAfterUses: config.compileAfterUses, counters: executionCounters(metrics), logger }),
    introspection: config.introspection,
    // With introspection off, validation errors do not suggest field names ("Did you mean …?").
    hideSchemaDetailsFromClientErrors: !config.introspection,
    parseOptions: { maxTokens: config.limits.maxTokens },
    // Parsed documents and automatic persisted queries within a budget of real bytes (src/limits/caches.ts).
    documentStore: parsedDocumentStore(),
    cache: persistedQueryStore(),
    // main.ts owns SIGINT/SIGTERM and closes everything in order; Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: maskError(logger),
    validationRules: [knownOperationTypes, ...limitRules(config.limits)],
    // No cache hints are used (caching is per upstream call, src/http/): without the cache-control
    // plugin no plugin watches single fields, and Apollo leaves the resolvers uninstrumented.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      authorizeOperation(),
      inputFirst(inputChecks),
      costLimitPlugin(config.limits),
      staleExtension,
      costExtension,
      operationMetrics(metrics),
    ],
    logger: { debug: () => {}, info: () => {}, warn: (m) => logger.warn(String(m)), error: (m) => logger.error(String(m)) },
  });
  await apollo.start();
  return apollo;
}

function executionCounters(metrics: Metrics): ExecutionCounters {
  const compiled = metrics.executions.labels('compiled');
  const interpreted = metrics.executions.labels('interpreted');
  return {
    executed: (engine) => (engine === 'compiled' ? compiled : interpreted).inc(),
    notCompiled: () => metrics.documentsNotCompiled.inc(),
  };
}
