// Persisted and trusted documents. Clients may send a `documentId` (GraphQL over HTTP, persisted
// documents appendix: "sha256:<hex>") or Apollo's `extensions.persistedQuery.sha256Hash` instead of a
// document; both are looked up in the manifests. In trusted mode only documents of the manifests run
// at all, so a leaked endpoint cannot be used for arbitrary queries.
//
// The manifests themselves are read and checked once, with the configuration (src/config/manifests.ts):
// a bad one stops the start-up there, so what arrives here is known good.
import { getIntrospectionQuery } from 'graphql';
import { type DocumentSettings, documentIdOf, type TrustedDocument } from '../config/index.js';
import { isRecord } from '../core/json.js';
import { HttpError } from './errors.js';
import type { Operations } from './operations.js';

export type Resolution = { ok: true; params: Record<string, unknown> } | { ok: false; status: number; code: string; message: string };

/**
 * The introspection query GraphiQL's Docs pane uses, by id: in trusted mode the page sends this id,
 * since its own introspection text is no manifest's. Whether it runs is still Apollo's
 * `GATEWAY_INTROSPECTION` setting (off: a validation error, as for any introspection).
 */
export const INTROSPECTION_DOCUMENT: { id: string; document: string } = (() => {
  const document = getIntrospectionQuery();
  return { id: documentIdOf(document), document };
})();

export class TrustedDocuments {
  private readonly byId: Map<string, string>;
  private readonly listed: readonly TrustedDocument[];
  readonly trusted: boolean;

  constructor(documents: Record<string, string> | readonly TrustedDocument[], trusted: boolean) {
    this.listed = Array.isArray(documents) ? documents : Object.entries(documents as Record<string, string>).map(([id, document]) => ({ id, document, manifest: '(inline)' }));
    this.byId = new Map(this.listed.map((d) => [d.id, d.document]));
    this.trusted = trusted;
  }

  /** The documents the configuration read (GatewayConfig `documents`). */
  static from(settings: Pick<DocumentSettings, 'list' | 'trusted'>): TrustedDocuments {
    return new TrustedDocuments(settings.list, settings.trusted);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The manifests' documents in the order they were configured (the built-in introspection not among them). */
  list(): readonly TrustedDocument[] {
    return this.listed;
  }

  private lookup(id: string): string | undefined {
    return this.byId.get(id) ?? (id === INTROSPECTION_DOCUMENT.id ? INTROSPECTION_DOCUMENT.document : undefined);
  }

  /** Replaces a document id by its document, and in trusted mode refuses anything else. */
  resolve(params: Record<string, unknown>): Resolution {
    const extensions = isRecord(params.extensions) ? params.extensions : undefined;
    const persisted = extensions && isRecord(extensions.persistedQuery) ? extensions.persistedQuery : undefined;
    const id = typeof params.documentId === 'string' ? params.documentId : typeof persisted?.sha256Hash === 'string' ? `sha256:${persisted.sha256Hash}` : undefined;

    if (id !== undefined) {
      const query = this.lookup(id);
      if (query !== undefined) {
        const { documentId: _id, extensions: _ext, ...rest } = params;
        const otherExtensions = extensions ? Object.fromEntries(Object.entries(extensions).filter(([k]) => k !== 'persistedQuery')) : {};
        return { ok: true, params: { ...rest, query, ...(Object.keys(otherExtensions).length > 0 ? { extensions: otherExtensions } : {}) } };
      }
      // Apollo's automatic persisted queries register unknown hashes; only outside trusted mode.
      if (typeof params.documentId === 'string' || this.trusted) {
        return { ok: false, status: 400, code: 'PERSISTED_DOCUMENT_NOT_FOUND', message: `No trusted document has the id "${id.slice(0, 80)}".` };
      }
      return { ok: true, params };
    }
    if (this.trusted && typeof params.query === 'string') {
      if (!this.byId.has(documentIdOf(params.query))) {
        return {
          ok: false,
          status: 400,
          code: 'PERSISTED_DOCUMENT_REQUIRED',
          message: 'This gateway only runs trusted documents: send the `documentId` of an operation from its manifest.',
        };
      }
    }
    return { ok: true, params };
  }
}

/**
 * The persisted-documents stage: every operation's document id becomes its document, and trusted mode
 * refuses anything else (400). On the query string, the resolved operation is written back into it.
 */
export function resolveDocuments(documents: TrustedDocuments, operations: Operations): Operations {
  if (operations.source === 'body') {
    const list = operations.list.map((operation) => (isRecord(operation) ? resolved(documents.resolve(operation)) : operation));
    return { ...operations, list };
  }
  const params: Record<string, unknown> = { ...(operations.list[0] as Record<string, unknown>) };
  if (typeof params.extensions === 'string') {
    try {
      params.extensions = JSON.parse(params.extensions);
    } catch {
      // Left as it is: Apollo reports a malformed `extensions` parameter itself.
    }
  }
  const r = resolved(documents.resolve(params));
  if (r === params) return operations;
  const rebuilt = new URLSearchParams();
  for (const [k, v] of Object.entries(r)) rebuilt.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  return { ...operations, list: [r], search: `?${rebuilt}` };
}

function resolved(resolution: Resolution): Record<string, unknown> {
  if (!resolution.ok) throw new HttpError(resolution.status, resolution.message, { code: resolution.code });
  return resolution.params;
}
