// Authentication: no anonymous caller gets past this stage, and the body of a refused request is
// never read. A 401 also ends its connection (connections.ts).
import type { IncomingMessage } from 'node:http';
import type { Caller, Callers } from '../auth/callers.js';
import { HttpError } from './errors.js';

export function authenticate(callers: Callers, req: IncomingMessage): Caller {
  const caller = callers.identify(req.headers.authorization);
  if (caller) return caller;
  throw new HttpError(401, 'A valid bearer token is required: send `Authorization: Bearer <token>`.', {
    code: 'UNAUTHENTICATED',
    headers: { 'www-authenticate': 'Bearer realm="jiguang-gateway"' },
  });
}
