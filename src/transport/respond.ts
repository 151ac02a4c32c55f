// Answers the server gives itself (outside GraphQL execution), and refusing a request without
// reading its body: a refused caller (no token, wrong callback token, over its rate) may be sending
// megabytes, and none of it is read — the connection is closed once the answer has left.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** How long a refused connection may stay open for the answer to reach the client. */
const REFUSED_LINGER_MS = 1_000;

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

export function graphqlError(message: string, code: string, extensions: Record<string, unknown> = {}) {
  return { errors: [{ message, extensions: { ...extensions, code } }] };
}

/**
 * Answers without reading the request body. When a body is still coming, the connection is closed
 * after the answer (half-closed at once, destroyed shortly after), and nothing more of it is read.
 */
export function refuse(req: IncomingMessage, res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const pending = !req.complete && hasBody(req);
  if (pending) {
    req.pause();
    headers = { ...headers, connection: 'close' };
    res.once('finish', () => {
      const socket = req.socket;
      socket.end();
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
    });
  }
  sendJson(res, status, value, headers);
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}
