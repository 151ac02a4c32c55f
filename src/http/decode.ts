// Shared pieces of the services' envelope decoders: how a business code or a bare HTTP status
// becomes an UpstreamError, and the Retry-After hint taken from Jiguang's rate-limit headers.
import { codeForHttpStatus, upstreamError, type ErrorCode, type UpstreamError } from '../errors.js';
import type { UpstreamResponse } from './upstream.js';

/** A service's table from business code to (gateway code); codes absent from it are UPSTREAM_ERROR. */
export type BusinessCodeTable = Readonly<Record<string, ErrorCode>>;

/** The error for an answer that carries a business code (or only an HTTP status when `code` is null). */
export function businessError(res: UpstreamResponse, table: BusinessCodeTable, code: number | string | null, message: unknown): UpstreamError {
  const gatewayCode: ErrorCode = code === null ? codeForHttpStatus(res.status) : (table[String(code)] ?? (res.status >= 500 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_ERROR'));
  const info = { ...res.info, businessCode: code, upstreamMessage: typeof message === 'string' ? message.slice(0, 200) : null };
  return upstreamError(gatewayCode, info, gatewayCode === 'RATE_LIMITED' ? retryAfterSeconds(res.headers) : undefined);
}

/** Seconds until a rate-limit window ends, from Retry-After or X-Rate-Limit-Reset; undefined if unknown. */
export function retryAfterSeconds(headers: Record<string, string>): number | undefined {
  for (const name of ['retry-after', 'x-rate-limit-reset']) {
    const value = Number(headers[name]);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
