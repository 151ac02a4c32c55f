// The inbound path of one request, as stages in order. Each stage lets the request go on, returning
// what it adds (the request id, the target, the caller, the body, the operations), answers it (a
// route), or throws an HttpError; every error is written by `sendError`, whichever stage threw it.
//
//   request id → lifecycle (Connection: close while draining) → target → CORS → routes (/health,
//   /ready, /metrics, GraphiQL, the review callback, else 404) → auth → admission → body →
//   operations → limits on values → persisted documents → limits on documents → Apollo
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Callers } from '../auth/callers.js';
import type { GatewayConfig } from '../config/index.js';
import type { Logger } from '../core/logger.js';
import type { Fairness } from '../http/fairness.js';
import type { DocumentGuard } from '../limits/document.js';
import type { Metrics } from '../observability/metrics.js';
import { admit } from './admission.js';
import { authenticate } from './auth.js';
import { readGraphQLBody } from './body.js';
import { CALLBACK_PATH, handleReviewCallback, type ReviewCallbackOptions } from './callback.js';
import type { Cors } from './cors.js';
import { resolveDocuments, type TrustedDocuments } from './documents.js';
import { HttpError, internalError } from './errors.js';
import type { Execute } from './execute.js';
import type { GraphiQL } from './graphiql.js';
import type { Health } from './health.js';
import { recordRequest, routeLabel } from './http-metrics.js';
import { checkDocuments, checkValues } from './limits.js';
import { handleMetrics } from './metrics-route.js';
import { operationsOf } from './operations.js';
import { assignRequestId } from './request-id.js';
import { sendError } from './respond.js';
import { handleRoot } from './root.js';
import { GRAPHQL_PATH, targetOf } from './target.js';

/** What the stages work with, made once when the server starts. */
export interface InboundDeps {
  config: GatewayConfig;
  logger: Logger;
  metrics: Metrics;
  callers: Callers;
  fairness: Fairness;
  cors: Cors;
  health: Health;
  graphiql: GraphiQL | null;
  /** The review callback's options but its per-request logger. */
  callback: Omit<ReviewCallbackOptions, 'logger'>;
  documents: TrustedDocuments;
  guard: DocumentGuard;
  /** True from the moment the server drains. */
  draining(): boolean;
  execute: Execute;
}

export function createPipeline(deps: InboundDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, logger, metrics } = deps;

  async function handle(req: IncomingMessage, res: ServerResponse, seen: { route?: string }): Promise<void> {
    const requestId = assignRequestId(req, res);
    // While draining, a kept-alive connection is closed after its answer.
    if (deps.draining()) res.setHeader('connection', 'close');
    const target = targetOf(req);
    const { pathname } = target;
    seen.route = pathname;
    const cors = deps.cors.handle(req, res);
    if (cors === 'answered') return;
    if (cors === 'refused') {
      const origin = String(req.headers.origin ?? '').slice(0, 200);
      logger.info('request', { requestId, method: req.method, path: pathname.slice(0, 200), status: 403, outcome: 'cors_refused', origin });
      const message = `CORS: the origin ${JSON.stringify(origin)} is not allowed (GATEWAY_CORS_ORIGINS lists the origins that are).`;
      throw pathname === GRAPHQL_PATH ? new HttpError(403, message, { code: 'FORBIDDEN' }) : HttpError.plain(403, { error: message });
    }

    if (await deps.health.handle(req, res, pathname)) return;
    if (pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) return handleMetrics(req, res, config.metrics, deps.callers, metrics);
    if (deps.graphiql && (await deps.graphiql.handle(req, res, target))) return;
    if (pathname.startsWith(CALLBACK_PATH)) return handleReviewCallback(req, res, pathname, { ...deps.callback, logger: logger.child({ requestId }) });
    if (handleRoot(req, res, pathname, deps.graphiql !== null)) return;
    if (pathname !== GRAPHQL_PATH) throw HttpError.plain(404, { error: `Not found. The GraphQL endpoint is ${GRAPHQL_PATH}.` });

    const caller = authenticate(deps.callers, req);
    const stats = await admit(deps.fairness, caller);
    const { body, multipart } = await readGraphQLBody(req, res, config.limits.maxBodyBytes, config.limits.maxNesting);
    const sent = operationsOf(req.method, body, target);
    // Variables and extensions are bounded before anything walks them (resolving a document id does).
    checkValues(deps.guard, sent);
    const operations = resolveDocuments(deps.documents, sent);
    checkDocuments(deps.guard, operations);
    await deps.execute(req, res, { requestId, pathname, caller, stats, operations, multipart });
  }

  return (req, res) => {
    const started = performance.now();
    const seen: { route?: string } = {};
    handle(req, res, seen)
      .catch((error: unknown) => {
        if (error instanceof HttpError) return sendError(req, res, error);
        logger.error('request failed', { error: error instanceof Error ? error.message : String(error) });
        sendError(req, res, internalError());
      })
      .finally(() => recordRequest(metrics, req, res, routeLabel(seen.route), started));
  };
}
