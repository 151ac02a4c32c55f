// HTTP for GraphiQL's files: content negotiation of the encoding (Accept-Encoding with q-values),
// conditional requests (If-None-Match → 304) and HEAD, which answers GET's headers without the body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import type { Encoding, Representation } from './assets.js';

/** Preference among equally acceptable encodings: the smallest first. */
const PREFERENCE: Encoding[] = ['br', 'gzip', 'identity'];

/** The encoding to send for an Accept-Encoding header (RFC 9110 §12.5.3); identity when none fits. */
export function negotiateEncoding(header: string | string[] | undefined): Encoding {
  if (header === undefined) return 'identity';
  const q = new Map<string, number>();
  for (const part of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (!coding) continue;
    const weight = params.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/.exec(p)).find(Boolean);
    q.set(coding === 'x-gzip' ? 'gzip' : coding, weight ? Number(weight[1]) : 1);
  }
  const star = q.get('*');
  // Identity is acceptable unless excluded, but below any coding the client names (it asked for those).
  const weightOf = (encoding: Encoding): number => q.get(encoding) ?? star ?? (encoding === 'identity' ? 0.0001 : 0);
  let best: Encoding = 'identity';
  let bestWeight = 0;
  for (const encoding of PREFERENCE) {
    const w = weightOf(encoding);
    if (w > bestWeight) [best, bestWeight] = [encoding, w];
  }
  // Nothing acceptable (identity;q=0 and no other): identity anyway rather than 406, as most servers do.
  return best;
}

/** Whether If-None-Match names the representation (weak comparison, as RFC 9110 §13.1.2 asks for GET). */
export function notModified(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** Sends a representation: 304 when the client has it, otherwise the body (none for HEAD). */
export function sendRepresentation(req: IncomingMessage, res: ServerResponse, representation: Representation, headers: Record<string, string>): void {
  const common = { ...headers, etag: representation.etag, vary: 'Accept-Encoding' };
  if (notModified(req.headers['if-none-match'], representation.etag)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  sendBody(req, res, 200, representation.body, representation.encoding, common);
}

/** 200 with a body in an encoding; HEAD gets the same headers, Content-Length included, and no body. */
export function sendBody(req: IncomingMessage, res: ServerResponse, status: number, body: Buffer, encoding: Encoding, headers: Record<string, string>): void {
  res.writeHead(status, {
    ...headers,
    ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
    'content-length': String(body.length),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A per-request body (the page) in the negotiated encoding: fast settings, it is small and changes. */
export function compressSmall(body: Buffer, encoding: Encoding): { body: Buffer; encoding: Encoding } {
  if (body.length < 1024 || encoding === 'identity') return { body, encoding: 'identity' };
  if (encoding === 'br') return { body: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }), encoding };
  return { body: gzipSync(body, { level: 6 }), encoding };
}
