// The gateway's HTTP server: node:http in front of Apollo Server's executeHTTPGraphQLRequest, so
// that every transport concern is ours and lives in a small module of its own (src/transport/):
// request targets, refusals that read nothing, body limits and uploads, persisted documents,
// GraphiQL, the review callback, /health, /metrics.

import { randomBytes, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, Server as NetServer } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLError } from 'graphql';
import { type CallerConfig, Callers } from './auth/callers.js';
import type { GatewayConfig } from './config.js';
import { createContext, type GatewayContext, type GatewayServices } from './context.js';
import { describeError, maskError } from './errors.js';
import { RequestStats } from './http/call.js';
import { isRecord } from './http/envelope.js';
import type { Upstream } from './http/upstream.js';
import { DocumentGuard } from './limits/document.js';
import { knownOperationTypes } from './limits/operation-types.js';
import { costLimitPlugin } from './limits/plugin.js';
import { limitRules } from './limits/rules.js';
import type { Logger } from './logger.js';
import { Metrics } from './observability/metrics.js';
import { inRequestSpan } from './observability/tracing.js';
import { costExtension, costOf } from './plugins/cost-extension.js';
import { inputFirst } from './plugins/input-first.js';
import { mutationsNeedAdmin } from './plugins/mutations-need-admin.js';
import { operationMetrics } from './plugins/operation-metrics.js';
import { staleExtension } from './plugins/stale-extension.js';
import type { AppRegistry } from './registry/index.js';
import { inputChecks, resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './schema.js';
import { createUpstream, type TrafficState } from './traffic.js';
import { readGraphQLBody } from './transport/body.js';
import { connectionCap, guardConnections } from './transport/connections.js';
import { createCors } from './transport/cors.js';
import { resolveDocuments, TrustedDocuments } from './transport/documents.js';
import { createGraphiQL, GRAPHIQL_ASSET_PATH } from './transport/graphiql.js';
import { handleMetrics, startMetricsServer } from './transport/metrics-route.js';
import { graphqlError, refuse, sendJson } from './transport/respond.js';
import { parseTarget } from './transport/target.js';
import { CALLBACK_PATH, handleReviewCallback } from './verification/callback.js';
import { reviewStatus } from './verification/endpoints.js';

export const GRAPHQL_PATH = '/graphql';
/** While draining, idle connections are closed once no request has come for this long. */
const DRAIN_QUIET_MS = 500;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
}

/** One dependency of readiness: `down` takes the replica out of rotation, `degraded` does not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ status: 'ok' | 'degraded' | 'down'; detail?: string }>;
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

export async function startGateway({ config, registry, logger, extraCallers = [], graphiqlToken, traffic, readiness = [] }: GatewayOptions): Promise<RunningGateway> {
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
  const callbackToken = await reviewCallbackToken(config, registry);
  const documents = TrustedDocuments.load(config.documents);
  const guard = new DocumentGuard(config.limits);
  const cors = createCors(config.corsOrigins);
  const graphiql = config.graphiql
    ? createGraphiQL({
        graphqlPath: GRAPHQL_PATH,
        documents,
        token: graphiqlToken,
        introspection: config.introspection,
        exampleApp: async () => (await registry.list())[0]?.appKey,
      })
    : null;

  const apollo = new ApolloServer<GatewayContext>({
    typeDefs: loadTypeDefs(),
    resolvers,
    introspection: config.introspection,
    // With introspection off, validation errors do not suggest field names ("Did you mean …?").
    hideSchemaDetailsFromClientErrors: !config.introspection,
    parseOptions: { maxTokens: config.limits.maxTokens },
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
      mutationsNeedAdmin,
      inputFirst(inputChecks),
      costLimitPlugin(config.limits),
      staleExtension,
      costExtension,
      operationMetrics(metrics),
    ],
    logger: { debug: () => {}, info: () => {}, warn: (m) => logger.warn(String(m)), error: (m) => logger.error(String(m)) },
  });
  await apollo.start();

  const server = createServer(
    {
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      keepAliveTimeout: config.http.keepAliveTimeoutMs,
      // Node checks both timeouts on this interval (default 30 s): often enough that they hold.
      connectionsCheckingInterval: Math.min(1_000, config.http.headersTimeoutMs),
    },
    (req, res) => {
      const started = performance.now();
      handle(req, res)
        .catch((error: unknown) => {
          logger.error('request failed', { error: error instanceof Error ? error.message : String(error) });
          if (!res.headersSent) sendJson(res, 500, graphqlError('Internal server error.', 'INTERNAL_SERVER_ERROR'));
          else res.destroy();
        })
        .finally(() => {
          const route = routeOf(req);
          const record = () => {
            metrics.httpRequests.inc({ route, method: req.method ?? 'OTHER', status: String(res.statusCode) });
            metrics.httpDuration.observe({ route }, (performance.now() - started) / 1000);
          };
          if (res.writableFinished) record();
          else res.once('finish', record);
        });
    },
  );
  // At the cap a newcomer makes room by closing the oldest socket with no request in flight
  // (src/transport/connections.ts); Node's maxConnections refuses only when none is left to close.
  const limit = connectionCap(config.http.maxConnections, { upstreamOrigins: new Set(Object.values(config.upstreams).map((u) => new URL(u).origin)).size });
  if (limit.cap < limit.configured) {
    logger.warn('the open-files limit lowers the connection cap', {
      cap: limit.cap,
      maxConnections: limit.configured,
      fdLimit: limit.fdLimit,
      fdInUse: limit.fdInUse,
      fdReserve: limit.fdReserve,
    });
  }
  server.maxConnections = limit.cap;
  const connections = guardConnections(server, {
    cap: limit.cap,
    firstHeadersTimeoutMs: config.http.firstHeadersTimeoutMs,
    onShed: (reason) => metrics.connectionsShed.inc({ reason }),
    onBurst: (burst) => logger.warn('connections shed to make room', { ...burst }),
  });
  let draining = false;
  let inFlight = 0;
  let requestsSeen = 0;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    requestsSeen++;
    res.once('close', () => inFlight--);
  });
  const checks: ReadinessCheck[] = [{ name: 'registry', check: () => registryCheck(registry, logger) }, ...readiness];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    // While draining, a kept-alive connection is closed after its answer.
    if (draining) res.setHeader('connection', 'close');
    const target = parseTarget(req.url);
    if (!target) return refuse(req, res, 400, graphqlError('The request target is malformed: send a path such as /graphql.', 'BAD_REQUEST'));
    (req as RoutedRequest).route = target.pathname;
    const { pathname } = target;
    if (cors.handle(req, res)) return;

    if (pathname === '/health' && (req.method === 'GET' || req.method === 'HEAD')) return sendJson(res, 200, { status: 'ok' });
    if (pathname === '/ready' && (req.method === 'GET' || req.method === 'HEAD')) {
      const report = await readinessReport(checks, draining);
      return sendJson(res, report.status === 'ready' || report.status === 'degraded' ? 200 : 503, report);
    }
    if (pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) return handleMetrics(req, res, config.metrics, callers, metrics);
    if (graphiql && (await graphiql.handle(req, res, target))) return;
    if (pathname.startsWith(CALLBACK_PATH)) {
      return handleReviewCallback(req, res, pathname, {
        token: callbackToken,
        registry,
        logger: logger.child({ requestId }),
        forgetStatus: (appKey, platform) => upstream.invalidate(reviewStatus, { appKey, platform }),
      });
    }
    if (pathname !== GRAPHQL_PATH) return refuse(req, res, 404, { error: `Not found. The GraphQL endpoint is ${GRAPHQL_PATH}.` });

    // No anonymous caller gets past this point; the body of a refused request is never read.
    const caller = callers.identify(req.headers.authorization);
    if (!caller) {
      return refuse(req, res, 401, graphqlError('A valid bearer token is required: send `Authorization: Bearer <token>`.', 'UNAUTHENTICATED'), {
        'www-authenticate': 'Bearer realm="jiguang-gateway"',
      });
    }
    // Fairness: the flood guard, and the token's upstream budget (a spent budget refuses the request).
    const stats = new RequestStats();
    const refused = await upstream.deps.fairness.admitRequest(caller, stats.budget);
    if (refused) {
      const retryAfter = String(refused.extensions.retryAfterSeconds ?? 1);
      const body = { ...graphqlError(refused.message, refused.code, { retryAfterSeconds: Number(retryAfter) }), extensions: { cost: costOf(stats, null) } };
      return refuse(req, res, 429, body, { 'retry-after': retryAfter });
    }

    const read = await readGraphQLBody(req, res, config.limits.maxBodyBytes);
    if (!read.ok) {
      return sendJson(res, read.status, graphqlError(read.message, 'BAD_REQUEST'), { ...read.headers, ...(read.close ? { connection: 'close' } : {}) });
    }

    // Variables and extensions are bounded before anything walks them (resolving a document id does).
    const sent = req.method === 'POST' ? read.body : undefined;
    const deep = checkValues(guard, sent, target.searchParams);
    if (deep) return sendJson(res, 400, graphqlError(deep.message, 'BAD_USER_INPUT', { limit: deep.extensions.limit }));
    // Persisted documents: a document id becomes its document; trusted mode refuses everything else.
    const resolved = resolveDocuments(documents, sent, target.searchParams, target.search);
    if (!resolved.ok) return sendJson(res, resolved.status, graphqlError(resolved.message, resolved.code));
    const refusal = checkDocuments(guard, resolved.body, target.searchParams);
    if (refusal) return sendJson(res, 400, graphqlError(refusal.message, 'GRAPHQL_VALIDATION_FAILED', { limit: refusal.extensions.limit }));

    // The caller going away cancels the request, and with it every upstream call it started.
    const abort = new AbortController();
    // One listener per upstream call the request waits for: a statistics page has dozens.
    setMaxListeners(0, abort.signal);
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    // A multipart request arrives here already turned into its JSON operations.
    if (read.multipart) headers.set('content-type', 'application/json');
    const requestLogger = logger.child({ requestId, caller: caller.name });
    const context = createContext(services, { requestId, signal: abort.signal, logger: requestLogger, caller, stats });
    const started = performance.now();
    await inRequestSpan(
      'graphql',
      req.headers,
      { 'http.request.method': req.method ?? 'GET', 'url.path': pathname, 'gateway.request_id': requestId, 'gateway.caller': caller.name },
      async (span) => {
        res.once('finish', () => {
          const { stats } = context.call;
          const traceId = span.spanContext().traceId;
          requestLogger.info('request', {
            method: req.method,
            status: res.statusCode,
            operationName:
              context.outcome.operation?.name ??
              (isRecord(resolved.body) && typeof resolved.body.operationName === 'string' ? resolved.body.operationName.slice(0, 100) : undefined),
            outcome: context.outcome.operation?.outcome,
            ms: Math.round(performance.now() - started),
            upstreamCalls: stats.upstreamCalls,
            cacheHits: stats.cacheHits,
            quotaWaitMs: Math.round(stats.quotaWaitMs),
            ...(stats.stale.length > 0 ? { stale: stats.stale.length } : {}),
            ...(span.isRecording() ? { traceId } : {}),
          });
        });
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: resolved.search, body: resolved.body },
          context: async () => context,
        });
        const operation = context.outcome.operation;
        span.updateName(`graphql ${operation?.type ?? 'request'} ${operation?.name ?? 'anonymous'}`);
        span.setAttributes({
          'http.response.status_code': response.status ?? 200,
          'graphql.operation.type': operation?.type ?? 'unknown',
          'graphql.operation.name': operation?.name ?? '',
          'gateway.outcome': operation?.outcome ?? 'error',
          'gateway.upstream_calls': context.call.stats.upstreamCalls,
          'gateway.cache_hits': context.call.stats.cacheHits,
        });
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') return void res.end(response.body.string);
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      },
    );
  }

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

  return {
    url: base,
    graphqlUrl: base + GRAPHQL_PATH,
    metrics,
    upstream,
    server,
    async close({ graceMs = 2_000 } = {}) {
      draining = true;
      // Stop listening without http.Server's own close, which would also drop idle kept-alive
      // connections at once — a client could be sending on one at that very moment.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      // In-flight requests finish; a request on a kept-alive connection is answered with
      // `Connection: close`. Idle connections are closed once nothing has come for a moment.
      const deadline = Date.now() + graceMs;
      let quietSince = Date.now();
      let seen = requestsSeen;
      while (Date.now() < deadline) {
        if (inFlight > 0 || requestsSeen !== seen) [quietSince, seen] = [Date.now(), requestsSeen];
        else if (Date.now() - quietSince >= DRAIN_QUIET_MS) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      if (inFlight > 0) logger.warn('shutdown grace ended with requests in flight', { inFlight });
      server.closeAllConnections();
      connections.close();
      await closed;
      await apollo.stop();
      await upstream.close();
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
    },
  };
}

interface RoutedRequest extends IncomingMessage {
  route?: string;
}

/** A bounded route label for metrics: the known paths, else "other". */
function routeOf(req: IncomingMessage): string {
  const path = (req as RoutedRequest).route;
  if (path === GRAPHQL_PATH || path === '/health' || path === '/ready' || path === '/metrics') return path;
  if (path?.startsWith(GRAPHIQL_ASSET_PATH)) return GRAPHIQL_ASSET_PATH;
  if (path?.startsWith(CALLBACK_PATH)) return CALLBACK_PATH;
  return path === undefined ? 'malformed' : 'other';
}

/** The operations of a request: the JSON body's (one or a batch), or a GET request's parameters. */
function operationsOf(body: unknown, params: URLSearchParams): Record<string, unknown>[] {
  const requests: unknown[] = body === undefined ? [Object.fromEntries(params)] : Array.isArray(body) ? body : [body];
  return requests.filter(isRecord);
}

/** The nesting limit on every operation's variables and extensions (JSON text on GET, parsed on POST). */
function checkValues(guard: DocumentGuard, body: unknown, params: URLSearchParams): GraphQLError | null {
  for (const request of operationsOf(body, params)) {
    const refusal = guard.checkValues('variables', request.variables) ?? guard.checkValues('extensions', request.extensions);
    if (refusal) return refusal;
  }
  return null;
}

/** The document limits checked before parsing, for every operation of the request. */
function checkDocuments(guard: DocumentGuard, body: unknown, params: URLSearchParams): GraphQLError | null {
  for (const request of operationsOf(body, params)) {
    const refusal = typeof request.query === 'string' ? guard.check(request.query) : null;
    if (refusal) return refusal;
  }
  return null;
}

/** The registry's state for /ready; the cause goes to the log only (a database's message can name users and hosts). */
async function registryCheck(registry: AppRegistry, logger: Logger): Promise<{ status: 'ok' | 'down'; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 2 s')), 2_000)));
  try {
    await Promise.race([registry.ping(), timeout]);
    return { status: 'ok' };
  } catch (error) {
    logger.warn('registry unreachable', { error: describeError(error).message });
    return { status: 'down', detail: 'unreachable (see the log)' };
  } finally {
    clearTimeout(timer);
  }
}

/** /ready: whether this replica should get traffic, with each dependency's state. */
async function readinessReport(checks: ReadinessCheck[], draining: boolean) {
  const results = await Promise.all(checks.map(async (c) => [c.name, await c.check()] as const));
  const down = results.some(([, r]) => r.status === 'down');
  const degraded = results.some(([, r]) => r.status === 'degraded');
  const status = draining ? 'draining' : down ? 'unavailable' : degraded ? 'degraded' : 'ready';
  return { status, draining, checks: Object.fromEntries(results) };
}

/** The review callback's secret: configured, or made once and kept in the registry across restarts. */
async function reviewCallbackToken(config: GatewayConfig, registry: AppRegistry): Promise<string> {
  if (config.callbackToken) return config.callbackToken;
  const token = await registry.updateRecord<string>('settings', 'reviewCallbackToken', (stored) => stored ?? randomBytes(24).toString('base64url'));
  return token!;
}
