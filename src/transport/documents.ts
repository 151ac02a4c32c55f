// Persisted and trusted documents. Clients may send a `documentId` (GraphQL over HTTP, persisted
// documents appendix: "sha256:<hex>") or Apollo's `extensions.persistedQuery.sha256Hash` instead of a
// document; both are looked up in the manifest codegen writes. In trusted mode only documents of the
// manifest run at all, so a leaked endpoint cannot be used for arbitrary queries.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isRecord } from '../http/envelope.js';

export interface TrustedDocumentsOptions {
  /** Paths of the manifests, each `{"sha256:<hex>": "<document>"}`. */
  manifests: string[];
  /** Reject every document that is not in the manifest. */
  trusted: boolean;
}

export type Resolution = { ok: true; params: Record<string, unknown> } | { ok: false; status: number; code: string; message: string };

export class TrustedDocuments {
  private readonly documents: Map<string, string>;
  readonly trusted: boolean;

  constructor(documents: Record<string, string>, trusted: boolean) {
    this.documents = new Map(Object.entries(documents));
    this.trusted = trusted;
  }

  static load(options: TrustedDocumentsOptions): TrustedDocuments {
    const documents: Record<string, string> = {};
    for (const manifest of options.manifests) {
      try {
        Object.assign(documents, JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, string>);
      } catch (error) {
        if (options.trusted) throw new Error(`trusted documents: cannot read the manifest ${manifest} (${(error as NodeJS.ErrnoException).code ?? 'invalid JSON'})`);
      }
    }
    return new TrustedDocuments(documents, options.trusted);
  }

  get size(): number {
    return this.documents.size;
  }

  /** Replaces a document id by its document, and in trusted mode refuses anything else. */
  resolve(params: Record<string, unknown>): Resolution {
    const extensions = isRecord(params.extensions) ? params.extensions : undefined;
    const persisted = extensions && isRecord(extensions.persistedQuery) ? extensions.persistedQuery : undefined;
    const id =
      typeof params.documentId === 'string'
        ? params.documentId
        : typeof persisted?.sha256Hash === 'string'
          ? `sha256:${persisted.sha256Hash}`
          : undefined;

    if (id !== undefined) {
      const query = this.documents.get(id);
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
      const hash = `sha256:${createHash('sha256').update(params.query).digest('hex')}`;
      if (!this.documents.has(hash)) {
        return { ok: false, status: 400, code: 'PERSISTED_DOCUMENT_REQUIRED', message: 'This gateway only runs trusted documents: send the `documentId` of an operation from its manifest.' };
      }
    }
    return { ok: true, params };
  }
}

type DocumentResolution = { ok: true; body: unknown; search: string } | { ok: false; status: number; code: string; message: string };

/** Applies the persisted-documents rules to a POST body (one request or a batch) or a GET's parameters. */
export function resolveDocuments(documents: TrustedDocuments, body: unknown, searchParams: URLSearchParams, search: string): DocumentResolution {
  if (body !== undefined) {
    const requests = Array.isArray(body) ? body : [body];
    const out: unknown[] = [];
    for (const request of requests) {
      if (!isRecord(request)) {
        out.push(request);
        continue;
      }
      const r = documents.resolve(request);
      if (!r.ok) return r;
      out.push(r.params);
    }
    return { ok: true, body: Array.isArray(body) ? out : out[0], search };
  }
  const params: Record<string, unknown> = Object.fromEntries(searchParams);
  if (typeof params.extensions === 'string') {
    try {
      params.extensions = JSON.parse(params.extensions);
    } catch {
      // Left as it is: Apollo reports a malformed `extensions` parameter itself.
    }
  }
  const r = documents.resolve(params);
  if (!r.ok) return r;
  if (r.params === params) return { ok: true, body: undefined, search };
  const rebuilt = new URLSearchParams();
  for (const [k, v] of Object.entries(r.params)) rebuilt.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  return { ok: true, body: undefined, search: `?${rebuilt}` };
}
