// /metrics, protected: on the gateway's own port it needs a bearer token (an admin token of
// GATEWAY_TOKENS, or the metrics token whose SHA-256 is GATEWAY_METRICS_TOKEN_SHA256); with
// GATEWAY_METRICS_ADDRESS it is served there instead, without a token (an address only the
// monitoring network reaches), and not on the gateway's port at all.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Callers } from '../auth/callers.js';
import { hashToken } from '../auth/callers.js';
import type { MetricsAccess } from '../config/index.js';
import type { Metrics } from '../observability/metrics.js';
import { HttpError } from './errors.js';

export async function sendMetrics(res: ServerResponse, metrics: Metrics): Promise<void> {
  const text = await metrics.text();
  res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
  res.end(text);
}

/** Answers /metrics on the gateway's port, or throws its refusal (not here, or no token for it). */
export async function handleMetrics(req: IncomingMessage, res: ServerResponse, access: MetricsAccess, callers: Callers, metrics: Metrics): Promise<void> {
  if (access.address) throw HttpError.plain(404, { error: 'Metrics are served on the metrics address (GATEWAY_METRICS_ADDRESS).' });
  const caller = callers.identify(req.headers.authorization);
  // An admin limited to some apps is refused: the series name every app (quota levels by AppKey).
  if ((caller?.role === 'admin' && caller.appKeys === null) || metricsTokenMatches(req.headers.authorization, access.tokenSha256)) return sendMetrics(res, metrics);
  throw new HttpError(401, '/metrics needs an admin token not limited to apps, or the metrics token: send `Authorization: Bearer <token>`.', {
    code: 'UNAUTHENTICATED',
    headers: { 'www-authenticate': 'Bearer realm="jiguang-gateway metrics"' },
  });
}

function metricsTokenMatches(authorization: string | undefined, sha256: string | null): boolean {
  const match = /^Bearer\s+(\S{16,512})\s*$/i.exec(authorization ?? '');
  if (!match || !sha256) return false;
  return timingSafeEqual(Buffer.from(hashToken(match[1]!), 'hex'), Buffer.from(sha256.toLowerCase(), 'hex'));
}

/** The separate metrics listener (GATEWAY_METRICS_ADDRESS): /metrics and nothing else. */
export async function startMetricsServer(address: { host: string; port: number }, metrics: Metrics): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) return void sendMetrics(res, metrics);
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  return server;
}
