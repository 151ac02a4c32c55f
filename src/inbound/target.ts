// The request target, read defensively: only origin-form (`/path?query`) is served. Anything else
// (`//[`, `///`, `http://[::1`) is a malformed request, answered 400 — never an exception.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/** The GraphQL endpoint (and, for a browser, GraphiQL's page). */
export const GRAPHQL_PATH = '/graphql';

export interface Target {
  pathname: string;
  search: string;
  searchParams: URLSearchParams;
}

export function parseTarget(raw: string | undefined): Target | null {
  if (raw?.charCodeAt(0) !== 47 /* / */ || raw.charCodeAt(1) === 47) return null;
  const q = raw.indexOf('?');
  const pathname = q < 0 ? raw : raw.slice(0, q);
  const search = q < 0 ? '' : raw.slice(q);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a target with control characters is malformed
  if (/[\s\u0000-\u001f\u007f]/.test(pathname)) return null;
  let searchParams: URLSearchParams;
  try {
    searchParams = new URLSearchParams(search);
  } catch {
    return null;
  }
  return { pathname, search, searchParams };
}

/** The first stage: the request's target, or 400. */
export function targetOf(req: IncomingMessage): Target {
  const target = parseTarget(req.url);
  if (!target) throw new HttpError(400, 'The request target is malformed: send a path such as /graphql.', { code: 'BAD_REQUEST' });
  return target;
}
