// The GraphiQL page: a small HTML document naming the hashed assets, with this run's values (token,
// tabs, trusted documents) as JSON data the page script reads. Built per request and never cached:
// it may hold the demo token, and its asset URLs change with the assets.
import { createHash } from 'node:crypto';
import type { AssetName } from './assets.js';
import type { ExampleTab } from './examples.js';

/** What the page script reads (browser.ts). */
export interface PageConfig {
  graphqlPath: string;
  mode: 'default' | 'trusted';
  /** Demo mode and tests only: the token the page starts with. */
  token: string | null;
  /** Whether the gateway answers introspection (otherwise: no Docs pane). */
  introspection: boolean;
  /** Trusted mode: the built-in introspection document's id (documents.ts). */
  introspectionId: string | null;
  tabs: ExampleTab[];
  /** Trusted mode: a document's text (without leading comments) → its id. */
  trustedIds: Record<string, string>;
  /** The request that finds an app with short links: a document (default mode) or an id (trusted). */
  probe: { query: string } | { documentId: string } | null;
  /** The request that tells the caller's role (`viewer`), as the probe; null when no manifest has it (trusted). */
  viewer: { query: string } | { documentId: string } | null;
  /** The first line of a mutation tab (examples.ts MUTATION_MARK): a reader's page leaves those tabs out. */
  mutationMark: string;
  /** The app the examples open when the probe cannot tell. */
  exampleApp: string | null;
  /** Where GraphiQL keeps tabs and history: '' for its default; trusted mode keeps its own per manifest set. */
  storagePrefix: string;
}

/** The Content-Security-Policy of the page: scripts and connections to this origin only; no fonts are downloaded (system fonts). */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // React and GraphiQL set style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The page. Its own script comes before GraphiQL's bundle (React included): the token, role and
 * example-app requests run while the bundle downloads and compiles; it renders GraphiQL once the
 * bundle has run (DOMContentLoaded).
 */
export function renderPage(urls: Record<AssetName, string>, config: PageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>jiguang-gateway · GraphiQL${config.mode === 'trusted' ? ' (trusted documents)' : ''}</title>
<link rel="stylesheet" href="${urls['graphiql.css']}">
<link rel="stylesheet" href="${urls['page.css']}">
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script type="application/json" id="graphiql-config">${scriptJson(config)}</script>
<script src="${urls['page.js']}"></script>
<script src="${urls['graphiql.js']}"></script>
</body>
</html>
`;
}

/** A storage namespace per set of trusted documents: tabs of another set would not run. */
export function trustedStoragePrefix(ids: Iterable<string>): string {
  const hash = createHash('sha256');
  for (const id of ids) hash.update(id);
  return `jiguang-gateway-trusted-${hash.digest('hex').slice(0, 12)}:`;
}

/** JSON safe inside a <script> element: no `<` can close it (nor U+2028/U+2029 end a line). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
