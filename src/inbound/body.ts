// Reading a GraphQL request body within GATEWAY_MAX_BODY_BYTES. GraphQL over HTTP: a POST carries
// `application/json` in UTF-8; the GraphQL multipart request spec adds `multipart/form-data` for
// uploads. A body over the limit, declared or chunked, is answered 413 only once the client has
// finished sending (up to a bounded drain), so every client reads the answer instead of a reset.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import processRequest from 'graphql-upload/processRequest.mjs';
import { jsonBodyNesting } from '../limits/document.js';
import { MAX_CERTIFICATE_BYTES } from '../push/certificate.js';
import { HttpError } from './errors.js';

/** Most bytes of an oversize body read (and thrown away) so its 413 can be read; beyond it the connection is closed. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;
/**
 * A body still arriving after BODY_GRACE_MS must have come at MIN_BODY_BYTES_PER_SECOND on average
 * (checked every second), or it is answered 408 and its connection closed: a sender trickling a few
 * bytes a second would otherwise hold its connection for the whole GATEWAY_REQUEST_TIMEOUT_MS.
 */
const BODY_GRACE_MS = 5_000;
const MIN_BODY_BYTES_PER_SECOND = 4 * 1024;

/** A body read: the parsed JSON (undefined when there is none), or the operations of a multipart upload. */
export interface GraphQLBody {
  body: unknown;
  multipart: boolean;
}

const bad = (message: string, init: { status?: number; close?: boolean } = {}) => new HttpError(init.status ?? 400, message, { code: 'BAD_REQUEST', close: init.close });

/**
 * Reads a GraphQL request's body, or throws its refusal (400, 408, 413, 415). `maxNesting`: how deeply
 * an operation's variables and extensions may nest (checked before a JSON body is parsed).
 */
export async function readGraphQLBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, maxNesting = Number.POSITIVE_INFINITY): Promise<GraphQLBody> {
  if (req.method !== 'POST') {
    // A GET has no body; one that sends one anyway is read within the same limit.
    const rest = await readBody(req, maxBytes);
    if (!rest.ok) throw unread(maxBytes, rest);
    return { body: undefined, multipart: false };
  }
  const contentType = req.headers['content-type'] ?? '';
  const multipart = /^multipart\/form-data\b/i.test(contentType);
  // A form is a "simple" request any web page can make a browser send: without a header a page
  // cannot set cross-site, it could be a forged upload (the rule Apollo applies to GETs).
  if (multipart && !req.headers['apollo-require-preflight'] && !req.headers['x-apollo-operation-name']) {
    const rest = await readBody(req, maxBytes);
    throw bad('A multipart request needs the header `apollo-require-preflight: true` (CSRF protection).', { close: !rest.ok && !rest.drained });
  }
  const read = await readBody(req, maxBytes);
  if (!read.ok) throw unread(maxBytes, read);
  if (multipart) {
    try {
      const upload = Object.assign(Readable.from([read.bytes]), { headers: req.headers }) as unknown as IncomingMessage;
      const body = await processRequest(upload, res, { maxFieldSize: maxBytes, maxFileSize: MAX_CERTIFICATE_BYTES + 1, maxFiles: 2 });
      return { body, multipart: true };
    } catch (error) {
      const status = (error as { status?: number }).status;
      throw bad(error instanceof Error ? error.message : 'Invalid multipart request.', { status: status === 413 ? 413 : 400 });
    }
  }
  if (!isUtf8Json(contentType)) {
    throw new HttpError(415, 'Unsupported content type: send the GraphQL request as "content-type: application/json" (UTF-8), or multipart/form-data for uploads.', {
      code: 'BAD_REQUEST',
      headers: { 'accept-post': 'application/json, multipart/form-data' },
    });
  }
  if (read.bytes.length === 0) return { body: undefined, multipart: false };
  const text = read.bytes.toString('utf8');
  const deep = jsonBodyNesting(text, maxNesting);
  if (deep) throw new HttpError(400, deep, { code: 'BAD_USER_INPUT', extensions: { limit: 'nesting' } });
  try {
    return { body: JSON.parse(text), multipart: false };
  } catch {
    throw bad('The request body is not valid JSON.');
  }
}

/** The refusal of a body not read: too slow (408), or over the limit (413). */
function unread(maxBytes: number, read: { drained: boolean; slow?: boolean }): HttpError {
  if (read.slow) return bad('The request body arrived too slowly.', { status: 408, close: true });
  return bad(`The request body is larger than ${maxBytes} bytes.`, { status: 413, close: !read.drained });
}

/** Whether a content-type header is `application/json`, with no charset or a UTF-8 one (RFC 8259). */
function isUtf8Json(header: string): boolean {
  const [type, ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((param) => !param.startsWith('charset=') || /^charset="?utf-8"?$/.test(param));
}

type Read = { ok: true; bytes: Buffer } | { ok: false; drained: boolean; slow?: boolean };

/**
 * Reads the whole body, keeping at most `limit` bytes. Past the limit (declared or counted) the rest
 * is read and thrown away, up to DRAIN_MAX_BYTES or DRAIN_MAX_MS; `drained` says whether the client
 * finished sending. A body slower than MIN_BODY_BYTES_PER_SECOND after BODY_GRACE_MS is `slow`.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Read> {
  const declared = Number(req.headers['content-length']);
  let over = Number.isFinite(declared) && declared > limit;
  // `complete` says the parser has the whole message; only `readableEnded` says it was read already.
  if (req.readableEnded && !over) return Promise.resolve({ ok: true, bytes: Buffer.alloc(0) });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const started = Date.now();
    const finish = (result: Read) => {
      clearTimeout(timer);
      clearTimeout(pace);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (!result.ok && !result.drained) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (!over && size > limit) {
        over = true;
        chunks.length = 0;
      }
      if (!over) chunks.push(chunk);
      else if (size > DRAIN_MAX_BYTES) finish({ ok: false, drained: false });
    };
    const onEnd = () => finish(over ? { ok: false, drained: true } : { ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    const onError = () => finish({ ok: false, drained: false });
    // An oversize body has a deadline; any body a minimum pace, besides the server's requestTimeout.
    const timer = setTimeout(() => over && finish({ ok: false, drained: false }), DRAIN_MAX_MS);
    const checkPace = () => {
      if (size < (MIN_BODY_BYTES_PER_SECOND * (Date.now() - started)) / 1000) finish({ ok: false, drained: false, slow: !over });
      else pace = setTimeout(checkPace, 1_000);
    };
    let pace = setTimeout(checkPace, BODY_GRACE_MS);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
