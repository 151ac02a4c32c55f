// Answers the server gives itself (outside GraphQL execution). `sendError` is the one writer of an
// error, whichever stage threw it, before Apollo or after; `sendJson` writes the routes' own answers.
// An answer given while the request body is still unread reads none of it: a refused caller (no
// token, wrong callback token, over its rate) may be sending megabytes, and the connection is closed
// once the answer has left.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpError } from './errors.js';

/** How long a refused connection may stay open for the answer to reach the client. */
const REFUSED_LINGER_MS = 1_000;

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Writes an error; once an answer has begun, all that is left is to cut the connection. */
export function sendError(req: IncomingMessage, res: ServerResponse, error: HttpError): void {
  if (res.headersSent) return void res.destroy();
  let headers = error.responseHeaders();
  if (!req.complete && hasBody(req)) {
    // A body is still coming: nothing more of it is read, and the connection is half-closed at once
    // after the answer, destroyed shortly after.
    req.pause();
    headers = { ...headers, connection: 'close' };
    res.once('finish', () => {
      const socket = req.socket;
      socket.end();
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
    });
  }
  sendJson(res, error.status, error.body(), headers);
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}
