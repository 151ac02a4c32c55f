// The gateway's HTTP server: node:http in front of Apollo Server's executeHTTPGraphQLRequest, so that
// the body-size limit, request ids, cancellation on client disconnect, GraphiQL, /health and /metrics
// are ours.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayConfig } from './config.js';
import { createContext, type GatewayContext, type GatewayServices } from './context.js';
import { maskError } from './errors.js';
import { GRAPHIQL_ASSET_PATH, sendGraphiQLAsset, sendGraphiQLPage, wantsGraphiQL } from './graphiql.js';
import { UpstreamMetrics } from './http/metrics.js';
import { UpstreamHttp } from './http/upstream.js';
import { isRecord } from './http/decode.js';
import processRequest from 'graphql-upload/processRequest.mjs';
import { MAX_CERTIFICATE_BYTES } from './push/certificate.js';
import { GrowthClient } from './growth/client.js';
import { JmlinkClient } from './jmlink/client.js';
import { limitsRule } from './limits.js';
import type { Logger } from './logger.js';
import { PortraitClient } from './portrait/client.js';
import { PushAdminClient } from './push/client.js';
import { VerificationAdminClient } from './verification/client.js';
import { CALLBACK_PATH, handleReviewCallback } from './verification/callback.js';
import { TrustedDocuments } from './trusted-documents.js';
import { Callers, type CallerConfig } from './auth/callers.js';
import { mutationsNeedAdmin } from './auth/mutations-need-admin.js';
import type { AppRegistry } from './registry/index.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './schema.js';

export const GRAPHQL_PATH = '/graphql';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface GatewayOptions {
  config: GatewayConfig;
  registry: AppRegistry;
  logger: Logger;
  /** Callers besides those configured (demo mode's generated admin token). */
  extraCallers?: CallerConfig[];
  /** A token GraphiQL starts with in its Headers editor (demo mode and tests only). */
  graphiqlToken?: string;
}

export interface RunningGateway {
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  graphqlUrl: string;
  metrics: UpstreamMetrics;
  close(): Promise<void>;
}

export async function startGateway({ config, registry, logger, extraCallers = [], graphiqlToken }: GatewayOptions): Promise<RunningGateway> {
  const callers = new Callers([...config.callers, ...extraCallers]);
  const metrics = new UpstreamMetrics();
  const http = new UpstreamHttp({ timeoutMs: config.upstreamTimeoutMs, logger, metrics });
  const services: GatewayServices = {
    registry,
    jmlink: new JmlinkClient(http, config.upstreams.jmlink),
    portrait: new PortraitClient(http, config.upstreams.portrait),
    pushAdmin: new PushAdminClient(http, config.upstreams.pushAdmin),
    verificationAdmin: new VerificationAdminClient(http, config.upstreams.verificationAdmin),
    devCredentials: config.devCredentials,
    growth: new GrowthClient(http, config.upstreams.growth),
    growthCredentials: config.growthCredentials,
    reviewCallbackUrl: '', // set once the server listens and its address is known
  };
  const callbackToken = await reviewCallbackToken(config, registry);

  const documents = TrustedDocuments.load(config.documents);

  const apollo = new ApolloServer<GatewayContext>({
    typeDefs: loadTypeDefs(),
    resolvers: resolvers as never,
    introspection: config.introspection,
    // main.ts owns SIGINT/SIGTERM and closes everything in order; Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: maskError(logger),
    validationRules: [limitsRule(config.limits.maxDepth, config.limits.maxCost)],
    plugins: [ApolloServerPluginLandingPageDisabled(), mutationsNeedAdmin],
    logger: { debug: () => {}, info: () => {}, warn: (m) => logger.warn(String(m)), error: (m) => logger.error(String(m)) },
  });
  await apollo.start();

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      logger.error('request failed', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://gateway');

    if (url.pathname === '/health' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/metrics' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return void res.end(metrics.toPrometheus());
    }
    if (config.graphiql && url.pathname.startsWith(GRAPHIQL_ASSET_PATH) && req.method === 'GET') {
      if (await sendGraphiQLAsset(res, url.pathname.slice(GRAPHIQL_ASSET_PATH.length))) return;
    }
    if (config.graphiql && url.pathname === GRAPHQL_PATH && wantsGraphiQL(req)) return sendGraphiQLPage(res, GRAPHQL_PATH, registry.list()[0]?.appKey, graphiqlToken);
    if (url.pathname.startsWith(CALLBACK_PATH)) return handleReviewCallback(req, res, url.pathname, { token: callbackToken, registry, logger: logger.child({ requestId }) });
    if (url.pathname !== GRAPHQL_PATH) return sendJson(res, 404, { error: `Not found. The GraphQL endpoint is ${GRAPHQL_PATH}.` });

    // No anonymous caller gets past this point; the body of a refused request is never parsed.
    const caller = callers.identify(req.headers.authorization);
    if (!caller) {
      req.resume();
      res.setHeader('www-authenticate', 'Bearer realm="jiguang-gateway"');
      return sendJson(res, 401, graphqlError('A valid bearer token is required: send `Authorization: Bearer <token>`.', 'UNAUTHENTICATED'));
    }

    const read = await readGraphQLBody(req, res, config.limits.maxBodyBytes);
    if (!read.ok) {
      if (read.headers) for (const [k, v] of Object.entries(read.headers)) res.setHeader(k, v);
      return sendJson(res, read.status, graphqlError(read.message, 'BAD_REQUEST'));
    }
    let body = read.body;

    // Persisted documents: a document id becomes its document; trusted mode refuses everything else.
    const resolved = resolveDocuments(documents, req.method === 'POST' ? body : undefined, url);
    if (!resolved.ok) return sendJson(res, resolved.status, graphqlError(resolved.message, resolved.code));
    body = resolved.body;

    // The caller going away cancels the request, and with it every upstream call it started.
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    // A multipart request arrives here already turned into its JSON operations.
    if (read.multipart) headers.set('content-type', 'application/json');
    const requestLogger = logger.child({ requestId, caller: caller.name });
    const started = performance.now();
    const operationName = isRecord(body) && typeof body.operationName === 'string' ? body.operationName.slice(0, 100) : undefined;
    res.on('finish', () => requestLogger.info('request', { method: req.method, status: res.statusCode, operationName, ms: Math.round(performance.now() - started) }));
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: resolved.search, body },
      context: async () => createContext(services, { requestId, signal: abort.signal, logger: requestLogger, caller }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (read.multipart && !req.complete) {
      // The answer came before the whole upload was read (a file refused mid-way): stop parsing,
      // let the rest of the body drain, and close the connection after answering.
      res.setHeader('connection', 'close');
      res.once('finish', () => {
        req.unpipe();
        req.resume();
      });
    }
    if (response.body.kind === 'complete') return void res.end(response.body.string);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const base = `http://${host}:${port}`;
  services.reviewCallbackUrl = `${config.publicUrl ?? base}${CALLBACK_PATH}${callbackToken}`;

  return {
    url: base,
    graphqlUrl: base + GRAPHQL_PATH,
    metrics,
    async close() {
      // In-flight requests get a short grace period, then their connections are closed.
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 2_000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await apollo.stop();
      await http.close();
    },
  };
}

/** The review callback's secret: configured, or made once and kept in the registry across restarts. */
async function reviewCallbackToken(config: GatewayConfig, registry: AppRegistry): Promise<string> {
  if (config.callbackToken) return config.callbackToken;
  const stored = registry.getRecord<string>('settings', 'reviewCallbackToken');
  if (stored) return stored;
  const token = randomBytes(24).toString('base64url');
  await registry.putRecord('settings', 'reviewCallbackToken', token);
  return token;
}

type DocumentResolution = { ok: true; body: unknown; search: string } | { ok: false; status: number; code: string; message: string };

/** Applies the persisted-documents rules to a POST body (one request or a batch) or a GET's parameters. */
function resolveDocuments(documents: TrustedDocuments, body: unknown, url: URL): DocumentResolution {
  if (body !== undefined) {
    const requests = Array.isArray(body) ? body : [body];
    const out: unknown[] = [];
    for (const request of requests) {
      if (typeof request !== 'object' || request === null) {
        out.push(request);
        continue;
      }
      const r = documents.resolve(request as Record<string, unknown>);
      if (!r.ok) return r;
      out.push(r.params);
    }
    return { ok: true, body: Array.isArray(body) ? out : out[0], search: url.search };
  }
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (typeof params.extensions === 'string') {
    try {
      params.extensions = JSON.parse(params.extensions);
    } catch {
      // Left as it is: Apollo reports a malformed `extensions` parameter itself.
    }
  }
  const r = documents.resolve(params);
  if (!r.ok) return r;
  if (r.params === params) return { ok: true, body: undefined, search: url.search };
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(r.params)) search.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  return { ok: true, body: undefined, search: `?${search}` };
}

function graphqlError(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}

type BodyRead = { ok: true; body: unknown; multipart: boolean } | { ok: false; status: number; message: string; headers?: Record<string, string> };

/**
 * Reads a GraphQL request body. GraphQL over HTTP: a POST carries `application/json` in UTF-8;
 * the GraphQL multipart request spec adds `multipart/form-data` for file uploads. Anything else is
 * refused with 415 before Apollo sees it.
 */
async function readGraphQLBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<BodyRead> {
  if (req.method !== 'POST') {
    const rest = await readBody(req, maxBytes);
    return rest === 'too-large' ? { ok: false, status: 413, message: `The request body is larger than ${maxBytes} bytes.`, headers: { connection: 'close' } } : { ok: true, body: undefined, multipart: false };
  }
  if (/^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')) {
    // A form is a "simple" request any web page can make a browser send: without a header a page
    // cannot set cross-site, it could be a forged upload (the rule Apollo applies to GETs).
    if (!req.headers['apollo-require-preflight'] && !req.headers['x-apollo-operation-name']) {
      req.resume();
      return { ok: false, status: 400, message: 'A multipart request needs the header `apollo-require-preflight: true` (CSRF protection).' };
    }
    try {
      const body = await processRequest(req, res, { maxFieldSize: maxBytes, maxFileSize: MAX_CERTIFICATE_BYTES + 1, maxFiles: 2 });
      return { ok: true, body, multipart: true };
    } catch (error) {
      const status = (error as { status?: number }).status;
      return { ok: false, status: status === 413 ? 413 : 400, message: error instanceof Error ? error.message : 'Invalid multipart request.' };
    }
  }
  const read = await readBody(req, maxBytes);
  if (read === 'too-large') return { ok: false, status: 413, message: `The request body is larger than ${maxBytes} bytes.`, headers: { connection: 'close' } };
  if (!isUtf8Json(req.headers['content-type'])) {
    return { ok: false, status: 415, message: 'Unsupported content type: send the GraphQL request as "content-type: application/json" (UTF-8), or multipart/form-data for uploads.', headers: { 'accept-post': 'application/json, multipart/form-data' } };
  }
  if (read.length === 0) return { ok: true, body: undefined, multipart: false };
  try {
    return { ok: true, body: JSON.parse(read.toString('utf8')), multipart: false };
  } catch {
    return { ok: false, status: 400, message: 'The request body is not valid JSON.' };
  }
}

/** Whether a content-type header is `application/json`, with no charset or a UTF-8 one (RFC 8259). */
function isUtf8Json(header: string | undefined): boolean {
  const [type, ...params] = (header ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((param) => !param.startsWith('charset=') || /^charset="?utf-8"?$/.test(param));
}

/** Reads the whole body, stopping (without buffering more) once it exceeds `limit`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return 'too-large';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      return 'too-large';
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
