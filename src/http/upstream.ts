// The one HTTP layer every Jiguang data source uses: a keep-alive pool per origin (undici Agent),
// Basic auth, a deadline plus the caller's cancellation on every call, tolerant JSON decoding,
// request-id forwarding, logging and metrics. Services decode their own envelopes on top of it.
import { Agent, errors as undiciErrors, type Dispatcher, type FormData } from 'undici';
import type { Credentials } from '../config.js';
import { RequestCancelledError, upstreamError, type JiguangErrorInfo, type ServiceName } from '../errors.js';
import type { Logger } from '../logger.js';
import type { UpstreamMetrics } from './metrics.js';

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  /** A JSON body; serialised with content-type application/json. */
  json?: unknown;
  /** A multipart/form-data body (undici sets the content type and boundary). */
  form?: FormData;
  credentials: Credentials;
  /** The GraphQL request's signal: when it aborts, the call ends. */
  signal?: AbortSignal;
  requestId: string;
  /**
   * Safe to send twice (reads, and writes idempotent by contract). Only such calls are retried,
   * and only after a connection failure; a call that may have reached Jiguang is never repeated otherwise.
   */
  idempotent: boolean;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body; undefined when the body was empty. */
  body: unknown;
  /** Context for error reports built by the service's decoder. */
  info: Omit<JiguangErrorInfo, 'businessCode' | 'upstreamMessage'>;
}

export interface UpstreamHttpOptions {
  timeoutMs: number;
  logger: Logger;
  metrics: UpstreamMetrics;
  /** Most bytes accepted in an answer; a larger one is an upstream error. */
  maxResponseBytes?: number;
}

export class UpstreamHttp {
  private readonly agent: Agent;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: UpstreamHttpOptions) {
    this.agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 64, pipelining: 1 });
    this.maxResponseBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
  }

  /** Sends one call to `baseUrl` + path. Throws GatewayError for transport failures and malformed bodies. */
  async request(service: ServiceName, baseUrl: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const attempts = req.idempotent ? 2 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send(service, baseUrl, req);
      } catch (error) {
        if (attempt >= attempts || !(error instanceof ConnectionFailure)) throw error instanceof ConnectionFailure ? error.toGatewayError() : error;
        this.options.logger.warn('upstream connection failed, retrying once', { service, requestId: req.requestId, path: req.path });
      }
    }
  }

  private async send(service: ServiceName, baseUrl: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const target = new URL(baseUrl + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) target.searchParams.set(k, String(v));
    const baseInfo = { service, httpStatus: null, requestId: req.requestId, businessCode: null, upstreamMessage: null };
    if (req.signal?.aborted) throw new RequestCancelledError();

    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    const headers: Record<string, string> = {
      authorization: basicAuth(req.credentials),
      accept: 'application/json',
      'x-request-id': req.requestId,
    };
    let body: string | FormData | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json;charset=utf-8';
    } else if (req.form) {
      body = req.form;
    }

    const started = performance.now();
    const finish = (outcome: Parameters<UpstreamMetrics['record']>[1], status: number | null) => {
      const seconds = (performance.now() - started) / 1000;
      this.options.metrics.record(service, outcome, seconds);
      this.options.logger.info('upstream call', {
        service,
        method: req.method,
        path: target.pathname,
        status,
        outcome,
        ms: Math.round(seconds * 1000),
        requestId: req.requestId,
      });
    };

    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await this.agent.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: req.method,
        headers,
        body,
        signal,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      text = await readText(res.body, this.maxResponseBytes);
    } catch (error) {
      if (req.signal?.aborted) {
        finish('cancelled', null);
        throw new RequestCancelledError();
      }
      if (deadline.aborted || isTimeout(error)) {
        finish('timeout', null);
        throw upstreamError('UPSTREAM_TIMEOUT', baseInfo);
      }
      if (error instanceof ResponseTooLarge) {
        finish('malformed', null);
        throw upstreamError('UPSTREAM_ERROR', baseInfo);
      }
      finish('connection_error', null);
      throw new ConnectionFailure(baseInfo, error);
    }

    const info = { ...baseInfo, httpStatus: res.statusCode };
    const responseHeaders = flattenHeaders(res.headers);
    let parsed: unknown;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        // A non-JSON body on an error status is an ordinary HTTP failure (a proxy's HTML page, say)
        // that the service decoder maps by status; on a success status it is a malformed answer.
        if (res.statusCode < 400) {
          finish('malformed', res.statusCode);
          throw upstreamError('UPSTREAM_ERROR', info);
        }
      }
    }
    finish(res.statusCode >= 400 ? 'http_error' : 'ok', res.statusCode);
    return { status: res.statusCode, headers: responseHeaders, body: parsed, info };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export function basicAuth({ username, password }: Credentials): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

class ConnectionFailure extends Error {
  constructor(
    readonly info: JiguangErrorInfo,
    cause: unknown,
  ) {
    super('connection failure', { cause });
  }
  toGatewayError() {
    return upstreamError('UPSTREAM_UNAVAILABLE', this.info);
  }
}

class ResponseTooLarge extends Error {}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  );
}

async function readText(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new ResponseTooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
