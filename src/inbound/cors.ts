// CORS for browser frontends on other origins (the `cors` package from expressjs: the algorithm
// browsers expect, preflights and `Vary: Origin`). Origins come from GATEWAY_CORS_ORIGINS; none by
// default. A preflight is answered before authentication: browsers send it without credentials.
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';

/** The headers a frontend needs to send: its token, JSON, the CSRF preflight header of uploads, a request id. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id'];
/** The headers a frontend may read from answers. */
const EXPOSED_HEADERS = ['x-request-id', 'retry-after'];

/** What CORS made of a request: a preflight answered, a preflight refused (its origin is not allowed), or go on. */
export type CorsOutcome = 'answered' | 'refused' | 'continue';

export interface Cors {
  /** Adds the CORS headers of an allowed origin, and answers the preflight of one. */
  handle(req: IncomingMessage, res: ServerResponse): CorsOutcome;
}

export function createCors(origins: readonly string[]): Cors {
  const allowed = new Set(origins);
  const middleware = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    // Tokens travel in the Authorization header, never in cookies.
    credentials: false,
    maxAge: 600,
  });
  return {
    handle(req, res) {
      if (allowed.size === 0 && req.method !== 'OPTIONS') return 'continue';
      // The origin check above answers synchronously, so the middleware has run by the time it returns:
      // either it called `next` (not a preflight, or an origin it does not allow) or it answered the preflight.
      let passed = false;
      middleware(req as Parameters<typeof middleware>[0], res as Parameters<typeof middleware>[1], (error?: unknown) => {
        if (error) throw error;
        passed = true;
      });
      if (!passed) return 'answered';
      // A preflight from an origin not allowed is refused here, never passed on to authentication (a 401
      // would tell the browser nothing: it shows only the missing Allow-Origin).
      return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined ? 'refused' : 'continue';
    },
  };
}
