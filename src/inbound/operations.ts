// The operations of one request, worked out once, after the body is read: a POST's JSON body (one
// operation or a batch), or the query string (a GET, or a POST that sent no body). The stages after
// it (limits, persisted documents, execution, the access log) all read this one value.
import { isRecord } from '../core/json.js';
import type { Target } from './target.js';

export interface Operations {
  /** Where the operations came from. */
  readonly source: 'body' | 'params';
  /** The body was a JSON array. */
  readonly batch: boolean;
  /** Each operation as sent; a batch may hold things that are not objects, which Apollo answers. */
  readonly list: readonly unknown[];
  /** The query string Apollo reads (rebuilt when a document id in it was resolved). */
  readonly search: string;
}

/** `body`: what the body stage read (undefined when there was none, and for any method but POST). */
export function operationsOf(method: string | undefined, body: unknown, target: Target): Operations {
  const sent = method === 'POST' ? body : undefined;
  if (sent === undefined) return { source: 'params', batch: false, list: [Object.fromEntries(target.searchParams)], search: target.search };
  return { source: 'body', batch: Array.isArray(sent), list: Array.isArray(sent) ? sent : [sent], search: target.search };
}

/** The operations that are objects: what the limits and the documents read. */
export function records(operations: Operations): Record<string, unknown>[] {
  return operations.list.filter(isRecord);
}

/** What Apollo's executeHTTPGraphQLRequest reads: the body (one operation or the batch) and the query string. */
export function httpParts(operations: Operations): { body: unknown; search: string } {
  const body = operations.source === 'params' ? undefined : operations.batch ? operations.list : operations.list[0];
  return { body, search: operations.search };
}

/** The operation name a single POST operation gives itself (for the log, when Apollo did not get as far). */
export function sentOperationName(operations: Operations): string | undefined {
  const only = operations.source === 'body' && !operations.batch ? operations.list[0] : undefined;
  return isRecord(only) && typeof only.operationName === 'string' ? only.operationName : undefined;
}
