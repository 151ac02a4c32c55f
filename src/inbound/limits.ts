// The limits met before anything is parsed (src/limits/document.ts): how deeply an operation's
// variables and extensions nest, checked before anything walks them (resolving a document id does);
// then each document's tokens and bracket nesting, once persisted documents are resolved. Both are
// 400; the rest of the limits are Apollo's validation rules and plugins.
import type { GraphQLError } from 'graphql';
import type { DocumentGuard } from '../limits/document.js';
import { HttpError } from './errors.js';
import { type Operations, records } from './operations.js';

/** Variables and extensions of every operation (JSON text on the query string, parsed in a body). */
export function checkValues(guard: DocumentGuard, operations: Operations): void {
  for (const operation of records(operations)) {
    const refusal = guard.checkValues('variables', operation.variables) ?? guard.checkValues('extensions', operation.extensions);
    if (refusal) throw limitRefusal(refusal, 'BAD_USER_INPUT');
  }
}

/** The document of every operation, before Apollo parses it. */
export function checkDocuments(guard: DocumentGuard, operations: Operations): void {
  for (const operation of records(operations)) {
    const refusal = typeof operation.query === 'string' ? guard.check(operation.query) : null;
    if (refusal) throw limitRefusal(refusal, 'GRAPHQL_VALIDATION_FAILED');
  }
}

function limitRefusal(refusal: GraphQLError, code: string): HttpError {
  return new HttpError(400, refusal.message, { code, extensions: { limit: refusal.extensions.limit } });
}
