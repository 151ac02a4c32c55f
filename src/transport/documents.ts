// Persisted and trusted documents. Clients may send a `documentId` (GraphQL over HTTP, persisted
// documents appendix: "sha256:<hex>") or Apollo's `extensions.persistedQuery.sha256Hash` instead of a
// document; both are looked up in the manifests. In trusted mode only documents of the manifests run
// at all, so a leaked endpoint cannot be used for arbitrary queries.
//
// Manifests come from several places (the gateway's generated one first, then other teams' files or
// folders of them), so each is checked at start-up, entry by entry: a bad manifest is a start-up
// error naming the file and the entry, never a document that silently fails to run later.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { isRecord } from '../http/envelope.js';

export interface TrustedDocumentsOptions {
  /** Manifests, each a file `{"sha256:<hex>": "<document>"}` or a folder of `*.json` such files. */
  manifests: string[];
  /** Reject every document that is not in a manifest. */
  trusted: boolean;
}

/** One document of a manifest. */
export interface TrustedDocument {
  /** `sha256:<64 hex>`, the SHA-256 of `document`. */
  id: string;
  document: string;
  /** The manifest file it came from. */
  manifest: string;
}

export type Resolution = { ok: true; params: Record<string, unknown> } | { ok: false; status: number; code: string; message: string };

/** Every problem of the configured manifests, one line each. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

const ID = /^sha256:[0-9a-f]{64}$/;

export function documentIdOf(document: string): string {
  return `sha256:${createHash('sha256').update(document).digest('hex')}`;
}

/**
 * The introspection query GraphiQL's Docs pane uses, by id: in trusted mode the page sends this id,
 * since its own introspection text is no manifest's. Whether it runs is still Apollo's
 * `GATEWAY_INTROSPECTION` setting (off: a validation error, as for any introspection).
 */
export const INTROSPECTION_DOCUMENT: { id: string; document: string } = (() => {
  const document = getIntrospectionQuery();
  return { id: documentIdOf(document), document };
})();

/** Reads and checks every manifest (files, or folders of `*.json`), collecting every problem. */
export function readManifests(entries: string[]): { documents: TrustedDocument[]; problems: string[] } {
  const problems: string[] = [];
  const byId = new Map<string, TrustedDocument>();
  const seen = new Set<string>();
  for (const entry of entries) {
    for (const file of manifestFiles(entry, problems)) {
      // The same file named twice (directly and through its folder) is read once.
      const absolute = resolvePath(file);
      if (seen.has(absolute)) continue;
      seen.add(absolute);
      for (const { id, document, problem } of readManifest(file, problems)) {
        const earlier = byId.get(id);
        // The same id with another document elsewhere: say where, next to what is wrong with it.
        const conflict = earlier !== undefined && earlier.document !== document ? `; ${earlier.manifest} has another document under this id` : '';
        if (problem || conflict) problems.push(`persisted documents: ${file}: entry ${quote(id)}: ${problem ?? 'a second document under this id'}${conflict}`);
        else if (earlier === undefined) byId.set(id, { id, document: document as string, manifest: file });
      }
    }
  }
  return { documents: [...byId.values()], problems };
}

/** The manifest files of one configured entry: a file as it is, a folder's `*.json` by name. */
function manifestFiles(entry: string, problems: string[]): string[] {
  let folder: boolean;
  try {
    folder = statSync(entry).isDirectory();
  } catch (error) {
    problems.push(`persisted documents: ${entry}: cannot be read (${errorCode(error)})`);
    return [];
  }
  if (!folder) return [entry];
  const names = readdirSync(entry)
    .filter((name) => name.endsWith('.json'))
    .sort();
  if (names.length === 0) problems.push(`persisted documents: ${entry}: the folder holds no *.json manifest`);
  return names.map((name) => join(entry, name));
}

/** One manifest's entries, each with what is wrong with it (null: nothing); file-level problems go to `problems`. */
function readManifest(file: string, problems: string[]): { id: string; document: unknown; problem: string | null }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`persisted documents: ${file}: cannot be read (${errorCode(error)})`);
    return [];
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    problems.push(`persisted documents: ${file}: is not valid JSON (${(error as Error).message})`);
    return [];
  }
  if (!isRecord(json)) {
    problems.push(`persisted documents: ${file}: must be a JSON object of "sha256:<64 hex>": "<document>" entries`);
    return [];
  }
  return Object.entries(json).map(([id, document]) => ({
    id,
    document,
    problem: !ID.test(id)
      ? 'the key must be "sha256:" followed by 64 lower-case hex characters'
      : typeof document !== 'string'
        ? `the document must be a string, not ${document === null ? 'null' : Array.isArray(document) ? 'an array' : typeof document}`
        : documentIdOf(document) !== id
          ? `the key is not the SHA-256 of the document (which is ${documentIdOf(document)})`
          : null,
  }));
}

function quote(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

export class TrustedDocuments {
  private readonly byId: Map<string, string>;
  private readonly listed: readonly TrustedDocument[];
  readonly trusted: boolean;

  constructor(documents: Record<string, string> | readonly TrustedDocument[], trusted: boolean) {
    this.listed = Array.isArray(documents) ? documents : Object.entries(documents as Record<string, string>).map(([id, document]) => ({ id, document, manifest: '(inline)' }));
    this.byId = new Map(this.listed.map((d) => [d.id, d.document]));
    this.trusted = trusted;
  }

  /** Reads every manifest; throws a ManifestError listing every problem when any is wrong. */
  static load(options: TrustedDocumentsOptions): TrustedDocuments {
    const { documents, problems } = readManifests(options.manifests);
    if (problems.length > 0) throw new ManifestError(problems);
    return new TrustedDocuments(documents, options.trusted);
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
