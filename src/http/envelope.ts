// How each service wraps its answers, described as data, and the one decoder that reads them: where
// the business code, message and request id are, which codes mean success, and the table from
// business code to gateway code. A code the table does not know is decided by the HTTP status.

import { codeForHttpStatus, type ErrorCode, type JiguangErrorInfo, type UpstreamError, upstreamError } from '../core/errors.js';
import { isRecord } from '../core/json.js';
import { fromUpstream } from '../core/scrub.js';
import type { ServiceName } from '../core/services.js';
import type { WireResponse } from './transport.js';

/** A service's table from business code to gateway code. */
export type BusinessCodeTable = Readonly<Record<string, ErrorCode>>;

export interface EnvelopeSpec {
  service: ServiceName;
  /** Path of the business code in a JSON object body, e.g. ['error', 'code'] or ['code']. */
  code: readonly string[];
  /** Path of the upstream's message. */
  message: readonly string[];
  /** Path of the upstream's own request id, when it sends one. */
  requestId?: readonly string[];
  /** Whether a code (undefined when the body has none) with a status below 400 means success. */
  success(code: string | undefined, status: number): boolean;
  codes: BusinessCodeTable;
}

/** A successful answer: the body and the business code it carried (e.g. JPortrait's 2001). */
export interface Decoded {
  body: unknown;
  code: string | undefined;
  info: JiguangErrorInfo;
}

export interface DecodeContext {
  requestId: string;
  /** The forms of the call's own credentials (`credentialForms`), asked for only when a string needs the gate. */
  secrets: () => readonly string[];
}

/** Reads an answer through its service's envelope; throws the mapped UpstreamError on failure. */
export function decodeEnvelope(spec: EnvelopeSpec, res: WireResponse, ctx: DecodeContext): Decoded {
  const body = res.body;
  const raw = isRecord(body) ? at(body, spec.code) : undefined;
  const code = typeof raw === 'number' || typeof raw === 'string' ? String(raw) : undefined;
  let forms: readonly string[] | undefined;
  const secrets = () => (forms ??= ctx.secrets());
  // Everything taken from the answer for the client or the log passes the one gate (src/http/scrub.ts).
  const token = (value: unknown) => (typeof value === 'number' ? fromUpstream(value, 'token', []) : typeof value === 'string' ? fromUpstream(value, 'token', secrets()) : null);
  const upstreamRequestId = isRecord(body) && spec.requestId ? token(at(body, spec.requestId)) : null;
  const info: JiguangErrorInfo = {
    service: spec.service,
    businessCode: token(raw),
    upstreamMessage: null,
    httpStatus: res.status,
    requestId: ctx.requestId,
    ...(upstreamRequestId !== null ? { upstreamRequestId: String(upstreamRequestId) } : {}),
  };
  if (res.status < 400 && !res.notJson && spec.success(code, res.status)) return { body, code, info };
  if (res.status < 400 && (res.notJson || !isRecord(body))) throw malformed(info);
  const message = isRecord(body) ? fromUpstream(at(body, spec.message), 'text', secrets()) : null;
  const tableCode = code !== undefined && Object.hasOwn(spec.codes, code) ? spec.codes[code] : undefined;
  throw businessError({ ...info, upstreamMessage: message }, tableCode, res.headers);
}

/** The error for a failed answer: the table's code when it knows the business code, else the HTTP status's. */
export function businessError(info: JiguangErrorInfo, tableCode: ErrorCode | undefined, headers: Record<string, string>): UpstreamError {
  const httpStatus = info.httpStatus ?? 0;
  const code: ErrorCode = tableCode ?? (httpStatus >= 400 ? codeForHttpStatus(httpStatus) : 'UPSTREAM_ERROR');
  return upstreamError(code, info, code === 'RATE_LIMITED' ? retryAfterSeconds(headers) : undefined);
}

/** An answer that is not what the endpoint promises (wrong shape, not JSON). */
export function malformed(info: JiguangErrorInfo): UpstreamError {
  return upstreamError('UPSTREAM_ERROR', { ...info, upstreamMessage: info.upstreamMessage ?? 'malformed answer' });
}

/** Seconds until a rate-limit window ends, from Retry-After or X-Rate-Limit-Reset; undefined if unknown. */
export function retryAfterSeconds(headers: Record<string, string>): number | undefined {
  for (const name of ['retry-after', 'x-rate-limit-reset']) {
    const value = headers[name];
    if (value === undefined || value.trim() === '') continue;
    const n = Number(value);
    if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  }
  return undefined;
}

function at(body: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = body;
  for (const key of path) value = isRecord(value) ? value[key] : undefined;
  return value;
}
