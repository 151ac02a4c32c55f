// The gateway's HTTP server: node:http in front of Apollo Server's executeHTTPGraphQLRequest, so
// that every inbound concern is ours. This file puts the pieces together; each stage of a request is
// a small module of its own in src/inbound/, run in order by pipeline.ts, and the server's state
// (starting, serving, draining, stopped) is lifecycle.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CallerConfig, Callers } from '../auth/callers.js';
import type { GatewayConfig } from '../config/index.js';
import type { GatewayServices } from '../context.js';
import type { Logger } from '../core/logger.js';
import { CONNECTIONS_PER_ORIGIN } from '../http/transport.js';
import type { Upstream } from '../http/upstream.js';
import { DocumentGuard } from '../limits/document.js';
import { Metrics } from '../observability/metrics.js';
import type { AppRegistry } from '../registry/index.js';
import { createUpstream, type TrafficState } from '../traffic.js';
import { reviewCallbackToken } from '../verification/callback.js';
import { reviewStatus } from '../verification/endpoints.js';
import { startApollo } from './apollo.js';
import { CALLBACK_PATH } from './callback.js';
import { admitConnections } from './connections.js';
import { createCors } from './cors.js';
import { TrustedDocuments } from './documents.js';
import { createExecute } from './execute.js';
import { createGraphiQL } from './graphiql.js';
import { createHealth, type Deployment, type ReadinessCheck, registryCheck } from './health.js';
import { trackLifecycle } from './lifecycle.js';
import { startMetricsServer } from './metrics-route.js';
import { createPipeline } from './pipeline.js';
import { GRAPHQL_PATH } from './target.js';

export type { ReadinessCheck } from './health.js';
export { GRAPHQL_PATH } from './target.js';

export interface GatewayOptions {
  config: GatewayConfig;
  registry: AppRegistry;
  logger: Logger;
  /** Callers besides those configured (demo mode's generated admin token). */
  extraCallers?: CallerConfig[];
  /** A token GraphiQL starts with in its Headers editor (demo mode and tests only). */
  graphiqlToken?: string;
  /** Where the cache, quotas and fairness limits live (default: this process). */
  traffic?: TrafficState;
  /** Dependencies /ready reports on besides the registry (Redis). */
  readiness?: ReadinessCheck[];
  /** What /ready says this replica runs on, so two replicas configured differently can be told apart. */
  deployment?: Deployment;
}

export interface RunningGateway {
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  graphqlUrl: string;
  metrics: Metrics;
  upstream: Upstream;
  server: Server;
  /**
   * Stops in order: readiness false at once, no new connections, kept-alive connections told
   * `Connection: close`, in-flight requests given `graceMs` to finish, then Apollo and the pools.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

export async function startGateway({ config, registry, logger, extraCallers = [], graphiqlToken, traffic, readiness = [], deployment }: GatewayOptions): Promise<RunningGateway> {
  const callers = new Callers([...config.callers, ...extraCallers]);
  const metrics = new Metrics();
  const upstream = createUpstream(config, registry, metrics, logger, traffic);
  const services: GatewayServices = {
    registry,
    upstream,
    reviewCallbackUrl: '', // set once the server listens and its address is known
    maxUpstreamCalls: config.limits.maxUpstreamCalls,
    requestDeadlineMs: config.requestDeadlineMs,
  };
  const callbackToken = await reviewCallbackToken(config.callbackToken, registry);
  const documents = TrustedDocuments.from(config.documents);
  const graphiql = config.graphiql
    ? createGraphiQL({
        graphqlPath: GRAPHQL_PATH,
        documents,
        token: graphiqlToken,
        introspection: config.introspection,
        exampleApp: async () => (await registry.list())[0]?.appKey,
      })
    : null;
  const apollo = await startApollo(config, metrics, logger);

  const server = createServer({
    headersTimeout: config.http.headersTimeoutMs,
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    // Node checks both timeouts on this interval (default 30 s): often enough that they hold.
    connectionsCheckingInterval: Math.min(1_000, config.http.headersTimeoutMs),
  });
  const lifecycle = trackLifecycle(server);
  server.on(
    'request',
    createPipeline({
      config,
      logger,
      metrics,
      callers,
      fairness: upstream.deps.fairness,
      cors: createCors(config.corsOrigins),
      health: createHealth([registryCheck(registry, logger), ...readiness], () => lifecycle.draining, deployment),
      graphiql,
      callback: { token: callbackToken, registry, forgetStatus: (appKey, platform) => upstream.invalidate(reviewStatus, { appKey, platform }) },
      documents,
      guard: new DocumentGuard(config.limits),
      draining: () => lifecycle.draining,
      execute: createExecute(apollo, services, logger),
    }),
  );
  // At the cap a newcomer makes room by closing the oldest socket with no request in flight
  // (connections.ts); Node's maxConnections refuses only when none is left to close.
  const origins = new Set(Object.values(config.upstreams).map((u) => new URL(u).origin)).size;
  const connections = admitConnections(
    server,
    { maxConnections: config.http.maxConnections, firstHeadersTimeoutMs: config.http.firstHeadersTimeoutMs, upstreamSockets: origins * CONNECTIONS_PER_ORIGIN },
    { onShed: (reason) => metrics.connectionsShed.inc({ reason }), warn: (message, fields) => logger.warn(message, fields) },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const metricsServer = config.metrics.address ? await startMetricsServer(config.metrics.address, metrics) : null;
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const base = `http://${host}:${port}`;
  services.reviewCallbackUrl = `${config.publicUrl ?? base}${CALLBACK_PATH}${callbackToken}`;
  lifecycle.serving();

  let closing: Promise<void> | undefined;
  return {
    url: base,
    graphqlUrl: base + GRAPHQL_PATH,
    metrics,
    upstream,
    server,
    close({ graceMs = 2_000 } = {}) {
      closing ??= (async () => {
        const left = await lifecycle.drain(graceMs);
        if (left > 0) logger.warn('shutdown grace ended with requests in flight', { inFlight: left });
        connections.close();
        await apollo.stop();
        await upstream.close();
        await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
        lifecycle.stopped();
      })();
      return closing;
    },
  };
}
