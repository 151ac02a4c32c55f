// The one way a stage of the inbound path stops a request: it throws an HttpError, and the server
// writes it (respond.ts `sendError`), whichever stage threw. A GraphQL route answers in the GraphQL
// shape, `{ errors: [{ message, extensions: { ...extensions, code } }] }`; a route with a JSON shape
// of its own (unknown paths, GraphiQL files, the review callback) gives that body instead.

export interface HttpErrorInit {
  /** The GraphQL error code, `extensions.code` (GraphQL routes). */
  code?: string;
  /** The error's other extensions, written before `code`. */
  extensions?: Record<string, unknown>;
  /** The response's own top-level `extensions` (the cost of a request refused at admission). */
  responseExtensions?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Ends the connection after the answer: the body was not read to its end. */
  close?: boolean;
  /** The whole body of a route that does not answer in the GraphQL shape. */
  body?: unknown;
}

export class HttpError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly responseExtensions: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;
  readonly close: boolean;
  private readonly ownBody: unknown;

  constructor(status: number, message: string, init: HttpErrorInit = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = init.code;
    this.extensions = init.extensions ?? {};
    this.responseExtensions = init.responseExtensions;
    this.headers = init.headers ?? {};
    this.close = init.close ?? false;
    this.ownBody = init.body;
  }

  /** An answer in a route's own JSON shape, e.g. `{ error }` or `{ ok: false, error }`. */
  static plain(status: number, body: { error: string } & Record<string, unknown>, headers?: Record<string, string>): HttpError {
    return new HttpError(status, body.error, { body, headers });
  }

  /** The JSON body of the answer. */
  body(): unknown {
    if (this.ownBody !== undefined) return this.ownBody;
    const error = { message: this.message, extensions: { ...this.extensions, code: this.code ?? 'BAD_REQUEST' } };
    return this.responseExtensions ? { errors: [error], extensions: this.responseExtensions } : { errors: [error] };
  }

  /** Headers of the answer, `connection: close` last when the connection ends with it. */
  responseHeaders(): Record<string, string> {
    return this.close ? { ...this.headers, connection: 'close' } : this.headers;
  }
}

/** What a client gets for an error no stage expected (the cause goes to the log only). */
export function internalError(): HttpError {
  return new HttpError(500, 'Internal server error.', { code: 'INTERNAL_SERVER_ERROR' });
}
