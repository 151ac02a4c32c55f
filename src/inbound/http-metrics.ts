// Every answer of the gateway's port counted and timed, by a bounded route label.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../observability/metrics.js';
import { CALLBACK_PATH } from './callback.js';
import { GRAPHIQL_ASSET_PATH } from './graphiql.js';
import { GRAPHQL_PATH } from './target.js';

/** The known paths, else "other"; "malformed" when the target could not be read. */
export function routeLabel(path: string | undefined): string {
  if (path === GRAPHQL_PATH || path === '/health' || path === '/ready' || path === '/metrics') return path;
  if (path?.startsWith(GRAPHIQL_ASSET_PATH)) return GRAPHIQL_ASSET_PATH;
  if (path?.startsWith(CALLBACK_PATH)) return CALLBACK_PATH;
  return path === undefined ? 'malformed' : 'other';
}

/** Records the request once its answer has finished (at once if it has). */
export function recordRequest(metrics: Metrics, req: IncomingMessage, res: ServerResponse, route: string, started: number): void {
  const record = () => {
    metrics.httpRequests.inc({ route, method: req.method ?? 'OTHER', status: String(res.statusCode) });
    metrics.httpDuration.observe({ route }, (performance.now() - started) / 1000);
  };
  if (res.writableFinished) record();
  else res.once('finish', record);
}
