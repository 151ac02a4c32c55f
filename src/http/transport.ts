// The wire under every upstream call: a keep-alive pool per origin (undici Agent), Basic auth, a
// deadline plus the caller's cancellation, and JSON decoding (lossless where an endpoint needs
// 64-bit integers). Envelopes, caching and quotas sit above it (src/http/pipeline/).

import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import { Agent, type Dispatcher, type FormData, errors as undiciErrors } from 'undici';
import type { Credentials, ServiceName } from '../core/services.js';

export interface WireRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Scheme, host and port of the service. */
  origin: string;
  /** Path and query of the call. */
  path: string;
  credentials: Credentials;
  requestId: string;
  /** A JSON body (already serialised) or a multipart form. */
  body?: { json: string } | { form: FormData };
  /** Ends the call: the caller's cancellation and the call's deadline. */
  signal: AbortSignal;
  timeoutMs: number;
  /** Parse integers beyond 2^53 as exact decimal strings instead of rounding them. */
  lossless?: boolean;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body; undefined when empty; `text` kept when it is not JSON. */
  body: unknown;
  /** True when the body was not empty and not JSON. */
  notJson: boolean;
}

/** Why a call produced no usable answer; `cause` names the network reason for operators. */
export type TransportFailureKind = 'timeout' | 'connection' | 'cancelled' | 'too-large';

export class TransportFailure extends Error {
  constructor(
    readonly kind: TransportFailureKind,
    /** refused, reset, dns, tls, timeout, … (logs and traces only). */
    readonly cause_: string,
    options?: { cause?: unknown },
  ) {
    super(`upstream ${kind} (${cause_})`, options);
    this.name = 'TransportFailure';
  }
}

/** Keep-alive sockets of the pool, per upstream origin (the inbound connection cap leaves room for them). */
export const CONNECTIONS_PER_ORIGIN = 64;

export interface TransportOptions {
  /** Most bytes accepted in an answer; a larger one is a failure. */
  maxResponseBytes?: number;
  connectionsPerOrigin?: number;
}

export class Transport {
  private readonly agent: Agent;
  private readonly maxResponseBytes: number;

  constructor(options: TransportOptions = {}) {
    this.agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: options.connectionsPerOrigin ?? CONNECTIONS_PER_ORIGIN, pipelining: 1 });
    this.maxResponseBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
  }

  async send(service: ServiceName, req: WireRequest): Promise<WireResponse> {
    const headers: Record<string, string> = {
      authorization: basicAuth(req.credentials),
      accept: 'application/json',
      'x-request-id': req.requestId,
    };
    let body: string | FormData | undefined;
    if (req.body && 'json' in req.body) {
      body = req.body.json;
      headers['content-type'] = 'application/json;charset=utf-8';
    } else if (req.body) {
      body = req.body.form;
    }
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await this.agent.request({
        origin: req.origin,
        path: req.path,
        method: req.method,
        headers,
        body,
        signal: req.signal,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      text = await readText(res.body, this.maxResponseBytes);
    } catch (error) {
      throw classify(error, req.signal, service);
    }
    const responseHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) responseHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
    if (text.trim() === '') return { status: res.statusCode, headers: responseHeaders, body: undefined, notJson: false };
    try {
      return { status: res.statusCode, headers: responseHeaders, body: req.lossless ? parseLosslessJson(text) : JSON.parse(text), notJson: false };
    } catch {
      return { status: res.statusCode, headers: responseHeaders, body: undefined, notJson: true };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export function basicAuth({ username, password }: Credentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** JSON with every number kept exact: safe numbers as numbers, anything else as its decimal text. */
function parseLosslessJson(text: string): unknown {
  return parseLossless(text, null, (value: string) => (isSafeNumber(value) ? Number(value) : value));
}

class ResponseTooLarge extends Error {}

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
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ETIMEDOUT: 'connect-timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  UND_ERR_SOCKET: 'socket-closed',
  UND_ERR_CONNECT_TIMEOUT: 'connect-timeout',
};

function classify(error: unknown, signal: AbortSignal, _service: ServiceName): TransportFailure {
  if (error instanceof ResponseTooLarge) return new TransportFailure('too-large', 'response too large');
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (signal.aborted && !(reason instanceof Error && reason.name === 'TimeoutError')) return new TransportFailure('cancelled', 'cancelled', { cause: error });
  if (
    signal.aborted ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    (error instanceof Error && error.name === 'TimeoutError')
  ) {
    return new TransportFailure('timeout', 'timeout', { cause: error });
  }
  const code = networkCode(error);
  const cause = code ? (NETWORK_CAUSES[code] ?? (/^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code) ? 'tls' : code.toLowerCase())) : 'connection';
  return new TransportFailure('connection', cause, { cause: error });
}

function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, i = 0; e instanceof Error && i < 4; e = e.cause, i++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    if (code === 'UND_ERR_SOCKET' && !(e.cause instanceof Error)) return code;
  }
  return undefined;
}
