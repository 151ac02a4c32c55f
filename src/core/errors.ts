// The gateway's error model, in one place. Every failure a client can see is a GatewayError with a
// fixed `extensions.code` from the schema's ErrorCode enum; anything else is masked by `maskError`.

import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import type { ErrorCode } from '../generated/graphql.js';
import type { Logger } from './logger.js';
import type { ServiceName } from './services.js';

export type { ErrorCode };

/** Diagnosis of an upstream failure, returned as `extensions.jiguang`. Never a body, URL or secret. */
export interface JiguangErrorInfo {
  service: ServiceName;
  /**
   * The business code Jiguang answered: a number as sent, a string only when it is a short token
   * (`[A-Za-z0-9_.:-]{1,64}`) holding no secret; null otherwise (src/http/scrub.ts `fromUpstream`).
   */
  businessCode: number | string | null;
  /** Jiguang's short message for the code, scrubbed and bounded; never the raw body. */
  upstreamMessage: string | null;
  /** The HTTP status Jiguang answered, null when no answer came. */
  httpStatus: number | null;
  /** The request id the gateway sent upstream (and Jiguang's own, when it returned one that is a short token). */
  requestId: string;
  upstreamRequestId?: string;
}

export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.code = code;
    this.name = 'GatewayError';
  }
}

export class BadUserInputError extends GatewayError {
  constructor(message: string, argumentName?: string) {
    super('BAD_USER_INPUT', message, argumentName ? { argument: argumentName } : {});
  }
}

/** The HTTP request itself is unusable (e.g. a multipart body that ends inside a file): HTTP 400. */
export class BadRequestError extends GatewayError {
  constructor(message: string) {
    super('BAD_REQUEST', message, { http: { status: 400 } });
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class ForbiddenError extends GatewayError {
  constructor(message: string) {
    // Apollo takes the HTTP status from extensions.http and does not return it to the client.
    super('FORBIDDEN', message, { http: { status: 403 } });
  }
}

export class RequestCancelledError extends GatewayError {
  constructor() {
    super('REQUEST_CANCELLED', 'The request was cancelled before it finished.');
  }
}

/** A failure of a call to Jiguang: transport, HTTP status or business code. */
export class UpstreamError extends GatewayError {
  readonly jiguang: JiguangErrorInfo;
  constructor(code: ErrorCode, message: string, jiguang: JiguangErrorInfo, retryAfterSeconds?: number) {
    super(code, message, {
      jiguang,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
    this.jiguang = jiguang;
  }
}

const SERVICE_TITLES: Record<ServiceName, string> = {
  jmlink: 'JMLink',
  portrait: 'JPortrait',
  'push-admin': 'JPush Admin',
  'verification-admin': 'JVerification Admin',
  growth: 'Operation Growth',
};

export function serviceTitle(service: ServiceName): string {
  return SERVICE_TITLES[service];
}

/** Default client-facing sentence for an upstream error code. */
const UPSTREAM_SENTENCES: Partial<Record<ErrorCode, string>> = {
  BAD_USER_INPUT: 'rejected the request parameters',
  NOT_FOUND: 'does not know the requested resource',
  UPSTREAM_AUTH_FAILED: "refused the gateway's credentials",
  UPSTREAM_ACCESS_DENIED: 'refused access to this feature',
  RATE_LIMITED: 'rate limit reached; try again later',
  UPSTREAM_TIMEOUT: 'did not answer in time',
  UPSTREAM_UNAVAILABLE: 'is unavailable',
  UPSTREAM_ERROR: 'answered something unexpected',
};

export function upstreamError(code: ErrorCode, info: JiguangErrorInfo, retryAfterSeconds?: number): UpstreamError {
  const sentence = UPSTREAM_SENTENCES[code] ?? 'failed';
  return new UpstreamError(code, `${serviceTitle(info.service)} ${sentence}.`, info, retryAfterSeconds);
}

/** The code for an HTTP status when the body says nothing more specific. */
export function codeForHttpStatus(status: number): ErrorCode {
  if (status === 401) return 'UPSTREAM_AUTH_FAILED';
  if (status === 403) return 'UPSTREAM_ACCESS_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 408 || status === 504) return 'UPSTREAM_TIMEOUT';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'UPSTREAM_UNAVAILABLE';
  return 'UPSTREAM_ERROR';
}

/** Codes graphql-js / Apollo Server produce themselves, and the schema's ErrorCode each becomes. */
const APOLLO_CODES: Readonly<Record<string, ErrorCode>> = {
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_REQUEST',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_DOCUMENT_NOT_FOUND',
  // An operation name the document does not define, or several operations and no name.
  OPERATION_RESOLUTION_FAILURE: 'GRAPHQL_VALIDATION_FAILED',
};

/**
 * Apollo's formatError hook: keeps deliberate errors, masks everything else (GraphQL Yoga's rule).
 * A literal that a scalar refused (e.g. `from: "2024-13-01"`) is a validation error in graphql-js;
 * our scalars refuse with BadUserInputError (src/resolvers/scalars.ts), so it is reported as
 * BAD_USER_INPUT, like the same value passed in a variable.
 */
export function maskError(logger: Logger) {
  return (formatted: import('graphql').GraphQLFormattedError, error: unknown): import('graphql').GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof GatewayError) return formatted;
    const apolloCode = formatted.extensions?.code;
    const code = typeof apolloCode === 'string' ? APOLLO_CODES[apolloCode] : undefined;
    if (code) {
      const scalarRefused = code === 'GRAPHQL_VALIDATION_FAILED' && error instanceof GraphQLError && error.originalError instanceof BadUserInputError;
      return { ...formatted, extensions: { ...formatted.extensions, code: scalarRefused ? 'BAD_USER_INPUT' : code } };
    }
    // Apollo refuses some requests with a bare GraphQLError and HTTP 400 (a persisted-query hash that
    // does not match the document, an unsupported persisted-query version): the request is unusable.
    if (original instanceof GraphQLError && !formatted.path && (original.extensions.http as { status?: number } | undefined)?.status === 400) {
      return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
    }
    logger.error('unexpected error', { error: describeError(original), path: formatted.path });
    return {
      message: 'Internal server error.',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** A loggable description of an unknown thrown value (message and stack, nothing else). */
export function describeError(error: unknown): { name: string; message: string; stack?: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'NonError', message: String(error) };
}
