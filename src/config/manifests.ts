// Reading the persisted-document manifests, once, at start-up. Manifests come from several places
// (the gateway's generated one first, then other teams' files or folders of them), so each is
// checked entry by entry: a bad manifest is a configuration problem naming the file and the entry,
// never a document that silently fails to run later. What a document id resolves to, per request,
// is the inbound layer's (src/inbound/documents.ts).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { isRecord } from '../core/json.js';

/** One document of a manifest. */
export interface TrustedDocument {
  /** `sha256:<64 hex>`, the SHA-256 of `document`. */
  id: string;
  document: string;
  /** The manifest file it came from. */
  manifest: string;
}

const ID = /^sha256:[0-9a-f]{64}$/;

export function documentIdOf(document: string): string {
  return `sha256:${createHash('sha256').update(document).digest('hex')}`;
}

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
